//! The panner's parameters. Ids are stable forever: hosts store them in sessions and
//! automation lanes.

use std::sync::Arc;

use nice_plug::prelude::*;
use shared_dsp::pan::{PanLaw, PanMode, Settings};
use shared_ui::text;

/// The bottom of the output gain travel, shown and treated as −∞ dB (silence).
pub const GAIN_FLOOR_DB: f32 = -80.0;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LawParam {
    #[id = "0db"]
    #[name = "0 dB (linear)"]
    ZeroDb,
    #[id = "-3db"]
    #[name = "-3 dB (constant power)"]
    ConstantPower,
    #[id = "-4.5db"]
    #[name = "-4.5 dB"]
    Compromise,
    #[id = "-6db"]
    #[name = "-6 dB (linear)"]
    Linear,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeParam {
    #[id = "balance"]
    #[name = "Balance"]
    Balance,
    #[id = "stereo-pan"]
    #[name = "Stereo Pan"]
    StereoPan,
}

#[derive(Params)]
pub struct PannerParams {
    #[id = "pan"]
    pub pan: FloatParam,
    #[id = "law"]
    pub law: EnumParam<LawParam>,
    #[id = "mode"]
    pub mode: EnumParam<ModeParam>,
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

fn switch(name: &str) -> BoolParam {
    BoolParam::new(name, false)
        .with_value_to_string(Arc::new(text::bool_to_text))
        .with_string_to_value(Arc::new(text::text_to_bool))
}

impl Default for PannerParams {
    fn default() -> Self {
        Self {
            pan: FloatParam::new(
                "Pan",
                0.0,
                FloatRange::Linear {
                    min: -100.0,
                    max: 100.0,
                },
            )
            .with_step_size(1.0)
            .with_value_to_string(Arc::new(text::pan_to_text))
            .with_string_to_value(Arc::new(text::text_to_pan)),
            law: EnumParam::new("Pan Law", LawParam::ConstantPower),
            mode: EnumParam::new("Pan Mode", ModeParam::Balance),
            width: FloatParam::new(
                "Width",
                100.0,
                FloatRange::Linear {
                    min: 0.0,
                    max: 200.0,
                },
            )
            .with_step_size(1.0)
            .with_value_to_string(Arc::new(text::percent_to_text))
            .with_string_to_value(Arc::new(text::text_to_percent)),
            mono: switch("Mono"),
            swap: switch("Swap L/R"),
            invert_left: switch("Invert Left"),
            invert_right: switch("Invert Right"),
            // Skewed so that the musically useful top of the travel (−20…+12 dB) gets most of
            // it, like a fader; 0 dB sits at about three quarters.
            gain: FloatParam::new(
                "Output Gain",
                0.0,
                FloatRange::Skewed {
                    min: GAIN_FLOOR_DB,
                    max: 12.0,
                    factor: 2.0,
                },
            )
            .with_step_size(0.1)
            .with_value_to_string(Arc::new(|db| text::db_to_text(db, GAIN_FLOOR_DB)))
            .with_string_to_value(Arc::new(|s| text::text_to_db(s, GAIN_FLOOR_DB))),
            bypass: switch("Bypass").make_bypass(),
        }
    }
}

impl PannerParams {
    /// The DSP settings these parameters describe right now (bypass is handled by the caller).
    pub fn settings(&self) -> Settings {
        let gain_db = self.gain.value();
        Settings {
            pan: self.pan.value() as f64 / 100.0,
            law: match self.law.value() {
                LawParam::ZeroDb => PanLaw::ZeroDb,
                LawParam::ConstantPower => PanLaw::ConstantPower,
                LawParam::Compromise => PanLaw::Compromise,
                LawParam::Linear => PanLaw::Linear,
            },
            mode: match self.mode.value() {
                ModeParam::Balance => PanMode::Balance,
                ModeParam::StereoPan => PanMode::StereoPan,
            },
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
