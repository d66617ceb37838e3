//! Output dither: TPDF noise and rounding to a 16- or 24-bit grid, the last step of a master.
//!
//! A master leaves the DAW as 16- or 24-bit integers. Rounding a float to that grid without
//! dither leaves an error that follows the signal (harmonic distortion on quiet, fading
//! material); adding triangular-PDF noise of ±1 LSB first makes the error's mean and variance
//! independent of the signal (Lipshitz, Wannamaker & Vanderkooy, "Quantization and Dither: A
//! Theoretical Survey", JAES 1992): a constant, benign noise floor instead. The sum of two
//! independent uniform values is exactly TPDF. The output is rounded to the grid here, so
//! the host's own conversion to integers is then lossless and cannot undo the dither.
//!
//! - **Deterministic**: xorshift64* per channel, seeded on every [`reset`](Dither::reset), so
//!   an instance that is reset and fed the same audio produces the same bits (state save and
//!   load, offline renders).
//! - **Digital silence stays silent**: an input sample of exactly 0.0 gives 0.0. Zero is on
//!   every grid, so it has no quantisation error for dither to decorrelate; dithering it would
//!   only put hiss into pauses and track gaps (as converters that "auto-blank" on digital
//!   black also do not). Real programme through a limiter practically never lands on exact
//!   0.0 otherwise, so this does not modulate the noise floor of music.
//! - **The ceiling holds**: after rounding, values are limited to the largest grid point at
//!   or below the ceiling, so dither never pushes a sample over it.

use crate::gain::within;

/// Word length of the dithered output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DitherDepth {
    #[default]
    Off,
    Bits16,
    Bits24,
}

impl DitherDepth {
    /// Quantisation steps per unit of full scale (2^(bits − 1)), or `None` when off.
    pub fn steps(self) -> Option<f64> {
        match self {
            DitherDepth::Off => None,
            DitherDepth::Bits16 => Some(32_768.0),
            DitherDepth::Bits24 => Some(8_388_608.0),
        }
    }
}

/// Seeds, one per channel; fixed so that every reset gives the same sequence.
const SEEDS: [u64; 2] = [0x243F_6A88_85A3_08D3, 0x1319_8A2E_0370_7344];

#[derive(Clone, Debug)]
pub struct Dither {
    state: [u64; 2],
    depth: DitherDepth,
}

impl Default for Dither {
    fn default() -> Self {
        Self::new()
    }
}

/// Rounds to the nearest integer (ties to even, as the FPU rounds): the 1.5·2⁵² trick,
/// plain adds instead of a libm call; exact for |x| < 2⁵¹.
#[inline(always)]
fn round(x: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    (x + MAGIC) - MAGIC
}

impl Dither {
    pub fn new() -> Self {
        Self {
            state: SEEDS,
            depth: DitherDepth::Off,
        }
    }

    pub fn depth(&self) -> DitherDepth {
        self.depth
    }

    pub fn set_depth(&mut self, depth: DitherDepth) {
        self.depth = depth;
    }

    /// Restarts the noise sequences from their seeds.
    pub fn reset(&mut self) {
        self.state = SEEDS;
    }

    /// Two independent uniform values in [0, 1) from one xorshift64* step.
    #[inline(always)]
    fn uniform_pair(state: &mut u64) -> (f64, f64) {
        let mut s = *state;
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        *state = s;
        let r = s.wrapping_mul(0x2545_F491_4F6C_DD1D);
        const SCALE: f64 = 1.0 / 4_294_967_296.0;
        ((r >> 32) as f64 * SCALE, (r & 0xFFFF_FFFF) as f64 * SCALE)
    }

    /// Dithers one sample of `channel` (0 or 1) to the grid, kept within ±`ceiling`
    /// (linear). With dither off, returns `x` unchanged. The noise sequence advances on every
    /// call, silent or not, so the output depends only on the input and the time since reset.
    #[inline(always)]
    pub fn process_sample(&mut self, x: f32, channel: usize, ceiling: f32) -> f32 {
        let Some(steps) = self.depth.steps() else {
            return x;
        };
        let (u1, u2) = Self::uniform_pair(&mut self.state[channel & 1]);
        if x == 0.0 {
            return 0.0;
        }
        // TPDF in (−1, 1) LSB.
        let noise = u1 + u2 - 1.0;
        // The largest grid point at or below the ceiling (rounding c − ½ never goes above c).
        let top = round(ceiling as f64 * steps - 0.5);
        let q = within(round(x as f64 * steps + noise), -top, top);
        (q / steps) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Measured against the theory of non-subtractive TPDF dither (Lipshitz et al.): the
    /// total error has zero mean, variance Δ²/4 (Δ²/12 from the rounding plus Δ²/6 from the
    /// noise) whatever the signal, and is uncorrelated with it; every output is on the grid
    /// and within the ceiling; silence stays silent; reset repeats the sequence.
    #[test]
    fn tpdf_error_statistics_and_grid() {
        for depth in [DitherDepth::Bits16, DitherDepth::Bits24] {
            let steps = depth.steps().unwrap();
            let lsb = 1.0 / steps;
            let mut d = Dither::new();
            d.set_depth(depth);
            let n = 400_000;
            let (mut sum, mut sum2, mut cross) = (0.0f64, 0.0f64, 0.0f64);
            let mut first = Vec::new();
            for i in 0..n {
                // A sine of 3 LSB, the kind of signal undithered rounding distorts.
                let x = (3.0 * lsb * (i as f64 * 0.001).sin() + 0.37 * lsb) as f32;
                let y = d.process_sample(x, 0, 1.0);
                let on_grid = y as f64 * steps;
                assert_eq!(on_grid, on_grid.round(), "{depth:?}: {y} not on the grid");
                let e = (y as f64 - x as f64) / lsb;
                assert!(e.abs() <= 1.5 + 1e-6, "{e}");
                sum += e;
                sum2 += e * e;
                cross += e * (x as f64 / lsb);
                if i < 100 {
                    first.push(y);
                }
            }
            let mean = sum / n as f64;
            let var = sum2 / n as f64 - mean * mean;
            let corr = cross / n as f64;
            println!(
                "{depth:?}: error mean {mean:+.4} LSB, variance {var:.4} LSB² (theory 0.25), E[e·x] {corr:+.4}"
            );
            assert!(mean.abs() < 0.01, "{mean}");
            assert!((var - 0.25).abs() < 0.005, "{var}");
            assert!(corr.abs() < 0.02, "{corr}");

            // Silence in, silence out; the ceiling holds even with the noise pushing up.
            assert_eq!(d.process_sample(0.0, 1, 1.0), 0.0);
            let c = 0.891f32;
            for _ in 0..10_000 {
                let y = d.process_sample(c, 1, c);
                assert!(y <= c && y >= c - 2.0 * lsb as f32, "{y}");
            }
            // Reset repeats the same bits.
            d.reset();
            for (i, &want) in first.iter().enumerate() {
                let x = (3.0 * lsb * (i as f64 * 0.001).sin() + 0.37 * lsb) as f32;
                assert_eq!(d.process_sample(x, 0, 1.0).to_bits(), want.to_bits());
            }
        }
        let mut off = Dither::new();
        assert_eq!(off.process_sample(0.123_456_7, 0, 1.0), 0.123_456_7);
    }
}
