//! The delay's parameters, grouped for the host (Time, Feedback, Modulation, Ducking,
//! Output). Ids are stable forever: hosts store them in sessions and automation lanes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use nice_plug::prelude::*;
use plugin_kit::choices::{SidechainParam, note};
use plugin_kit::params::{fader, frequency, percent, rate, skewed, switch, time_ms};
use plugin_kit::text;
use shared_dsp::delay::{
    DEFAULT_BPM, DelayTime, MAX_TIME_MS, MIN_TIME_MS, NoteValue, Settings, Side, TimeChange,
};

/// The bottom of the dry and wet level travel, shown and treated as −∞ dB (silence).
pub const LEVEL_FLOOR_DB: f32 = -80.0;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeChangeParam {
    #[id = "tape"]
    #[name = "Tape"]
    Tape,
    #[id = "clean"]
    #[name = "Clean"]
    Clean,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SideParam {
    #[id = "left"]
    #[name = "Left"]
    Left,
    #[id = "right"]
    #[name = "Right"]
    Right,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PingPongInputParam {
    #[id = "mono"]
    #[name = "Mono"]
    Mono,
    #[id = "stereo"]
    #[name = "Stereo"]
    Stereo,
}

#[derive(Params)]
pub struct TimeParams {
    #[id = "sync"]
    pub sync: BoolParam,
    #[id = "note-l"]
    pub note_left: IntParam,
    #[id = "note-r"]
    pub note_right: IntParam,
    #[id = "time-l"]
    pub time_left: FloatParam,
    #[id = "time-r"]
    pub time_right: FloatParam,
    #[id = "link"]
    pub link: BoolParam,
    #[id = "offset"]
    pub offset: FloatParam,
    #[id = "time-mode"]
    pub time_change: EnumParam<TimeChangeParam>,
}

#[derive(Params)]
pub struct FeedbackParams {
    #[id = "feedback"]
    pub feedback: FloatParam,
    #[id = "cross"]
    pub cross: FloatParam,
    #[id = "ping-pong"]
    pub ping_pong: BoolParam,
    #[id = "pp-start"]
    pub ping_pong_start: EnumParam<SideParam>,
    #[id = "pp-input"]
    pub ping_pong_input: EnumParam<PingPongInputParam>,
    #[id = "low-cut"]
    pub low_cut: BoolParam,
    #[id = "low-cut-freq"]
    pub low_cut_freq: FloatParam,
    #[id = "high-cut"]
    pub high_cut: BoolParam,
    #[id = "high-cut-freq"]
    pub high_cut_freq: FloatParam,
    #[id = "freeze"]
    pub freeze: BoolParam,
}

#[derive(Params)]
pub struct ModulationParams {
    #[id = "mod-rate"]
    pub rate: FloatParam,
    #[id = "mod-depth"]
    pub depth: FloatParam,
}

#[derive(Params)]
pub struct DuckingParams {
    #[id = "duck"]
    pub amount: FloatParam,
    #[id = "duck-release"]
    pub release: FloatParam,
    /// What the ducking listens to: the input, or the Sidechain input (the vocal's track).
    #[id = "duck-key"]
    pub key: EnumParam<SidechainParam>,
}

#[derive(Params)]
pub struct OutputParams {
    #[id = "width"]
    pub width: FloatParam,
    #[id = "dry"]
    pub dry: FloatParam,
    #[id = "wet"]
    pub wet: FloatParam,
}

#[derive(Params)]
pub struct DelayParams {
    #[nested(group = "Time")]
    pub time: TimeParams,
    #[nested(group = "Feedback")]
    pub feedback: FeedbackParams,
    #[nested(group = "Modulation")]
    pub modulation: ModulationParams,
    #[nested(group = "Ducking")]
    pub ducking: DuckingParams,
    #[nested(group = "Output")]
    pub output: OutputParams,
    #[id = "bypass"]
    pub bypass: BoolParam,
    /// The host's tempo (f32 bits) as the audio thread last saw it, for the note values' text.
    pub tempo: Arc<AtomicU32>,
}

impl Default for DelayParams {
    fn default() -> Self {
        let tempo = Arc::new(AtomicU32::new((DEFAULT_BPM as f32).to_bits()));
        Self {
            time: TimeParams {
                sync: switch("Tempo Sync", true),
                note_left: note("Note L", &tempo),
                note_right: note("Note R", &tempo),
                time_left: time_ms(
                    "Time L",
                    500.0,
                    skewed(MIN_TIME_MS as f32, MAX_TIME_MS as f32, -2.0),
                ),
                time_right: time_ms(
                    "Time R",
                    500.0,
                    skewed(MIN_TIME_MS as f32, MAX_TIME_MS as f32, -2.0),
                ),
                link: switch("Link L/R", true),
                offset: FloatParam::new(
                    "R Offset",
                    0.0,
                    FloatRange::Linear {
                        min: -100.0,
                        max: 100.0,
                    },
                )
                .with_step_size(0.01)
                .with_value_to_string(Arc::new(text::signed_ms_to_text))
                .with_string_to_value(Arc::new(text::text_to_ms)),
                time_change: EnumParam::new("Time Change", TimeChangeParam::Tape),
            },
            feedback: FeedbackParams {
                feedback: percent("Feedback", 35.0, 0.0, 110.0),
                cross: percent("Cross Feedback", 0.0, 0.0, 100.0),
                ping_pong: switch("Ping-Pong", false),
                ping_pong_start: EnumParam::new("Ping-Pong Start", SideParam::Left),
                ping_pong_input: EnumParam::new("Ping-Pong Input", PingPongInputParam::Mono),
                // Switches plus frequencies, so that switching a filter keeps its setting.
                low_cut: switch("Low Cut", false),
                low_cut_freq: frequency("Low Cut Freq", 100.0, skewed(20.0, 2_000.0, -1.5)),
                high_cut: switch("High Cut", false),
                high_cut_freq: frequency("High Cut Freq", 6_000.0, skewed(1_000.0, 20_000.0, -1.0)),
                freeze: switch("Freeze", false),
            },
            modulation: ModulationParams {
                rate: rate("Mod Rate", 0.5, skewed(0.05, 10.0, -1.0)),
                depth: time_ms("Mod Depth", 0.0, skewed(0.0, 10.0, -1.0)),
            },
            ducking: DuckingParams {
                amount: FloatParam::new(
                    "Ducking",
                    0.0,
                    FloatRange::Linear {
                        min: 0.0,
                        max: 40.0,
                    },
                )
                .with_step_size(0.1)
                .with_value_to_string(Arc::new(|db| text::db_to_text(db, f32::NEG_INFINITY)))
                // "12", "12 dB", "-12 dB" all mean 12 dB of ducking; "off" is none.
                .with_string_to_value(Arc::new(|s| text::text_to_db(s, 0.0).map(f32::abs))),
                release: time_ms("Duck Release", 250.0, skewed(10.0, 2_000.0, -1.5)),
                key: EnumParam::new("Duck Key", SidechainParam::Internal),
            },
            output: OutputParams {
                width: percent("Width", 100.0, 0.0, 200.0),
                dry: fader("Dry", 0.0, LEVEL_FLOOR_DB, 6.0),
                wet: fader("Wet", -6.0, LEVEL_FLOOR_DB, 6.0),
            },
            bypass: switch("Bypass", false).make_bypass(),
            tempo,
        }
    }
}

impl DelayParams {
    /// The DSP settings these parameters describe right now (bypass is handled by the caller).
    pub fn settings(&self) -> Settings {
        let (t, f, m, d, o) = (
            &self.time,
            &self.feedback,
            &self.modulation,
            &self.ducking,
            &self.output,
        );
        let time = |note: &IntParam, ms: &FloatParam| {
            if t.sync.value() {
                DelayTime::Note(NoteValue::from_index(note.value().max(0) as usize))
            } else {
                DelayTime::Ms(ms.value())
            }
        };
        let db = |p: &FloatParam| {
            if p.value() <= LEVEL_FLOOR_DB {
                f32::NEG_INFINITY
            } else {
                p.value()
            }
        };
        Settings {
            time_left: time(&t.note_left, &t.time_left),
            time_right: time(&t.note_right, &t.time_right),
            link: t.link.value(),
            offset_ms: t.offset.value(),
            time_change: match t.time_change.value() {
                TimeChangeParam::Tape => TimeChange::Tape,
                TimeChangeParam::Clean => TimeChange::Clean,
            },
            feedback: f.feedback.value() / 100.0,
            cross_feedback: f.cross.value() / 100.0,
            ping_pong: f
                .ping_pong
                .value()
                .then_some(match f.ping_pong_start.value() {
                    SideParam::Left => Side::Left,
                    SideParam::Right => Side::Right,
                }),
            ping_pong_mono: f.ping_pong_input.value() == PingPongInputParam::Mono,
            low_cut_hz: f.low_cut.value().then_some(f.low_cut_freq.value()),
            high_cut_hz: f.high_cut.value().then_some(f.high_cut_freq.value()),
            mod_rate_hz: m.rate.value(),
            mod_depth_ms: m.depth.value(),
            duck_db: d.amount.value(),
            duck_release_ms: d.release.value(),
            freeze: f.freeze.value(),
            width: o.width.value() / 100.0,
            dry_db: db(&o.dry),
            wet_db: db(&o.wet),
        }
    }

    /// Whether the ducking listens to the Sidechain input.
    pub fn keyed(&self) -> bool {
        self.ducking.key.value() == SidechainParam::External
    }

    /// Publishes the tempo the note values' text should show.
    pub fn show_tempo(&self, bpm: f64) {
        self.tempo.store((bpm as f32).to_bits(), Ordering::Relaxed);
    }
}
