//! The feedback loop: what goes back into the delay lines, and how it stays bounded.
//!
//! Per sample, each line is written with
//!
//! ```text
//! w = sat( filters( input routing · x  +  feedback · cross matrix · y ) )
//! ```
//!
//! where `y` is what the lines play back. The filters (a 12 dB/oct high pass and low pass,
//! both TPT SVFs so their cutoffs can glide) sit inside the loop, so every trip around it
//! filters the echo once more: the n-th repeat has been through them n times and gets
//! progressively thinner and darker, as on a tape or bucket-brigade echo.
//!
//! **Why the loop is bounded at any feedback (up to 110 %)**: [`saturate`] is the identity up
//! to [`SAT_KNEE`] and never exceeds [`SAT_CEILING`], and it is the last thing before the
//! write, so no sample in a line ever exceeds the ceiling, whatever the loop gain, the
//! filters' resonance or the input. Reads are 4-point Lagrange interpolations whose
//! coefficients' absolute values sum to at most 1.25 (at a half-sample fraction), so a line's
//! output never exceeds 1.25 × ceiling = 1.875 (+5.5 dBFS), and the wet output at 0 dB (width
//! ≤ 100 %) stays below +6 dBFS by construction. With feedback above 100 % the echoes grow
//! until the saturation's falling gain brings the loop gain back to one, and they settle there
//! as a sustained, softly compressed loop rather than running away.
//!
//! **Why the saturation is transparent at normal levels**: below the knee (0 dBFS in the
//! loop) it is exactly the identity, not an approximation of it, so a mix at sensible levels
//! with feedback below 100 % is never touched, and repeat levels are exactly the feedback
//! gain (the tests measure this within 0.05 dB). It only acts on loops that build up beyond
//! full scale: feedback near or above 100 % with a loud input.
//!
//! The curve above the knee is `K + (C − K)·u/(1 + u)` with `u = (|x| − K)/(C − K)`: its
//! slope is 1 at the knee (no kink, so no sudden harmonics when the loop first reaches it),
//! it rises monotonically and approaches C asymptotically. A rational curve rather than tanh
//! because it costs one division, and only on samples above the knee.

use crate::gain::within;
use crate::kernel::sanitize::finite_clamped_or;
use crate::lane::Stereo;
use crate::smoother::Smoother;

/// Level (linear, 1.0 = 0 dBFS) up to which [`saturate`] is the identity.
pub const SAT_KNEE: f32 = 1.0;
/// Level [`saturate`] never exceeds (+3.5 dBFS).
pub const SAT_CEILING: f32 = 1.5;

/// The loop's soft saturation (see the module docs). Odd, monotonic, |y| < [`SAT_CEILING`].
///
/// Written without branches (both sides computed, then a select) so that it vectorises when
/// applied to a chunk of samples; `1 − 1/(1 + u)` rather than `u/(1 + u)` so that an infinite
/// `u` gives the limit 1 instead of NaN.
#[inline(always)]
pub fn saturate(x: f32) -> f32 {
    const RANGE: f32 = SAT_CEILING - SAT_KNEE;
    let a = x.abs();
    let u = (a - SAT_KNEE).max(0.0) * (1.0 / RANGE);
    let soft = (SAT_KNEE + RANGE * (1.0 - 1.0 / (1.0 + u))).copysign(x);
    if a <= SAT_KNEE { x } else { soft }
}

/// Gains that route the input into the lines and the lines back into themselves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Routing {
    /// Input → lines, row-major `[l←l, l←r, r←l, r←r]`.
    pub input: [f32; 4],
    /// Feedback from a line into itself.
    pub direct: f32,
    /// Feedback from a line into the other one.
    pub cross: f32,
}

/// Which line a ping-pong starts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Side {
    #[default]
    Left,
    Right,
}

impl Routing {
    /// `feedback` is the loop gain (1.0 = 100 %), `cross` the share of it that crosses to the
    /// other side (0 … 1). The feedback matrix `feedback·[[1−c, c], [c, 1−c]]` has eigenvalues
    /// `feedback` (mono content) and `feedback·(1 − 2c)` (stereo difference), so crossing never
    /// raises the loop gain above `feedback`.
    ///
    /// Ping-pong crosses everything (c = 1), so each repeat changes side, and feeds the input
    /// so that the first repeat is on the `start` side: a mono input sums both channels at
    /// half level into the start side only; a stereo input keeps both channels, the left one
    /// entering on the start side and the right one on the other.
    ///
    /// Freeze closes the loop at exactly unity and stops feeding the input, so the lines keep
    /// playing what they hold.
    pub fn new(feedback: f32, cross: f32, ping_pong: Option<(Side, bool)>, freeze: bool) -> Self {
        let feedback = if freeze {
            1.0
        } else {
            finite_clamped_or(feedback, 0.0, MAX_FEEDBACK, 0.0)
        };
        let (cross, input) = match ping_pong {
            None => (
                finite_clamped_or(cross, 0.0, 1.0, 0.0),
                [1.0, 0.0, 0.0, 1.0],
            ),
            Some((Side::Left, true)) => (1.0, [0.5, 0.5, 0.0, 0.0]),
            Some((Side::Right, true)) => (1.0, [0.0, 0.0, 0.5, 0.5]),
            Some((Side::Left, false)) => (1.0, [1.0, 0.0, 0.0, 1.0]),
            Some((Side::Right, false)) => (1.0, [0.0, 1.0, 1.0, 0.0]),
        };
        let input = if freeze { [0.0; 4] } else { input };
        Self {
            input,
            direct: feedback * (1.0 - cross),
            cross: feedback * cross,
        }
    }
}

/// Highest feedback (loop gain) accepted: 110 %.
pub const MAX_FEEDBACK: f32 = 1.1;

/// Loop filter Q: Butterworth, the flattest pass band, so repeats lose only what is cut.
const LOOP_Q: f64 = core::f64::consts::FRAC_1_SQRT_2;

/// Cutoff glide time constant (on log frequency, so sweeps sound even).
const CUTOFF_GLIDE_MS: f32 = 20.0;

/// Highest cutoff, as a fraction of the sample rate (as for every filter in the crate).
const MAX_CUTOFF_RATIO: f64 = crate::filter_shape::MAX_FREQ_RATIO;

/// The magnitude of the loop's filters at `freq` for one trip around the loop: the 12 dB/oct
/// Butterworth high pass at `low_cut_hz` times the low pass at `high_cut_hz` (`None`: off),
/// each clamped like the sections clamp their cutoff. The sections are TPT state-variable
/// filters, i.e. the analog prototypes through the bilinear map, so with
/// Ω = tan(π·f/fs) / tan(π·fc/fs) the low pass is |H|² = 1/(1 + Ω⁴) and the high pass
/// Ω⁴/(1 + Ω⁴). For displays: the n-th repeat has been through this n times.
pub fn loop_filter_gain(
    low_cut_hz: Option<f32>,
    high_cut_hz: Option<f32>,
    freq: f64,
    sample_rate: f64,
) -> f64 {
    let fs = if sample_rate.is_finite() && sample_rate > 0.0 {
        sample_rate
    } else {
        48_000.0
    };
    let warp = |f: f64| (core::f64::consts::PI * within(f, 0.0, 0.5 * fs) / fs).tan();
    let corner = |hz: f32| {
        warp(within(
            hz as f64,
            crate::filter_shape::MIN_FREQ_HZ,
            MAX_CUTOFF_RATIO * fs,
        ))
    };
    let valid = |hz: Option<f32>| hz.filter(|f| f.is_finite() && *f > 0.0);
    let x = warp(freq);
    let mut gain = 1.0;
    if let Some(fc) = valid(low_cut_hz) {
        let w4 = (x / corner(fc)).powi(4);
        gain *= (w4 / (1.0 + w4)).sqrt();
    }
    if let Some(fc) = valid(high_cut_hz) {
        let w4 = (x / corner(fc)).powi(4);
        gain *= (1.0 / (1.0 + w4)).sqrt();
    }
    gain
}

/// Four f32 lanes, `[s1 left, s1 right, s2 left, s2 right]`: both states of both channels
/// of a section, updated by one 4-wide operation per step (element-wise arrays of four are
/// what the compiler turns into SSE instructions on its own).
type Quad = [f32; 4];

#[inline(always)]
fn quad(f: impl Fn(usize) -> f32) -> Quad {
    [f(0), f(1), f(2), f(3)]
}

/// One 12 dB/oct section: the TPT state-variable filter of [`Svf`](crate::svf::Svf)
/// (Zavalishin; Simper's coefficients a1, a2, a3), with the same response, evaluated in a
/// form made for this loop.
///
/// Why not `Svf` itself: in the loop the filters are the only recursion and run on every
/// sample of both channels, so they dominate the delay's cost. `Svf::process_sample` checks
/// every output for NaN and flushes its states every sample, and runs the two channels as
/// separate scalar chains. Here the update is the state-space form of the same filter,
///
/// ```text
/// s1' = s1 + c1·s1 − c2·s2 + c2·x      (c1 = 2(a1 − 1), c2 = 2·a2, c3 = 2·a3)
/// s2' = s2 + c2·s1 − c3·s2 + c3·x
/// ```
///
/// on all four states at once (the states advance by increments, so the "1 +" stays exact
/// and low cutoffs keep full precision in f32), and the NaN check and denormal flush happen
/// once per chunk ([`LoopFilters::end_chunk`]): the loop's input is finite by construction.
/// The outputs are the trapezoidal averages v = (s + s')/2: band (v1) and low pass (v2).
#[derive(Clone, Copy, Debug, Default)]
struct Section {
    s: Quad,
    /// Coefficients of s, of the swapped states and of x, per lane.
    p: Quad,
    q: Quad,
    r: Quad,
    /// k = 1/Q.
    k: f32,
}

impl Section {
    fn set_cutoff(&mut self, hz: f32, sample_rate: f64) {
        let f = within(
            hz as f64,
            crate::filter_shape::MIN_FREQ_HZ,
            MAX_CUTOFF_RATIO * sample_rate,
        );
        let g = (core::f64::consts::PI * f / sample_rate).tan();
        let k = 1.0 / LOOP_Q;
        let a1 = 1.0 / (1.0 + g * (g + k));
        let (a2, a3) = (g * a1, g * g * a1);
        // a1 − 1 = −g(g + k)·a1, without the cancellation.
        let c1 = (-2.0 * g * (g + k) * a1) as f32;
        let (c2, c3) = ((2.0 * a2) as f32, (2.0 * a3) as f32);
        self.p = [c1, c1, -c3, -c3];
        self.q = [-c2, -c2, c2, c2];
        self.r = [c2, c2, c3, c3];
        self.k = k as f32;
    }

    /// Advances by one sample; returns (v1, v2): band and low-pass outputs.
    #[inline(always)]
    fn tick(&mut self, x: Stereo) -> (Stereo, Stereo) {
        let s = self.s;
        let swapped = [s[2], s[3], s[0], s[1]];
        let xx = [x.left(), x.right(), x.left(), x.right()];
        // Grouped so that the new states are three dependent operations from the old ones.
        let n = quad(|i| (s[i] + self.r[i] * xx[i]) + (self.p[i] * s[i] + self.q[i] * swapped[i]));
        self.s = n;
        let v = quad(|i| (s[i] + n[i]) * 0.5);
        (Stereo::new(v[0], v[1]), Stereo::new(v[2], v[3]))
    }

    #[inline(always)]
    fn low_pass(&mut self, x: Stereo) -> Stereo {
        self.tick(x).1
    }

    #[inline(always)]
    fn high_pass(&mut self, x: Stereo) -> Stereo {
        let k = self.k;
        let (v1, v2) = self.tick(x);
        x - v1 * k - v2
    }

    fn reset(&mut self) {
        self.s = [0.0; 4];
    }

    /// Clears a non-finite state and flushes tiny ones (once per chunk).
    fn tidy(&mut self) {
        if !self.s.iter().all(|v| v.is_finite()) {
            self.reset();
        }
        self.s = self.s.map(crate::kernel::sanitize::flush_denormal);
    }
}

/// The high-pass and low-pass filters inside the loop, with gliding cutoffs. Switching a
/// filter on or off is a crossfade between its input and output (driven by the caller's
/// mix gains), so no switch clicks and "off" is exactly no filter.
#[derive(Clone, Debug)]
pub struct LoopFilters {
    hp: Section,
    lp: Section,
    sample_rate: f64,
    /// log2 of the cutoffs, smoothed once per chunk.
    hp_log: Smoother,
    lp_log: Smoother,
}

impl LoopFilters {
    pub fn new(sample_rate: f64, chunk: usize, hp_hz: f32, lp_hz: f32) -> Self {
        let chunk_rate = sample_rate as f32 / chunk as f32;
        let mut f = Self {
            hp: Section::default(),
            lp: Section::default(),
            sample_rate,
            hp_log: Smoother::new(chunk_rate, CUTOFF_GLIDE_MS, hp_hz.log2()),
            lp_log: Smoother::new(chunk_rate, CUTOFF_GLIDE_MS, lp_hz.log2()),
        };
        f.hp.set_cutoff(hp_hz, sample_rate);
        f.lp.set_cutoff(lp_hz, sample_rate);
        f
    }

    /// New cutoffs: glide there, or jump when `jump_*` (the filter is not heard, or on
    /// reset). Non-finite or non-positive cutoffs are ignored.
    pub fn set_cutoffs(&mut self, hp_hz: f32, lp_hz: f32, jump_hp: bool, jump_lp: bool) {
        let fs = self.sample_rate;
        for (section, log, hz, jump) in [
            (&mut self.hp, &mut self.hp_log, hp_hz, jump_hp),
            (&mut self.lp, &mut self.lp_log, lp_hz, jump_lp),
        ] {
            if !hz.is_finite() || hz <= 0.0 {
                continue;
            }
            if jump {
                log.reset_to(hz.log2());
                section.set_cutoff(hz, fs);
            } else {
                log.set_target(hz.log2());
            }
        }
    }

    /// Once per chunk, before it: advances the cutoff glides.
    pub fn begin_chunk(&mut self) {
        if !self.hp_log.is_settled() {
            self.hp
                .set_cutoff(self.hp_log.next().exp2(), self.sample_rate);
        }
        if !self.lp_log.is_settled() {
            self.lp
                .set_cutoff(self.lp_log.next().exp2(), self.sample_rate);
        }
    }

    /// Once per chunk, after it: NaN guard and denormal flush of the states.
    pub fn end_chunk(&mut self) {
        self.hp.tidy();
        self.lp.tidy();
    }

    /// Clears the filter states (used when both are off, so they restart clean).
    pub fn reset(&mut self) {
        self.hp.reset();
        self.lp.reset();
    }

    /// High pass then low pass, both fully on.
    #[inline(always)]
    pub fn process_on(&mut self, x: Stereo) -> Stereo {
        let h = self.hp.high_pass(x);
        self.lp.low_pass(h)
    }

    /// High pass then low pass, each blended with its input by its mix (0 = off, 1 = on).
    #[inline(always)]
    pub fn process(&mut self, x: Stereo, hp_mix: f32, lp_mix: f32) -> Stereo {
        let h = self.hp.high_pass(x);
        let x = x + (h - x) * hp_mix;
        let l = self.lp.low_pass(x);
        x + (l - x) * lp_mix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturation_is_the_identity_below_the_knee_and_bounded_above() {
        // Exactly the identity up to 0 dBFS.
        for i in 0..=10_000 {
            let x = i as f32 / 10_000.0 * SAT_KNEE;
            assert_eq!(saturate(x), x);
            assert_eq!(saturate(-x), -x);
        }
        // Above: monotonic, odd, below the ceiling, slope → 1 at the knee (C¹).
        let mut prev = SAT_KNEE;
        for i in 1..=100_000 {
            let x = SAT_KNEE + i as f32 * 1e-3;
            let y = saturate(x);
            assert!(y >= prev && y < SAT_CEILING, "{x}: {y}");
            assert_eq!(saturate(-x), -y);
            prev = y;
        }
        let h = 1e-3f32;
        let slope = (saturate(SAT_KNEE + h) - SAT_KNEE) / h;
        assert!((slope - 1.0).abs() < 2e-3, "slope at the knee {slope}");
        // Closed form at a few points: K + (C−K)·u/(1+u).
        for x in [1.2f32, 2.0, 10.0] {
            let u = (x - 1.0) / 0.5;
            assert!((saturate(x) - (1.0 + 0.5 * u / (1.0 + u))).abs() < 1e-6);
        }
        assert!(saturate(f32::INFINITY) <= SAT_CEILING && saturate(f32::MAX) <= SAT_CEILING);
        assert_eq!(saturate(f32::NEG_INFINITY), -SAT_CEILING);
    }

    /// The loop sections against the crate's `Svf` with the same settings: the same filter,
    /// only evaluated differently.
    #[test]
    fn loop_sections_equal_the_svf() {
        use crate::filter_shape::FilterShape;
        use crate::svf::Svf;
        use crate::test_support::XorShift;
        for fs in [44_100.0, 192_000.0] {
            for (shape, hz) in [
                (FilterShape::HighPass, 20.0f32),
                (FilterShape::HighPass, 700.0),
                (FilterShape::LowPass, 1_000.0),
                (FilterShape::LowPass, 20_000.0),
            ] {
                let mut svf = Svf::<f32>::new(fs);
                svf.set(shape, hz, LOOP_Q, 0.0);
                let mut section = Section::default();
                section.set_cutoff(hz, fs);
                let mut rng = XorShift::new(2);
                let mut worst = 0.0f32;
                for _ in 0..20_000 {
                    let x = rng.uniform();
                    let want = svf.process_sample(x);
                    let got = match shape {
                        FilterShape::HighPass => section.high_pass(Stereo::new(x, x)),
                        _ => section.low_pass(Stereo::new(x, x)),
                    };
                    worst = worst.max((got.left() - want).abs());
                }
                assert!(worst < 1e-4, "{shape:?} {hz} Hz at {fs}: {worst}");
            }
        }
    }

    #[test]
    fn routing_matrices() {
        let r = Routing::new(0.5, 0.25, None, false);
        assert_eq!(
            (r.direct, r.cross, r.input),
            (0.375, 0.125, [1.0, 0.0, 0.0, 1.0])
        );
        let r = Routing::new(2.0, 0.0, None, false);
        assert_eq!(r.direct, MAX_FEEDBACK);
        let r = Routing::new(0.5, 0.0, Some((Side::Right, true)), false);
        assert_eq!(
            (r.direct, r.cross, r.input),
            (0.0, 0.5, [0.0, 0.0, 0.5, 0.5])
        );
        let r = Routing::new(0.3, 0.2, None, true);
        assert_eq!((r.direct, r.cross, r.input), (0.8, 0.2, [0.0; 4]));
    }

    /// The closed form a display uses, against the loop filters themselves: a sine through
    /// `process_on`, its steady-state amplitude measured.
    #[test]
    fn loop_filter_gain_matches_the_filters() {
        for fs in [44_100.0f64, 96_000.0] {
            for (lo, hi) in [
                (Some(200.0f32), Some(3_000.0f32)),
                (Some(1_000.0), None),
                (None, Some(8_000.0)),
                (None, None),
            ] {
                let mut f = LoopFilters::new(fs, 32, lo.unwrap_or(20.0), hi.unwrap_or(20_000.0));
                for freq in [50.0f64, 200.0, 1_000.0, 3_000.0, 10_000.0] {
                    f.reset();
                    let w = core::f64::consts::TAU * freq / fs;
                    let n = (fs * 0.5) as usize;
                    let mut peak = 0.0f64;
                    for i in 0..n {
                        let x = (w * i as f64).sin() as f32;
                        let y = match (lo, hi) {
                            (None, None) => Stereo::new(x, x),
                            _ => {
                                let (hp, lp) =
                                    (lo.is_some() as u8 as f32, hi.is_some() as u8 as f32);
                                f.process(Stereo::new(x, x), hp, lp)
                            }
                        };
                        // The second half: transients gone.
                        if i > n / 2 {
                            peak = peak.max(y.left().abs() as f64);
                        }
                    }
                    let want = loop_filter_gain(lo, hi, freq, fs);
                    let err_db = 20.0 * (peak / want).log10();
                    assert!(
                        err_db.abs() < 0.05,
                        "fs {fs} {lo:?}/{hi:?} at {freq} Hz: measured {peak}, closed form {want}"
                    );
                }
            }
        }
        assert_eq!(loop_filter_gain(Some(f32::NAN), None, 100.0, 48_000.0), 1.0);
    }
}
