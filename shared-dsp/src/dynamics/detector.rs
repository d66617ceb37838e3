//! Level detection for dynamics processors: peak or RMS level in dB, per sample.
//!
//! The detector only *measures*; all smoothing with attack and release happens after the
//! gain computer ([`ballistics`](super::ballistics)). So the peak detector is the plain
//! per-sample |x| in dB, and the RMS detector is a mean square averaged over its window (the
//! existing [`EnvelopeFollower`] with equal attack and release), whose output is a level, not
//! a gain trajectory.
//!
//! **RMS window**: the time constant τ of an exponential (one-pole) average of x². An
//! exponential window weights the recent past most, like an analog RMS detector, costs two
//! multiplies instead of a running sum over a buffer of up to 100 ms × 192 kHz, and has no
//! boxcar's comb-shaped ripple. Its equivalent rectangular length is 2τ. A steady sine reads
//! its true RMS within the ripple left by the window (±0.04 dB for a 1 kHz sine at 10 ms,
//! shrinking in proportion to window × frequency).

use crate::envelope::{Detector, EnvelopeFollower};
use crate::lane::Lane;

use super::fast_db;

/// Measures the level of each lane in dB, per sample.
#[derive(Clone, Debug)]
pub struct LevelDetector<L: Lane> {
    mode: Detector,
    rms: EnvelopeFollower<L>,
    window_ms: f32,
}

impl<L: Lane> LevelDetector<L> {
    pub fn new(sample_rate: f32, mode: Detector, rms_window_ms: f32) -> Self {
        let window_ms = sane_window(rms_window_ms);
        Self {
            mode,
            rms: EnvelopeFollower::new(sample_rate, window_ms, window_ms, Detector::Rms),
            window_ms,
        }
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.rms.set_sample_rate(sample_rate);
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
            self.rms.set_attack_ms(ms);
            self.rms.set_release_ms(ms);
        }
    }

    pub fn reset(&mut self) {
        self.rms.reset();
    }

    /// The level of `x` in dB (≥ −400 dB; non-finite input reads as silence).
    #[inline(always)]
    pub fn process_sample(&mut self, x: L) -> L {
        let amplitude = match self.mode {
            Detector::Peak => x.map(|v| if v.is_finite() { v.abs() } else { 0.0 }),
            Detector::Rms => self.rms.process_sample(x),
        };
        amplitude.map(fast_db::gain_to_db)
    }
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
        for &(amp, freq, window) in &[(1.0f32, 1_000.0f32, 10.0f32), (0.1, 1_000.0, 50.0), (0.5, 100.0, 100.0)] {
            let expected = 20.0 * (amp as f64 / 2f64.sqrt()).log10();
            let (lo, hi) = sine_level(Detector::Rms, amp, freq, window);
            println!("rms {amp} @ {freq} Hz, window {window} ms: {lo:.4} … {hi:.4} dB (true {expected:.4})");
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
                assert!(y.is_finite() && y.left() < -390.0, "{mode:?} {x}: {y:?}");
            }
        }
    }
}
