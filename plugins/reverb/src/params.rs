//! The reverb's parameters, grouped for hosts into "Reverb" (the space) and "Output" (what
//! happens to the wet signal and the mix). Ids are stable forever: hosts store them in
//! sessions and automation lanes. The impulse-response path is persisted with the state.

use std::sync::Arc;

use nice_plug::prelude::*;
use plugin_kit::choices::{CharacterParam, SidechainParam};
use plugin_kit::params::{
    decibels, frequency, high_cut, low_cut, percent, rate, skewed, switch, time_ms,
};
use plugin_kit::text;
use shared_dsp::reverb::{Mode, Settings};

use crate::ir::IrPath;

/// The bottom of the output gain travel, shown and treated as −∞ dB (silence).
pub const GAIN_FLOOR_DB: f32 = -80.0;
/// The ends of the cut filters' travel that mean "off".
pub const LOW_CUT_OFF_HZ: f32 = 10.0;
pub const HIGH_CUT_OFF_HZ: f32 = 22_000.0;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeParam {
    #[id = "algorithmic"]
    #[name = "Algorithmic"]
    Algorithmic,
    #[id = "convolution"]
    #[name = "Convolution"]
    Convolution,
}

#[derive(Params)]
pub struct ReverbParams {
    #[nested(group = "Reverb")]
    pub space: SpaceParams,
    #[nested(group = "Output")]
    pub output: OutputParams,
    #[id = "bypass"]
    pub bypass: BoolParam,
    /// The impulse response file (convolution mode), read again whenever a state is loaded.
    #[persist = "ir-path"]
    pub ir_path: IrPath,
}

#[derive(Params)]
pub struct SpaceParams {
    #[id = "mode"]
    pub mode: EnumParam<ModeParam>,
    #[id = "character"]
    pub character: EnumParam<CharacterParam>,
    #[id = "predelay"]
    pub predelay: FloatParam,
    #[id = "decay"]
    pub decay: FloatParam,
    #[id = "size"]
    pub size: FloatParam,
    #[id = "hf-decay"]
    pub hf_decay: FloatParam,
    #[id = "crossover"]
    pub crossover: FloatParam,
    #[id = "diffusion"]
    pub diffusion: FloatParam,
    #[id = "mod-depth"]
    pub mod_depth: FloatParam,
    #[id = "mod-rate"]
    pub mod_rate: FloatParam,
    #[id = "early-late"]
    pub early_late: FloatParam,
    #[id = "freeze"]
    pub freeze: BoolParam,
}

#[derive(Params)]
pub struct OutputParams {
    #[id = "width"]
    pub width: FloatParam,
    #[id = "low-cut"]
    pub low_cut: FloatParam,
    #[id = "high-cut"]
    pub high_cut: FloatParam,
    #[id = "duck"]
    pub duck: FloatParam,
    #[id = "duck-threshold"]
    pub duck_threshold: FloatParam,
    /// What the ducking listens to: the input, or the Sidechain input (the vocal's track).
    #[id = "duck-key"]
    pub duck_key: EnumParam<SidechainParam>,
    #[id = "mix"]
    pub mix: FloatParam,
    #[id = "gain"]
    pub gain: FloatParam,
}

impl Default for SpaceParams {
    fn default() -> Self {
        Self {
            mode: EnumParam::new("Mode", ModeParam::Algorithmic),
            character: EnumParam::new("Character", CharacterParam::Hall),
            predelay: time_ms("Pre-Delay", 0.0, skewed(0.0, 500.0, -1.5)),
            // Seconds internally, shown like every other time ("250 ms", "2.00 s").
            decay: FloatParam::new(
                "Decay",
                2.0,
                FloatRange::Skewed {
                    min: 0.1,
                    max: 30.0,
                    factor: FloatRange::skew_factor(-1.5),
                },
            )
            .with_step_size(0.001)
            .with_value_to_string(Arc::new(|s| text::ms_to_text(s * 1000.0)))
            .with_string_to_value(Arc::new(|t| text::text_to_ms(t).map(|ms| ms / 1000.0))),
            size: percent("Size", 50.0, 0.0, 100.0),
            hf_decay: percent("HF Decay", 50.0, 10.0, 100.0),
            crossover: frequency("HF Crossover", 3_000.0, skewed(500.0, 12_000.0, -2.0)),
            diffusion: percent("Diffusion", 75.0, 0.0, 100.0),
            mod_depth: percent("Mod Depth", 25.0, 0.0, 100.0),
            mod_rate: rate("Mod Rate", 0.7, skewed(0.1, 10.0, -1.0)),
            early_late: percent("Early/Late", 50.0, 0.0, 100.0),
            freeze: switch("Freeze", false),
        }
    }
}

impl Default for OutputParams {
    fn default() -> Self {
        Self {
            width: percent("Width", 100.0, 0.0, 100.0),
            // Defaults at the edges of hearing rather than "Off": harmless on a reverb return,
            // and keeps rumble and ultrasonics out of a long tail.
            low_cut: low_cut("Low Cut", 20.0, skewed(LOW_CUT_OFF_HZ, 2_000.0, -2.0)),
            high_cut: high_cut("High Cut", 20_000.0, skewed(1_000.0, HIGH_CUT_OFF_HZ, -1.0)),
            // A positive number of dB less wet, like a ducker's "depth".
            duck: FloatParam::new(
                "Ducking",
                0.0,
                FloatRange::Linear {
                    min: 0.0,
                    max: 30.0,
                },
            )
            .with_step_size(0.1)
            .with_value_to_string(Arc::new(|db| text::db_to_text(db, -1.0)))
            .with_string_to_value(Arc::new(|s| text::text_to_db(s, 0.0))),
            duck_threshold: decibels("Duck Threshold", -30.0, -60.0, 0.0),
            duck_key: EnumParam::new("Duck Key", SidechainParam::Internal),
            mix: percent("Mix", 30.0, 0.0, 100.0),
            // Skewed so that the musically useful top of the travel (−20…+12 dB) gets most of
            // it, like a fader.
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
        }
    }
}

impl Default for ReverbParams {
    fn default() -> Self {
        Self {
            space: SpaceParams::default(),
            output: OutputParams::default(),
            bypass: switch("Bypass", false).make_bypass(),
            ir_path: IrPath::default(),
        }
    }
}

impl ReverbParams {
    /// Whether the ducking listens to the Sidechain input.
    pub fn keyed(&self) -> bool {
        self.output.duck_key.value() == SidechainParam::External
    }

    /// The DSP settings these parameters describe right now (bypass is handled by the caller).
    pub fn settings(&self) -> Settings {
        let (s, o) = (&self.space, &self.output);
        let gain_db = o.gain.value();
        let low_cut = o.low_cut.value();
        let high_cut = o.high_cut.value();
        Settings {
            mode: match s.mode.value() {
                ModeParam::Algorithmic => Mode::Algorithmic,
                ModeParam::Convolution => Mode::Convolution,
            },
            character: s.character.value().into(),
            predelay_ms: s.predelay.value(),
            decay_s: s.decay.value(),
            size: s.size.value() / 100.0,
            hf_ratio: s.hf_decay.value() / 100.0,
            crossover_hz: s.crossover.value(),
            diffusion: s.diffusion.value() / 100.0,
            mod_depth: s.mod_depth.value() / 100.0,
            mod_rate_hz: s.mod_rate.value(),
            early_late: s.early_late.value() / 100.0,
            width: o.width.value() / 100.0,
            // Off exactly when the text reads "Off" (judged on the displayed frequency).
            low_cut_hz: (!text::cut_is_off(low_cut, LOW_CUT_OFF_HZ, true)).then_some(low_cut),
            high_cut_hz: (!text::cut_is_off(high_cut, HIGH_CUT_OFF_HZ, false)).then_some(high_cut),
            freeze: s.freeze.value(),
            duck_db: o.duck.value(),
            duck_threshold_db: o.duck_threshold.value(),
            mix: o.mix.value() / 100.0,
            output_gain: if gain_db <= GAIN_FLOOR_DB {
                0.0
            } else {
                10f32.powf(gain_db / 20.0)
            },
        }
    }
}
