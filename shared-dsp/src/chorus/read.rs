//! The modulated delay lines and their interpolator: an 8-tap Kaiser-windowed sinc read from
//! a polyphase table, with linear interpolation between neighbouring phases.
//!
//! # Why not cubic Lagrange
//!
//! A vibrato moves its read position through every fraction many times a second, so the
//! interpolator's error, which depends on the fraction, becomes a periodic modulation of the
//! signal: extra sidebands. Cubic Lagrange (the crate's `kernel::interp::lagrange`) is off by
//! −30…−40 dB at 10 kHz (48 kHz), which a vibrato on cymbals makes audible as grit. An 8-tap
//! sinc under a Kaiser window (β = [`BETA`]) is, at its worst fraction, within −61 dB of the
//! ideal delay at 10 kHz and −64 dB at 5 kHz (Python check of the table's design while it was
//! chosen; β = 5 and 7 were worse at 10 kHz, 4 taps per side is what 8 lanes of a vector
//! register hold). The vibrato test measures what that leaves in the output spectrum (see the
//! module docs of [`super`] for the figure).
//!
//! # Why a table with linear interpolation between phases
//!
//! Evaluating sinc and window per read would cost far more than the reads. The table holds
//! [`PHASES`] + 1 fractions; a read interpolates the two rows around its fraction linearly, so
//! the coefficients are continuous in the fraction (no phase quantisation noise). Each row
//! stores its coefficients and their differences to the next row side by side, 64 bytes, one
//! cache line, and the table (8 KiB) stays in L1. The coefficient error of the linear
//! interpolation is ≈ (1/PHASES)²/8 · |h''|, measured 2.8·10⁻⁵ (−91 dB), far below the
//! sinc's own error (tested).
//!
//! # The line
//!
//! A power-of-two ring written twice (at `i` and `i + len`), so the eight samples of any read
//! are contiguous in memory whatever the write position: one unaligned vector load, no
//! wrapping per tap.

use crate::kernel::window::kaiser;

/// Taps of the interpolator: samples at delays i − 3 … i + 4 for a read at i + t.
pub const TAPS: usize = 8;
/// Fractions in the table (rows: one more, for t = 1).
/// A power of two: the reads split a position in 1/PHASES samples into whole samples and
/// row with a shift and a mask.
pub const PHASES: usize = 128;
/// Kaiser shape (see the module docs).
pub const BETA: f64 = 6.0;
/// The shortest read position (samples before the newest sample in the line): the taps reach
/// three samples newer than the read.
pub const MIN_READ: f32 = 3.0;

/// One fraction's coefficients (`c`, for the samples oldest first) and their differences to
/// the next fraction's (`d`).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
pub struct Row {
    pub c: [f32; TAPS],
    pub d: [f32; TAPS],
}

/// The windowed sinc of the interpolator at offset `tau` (samples).
pub fn sinc_kernel(tau: f64) -> f64 {
    let half = (TAPS / 2) as f64;
    if tau.abs() >= half {
        return 0.0;
    }
    let s = if tau == 0.0 {
        1.0
    } else if tau.fract() == 0.0 {
        // Exactly zero at the other whole samples (sin(πk) is not, in floating point), so
        // that whole positions read the sample itself.
        0.0
    } else {
        let x = core::f64::consts::PI * tau;
        x.sin() / x
    };
    s * kaiser(tau / half, BETA)
}

/// The coefficients for fraction `t` straight from the kernel (f64), oldest sample first
/// (the sample at delay i + 4 − q gets `c[q]`), normalised to unit sum so that DC passes
/// exactly.
pub fn exact_coefficients(t: f64) -> [f64; TAPS] {
    let mut c: [f64; TAPS] = core::array::from_fn(|q| sinc_kernel(4.0 - q as f64 - t));
    let sum: f64 = c.iter().sum();
    for v in &mut c {
        *v /= sum;
    }
    c
}

/// The polyphase table (allocated in `Chorus::new`).
#[derive(Clone, Debug)]
pub struct Kernel {
    rows: Vec<Row>,
}

impl Default for Kernel {
    fn default() -> Self {
        Self::new()
    }
}

impl Kernel {
    pub fn new() -> Self {
        let exact: Vec<[f64; TAPS]> = (0..=PHASES)
            .map(|p| exact_coefficients(p as f64 / PHASES as f64))
            .collect();
        let rows = (0..=PHASES)
            .map(|p| {
                let next = exact[(p + 1).min(PHASES)];
                Row {
                    c: exact[p].map(|v| v as f32),
                    d: core::array::from_fn(|q| (next[q] - exact[p][q]) as f32),
                }
            })
            .collect();
        Self { rows }
    }

    /// Row `p` (0 … [`PHASES`], clamped): the coefficients at fraction p/PHASES.
    #[inline(always)]
    pub fn row(&self, p: usize) -> &Row {
        &self.rows[p.min(PHASES)]
    }

    /// The coefficients for fraction `t` ∈ [0, 1), oldest sample first.
    #[inline(always)]
    pub fn coefficients(&self, t: f32) -> [f32; TAPS] {
        let x = t * PHASES as f32;
        let p = (x as usize).min(PHASES);
        let u = x - p as f32;
        let row = &self.rows[p];
        core::array::from_fn(|q| row.c[q] + u * row.d[q])
    }
}

/// A mirrored power-of-two ring (see the module docs).
#[derive(Clone, Debug)]
pub struct Line {
    buf: Vec<f32>,
    len: usize,
    mask: usize,
    /// Index of the newest sample.
    write: usize,
}

impl Line {
    /// Room for reads up to `max_read` samples back (plus the taps).
    pub fn new(max_read: usize) -> Self {
        let len = (max_read + TAPS + 2).next_power_of_two();
        Self {
            buf: vec![0.0; 2 * len],
            len,
            mask: len - 1,
            write: 0,
        }
    }

    /// The longest read position the line holds.
    pub fn max_read(&self) -> usize {
        self.len - TAPS - 2
    }

    pub fn reset(&mut self) {
        self.buf.fill(0.0);
    }

    /// Writes the next sample (the caller keeps it finite).
    #[inline(always)]
    pub fn push(&mut self, x: f32) {
        self.write = (self.write + 1) & self.mask;
        let w = self.write;
        self.buf[w] = x;
        self.buf[w + self.len] = x;
    }

    /// The ring (twice over, see the module docs), for reads planned ahead: the eight samples
    /// of a read `i` samples before a newest sample at index `w` start at
    /// `(w − i − 4) & mask`.
    #[inline(always)]
    pub fn buffer(&self) -> &[f32] {
        &self.buf
    }

    /// Index of the newest sample, and the index mask.
    #[inline(always)]
    pub fn write_and_mask(&self) -> (usize, usize) {
        (self.write, self.mask)
    }

    /// The eight samples at delays `i + 4` (first) … `i − 3` (last) before the newest sample;
    /// `i` ≥ 3 and ≤ [`max_read`](Self::max_read).
    #[inline(always)]
    pub fn taps(&self, i: usize) -> &[f32; TAPS] {
        let start = self.write.wrapping_sub(i + 4) & self.mask;
        // `start + 8 ≤ 2·len`: the mirror holds the wrap.
        self.buf[start..start + TAPS]
            .try_into()
            .unwrap_or(&[0.0; TAPS])
    }

    /// The sample `i` pushes before the newest (0: the newest).
    #[inline(always)]
    pub fn at(&self, i: usize) -> f32 {
        self.buf[self.write.wrapping_sub(i) & self.mask]
    }

    /// An interpolated read at `pos` samples before the newest (clamped to the line).
    pub fn read(&self, kernel: &Kernel, pos: f32) -> f32 {
        let pos = pos.max(MIN_READ).min(self.max_read() as f32);
        let i = pos as usize;
        let c = kernel.coefficients(pos - i as f32);
        dot(self.taps(i), &c)
    }
}

/// Σ a·b over the eight taps, summed pairwise (the order is fixed: both builds give the same
/// bits).
#[inline(always)]
pub fn dot(a: &[f32; TAPS], b: &[f32; TAPS]) -> f32 {
    let p: [f32; TAPS] = core::array::from_fn(|q| a[q] * b[q]);
    let s4: [f32; 4] = core::array::from_fn(|q| p[q] + p[q + 4]);
    (s4[0] + s4[2]) + (s4[1] + s4[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table's interpolated coefficients against the kernel evaluated directly, at
    /// fractions between the rows: the table adds nothing audible to the sinc's own error.
    #[test]
    fn table_interpolation_matches_the_kernel() {
        let k = Kernel::new();
        let mut worst = 0.0f64;
        for i in 0..10_000 {
            let t = (i as f64 + 0.37) / 10_000.0;
            let got = k.coefficients(t as f32);
            let want = exact_coefficients(t);
            for q in 0..TAPS {
                worst = worst.max((got[q] as f64 - want[q]).abs());
            }
        }
        println!("chorus sinc table: worst coefficient error {worst:.2e}");
        assert!(worst < 5e-5, "{worst}");
        // Whole positions read the sample itself.
        let c = k.coefficients(0.0);
        for (q, &v) in c.iter().enumerate() {
            assert_eq!(v, if q == 4 { 1.0 } else { 0.0 }, "tap {q}");
        }
    }

    /// A read at every fraction of a sine band-limited to 10 kHz at 48 kHz, against the sine
    /// at that time: the interpolator's error, worst over the fractions.
    #[test]
    fn reads_a_10_khz_sine_within_minus_60_db() {
        let k = Kernel::new();
        let mut line = Line::new(64);
        let w = core::f64::consts::TAU * 10_000.0 / 48_000.0;
        let n = 200;
        for i in 0..=n {
            line.push((w * i as f64).sin() as f32);
        }
        let mut worst = 0.0f64;
        for j in 0..1_000 {
            let pos = 10.0 + j as f64 / 1_000.0;
            let got = line.read(&k, pos as f32) as f64;
            let want = (w * (n as f64 - pos)).sin();
            worst = worst.max((got - want).abs());
        }
        let db = 20.0 * worst.log10();
        println!("chorus sinc read of a 10 kHz sine at 48 kHz: worst error {db:.1} dB");
        assert!(db < -58.0, "{db}");
    }
}
