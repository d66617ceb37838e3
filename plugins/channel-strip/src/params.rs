//! The channel strip's parameters: one host group per channel ("Ch 3", parameters named
//! "Ch 3 Fader"…) and one for the master section. Ids are stable forever and the same in every
//! layout (`tests/contracts/channel-strip.params`): a channel parameter's id is its name in
//! [`ChannelParams`] plus the channel number (`fader_3`), as nice-plug's `#[nested(array)]`
//! makes it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};

use nice_plug::prelude::*;
use plugin_kit::choices::{CharacterParam, LawParam, PanModeParam, note};
use plugin_kit::params::{centred, decibels, fader, high_cut, percent, skewed, switch, time_ms};
use plugin_kit::text;
use shared_dsp::delay::{DEFAULT_BPM, DelayTime, MAX_TIME_MS, MIN_TIME_MS, NoteValue};
use shared_dsp::dynamics::compressor;
use shared_dsp::pan::{PanLaw, PanMode};
use shared_dsp::strip::{CHANNELS, ChannelSettings, ConsoleSettings, MasterSettings, Send};

pub use plugin_kit::strip::LEVEL_FLOOR_DB;
use plugin_kit::strip::{ChannelParams as StripChannel, level_db};

/// The delay return's high cut's "Off" end of travel.
pub const HIGH_CUT_OFF_HZ: f32 = 22_000.0;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlueRatioParam {
    #[id = "2"]
    #[name = "2:1"]
    Two,
    #[id = "4"]
    #[name = "4:1"]
    Four,
    #[id = "10"]
    #[name = "10:1"]
    Ten,
}

/// One channel of the console: the shared strip parameters (`plugin_kit::strip`, named
/// "Ch 3 Fader"…) with the channel's name and its two sends.
#[derive(Params)]
pub struct ChannelParams {
    /// The channel's name for the editor, saved with the session.
    #[persist = "name"]
    pub name: Arc<RwLock<String>>,
    #[nested]
    pub strip: StripChannel,
    #[id = "send_a"]
    pub send_a: FloatParam,
    #[id = "send_a_pre"]
    pub send_a_pre: BoolParam,
    #[id = "send_b"]
    pub send_b: FloatParam,
    #[id = "send_b_pre"]
    pub send_b_pre: BoolParam,
}

/// The strip's parameters read as the channel's own (`ch.fader`).
impl std::ops::Deref for ChannelParams {
    type Target = StripChannel;

    fn deref(&self) -> &StripChannel {
        &self.strip
    }
}

#[derive(Params)]
pub struct MasterParams {
    #[id = "pan_law"]
    pub pan_law: EnumParam<LawParam>,
    #[id = "pan_mode"]
    pub pan_mode: EnumParam<PanModeParam>,
    #[id = "rev_char"]
    pub reverb_character: EnumParam<CharacterParam>,
    #[id = "rev_decay"]
    pub reverb_decay: FloatParam,
    #[id = "rev_predelay"]
    pub reverb_predelay: FloatParam,
    #[id = "rev_size"]
    pub reverb_size: FloatParam,
    #[id = "rev_hf"]
    pub reverb_hf_decay: FloatParam,
    #[id = "ret_a"]
    pub return_a: FloatParam,
    #[id = "dly_sync"]
    pub delay_sync: BoolParam,
    #[id = "dly_note"]
    pub delay_note: IntParam,
    #[id = "dly_time"]
    pub delay_time: FloatParam,
    #[id = "dly_fb"]
    pub delay_feedback: FloatParam,
    #[id = "dly_pp"]
    pub delay_ping_pong: BoolParam,
    #[id = "dly_hc"]
    pub delay_high_cut: FloatParam,
    #[id = "ret_b"]
    pub return_b: FloatParam,
    #[id = "glue_on"]
    pub glue_on: BoolParam,
    #[id = "glue_thr"]
    pub glue_threshold: FloatParam,
    #[id = "glue_ratio"]
    pub glue_ratio: EnumParam<GlueRatioParam>,
    #[id = "glue_att"]
    pub glue_attack: FloatParam,
    #[id = "glue_rel"]
    pub glue_release: FloatParam,
    #[id = "glue_auto"]
    pub glue_auto_release: BoolParam,
    #[id = "glue_makeup"]
    pub glue_makeup: FloatParam,
    #[id = "glue_mix"]
    pub glue_mix: FloatParam,
    #[id = "master"]
    pub master: FloatParam,
    #[id = "lim_on"]
    pub limiter_on: BoolParam,
    #[id = "lim_ceiling"]
    pub limiter_ceiling: FloatParam,
    #[id = "lim_rel"]
    pub limiter_release: FloatParam,
    /// The mono sum on both outputs (`shared_dsp::monitor`), to hear the mix as a phone plays it.
    #[id = "mono_check"]
    pub mono_check: BoolParam,
}

#[derive(Params)]
pub struct StripParams {
    #[nested(array, group = "Ch")]
    pub channels: [ChannelParams; CHANNELS],
    #[nested(group = "Master")]
    pub master: MasterParams,
    #[id = "bypass"]
    pub bypass: BoolParam,
    /// The host's tempo (f32 bits) as the audio thread last saw it, for the delay note's text.
    pub tempo: Arc<AtomicU32>,
}

impl ChannelParams {
    fn new(n: usize) -> Self {
        let name = move |what: &str| format!("Ch {n} {what}");
        Self {
            name: Arc::new(RwLock::new(format!("Bus {n}"))),
            strip: StripChannel::new(name),
            send_a: fader(name("Send A"), LEVEL_FLOOR_DB, LEVEL_FLOOR_DB, 6.0),
            send_a_pre: switch(name("Send A Pre"), false),
            send_b: fader(name("Send B"), LEVEL_FLOOR_DB, LEVEL_FLOOR_DB, 6.0),
            send_b_pre: switch(name("Send B Pre"), false),
        }
    }

    fn settings(&self, law: PanLaw, mode: PanMode) -> ChannelSettings {
        ChannelSettings {
            sends: [
                Send {
                    level_db: level_db(&self.send_a),
                    pre_fader: self.send_a_pre.value(),
                },
                Send {
                    level_db: level_db(&self.send_b),
                    pre_fader: self.send_b_pre.value(),
                },
            ],
            ..self.strip.settings(law, mode)
        }
    }
}

impl Default for StripParams {
    fn default() -> Self {
        let tempo = Arc::new(AtomicU32::new((DEFAULT_BPM as f32).to_bits()));
        let m = MasterSettings::default();
        let glue = |name: &str| name.to_owned();
        Self {
            channels: core::array::from_fn(|i| ChannelParams::new(i + 1)),
            master: MasterParams {
                pan_law: EnumParam::new("Pan Law", LawParam::ZeroDb),
                pan_mode: EnumParam::new("Pan Mode", PanModeParam::Balance),
                reverb_character: EnumParam::new("Reverb Character", CharacterParam::Hall),
                reverb_decay: FloatParam::new(
                    "Reverb Decay",
                    m.reverb.decay_s,
                    FloatRange::Skewed {
                        min: 0.1,
                        max: 30.0,
                        factor: FloatRange::skew_factor(-1.5),
                    },
                )
                .with_step_size(0.001)
                .with_value_to_string(Arc::new(|s| text::ms_to_text(s * 1000.0)))
                .with_string_to_value(Arc::new(|t| text::text_to_ms(t).map(|ms| ms / 1000.0))),
                reverb_predelay: FloatParam::new(
                    "Reverb Pre-Delay",
                    0.0,
                    FloatRange::Skewed {
                        min: 0.0,
                        max: 500.0,
                        factor: FloatRange::skew_factor(-1.5),
                    },
                )
                .with_step_size(0.1)
                .with_value_to_string(Arc::new(text::ms_to_text))
                .with_string_to_value(Arc::new(text::text_to_ms)),
                reverb_size: percent("Reverb Size", m.reverb.size * 100.0, 0.0, 100.0),
                reverb_hf_decay: percent("Reverb HF Decay", m.reverb.hf_ratio * 100.0, 0.0, 100.0),
                return_a: fader("Return A Level", 0.0, LEVEL_FLOOR_DB, 6.0),
                delay_sync: switch("Delay Sync", true),
                delay_note: note("Delay Note", &tempo),
                delay_time: time_ms(
                    "Delay Time",
                    500.0,
                    centred(MIN_TIME_MS as f32, MAX_TIME_MS as f32, 250.0),
                ),
                delay_feedback: percent("Delay Feedback", m.delay.feedback * 100.0, 0.0, 100.0),
                delay_ping_pong: switch("Delay Ping-Pong", false),
                // Darker repeats by default, as on most console returns; "Off" at the top.
                delay_high_cut: high_cut(
                    "Delay High Cut",
                    8_000.0,
                    skewed(1_000.0, HIGH_CUT_OFF_HZ, -1.0),
                ),
                return_b: fader("Return B Level", 0.0, LEVEL_FLOOR_DB, 6.0),
                glue_on: switch(glue("Glue"), false),
                glue_threshold: decibels(glue("Glue Threshold"), m.glue.threshold_db, -40.0, 0.0),
                glue_ratio: EnumParam::new("Glue Ratio", GlueRatioParam::Two),
                glue_attack: time_ms(
                    glue("Glue Attack"),
                    m.glue.attack_ms,
                    centred(0.1, 30.0, 3.0),
                ),
                glue_release: time_ms(
                    glue("Glue Release"),
                    m.glue.release_ms,
                    centred(50.0, 1_200.0, 300.0),
                ),
                glue_auto_release: switch(glue("Glue Auto Release"), false),
                glue_makeup: decibels(glue("Glue Makeup"), 0.0, -12.0, 12.0),
                glue_mix: percent(glue("Glue Mix"), 100.0, 0.0, 100.0),
                master: fader("Master", 0.0, LEVEL_FLOOR_DB, 12.0),
                limiter_on: switch("Limiter", false),
                mono_check: switch("Mono Check", false),
                limiter_ceiling: decibels("Limiter Ceiling", m.limiter.ceiling_db, -20.0, 0.0),
                limiter_release: time_ms(
                    "Limiter Release",
                    m.limiter.release_ms,
                    centred(1.0, 1_000.0, 100.0),
                ),
            },
            bypass: switch("Bypass", false).make_bypass(),
            tempo,
        }
    }
}

impl StripParams {
    /// The console settings these parameters describe right now (bypass is handled by the caller).
    pub fn settings(&self) -> ConsoleSettings {
        let m = &self.master;
        let law = m.pan_law.value().into();
        let mode = m.pan_mode.value().into();
        let d = MasterSettings::default();
        let hc = m.delay_high_cut.value();
        let master = MasterSettings {
            reverb: shared_dsp::reverb::Settings {
                character: m.reverb_character.value().into(),
                decay_s: m.reverb_decay.value(),
                predelay_ms: m.reverb_predelay.value(),
                size: m.reverb_size.value() / 100.0,
                hf_ratio: (m.reverb_hf_decay.value() / 100.0).max(0.05),
                ..d.reverb
            },
            return_a_db: level_db(&m.return_a),
            delay: shared_dsp::delay::Settings {
                time_left: if m.delay_sync.value() {
                    DelayTime::Note(NoteValue::from_index(m.delay_note.value().max(0) as usize))
                } else {
                    DelayTime::Ms(m.delay_time.value())
                },
                link: true,
                feedback: m.delay_feedback.value() / 100.0,
                ping_pong: m
                    .delay_ping_pong
                    .value()
                    .then_some(shared_dsp::delay::Side::Left),
                high_cut_hz: (!text::cut_is_off(hc, HIGH_CUT_OFF_HZ, false)).then_some(hc),
                ..d.delay
            },
            return_b_db: level_db(&m.return_b),
            glue_on: m.glue_on.value(),
            glue: compressor::Settings {
                threshold_db: m.glue_threshold.value(),
                ratio: match m.glue_ratio.value() {
                    GlueRatioParam::Two => 2.0,
                    GlueRatioParam::Four => 4.0,
                    GlueRatioParam::Ten => 10.0,
                },
                attack_ms: m.glue_attack.value(),
                release_ms: m.glue_release.value(),
                auto_release: m.glue_auto_release.value(),
                makeup_db: m.glue_makeup.value(),
                mix: m.glue_mix.value() / 100.0,
                ..d.glue
            },
            master_db: level_db(&m.master),
            limiter_on: m.limiter_on.value(),
            limiter: shared_dsp::dynamics::limiter::Settings {
                ceiling_db: m.limiter_ceiling.value(),
                release_ms: m.limiter_release.value(),
                ..d.limiter
            },
            mono_check: m.mono_check.value(),
        };
        ConsoleSettings {
            channels: core::array::from_fn(|i| self.channels[i].settings(law, mode)),
            master,
        }
    }

    /// Publishes the tempo the delay note's text should show.
    pub fn show_tempo(&self, bpm: f64) {
        self.tempo.store((bpm as f32).to_bits(), Ordering::Relaxed);
    }
}
