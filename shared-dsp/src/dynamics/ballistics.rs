//! Attack and release: smoothing the gain reduction in the log domain.
//!
//! The smoother sits *after* the gain computer and works on the gain reduction in dB (the
//! log-domain topology of Giannoulis, Massberg & Reiss 2012 that puts the peak detector after
//! the gain computer). Placed there, it never moves while the signal stays below the knee,
//! its timing does not depend on how far the level is over the threshold, and it moves the
//! gain in dB, the way level is heard: a 20 dB and a 3 dB reduction recover with the same
//! time constant, where a linear-domain release would rush through the first dB of a deep
//! reduction and crawl through the last.
//!
//! ## Branching, not decoupled
//!
//! Both of the paper's *smooth* peak detectors avoid the discontinuities of the simple one.
//! The **decoupled** form runs an instant-attack release stage into an attack one-pole
//! (`y1 = max(x, α_R·y1)`, `y = α_A·y + (1 − α_A)·y1`): the two filters are in series on the
//! way down as well as the way up, so the release is smeared by the attack filter (its
//! response becomes the convolution of both, starting with zero slope) and the effective
//! release time grows with the attack setting — the knobs stop meaning what they say. The
//! **branching** form used here is one one-pole whose coefficient is the attack one while
//! the target is above the state and the release one otherwise:
//!
//! ```text
//! y[n] = α·y[n−1] + (1 − α)·x[n],   α = α_A if x[n] > y[n−1] else α_R
//! ```
//!
//! so a step up is a pure attack exponential and a step down a pure release exponential, each
//! exactly as set, independent of the other. Its known weakness: with a release as short as
//! a few cycles of the signal, the state falls between peaks, so the gain ripples with the
//! waveform (distortion on bass) and the average reduction depends on the release. That is
//! inherent to any detector that releases that fast; the RMS detector (whose window smooths
//! the level before the curve) or a longer release avoid it.
//!
//! **Time constant definition**: a step of the target moves the gain reduction 1 − 1/e ≈
//! 63.2 % of the way to its new value after `attack_ms` (step up) or `release_ms` (step down),
//! counting the samples processed since the step (86.5 % after 2τ, 95 % after 3τ; a 10–90 %
//! rise time is 2.2 τ). The same definition as [`envelope`](crate::envelope) and
//! [`smoother`](crate::smoother).
//!
//! ## Auto release (program dependent)
//!
//! Two branching stages run side by side on the same target and the larger gain reduction
//! wins:
//!
//! - a *fast* stage with the set attack and a release of `release_ms / AUTO_FAST_DIVISOR`;
//! - a *slow* stage that charges towards the target with time constant `release_ms` and
//!   releases with `release_ms`.
//!
//! A transient shorter than the release time barely charges the slow stage, so the gain
//! recovers at the fast rate; compression sustained for a few release times charges it fully,
//! so the gain then recovers at the set (slow) rate and long passages do not pump. This is
//! the dual-time-constant scheme of classic program-dependent compressors; the release knob
//! scales both stages, so it still sets the character.

use crate::kernel::sanitize::flush_denormal;
use crate::lane::{Lane, Stereo};

/// In auto release, the fast stage releases this many times faster than the set release.
pub const AUTO_FAST_DIVISOR: f32 = 8.0;

/// Per-sample coefficient `exp(−1/(τ·fs))` for a time constant in ms; 0 (instant) for τ ≤ 0.
pub fn coef_for(time_ms: f32, sample_rate: f32) -> f32 {
    // f64: for long times 1/(τ·fs) is tiny and exp(−x) in f32 rounds towards 1.
    let tau = time_ms as f64 * 1e-3 * sample_rate as f64;
    if tau > 0.0 {
        (-1.0 / tau).exp() as f32
    } else {
        0.0
    }
}

fn sane_ms(ms: f32) -> f32 {
    if ms.is_finite() { ms.max(0.0) } else { 0.0 }
}

/// Branching one-pole smoothing of a gain reduction in dB (≥ 0), per lane.
#[derive(Clone, Debug)]
pub struct Ballistics<L: Lane> {
    /// Smoothed gain reduction (the fast stage in auto release).
    state: L,
    /// Auto release's slow stage.
    slow: L,
    attack: Pole,
    release: Pole,
    auto_fast_release: Pole,
    attack_ms: f32,
    release_ms: f32,
    sample_rate: f32,
    auto_release: bool,
}

impl<L: Lane> Ballistics<L> {
    pub fn new(sample_rate: f32, attack_ms: f32, release_ms: f32) -> Self {
        let mut b = Self {
            state: L::zero(),
            slow: L::zero(),
            attack: Pole::default(),
            release: Pole::default(),
            auto_fast_release: Pole::default(),
            attack_ms: sane_ms(attack_ms),
            release_ms: sane_ms(release_ms),
            sample_rate: 48_000.0,
            auto_release: false,
        };
        b.set_sample_rate(sample_rate);
        b
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate.max(1.0); // NaN → 1, never a panic
        self.update_coefs();
    }

    /// Attack time constant in ms (0 = instant).
    pub fn set_attack_ms(&mut self, ms: f32) {
        let ms = sane_ms(ms);
        if ms != self.attack_ms {
            self.attack_ms = ms;
            self.update_coefs();
        }
    }

    /// Release time constant in ms (0 = instant); in auto release, the slow stage's.
    pub fn set_release_ms(&mut self, ms: f32) {
        let ms = sane_ms(ms);
        if ms != self.release_ms {
            self.release_ms = ms;
            self.update_coefs();
        }
    }

    /// Program-dependent release (see the module docs). Switching keeps the current gain
    /// reduction; the slow stage starts from it, so nothing jumps.
    pub fn set_auto_release(&mut self, on: bool) {
        if on && !self.auto_release {
            self.slow = self.state;
        }
        self.auto_release = on;
    }

    fn update_coefs(&mut self) {
        self.attack = Pole::new(self.attack_ms, self.sample_rate);
        self.release = Pole::new(self.release_ms, self.sample_rate);
        self.auto_fast_release = Pole::new(self.release_ms / AUTO_FAST_DIVISOR, self.sample_rate);
    }

    pub fn reset(&mut self) {
        self.state = L::zero();
        self.slow = L::zero();
    }

    /// The current smoothed gain reduction in dB, without advancing.
    #[inline]
    pub fn value(&self) -> L {
        if self.auto_release {
            self.state.zip_map(self.slow, max)
        } else {
            self.state
        }
    }

    /// Feeds one target gain reduction (dB, ≥ 0, finite) and returns the smoothed one.
    #[inline(always)]
    pub fn process_sample(&mut self, target: L) -> L {
        let flushed = |v: f32| flush_denormal(v);
        if self.auto_release {
            let (att, fast, slow) = (self.attack, self.auto_fast_release, self.release);
            self.state = self
                .state
                .zip_map(target, |s, t| flushed(step(s, t, att, fast)));
            self.slow = self
                .slow
                .zip_map(target, |s, t| flushed(step(s, t, slow, slow)));
            self.state.zip_map(self.slow, max)
        } else {
            let (att, rel) = (self.attack, self.release);
            self.state = self
                .state
                .zip_map(target, |s, t| flushed(step(s, t, att, rel)));
            self.state
        }
    }
}

impl Ballistics<Stereo> {
    /// Replaces each target in `left`/`right` (the two lanes, as separate arrays) by the
    /// smoothed gain reduction: [`process_sample`](Self::process_sample) over a block, for a
    /// processor that keeps its channels in separate arrays. The mode is tested once, the two
    /// channels' recursions run side by side in registers, and denormals are flushed once at
    /// the end of the block rather than every sample: the flush would sit in the recursion's
    /// dependency chain, and the state cannot decay from above the flush threshold (1e-30 dB)
    /// into the subnormal range (below 1e-38) within a block unless the time constant is
    /// shorter than a block by orders of magnitude. Lengths beyond the shorter slice are left
    /// alone. Inlined, so that a caller compiled for AVX2 gets its one-instruction select
    /// (`vblendvps`) in the recursion instead of SSE2's three.
    #[inline(always)]
    pub fn process_split(&mut self, left: &mut [f32], right: &mut [f32]) {
        let [mut l, mut r] = self.state.0;
        if self.auto_release {
            let (att, fast, slow) = (self.attack, self.auto_fast_release, self.release);
            let [mut sl, mut sr] = self.slow.0;
            for (x, y) in left.iter_mut().zip(right.iter_mut()) {
                l = step(l, *x, att, fast);
                r = step(r, *y, att, fast);
                sl = step(sl, *x, slow, slow);
                sr = step(sr, *y, slow, slow);
                (*x, *y) = (max(l, sl), max(r, sr));
            }
            self.slow = Stereo::new(flush_denormal(sl), flush_denormal(sr));
        } else {
            let (att, rel) = (self.attack, self.release);
            for (x, y) in left.iter_mut().zip(right.iter_mut()) {
                l = step(l, *x, att, rel);
                r = step(r, *y, att, rel);
                (*x, *y) = (l, r);
            }
        }
        self.state = Stereo::new(flush_denormal(l), flush_denormal(r));
    }
}

/// A one-pole's per-sample coefficient `c = exp(−1/(τ·fs))` and its complement `1 − c`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Pole {
    coef: f32,
    gain: f32,
}

impl Pole {
    fn new(time_ms: f32, sample_rate: f32) -> Self {
        let coef = coef_for(time_ms, sample_rate);
        Self {
            coef,
            gain: 1.0 - coef,
        }
    }
}

/// One branching one-pole step of `state` towards `target` (one lane).
///
/// Written as `s·c + t·(1 − c)` with both candidates computed and one selected: `t·(1 − c)`
/// and the compare do not depend on the previous state, so the recursion's dependency chain
/// is one multiply, one add and a select — this is the compressor's longest serial chain.
#[inline(always)]
fn step(state: f32, target: f32, up: Pole, down: Pole) -> f32 {
    let rising = state * up.coef + target * up.gain;
    let falling = state * down.coef + target * down.gain;
    if target > state { rising } else { falling }
}

/// max for values known not to be NaN: one instruction instead of `f32::max`'s NaN handling.
#[inline(always)]
fn max(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: f64 = core::f64::consts::E;

    /// Fractional sample count (counting samples processed, as in the module docs) at which
    /// `y` first covers `fraction` of the way from `from` to `to`.
    fn time_to(y: &[f32], from: f64, to: f64, fraction: f64) -> f64 {
        let mut prev = 0.0;
        for (n, &v) in y.iter().enumerate() {
            let p = (v as f64 - from) / (to - from);
            if p >= fraction {
                return n as f64 + (fraction - prev) / (p - prev);
            }
            prev = p;
        }
        panic!("never reached {fraction}");
    }

    fn run(b: &mut Ballistics<f32>, target: f32, n: usize) -> Vec<f32> {
        (0..n).map(|_| b.process_sample(target)).collect()
    }

    #[test]
    fn attack_and_release_are_separate_exponentials() {
        let fs = 48_000.0f32;
        for &(att, rel) in &[
            (1.0f32, 1_000.0f32),
            (10.0, 50.0),
            (100.0, 10.0),
            (0.5, 2_500.0),
        ] {
            let mut b = Ballistics::<f32>::new(fs, att, rel);
            run(&mut b, 3.0, 1); // start away from zero, as after a previous step
            let start = b.value();
            let up = run(&mut b, 20.0, (att * fs * 0.012) as usize + 10);
            let t_att = time_to(&up, start as f64, 20.0, 1.0 - 1.0 / E);
            let mut b = Ballistics::<f32>::new(fs, 0.0, rel);
            run(&mut b, 20.0, 1);
            let down = run(&mut b, 5.0, (rel * fs * 0.012) as usize + 10);
            let t_rel = time_to(&down, 20.0, 5.0, 1.0 - 1.0 / E);
            for (what, t, ms) in [("attack", t_att, att), ("release", t_rel, rel)] {
                let tau = ms as f64 * 1e-3 * fs as f64;
                let err = (t - tau).abs() / tau;
                println!(
                    "ballistics {what} {ms} ms: 63.2 % after {t:.2} samples (τ = {tau}), error {:.3} %",
                    err * 100.0
                );
                assert!(err < 0.01, "{what} {ms} ms: {t} vs {tau}");
            }
        }
    }

    #[test]
    fn auto_release_is_faster_after_transients_than_after_sustained_compression() {
        let fs = 48_000.0f32;
        let rel = 400.0f32;
        let tau = |ms: f32| ms as f64 * 1e-3 * fs as f64;
        let release_time = |hold_ms: f32| {
            let mut b = Ballistics::<f32>::new(fs, 0.1, rel);
            b.set_auto_release(true);
            run(&mut b, 12.0, (hold_ms * 1e-3 * fs) as usize);
            let from = b.value() as f64;
            let down = run(&mut b, 0.0, (fs * 5.0) as usize);
            time_to(&down, from, 0.0, 1.0 - 1.0 / E)
        };
        // A 5 ms burst charges the slow stage to ~1 %: the fast stage (400/8 = 50 ms) decides.
        let t_burst = release_time(5.0);
        // 4 s of compression (10 release times) charges it fully: the set 400 ms decides.
        let t_sustained = release_time(4_000.0);
        let (fast, slow) = (tau(rel / AUTO_FAST_DIVISOR), tau(rel));
        println!(
            "auto release {rel} ms: after 5 ms burst {:.1} ms (fast stage {:.1} ms), after 4 s {:.1} ms",
            t_burst / fs as f64 * 1e3,
            fast / fs as f64 * 1e3,
            t_sustained / fs as f64 * 1e3
        );
        assert!((t_burst - fast).abs() / fast < 0.1, "{t_burst} vs {fast}");
        assert!(
            (t_sustained - slow).abs() / slow < 0.1,
            "{t_sustained} vs {slow}"
        );
        // In between, the release time grows with the duration of the compression (once the
        // slow stage holds more than the 37 % the 63 % release time is measured at).
        let mut prev = t_burst;
        for hold in [300.0f32, 800.0, 1_600.0] {
            let t = release_time(hold);
            println!(
                "auto release {rel} ms after {hold} ms: {:.1} ms",
                t / fs as f64 * 1e3
            );
            assert!(t > prev && t <= t_sustained, "{hold} ms hold: {t}");
            prev = t;
        }
    }

    #[test]
    fn block_form_matches_per_sample() {
        let mut rng = crate::test_support::XorShift::new(4);
        let targets: Vec<(f32, f32)> = (0..20_000)
            .map(|i| {
                (
                    (rng.uniform() * 20.0).max(0.0) * (i / 2_000 % 2) as f32,
                    rng.uniform().abs() * 5.0,
                )
            })
            .collect();
        for auto in [false, true] {
            let mut a = Ballistics::<Stereo>::new(48_000.0, 1.0, 30.0);
            a.set_auto_release(auto);
            let mut b = a.clone();
            let per_sample: Vec<Stereo> = targets
                .iter()
                .map(|&(l, r)| a.process_sample(Stereo::new(l, r)))
                .collect();
            let (mut l, mut r): (Vec<f32>, Vec<f32>) = targets.iter().copied().unzip();
            for (lc, rc) in l.chunks_mut(77).zip(r.chunks_mut(77)) {
                b.process_split(lc, rc);
            }
            for (i, p) in per_sample.iter().enumerate() {
                // Equal except where only the per-sample form has flushed a value below
                // 1e-30 dB to zero.
                for (x, y) in [(p.left(), l[i]), (p.right(), r[i])] {
                    assert!(
                        x == y || (x - y).abs() < 1e-29,
                        "auto {auto}, sample {i}: {x} vs {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn stays_finite_and_flushes_denormals() {
        let mut b = Ballistics::<f32>::new(48_000.0, 1.0, 1.0);
        run(&mut b, 30.0, 100);
        let tail = run(&mut b, 0.0, 48_000);
        assert_eq!(*tail.last().unwrap(), 0.0);
        assert!(
            tail.iter()
                .all(|&v| v == 0.0 || v.abs() >= f32::MIN_POSITIVE)
        );
        let mut b = Ballistics::<f32>::new(f32::NAN, f32::NAN, f32::INFINITY);
        assert!(b.process_sample(10.0).is_finite());
    }
}
