//! Linear-phase mode: FIR kernels with the same target magnitude as the zero-latency mode
//! (the product of the bands' analog prototypes, unwarped, up to Nyquist), zero phase,
//! delayed by half their length.
//!
//! # Design (frequency sampling, windowed)
//! The target is sampled on a dense grid (M = 8·D bins, D the half length), inverse
//! transformed to its zero-phase impulse response, and the central 2D + 1 taps are kept
//! under a Kaiser window (β = [`KAISER_BETA`]), mirrored so that the kernel is exactly
//! symmetric. Sampling four times more densely than the kernel is long keeps the time
//! aliasing of the sampled target far below the window's own error. The window smooths the
//! response (its spectrum, a few fs/N wide, convolves the target), so the design is
//! refined [`REFINEMENTS`] times: the remaining error, measured on the same grid, is added to
//! the sampled target and the taps designed again. That undoes the smoothing of every
//! feature wider than the window's main lobe (a Q 2 bell at 100 Hz: 0.3 dB off after one
//! pass, under 0.01 dB after refinement); narrower ones (a Q 4 bell at 60 Hz, a notch's
//! bottom) stay limited by the length. The length doubles with the sample rate (8193 taps at
//! 44.1/48 kHz, 16 385 at 88.2/96 kHz, 32 769 at 176.4/192 kHz), so the frequency
//! resolution, and with it the accuracy at low frequencies, is the same at every rate.
//! Designing takes a few milliseconds and allocates: it runs on a background thread, and
//! the result is handed to the audio thread through a [`Mailbox`](crate::exchange::Mailbox).
//!
//! # Placement
//! A band on one channel or on mid/side is a 2×2 matrix per frequency (e.g. a mid band:
//! ½·[[H+1, H−1], [H−1, H+1]]); the kernel is the product of the bands' matrices in band
//! order. It is diagonal in left/right (stereo, left and right bands: two FIRs), or in
//! mid/side (stereo, mid and side bands: two FIRs between an M/S encode and decode), or, when
//! both kinds are mixed, a full matrix (four FIRs, two engines). All bands off: a plain delay,
//! so the signal passes bit-exactly, D samples late.
//!
//! # Processing
//! Each kernel runs in a [`ConvolutionEngine`] (non-uniformly partitioned FFT convolution,
//! shared with the reverb), which adds no latency of its own: the latency is exactly D.

use crate::convolution::ConvolutionEngine;
use realfft::RealFftPlanner;
use realfft::num_complex::Complex;

use super::prototype::{Cascade, cascade, sane_band};
use super::{BANDS, BandSettings, Placement};

/// Kaiser window parameter: side lobes about −30 dB, main lobe ±1.6·fs/N (the narrowest
/// that keeps leakage out of the 40 dB the tests look at, given the refinements below).
pub const KAISER_BETA: f64 = 4.0;
/// Refinement passes of the frequency sampling (see [`design_taps`]).
pub const REFINEMENTS: usize = 3;

/// Half length D (taps either side of the centre; the latency) at `sample_rate`: 4096 at
/// 44.1/48 kHz, doubling with each doubling of the rate.
pub fn half_length(sample_rate: f64) -> usize {
    let octaves = (sample_rate / 48_000.0).log2().round().clamp(-2.0, 3.0);
    (4096.0 * octaves.exp2()) as usize
}

/// Kernel length 2D + 1 (odd, so that the delay is a whole number of samples).
pub fn taps(sample_rate: f64) -> usize {
    2 * half_length(sample_rate) + 1
}

/// 2×2 real matrix, row-major: [[a, b], [c, d]] maps (l, r) to (a·l + b·r, c·l + d·r).
type Matrix = [f64; 4];

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0];

fn mul(x: &Matrix, y: &Matrix) -> Matrix {
    [
        x[0] * y[0] + x[1] * y[2],
        x[0] * y[1] + x[1] * y[3],
        x[2] * y[0] + x[3] * y[2],
        x[2] * y[1] + x[3] * y[3],
    ]
}

/// One band's matrix for magnitude `h` (see the module docs).
fn band_matrix(h: f64, placement: Placement) -> Matrix {
    match placement {
        Placement::Stereo => [h, 0.0, 0.0, h],
        Placement::Left => [h, 0.0, 0.0, 1.0],
        Placement::Right => [1.0, 0.0, 0.0, h],
        Placement::Mid => [
            0.5 * (h + 1.0),
            0.5 * (h - 1.0),
            0.5 * (h - 1.0),
            0.5 * (h + 1.0),
        ],
        Placement::Side => [
            0.5 * (1.0 + h),
            0.5 * (1.0 - h),
            0.5 * (1.0 - h),
            0.5 * (1.0 + h),
        ],
    }
}

/// The enabled bands, as (analog cascade, band frequency, placement).
fn active_bands(bands: &[BandSettings; BANDS], sample_rate: f64) -> Vec<(Cascade, f64, Placement)> {
    bands
        .iter()
        .filter(|b| b.enabled)
        .map(|b| {
            let s = sane_band(b, sample_rate);
            (cascade(&s), s.freq, s.placement)
        })
        .collect()
}

/// The target as a left/right matrix at `freq` Hz: the product of the enabled bands'
/// matrices in band order.
pub fn target_matrix(bands: &[BandSettings; BANDS], sample_rate: f64, freq: f64) -> [f64; 4] {
    active_bands(bands, sample_rate)
        .iter()
        .fold(IDENTITY, |m, (c, f0, p)| {
            mul(&band_matrix(c.mag2(freq / f0).sqrt(), *p), &m)
        })
}

/// What a kernel depends on: the bands, with every band that is off made alike (the other
/// settings of a band that is off do not change the kernel, so changing them asks for no new
/// design).
pub fn kernel_bands(bands: &[BandSettings; BANDS]) -> [BandSettings; BANDS] {
    bands.map(|b| {
        if b.enabled {
            b
        } else {
            BandSettings::default()
        }
    })
}

/// How a kernel's channels are arranged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// All bands off: a delay.
    Identity,
    /// Two FIRs, on left and right.
    LeftRight,
    /// Two FIRs, on mid and side.
    MidSide,
    /// Four FIRs: left→left and right→right, and the cross terms right→left, left→right.
    Full,
}

/// The designed taps (f64), before they go into convolution engines.
#[derive(Clone, Debug)]
pub struct Taps {
    pub basis: Basis,
    /// LeftRight: [left, right]; MidSide: [mid, side]; Full: [ll, rr, lr, rl]
    /// (lr: right's contribution to left). Empty for Identity.
    pub channels: Vec<Vec<f64>>,
    pub half_length: usize,
}

/// Designs the taps for `bands` (allocates; a background thread's job).
pub fn design_taps(bands: &[BandSettings; BANDS], sample_rate: f64) -> Taps {
    let d = half_length(sample_rate);
    let active = active_bands(bands, sample_rate);
    if active.is_empty() {
        return Taps {
            basis: Basis::Identity,
            channels: Vec::new(),
            half_length: d,
        };
    }
    let m = 8 * d;
    let bins = m / 2 + 1;
    // Target matrices per bin (left/right basis).
    let matrices: Vec<Matrix> = (0..bins)
        .map(|k| {
            let f = k as f64 * sample_rate / m as f64;
            active.iter().fold(IDENTITY, |acc, (c, f0, p)| {
                mul(&band_matrix(c.mag2(f / f0).sqrt(), *p), &acc)
            })
        })
        .collect();
    let off_lr = matrices.iter().any(|x| x[1] != 0.0 || x[2] != 0.0);
    // In mid/side: T·X·T⁻¹ with T = ½[[1, 1], [1, −1]], T⁻¹ = [[1, 1], [1, −1]].
    let to_ms = |x: &Matrix| -> Matrix {
        let (a, b, c, dd) = (x[0], x[1], x[2], x[3]);
        [
            0.5 * (a + b + c + dd),
            0.5 * (a - b + c - dd),
            0.5 * (a + b - c - dd),
            0.5 * (a - b - c + dd),
        ]
    };
    let off_ms = matrices.iter().any(|x| {
        let y = to_ms(x);
        y[1].abs() > 1e-12 * (y[0].abs() + y[3].abs())
            || y[2].abs() > 1e-12 * (y[0].abs() + y[3].abs())
    });
    let (basis, spectra): (Basis, Vec<Vec<f64>>) = if !off_lr {
        (
            Basis::LeftRight,
            vec![
                matrices.iter().map(|x| x[0]).collect(),
                matrices.iter().map(|x| x[3]).collect(),
            ],
        )
    } else if !off_ms {
        let ms: Vec<Matrix> = matrices.iter().map(to_ms).collect();
        (
            Basis::MidSide,
            vec![
                ms.iter().map(|x| x[0]).collect(),
                ms.iter().map(|x| x[3]).collect(),
            ],
        )
    } else {
        (
            Basis::Full,
            vec![
                matrices.iter().map(|x| x[0]).collect(),
                matrices.iter().map(|x| x[3]).collect(),
                matrices.iter().map(|x| x[1]).collect(),
                matrices.iter().map(|x| x[2]).collect(),
            ],
        )
    };
    let mut planner = RealFftPlanner::<f64>::new();
    let inverse = planner.plan_fft_inverse(m);
    let forward = planner.plan_fft_forward(m);
    let window = kaiser(d, KAISER_BETA);
    let refinements = REFINEMENTS;
    let channels = spectra
        .iter()
        .map(|target| {
            let mut sampled = target.clone();
            let mut h = vec![0.0; 2 * d + 1];
            for pass in 0..=refinements {
                let mut freq: Vec<Complex<f64>> =
                    sampled.iter().map(|&v| Complex::new(v, 0.0)).collect();
                let mut time = inverse.make_output_vec();
                let _ = inverse.process(&mut freq, &mut time);
                let scale = 1.0 / m as f64;
                for n in 0..=d {
                    let v = time[n] * scale * window[n];
                    h[d + n] = v;
                    h[d - n] = v;
                }
                if pass == refinements {
                    break;
                }
                // The zero-phase response of h on the same grid: real, even.
                let mut buf = vec![0.0; m];
                buf[0] = h[d];
                for n in 1..=d {
                    buf[n] = h[d + n];
                    buf[m - n] = h[d + n];
                }
                let mut spec = forward.make_output_vec();
                let _ = forward.process(&mut buf, &mut spec);
                for ((s, t), r) in sampled.iter_mut().zip(target).zip(&spec) {
                    *s += t - r.re;
                }
            }
            h
        })
        .collect();
    Taps {
        basis,
        channels,
        half_length: d,
    }
}

/// The right half (centre first) of a Kaiser window of 2d + 1 points.
fn kaiser(d: usize, beta: f64) -> Vec<f64> {
    let i0b = bessel_i0(beta);
    (0..=d)
        .map(|n| {
            let x = n as f64 / d as f64;
            bessel_i0(beta * (1.0 - x * x).max(0.0).sqrt()) / i0b
        })
        .collect()
}

/// Modified Bessel function of the first kind, order 0 (power series; converges quickly for
/// the window's arguments).
fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term, q) = (1.0, 1.0, 0.25 * x * x);
    for k in 1..64 {
        term *= q / (k * k) as f64;
        sum += term;
        if term < 1e-17 * sum {
            break;
        }
    }
    sum
}

/// A kernel ready to process: its convolution engines (or a delay for the identity).
pub struct Kernel {
    pub basis: Basis,
    /// Latency D.
    pub half_length: usize,
    /// The linear-phase runtime whose request this answers (0: none, e.g. built directly);
    /// see [`DesignRequest`](super::linear::DesignRequest).
    pub(super) owner: u64,
    /// LeftRight / MidSide: both FIRs; Full: ll on left, rr on right.
    direct: Option<ConvolutionEngine>,
    /// Full only: lr on left (fed the right input), rl on right (fed the left input).
    cross: Option<ConvolutionEngine>,
    /// Identity: a ring of D samples per channel.
    delay: Vec<[f32; 2]>,
    delay_pos: usize,
    /// Scratch for the cross engine's inputs (Full only), `max_block` long.
    scratch: [Vec<f32>; 2],
}

impl Kernel {
    /// Designs and prepares a kernel for `bands` (allocates: off the audio thread).
    /// `max_block`: the longest block [`process`](Self::process) will be given.
    pub fn new(bands: &[BandSettings; BANDS], sample_rate: f64, max_block: usize) -> Self {
        Self::from_taps(&design_taps(bands, sample_rate), sample_rate, max_block)
    }

    pub fn from_taps(taps: &Taps, sample_rate: f64, max_block: usize) -> Self {
        let f32s = |v: &Vec<f64>| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        let fs = sample_rate as f32;
        let (direct, cross) = match taps.basis {
            Basis::Identity => (None, None),
            Basis::LeftRight | Basis::MidSide => (
                Some(ConvolutionEngine::new(
                    &[f32s(&taps.channels[0]), f32s(&taps.channels[1])],
                    fs,
                )),
                None,
            ),
            Basis::Full => (
                Some(ConvolutionEngine::new(
                    &[f32s(&taps.channels[0]), f32s(&taps.channels[1])],
                    fs,
                )),
                Some(ConvolutionEngine::new(
                    &[f32s(&taps.channels[2]), f32s(&taps.channels[3])],
                    fs,
                )),
            ),
        };
        let full = taps.basis == Basis::Full;
        Self {
            basis: taps.basis,
            half_length: taps.half_length,
            owner: 0,
            direct,
            cross,
            delay: if taps.basis == Basis::Identity {
                vec![[0.0; 2]; taps.half_length]
            } else {
                Vec::new()
            },
            delay_pos: 0,
            scratch: [
                vec![0.0; if full { max_block } else { 0 }],
                vec![0.0; if full { max_block } else { 0 }],
            ],
        }
    }

    /// Silence in, as if new (no allocation).
    pub fn reset(&mut self) {
        if let Some(e) = &mut self.direct {
            e.reset();
        }
        if let Some(e) = &mut self.cross {
            e.reset();
        }
        self.delay.fill([0.0; 2]);
        self.delay_pos = 0;
    }

    /// Filters `left`/`right` in place (equal lengths, at most `max_block`; longer blocks
    /// are processed in pieces).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let max = self.scratch[0].len().max(1);
        if self.basis == Basis::Full && left.len() > max {
            for (l, r) in left.chunks_mut(max).zip(right.chunks_mut(max)) {
                self.process(l, r);
            }
            return;
        }
        match self.basis {
            Basis::Identity => {
                let d = self.delay.len();
                for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                    let slot = &mut self.delay[self.delay_pos];
                    let out = *slot;
                    *slot = [*l, *r];
                    (*l, *r) = (out[0], out[1]);
                    self.delay_pos += 1;
                    if self.delay_pos == d {
                        self.delay_pos = 0;
                    }
                }
            }
            Basis::LeftRight => {
                if let Some(e) = &mut self.direct {
                    e.process(left, right);
                }
            }
            Basis::MidSide => {
                for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                    (*l, *r) = (0.5 * (*l + *r), 0.5 * (*l - *r));
                }
                if let Some(e) = &mut self.direct {
                    e.process(left, right);
                }
                for (m, s) in left.iter_mut().zip(right.iter_mut()) {
                    (*m, *s) = (*m + *s, *m - *s);
                }
            }
            Basis::Full => {
                let n = left.len();
                let [xl, xr] = &mut self.scratch;
                // The cross engine hears right on its left input and left on its right one.
                xl[..n].copy_from_slice(right);
                xr[..n].copy_from_slice(left);
                if let (Some(d), Some(c)) = (&mut self.direct, &mut self.cross) {
                    d.process(left, right);
                    c.process(&mut xl[..n], &mut xr[..n]);
                }
                for (y, c) in left.iter_mut().zip(&xl[..n]) {
                    *y += *c;
                }
                for (y, c) in right.iter_mut().zip(&xr[..n]) {
                    *y += *c;
                }
            }
        }
    }
}
