//! The EQ's parameters: eight bands of fifteen (seven for the band, eight for its dynamics),
//! grouped per band for the host ("Band 1 Frequency" in group "Band 1"), plus output gain, auto-gain, bypass and the mode (zero
//! latency or linear phase). Ids are stable forever (`b1_freq` …): hosts store them in
//! sessions and automation lanes; new parameters are appended.

use nice_plug::prelude::*;
use plugin_kit::choices::SidechainParam;
use plugin_kit::params::{self, centred, decibels, frequency, skewed, switch, time_ms};
use shared_dsp::eq::{
    BandSettings, BandType, Direction, Dynamics, KeySource, Mode, Placement, Settings, Slope,
};

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeParam {
    #[id = "bell"]
    #[name = "Bell"]
    Bell,
    #[id = "low-shelf"]
    #[name = "Low Shelf"]
    LowShelf,
    #[id = "high-shelf"]
    #[name = "High Shelf"]
    HighShelf,
    #[id = "tilt-shelf"]
    #[name = "Tilt Shelf"]
    TiltShelf,
    #[id = "low-cut"]
    #[name = "Low Cut"]
    LowCut,
    #[id = "high-cut"]
    #[name = "High Cut"]
    HighCut,
    #[id = "notch"]
    #[name = "Notch"]
    Notch,
    #[id = "band-pass"]
    #[name = "Band Pass"]
    BandPass,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlopeParam {
    #[id = "6"]
    #[name = "6 dB/oct"]
    Db6,
    #[id = "12"]
    #[name = "12 dB/oct"]
    Db12,
    #[id = "18"]
    #[name = "18 dB/oct"]
    Db18,
    #[id = "24"]
    #[name = "24 dB/oct"]
    Db24,
    #[id = "36"]
    #[name = "36 dB/oct"]
    Db36,
    #[id = "48"]
    #[name = "48 dB/oct"]
    Db48,
    #[id = "72"]
    #[name = "72 dB/oct"]
    Db72,
    #[id = "96"]
    #[name = "96 dB/oct"]
    Db96,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementParam {
    #[id = "stereo"]
    #[name = "Stereo"]
    Stereo,
    #[id = "left"]
    #[name = "Left"]
    Left,
    #[id = "right"]
    #[name = "Right"]
    Right,
    #[id = "mid"]
    #[name = "Mid"]
    Mid,
    #[id = "side"]
    #[name = "Side"]
    Side,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeParam {
    #[id = "zero-latency"]
    #[name = "Zero Latency"]
    ZeroLatency,
    #[id = "linear-phase"]
    #[name = "Linear Phase"]
    LinearPhase,
}

/// Which side of the threshold a dynamic band acts on.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectionParam {
    #[id = "above"]
    #[name = "Above"]
    Above,
    #[id = "below"]
    #[name = "Below"]
    Below,
}

#[derive(Params)]
pub struct BandParams {
    #[id = "on"]
    pub on: BoolParam,
    #[id = "type"]
    pub kind: EnumParam<TypeParam>,
    #[id = "freq"]
    pub freq: FloatParam,
    #[id = "gain"]
    pub gain: FloatParam,
    #[id = "q"]
    pub q: FloatParam,
    #[id = "slope"]
    pub slope: EnumParam<SlopeParam>,
    #[id = "place"]
    pub placement: EnumParam<PlacementParam>,
    /// Dynamics (appended after the static band's seven; see `shared_dsp::eq::dynamic`).
    #[id = "dyn"]
    pub dynamic: BoolParam,
    #[id = "dyn-thr"]
    pub threshold: FloatParam,
    #[id = "dyn-range"]
    pub range: FloatParam,
    #[id = "dyn-attack"]
    pub attack: FloatParam,
    #[id = "dyn-release"]
    pub release: FloatParam,
    #[id = "dyn-dir"]
    pub direction: EnumParam<DirectionParam>,
    #[id = "dyn-key"]
    pub key: EnumParam<SidechainParam>,
    #[id = "dyn-auto"]
    pub auto_threshold: BoolParam,
}

/// Defaults per band: spread over the spectrum, a cut at each end, shelves next to them,
/// bells in between; gains of ±3 dB so that enabling a band is audible at once.
const DEFAULTS: [(TypeParam, f32, f32); 8] = [
    (TypeParam::LowCut, 30.0, 0.0),
    (TypeParam::LowShelf, 100.0, 3.0),
    (TypeParam::Bell, 250.0, -3.0),
    (TypeParam::Bell, 600.0, 3.0),
    (TypeParam::Bell, 1_500.0, -3.0),
    (TypeParam::Bell, 4_000.0, 3.0),
    (TypeParam::HighShelf, 10_000.0, 3.0),
    (TypeParam::HighCut, 18_000.0, 0.0),
];

fn threshold(n: usize, default: f32) -> FloatParam {
    decibels(format!("Band {n} Threshold"), default, -60.0, 0.0)
}

fn range(n: usize, default: f32) -> FloatParam {
    decibels(format!("Band {n} Range"), default, -30.0, 30.0)
}

/// The standalone demo's dynamic band (index, threshold, range): a presence bell that dips
/// when the demo's highs push, so the screenshot shows a dynamic band's reach and its gain.
#[cfg(feature = "standalone")]
const DEMO_DYNAMIC: (usize, f32, f32) = (4, -42.0, -8.0);

/// A band's default Q: Butterworth's 1/√2 as the Q parameter's 0.001 grid holds it. A default
/// off that grid would not survive a host's save and reload: hosts that restore parameter
/// values (Ardour does, after the state chunk) put it through plain → normalised → plain,
/// which snaps it (measured with `cargo xtask daw-test`: 0.70710677 came back 0.707).
const DEFAULT_Q: f32 = 0.707;

/// The standalone demo's bands (`MIXWERK_DEMO_SIGNAL`): a low cut, a dip, a presence lift
/// and an air shelf switched on, so the screenshot's curve has something to show. `None`:
/// the band keeps its defaults.
#[cfg(feature = "standalone")]
const DEMO: [Option<(TypeParam, f32, f32, f32)>; 8] = [
    Some((TypeParam::LowCut, 35.0, 0.0, DEFAULT_Q)),
    None,
    Some((TypeParam::Bell, 280.0, -4.5, 1.4)),
    None,
    Some((TypeParam::Bell, 2_500.0, 5.0, 1.8)),
    None,
    Some((TypeParam::HighShelf, 9_000.0, 3.0, DEFAULT_Q)),
    None,
];

impl BandParams {
    fn new(index: usize) -> Self {
        let (kind, freq, gain) = DEFAULTS[index];
        Self::with(index, false, kind, freq, gain, DEFAULT_Q)
    }

    /// A band whose defaults are the given values.
    fn with(index: usize, on: bool, kind: TypeParam, freq: f32, gain: f32, q: f32) -> Self {
        let n = index + 1;
        Self {
            on: switch(format!("Band {n} On"), on),
            kind: EnumParam::new(format!("Band {n} Type"), kind),
            freq: frequency(
                format!("Band {n} Frequency"),
                freq,
                skewed(10.0, 30_000.0, -2.2),
            ),
            gain: decibels(format!("Band {n} Gain"), gain, -30.0, 30.0),
            q: params::q(format!("Band {n} Q"), q, skewed(0.025, 40.0, -2.0)),
            slope: EnumParam::new(format!("Band {n} Slope"), SlopeParam::Db12),
            placement: EnumParam::new(format!("Band {n} Placement"), PlacementParam::Stereo),
            dynamic: switch(format!("Band {n} Dynamic"), false),
            threshold: threshold(n, -20.0),
            range: range(n, -6.0),
            attack: time_ms(format!("Band {n} Attack"), 10.0, centred(0.5, 300.0, 20.0)),
            release: time_ms(
                format!("Band {n} Release"),
                150.0,
                centred(5.0, 3_000.0, 150.0),
            ),
            direction: EnumParam::new(format!("Band {n} Direction"), DirectionParam::Above),
            key: EnumParam::new(format!("Band {n} Key"), SidechainParam::Internal),
            auto_threshold: switch(format!("Band {n} Auto Threshold"), false),
        }
    }

    /// The band's dynamics.
    pub fn dynamics(&self) -> Dynamics {
        Dynamics {
            enabled: self.dynamic.value(),
            threshold_db: f64::from(self.threshold.value()),
            range_db: f64::from(self.range.value()),
            attack_ms: f64::from(self.attack.value()),
            release_ms: f64::from(self.release.value()),
            direction: match self.direction.value() {
                DirectionParam::Above => Direction::Above,
                DirectionParam::Below => Direction::Below,
            },
            key: match self.key.value() {
                SidechainParam::Internal => KeySource::Band,
                SidechainParam::External => KeySource::External,
            },
            auto_threshold: self.auto_threshold.value(),
        }
    }

    /// `mono`: a mono layout has no placement; every band acts on the signal.
    pub fn settings(&self, mono: bool) -> BandSettings {
        BandSettings {
            enabled: self.on.value(),
            kind: match self.kind.value() {
                TypeParam::Bell => BandType::Bell,
                TypeParam::LowShelf => BandType::LowShelf,
                TypeParam::HighShelf => BandType::HighShelf,
                TypeParam::TiltShelf => BandType::TiltShelf,
                TypeParam::LowCut => BandType::LowCut,
                TypeParam::HighCut => BandType::HighCut,
                TypeParam::Notch => BandType::Notch,
                TypeParam::BandPass => BandType::BandPass,
            },
            freq: self.freq.value() as f64,
            gain_db: self.gain.value() as f64,
            q: self.q.value() as f64,
            slope: match self.slope.value() {
                SlopeParam::Db6 => Slope::Db6,
                SlopeParam::Db12 => Slope::Db12,
                SlopeParam::Db18 => Slope::Db18,
                SlopeParam::Db24 => Slope::Db24,
                SlopeParam::Db36 => Slope::Db36,
                SlopeParam::Db48 => Slope::Db48,
                SlopeParam::Db72 => Slope::Db72,
                SlopeParam::Db96 => Slope::Db96,
            },
            placement: match (mono, self.placement.value()) {
                (true, _) | (_, PlacementParam::Stereo) => Placement::Stereo,
                (_, PlacementParam::Left) => Placement::Left,
                (_, PlacementParam::Right) => Placement::Right,
                (_, PlacementParam::Mid) => Placement::Mid,
                (_, PlacementParam::Side) => Placement::Side,
            },
        }
    }
}

#[derive(Params)]
pub struct EqParams {
    #[nested(id_prefix = "b1", group = "Band 1")]
    pub b1: BandParams,
    #[nested(id_prefix = "b2", group = "Band 2")]
    pub b2: BandParams,
    #[nested(id_prefix = "b3", group = "Band 3")]
    pub b3: BandParams,
    #[nested(id_prefix = "b4", group = "Band 4")]
    pub b4: BandParams,
    #[nested(id_prefix = "b5", group = "Band 5")]
    pub b5: BandParams,
    #[nested(id_prefix = "b6", group = "Band 6")]
    pub b6: BandParams,
    #[nested(id_prefix = "b7", group = "Band 7")]
    pub b7: BandParams,
    #[nested(id_prefix = "b8", group = "Band 8")]
    pub b8: BandParams,
    #[id = "gain"]
    pub output_gain: FloatParam,
    #[id = "auto-gain"]
    pub auto_gain: BoolParam,
    #[id = "bypass"]
    pub bypass: BoolParam,
    /// Zero latency (matched sections) or linear phase (an FIR, with latency; the host is told).
    #[id = "mode"]
    pub mode: EnumParam<ModeParam>,
}

impl Default for EqParams {
    fn default() -> Self {
        Self {
            b1: BandParams::new(0),
            b2: BandParams::new(1),
            b3: BandParams::new(2),
            b4: BandParams::new(3),
            b5: BandParams::new(4),
            b6: BandParams::new(5),
            b7: BandParams::new(6),
            b8: BandParams::new(7),
            output_gain: decibels("Output Gain", 0.0, -24.0, 24.0),
            auto_gain: switch("Auto Gain", false),
            bypass: switch("Bypass", false).make_bypass(),
            mode: EnumParam::new("Mode", ModeParam::ZeroLatency),
        }
    }
}

impl EqParams {
    /// The standalone demo's state: [`DEMO`]'s bands on, the rest as by default.
    #[cfg(feature = "standalone")]
    pub fn demo() -> Self {
        let mut p = Self::default();
        for (index, (band, demo)) in [
            &mut p.b1, &mut p.b2, &mut p.b3, &mut p.b4, &mut p.b5, &mut p.b6, &mut p.b7, &mut p.b8,
        ]
        .into_iter()
        .zip(DEMO)
        .enumerate()
        {
            if let Some((kind, freq, gain, q)) = demo {
                *band = BandParams::with(index, true, kind, freq, gain, q);
            }
            let (dynamic, threshold_db, range_db) = DEMO_DYNAMIC;
            if index == dynamic {
                let n = index + 1;
                band.dynamic = switch(format!("Band {n} Dynamic"), true);
                band.threshold = threshold(n, threshold_db);
                band.range = range(n, range_db);
            }
        }
        p
    }

    pub fn bands(&self) -> [&BandParams; 8] {
        [
            &self.b1, &self.b2, &self.b3, &self.b4, &self.b5, &self.b6, &self.b7, &self.b8,
        ]
    }

    /// The DSP settings now (bypass is the caller's: `shared_dsp::bypass`).
    pub fn settings(&self, mono: bool) -> Settings {
        let mode = match self.mode.value() {
            ModeParam::ZeroLatency => Mode::ZeroLatency,
            ModeParam::LinearPhase => Mode::LinearPhase,
        };
        let mut s = Settings {
            mode,
            ..Settings::default()
        };
        for (i, band) in self.bands().into_iter().enumerate() {
            s.bands[i] = band.settings(mono);
            s.dynamics[i] = band.dynamics();
        }
        s.output_gain_db = self.output_gain.value() as f64;
        s.auto_gain = self.auto_gain.value();
        s
    }
}
