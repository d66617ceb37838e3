//! Test-only references and measurement helpers, written from textbook definitions and
//! sharing no code with the processors they check.

use realfft::RealFftPlanner;
use realfft::num_complex::Complex64;

use crate::filter_shape::FilterShape;
use crate::processor::Processor;

/// A normalised analog prototype H(s) (corner at Ω = 1), written out from the formulas
/// of the RBJ Audio EQ Cookbook independently of the digital designs under test.
#[derive(Clone, Copy, Debug)]
pub struct AnalogPrototype {
    pub shape: FilterShape,
    pub q: f64,
    pub gain_db: f64,
}

impl AnalogPrototype {
    pub fn eval(&self, s: Complex64) -> Complex64 {
        let q = self.q;
        let one = Complex64::new(1.0, 0.0);
        let s2 = s * s;
        let a = 10f64.powf(self.gain_db / 40.0);
        let sq = a.sqrt();
        match self.shape {
            FilterShape::LowPass => one / (s2 + s / q + 1.0),
            FilterShape::HighPass => s2 / (s2 + s / q + 1.0),
            FilterShape::BandPass => (s / q) / (s2 + s / q + 1.0),
            FilterShape::Notch => (s2 + 1.0) / (s2 + s / q + 1.0),
            FilterShape::AllPass => (s2 - s / q + 1.0) / (s2 + s / q + 1.0),
            FilterShape::Bell => (s2 + s * (a / q) + 1.0) / (s2 + s / (a * q) + 1.0),
            FilterShape::LowShelf => (s2 + s * (sq / q) + a) / (s2 * a + s * (sq / q) + 1.0) * a,
            FilterShape::HighShelf => (s2 * a + s * (sq / q) + 1.0) / (s2 + s * (sq / q) + a) * a,
        }
    }

    /// |H(jΩ)| in dB.
    pub fn analog_magnitude_db(&self, omega: f64) -> f64 {
        20.0 * self.eval(Complex64::new(0.0, omega)).norm().log10()
    }

    /// What a bilinear transform pre-warped at `f0` must give at `freq`:
    /// |H(j·tan(π·f/fs)/tan(π·f0/fs))| in dB.
    pub fn bilinear_magnitude_db(&self, freq: f64, f0: f64, fs: f64) -> f64 {
        let pi = core::f64::consts::PI;
        self.analog_magnitude_db((pi * freq / fs).tan() / (pi * f0 / fs).tan())
    }
}

/// Feeds a unit impulse followed by zeros through `f`.
pub fn impulse_response(n: usize, mut f: impl FnMut(f32) -> f32) -> Vec<f32> {
    (0..n).map(|i| f(if i == 0 { 1.0 } else { 0.0 })).collect()
}

/// Magnitude in dB of every bin (0..=N/2) of the DFT of `x`, computed with realfft in f64.
pub fn magnitude_spectrum_db(x: &[f32]) -> Vec<f64> {
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(x.len());
    let mut input: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let mut spectrum = fft.make_output_vec();
    fft.process(&mut input, &mut spectrum).expect("fft");
    spectrum.iter().map(|c| 20.0 * c.norm().log10()).collect()
}

/// xorshift64* — a tiny deterministic noise source so that tests are reproducible.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [−1, 1).
    pub fn uniform(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32 / (1u64 << 23) as f32) - 1.0
    }
}

/// A stereo processor's response to a unit click in both channels: `n` samples, processed in
/// blocks of 512.
pub fn click_response(processor: &mut impl Processor, n: usize) -> [Vec<f32>; 2] {
    let mut left = vec![0.0f32; n];
    left[0] = 1.0;
    let mut right = left.clone();
    for (l, r) in left.chunks_mut(512).zip(right.chunks_mut(512)) {
        processor.process(l, r);
    }
    [left, right]
}

/// The largest sample-to-sample step of `x` (a click shows as one).
pub fn largest_step(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

/// The compressor's static curve from Giannoulis, Massberg & Reiss 2012, eq. (4), written
/// out independently (f64, ratio form): output level (dB) for input level `x` (dB),
/// threshold `t`, ratio `r` (may be infinite) and knee width `w`.
pub fn closed_form_curve(x: f64, t: f64, r: f64, w: f64) -> f64 {
    let inv_r = if r.is_infinite() { 0.0 } else { 1.0 / r };
    if 2.0 * (x - t) < -w {
        x
    } else if 2.0 * (x - t).abs() <= w {
        x + (inv_r - 1.0) * (x - t + w / 2.0).powi(2) / (2.0 * w)
    } else {
        t + (x - t) * inv_r
    }
}

/// Taps per side of [`reference_true_peak`]'s interpolator, in samples.
pub const REFERENCE_HALF: usize = 128;

/// True peak (linear) of `x` by 16× oversampling with a long Kaiser-windowed sinc (β = 12,
/// ±128 samples: a 4096-tap prototype at 16·fs, f64; its transition band lies within
/// ±0.016·fs of Nyquist, so sines up to 0.48·fs are reconstructed to about 10⁻⁵), each
/// local maximum refined by a parabola: a reference written independently of the limiter's
/// detector. The first and last 128 samples
/// are only used as history, so a signal's abrupt start does not count as an inter-sample
/// peak. Verified on sines of known peak in `reference_true_peak_reads_known_peaks`.
pub fn reference_true_peak(x: &[f32]) -> f64 {
    reference_true_peak_with(x, 16)
}

/// [`reference_true_peak`] with `factor` points per sample period. Around each local
/// maximum of |points| the peak is refined by the parabola through it and its neighbours
/// (the vertex), so the grid does not hide the last hundredths of a dB (16 points per sample
/// alone would read a 0.45·fs sine up to 0.03 dB low).
pub fn reference_true_peak_with(x: &[f32], factor: usize) -> f64 {
    let p = reference_points(x, factor);
    let mut peak = p.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for w in p.windows(3) {
        let s = if w[1] < 0.0 { -1.0 } else { 1.0 };
        let (a, b, c) = (s * w[0], s * w[1], s * w[2]);
        let curvature = 2.0 * b - a - c;
        if b >= a && b >= c && curvature > 0.0 {
            peak = peak.max(b + (c - a) * (c - a) / (8.0 * curvature));
        }
    }
    peak
}

/// The reconstruction behind [`reference_true_peak`]: `factor` points per sample period,
/// `points[factor·(n − HALF) + p]` at n + p/factor, for n from `REFERENCE_HALF` up to
/// `x.len() − REFERENCE_HALF` (the edges are history only).
pub fn reference_points(x: &[f32], factor: usize) -> Vec<f64> {
    const HALF: usize = REFERENCE_HALF;
    const BETA: f64 = 12.0;
    // taps[p][j]: weight of x[n + j − HALF + 1] for the point n + p/factor.
    let taps: Vec<Vec<f64>> = (0..factor)
        .map(|p| {
            (0..2 * HALF)
                .map(|j| {
                    let d = (j as f64 - HALF as f64 + 1.0) - p as f64 / factor as f64;
                    let sinc = if d == 0.0 {
                        1.0
                    } else {
                        (core::f64::consts::PI * d).sin() / (core::f64::consts::PI * d)
                    };
                    let r = d / HALF as f64;
                    let w = if r.abs() < 1.0 {
                        crate::kernel::window::kaiser(r, BETA)
                    } else {
                        0.0
                    };
                    sinc * w
                })
                .collect()
        })
        .collect();
    let xs: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let mut points = Vec::new();
    for n in HALF..xs.len().saturating_sub(HALF) {
        let window = &xs[n + 1 - HALF..n + 1 + HALF];
        points.push(xs[n]);
        for t in &taps[1..] {
            points.push(t.iter().zip(window).map(|(c, s)| c * s).sum());
        }
    }
    points
}

/// The environment variable naming the file where skipped tests are recorded; `cargo xtask
/// test` sets it, reads the file back after the run and reports every line.
pub const SKIP_LOG_ENV: &str = "MIXWERK_SKIP_LOG";

/// For a test that compares a processor's AVX2 build with its baseline build: on a CPU
/// without AVX2 both would be the baseline and the comparison would pass without checking
/// anything. So the test is skipped, and says so: on stderr and in `$MIXWERK_SKIP_LOG`.
/// Returns whether the caller must return.
pub fn skip_without_avx2(test: &str) -> bool {
    if crate::kernel::simd::has_avx2() {
        return false;
    }
    let line =
        format!("SKIPPED {test}: this CPU has no AVX2, so there is no AVX2 build to compare");
    eprintln!("{line}");
    if let Some(path) = std::env::var_os(SKIP_LOG_ENV) {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{line}");
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(x: f64) -> f64 {
        20.0 * x.log10()
    }

    /// The reference itself, on sines whose continuous peak is known (their amplitude): the
    /// fs/4 sine at 45°, whose samples read 3.01 dB below its peak, and sines from 0.01·fs to
    /// 0.47·fs at eight phases each, within 0.01 dB.
    #[test]
    fn reference_true_peak_reads_known_peaks() {
        let a = 0.5f64;
        let isp: Vec<f32> = (0..2_000)
            .map(|n| {
                (a * (core::f64::consts::FRAC_PI_2 * n as f64 + core::f64::consts::FRAC_PI_4).sin())
                    as f32
            })
            .collect();
        let samples = isp.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
        let tp = reference_true_peak(&isp);
        println!(
            "fs/4 at 45°: samples {:+.4} dB, reference {:+.4} dB re the amplitude",
            db(samples / a),
            db(tp / a)
        );
        assert!((db(samples / a) + 3.0103).abs() < 1e-3);
        assert!(db(tp / a).abs() < 0.01, "{}", db(tp / a));
        let mut worst = 0.0f64;
        for frac in [0.01f64, 0.1, 0.2, 0.3, 0.4, 0.4167, 0.45, 0.4535, 0.47] {
            for k in 0..8 {
                let phase = k as f64 / 8.0 * core::f64::consts::PI;
                let x: Vec<f32> = (0..3_000)
                    .map(|n| (a * (core::f64::consts::TAU * frac * n as f64 + phase).sin()) as f32)
                    .collect();
                let e = db(reference_true_peak(&x) / a);
                assert!(e.abs() < 0.01, "{frac}·fs, phase {k}/8 π: {e:+.4} dB");
                worst = worst.max(e.abs());
            }
        }
        println!("sines 0.01…0.47·fs, every phase: reference within {worst:.4} dB of the peak");
    }
}
