//! True-peak estimation: how high the continuous waveform behind the samples rises between
//! them (the level a DAC, a lossy encoder or a sample-rate converter will meet), per ITU-R
//! BS.1770-4 Annex 2 — estimated by interpolating points between the samples.
//!
//! ## The filter
//!
//! Each sample period is examined at eight points, the sample itself and seven interpolated
//! ones, from two polyphase FIR interpolators of 12 taps per phase that both read the same
//! 12-sample history:
//!
//! - **BS.1770-4 Annex 2** (the published 48-tap, 4-phase table, used as printed): its four
//!   phases sit at ⅛, ⅜, ⅝ and ⅞ of a sample period (the 48-tap prototype is centred between
//!   two taps), so a meter that uses the table reads exactly these points.
//! - **A Hann-windowed sinc** over ±6 samples at ¼, ½ and ¾ of the period: the interpolator
//!   of libebur128 (the BS.1770 meter in ffmpeg, GStreamer and many players, and of the Rust
//!   `ebur128` crate), whose fourth phase is the sample itself. ½ is where the classic fs/4
//!   sine at 45° peaks.
//!
//! Both are conforming 4× true-peak meters, and they disagree: near Nyquist every short
//! interpolator departs from the ideal one differently (the Annex table ripples by ±0.1 dB
//! and its ⅜/⅝ phases lose 0.24 dB at DC; the Hann sinc lets images through above fs/2), so
//! on full-band material such as white noise the two read up to ~0.3 dB apart. A limiter
//! cannot promise a ceiling "in true peak" without saying whose reading: taking the largest
//! of all eight points makes the estimate at least what either family of meter reads for the
//! same samples, so the ceiling holds on both (the tests measure the limited output with the
//! `ebur128` crate, and with an independent 16× reconstruction).
//!
//! On single peaks of sines up to 20 kHz at 48 kHz the estimate lies within −0.14…+0.17 dB of
//! the continuous peak (measured in the tests): low near 20 kHz, where the short sinc droops
//! and the Annex points are a quarter period apart (four points alone would allow
//! cos(π·20/48/4) = −0.47 dB there), high where the Annex table ripples up (around 5 and
//! 19 kHz) — the price, at most 0.17 dB of headroom on such tones, of never reading less than
//! an Annex meter. Content right at Nyquist remains undefined for any finite interpolator (a
//! tone at fs/2 can peak arbitrarily high between samples that read zero); the tests print
//! what the 16× reconstruction finds on full-band noise for that reason.
//!
//! ## Timing
//!
//! Both interpolators place their points between the samples 6 and 5 samples before the
//! newest one, so the estimate for sample `n` — the largest of `|x[n]|` and the points on
//! both sides of it, (n − 1, n) and (n, n + 1) — is known [`DELAY`] samples after `n`
//! arrived. Assigning each inter-sample peak to both neighbouring samples means a gain that
//! holds at least until both of them have passed covers it.
//!
//! Cost: the phases are folded by their mirror symmetry (see `coefficient_table`), so a sample
//! takes 6 multiply-adds on two 4-lane vectors plus 12 adds; in sample-peak mode only the
//! history is kept.

use crate::kernel::simd::{avx2_dispatch, has_avx2};

/// Samples between an input sample and its peak estimate.
pub const DELAY: usize = 6;
/// Taps per phase (both interpolators).
pub const TAPS: usize = 12;

/// ITU-R BS.1770-4 Annex 2, Table 1: the four phases of the 48-tap interpolator, index 0
/// multiplying the newest sample. Phases 2 and 3 are phases 1 and 0 reversed.
pub const BS1770_PHASES: [[f64; TAPS]; 4] = {
    const P0: [f64; TAPS] = [
        0.0017089843750,
        0.0109863281250,
        -0.0196533203125,
        0.0332031250000,
        -0.0594482421875,
        0.1373291015625,
        0.9721679687500,
        -0.1022949218750,
        0.0476074218750,
        -0.0266113281250,
        0.0148925781250,
        -0.0083007812500,
    ];
    const P1: [f64; TAPS] = [
        -0.0291748046875,
        0.0292968750000,
        -0.0517578125000,
        0.0891113281250,
        -0.1665039062500,
        0.4650878906250,
        0.7797851562500,
        -0.2003173828125,
        0.1015625000000,
        -0.0582275390625,
        0.0330810546875,
        -0.0189208984375,
    ];
    let mut p2 = [0.0; TAPS];
    let mut p3 = [0.0; TAPS];
    let mut j = 0;
    while j < TAPS {
        p2[j] = P1[TAPS - 1 - j];
        p3[j] = P0[TAPS - 1 - j];
        j += 1;
    }
    [P0, P1, p2, p3]
};

/// The Hann-windowed sinc phase for the point `frac` (0 < frac < 1) of a sample period
/// after sample `DELAY`, index 0 multiplying the newest sample (libebur128's coefficients,
/// not renormalised, as it uses them).
pub fn hann_sinc_phase(frac: f64) -> [f64; TAPS] {
    let half = (TAPS / 2) as f64;
    let mut h = [0.0; TAPS];
    for (j, c) in h.iter_mut().enumerate() {
        // Distance in samples from the tap's sample to the interpolated point.
        let d = (DELAY as f64 - j as f64) - frac;
        let sinc = if d == 0.0 {
            1.0
        } else {
            (core::f64::consts::PI * d).sin() / (core::f64::consts::PI * d)
        };
        // Hann window over ±6 samples: the 48-tap window of libebur128 (and of the
        // `ebur128` crate), 0.5·(1 − cos(2πj/48)) at tap j = 24 − 4d.
        *c = sinc * 0.5 * (1.0 + (core::f64::consts::PI * d / half).cos());
    }
    h
}

/// Half the taps: the symmetric form below needs only these.
const HALF: usize = TAPS / 2;

/// The seven interpolating phases folded by their symmetry, as `[tap][lane]` for taps
/// 0…5: lanes 0–3 multiply uⱼ = xⱼ + x₁₁₋ⱼ, lanes 4–7 multiply vⱼ = xⱼ − x₁₁₋ⱼ.
///
/// Phases come in mirror pairs (P, R) with Rⱼ = P₁₁₋ⱼ: Annex ⅛/⅞, Annex ⅜/⅝ and sinc ¼/¾;
/// the sinc's ½ phase is its own mirror. For a pair, y_P + y_R = Σ (Pⱼ + P₁₁₋ⱼ)·uⱼ and
/// y_P − y_R = Σ (Pⱼ − P₁₁₋ⱼ)·vⱼ over six taps, and max(|y_P|, |y_R|) = (|sum| + |diff|)/2:
/// six multiply-adds on two 4-lane vectors per sample instead of twelve on two, and the
/// largest point without forming the points. Lane 3 holds the ½ phase doubled (so that the
/// same halving applies), lane 7 is zero.
fn coefficient_table() -> [[f32; 8]; HALF] {
    let sinc = [hann_sinc_phase(0.25), hann_sinc_phase(0.5)];
    let pairs: [&[f64; TAPS]; 3] = [&BS1770_PHASES[0], &BS1770_PHASES[1], &sinc[0]];
    let mut table = [[0.0f32; 8]; HALF];
    for (j, row) in table.iter_mut().enumerate() {
        for (l, p) in pairs.iter().enumerate() {
            row[l] = (p[j] + p[TAPS - 1 - j]) as f32;
            row[4 + l] = (p[j] - p[TAPS - 1 - j]) as f32;
        }
        row[3] = (2.0 * sinc[1][j]) as f32;
    }
    table
}

/// Frames per pass of [`TruePeakDetector::process_block`] (a stack buffer).
const BLOCK: usize = 64;
/// Consecutive outputs computed side by side (a multiple of four; eight fills an AVX register).
const OUTS: usize = 8;

/// Peak estimation for one channel (see the module docs). Expects finite input.
#[derive(Clone, Debug)]
pub struct TruePeakDetector {
    coefs: [[f32; 8]; HALF],
    /// The last `TAPS − 1` inputs, oldest first.
    tail: [f32; TAPS - 1],
    /// Largest point between the previous two samples, (n − 1, n).
    previous_segment: f32,
    /// Whether this CPU runs the AVX2 build of the block loop.
    avx2: bool,
}

impl Default for TruePeakDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl TruePeakDetector {
    pub fn new() -> Self {
        Self {
            coefs: coefficient_table(),
            tail: [0.0; TAPS - 1],
            previous_segment: 0.0,
            avx2: has_avx2(),
        }
    }

    pub fn reset(&mut self) {
        self.tail = [0.0; TAPS - 1];
        self.previous_segment = 0.0;
    }

    /// Pushes `x` and returns the true-peak estimate (linear, ≥ 0) of the sample that
    /// arrived [`DELAY`] samples before it. (One sample of [`process_block`](Self::process_block).)
    pub fn process_sample(&mut self, x: f32) -> f32 {
        let mut p = [0.0];
        self.process_block(&[x], &mut p, true);
        p[0]
    }

    /// Pushes `x` and returns `|x|` of the sample that arrived [`DELAY`] samples before it
    /// (the same timing as [`process_sample`](Self::process_sample), so a limiter can switch
    /// between the two at any moment).
    pub fn process_sample_peak(&mut self, x: f32) -> f32 {
        let mut p = [0.0];
        self.process_block(&[x], &mut p, false);
        p[0]
    }

    avx2_dispatch! {
        /// Over a block: `peaks[i]` is the estimate for the sample `DELAY` before `input[i]`
        /// (true peak, or the sample's own magnitude when `true_peak` is false).
        pub fn process_block(
            &mut self,
            input: &[f32],
            peaks: &mut [f32],
            true_peak: bool,
        ) = process_chunks;
        /// The block loop compiled for AVX2 (the eight phase accumulators in one vector each).
        /// Without FMA, so it computes exactly what the baseline build does (tested).
        avx2 if self.avx2: fn process_block_avx2;
    }

    #[inline(always)]
    fn process_chunks(&mut self, input: &[f32], peaks: &mut [f32], true_peak: bool) {
        for (inp, out) in input.chunks(BLOCK).zip(peaks.chunks_mut(BLOCK)) {
            self.process_chunk(inp, out, true_peak);
        }
    }

    /// Runs the baseline build even on an AVX2 CPU (to compare the two builds).
    #[cfg(test)]
    pub(crate) fn without_avx2(mut self) -> Self {
        self.avx2 = false;
        self
    }

    /// Up to [`BLOCK`] samples, vectorised across time: eight consecutive outputs at once for
    /// every folded phase (one AVX register, or two SSE ones), so there are no per-sample
    /// horizontal operations. Each output's sums run in the same order whatever the width.
    #[inline(always)]
    fn process_chunk(&mut self, input: &[f32], peaks: &mut [f32], true_peak: bool) {
        let n = input.len().min(peaks.len()).min(BLOCK);
        // The history, then the input, then zeros up to a multiple of eight outputs.
        let mut buf = [0.0f32; BLOCK + TAPS + OUTS - 1];
        buf[..TAPS - 1].copy_from_slice(&self.tail);
        buf[TAPS - 1..TAPS - 1 + n].copy_from_slice(&input[..n]);
        self.tail.copy_from_slice(&buf[n..n + TAPS - 1]);
        // Output i: the newest sample is buf[i + 11], tap j reads buf[i + 11 − j], and the
        // sample the estimate is for (tap DELAY) is buf[i + 5].
        let centre = TAPS - 1 - DELAY;
        if !true_peak {
            for (p, x) in peaks[..n].iter_mut().zip(&buf[centre..centre + n]) {
                *p = x.abs();
            }
            // The segment after the last sample is not known in this mode; a switch back to
            // true peak starts from none.
            self.previous_segment = 0.0;
            return;
        }
        let mut segment = [0.0f32; BLOCK + OUTS];
        for i0 in (0..n).step_by(OUTS) {
            let mut acc = [[0.0f32; OUTS]; 8];
            for (j, row) in self.coefs.iter().enumerate() {
                let (mut u, mut v) = ([0.0f32; OUTS], [0.0f32; OUTS]);
                for k in 0..OUTS {
                    let newer = buf[i0 + k + TAPS - 1 - j];
                    let older = buf[i0 + k + j];
                    u[k] = newer + older;
                    v[k] = newer - older;
                }
                for l in 0..4 {
                    for k in 0..OUTS {
                        acc[l][k] += row[l] * u[k];
                        acc[4 + l][k] += row[4 + l] * v[k];
                    }
                }
            }
            for k in 0..OUTS {
                let mut m = 0.0f32;
                for l in 0..4 {
                    let pair = (acc[l][k].abs() + acc[4 + l][k].abs()) * 0.5;
                    m = if pair > m { pair } else { m };
                }
                segment[i0 + k] = m;
            }
        }
        let mut before = self.previous_segment;
        for i in 0..n {
            let (sample, after) = (buf[centre + i].abs(), segment[i]);
            let around = if after > before { after } else { before };
            peaks[i] = if sample > around { sample } else { around };
            before = after;
        }
        self.previous_segment = before;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 build reads exactly what the baseline build reads, in both modes, whatever
    /// the block sizes.
    #[test]
    fn avx2_build_is_bit_identical_to_the_baseline() {
        if crate::test_support::skip_without_avx2("true-peak detector: AVX2 build = baseline build")
        {
            return;
        }
        let mut rng = crate::test_support::XorShift::new(9);
        let x: Vec<f32> = (0..10_000).map(|_| rng.uniform()).collect();
        let mut outputs = Vec::new();
        for mut d in [
            TruePeakDetector::new(),
            TruePeakDetector::new().without_avx2(),
        ] {
            let mut peaks = vec![0.0f32; x.len()];
            let mut start = 0;
            for (k, len) in [1usize, 63, 64, 65, 500, 3].iter().cycle().enumerate() {
                if start >= x.len() {
                    break;
                }
                let end = (start + len).min(x.len());
                d.process_block(&x[start..end], &mut peaks[start..end], k % 7 != 3);
                start = end;
            }
            outputs.push(peaks.iter().map(|p| p.to_bits()).collect::<Vec<_>>());
        }
        assert!(outputs[0] == outputs[1]);
    }

    /// The continuous peak of A·sin(ωt + φ) is A: the detector must find it within what
    /// eight points per period allow, and never report more than a hair above it.
    #[test]
    fn finds_the_peak_of_sines_between_samples() {
        let fs = 48_000.0f64;
        let mut worst_under = 0.0f64;
        let mut worst_over = f64::NEG_INFINITY;
        for &f in &[
            100.0, 997.0, 5_000.0, 12_000.0, 15_000.0, 18_000.0, 19_000.0, 20_000.0,
        ] {
            for k in 0..16 {
                let phase = k as f64 / 16.0 * core::f64::consts::TAU;
                let w = core::f64::consts::TAU * f / fs;
                let mut det = TruePeakDetector::new();
                let mut peak = 0.0f32;
                let mut peaks = Vec::new();
                for n in 0..2_000 {
                    let p = det.process_sample((0.5 * (w * n as f64 + phase).sin()) as f32);
                    if n > 100 {
                        peak = peak.max(p);
                        peaks.push(p);
                    }
                }
                let db = 20.0 * (peak as f64 / 0.5).log10();
                worst_over = worst_over.max(db);
                // Each single peak, not only the best-aligned of many: the smallest local
                // maximum of the estimate over one period must still be close to A.
                let period = (fs / f).ceil() as usize + 1;
                let mut local_worst = f64::INFINITY;
                for win in peaks.windows(period).step_by(period) {
                    let m = win.iter().copied().fold(0.0f32, f32::max);
                    local_worst = local_worst.min(20.0 * (m as f64 / 0.5).log10());
                }
                worst_under = worst_under.min(local_worst);
            }
        }
        println!(
            "true-peak estimate on sines up to 20 kHz at 48 kHz: {worst_under:+.3} … {worst_over:+.3} dB"
        );
        // The low end is near 20 kHz, where the 12-tap sinc droops; the high end is the Annex
        // table's ripple (around 5 kHz and 19 kHz), which the union inherits on purpose.
        assert!(worst_under > -0.15, "{worst_under}");
        assert!(worst_over < 0.2, "{worst_over}");
    }

    /// fs/4 at 45°: samples at ±A/√2, the continuous peak A exactly halfway between two
    /// samples (the classic inter-sample peak, +3.01 dB over the sample peak).
    #[test]
    fn the_classic_inter_sample_peak() {
        let mut det = TruePeakDetector::new();
        let x: Vec<f32> = (0..400)
            .map(|n| {
                (core::f64::consts::FRAC_PI_2 * n as f64 + core::f64::consts::FRAC_PI_4).sin()
                    as f32
            })
            .collect();
        let mut peak = 0.0f32;
        let mut sample_peak = 0.0f32;
        let mut sp = TruePeakDetector::new();
        for (n, &v) in x.iter().enumerate() {
            let p = det.process_sample(v);
            let s = sp.process_sample_peak(v);
            if n > 50 {
                peak = peak.max(p);
                sample_peak = sample_peak.max(s);
            }
        }
        let db = 20.0 * (peak as f64).log10();
        println!(
            "fs/4 at 45°: true peak {db:+.4} dB, sample peak {:+.4} dB",
            20.0 * (sample_peak as f64).log10()
        );
        // The sinc's ½ point reads the peak; the Annex's ⅜ and ⅝ points read fs/4 a little
        // high, and the estimate is the larger.
        assert!(db > -0.01 && db < 0.05, "{db}");
        assert!((20.0 * (sample_peak as f64).log10() + 3.0103).abs() < 1e-3);
    }

    /// The estimate for sample n arrives DELAY samples later; an isolated impulse has its
    /// largest estimate exactly there (its own sample value), and nothing before it.
    #[test]
    fn timing_is_delay_samples() {
        for true_peak in [true, false] {
            let mut det = TruePeakDetector::new();
            let mut out = vec![0.0; 40];
            let mut input = vec![0.0; 40];
            input[10] = 1.0;
            det.process_block(&input, &mut out, true_peak);
            let (at, &max) = out
                .iter()
                .enumerate()
                .fold((0, &0.0), |m, (i, v)| if *v > *m.1 { (i, v) } else { m });
            assert_eq!(at, 10 + DELAY, "true peak {true_peak}");
            assert_eq!(max, 1.0);
            // Nothing is reported before the taps reach the impulse (causal: the first
            // interpolated points that see it belong to the segment before it).
            assert!(out[..10].iter().all(|&v| v == 0.0));
        }
    }

    /// The folded evaluation gives what the seven phases give computed directly (f64, from
    /// the published table and the windowed-sinc formula): the largest |point| on each side
    /// of each sample, and the sample itself.
    #[test]
    fn folded_form_equals_the_direct_phases() {
        let phases = [
            BS1770_PHASES[0],
            hann_sinc_phase(0.25),
            BS1770_PHASES[1],
            hann_sinc_phase(0.5),
            BS1770_PHASES[2],
            hann_sinc_phase(0.75),
            BS1770_PHASES[3],
        ];
        let mut rng = crate::test_support::XorShift::new(12);
        let x: Vec<f32> = (0..5_000).map(|_| rng.uniform()).collect();
        // segment[q]: largest |point| between samples q − 6 and q − 5.
        let segment = |q: usize| -> f64 {
            phases
                .iter()
                .map(|p| {
                    p.iter()
                        .enumerate()
                        .map(|(j, c)| c * x[q - j] as f64)
                        .sum::<f64>()
                        .abs()
                })
                .fold(0.0, f64::max)
        };
        let mut det = TruePeakDetector::new();
        for (q, &v) in x.iter().enumerate() {
            let got = det.process_sample(v) as f64;
            if q > 20 {
                let want = segment(q)
                    .max(segment(q - 1))
                    .max(x[q - DELAY].abs() as f64);
                assert!((got - want).abs() < 2e-6, "sample {q}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn annex_table_is_the_published_one() {
        // Spot checks against BS.1770-4 Annex 2, Table 1, and its symmetry: phases 0/3 and
        // 1/2 are mirror images, and the full 48-tap prototype sums to 4 (unit gain after
        // zero-stuffing by four) within the table's rounding.
        assert_eq!(BS1770_PHASES[0][6], 0.97216796875);
        assert_eq!(BS1770_PHASES[3][5], 0.97216796875);
        assert_eq!(BS1770_PHASES[1][6], 0.77978515625);
        assert_eq!(BS1770_PHASES[2][0], -0.0189208984375);
        let total: f64 = BS1770_PHASES.iter().flatten().sum();
        assert!((total - 4.0).abs() < 0.06, "{total}");
        // The sinc phases interpolate DC and a low sine to within the window's ripple.
        for frac in [0.25, 0.5, 0.75] {
            let h = hann_sinc_phase(frac);
            assert!(
                (h.iter().sum::<f64>() - 1.0).abs() < 2e-3,
                "{}",
                h.iter().sum::<f64>()
            );
            let w = 0.01;
            let y: f64 = h
                .iter()
                .enumerate()
                .map(|(j, c)| c * (w * -(j as f64)).sin())
                .sum();
            let want = (w * (frac - DELAY as f64)).sin();
            assert!(
                (y - want).abs() < 2e-3 * want.abs(),
                "{frac}: {y} vs {want}"
            );
        }
    }
}
