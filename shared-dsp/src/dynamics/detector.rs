//! Level detection for dynamics processors: peak or RMS level in dB, per sample.
//!
//! The detector only *measures*; all smoothing with attack and release happens after the
//! gain computer ([`ballistics`](super::ballistics)). So the peak detector is the plain
//! per-sample x² (|x| in dB), and the RMS detector is the mean of x² over its window, a
//! level, not a gain trajectory.
//!
//! Both work on *power* (x²): the RMS average needs it anyway, and 10·log10 of a power is the
//! same dB as 20·log10 of its amplitude, so no square root is ever taken. Processors that
//! work on blocks collect [`power`](LevelDetector::power)s and convert them to dB in one
//! vectorised pass ([`fast_db::power_to_db`]).
//!
//! **RMS window**: the time constant τ of an exponential (one-pole) average of x². An
//! exponential window weights the recent past most, like an analog RMS detector, costs two
//! multiplies instead of a running sum over a buffer of up to 100 ms × 192 kHz, and has no
//! boxcar's comb-shaped ripple. Its equivalent rectangular length is 2τ. A steady sine reads
//! its true RMS within the ripple left by the window (±0.04 dB for a 1 kHz sine at 10 ms,
//! shrinking in proportion to window × frequency). It is written here rather than taken from
//! [`EnvelopeFollower`](crate::envelope::EnvelopeFollower): with equal attack and release that
//! follower's decoupled release stage and its square root are dead weight, and this one-pole
//! sits in the compressor's per-sample loop.
//!
//! **Denormals**: the average is fed x² + 1e-30, so in silence it settles at 1e-30
//! (far below the −200 dB the dB conversion reports as silence) instead of decaying into the subnormal range, with no flush in the recursion.

use crate::envelope::Detector;
use crate::lane::Lane;

use super::ballistics::coef_for;
use super::fast_db;

/// Added to every x² entering the RMS average (see the module docs).
const POWER_FLOOR: f32 = 1e-30;
/// x² above this (|x| > 1e15, +300 dBFS) or NaN is garbage and reads as silence, so an
/// infinity can never enter and stay in the average.
const MAX_POWER: f32 = 1e30;

/// Measures the level of each lane, per sample.
#[derive(Clone, Debug)]
pub struct LevelDetector<L: Lane> {
    mode: Detector,
    /// RMS: the running mean of x².
    mean_square: L,
    /// Per-sample coefficient of the average and its complement.
    coef: f32,
    gain: f32,
    window_ms: f32,
    sample_rate: f32,
}

impl<L: Lane> LevelDetector<L> {
    pub fn new(sample_rate: f32, mode: Detector, rms_window_ms: f32) -> Self {
        let mut d = Self {
            mode,
            mean_square: L::splat(POWER_FLOOR),
            coef: 0.0,
            gain: 1.0,
            window_ms: sane_window(rms_window_ms),
            sample_rate: 48_000.0,
        };
        d.set_sample_rate(sample_rate);
        d
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate.max(1.0); // NaN → 1, never a panic
        self.coef = coef_for(self.window_ms, self.sample_rate);
        self.gain = 1.0 - self.coef;
    }

    /// The RMS average only runs while RMS is selected, so switching to it resumes from where
    /// it was left (the window then catches up); [`reset`](Self::reset) if that matters.
    pub fn set_mode(&mut self, mode: Detector) {
        self.mode = mode;
    }

    pub fn mode(&self) -> Detector {
        self.mode
    }

    /// RMS averaging time constant in ms (see the module docs); at least 0.01 ms.
    pub fn set_rms_window_ms(&mut self, ms: f32) {
        let ms = sane_window(ms);
        if ms != self.window_ms {
            self.window_ms = ms;
            self.set_sample_rate(self.sample_rate);
        }
    }

    pub fn reset(&mut self) {
        self.mean_square = L::splat(POWER_FLOOR);
    }

    /// The level of `x` in dB (≥ −200 dB; non-finite input reads as silence).
    #[inline(always)]
    pub fn process_sample(&mut self, x: L) -> L {
        self.power(x).map(fast_db::power_to_db)
    }

    /// The level of `x` as a power (x², or its running mean): the part with state.
    #[inline(always)]
    pub fn power(&mut self, x: L) -> L {
        let p = x.map(peak_power);
        match self.mode {
            Detector::Peak => p,
            Detector::Rms => {
                let input = (p + L::splat(POWER_FLOOR)) * self.gain;
                self.mean_square = self.mean_square * self.coef + input;
                self.mean_square
            }
        }
    }
}

/// What the peak detector measures: x² (garbage reads as silence). Stateless, so a loop over
/// a block vectorises; [`LevelDetector::power`] in [`Detector::Peak`] mode is exactly this.
#[inline(always)]
pub fn peak_power(x: f32) -> f32 {
    let p = x * x;
    if p <= MAX_POWER { p } else { 0.0 }
}

fn sane_window(ms: f32) -> f32 {
    if ms.is_finite() { ms.max(0.01) } else { 10.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lane::Stereo;

    fn sine_level(mode: Detector, amp: f32, freq: f32, window: f32) -> (f32, f32) {
        let fs = 48_000.0;
        let mut d = LevelDetector::<f32>::new(fs, mode, window);
        let w = core::f32::consts::TAU * freq / fs;
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for i in 0..96_000 {
            let y = d.process_sample(amp * (w * i as f32).sin());
            if i >= 48_000 {
                lo = lo.min(y);
                hi = hi.max(y);
            }
        }
        (lo, hi)
    }

    #[test]
    fn rms_reads_a_sines_rms_and_peak_its_peak() {
        for &(amp, freq, window) in &[
            (1.0f32, 1_000.0f32, 10.0f32),
            (0.1, 1_000.0, 50.0),
            (0.5, 100.0, 100.0),
        ] {
            let expected = 20.0 * (amp as f64 / 2f64.sqrt()).log10();
            let (lo, hi) = sine_level(Detector::Rms, amp, freq, window);
            println!(
                "rms {amp} @ {freq} Hz, window {window} ms: {lo:.4} … {hi:.4} dB (true {expected:.4})"
            );
            assert!((lo as f64 - expected).abs() < 0.05 && (hi as f64 - expected).abs() < 0.05);
        }
        // 1 kHz at 48 kHz hits its crest exactly (sample 12 of 48).
        let (_, hi) = sine_level(Detector::Peak, 0.5, 1_000.0, 10.0);
        assert!((hi as f64 - 20.0 * 0.5f64.log10()).abs() < 1e-3, "{hi}");
    }

    #[test]
    fn silence_and_garbage_read_as_the_floor() {
        for mode in [Detector::Peak, Detector::Rms] {
            let mut d = LevelDetector::<Stereo>::new(44_100.0, mode, 5.0);
            for x in [0.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0] {
                let y = d.process_sample(Stereo::new(x, 0.0));
                assert!(y.is_finite() && y.left() < -190.0, "{mode:?} {x}: {y:?}");
            }
        }
    }
}
