//! Offline sample-rate conversion of impulse responses: Kaiser-windowed sinc interpolation.
//!
//! Why our own and not a crate: this runs once per IR load on the loader thread, on at most
//! 30 s of audio, at any ratio (44.1 ↔ 48 ↔ 96 ↔ 192 kHz and odd rates in old IR libraries).
//! A band-limited interpolator at that job is forty lines; the resampling crates are built for
//! streaming (chunked real-time APIs, their own FFT stacks and dependency trees) and would
//! bring more code than they save here.
//!
//! Each output sample at input time `t` is `Σ x[k]·c·sinc(c·(t − k))·w((t − k)·c / Z)`, with
//! `c = min(1, fs_out/fs_in)·0.96` (the cutoff relative to the input Nyquist: below the
//! output's Nyquist when going down, with a 4 % transition band) and a Kaiser window (β = 9.5,
//! side lobes below −95 dB) over Z = 32 zero crossings on each side. The windowed sinc is
//! tabulated at 512 points per zero crossing and linearly interpolated (table error
//! ≈ (π/512)²/8, about −110 dB). The tests measure < −85 dB error on sines in the passband
//! and > 85 dB rejection of what would alias.

use std::f64::consts::PI;

use crate::kernel::window::kaiser;

const ZERO_CROSSINGS: usize = 32;
const TABLE_RESOLUTION: usize = 512;
const KAISER_BETA: f64 = 9.5;
/// Passband edge as a fraction of the lower Nyquist frequency.
const CUTOFF: f64 = 0.96;

/// Windowed sinc at `u` zero crossings from the centre, `u ∈ [0, Z]`, tabulated.
fn kernel_table() -> Vec<f64> {
    let n = ZERO_CROSSINGS * TABLE_RESOLUTION;
    (0..=n + 1)
        .map(|i| {
            let u = i as f64 / TABLE_RESOLUTION as f64;
            if u >= ZERO_CROSSINGS as f64 {
                return 0.0;
            }
            let sinc = if u == 0.0 {
                1.0
            } else {
                (PI * u).sin() / (PI * u)
            };
            let r = u / ZERO_CROSSINGS as f64;
            sinc * kaiser(r, KAISER_BETA)
        })
        .collect()
}

/// Resamples `x` from `from_hz` to `to_hz`. Equal rates return the input unchanged.
/// The output has `ceil(len · to/from)` samples and the same time origin.
pub fn resample(x: &[f32], from_hz: f64, to_hz: f64) -> Vec<f32> {
    if from_hz == to_hz || x.is_empty() || !(from_hz > 0.0 && to_hz > 0.0) {
        return x.to_vec();
    }
    let ratio = to_hz / from_hz;
    let c = ratio.min(1.0) * CUTOFF;
    let table = kernel_table();
    // Half-width of the kernel in input samples.
    let half = ZERO_CROSSINGS as f64 / c;
    // (len·to/from, less a hair so that exact ratios are not rounded up by one.)
    let out_len = (x.len() as f64 * to_hz / from_hz - 1e-9).ceil() as usize;
    let res = TABLE_RESOLUTION as f64;
    (0..out_len)
        .map(|m| {
            let t = m as f64 / ratio;
            let first = ((t - half).ceil().max(0.0)) as usize;
            let last = ((t + half).floor() as usize).min(x.len() - 1);
            let mut acc = 0.0;
            for (k, &v) in x.iter().enumerate().take(last + 1).skip(first) {
                let pos = (t - k as f64).abs() * c * res;
                let i = pos as usize;
                let f = pos - i as f64;
                let w = table[i] + (table[i + 1] - table[i]) * f;
                acc += v as f64 * w;
            }
            (acc * c) as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, fs: f64, len: usize) -> Vec<f32> {
        (0..len)
            .map(|n| (2.0 * PI * freq * n as f64 / fs + 0.3).sin() as f32 * 0.5)
            .collect()
    }

    #[test]
    fn sines_in_the_passband_arrive_exactly_where_they_should() {
        for &(from, to) in &[
            (44_100.0, 48_000.0),
            (48_000.0, 44_100.0),
            (96_000.0, 44_100.0),
            (48_000.0, 192_000.0),
            (22_050.0, 48_000.0),
        ] {
            let f_max: f64 = 0.9 * CUTOFF * 0.5 * f64::min(from, to);
            for &freq in &[100.0, 1_000.0, f_max] {
                let x = sine(freq, from, (from * 0.5) as usize);
                let y = resample(&x, from, to);
                assert!((y.len() as f64 - x.len() as f64 * to / from).abs() < 1.0);
                // Away from the edges (where the kernel runs off the signal).
                let margin = (to * 0.01) as usize;
                let (mut e, mut s) = (0.0, 0.0);
                for (m, &v) in y.iter().enumerate().skip(margin).take(y.len() - 2 * margin) {
                    let want = (2.0 * PI * freq * m as f64 / to + 0.3).sin() * 0.5;
                    e += (v as f64 - want).powi(2);
                    s += want * want;
                }
                let db = 10.0 * (e / s).log10();
                println!("resample {from} → {to}, {freq:.0} Hz: error {db:.1} dB");
                assert!(db < -85.0, "{from} → {to} at {freq} Hz: {db} dB");
            }
        }
    }

    #[test]
    fn what_would_alias_is_removed() {
        // 30 kHz at 96 kHz has no place at 44.1 kHz: it must vanish, not fold to 14.1 kHz.
        let x = sine(30_000.0, 96_000.0, 48_000);
        let y = resample(&x, 96_000.0, 44_100.0);
        let margin = 441;
        let rms = (y[margin..y.len() - margin]
            .iter()
            .map(|&v| (v as f64).powi(2))
            .sum::<f64>()
            / (y.len() - 2 * margin) as f64)
            .sqrt();
        let db = 20.0 * (rms / (0.5 / 2f64.sqrt())).log10();
        println!("30 kHz from 96 kHz to 44.1 kHz: {db:.1} dB");
        assert!(db < -85.0, "{db} dB");
        assert_eq!(resample(&x[..10], 48_000.0, 48_000.0), x[..10].to_vec());
    }
}
