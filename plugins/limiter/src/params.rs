//! The limiter's parameters. Ids are stable forever: hosts store them in sessions and
//! automation lanes (`tests/contracts/limiter.params`).

use nice_plug::prelude::*;
use plugin_kit::params::{centred, decibels, loudness, percent, switch, time_ms, true_peak};
use shared_dsp::dynamics::dither::DitherDepth;
use shared_dsp::dynamics::limiter::{MAX_LOOKAHEAD_MS, MIN_LOOKAHEAD_MS, PeakMode, Settings};
use shared_dsp::dynamics::oversampled_limiter::Settings as OversampledSettings;
use shared_dsp::dynamics::oversampling::Oversampling;
use shared_dsp::meter::target::{Preset, Target};

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectionParam {
    #[id = "true-peak"]
    #[name = "True Peak"]
    TruePeak,
    #[id = "sample-peak"]
    #[name = "Sample Peak"]
    SamplePeak,
}

/// The rate of the gain stage (`shared_dsp::dynamics::oversampled_limiter`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OversamplingParam {
    #[id = "off"]
    #[name = "Off"]
    Off,
    #[id = "2x"]
    #[name = "2x"]
    X2,
    #[id = "4x"]
    #[name = "4x"]
    X4,
    #[id = "8x"]
    #[name = "8x"]
    X8,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DitherParam {
    #[id = "off"]
    #[name = "Off"]
    Off,
    #[id = "16-bit"]
    #[name = "16 bit"]
    Bits16,
    #[id = "24-bit"]
    #[name = "24 bit"]
    Bits24,
}

/// What the master is aimed at (see `shared_dsp::meter::target`).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetParam {
    #[id = "off"]
    #[name = "Off"]
    Off,
    #[id = "streaming"]
    #[name = "Streaming -14 LUFS"]
    Streaming,
    #[id = "apple-music"]
    #[name = "Apple Music -16 LUFS"]
    AppleMusic,
    #[id = "ebu-r128"]
    #[name = "EBU R128 -23 LUFS"]
    EbuR128,
    #[id = "atsc-a85"]
    #[name = "ATSC A/85 -24 LKFS"]
    AtscA85,
    #[id = "custom"]
    #[name = "Custom"]
    Custom,
}

/// Grouped for the host (CLAP modules, VST3 units) the way the editor groups them: what is
/// limited, how the gain recovers, how peaks are found, what leaves. Groups do not change the
/// ids (`tests/contracts/limiter.params`), and the order is the one hosts always saw.
#[derive(Params)]
pub struct LimiterParams {
    #[nested(group = "Limiting")]
    pub limiting: LimitingParams,
    #[nested(group = "Release")]
    pub release: ReleaseParams,
    #[nested(group = "Detection")]
    pub detection: DetectionParams,
    #[nested(group = "Output")]
    pub output: OutputParams,
    #[id = "bypass"]
    pub bypass: BoolParam,
    #[nested(group = "Target")]
    pub target: TargetParams,
}

/// The delivery target: a reference for the editor's readouts and for Learn; it changes
/// nothing in the audio by itself.
#[derive(Params)]
pub struct TargetParams {
    #[id = "target"]
    pub target: EnumParam<TargetParam>,
    /// Custom target's loudness and true-peak ceiling.
    #[id = "target-lufs"]
    pub lufs: FloatParam,
    #[id = "target-dbtp"]
    pub dbtp: FloatParam,
}

#[derive(Params)]
pub struct LimitingParams {
    #[id = "drive"]
    pub drive: FloatParam,
    #[id = "ceiling"]
    pub ceiling: FloatParam,
    #[id = "lookahead"]
    pub lookahead: FloatParam,
}

#[derive(Params)]
pub struct ReleaseParams {
    #[id = "release"]
    pub release: FloatParam,
    #[id = "auto-release"]
    pub auto_release: BoolParam,
}

#[derive(Params)]
pub struct DetectionParams {
    #[id = "link"]
    pub link: FloatParam,
    #[id = "detection"]
    pub detection: EnumParam<DetectionParam>,
    /// The gain stage at 2, 4 or 8 times the rate: less aliasing of fast gain changes, more
    /// latency and CPU.
    #[id = "oversampling"]
    pub oversampling: EnumParam<OversamplingParam>,
}

#[derive(Params)]
pub struct OutputParams {
    #[id = "dither"]
    pub dither: EnumParam<DitherParam>,
    /// Plays the mono sum on both sides (`shared_dsp::monitor`), to hear the master as a phone
    /// or a mono speaker plays it. Saved with the session like any control, so a master is
    /// never bounced in mono by surprise: the editor lights it in the warning colour.
    #[id = "mono-check"]
    pub mono_check: BoolParam,
    /// Plays the output at the input's loudness (`shared_dsp::meter::matching`), so A/B and
    /// bypass compare the sound of the limiting, not its level. The meters still read the
    /// master itself.
    #[id = "loudness-match"]
    pub loudness_match: BoolParam,
}

impl Default for LimiterParams {
    fn default() -> Self {
        let d = Settings::default();
        Self {
            limiting: LimitingParams {
                drive: decibels("Drive", d.drive_db, 0.0, 36.0),
                ceiling: decibels("Ceiling", d.ceiling_db, -20.0, 0.0),
                // 2 ms mid-travel: the useful range for programme is 1–3 ms; longer is for slow
                // material, where the gain should move before a peak more gently.
                lookahead: time_ms(
                    "Lookahead",
                    d.lookahead_ms,
                    centred(MIN_LOOKAHEAD_MS, MAX_LOOKAHEAD_MS, 2.0),
                ),
            },
            release: ReleaseParams {
                release: time_ms("Release", d.release_ms, centred(1.0, 1_000.0, 60.0)),
                auto_release: switch("Auto Release", d.auto_release),
            },
            detection: DetectionParams {
                link: percent("Stereo Link", d.link * 100.0, 0.0, 100.0),
                detection: EnumParam::new("Detection", DetectionParam::TruePeak),
                oversampling: EnumParam::new("Oversampling", OversamplingParam::Off),
            },
            output: OutputParams {
                dither: EnumParam::new("Dither", DitherParam::Off),
                mono_check: switch("Mono Check", false),
                loudness_match: switch("Loudness Match", false),
            },
            bypass: switch("Bypass", false).make_bypass(),
            target: TargetParams {
                target: EnumParam::new("Target", TargetParam::Streaming),
                lufs: loudness("Target Loudness", -14.0, -36.0, -5.0),
                dbtp: true_peak("Target True Peak", -1.0, -9.0, 0.0),
            },
        }
    }
}

impl LimiterParams {
    /// The target chosen, if any.
    pub fn target(&self) -> Option<Target> {
        let t = &self.target;
        let preset = match t.target.value() {
            TargetParam::Off => return None,
            TargetParam::Custom => {
                return Some(Target {
                    lufs: t.lufs.value(),
                    dbtp: t.dbtp.value(),
                });
            }
            TargetParam::Streaming => Preset::Streaming,
            TargetParam::AppleMusic => Preset::AppleMusic,
            TargetParam::EbuR128 => Preset::EbuR128,
            TargetParam::AtscA85 => Preset::AtscA85,
        };
        Some(preset.target())
    }

    /// The DSP settings these parameters describe right now (bypass is the caller's:
    /// `shared_dsp::bypass`).
    pub fn settings(&self) -> Settings {
        let (l, r, d) = (&self.limiting, &self.release, &self.detection);
        Settings {
            drive_db: l.drive.value(),
            ceiling_db: l.ceiling.value(),
            lookahead_ms: l.lookahead.value(),
            release_ms: r.release.value(),
            auto_release: r.auto_release.value(),
            link: d.link.value() / 100.0,
            peak_mode: match d.detection.value() {
                DetectionParam::TruePeak => PeakMode::TruePeak,
                DetectionParam::SamplePeak => PeakMode::SamplePeak,
            },
            dither: match self.output.dither.value() {
                DitherParam::Off => DitherDepth::Off,
                DitherParam::Bits16 => DitherDepth::Bits16,
                DitherParam::Bits24 => DitherDepth::Bits24,
            },
            mono_check: self.output.mono_check.value(),
            bypass: false,
        }
    }

    /// [`settings`](Self::settings) with the oversampling factor: what the plugin's limiter
    /// runs.
    pub fn oversampled_settings(&self) -> OversampledSettings {
        OversampledSettings {
            limiter: self.settings(),
            oversampling: match self.detection.oversampling.value() {
                OversamplingParam::Off => Oversampling::Off,
                OversamplingParam::X2 => Oversampling::X2,
                OversamplingParam::X4 => Oversampling::X4,
                OversamplingParam::X8 => Oversampling::X8,
            },
        }
    }
}
