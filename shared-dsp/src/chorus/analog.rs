//! The bucket-brigade character of `analog`: what a BBD chorus does to its wet signal that a
//! digital delay does not, minus the clock noise.
//!
//! - **Band limiting.** A BBD samples its input at its clock rate, so it needs an
//!   anti-aliasing low pass before the line and a reconstruction low pass after it; those,
//!   not the line, give analog choruses their soft top. Here each is a 2-pole Butterworth
//!   (Q = 1/√2, the `svf` low pass) at [`BBD_CUTOFF_HZ`]. Cascaded, their analog magnitude is
//!   1/(1 + (f/fc)⁴), −3 dB where (f/fc)⁴ = √2 − 1, at 0.8027·fc; the SVF is the bilinear
//!   transform pre-warped at fc, so the digital −3 dB point is
//!   fs/π · atan(0.8027 · tan(π·fc/fs)) ([`wet_band_edge_hz`]): 6.63 kHz at 48 kHz (measured
//!   6627.3 Hz against 6627.3 Hz in the test).
//! - **Soft saturation** of the line's input, where a BBD's charge transfer compresses: a
//!   rational tanh-like curve (the [3/2] Padé approximant of tanh, x·(27 + x²)/(27 + 9x²),
//!   which reaches ±1 with zero slope at ±3 and is clamped there), cheap enough for every
//!   sample and smooth at every level. Below −20 dBFS it is nearly linear (the test states
//!   the THD); near 0 dBFS it adds odd harmonics. In the flanger it sits inside the feedback
//!   loop, which it also bounds.

/// Cutoff of each of the two BBD filters (before and after the line).
pub const BBD_CUTOFF_HZ: f32 = 8_000.0;

/// The −3 dB frequency of the two BBD filters in cascade at `fs` (see the module docs).
pub fn wet_band_edge_hz(fs: f64) -> f64 {
    let pi = core::f64::consts::PI;
    let ratio = (2f64.sqrt() - 1.0).powf(0.25);
    let fc = (BBD_CUTOFF_HZ as f64).min(0.49 * fs);
    fs / pi * (ratio * (pi * fc / fs).tan()).atan()
}

/// The soft saturator (see the module docs).
#[inline(always)]
pub fn saturate(x: f32) -> f32 {
    let x = x.clamp(-3.0, 3.0);
    let x2 = x * x;
    // (Rounding puts the curve a hair past ±1 right next to ±3; the clamp keeps it
    // monotonic.)
    (x * (27.0 + x2) / (27.0 + 9.0 * x2)).clamp(-1.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturator_is_odd_monotonic_and_bounded() {
        let mut prev = -2.0f32;
        for i in -4_000..=4_000 {
            let x = i as f32 / 1_000.0;
            let y = saturate(x);
            assert!(y >= prev - 1e-6 && y.abs() <= 1.0, "{x}: {y}");
            assert_eq!(saturate(-x), -y);
            prev = y;
        }
        assert_eq!(saturate(3.0), 1.0);
        assert!((saturate(1e-3) - 1e-3).abs() < 1e-9);
    }
}
