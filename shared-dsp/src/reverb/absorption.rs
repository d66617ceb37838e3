//! Per-line absorption filters that make a feedback delay network decay exactly as long as it
//! says, per frequency (Jot & Chaigne, "Digital delay networks for designing artificial
//! reverberators", AES 90th convention, 1991).
//!
//! **The rule.** A decay time T60 means −60 dB after T60 seconds. A signal circulating in a
//! loop of `m` samples passes the loop's gain `fs·T60/m` times in that time, so each pass must
//! attenuate by
//!
//! ```text
//! gain_dB(f) = −60 · m / (fs · T60(f))        i.e.  g = 10^(−3·m / (fs·T60))
//! ```
//!
//! Giving every line the gain its own length asks for moves all poles of the network radially
//! by the same factor (Jot's result for a unitary feedback matrix), so the whole network, not
//! just each line, decays at T60 whatever the line lengths are; that is why the size parameter
//! can change the lengths without changing the decay.
//!
//! **Frequency dependence.** The user sets the decay at low frequencies (`t60_low`) and the
//! high/low ratio with a crossover frequency. Each line gets a first-order shelf: exactly
//! `g_low` at DC, exactly `g_high` at Nyquist, and the geometric mean (half the dB) at the
//! crossover. It is the bilinear transform, pre-warped at the crossover, of
//!
//! ```text
//! H(s) = g_low · (G·s + ω) / (s + ω),   G = g_high / g_low,   ω = ωc·√G
//! ```
//!
//! (|H(jωc)|² = g_low²·G exactly, so the crossover is where the decay time is the geometric
//! mean of the two.) Because every line's dB gains at DC and Nyquist are proportional to its
//! length, the shelves of all lines have the same shape in dB up to that factor, and the decay
//! time between DC and Nyquist follows one curve for the whole network. First order rather than
//! a biquad shelf: it cannot overshoot (a loop gain above 1 at any frequency would make the
//! network grow), and its group delay adds almost nothing to the loop.

use crate::gain::within;

/// Coefficients of one line's absorption filter, `H(z) = (b0 + b1·z⁻¹) / (1 + a1·z⁻¹)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LineFilter {
    pub b0: f32,
    pub b1: f32,
    pub a1: f32,
}

impl LineFilter {
    /// Passes the signal unchanged (a lossless loop: freeze).
    pub const LOSSLESS: Self = Self {
        b0: 1.0,
        b1: 0.0,
        a1: 0.0,
    };

    /// The filter for a loop of `delay_samples` at `sample_rate`: decay `t60_low` seconds at
    /// low frequencies, `t60_high` at high frequencies, half-way (in dB per pass) at
    /// `crossover_hz`. `loss` in 0…1 scales the attenuation in dB (1 = as designed, 0 =
    /// lossless), which is how freeze glides into infinite sustain.
    pub fn design(
        delay_samples: f64,
        t60_low: f64,
        t60_high: f64,
        crossover_hz: f64,
        sample_rate: f64,
        loss: f64,
    ) -> Self {
        let fs = sample_rate.max(1.0);
        let m = delay_samples.max(0.0);
        let loss = loss.clamp(0.0, 1.0);
        let g_low = gain_per_pass(m, t60_low, fs).powf(loss);
        let g_high = gain_per_pass(m, t60_high, fs).powf(loss);
        if g_low == 1.0 && g_high == 1.0 {
            return Self::LOSSLESS;
        }
        let big_g = g_high / g_low;
        let fc = within(crossover_hz, 1.0, 0.49 * fs);
        let k = (core::f64::consts::PI * fc / fs).tan() * big_g.sqrt();
        let inv = 1.0 / (1.0 + k);
        Self {
            b0: (g_low * (big_g + k) * inv) as f32,
            b1: (g_low * (k - big_g) * inv) as f32,
            a1: ((k - 1.0) * inv) as f32,
        }
    }

    /// Magnitude response at `freq` (for tests and editors), evaluated in f64.
    pub fn magnitude(&self, freq: f64, sample_rate: f64) -> f64 {
        let w = core::f64::consts::TAU * freq / sample_rate;
        let (s, c) = w.sin_cos();
        // e^{-jw} = c − j·s
        let (b0, b1, a1) = (self.b0 as f64, self.b1 as f64, self.a1 as f64);
        let num = (b0 + b1 * c, -b1 * s);
        let den = (1.0 + a1 * c, -a1 * s);
        (num.0.hypot(num.1)) / (den.0.hypot(den.1))
    }
}

/// Loop gain per pass for a decay of `t60` seconds: `10^(−3·m/(fs·T60))` (see the module
/// docs). A decay that is not positive and finite counts as infinite (no loss).
pub fn gain_per_pass(delay_samples: f64, t60: f64, sample_rate: f64) -> f64 {
    if !(t60.is_finite() && t60 > 0.0) {
        return 1.0;
    }
    10f64.powf(-3.0 * delay_samples / (sample_rate * t60))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The analog prototype through the bilinear map, written out independently:
    /// |H(j·Ω)| with Ω = tan(π f/fs) / tan(π fc/fs) (frequencies relative to the crossover).
    fn prototype(freq: f64, g_low: f64, g_high: f64, fc: f64, fs: f64) -> f64 {
        let pi = core::f64::consts::PI;
        let omega = (pi * freq / fs).tan() / (pi * fc / fs).tan();
        let big_g = g_high / g_low;
        let w = big_g.sqrt(); // the pole, relative to ωc
        // |G·jΩ + w| / |jΩ + w|
        g_low * ((big_g * omega).hypot(w)) / omega.hypot(w)
    }

    #[test]
    fn decays_at_the_set_times_at_dc_crossover_and_nyquist() {
        for &fs in &[44_100.0, 48_000.0, 96_000.0, 192_000.0] {
            for &(m, t_low, ratio, fc) in &[
                (1_423.0, 2.0, 0.5, 3_000.0),
                (3_001.5, 8.0, 0.25, 1_500.0),
                (331.0, 0.5, 1.0, 5_000.0),
                (7_919.0, 30.0, 0.1, 8_000.0),
            ] {
                let t_high = t_low * ratio;
                let f = LineFilter::design(m, t_low, t_high, fc, fs, 1.0);
                // Per-pass dB from the definition of T60.
                let want_low = -60.0 * m / (fs * t_low);
                let want_high = -60.0 * m / (fs * t_high);
                let at = |freq: f64| 20.0 * f.magnitude(freq, fs).log10();
                let (dc, nyq, mid) = (at(0.0), at(fs / 2.0), at(fc));
                println!(
                    "fs {fs} m {m} T {t_low}/{t_high} s fc {fc}: DC {dc:.5} dB (want {want_low:.5}), \
                     Nyquist {nyq:.5} (want {want_high:.5}), fc {mid:.5} (want {:.5})",
                    (want_low + want_high) / 2.0
                );
                let tol = 1e-4 * want_high.abs().max(1e-3);
                assert!((dc - want_low).abs() < tol.max(2e-5), "DC");
                assert!((nyq - want_high).abs() < tol.max(2e-5), "Nyquist");
                assert!(
                    (mid - (want_low + want_high) / 2.0).abs() < tol.max(2e-5),
                    "crossover"
                );
                // Everywhere else: the analog prototype through the bilinear map.
                let (gl, gh) = (10f64.powf(want_low / 20.0), 10f64.powf(want_high / 20.0));
                for k in 1..40 {
                    let freq = fs / 2.0 * k as f64 / 40.0;
                    let want = 20.0 * prototype(freq, gl, gh, fc, fs).log10();
                    assert!(
                        (at(freq) - want).abs() < tol.max(2e-5),
                        "{freq} Hz: {} vs {want}",
                        at(freq)
                    );
                }
                // Never a gain above 1 (the loop would grow), and monotonic between.
                let mut prev = f64::INFINITY;
                for k in 0..=200 {
                    let g = f.magnitude(fs / 2.0 * k as f64 / 200.0, fs);
                    assert!(g < 1.0 && g <= prev + 1e-12);
                    prev = g;
                }
            }
        }
    }

    #[test]
    fn loss_zero_is_exactly_lossless_and_scales_db() {
        assert_eq!(
            LineFilter::design(2_000.0, 2.0, 1.0, 3_000.0, 48_000.0, 0.0),
            LineFilter::LOSSLESS
        );
        let full = LineFilter::design(2_000.0, 2.0, 1.0, 3_000.0, 48_000.0, 1.0);
        let half = LineFilter::design(2_000.0, 2.0, 1.0, 3_000.0, 48_000.0, 0.5);
        for f in [0.0, 3_000.0, 24_000.0] {
            let (a, b) = (
                full.magnitude(f, 48_000.0).log10(),
                half.magnitude(f, 48_000.0).log10(),
            );
            assert!((b - a / 2.0).abs() < 1e-6, "{f} Hz");
        }
        assert_eq!(gain_per_pass(100.0, f64::INFINITY, 48_000.0), 1.0);
        assert_eq!(gain_per_pass(100.0, f64::NAN, 48_000.0), 1.0);
    }
}
