//! The channel strip's parameters, shared by Mixwerk Strip (one strip per track) and Mixwerk
//! Channel Strip (eight of them in one console), so both read, sound and automate alike. Ids
//! are each plugin's promise (`tests/contracts`): the Strip has them as they are here
//! (`fader`), the console adds the channel number (`fader_3`).

use std::sync::Arc;

use nice_plug::prelude::*;
use shared_dsp::dynamics::{compressor, gate};
use shared_dsp::eq::BandSettings;
use shared_dsp::pan::{PanLaw, PanMode};
use shared_dsp::strip::{ChannelSettings, CutSlope};

use crate::params::{
    self, centred, decibels, fader, frequency, pan, percent, skewed, switch, time_ms,
};
use crate::text;

/// The bottom of fader, send and return travels, shown and treated as −∞ dB.
pub const LEVEL_FLOOR_DB: f32 = -80.0;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlopeParam {
    #[id = "12"]
    #[name = "12 dB/oct"]
    Db12,
    #[id = "24"]
    #[name = "24 dB/oct"]
    Db24,
}

/// One channel strip's parameters: what Mixwerk Strip has, and each channel of the Channel
/// Strip has (with its sends around it). Names come from the caller: "Fader" in a Strip,
/// "Ch 3 Fader" in the console, so that hosts that show a flat list stay readable.
#[derive(Params)]
pub struct ChannelParams {
    #[id = "trim"]
    pub trim: FloatParam,
    #[id = "invert"]
    pub invert: BoolParam,
    #[id = "hp_on"]
    pub high_pass_on: BoolParam,
    #[id = "hp"]
    pub high_pass: FloatParam,
    #[id = "hp_slope"]
    pub high_pass_slope: EnumParam<SlopeParam>,
    #[id = "lp_on"]
    pub low_pass_on: BoolParam,
    #[id = "lp"]
    pub low_pass: FloatParam,
    #[id = "lp_slope"]
    pub low_pass_slope: EnumParam<SlopeParam>,
    #[id = "gate_on"]
    pub gate_on: BoolParam,
    #[id = "gate_thr"]
    pub gate_threshold: FloatParam,
    #[id = "gate_range"]
    pub gate_range: FloatParam,
    #[id = "gate_att"]
    pub gate_attack: FloatParam,
    #[id = "gate_rel"]
    pub gate_release: FloatParam,
    #[id = "gate_hold"]
    pub gate_hold: FloatParam,
    #[id = "eq_on"]
    pub eq_on: BoolParam,
    #[id = "ls_freq"]
    pub low_shelf_freq: FloatParam,
    #[id = "ls_gain"]
    pub low_shelf_gain: FloatParam,
    #[id = "m1_freq"]
    pub mid1_freq: FloatParam,
    #[id = "m1_gain"]
    pub mid1_gain: FloatParam,
    #[id = "m1_q"]
    pub mid1_q: FloatParam,
    #[id = "m2_freq"]
    pub mid2_freq: FloatParam,
    #[id = "m2_gain"]
    pub mid2_gain: FloatParam,
    #[id = "m2_q"]
    pub mid2_q: FloatParam,
    #[id = "hs_freq"]
    pub high_shelf_freq: FloatParam,
    #[id = "hs_gain"]
    pub high_shelf_gain: FloatParam,
    #[id = "comp_on"]
    pub comp_on: BoolParam,
    #[id = "comp_thr"]
    pub comp_threshold: FloatParam,
    #[id = "comp_ratio"]
    pub comp_ratio: FloatParam,
    #[id = "comp_att"]
    pub comp_attack: FloatParam,
    #[id = "comp_rel"]
    pub comp_release: FloatParam,
    #[id = "comp_makeup"]
    pub comp_makeup: FloatParam,
    #[id = "comp_la"]
    pub comp_lookahead: FloatParam,
    #[id = "pan"]
    pub pan: FloatParam,
    #[id = "width"]
    pub width: FloatParam,
    #[id = "fader"]
    pub fader: FloatParam,
    #[id = "mute"]
    pub mute: BoolParam,
    #[id = "solo"]
    pub solo: BoolParam,
}

impl ChannelParams {
    /// The parameters, each named by `name` ("Fader" → what the host shows).
    pub fn new(name: impl Fn(&str) -> String) -> Self {
        let d = ChannelSettings::default();
        let g = gate::Settings::default();
        let c = compressor::Settings::default();
        Self {
            trim: decibels(name("Trim"), 0.0, -24.0, 24.0),
            invert: switch(name("Polarity Invert"), false),
            // Switches plus frequencies, so that switching a filter keeps its setting.
            high_pass_on: switch(name("High Pass"), false),
            high_pass: frequency(name("HP Freq"), 80.0, skewed(20.0, 1_000.0, -1.5)),
            high_pass_slope: EnumParam::new(name("HP Slope"), SlopeParam::Db12),
            low_pass_on: switch(name("Low Pass"), false),
            low_pass: frequency(name("LP Freq"), 12_000.0, skewed(1_000.0, 20_000.0, -1.5)),
            low_pass_slope: EnumParam::new(name("LP Slope"), SlopeParam::Db12),
            gate_on: switch(name("Gate"), false),
            gate_threshold: decibels(name("Gate Threshold"), g.threshold_db, -80.0, 0.0),
            gate_range: decibels(name("Gate Range"), g.range_db, 0.0, 80.0),
            gate_attack: time_ms(name("Gate Attack"), g.attack_ms, centred(0.01, 50.0, 5.0)),
            gate_release: time_ms(
                name("Gate Release"),
                g.release_ms,
                centred(5.0, 2_000.0, 150.0),
            ),
            gate_hold: time_ms(name("Gate Hold"), g.hold_ms, centred(0.0, 500.0, 50.0)),
            eq_on: switch(name("EQ"), false),
            low_shelf_freq: frequency(
                name("Low Shelf Freq"),
                d.eq[0].freq as f32,
                skewed(20.0, 2_000.0, -1.5),
            ),
            low_shelf_gain: decibels(name("Low Shelf Gain"), 0.0, -18.0, 18.0),
            mid1_freq: frequency(
                name("Mid 1 Freq"),
                d.eq[1].freq as f32,
                skewed(20.0, 20_000.0, -1.5),
            ),
            mid1_gain: decibels(name("Mid 1 Gain"), 0.0, -18.0, 18.0),
            mid1_q: params::q(name("Mid 1 Q"), 1.0, skewed(0.1, 10.0, -1.5)),
            mid2_freq: frequency(
                name("Mid 2 Freq"),
                d.eq[2].freq as f32,
                skewed(20.0, 20_000.0, -1.5),
            ),
            mid2_gain: decibels(name("Mid 2 Gain"), 0.0, -18.0, 18.0),
            mid2_q: params::q(name("Mid 2 Q"), 1.0, skewed(0.1, 10.0, -1.5)),
            high_shelf_freq: frequency(
                name("High Shelf Freq"),
                d.eq[3].freq as f32,
                skewed(1_000.0, 20_000.0, -1.5),
            ),
            high_shelf_gain: decibels(name("High Shelf Gain"), 0.0, -18.0, 18.0),
            comp_on: switch(name("Compressor"), false),
            comp_threshold: decibels(name("Comp Threshold"), c.threshold_db, -60.0, 0.0),
            comp_ratio: FloatParam::new(
                name("Comp Ratio"),
                c.ratio,
                FloatRange::Skewed {
                    min: 1.0,
                    max: 20.0,
                    factor: FloatRange::skew_factor(-1.0),
                },
            )
            .with_step_size(0.1)
            .with_value_to_string(Arc::new(|r| text::ratio_to_text(r, f32::INFINITY)))
            .with_string_to_value(Arc::new(|s| text::text_to_ratio(s, 20.0))),
            comp_attack: time_ms(name("Comp Attack"), c.attack_ms, centred(0.01, 250.0, 20.0)),
            comp_release: time_ms(
                name("Comp Release"),
                c.release_ms,
                centred(1.0, 2_500.0, 100.0),
            ),
            comp_makeup: decibels(name("Comp Makeup"), 0.0, -24.0, 24.0),
            comp_lookahead: FloatParam::new(
                name("Comp Lookahead"),
                0.0,
                FloatRange::Linear {
                    min: 0.0,
                    max: compressor::MAX_LOOKAHEAD_MS,
                },
            )
            .with_step_size(0.01)
            .with_value_to_string(Arc::new(text::ms_to_text))
            .with_string_to_value(Arc::new(text::text_to_ms)),
            pan: pan(name("Pan")),
            width: percent(name("Width"), 100.0, 0.0, 200.0),
            fader: fader(name("Fader"), 0.0, LEVEL_FLOOR_DB, 12.0),
            mute: switch(name("Mute"), false),
            solo: switch(name("Solo"), false),
        }
    }

    /// The strip these parameters describe right now, sends off (the console adds its own).
    pub fn settings(&self, law: PanLaw, mode: PanMode) -> ChannelSettings {
        let d = ChannelSettings::default();
        let slope = |p: &EnumParam<SlopeParam>| match p.value() {
            SlopeParam::Db12 => CutSlope::Db12,
            SlopeParam::Db24 => CutSlope::Db24,
        };
        let eq_on = self.eq_on.value();
        let band = |b: BandSettings,
                    freq: &FloatParam,
                    gain: &FloatParam,
                    q: Option<&FloatParam>| BandSettings {
            enabled: eq_on,
            freq: freq.value() as f64,
            gain_db: gain.value() as f64,
            q: q.map_or(b.q, |q| q.value() as f64),
            ..b
        };
        ChannelSettings {
            trim_db: self.trim.value(),
            invert: self.invert.value(),
            high_pass_hz: self.high_pass_on.value().then_some(self.high_pass.value()),
            high_pass_slope: slope(&self.high_pass_slope),
            low_pass_hz: self.low_pass_on.value().then_some(self.low_pass.value()),
            low_pass_slope: slope(&self.low_pass_slope),
            gate: gate::Settings {
                enabled: self.gate_on.value(),
                threshold_db: self.gate_threshold.value(),
                range_db: self.gate_range.value(),
                attack_ms: self.gate_attack.value(),
                release_ms: self.gate_release.value(),
                hold_ms: self.gate_hold.value(),
                ..gate::Settings::default()
            },
            eq: [
                band(d.eq[0], &self.low_shelf_freq, &self.low_shelf_gain, None),
                band(
                    d.eq[1],
                    &self.mid1_freq,
                    &self.mid1_gain,
                    Some(&self.mid1_q),
                ),
                band(
                    d.eq[2],
                    &self.mid2_freq,
                    &self.mid2_gain,
                    Some(&self.mid2_q),
                ),
                band(d.eq[3], &self.high_shelf_freq, &self.high_shelf_gain, None),
            ],
            compressor_on: self.comp_on.value(),
            compressor: compressor::Settings {
                threshold_db: self.comp_threshold.value(),
                ratio: self.comp_ratio.value(),
                attack_ms: self.comp_attack.value(),
                release_ms: self.comp_release.value(),
                makeup_db: self.comp_makeup.value(),
                lookahead_ms: self.comp_lookahead.value(),
                ..compressor::Settings::default()
            },
            pan: self.pan.value() / 100.0,
            width: self.width.value() / 100.0,
            pan_law: law,
            pan_mode: mode,
            fader_db: level_db(&self.fader),
            mute: self.mute.value(),
            solo: self.solo.value(),
            sends: d.sends,
        }
    }
}

/// A level parameter in dB, with the bottom of its travel as −∞.
pub fn level_db(p: &FloatParam) -> f32 {
    if p.value() <= LEVEL_FLOOR_DB {
        f32::NEG_INFINITY
    } else {
        p.value()
    }
}
