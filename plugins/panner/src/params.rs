//! The panner's parameters. Ids are stable forever: hosts store them in sessions and
//! automation lanes.

use nice_plug::prelude::*;
use plugin_kit::choices::{LawParam, PanModeParam};
use plugin_kit::params::{fader, pan, percent, switch};
use shared_dsp::pan::Settings;

/// The bottom of the output gain travel, shown and treated as −∞ dB (silence).
pub const GAIN_FLOOR_DB: f32 = -80.0;

#[derive(Params)]
pub struct PannerParams {
    #[id = "pan"]
    pub pan: FloatParam,
    #[id = "law"]
    pub law: EnumParam<LawParam>,
    #[id = "mode"]
    pub mode: EnumParam<PanModeParam>,
    #[id = "width"]
    pub width: FloatParam,
    #[id = "mono"]
    pub mono: BoolParam,
    #[id = "swap"]
    pub swap: BoolParam,
    #[id = "invert-l"]
    pub invert_left: BoolParam,
    #[id = "invert-r"]
    pub invert_right: BoolParam,
    #[id = "gain"]
    pub gain: FloatParam,
    #[id = "bypass"]
    pub bypass: BoolParam,
}

impl Default for PannerParams {
    fn default() -> Self {
        Self {
            pan: pan("Pan"),
            law: EnumParam::new("Pan Law", LawParam::ConstantPower),
            mode: EnumParam::new("Pan Mode", PanModeParam::Balance),
            width: percent("Width", 100.0, 0.0, 200.0),
            mono: switch("Mono", false),
            swap: switch("Swap L/R", false),
            invert_left: switch("Invert Left", false),
            invert_right: switch("Invert Right", false),
            // Skewed so that the musically useful top of the travel (−20…+12 dB) gets most of
            // it, like a fader; 0 dB sits at about three quarters.
            gain: fader("Output Gain", 0.0, GAIN_FLOOR_DB, 12.0),
            bypass: switch("Bypass", false).make_bypass(),
        }
    }
}

impl PannerParams {
    /// The DSP settings these parameters describe right now (bypass is handled by the caller).
    pub fn settings(&self) -> Settings {
        let gain_db = self.gain.value();
        Settings {
            pan: self.pan.value() as f64 / 100.0,
            law: self.law.value().into(),
            mode: self.mode.value().into(),
            width: self.width.value() as f64 / 100.0,
            mono: self.mono.value(),
            swap: self.swap.value(),
            invert_left: self.invert_left.value(),
            invert_right: self.invert_right.value(),
            gain: if gain_db <= GAIN_FLOOR_DB {
                0.0
            } else {
                10f64.powf(gain_db as f64 / 20.0)
            },
        }
    }
}
