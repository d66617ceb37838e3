//! The shape of the algorithmic reverb's response, predicted from its settings for the
//! editor's decay display (not used for processing): the early reflections as they leave the
//! tapped line, then the late energy decaying in a straight line of dB per second, one for
//! the band below the damping crossover and one for the band above it.
//!
//! The numbers come from the same places the processor takes them: the pre-delay and the
//! early/late balance as [`Reverb`](super::Reverb) clamps and applies them, the reflection
//! pattern of the [`Character`](super::Character) stretched by [`size_scale`], and the decay
//! time at any frequency from the absorption filter the network's lines use
//! ([`LineFilter`]): its loss per pass in dB at that frequency, over the pass's length, is the
//! rate of the decay (−60 dB per RT60). That is `decay_s` well below the crossover and
//! `decay_s · hf_ratio` well above it, with the filter's own gradual shelf in between, so a
//! curve labelled 250 Hz shows what the 250 Hz octave does even with the crossover close by.
//! The late energy starts after the shortest feedback line has been round once. Freeze
//! sustains forever.
//!
//! `tests.rs` measures the reverb itself against this prediction (onset and band decay
//! rates), so the picture cannot drift from the sound.

use super::absorption::LineFilter;
use super::character::{ER_TAPS, line_lengths_ms, reflections, size_scale};
use super::fdn::LINES;
use super::{MAX_PREDELAY_SECONDS, Settings};
use crate::gain::within;
use crate::processor::usable_rate;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecayShape {
    /// Seconds from the input to the first early reflection's line (the pre-delay).
    pub predelay_s: f32,
    /// RT60 well below and well above the crossover, seconds (`f32::INFINITY` when frozen).
    pub t60_low: f32,
    pub t60_high: f32,
    pub crossover_hz: f32,
    /// The absorption filter of a line of `line_samples` at `sample_rate`.
    filter: LineFilter,
    line_samples: f64,
    sample_rate: f64,
    /// When the late energy starts (pre-delay plus the shortest loop), seconds.
    pub late_onset_s: f32,
    /// Level of the late energy at its onset, dB (the early/late balance; −∞ when off).
    pub late_db: f32,
    /// Each early reflection: time (s, pre-delay included) and level (dB, both sides'
    /// energy, after the early/late balance).
    pub reflections: [(f32, f32); ER_TAPS],
}

fn clean(v: f32, lo: f32, hi: f32, default: f32) -> f32 {
    if v.is_finite() {
        within(v, lo, hi)
    } else {
        default
    }
}

fn to_db(gain: f32) -> f32 {
    if gain > 0.0 {
        20.0 * gain.log10()
    } else {
        f32::NEG_INFINITY
    }
}

impl DecayShape {
    /// The shape for `settings` in a session at `sample_rate`.
    pub fn new(s: &Settings, sample_rate: f32) -> Self {
        let fs = usable_rate(sample_rate) as f64;
        let predelay_s = clean(s.predelay_ms, 0.0, MAX_PREDELAY_SECONDS * 1e3, 0.0) * 1e-3;
        let decay = clean(s.decay_s, 0.05, 100.0, 2.0);
        let ratio = clean(s.hf_ratio, 0.01, 4.0, 1.0);
        let (t60_low, t60_high) = if s.freeze {
            (f32::INFINITY, f32::INFINITY)
        } else {
            (decay, decay * ratio)
        };
        let scale = size_scale(s.size);
        let balance = clean(s.early_late, 0.0, 1.0, 0.5);
        let (early_gain, late_gain) = ((2.0 * (1.0 - balance)).min(1.0), (2.0 * balance).min(1.0));
        let lengths = line_lengths_ms(s.character, LINES);
        let shortest = lengths
            .iter()
            .take(LINES)
            .fold(f32::INFINITY, |m, &l| m.min(l));
        let mean = lengths.iter().take(LINES).sum::<f32>() / LINES as f32;
        let taps = reflections(s.character);
        // Any line gives the same decay rate (the design's point); take one of mean length.
        let crossover_hz = clean(s.crossover_hz, 20.0, 0.45 * fs as f32, 3_000.0);
        let line_samples = (mean * scale) as f64 * 1e-3 * fs;
        let filter = if s.freeze {
            LineFilter::LOSSLESS
        } else {
            LineFilter::design(
                line_samples,
                t60_low as f64,
                t60_high as f64,
                crossover_hz as f64,
                fs,
                1.0,
            )
        };
        Self {
            predelay_s,
            t60_low,
            t60_high,
            crossover_hz,
            filter,
            line_samples,
            sample_rate: fs,
            late_onset_s: predelay_s + shortest * scale * 1e-3,
            late_db: to_db(late_gain),
            reflections: core::array::from_fn(|k| {
                let r = taps[k];
                // Both sides' energy; a tap panned at constant power has hypot = √2 · level.
                let level = r.gain_left.hypot(r.gain_right) * core::f32::consts::FRAC_1_SQRT_2;
                (
                    predelay_s + r.time_ms * scale * 1e-3,
                    to_db(level * early_gain),
                )
            }),
        }
    }

    /// RT60 at `freq` Hz, seconds (`f32::INFINITY` when frozen): from the lines' absorption
    /// filter's loss per pass there (see the module docs).
    pub fn t60_at(&self, freq: f32) -> f32 {
        let f = within(freq as f64, 0.0, 0.5 * self.sample_rate);
        let db_per_pass = 20.0 * self.filter.magnitude(f, self.sample_rate).log10();
        if db_per_pass.is_nan() || db_per_pass >= 0.0 {
            return f32::INFINITY;
        }
        (-60.0 * self.line_samples / (self.sample_rate * db_per_pass)) as f32
    }

    /// The late energy's level (dB) at `t` seconds after the input, at `freq` Hz; `None`
    /// before it starts.
    pub fn late_level_db(&self, t: f32, freq: f32) -> Option<f32> {
        if t < self.late_onset_s {
            return None;
        }
        let t60 = self.t60_at(freq);
        let fall = if t60.is_finite() {
            60.0 * (t - self.late_onset_s) / t60
        } else {
            0.0
        };
        Some(self.late_db - fall)
    }

    /// How much time a display should show: until the slower band has fallen by 60 dB (plus a
    /// little), or ten seconds of a frozen tail.
    pub fn span_s(&self) -> f32 {
        let longest = self.t60_low.max(self.t60_high);
        let tail = if longest.is_finite() {
            longest * 1.1
        } else {
            10.0
        };
        self.late_onset_s + tail
    }
}

/// Schroeder's energy decay curve of an impulse response (ISO 3382-1: the energy still to
/// come at each moment, relative to the total), all channels' energy together, in dB at
/// `points` evenly spaced times: `(seconds, dB)`. What the editor shows of a loaded IR, so a
/// convolution has a decay display too. Allocates; for the loader thread.
pub fn energy_decay_curve(
    channels: &[Vec<f32>],
    sample_rate: f32,
    points: usize,
) -> Vec<(f32, f32)> {
    let len = channels.iter().map(Vec::len).max().unwrap_or(0);
    let fs = usable_rate(sample_rate);
    if len == 0 || points == 0 {
        return Vec::new();
    }
    // Backward integration in f64: a 30 s IR has 1.4 M samples of shrinking energy.
    let mut remaining = vec![0.0f64; len + 1];
    for i in (0..len).rev() {
        let e: f64 = channels
            .iter()
            .map(|c| {
                c.get(i).map_or(0.0, |&v| {
                    if v.is_finite() {
                        (v as f64).powi(2)
                    } else {
                        0.0
                    }
                })
            })
            .sum();
        remaining[i] = remaining[i + 1] + e;
    }
    let total = remaining[0];
    if total <= 0.0 {
        return Vec::new();
    }
    let points = points.max(2);
    (0..points)
        .map(|k| {
            let i = (k * (len - 1)) / (points - 1);
            let db = 10.0 * (remaining[i] / total).max(1e-30).log10();
            (i as f32 / fs, db as f32)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// h[n] = aⁿ on N samples: the energy still to come at n is Σₖ₌ₙ a²ᵏ, so the curve is
    /// (a²ⁿ − a²ᴺ) / (1 − a²ᴺ) in closed form (a straight line in dB until the very end).
    #[test]
    fn schroeder_curve_of_an_exponential() {
        let (fs, n) = (48_000.0f32, 48_000usize);
        let a = 10f64.powf(-60.0 / 20.0 / (0.5 * fs as f64)); // −60 dB in 0.5 s
        let h: Vec<f32> = (0..n).map(|i| a.powi(i as i32) as f32).collect();
        // Stereo: the same energy twice changes nothing relative.
        let curve = energy_decay_curve(&[h.clone(), h], fs, 101);
        assert_eq!(curve.len(), 101);
        for &(t, db) in &curve[..95] {
            let i = (t * fs).round() as i32;
            let want = 10.0
                * ((a.powi(2 * i) - a.powi(2 * n as i32)) / (1.0 - a.powi(2 * n as i32))).log10();
            assert!((db as f64 - want).abs() < 0.01, "{t} s: {db} dB vs {want}");
        }
        // −60 dB at 0.5 s, as built.
        let at_half = curve
            .iter()
            .find(|(t, _)| (*t - 0.5).abs() < 1e-3)
            .unwrap()
            .1;
        assert!((at_half + 60.0).abs() < 0.05, "{at_half}");
        assert!(energy_decay_curve(&[vec![0.0; 10]], fs, 10).is_empty());
        assert!(energy_decay_curve(&[], fs, 10).is_empty());
    }
}
