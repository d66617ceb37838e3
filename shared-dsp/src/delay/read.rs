//! Interpolated reads from a [`DelayLine`], planned a chunk at a time.
//!
//! The interpolation is the line's own 4-point, 3rd-order Lagrange interpolation (see
//! [`DelayLine::read_cubic`]; the tests check the two agree), with its arithmetic planned for
//! a whole chunk of read positions at once (positions, then coefficients: short loops over
//! arrays that the compiler vectorises); only the loads and the weighted sum remain per
//! sample. The positions of a settled, unmodulated delay keep their fraction from sample to
//! sample, so the coefficients are computed once per chunk, and a whole-sample delay reads
//! single samples with no interpolation at all (bit-exact).
//!
//! Positions are in samples of delay (≥ 1, so that the tap at position − 1 exists) relative
//! to the newest sample in the line at the start of the batch: the delay keeps its running
//! read position `p` for the per-sample "read, then write" order and reads the k-th sample
//! of a batch at `p − k`, the same recorded sample, before the batch's writes.

use crate::delay_line::DelayLine;
use crate::kernel::interp::lagrange;

/// Largest batch.
pub const MAX_BATCH: usize = 32;

/// Longest stretch of line a batch of interpolated reads can touch: positions move by less
/// than two samples per sample (see [`Taps::plan`]), plus the four taps.
const WINDOW: usize = 2 * MAX_BATCH + 8;

/// The interpolation plan for a batch of reads: the whole-sample position and the four
/// Lagrange coefficients of every read, and a copy of the stretch of line they read.
/// Planning is the arithmetic (it vectorises); the line is then copied once, each sample
/// loaded once instead of by up to four overlapping reads, and [`Taps::read`] interpolates
/// from the copy.
#[derive(Clone, Debug)]
pub struct Taps {
    whole: [i32; MAX_BATCH],
    c: [[f32; MAX_BATCH]; 4],
    /// Every read is a whole sample: one load each, no interpolation (bit-exact).
    exact: bool,
    /// The line's samples at delays `lo`, `lo + 1`, … (interpolated reads only).
    window: [f32; WINDOW],
    lo: i32,
    /// The reads fit in `window` (always, unless a caller asks for steep slopes).
    windowed: bool,
}

impl Default for Taps {
    fn default() -> Self {
        Self {
            whole: [1; MAX_BATCH],
            c: [[0.0; MAX_BATCH]; 4],
            exact: true,
            window: [0.0; WINDOW],
            lo: 0,
            windowed: false,
        }
    }
}

impl Taps {
    /// Plans `n` reads at positions `base + slope·(j0 + k) − k` (k = 0, 1, …): the k-th
    /// sample of a batch that starts `j0` samples into a chunk whose read position moves
    /// from `base` by `slope` per sample, read before the batch's writes (hence `− k`).
    /// Written this way, rather than as a start and a step, so that the positions, and the
    /// output, are bit-identical however a chunk is split into batches. Positions must stay
    /// ≥ 1; longer ones than the line holds are clamped by the line.
    pub fn plan(&mut self, base: f64, slope: f64, j0: usize, n: usize) {
        let n = n.min(MAX_BATCH);
        if slope == 0.0 {
            // A settled, unmodulated head: one fraction for the whole batch. (`as` truncates,
            // a floor for these positive positions, without SSE4.1 or a libm call.)
            let whole = (base as i32).max(1);
            let t = (base - whole as f64) as f32;
            for k in 0..n {
                self.whole[k] = (whole - k as i32).max(1);
            }
            self.exact = t == 0.0;
            if !self.exact {
                let c = lagrange(t);
                for (row, &ci) in self.c.iter_mut().zip(&c) {
                    row[..n].fill(ci);
                }
            }
            return;
        }
        self.exact = false;
        let mut frac = [0.0f32; MAX_BATCH];
        if slope.abs() < 1.0 {
            // Positions relative to a whole-sample anchor a batch below the chunk's start
            // position, in fixed point with 24 fractional bits (6·10⁻⁸ of a sample): over a
            // chunk they stay within 0 … 65 samples, so they fit an i32, and integer shifts and
            // masks give the whole part and the fraction four samples at a time (float-to-int
            // conversions do not vectorise on baseline x86-64). The anchor stays in f64: a 4 s
            // delay at 192 kHz is 768 000 samples. `q` depends only on the sample's place in
            // the chunk, not on where the batch starts, so the reads are the same however the
            // chunk is split. (The slope is rounded to 2⁻²⁴ sample per sample, 2·10⁻⁶ samples
            // over a chunk; each chunk starts again from the exact f64 position.)
            const ONE: f64 = (1 << 24) as f64;
            const FRAC_MASK: i32 = (1 << 24) - 1;
            let anchor = (base as i32 - MAX_BATCH as i32).max(0);
            let q0 = ((base - anchor as f64) * ONE + 0.5) as i32;
            let dq = (slope * ONE).round() as i32;
            let j0 = j0 as i32;
            for k in 0..n as i32 {
                let q = q0 + dq * (j0 + k);
                self.whole[k as usize] = ((q >> 24) - k + anchor).max(1);
                frac[k as usize] = (q & FRAC_MASK) as f32 * (1.0 / ONE as f32);
            }
        } else {
            // Steeper slopes (never in the delay: its glides are limited to half a sample
            // per sample): per sample in f64.
            for (k, (whole, frac)) in self.whole[..n].iter_mut().zip(&mut frac[..n]).enumerate() {
                let p = base + slope * (j0 + k) as f64 - k as f64;
                let w = p as i32;
                *whole = w.max(1);
                *frac = (p - w as f64) as f32;
            }
        }
        // The four coefficients as separate rows, so that this loop vectorises.
        for (k, &t) in frac[..n].iter().enumerate() {
            let [a, b, d, e] = lagrange(t);
            self.c[0][k] = a;
            self.c[1][k] = b;
            self.c[2][k] = d;
            self.c[3][k] = e;
        }
    }

    /// Copies the stretch of `line` the `n` planned reads interpolate from (before the
    /// batch's writes).
    pub fn fetch(&mut self, line: &DelayLine<f32>, n: usize) {
        let n = n.min(MAX_BATCH);
        if self.exact || n == 0 {
            return;
        }
        let whole = &self.whole[..n];
        let lo = whole.iter().copied().min().unwrap_or(1) - 1;
        let hi = whole.iter().copied().max().unwrap_or(1) + 2;
        self.windowed = hi - lo < WINDOW as i32;
        if self.windowed {
            self.lo = lo;
            for (i, v) in self.window[..=(hi - lo) as usize].iter_mut().enumerate() {
                *v = line.read(lo as usize + i);
            }
        }
    }

    /// The k-th planned read (after [`Taps::fetch`]).
    #[inline(always)]
    pub fn read(&self, line: &DelayLine<f32>, k: usize) -> f32 {
        let w = self.whole[k] as usize;
        if self.exact {
            line.read(w)
        } else if self.windowed {
            let i = (self.whole[k] - self.lo) as usize;
            let t = &self.window[i - 1..i + 3];
            self.c[0][k] * t[0] + self.c[1][k] * t[1] + self.c[2][k] * t[2] + self.c[3][k] * t[3]
        } else {
            self.c[0][k] * line.read(w - 1)
                + self.c[1][k] * line.read(w)
                + self.c[2][k] * line.read(w + 1)
                + self.c[3][k] * line.read(w + 2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::XorShift;

    #[test]
    fn batches_equal_the_lines_own_cubic_reads() {
        let mut line = DelayLine::<f32>::new(2_000);
        let mut rng = XorShift::new(21);
        for _ in 0..3_000 {
            line.push(rng.uniform());
        }
        // Positions exactly representable in f32, so DelayLine::read_cubic sees the same ones.
        for (base, slope, j0) in [
            (100.0, 0.0, 0),
            (100.25, 0.0, 3),
            (1_500.5, 1.0, 0),
            (700.125, 1.375, 0),
            (900.0, 0.5, 2),
            (50.75, 3.0, 1),
        ] {
            let mut taps = Taps::default();
            taps.plan(base, slope, j0, MAX_BATCH);
            taps.fetch(&line, MAX_BATCH);
            for k in 0..MAX_BATCH {
                let got = taps.read(&line, k);
                let want = line.read_cubic((base + slope * (j0 + k) as f64 - k as f64) as f32);
                assert!(
                    (got - want).abs() < 1e-6,
                    "base {base} slope {slope} k {k}: {got} vs {want}"
                );
            }
        }
        // Whole positions read the samples themselves.
        let mut taps = Taps::default();
        taps.plan(300.0, 0.0, 0, 8);
        taps.fetch(&line, 8);
        for k in 0..8 {
            assert_eq!(taps.read(&line, k), line.read(300 - k));
        }
    }
}
