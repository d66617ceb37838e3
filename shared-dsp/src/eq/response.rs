//! The combined response, computed analytically: for the editor's curve (the zero-latency
//! designs' exact complex response, so magnitude and phase; in linear-phase mode the target
//! magnitude the FIR realises) and for auto-gain (the analog prototypes, which both modes
//! realise).

use super::matched::{self, Effort, Section};
use super::prototype::{Cascade, MAX_SECTIONS, cascade, sane_band};
use super::{BANDS, BandSettings, Placement};

/// The zero-latency design of every enabled band, made once, for evaluating the combined
/// response at as many frequencies as an editor's curve needs. The designs are exactly
/// those the processor runs (same settings, same [`Effort::FULL`] fit), so the curve is the
/// processed response (up to f32 rounding in processing). Building one designs every
/// enabled band (tens of microseconds each): do it when settings change, not per frame.
#[derive(Clone, Debug)]
pub struct Curve {
    sections: [[Section; MAX_SECTIONS]; BANDS],
    lens: [usize; BANDS],
    /// The enabled bands' analog prototypes and frequencies (the target).
    targets: [Option<(Cascade, f64)>; BANDS],
    sample_rate: f64,
}

impl Curve {
    pub fn new(bands: &[BandSettings; BANDS], sample_rate: f64) -> Self {
        let mut c = Self {
            sections: [[Section::IDENTITY; MAX_SECTIONS]; BANDS],
            lens: [0; BANDS],
            targets: [None; BANDS],
            sample_rate,
        };
        for (((band, sections), len), target) in bands
            .iter()
            .zip(&mut c.sections)
            .zip(&mut c.lens)
            .zip(&mut c.targets)
        {
            if band.enabled {
                let b = sane_band(band, sample_rate);
                let cas = cascade(&b);
                *target = Some((cas, b.freq));
                let w0 = core::f64::consts::TAU * b.freq / sample_rate;
                matched::design_band(&cas, w0, Effort::FULL, sections);
                *len = cas.len;
            }
        }
        c
    }

    /// The complex response (re, im) of band `index` at `freq` Hz; (1, 0) if it is off.
    pub fn band_response(&self, index: usize, freq: f64) -> (f64, f64) {
        let w = core::f64::consts::TAU * freq / self.sample_rate;
        self.sections[index][..self.lens[index]]
            .iter()
            .fold((1.0, 0.0), |(re, im), s| {
                let (r, i) = s.response(w);
                (re * r - im * i, re * i + im * r)
            })
    }

    /// The product of every enabled band's response at `freq` Hz, as an editor draws it
    /// (each band where it acts; placement is not mixed in). Magnitude `hypot(re, im)`,
    /// phase `atan2(im, re)`.
    pub fn response(&self, freq: f64) -> (f64, f64) {
        (0..BANDS).fold((1.0, 0.0), |(re, im), i| {
            let (r, q) = self.band_response(i, freq);
            (re * r - im * q, re * q + im * r)
        })
    }

    /// [`response`](Self::response)'s magnitude in dB.
    pub fn magnitude_db(&self, freq: f64) -> f64 {
        let (re, im) = self.response(freq);
        10.0 * (re * re + im * im).log10()
    }

    /// The target magnitude in dB at `freq` Hz: the product of the enabled bands' unwarped
    /// analog prototypes (each band where it acts, as [`response`](Self::response)). The
    /// linear-phase mode realises it (with zero phase after its delay); the zero-latency
    /// sections approximate it.
    pub fn target_db(&self, freq: f64) -> f64 {
        let p: f64 = self
            .targets
            .iter()
            .flatten()
            .map(|(c, f0)| c.mag2(freq / f0))
            .product();
        10.0 * p.log10()
    }

    /// Band `index`'s own target magnitude in dB at `freq` Hz (0 dB if it is off): one
    /// factor of [`target_db`](Self::target_db), for an editor drawing each band's curve.
    pub fn band_target_db(&self, index: usize, freq: f64) -> f64 {
        self.targets
            .get(index)
            .copied()
            .flatten()
            .map_or(0.0, |(c, f0)| 10.0 * c.mag2(freq / f0).log10())
    }

    /// Band `index`'s zero-latency magnitude in dB at `freq` Hz (0 dB if it is off).
    pub fn band_magnitude_db(&self, index: usize, freq: f64) -> f64 {
        let (re, im) = self.band_response(index, freq);
        10.0 * (re * re + im * im).log10()
    }
}

/// Grid of the auto-gain average: 1/48 octave from 20 Hz to 20 kHz (480 points), fine
/// enough for Q 40 bells (about 1/28 octave wide).
const AUTO_GAIN_POINTS: usize = 480;

/// The gain (dB) that auto-gain applies: minus the level change the bands cause on pink
/// noise, i.e. −10·log10 of the mean of |H(f)|² over a log-frequency grid 20 Hz…20 kHz
/// (pink noise has equal power per octave, so a uniform log grid is its weighting).
///
/// Why power and not the mean of dB: cuts. A 96 dB/oct low cut at 200 Hz makes the mean dB
/// over the lowest octaves hugely negative and would ask for tens of dB of make-up gain,
/// while on pink noise (and on music) it removes a couple of dB; the power average is what a
/// meter shows in a bypass comparison. Bands on one channel or on mid/side count with half
/// their power change (they affect half of the stereo power). Uses the analog prototypes,
/// which both modes realise. Does not allocate; about 480 × bands prototype evaluations.
pub fn auto_gain_db(bands: &[BandSettings], sample_rate: f64) -> f64 {
    let mut sum = 0.0;
    let ratio = (20_000.0f64 / 20.0).ln();
    let mut cascades = [None; super::BANDS];
    for (c, b) in cascades.iter_mut().zip(bands) {
        if b.enabled {
            let s = sane_band(b, sample_rate);
            *c = Some((cascade(&s), s.freq, s.placement == Placement::Stereo));
        }
    }
    for i in 0..AUTO_GAIN_POINTS {
        let f = 20.0 * (ratio * (i as f64 + 0.5) / AUTO_GAIN_POINTS as f64).exp();
        let mut p = 1.0;
        for (c, f0, stereo) in cascades.iter().flatten() {
            let m = c.mag2(f / f0);
            p *= if *stereo { m } else { 0.5 * (m + 1.0) };
        }
        sum += p;
    }
    -10.0 * (sum / AUTO_GAIN_POINTS as f64).log10()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eq::{BandType, Slope};

    #[test]
    fn band_curves_are_the_prototypes_and_multiply_to_the_combined_curve() {
        let fs = 48_000.0;
        let mut bands = [BandSettings::default(); BANDS];
        bands[1] = BandSettings {
            enabled: true,
            kind: BandType::Bell,
            freq: 1_000.0,
            gain_db: 6.0,
            q: 2.0,
            ..Default::default()
        };
        bands[4] = BandSettings {
            enabled: true,
            kind: BandType::LowCut,
            freq: 100.0,
            slope: Slope::Db24,
            ..Default::default()
        };
        let curve = Curve::new(&bands, fs);
        // Analog closed forms: a bell's gain at its centre; a Butterworth's −3.01 dB corner.
        assert!((curve.band_target_db(1, 1_000.0) - 6.0).abs() < 1e-9);
        assert!((curve.band_target_db(4, 100.0) + 3.0103).abs() < 1e-3);
        // A Butterworth of order 4 one decade below the corner: −10·log10(1 + 10⁸).
        assert!((curve.band_target_db(4, 10.0) + 80.0).abs() < 1e-3);
        // Off bands are flat; the bands' curves add up (in dB) to the combined one.
        assert_eq!(curve.band_target_db(0, 500.0), 0.0);
        assert_eq!(curve.band_magnitude_db(7, 500.0), 0.0);
        for f in [30.0, 200.0, 1_000.0, 5_000.0] {
            let sum: f64 = (0..BANDS).map(|i| curve.band_target_db(i, f)).sum();
            assert!((sum - curve.target_db(f)).abs() < 1e-9);
            let sum: f64 = (0..BANDS).map(|i| curve.band_magnitude_db(i, f)).sum();
            assert!((sum - curve.magnitude_db(f)).abs() < 1e-9);
        }
        // Well below Nyquist the matched sections are the prototype (issue: 0.1 dB below fs/4).
        assert!((curve.band_magnitude_db(1, 1_000.0) - 6.0).abs() < 0.1);
    }
}
