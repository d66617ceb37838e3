//! Peak and RMS envelope follower with separate attack and release.
//!
//! A one-pole smoother on the rectified (peak) or squared (RMS) signal, whose coefficient
//! switches per lane between attack (level rising) and release (level falling). This is the
//! classic analog-style detector of compressors and meters: cheap, no latency, and its
//! ballistics are exactly described by two time constants.
//!
//! **Time constant definition**: a step up reaches 1 − 1/e ≈ 63.2 % of its final value
//! after `attack_ms`, and a step down falls to 1/e ≈ 36.8 % after `release_ms` (counting
//! the samples the detector has processed since the step). Some products quote 10–90 %
//! rise times instead; that is 2.2× the time constant used here.
//!
//! **RMS mode** works on the mean square (power) and outputs its square root, like an
//! analog RMS detector. Its ballistics are *decoupled*: the attack time constant is the
//! averaging time of a symmetric one-pole mean square, and the release lets the result
//! fall no faster than exp(−t/release) (output = max(mean square, decaying hold)).
//! Why not switch attack/release per sample as in peak mode: x² of a steady sine swings
//! between 0 and 2× its mean every half period, so a per-sample switch weights the peaks
//! by release/attack and reads a sine with 10 ms / 100 ms about 2 dB hot (measured while
//! writing this), whatever its frequency, while noise and square waves read correctly.
//! Decoupled, a steady sine reads its true RMS within the ripple the averaging time leaves
//! (< 0.04 dB once the attack time spans a few periods). The step response keeps the
//! definition above on the mean square (so the RMS output itself reaches √(1 − 1/e) ≈
//! 79.5 % at τ); a release shorter than the attack acts as the attack time.

use crate::kernel::sanitize::finite_or_zero;
use crate::lane::{Lane, Stereo, for_each_stereo};

/// What the follower measures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Detector {
    /// |x|, smoothed: tracks peaks, for limiters and fast compressors.
    #[default]
    Peak,
    /// √(mean x²): follows loudness more closely, for bus compression and meters.
    Rms,
}

#[derive(Clone, Debug)]
pub struct EnvelopeFollower<L: Lane = f32> {
    /// Peak mode: the level; RMS mode: the released mean square (the output squared).
    state: L,
    /// RMS mode only: the mean square averaged with the attack time constant.
    mean_square: L,
    attack_coef: f32,
    release_coef: f32,
    attack_ms: f32,
    release_ms: f32,
    sample_rate: f32,
    detector: Detector,
}

/// Per-sample decay factor for a time constant: exp(−1/(τ·fs)); 0 (instant) for τ ≤ 0.
fn coef_for(time_ms: f32, sample_rate: f32) -> f32 {
    let tau = time_ms as f64 * 1e-3 * sample_rate as f64;
    // f64: for long times 1/(τ·fs) is tiny and exp(−x) in f32 rounds towards 1.
    if tau > 0.0 {
        (-1.0 / tau).exp() as f32
    } else {
        0.0
    }
}

impl<L: Lane> EnvelopeFollower<L> {
    pub fn new(sample_rate: f32, attack_ms: f32, release_ms: f32, detector: Detector) -> Self {
        let mut e = Self {
            state: L::zero(),
            mean_square: L::zero(),
            attack_coef: 0.0,
            release_coef: 0.0,
            attack_ms: 0.0,
            release_ms: 0.0,
            sample_rate: 48_000.0,
            detector,
        };
        e.set_sample_rate(sample_rate);
        e.set_attack_ms(attack_ms);
        e.set_release_ms(release_ms);
        e
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate.max(1.0); // NaN → 1, never a panic
        self.attack_coef = coef_for(self.attack_ms, self.sample_rate);
        self.release_coef = coef_for(self.release_ms, self.sample_rate);
    }

    /// Attack time constant in ms (0 = instant). Non-finite values count as 0.
    pub fn set_attack_ms(&mut self, ms: f32) {
        self.attack_ms = if ms.is_finite() { ms.max(0.0) } else { 0.0 };
        self.attack_coef = coef_for(self.attack_ms, self.sample_rate);
    }

    /// Release time constant in ms (0 = instant). Non-finite values count as 0.
    pub fn set_release_ms(&mut self, ms: f32) {
        self.release_ms = if ms.is_finite() { ms.max(0.0) } else { 0.0 };
        self.release_coef = coef_for(self.release_ms, self.sample_rate);
    }

    /// Switching detector keeps the state, reinterpreted; call [`reset`](Self::reset) if
    /// a jump matters.
    pub fn set_detector(&mut self, detector: Detector) {
        self.detector = detector;
    }

    pub fn reset(&mut self) {
        self.state = L::zero();
        self.mean_square = L::zero();
    }

    /// Current envelope (same units as the input amplitude), without advancing.
    #[inline]
    pub fn value(&self) -> L {
        match self.detector {
            Detector::Peak => self.state,
            Detector::Rms => self.state.map(f32::sqrt),
        }
    }

    /// Feeds one sample and returns the envelope.
    ///
    /// Non-finite detector input (NaN, ±inf, or an x² that overflows) is treated as
    /// silence: there is no meaningful level to follow, and this keeps the state finite at
    /// all times, so the follower is correct again as soon as the input is.
    #[inline]
    pub fn process_sample(&mut self, x: L) -> L {
        let (att, rel) = (self.attack_coef, self.release_coef);
        match self.detector {
            Detector::Peak => {
                let d = x.abs().map(finite_or_zero);
                let coef = d.zip_map(self.state, |d, s| if d > s { att } else { rel });
                // state → d geometrically: d + (state − d)·coef.
                self.state = (d + (self.state - d) * coef).flush_denormal();
            }
            Detector::Rms => {
                let d = (x * x).map(finite_or_zero);
                self.mean_square = (d + (self.mean_square - d) * att).flush_denormal();
                self.state = (self.state * rel).zip_map(self.mean_square, f32::max);
            }
        }
        self.value()
    }

    /// Replaces each sample of `buf` by the envelope.
    pub fn process(&mut self, buf: &mut [L]) {
        for x in buf.iter_mut() {
            *x = self.process_sample(*x);
        }
    }

    /// Writes the envelope of `input` into `out` (the common prefix if lengths differ),
    /// for when the audio must be kept, e.g. a compressor's sidechain.
    pub fn process_into(&mut self, input: &[L], out: &mut [L]) {
        for (o, &x) in out.iter_mut().zip(input) {
            *o = self.process_sample(x);
        }
    }
}

impl EnvelopeFollower<Stereo> {
    /// Replaces separate left/right buffers by their envelopes, both in one pass.
    pub fn process_stereo(&mut self, left: &mut [f32], right: &mut [f32]) {
        for_each_stereo(left, right, |s| self.process_sample(s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::XorShift;

    const E: f64 = core::f64::consts::E;

    /// Number of samples processed (fractional, linearly interpolated) until `y` first
    /// crosses `level` in the direction `rising`. y[n] is the output after n + 1 samples.
    fn crossing(y: &[f32], level: f64, rising: bool) -> f64 {
        let mut prev = if rising { 0.0 } else { 1.0 };
        for (n, &v) in y.iter().enumerate() {
            let v = v as f64;
            let crossed = if rising { v >= level } else { v <= level };
            if crossed {
                return n as f64 + (level - prev) / (v - prev);
            }
            prev = v;
        }
        panic!("no crossing");
    }

    #[test]
    fn step_response_time_constants() {
        let fs = 48_000.0f32;
        let mut worst = 0.0f64;
        for &ms in &[1.0f32, 10.0, 100.0] {
            let tau = ms as f64 * 1e-3 * fs as f64;
            let len = (tau * 10.0) as usize;
            // Attack measured with a long release and vice versa, to show they are separate.
            let mut att = EnvelopeFollower::<f32>::new(fs, ms, 1_000.0, Detector::Peak);
            let mut up = vec![1.0f32; len];
            att.process(&mut up);
            let t_att = crossing(&up, 1.0 - 1.0 / E, true);

            let mut rel = EnvelopeFollower::<f32>::new(fs, 0.0, ms, Detector::Peak);
            rel.process_sample(1.0); // instant attack: now at 1
            let mut down = vec![0.0f32; len];
            rel.process(&mut down);
            let t_rel = crossing(&down, 1.0 / E, false);

            // Peak mode on a negative step: rectified, same timing.
            let mut neg = EnvelopeFollower::<f32>::new(fs, ms, 1_000.0, Detector::Peak);
            let mut neg_up = vec![-1.0f32; len];
            neg.process(&mut neg_up);
            let t_neg = crossing(&neg_up, 1.0 - 1.0 / E, true);

            // RMS mode: the mean square (output²) follows the same time constants.
            let mut rms = EnvelopeFollower::<f32>::new(fs, ms, ms, Detector::Rms);
            let ms_up: Vec<f32> = (0..len).map(|_| rms.process_sample(1.0).powi(2)).collect();
            let t_rms = crossing(&ms_up, 1.0 - 1.0 / E, true);
            let ms_down: Vec<f32> = (0..len).map(|_| rms.process_sample(0.0).powi(2)).collect();
            let t_rms_rel = crossing(&ms_down, 1.0 / E, false);
            // ... also when the attack is shorter than the release.
            let mut rms = EnvelopeFollower::<f32>::new(fs, ms / 4.0, ms, Detector::Rms);
            rms.process(&mut vec![1.0f32; len]);
            let ms_down: Vec<f32> = (0..len).map(|_| rms.process_sample(0.0).powi(2)).collect();
            let t_rms_rel2 = crossing(&ms_down, 1.0 / E, false);

            for (what, t) in [
                ("attack", t_att),
                ("release", t_rel),
                ("neg attack", t_neg),
                ("rms attack", t_rms),
                ("rms release", t_rms_rel),
                ("rms release, attack/4", t_rms_rel2),
            ] {
                let err = (t - tau).abs() / tau;
                println!(
                    "envelope {ms} ms {what}: {t:.2} samples vs {tau}, error {:.3} %",
                    err * 100.0
                );
                assert!(err < 0.05, "{ms} ms {what}: {t} vs {tau}");
                worst = worst.max(err);
            }
        }
        println!("envelope worst time-constant error {:.3} %", worst * 100.0);
    }

    #[test]
    fn rms_of_a_steady_sine() {
        let fs = 48_000.0f32;
        for &(freq, amp, att, rel) in &[
            (1_000.0f32, 0.5f32, 50.0f32, 50.0f32),
            (100.0, 1.0, 100.0, 100.0),
            (3_000.0, 0.1, 10.0, 100.0),
            (100.0, 1.0, 100.0, 1_000.0),
            (10_000.0, 0.3, 2.0, 300.0),
        ] {
            let mut e = EnvelopeFollower::<f32>::new(fs, att, rel, Detector::Rms);
            let n = (fs * 2.0) as usize;
            let w = core::f32::consts::TAU * freq / fs;
            let mut worst = 0.0f32;
            for i in 0..n {
                let y = e.process_sample(amp * (w * i as f32).sin());
                if i > n / 2 {
                    let err_db = 20.0 * (y / (amp / 2f32.sqrt())).log10();
                    worst = worst.max(err_db.abs());
                }
            }
            println!("rms sine {freq} Hz a={amp} att={att} rel={rel}: max deviation {worst:.4} dB");
            assert!(worst < 0.1, "{freq} Hz: {worst} dB");
        }
    }

    #[test]
    fn stereo_lanes_are_independent() {
        let mut e = EnvelopeFollower::<Stereo>::new(48_000.0, 5.0, 50.0, Detector::Peak);
        let mut l = vec![1.0f32; 480];
        let mut r = vec![0.0f32; 480];
        e.process_stereo(&mut l, &mut r);
        assert!(l[479] > 0.8 && r.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn recovers_from_non_finite_input_within_a_block() {
        let mut rng = XorShift::new(11);
        for detector in [Detector::Peak, Detector::Rms] {
            let mut e = EnvelopeFollower::<f32>::new(48_000.0, 1.0, 5.0, detector);
            let mut fresh = e.clone();
            for _ in 0..1_000 {
                e.process_sample(rng.uniform());
            }
            for i in 0..256 {
                let x = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][i % 3];
                assert!(e.process_sample(x).is_finite());
            }
            // Then both followers see the same input. The remaining difference is the
            // pre-NaN level, fading with the 5 ms (240-sample) release, not a poisoned state.
            let mut diff = 0.0f32;
            for i in 0..4096 {
                let x = rng.uniform();
                let (y, r) = (e.process_sample(x), fresh.process_sample(x));
                assert!(y.is_finite());
                if i >= 3072 {
                    diff = diff.max((y - r).abs());
                }
            }
            assert!(diff < 1e-3, "{detector:?}: {diff}");
        }
        let mut e = EnvelopeFollower::<f32>::new(f32::NAN, f32::NAN, f32::INFINITY, Detector::Peak);
        assert!(e.process_sample(0.5).is_finite());
    }
}
