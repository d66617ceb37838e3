//! BS.1770-4 K-weighting (the "pre-filter" high shelf and the "RLB" high-pass) and the
//! K-weighted energy of a block: the one per-sample cost of loudness metering.
//!
//! **Design**: the two biquads of BS.1770, derived at any rate from the analog prototypes
//! that reproduce the standard's published 48 kHz coefficients (the same formulas as
//! libebur128: shelf 1681.97 Hz, +4.00 dB, Q 0.7072; high-pass 38.14 Hz, Q 0.5003, its
//! numerator left at 1, −2, 1 as the standard prints it).
//!
//! **Why our own and not the `ebur128` crate's filter**: that filter runs the two stages
//! merged into one 4th-order direct form, one channel after the other, so every sample waits
//! for the previous one through four multiply-subtracts; and the crate then sums the squared
//! samples again for each window it reports. Here the two stages are separate biquads
//! (better conditioned at 192 kHz too) in direct form I, whose recursion is one multiply and
//! one subtraction per sample, both channels side by side in one register pair, and the
//! squares are summed as they are made. Measured on the limiter's
//! bench (48 kHz stereo): the whole meter costs about a fifth of what it did on `ebur128`.
//! The crate stays in the tests as the independent reference.
//!
//! f64 throughout: the high-pass pole sits 38 Hz from DC, where f32 coefficients would move
//! it audibly in the figures at high rates.

/// One biquad's coefficients: y[n] = b0·x[n] + b1·x[n−1] + b2·x[n−2] − a1·y[n−1] − a2·y[n−2].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
}

/// One biquad's history for both channels side by side, in direct form I: the inputs
/// `x[k]` and outputs `y[k]` k + 1 samples ago, `[left, right]` each.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct History {
    x: [[f64; 2]; 2],
    y: [[f64; 2]; 2],
}

impl Biquad {
    /// Direct form I, both channels at once: each output waits on the last through one
    /// multiply and one subtraction (the transposed form's chain has an addition more), and
    /// the two channels' identical arithmetic runs in one register pair.
    #[inline(always)]
    fn step(&self, x: [f64; 2], h: &mut History) -> [f64; 2] {
        let [b0, b1, b2] = self.b;
        let [a1, a2] = self.a;
        let y = core::array::from_fn(|c| {
            let feed = b0 * x[c] + b1 * h.x[0][c] + b2 * h.x[1][c] - a2 * h.y[1][c];
            feed - a1 * h.y[0][c]
        });
        h.x = [x, h.x[0]];
        h.y = [y, h.y[0]];
        y
    }
}

/// The two stages at `rate` Hz.
fn design(rate: f64) -> [Biquad; 2] {
    use core::f64::consts::PI;
    // Stage 1: the high shelf (the head's acoustic effect).
    let (f0, g_db, q) = (1681.974450955533, 3.999843853973347, 0.7071752369554196);
    let k = (PI * f0 / rate).tan();
    let vh = 10f64.powf(g_db / 20.0);
    let vb = vh.powf(0.4996667741545416);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Biquad {
        b: [
            (vh + vb * k / q + k * k) / a0,
            2.0 * (k * k - vh) / a0,
            (vh - vb * k / q + k * k) / a0,
        ],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    };
    // Stage 2: the high-pass (revised low-frequency B-weighting).
    let (f0, q) = (38.13547087602444, 0.5003270373238773);
    let k = (PI * f0 / rate).tan();
    let a0 = 1.0 + k / q + k * k;
    let high_pass = Biquad {
        b: [1.0, -2.0, 1.0],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    };
    [shelf, high_pass]
}

/// Filter states below this are flushed at the end of each block: after silence they would
/// decay into subnormals, which cost a hundred times more per operation.
const FLUSH: f64 = 1e-30;

/// K-weighting for up to two channels.
#[derive(Clone, Debug)]
pub struct KWeighting {
    stages: [Biquad; 2],
    /// Per stage, both channels.
    state: [History; 2],
}

impl KWeighting {
    pub fn new(sample_rate: f64) -> Self {
        Self {
            stages: design(sample_rate),
            state: [History::default(); 2],
        }
    }

    pub fn reset(&mut self) {
        self.state = [History::default(); 2];
    }

    /// Filters a stereo block and returns each channel's sum of squared K-weighted samples.
    /// Expects finite input.
    pub fn energy(&mut self, left: &[f32], right: &[f32]) -> [f64; 2] {
        let sum = self.energy_fast(left, right);
        self.flush();
        sum
    }

    /// The sums of squares by the SSE2 loop (the portable one off x86-64; the same values).
    fn energy_fast(&mut self, left: &[f32], right: &[f32]) -> [f64; 2] {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: every x86-64 CPU has SSE2.
        return unsafe { sse2::energy(&self.stages, &mut self.state, left, right) };
        #[cfg(not(target_arch = "x86_64"))]
        self.energy_portable(left, right)
    }

    /// [`energy`](Self::energy) in plain Rust: the reference for the SSE2 loop (which
    /// computes the same values, bit for bit), and the build off x86-64.
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn energy_portable(&mut self, left: &[f32], right: &[f32]) -> [f64; 2] {
        let [shelf, high_pass] = self.stages;
        let [mut h1, mut h2] = self.state;
        let mut sum = [0.0f64; 2];
        for (&l, &r) in left.iter().zip(right) {
            let y = high_pass.step(shelf.step([l as f64, r as f64], &mut h1), &mut h2);
            sum = [sum[0] + y[0] * y[0], sum[1] + y[1] * y[1]];
        }
        self.state = [h1, h2];
        sum
    }

    /// [`energy`](Self::energy) for one channel (channel 0's state; channel 1's is kept
    /// silent).
    pub fn energy_mono(&mut self, x: &[f32]) -> f64 {
        let sum = self.energy_fast(x, x)[0];
        // Channel 1 ran on a copy of channel 0: keep its state silent, as the meter expects.
        for h in &mut self.state {
            for v in h.x.iter_mut().chain(&mut h.y) {
                v[1] = 0.0;
            }
        }
        self.flush();
        sum
    }

    fn flush(&mut self) {
        for h in &mut self.state {
            for v in h.x.iter_mut().chain(&mut h.y).flatten() {
                if v.abs() < FLUSH {
                    *v = 0.0;
                }
            }
        }
    }
}

/// The K-weighting loop in SSE2 (every x86-64 CPU has it), both channels in one register.
///
/// Why by hand: LLVM vectorised the plain loop across the wrong axis (pairing each sample
/// with the one before instead of left with right), kept coefficients on the stack and
/// shuffled lanes every sample: about 13 cycles a frame (48 kHz stereo, this machine) where
/// the recursion allows 5 (one multiply and one subtraction). Here each stage is nine
/// register operations a frame (the high-pass's numerator, 1 − 2z⁻¹ + z⁻², in additions), in
/// exactly [`Biquad::step`]'s order, so the values are the portable loop's, bit for bit
/// (tested): about 8 cycles a frame (the sixteen registers of SSE2 hold the seven
/// coefficients and eight history values, but not the temporaries too). AVX2's encoding was
/// tried and gained under 2 %.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use core::arch::x86_64::*;

    use super::{Biquad, History};

    /// One stage's coefficients, each in both lanes.
    struct Coefs {
        b: [__m128d; 3],
        a: [__m128d; 2],
    }

    /// One stage's history, `[left, right]` in each register.
    struct State {
        x: [__m128d; 2],
        y: [__m128d; 2],
    }

    impl Coefs {
        #[target_feature(enable = "sse2")]
        fn new(bq: &Biquad) -> Self {
            Self {
                b: bq.b.map(|v| _mm_set1_pd(v)),
                a: bq.a.map(|v| _mm_set1_pd(v)),
            }
        }
    }

    impl State {
        #[target_feature(enable = "sse2")]
        fn load(h: &History) -> Self {
            let pair = |v: [f64; 2]| _mm_set_pd(v[1], v[0]);
            Self {
                x: h.x.map(pair),
                y: h.y.map(pair),
            }
        }

        #[target_feature(enable = "sse2")]
        fn store(&self, h: &mut History) {
            let unpair = |v: __m128d| {
                let mut out = [0.0; 2];
                // SAFETY: two f64 into a two-f64 array, unaligned store.
                unsafe { _mm_storeu_pd(out.as_mut_ptr(), v) };
                out
            };
            h.x = self.x.map(unpair);
            h.y = self.y.map(unpair);
        }
    }

    /// `feed − a1·y[n−1]` with `feed` = b0·x + b1·x[n−1] + b2·x[n−2] − a2·y[n−2], as
    /// `Biquad::step` orders it.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn shelf(c: &Coefs, x: __m128d, s: &mut State) -> __m128d {
        let feed = _mm_add_pd(
            _mm_add_pd(_mm_mul_pd(c.b[0], x), _mm_mul_pd(c.b[1], s.x[0])),
            _mm_mul_pd(c.b[2], s.x[1]),
        );
        let feed = _mm_sub_pd(feed, _mm_mul_pd(c.a[1], s.y[1]));
        let y = _mm_sub_pd(feed, _mm_mul_pd(c.a[0], s.y[0]));
        s.x = [x, s.x[0]];
        s.y = [y, s.y[0]];
        y
    }

    /// The same for the high-pass, whose numerator is 1, −2, 1: 1·x + (−2)·x1 + 1·x2 is
    /// exactly (x − (x1 + x1)) + x2.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn high_pass(c: &Coefs, x: __m128d, s: &mut State) -> __m128d {
        let feed = _mm_add_pd(_mm_sub_pd(x, _mm_add_pd(s.x[0], s.x[0])), s.x[1]);
        let feed = _mm_sub_pd(feed, _mm_mul_pd(c.a[1], s.y[1]));
        let y = _mm_sub_pd(feed, _mm_mul_pd(c.a[0], s.y[0]));
        s.x = [x, s.x[0]];
        s.y = [y, s.y[0]];
        y
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn energy(
        stages: &[Biquad; 2],
        state: &mut [History; 2],
        left: &[f32],
        right: &[f32],
    ) -> [f64; 2] {
        debug_assert_eq!(stages[1].b, [1.0, -2.0, 1.0]);
        let (c1, c2) = (Coefs::new(&stages[0]), Coefs::new(&stages[1]));
        let (mut s1, mut s2) = (State::load(&state[0]), State::load(&state[1]));
        let mut sum = _mm_setzero_pd();
        let frame = |l: f32, r: f32| _mm_cvtps_pd(_mm_unpacklo_ps(_mm_set_ss(l), _mm_set_ss(r)));
        // Two frames a turn: after two, the whole history is new values, so the loop
        // carries it in place instead of moving each register down a slot every frame
        // (twelve moves a frame, a third of the loop's instructions).
        let n = left.len().min(right.len());
        let (left, right) = (&left[..n], &right[..n]);
        let (pairs_l, pairs_r) = (left.chunks_exact(2), right.chunks_exact(2));
        let (last_l, last_r) = (pairs_l.remainder(), pairs_r.remainder());
        for (l, r) in pairs_l.zip(pairs_r) {
            for i in 0..2 {
                let y = high_pass(&c2, shelf(&c1, frame(l[i], r[i]), &mut s1), &mut s2);
                sum = _mm_add_pd(sum, _mm_mul_pd(y, y));
            }
        }
        for (&l, &r) in last_l.iter().zip(last_r) {
            let y = high_pass(&c2, shelf(&c1, frame(l, r), &mut s1), &mut s2);
            sum = _mm_add_pd(sum, _mm_mul_pd(y, y));
        }
        s1.store(&mut state[0]);
        s2.store(&mut state[1]);
        let mut out = [0.0; 2];
        // SAFETY: two f64 into a two-f64 array, unaligned store.
        unsafe { _mm_storeu_pd(out.as_mut_ptr(), sum) };
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The magnitude response of one biquad at `f` Hz.
    fn magnitude(bq: &Biquad, f: f64, fs: f64) -> f64 {
        let w = core::f64::consts::TAU * f / fs;
        let (c1, s1, c2, s2) = (w.cos(), w.sin(), (2.0 * w).cos(), (2.0 * w).sin());
        let num = (
            bq.b[0] + bq.b[1] * c1 + bq.b[2] * c2,
            -bq.b[1] * s1 - bq.b[2] * s2,
        );
        let den = (
            1.0 + bq.a[0] * c1 + bq.a[1] * c2,
            -bq.a[0] * s1 - bq.a[1] * s2,
        );
        (num.0.hypot(num.1)) / (den.0.hypot(den.1))
    }

    /// At 48 kHz the design reproduces the coefficients BS.1770-4 publishes (Tables 1 and 2)
    /// to the printed digits.
    #[test]
    fn matches_the_published_48k_coefficients() {
        let [shelf, hp] = design(48_000.0);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-8;
        assert!(close(shelf.b[0], 1.53512485958697), "{:?}", shelf);
        assert!(close(shelf.b[1], -2.69169618940638));
        assert!(close(shelf.b[2], 1.19839281085285));
        assert!(close(shelf.a[0], -1.69065929318241));
        assert!(close(shelf.a[1], 0.73248077421585));
        assert!(close(hp.a[0], -1.99004745483398));
        assert!(close(hp.a[1], 0.99007225036621));
    }

    /// At every rate the response matches the 48 kHz standard's where both are defined: the
    /// same analog prototype, so below 10 kHz within 0.05 dB (the bilinear warping differs).
    #[test]
    fn response_is_the_same_at_every_rate() {
        let reference = design(48_000.0);
        for fs in [44_100.0, 88_200.0, 96_000.0, 192_000.0] {
            let ours = design(fs);
            for f in [20.0, 38.0, 100.0, 1_000.0, 1_682.0, 4_000.0, 10_000.0] {
                let db = |s: &[Biquad; 2], rate: f64| {
                    20.0 * (magnitude(&s[0], f, rate) * magnitude(&s[1], f, rate)).log10()
                };
                let diff = db(&ours, fs) - db(&reference, 48_000.0);
                assert!(diff.abs() < 0.05, "{fs} Hz, {f} Hz: {diff:+.4} dB");
            }
        }
    }

    /// The block energy is the sum of squares of the filtered signal, whatever the block
    /// split, and a 1 kHz sine gains the K-curve's +0.691 dB... as power: 10^0.0691.
    #[test]
    fn energy_of_a_sine_and_block_splits() {
        let fs = 48_000.0;
        let x: Vec<f32> = (0..48_000)
            .map(|i| (0.5 * (core::f64::consts::TAU * 1_000.0 * i as f64 / fs).sin()) as f32)
            .collect();
        let mut k = KWeighting::new(fs);
        let whole = k.energy(&x, &x);
        let mut k = KWeighting::new(fs);
        let mut parts = [0.0f64; 2];
        for c in x.chunks(37) {
            let e = k.energy(c, c);
            parts[0] += e[0];
            parts[1] += e[1];
        }
        assert!((whole[0] - parts[0]).abs() < 1e-9 * whole[0]);
        assert_eq!(whole[0], whole[1]);
        let mut k = KWeighting::new(fs);
        assert_eq!(k.energy_mono(&x), whole[0]);
        // Mean power of a 0.5 sine is 0.125; K-weighting at 1 kHz: +0.691 dB.
        let db = 10.0 * (whole[0] / x.len() as f64 / 0.125).log10();
        assert!((db - 0.691).abs() < 0.01, "{db}");
    }

    /// The SSE2 loop computes the portable loop's values bit for bit (energies and the state
    /// carried on), on noise at two rates and in uneven blocks, so the meter reads the same
    /// on every machine.
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn sse2_loop_is_the_portable_loop_bit_for_bit() {
        use crate::test_support::XorShift;
        for fs in [44_100.0, 192_000.0] {
            let mut rng = XorShift::new(5);
            let (mut fast, mut plain) = (KWeighting::new(fs), KWeighting::new(fs));
            for len in [1usize, 7, 64, 333, 4_800] {
                let l: Vec<f32> = (0..len).map(|_| rng.uniform()).collect();
                let r: Vec<f32> = (0..len).map(|_| rng.uniform() * 0.25).collect();
                let a = fast.energy(&l, &r);
                let b = plain.energy_portable(&l, &r);
                plain.flush();
                assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits), "{fs} Hz, {len}");
                assert_eq!(fast.state, plain.state);
            }
        }
    }
}
