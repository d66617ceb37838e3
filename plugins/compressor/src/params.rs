//! The compressor's parameters, in four host groups. Ids are stable forever: hosts store them
//! in sessions and automation lanes (`tests/contracts/compressor.params`).

use std::sync::Arc;

use nice_plug::prelude::*;
use plugin_kit::choices::SidechainParam;
use plugin_kit::params::{centred, decibels, frequency, percent, skewed, switch, time_ms};
use plugin_kit::text;
use shared_dsp::dynamics::{ChannelMode, Settings, SidechainSource};
use shared_dsp::envelope::Detector;

/// The ratio control's top end, shown and applied as ∞:1. Ratios up to 100:1 are finite; the
/// last stretch of the (skewed) travel is ∞:1, so both "100.0:1" and "∞:1" can be set.
pub const RATIO_INFINITE: f32 = 100.5;
/// Ratios from here up read "∞:1" and compress as ∞:1.
const RATIO_INFINITE_FROM: f32 = 100.25;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectorParam {
    #[id = "peak"]
    #[name = "Peak"]
    Peak,
    #[id = "rms"]
    #[name = "RMS"]
    Rms,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelsParam {
    #[id = "stereo"]
    #[name = "Left/Right"]
    LeftRight,
    #[id = "mid-side"]
    #[name = "Mid/Side"]
    MidSide,
}

#[derive(Params)]
pub struct CompressorParams {
    #[nested(group = "Compression")]
    pub compression: CompressionParams,
    #[nested(group = "Detector")]
    pub detector: DetectorParams,
    #[nested(group = "Sidechain")]
    pub sidechain: SidechainParams,
    #[nested(group = "Output")]
    pub output: OutputParams,
    #[id = "bypass"]
    pub bypass: BoolParam,
}

#[derive(Params)]
pub struct CompressionParams {
    #[id = "threshold"]
    pub threshold: FloatParam,
    #[id = "ratio"]
    pub ratio: FloatParam,
    #[id = "knee"]
    pub knee: FloatParam,
    #[id = "attack"]
    pub attack: FloatParam,
    #[id = "release"]
    pub release: FloatParam,
    #[id = "auto-release"]
    pub auto_release: BoolParam,
}

#[derive(Params)]
pub struct DetectorParams {
    #[id = "detector"]
    pub detector: EnumParam<DetectorParam>,
    #[id = "rms-window"]
    pub rms_window: FloatParam,
    #[id = "link"]
    pub link: FloatParam,
    #[id = "channels"]
    pub channels: EnumParam<ChannelsParam>,
    #[id = "lookahead"]
    pub lookahead: FloatParam,
}

#[derive(Params)]
pub struct SidechainParams {
    #[id = "sc-source"]
    pub source: EnumParam<SidechainParam>,
    #[id = "sc-hpf"]
    pub hpf: BoolParam,
    #[id = "sc-hpf-freq"]
    pub hpf_freq: FloatParam,
    #[id = "sc-listen"]
    pub listen: BoolParam,
}

#[derive(Params)]
pub struct OutputParams {
    #[id = "makeup"]
    pub makeup: FloatParam,
    #[id = "auto-makeup"]
    pub auto_makeup: BoolParam,
    #[id = "mix"]
    pub mix: FloatParam,
    #[id = "output"]
    pub output: FloatParam,
}

impl Default for CompressorParams {
    fn default() -> Self {
        let d = Settings::default();
        Self {
            compression: CompressionParams {
                threshold: decibels("Threshold", d.threshold_db, -60.0, 0.0),
                // 2:1 at a fifth of the travel, 4:1 at a third, 10:1 near half, ∞ at the end.
                // (A stronger skew would crowd 1.0…1.1:1 into the first tenth, finer than the
                // text's one decimal can show.)
                ratio: FloatParam::new(
                    "Ratio",
                    d.ratio,
                    FloatRange::Skewed {
                        min: 1.0,
                        max: RATIO_INFINITE,
                        factor: FloatRange::skew_factor(-1.6),
                    },
                )
                .with_step_size(0.1)
                .with_value_to_string(Arc::new(|r| text::ratio_to_text(r, RATIO_INFINITE_FROM)))
                .with_string_to_value(Arc::new(|s| text::text_to_ratio(s, RATIO_INFINITE))),
                knee: decibels("Knee", d.knee_db, 0.0, 24.0),
                // 20 ms mid-travel rather than 10: a stronger skew would crowd 0.01…0.02 ms
                // into the first tenth, finer than the text's 0.01 ms steps can show.
                attack: time_ms("Attack", d.attack_ms, centred(0.01, 250.0, 20.0)),
                release: time_ms("Release", d.release_ms, centred(1.0, 2_500.0, 100.0)),
                auto_release: switch("Auto Release", d.auto_release),
            },
            detector: DetectorParams {
                detector: EnumParam::new("Detector", DetectorParam::Peak),
                rms_window: time_ms("RMS Window", d.rms_window_ms, centred(1.0, 100.0, 10.0)),
                link: percent("Stereo Link", d.link * 100.0, 0.0, 100.0),
                channels: EnumParam::new("Channels", ChannelsParam::LeftRight),
                lookahead: time_ms(
                    "Lookahead",
                    d.lookahead_ms,
                    FloatRange::Linear {
                        min: 0.0,
                        max: shared_dsp::dynamics::compressor::MAX_LOOKAHEAD_MS,
                    },
                ),
            },
            sidechain: SidechainParams {
                source: EnumParam::new("Sidechain", SidechainParam::Internal),
                hpf: switch("SC High Pass", d.sc_hpf),
                hpf_freq: frequency("SC HP Frequency", d.sc_hpf_hz, skewed(20.0, 500.0, -1.4)),
                listen: switch("SC Listen", d.listen),
            },
            output: OutputParams {
                makeup: decibels("Makeup", d.makeup_db, -24.0, 24.0),
                auto_makeup: switch("Auto Makeup", d.auto_makeup),
                mix: percent("Mix", d.mix * 100.0, 0.0, 100.0),
                output: decibels("Output Gain", d.output_db, -24.0, 24.0),
            },
            bypass: switch("Bypass", false).make_bypass(),
        }
    }
}

impl CompressorParams {
    /// The DSP settings these parameters describe right now (bypass is handled by the caller).
    pub fn settings(&self) -> Settings {
        let (c, d, s, o) = (
            &self.compression,
            &self.detector,
            &self.sidechain,
            &self.output,
        );
        let ratio = c.ratio.value();
        Settings {
            threshold_db: c.threshold.value(),
            ratio: if ratio >= RATIO_INFINITE_FROM {
                f32::INFINITY
            } else {
                ratio
            },
            knee_db: c.knee.value(),
            attack_ms: c.attack.value(),
            release_ms: c.release.value(),
            auto_release: c.auto_release.value(),
            detector: match d.detector.value() {
                DetectorParam::Peak => Detector::Peak,
                DetectorParam::Rms => Detector::Rms,
            },
            rms_window_ms: d.rms_window.value(),
            link: d.link.value() / 100.0,
            channels: match d.channels.value() {
                ChannelsParam::LeftRight => ChannelMode::LeftRight,
                ChannelsParam::MidSide => ChannelMode::MidSide,
            },
            lookahead_ms: d.lookahead.value(),
            sidechain: match s.source.value() {
                SidechainParam::Internal => SidechainSource::Internal,
                SidechainParam::External => SidechainSource::External,
            },
            sc_hpf: s.hpf.value(),
            sc_hpf_hz: s.hpf_freq.value(),
            listen: s.listen.value(),
            makeup_db: o.makeup.value(),
            auto_makeup: o.auto_makeup.value(),
            mix: o.mix.value() / 100.0,
            output_db: o.output.value(),
        }
    }
}
