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

/// Quantises a gain in [0, 1] down to the integer grid (negatives give 0; 1, above and NaN
/// give 2³¹).
#[inline(always)]
fn quantise(gain: f32) -> u32 {
    // In f32, which vectorises (the f64 product did not): scaling by 2³¹ is exact, so
    // truncating it gives the same integer.
    const BELOW_ONE: f32 = 1.0 - f32::EPSILON / 2.0;
    let g = if gain < 1.0 { gain } else { 1.0 };
    let g = if g > 0.0 { g } else { 0.0 };
    let below = if g < BELOW_ONE { g } else { BELOW_ONE };
    // SAFETY: 0 ≤ below · 2³¹ ≤ 2³¹ − 2⁷ is within i32. (`as` adds a saturation and a NaN
    // test to every conversion, which kept it from vectorising.)
    let truncated = unsafe { (below * ONE as f32).to_int_unchecked::<i32>() } as u32;
    if g < 1.0 { truncated } else { 1 << 31 }
}

/// `x as f64` for x < 2⁶³, correctly rounded like the conversion instruction, in steps that
/// vectorise without AVX-512: each 32-bit half is exact as the low mantissa bits of 2⁵², and
/// their sum rounds once.
#[inline(always)]
fn to_f64(x: u64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let half = |h: u64| f64::from_bits(TWO_52.to_bits() | h) - TWO_52;
    half(x >> 32) * 4_294_967_296.0 + half(x & 0xffff_ffff)
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
        self.output(self.sum2)
    }
}

/// Values per pass of [`MovingAverage::process`] (its scratch lives on the stack).
const RUN: usize = 64;

/// Writes `new` into the ring from `pos` on (wrapping it) and puts in `change[i]` the value
/// written minus the one it replaces (wrapping): how much each push moves the box's sum.
/// A pass the compiler vectorises, in at most two runs.
#[inline(always)]
fn exchange<T: Copy + Into<u64>>(ring: &mut [T], pos: &mut usize, new: &[T], change: &mut [u64]) {
    let mut i = 0;
    while i < new.len() {
        let m = (new.len() - i).min(ring.len() - *pos);
        let slots = &mut ring[*pos..*pos + m];
        for ((slot, &v), c) in slots
            .iter_mut()
            .zip(&new[i..i + m])
            .zip(&mut change[i..i + m])
        {
            *c = v.into().wrapping_sub((*slot).into());
            *slot = v;
        }
        *pos += m;
        if *pos == ring.len() {
            *pos = 0;
        }
        i += m;
    }
}

/// The running sum from `sum` on: `change[i]` becomes the sum after it; returns the last.
/// The only serial part of a box, one integer add per value.
#[inline(always)]
fn accumulate(change: &mut [u64], mut sum: u64) -> u64 {
    for c in change {
        sum = sum.wrapping_add(*c);
        *c = sum;
    }
    sum
}

impl MovingAverage {
    /// [`push`](Self::push) over a block, with exactly its results and state: `out[i]` is
    /// what pushing `gains[i]` returns (lengths beyond the shorter slice are left alone).
    /// Stage by stage instead of value by value: quantising, the exchanges with each box's
    /// ring and the conversion back vectorise, and what stays serial is two integer adds
    /// per value, where the per-value loop also waits on its ring loads and wrap tests. The
    /// sums are the same integers (modular arithmetic), so the output is the same bit for bit.
    /// Inlined, so that the limiter's AVX2 build vectorises it eight (four) lanes wide.
    #[inline(always)]
    pub fn process(&mut self, gains: &[f32], out: &mut [f32]) {
        let n = gains.len().min(out.len());
        for (g, o) in gains[..n].chunks(RUN).zip(out[..n].chunks_mut(RUN)) {
            let m = g.len();
            let mut q = [0u32; RUN];
            for (q, &g) in q.iter_mut().zip(g) {
                *q = quantise(g);
            }
            let mut sums1 = [0u64; RUN];
            exchange(
                &mut self.first[..self.len1],
                &mut self.pos1,
                &q[..m],
                &mut sums1[..m],
            );
            self.sum1 = accumulate(&mut sums1[..m], self.sum1);
            let mut sums2 = [0u64; RUN];
            exchange(
                &mut self.second[..self.len2],
                &mut self.pos2,
                &sums1[..m],
                &mut sums2[..m],
            );
            self.sum2 = accumulate(&mut sums2[..m], self.sum2);
            for (o, &s) in o.iter_mut().zip(&sums2[..m]) {
                *o = self.output(s);
            }
        }
    }

    /// The smoothed gain for a second sum (see [`push`](Self::push)).
    #[inline(always)]
    fn output(&self, sum2: u64) -> f32 {
        // sum2 < 2⁵³, so the conversion is exact; one rounding in the product, one to f32.
        (to_f64(sum2) * self.scale) as f32
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

    /// [`MovingAverage::process`] is [`MovingAverage::push`] over a block, bit for bit:
    /// blocks of every length (1, odd, longer than a pass and than the boxes), span changes.
    #[test]
    fn blocks_equal_pushes() {
        let mut rng = XorShift::new(4);
        let x: Vec<f32> = (0..30_000).map(|_| (rng.uniform() + 1.0) / 2.0).collect();
        let mut pushes = MovingAverage::new(1_000);
        let mut blocks = pushes.clone();
        let (mut at, mut round) = (0, 0);
        let lens = [1usize, 7, 64, 3, 500, 65, 9, 17, 2_000, 2];
        while at < x.len() {
            if round % 4 == 0 {
                let span = [1usize, 24, 72, 1_000, 5, 96][round / 4 % 6];
                pushes.set_span(span, 0.5);
                blocks.set_span(span, 0.5);
            }
            let len = lens[round % lens.len()].min(x.len() - at);
            let want: Vec<f32> = x[at..at + len].iter().map(|&v| pushes.push(v)).collect();
            let mut got = vec![0.0; len];
            blocks.process(&x[at..at + len], &mut got);
            assert_eq!(got, want, "block at {at}, round {round}");
            at += len;
            round += 1;
        }
    }

    /// The vectorisable quantiser and conversion are the plain ones, value for value.
    #[test]
    fn quantise_and_convert_as_before() {
        let plain = |g: f32| {
            let g = if g < 1.0 { g } else { 1.0 };
            (g as f64 * ONE) as u32
        };
        let mut rng = XorShift::new(9);
        let special = [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            2.0,
            1e-40,
            1e-10,
            0.999_999_94,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        for g in special
            .into_iter()
            .chain((0..100_000).map(|_| rng.uniform().abs()))
        {
            assert_eq!(quantise(g), plain(g), "{g}");
        }
        for x in [
            0u64,
            1,
            u32::MAX as u64,
            1 << 32,
            (1 << 53) - 1,
            (1 << 53) + 1,
            (1 << 62) + 12_345,
            i64::MAX as u64,
        ] {
            assert_eq!(to_f64(x).to_bits(), (x as i64 as f64).to_bits(), "{x}");
        }
        for _ in 0..100_000 {
            let x = ((rng.uniform().abs() as f64) * (1u64 << 62) as f64) as u64
                ^ (rng.uniform().abs() * 1e6) as u64;
            assert_eq!(to_f64(x).to_bits(), (x as i64 as f64).to_bits(), "{x}");
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
