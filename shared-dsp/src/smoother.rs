//! One-pole (exponential) parameter smoother for DSP-side glides.
//!
//! Plugins smooth host parameters with nice-plug's smoothers; this one is for values the
//! DSP derives itself (a gain computed from several parameters, a crossfade between two
//! delay taps) and for the channel strip, which runs processors outside a plugin wrapper.
//!
//! Why exponential rather than linear: a one-pole glide needs no knowledge of how far it
//! has to go, so a new target in the middle of a glide just continues smoothly from where
//! the value is, and it never overshoots. Its drawback — it never formally arrives — is
//! handled by snapping to the target once the remaining distance is negligible, so that
//! [`Smoother::is_settled`] lets callers skip per-sample work afterwards.
//!
//! **Time constant**: after `time_ms` the value has covered 1 − 1/e ≈ 63.2 % of the
//! distance from where it was to the target (86.5 % after 2τ, 95 % after 3τ).

/// The remaining distance, relative to the size of the last jump, below which the value
/// snaps to the target: 1e-5 is −100 dB of the jump, reached after ln(1e5) ≈ 11.5 τ.
const SETTLE_FRACTION: f32 = 1e-5;

/// An exponential glide towards a target value.
#[derive(Clone, Debug)]
pub struct Smoother {
    value: f32,
    target: f32,
    /// Per-sample decay factor of the remaining distance, `exp(-1 / (τ·fs))`.
    coef: f32,
    /// Absolute distance under which the value snaps to the target.
    settle_eps: f32,
    sample_rate: f32,
    time_ms: f32,
}

impl Smoother {
    /// A smoother at rest on `initial`, with time constant `time_ms` (τ, see the module
    /// docs) at `sample_rate`.
    pub fn new(sample_rate: f32, time_ms: f32, initial: f32) -> Self {
        let initial = if initial.is_finite() { initial } else { 0.0 };
        let mut s = Self {
            value: initial,
            target: initial,
            coef: 0.0,
            settle_eps: 0.0,
            sample_rate: 48_000.0,
            time_ms: 0.0,
        };
        s.set_sample_rate(sample_rate);
        s.set_time_ms(time_ms);
        s
    }

    /// Changes the sample rate, keeping the time constant in milliseconds.
    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        // `max` also turns NaN into the lower bound: setters never panic or poison.
        self.sample_rate = sample_rate.max(1.0);
        self.update_coef();
    }

    /// Sets τ in milliseconds; `0` (or anything not positive) makes changes instant.
    /// A glide in progress continues from its current value at the new speed.
    pub fn set_time_ms(&mut self, time_ms: f32) {
        self.time_ms = if time_ms.is_finite() {
            time_ms.max(0.0)
        } else {
            0.0
        };
        self.update_coef();
    }

    fn update_coef(&mut self) {
        let tau_samples = self.time_ms as f64 * 1e-3 * self.sample_rate as f64;
        // f64 here: for long times 1/(τ·fs) is tiny and exp(-x) in f32 would round to 1.
        self.coef = if tau_samples > 0.0 {
            (-1.0 / tau_samples).exp() as f32
        } else {
            0.0
        };
    }

    /// Starts a glide to `target`. Non-finite targets are ignored, so a bad value coming
    /// from upstream cannot poison the smoothed value.
    #[inline]
    pub fn set_target(&mut self, target: f32) {
        if !target.is_finite() || target == self.target {
            return;
        }
        self.target = target;
        self.settle_eps = (target - self.value).abs() * SETTLE_FRACTION;
        if self.coef == 0.0 {
            self.value = target;
        }
    }

    /// Jumps to `value` without gliding (use on `reset()` and at activation).
    #[inline]
    pub fn reset_to(&mut self, value: f32) {
        if value.is_finite() {
            self.value = value;
            self.target = value;
        }
    }

    /// Advances one sample and returns the new value (named like nice-plug's
    /// `Smoother::next`, which plugin code uses next to this one).
    #[inline]
    #[allow(
        clippy::should_implement_trait,
        reason = "an endless smoother is not an Iterator"
    )]
    pub fn next(&mut self) -> f32 {
        if self.value != self.target {
            // Written as target + remaining·coef: the remaining distance shrinks
            // geometrically and, with 0 ≤ coef < 1, can never change sign, so rounding
            // cannot push the value past the target.
            let remaining = (self.value - self.target) * self.coef;
            let next = self.target + remaining;
            // Snap when close enough, or when f32 rounding stops the value from moving
            // (within ~1/(1 − coef) ulps of the target, `target + remaining` rounds back to
            // the same value and the glide would stall short of the target forever).
            self.value = if remaining.abs() <= self.settle_eps || next == self.value {
                self.target
            } else {
                next
            };
        }
        self.value
    }

    /// Fills `out` with the next `out.len()` values; cheap once settled.
    pub fn process_block(&mut self, out: &mut [f32]) {
        if self.is_settled() {
            out.fill(self.value);
        } else {
            for v in out.iter_mut() {
                *v = self.next();
            }
        }
    }

    /// Current value, without advancing.
    #[inline]
    pub fn value(&self) -> f32 {
        self.value
    }

    #[inline]
    pub fn target(&self) -> f32 {
        self.target
    }

    /// `true` once the value equals the target exactly.
    #[inline]
    pub fn is_settled(&self) -> bool {
        self.value == self.target
    }
}

/// A [`Smoother`] stepped once per control period of `N` samples and interpolated linearly
/// across each period: the value moves every sample, with one exponential step per period
/// instead of one per sample. The glide is the same one-pole as everywhere else in the crate
/// (the EQ and the delay step theirs per period the same way, interpolating what they
/// derive from it: filter coefficients, a gain matrix); this type is for plain values.
///
/// Call [`control`](Self::control) at the start of every period, then take up to `N`
/// per-sample values with [`values`](Self::values).
#[derive(Clone, Debug)]
pub struct ControlRamp<const N: usize> {
    glide: Smoother,
    value: f32,
    step: f32,
    end: f32,
}

impl<const N: usize> ControlRamp<N> {
    /// At rest on `initial`, with time constant `time_ms` at `sample_rate` (0: a new target
    /// is reached at the end of the next period).
    pub fn new(sample_rate: f32, time_ms: f32, initial: f32) -> Self {
        let glide = Smoother::new(sample_rate / N as f32, time_ms, initial);
        let value = glide.value();
        Self {
            glide,
            value,
            step: 0.0,
            end: value,
        }
    }

    /// Starts gliding to `target` (from the next period on; non-finite targets are ignored).
    #[inline]
    pub fn set_target(&mut self, target: f32) {
        self.glide.set_target(target);
    }

    /// Starts a control period: the value continues from where the last one ended towards
    /// the glide's next step.
    #[inline]
    pub fn control(&mut self) {
        self.value = self.end;
        self.end = self.glide.next();
        self.step = (self.end - self.value) * (1.0 / N as f32);
        if self.step == 0.0 {
            self.value = self.end;
        }
    }

    /// The values for the next `n ≤ N` samples, one per sample (the rest of the array
    /// repeats the current value).
    #[inline(always)]
    pub fn values(&mut self, n: usize) -> [f32; N] {
        let mut v = [self.value; N];
        if self.step != 0.0 {
            for v in &mut v[..n.min(N)] {
                self.value += self.step;
                *v = self.value;
            }
        }
        v
    }

    /// Lands on the target now (activation, loading a session).
    pub fn jump(&mut self) {
        self.glide.reset_to(self.glide.target());
        self.value = self.glide.value();
        self.end = self.value;
        self.step = 0.0;
    }

    /// The current value (where the last sample taken was).
    #[inline]
    pub fn value(&self) -> f32 {
        self.value
    }

    /// Where the current period ends.
    #[inline]
    pub fn end(&self) -> f32 {
        self.end
    }

    /// Where the glide is going.
    #[inline]
    pub fn target(&self) -> f32 {
        self.glide.target()
    }

    /// Whether the ramp rests on `v` and will stay there.
    #[inline]
    pub fn settled_at(&self, v: f32) -> bool {
        self.value == v && self.end == v && self.glide.target() == v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples until the smoothed value first covers `fraction` of the step, with linear
    /// interpolation between samples. Sample `n` (n ≥ 1) is the value after n ticks.
    fn time_to_fraction(s: &mut Smoother, from: f32, to: f32, fraction: f32) -> f64 {
        let mut prev = s.value();
        for n in 1..10_000_000 {
            let v = s.next();
            let p = (v - from) / (to - from);
            if p >= fraction {
                let pp = (prev - from) / (to - from);
                return (n - 1) as f64 + ((fraction - pp) / (p - pp)) as f64;
            }
            prev = v;
        }
        panic!("never reached");
    }

    #[test]
    fn time_constant_is_63_percent() {
        let fs = 48_000.0;
        for &ms in &[1.0f32, 10.0, 100.0] {
            for &(from, to) in &[(0.0f32, 1.0f32), (20_000.0, 20.0), (-3.0, 12.0)] {
                let mut s = Smoother::new(fs, ms, from);
                s.set_target(to);
                let t = time_to_fraction(&mut s, from, to, 1.0 - (-1.0f32).exp());
                let expected = ms as f64 * 1e-3 * fs as f64;
                let err = (t - expected).abs() / expected;
                println!(
                    "smoother {ms} ms {from}->{to}: 63.2% after {t:.2} samples (set {expected}), error {:.3} %",
                    err * 100.0
                );
                assert!(err < 0.05, "{ms} ms: {t} samples vs {expected}");
            }
        }
    }

    #[test]
    fn reaches_target_exactly_without_overshoot() {
        let mut s = Smoother::new(44_100.0, 5.0, 0.25);
        s.set_target(0.8);
        let mut prev = s.value();
        let mut n = 0;
        while !s.is_settled() {
            let v = s.next();
            assert!(
                v >= prev && v <= 0.8,
                "monotonic and bounded: {prev} -> {v}"
            );
            prev = v;
            n += 1;
            assert!(n < 44_100, "must settle well within a second");
        }
        assert_eq!(s.value(), 0.8);
        // About 11.5 τ (τ = 220.5 samples) to settle.
        assert!(n > 2_000 && n < 3_000, "settled after {n} samples");

        // Downwards, and a retarget in mid-glide continues from the current value.
        s.set_target(-1.0);
        for _ in 0..300 {
            s.next();
        }
        let mid = s.value();
        assert!(
            mid < -0.4 && mid > -0.7,
            "-1 + 1.8·e^(-300/220.5) ≈ -0.54, got {mid}"
        );
        s.set_target(0.0);
        let v = s.next();
        assert!(v > mid && v < 0.0);
        let mut buf = [0.0f32; 4096];
        s.process_block(&mut buf);
        assert!(buf.iter().all(|&v| v <= 0.0));
        assert_eq!(s.value(), 0.0);
        assert!(s.is_settled());
    }

    #[test]
    fn zero_time_is_instant_and_bad_input_ignored() {
        let mut s = Smoother::new(48_000.0, 0.0, 1.0);
        s.set_target(3.0);
        assert_eq!(s.next(), 3.0);
        s.set_target(f32::NAN);
        s.set_target(f32::INFINITY);
        assert_eq!(s.next(), 3.0);
        s.set_time_ms(f32::NAN);
        s.set_sample_rate(f32::NAN);
        s.set_target(2.0);
        assert_eq!(s.next(), 2.0);
        s.reset_to(7.0);
        assert!(s.is_settled());
        assert_eq!(s.next(), 7.0);
    }
}
