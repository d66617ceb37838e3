//! [`Eq`]: the EQ with the crate's processor shape.

use super::cascade::Engine;
use super::response::auto_gain_db;
use super::{BANDS, BandSettings, Settings};

/// Eight-band parametric EQ (see the [module docs](super)).
#[derive(Clone, Debug)]
pub struct Eq {
    engine: Engine,
    settings: Settings,
    /// Auto-gain of the current band targets (dB), recomputed only when bands change.
    auto_gain_db: f64,
    bands_for_auto_gain: [BandSettings; BANDS],
}

impl Eq {
    /// An EQ at `sample_rate` with every band off. `max_block_len` is accepted for the
    /// crate's uniform shape; the zero-latency engine needs no block buffers.
    pub fn new(sample_rate: f64, _max_block_len: usize) -> Self {
        let settings = Settings::default();
        Self {
            engine: Engine::new(sample_rate, &settings.bands, 0.0),
            settings,
            auto_gain_db: 0.0,
            bands_for_auto_gain: settings.bands,
        }
    }

    pub fn sample_rate(&self) -> f64 {
        self.engine.sample_rate()
    }

    /// New settings: frequency, gain, Q and output gain glide; switches fade. Cheap unless
    /// bands changed while auto-gain is on (then one auto-gain evaluation, no allocation).
    pub fn update(&mut self, settings: &Settings) {
        self.settings = *settings;
        if settings.auto_gain && settings.bands != self.bands_for_auto_gain {
            self.auto_gain_db = auto_gain_db(&settings.bands, self.sample_rate());
            self.bands_for_auto_gain = settings.bands;
        }
        let gain = settings.output_gain_db + if settings.auto_gain { self.auto_gain_db } else { 0.0 };
        let gain = if gain.is_finite() { gain.clamp(-120.0, 60.0) } else { 0.0 };
        self.engine.set_targets(&settings.bands, gain);
    }

    /// [`update`](Self::update) without glides or fades (activation, preset load).
    pub fn update_immediately(&mut self, settings: &Settings) {
        self.update(settings);
        self.engine.snap();
    }

    /// The make-up gain auto-gain applies for the current bands (dB), whether or not it is on.
    pub fn auto_gain_db(&mut self) -> f64 {
        if self.settings.bands != self.bands_for_auto_gain {
            self.auto_gain_db = auto_gain_db(&self.settings.bands, self.sample_rate());
            self.bands_for_auto_gain = self.settings.bands;
        }
        self.auto_gain_db
    }

    /// Filters both channels in place (the common prefix if lengths differ). With every band
    /// off and unity gain the signal passes bit-exactly.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.engine.process(left, right);
    }

    /// Clears all filter state and lands every glide.
    pub fn reset(&mut self) {
        self.engine.reset();
    }

    /// The zero-latency mode delays nothing.
    pub fn latency_samples(&self) -> usize {
        0
    }
}
