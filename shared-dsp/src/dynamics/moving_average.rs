//! Two cascaded moving averages (box filters) of a gain, exact: the smoothing a lookahead
//! limiter applies after its window minimum.
//!
//! **Why boxes**: a box of length `n` averages the last `n` values, so its output is never
//! above the largest of them, never below the smallest, and it moves from one level to
//! another in exactly `n − 1` samples — a finite, known attack that cannot overshoot, unlike
//! any recursive (one-pole) smoother. Two boxes in series (lengths `a + b = span + 1`) give
//! the triangular kernel of the 2nd-order B-spline: the gain then starts and ends each move
//! with zero slope (a linear ramp would have corners, heard as clicks on loud bass), and the
//! whole move still takes exactly `span − 1` samples. A limiter holds its window minimum for
//! `span` samples and delays the audio by `span − 1`: every value the cascade averages for
//! the sample then leaving is one the hold computed *with* that sample in its window, so the
//! smoothed gain is at most what the sample needs — it reaches its target exactly when the
//! peak arrives, never late.
//!
//! **Exact**: "never above" only holds if the running sums do not drift. Values are
//! quantised *down* to multiples of 2⁻³¹ and summed as integers, so the sums are exact
//! forever (no periodic recomputation, no drift after hours), and the final division rounds
//! at most half an f32 ulp. Quantising down keeps the guarantee; 2⁻³¹ is −186 dB, far below
//! any gain that matters.

use crate::gain::within;

/// One unit of gain in the integer domain.
const ONE: f64 = (1u64 << 31) as f64;

#[derive(Clone, Debug)]
pub struct MovingAverage {
    first: Box<[u32]>,
    second: Box<[u64]>,
    len1: usize,
    len2: usize,
    pos1: usize,
    pos2: usize,
    sum1: u64,
    sum2: u64,
    /// 1 / (2³¹ · len1 · len2).
    scale: f64,
    max_span: usize,
}

/// Quantises a gain in [0, 1] down to the integer grid (NaN and negatives give 0).
#[inline(always)]
fn quantise(gain: f32) -> u32 {
    // `as` saturates: NaN → 0, negatives → 0; gains above 1 are clamped to 1.
    let g = if gain < 1.0 { gain } else { 1.0 };
    (g as f64 * ONE) as u32
}

impl MovingAverage {
    /// Room for spans up to `max_span` (the only allocation). Starts at span `max_span`
    /// holding 1.0.
    pub fn new(max_span: usize) -> Self {
        let max_span = max_span.max(1);
        let mut m = Self {
            first: vec![0; max_span].into_boxed_slice(),
            second: vec![0; max_span].into_boxed_slice(),
            len1: 1,
            len2: 1,
            pos1: 0,
            pos2: 0,
            sum1: 0,
            sum2: 0,
            scale: 0.0,
            max_span,
        };
        m.set_span(max_span, 1.0);
        m
    }

    /// The two box lengths for a total span: `a + b = span + 1`, as equal as possible.
    pub fn lengths(span: usize) -> (usize, usize) {
        let span = span.max(1);
        let a = span / 2 + 1;
        (a, span + 1 - a)
    }

    /// Samples from the first value that enters to the last one that still counts: the
    /// output at time n depends on the inputs n − span + 1 … n.
    pub fn span(&self) -> usize {
        self.len1 + self.len2 - 1
    }

    /// Sets the span (clamped to 1…max) and fills both boxes with `value` (so the output is
    /// `value` until new input moves it).
    pub fn set_span(&mut self, span: usize, value: f32) {
        let (a, b) = Self::lengths(within(span, 1, self.max_span));
        self.len1 = a;
        self.len2 = b;
        let q = quantise(value);
        self.first[..a].fill(q);
        self.sum1 = q as u64 * a as u64;
        self.second[..b].fill(self.sum1);
        self.sum2 = self.sum1 * b as u64;
        self.pos1 = 0;
        self.pos2 = 0;
        self.scale = 1.0 / (ONE * a as f64 * b as f64);
    }

    /// Pushes a gain (0…1) and returns the smoothed one.
    #[inline(always)]
    pub fn push(&mut self, gain: f32) -> f32 {
        let q = quantise(gain);
        let old = core::mem::replace(&mut self.first[self.pos1], q);
        self.sum1 = self.sum1.wrapping_add(q as u64).wrapping_sub(old as u64);
        self.pos1 += 1;
        if self.pos1 == self.len1 {
            self.pos1 = 0;
        }
        let old = core::mem::replace(&mut self.second[self.pos2], self.sum1);
        self.sum2 = self.sum2.wrapping_add(self.sum1).wrapping_sub(old);
        self.pos2 += 1;
        if self.pos2 == self.len2 {
            self.pos2 = 0;
        }
        // sum2 < 2⁵³, so the conversion is exact (through i64: one instruction, where u64
        // takes a branchy sequence without AVX-512); one rounding in the product, one to f32.
        (self.sum2 as i64 as f64 * self.scale) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::XorShift;

    /// Against direct convolution with the triangular kernel (two boxes), in f64.
    #[test]
    fn equals_direct_convolution() {
        let mut rng = XorShift::new(8);
        let x: Vec<f32> = (0..5_000).map(|_| (rng.uniform() + 1.0) / 2.0).collect();
        for span in [1usize, 2, 5, 64, 91] {
            let (a, b) = MovingAverage::lengths(span);
            assert_eq!(a + b - 1, span);
            let mut kernel = vec![0.0f64; span];
            for i in 0..a {
                for j in 0..b {
                    kernel[i + j] += 1.0 / (a * b) as f64;
                }
            }
            let mut m = MovingAverage::new(100);
            m.set_span(span, 1.0);
            for (n, &v) in x.iter().enumerate() {
                let got = m.push(v) as f64;
                let want: f64 = kernel
                    .iter()
                    .enumerate()
                    .map(|(k, c)| c * if n >= k { x[n - k] as f64 } else { 1.0 })
                    .sum();
                assert!(
                    (got - want).abs() < 1e-6,
                    "span {span}, sample {n}: {got} vs {want}"
                );
            }
        }
    }

    /// A step from 1 to g reaches g exactly after span − 1 further samples, never passes it,
    /// starts with zero slope, and the output never exceeds the largest input in its span.
    #[test]
    fn steps_take_exactly_the_span_and_never_overshoot() {
        let span = 40;
        let mut m = MovingAverage::new(64);
        m.set_span(span, 1.0);
        let g = 0.25f32;
        let out: Vec<f32> = (0..100).map(|_| m.push(g)).collect();
        assert!(out[span - 2] > g, "arrived early");
        assert_eq!(out[span - 1], g, "not there after span − 1 samples");
        assert!(out.iter().all(|&v| v >= g && v <= 1.0));
        assert!(out.windows(2).all(|w| w[1] <= w[0]), "not monotonic");
        // B-spline start: the first step is much smaller than the average slope.
        let first = 1.0 - out[0];
        let average = (1.0 - g) / (span - 1) as f32;
        assert!(first < 0.1 * average, "{first} vs {average}");

        // Exactness over a long run: the held value comes back bit for bit.
        let mut rng = XorShift::new(2);
        for _ in 0..1_000_000 {
            m.push((rng.uniform() + 1.0) / 2.0);
        }
        for _ in 0..span {
            m.push(0.5);
        }
        assert_eq!(m.push(0.5), 0.5);
        for _ in 0..span {
            m.push(1.0);
        }
        assert_eq!(m.push(1.0), 1.0, "unity must come back exactly");
    }
}
