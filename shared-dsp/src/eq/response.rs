//! The combined response, computed analytically: for the editor's curve (the zero-latency
//! designs' exact complex response, so magnitude and phase) and for auto-gain (the analog
//! prototypes, which both modes realise).

use super::matched;
use super::prototype::{cascade, sane_band};
use super::{BandSettings, Placement};

/// The complex response (re, im) of one band's zero-latency design at `freq` Hz; (1, 0)
/// for a band that is off. Does not allocate.
pub fn band_response(band: &BandSettings, sample_rate: f64, freq: f64) -> (f64, f64) {
    if !band.enabled {
        return (1.0, 0.0);
    }
    let b = sane_band(band, sample_rate);
    let w0 = core::f64::consts::TAU * b.freq / sample_rate;
    let w = core::f64::consts::TAU * freq / sample_rate;
    cascade(&b).sections().iter().fold((1.0, 0.0), |(re, im), p| {
        let (r, i) = matched::design(p, w0).response(w);
        (re * r - im * i, re * i + im * r)
    })
}

/// The product of every enabled band's response at `freq` Hz, as an editor draws it (each
/// band where it acts; placement is not mixed in). Magnitude `hypot(re, im)`, phase
/// `atan2(im, re)`.
pub fn response(bands: &[BandSettings], sample_rate: f64, freq: f64) -> (f64, f64) {
    bands.iter().fold((1.0, 0.0), |(re, im), b| {
        let (r, i) = band_response(b, sample_rate, freq);
        (re * r - im * i, re * i + im * r)
    })
}

/// [`response`]'s magnitude in dB.
pub fn magnitude_db(bands: &[BandSettings], sample_rate: f64, freq: f64) -> f64 {
    let (re, im) = response(bands, sample_rate, freq);
    10.0 * (re * re + im * im).log10()
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
