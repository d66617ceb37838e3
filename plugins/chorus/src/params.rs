//! The chorus's parameters, grouped for the host (Modulation, Flanger, Tone, Output). Ids are
//! stable forever: hosts store them in sessions and automation lanes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use nice_plug::prelude::*;
use plugin_kit::choices::lfo_note;
use plugin_kit::params::{
    centred, decibels, degrees, high_cut, low_cut, percent, rate, skewed, switch, time_ms,
};
use plugin_kit::text;
use shared_dsp::chorus::{
    HIGH_CUT_OFF_HZ, LOW_CUT_OFF_HZ, MAX_DELAY_MS, MAX_DEPTH_MS, MAX_FEEDBACK, MAX_RATE_HZ,
    MAX_VOICES, MIN_DELAY_MS, Mode, Rate, Settings,
};
use shared_dsp::delay::{DEFAULT_BPM, NoteValue};

/// The slowest free rate: a 20 s sweep. Slower ones come from Tempo Sync's long notes.
const SLOWEST_RATE_HZ: f32 = 0.05;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeParam {
    #[id = "chorus"]
    #[name = "Chorus"]
    Chorus,
    #[id = "ensemble"]
    #[name = "Ensemble"]
    Ensemble,
    #[id = "flanger"]
    #[name = "Flanger"]
    Flanger,
    #[id = "vibrato"]
    #[name = "Vibrato"]
    Vibrato,
}

impl From<ModeParam> for Mode {
    fn from(mode: ModeParam) -> Self {
        match mode {
            ModeParam::Chorus => Mode::Chorus,
            ModeParam::Ensemble => Mode::Ensemble,
            ModeParam::Flanger => Mode::Flanger,
            ModeParam::Vibrato => Mode::Vibrato,
        }
    }
}

#[derive(Params)]
pub struct ModulationParams {
    #[id = "mode"]
    pub mode: EnumParam<ModeParam>,
    #[id = "rate"]
    pub rate: FloatParam,
    #[id = "sync"]
    pub sync: BoolParam,
    #[id = "note"]
    pub note: IntParam,
    #[id = "depth"]
    pub depth: FloatParam,
    #[id = "delay"]
    pub delay: FloatParam,
    #[id = "voices"]
    pub voices: IntParam,
    #[id = "spread"]
    pub spread: FloatParam,
}

#[derive(Params)]
pub struct FlangerParams {
    #[id = "feedback"]
    pub feedback: FloatParam,
    #[id = "through-zero"]
    pub through_zero: BoolParam,
}

#[derive(Params)]
pub struct ToneParams {
    #[id = "low-cut"]
    pub low_cut: FloatParam,
    #[id = "high-cut"]
    pub high_cut: FloatParam,
    #[id = "analog"]
    pub analog: BoolParam,
}

#[derive(Params)]
pub struct OutputParams {
    #[id = "width"]
    pub width: FloatParam,
    #[id = "mix"]
    pub mix: FloatParam,
    #[id = "output"]
    pub output: FloatParam,
}

#[derive(Params)]
pub struct ChorusParams {
    #[nested(group = "Modulation")]
    pub modulation: ModulationParams,
    #[nested(group = "Flanger")]
    pub flanger: FlangerParams,
    #[nested(group = "Tone")]
    pub tone: ToneParams,
    #[nested(group = "Output")]
    pub output: OutputParams,
    #[id = "bypass"]
    pub bypass: BoolParam,
    /// The host's tempo (f32 bits) as the audio thread last saw it, for the note values' text.
    pub tempo: Arc<AtomicU32>,
}

impl Default for ChorusParams {
    fn default() -> Self {
        let tempo = Arc::new(AtomicU32::new((DEFAULT_BPM as f32).to_bits()));
        let feedback = MAX_FEEDBACK * 100.0;
        Self {
            modulation: ModulationParams {
                mode: EnumParam::new("Mode", ModeParam::Chorus),
                // The slow rates of chorus and flanger sweeps get most of the travel (1 Hz at
                // a third, 3 Hz at the middle); slower than 0.05 Hz is for Tempo Sync.
                rate: rate("Rate", 0.5, skewed(SLOWEST_RATE_HZ, MAX_RATE_HZ, -1.5)),
                sync: switch("Tempo Sync", false),
                note: lfo_note("Note", &tempo),
                // Flanger and vibrato depths (0.1–3 ms) get as much travel as chorus depths.
                depth: time_ms("Depth", 3.0, centred(0.0, MAX_DEPTH_MS, 3.0)),
                delay: time_ms("Delay", 12.0, centred(MIN_DELAY_MS, MAX_DELAY_MS, 5.0)),
                voices: IntParam::new(
                    "Voices",
                    2,
                    IntRange::Linear {
                        min: 1,
                        max: MAX_VOICES as i32,
                    },
                ),
                spread: degrees("Stereo Spread", 90.0, 0.0, 180.0),
            },
            flanger: FlangerParams {
                feedback: percent("Feedback", 0.0, -feedback, feedback),
                through_zero: switch("Through Zero", false),
            },
            tone: ToneParams {
                low_cut: low_cut(
                    "Low Cut",
                    LOW_CUT_OFF_HZ,
                    skewed(LOW_CUT_OFF_HZ, 2_000.0, -2.0),
                ),
                high_cut: high_cut(
                    "High Cut",
                    HIGH_CUT_OFF_HZ,
                    skewed(1_000.0, HIGH_CUT_OFF_HZ, -1.0),
                ),
                analog: switch("Analog", false),
            },
            output: OutputParams {
                width: percent("Width", 100.0, 0.0, 200.0),
                mix: percent("Mix", 50.0, 0.0, 100.0),
                output: decibels("Output", 0.0, -24.0, 12.0),
            },
            bypass: switch("Bypass", false).make_bypass(),
            tempo,
        }
    }
}

impl ChorusParams {
    /// The DSP settings these parameters describe right now (bypass is handled by the caller).
    pub fn settings(&self) -> Settings {
        let (m, f, t, o) = (&self.modulation, &self.flanger, &self.tone, &self.output);
        let (low_cut, high_cut) = (t.low_cut.value(), t.high_cut.value());
        Settings {
            mode: m.mode.value().into(),
            rate: if m.sync.value() {
                Rate::Note(NoteValue::from_index(m.note.value().max(0) as usize))
            } else {
                Rate::Hz(m.rate.value())
            },
            depth_ms: m.depth.value(),
            delay_ms: m.delay.value(),
            feedback: f.feedback.value() / 100.0,
            through_zero: f.through_zero.value(),
            voices: m.voices.value().clamp(1, MAX_VOICES as i32) as u32,
            spread_deg: m.spread.value(),
            width: o.width.value() / 100.0,
            // What reads "Off" is off (judged on the displayed frequency).
            low_cut_hz: if text::cut_is_off(low_cut, LOW_CUT_OFF_HZ, true) {
                LOW_CUT_OFF_HZ
            } else {
                low_cut
            },
            high_cut_hz: if text::cut_is_off(high_cut, HIGH_CUT_OFF_HZ, false) {
                HIGH_CUT_OFF_HZ
            } else {
                high_cut
            },
            analog: t.analog.value(),
            mix: o.mix.value() / 100.0,
            output: 10f32.powf(o.output.value() / 20.0),
        }
    }

    /// Publishes the tempo the note values' text should show.
    pub fn show_tempo(&self, bpm: f64) {
        self.tempo.store((bpm as f32).to_bits(), Ordering::Relaxed);
    }
}
