//! A real-time spectrum analyser for editors, split so that the audio thread does almost
//! nothing: it copies samples into a [`SampleRing`] (wait-free, only while an editor is open),
//! and the editor's thread runs the FFT ([`Spectrum`]) on the newest samples once per frame.
//!
//! Levels are calibrated for sines: a sine of amplitude `A` reads `20·log10(A)` dBFS at its
//! bin (the Hann window's coherent gain is divided out), and [`Spectrum::band_db`] sums the
//! power in a fraction of an octave divided by the window's equivalent noise bandwidth, so a
//! sine reads its level whatever the band width, and noise reads its power in the band (pink
//! noise is flat on constant-fraction-of-octave bands, as on a real-time analyser).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use crate::kernel::sanitize::finite_or_zero;

/// The newest samples of a signal, shared in an `Arc` between the audio thread (one writer)
/// and an editor (readers). `f32` bit patterns in atomics and a count of samples written: the
/// writer never waits, a reader may see a few samples of the next lap while the writer passes
/// (harmless for an analyser), never a torn value.
pub struct SampleRing {
    samples: Box<[AtomicU32]>,
    written: AtomicU64,
}

impl SampleRing {
    /// Allocates `capacity` samples (the only allocation), all 0.
    pub fn new(capacity: usize) -> Self {
        Self {
            samples: (0..capacity.max(1)).map(|_| AtomicU32::new(0)).collect(),
            written: AtomicU64::new(0),
        }
    }

    pub fn capacity(&self) -> usize {
        self.samples.len()
    }

    /// Samples written so far (a reader can tell whether anything new arrived).
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    /// Audio thread: appends `samples` (non-finite ones as 0). Wait-free, no allocation.
    pub fn push(&self, samples: &[f32]) {
        self.push_iter(samples.iter().copied());
    }

    /// Audio thread: appends the mid signal `(l + r)/2` of a stereo block, what an analyser of
    /// a stereo bus shows (a sine of amplitude `A` in both channels reads `A`).
    pub fn push_mid(&self, left: &[f32], right: &[f32]) {
        self.push_iter(left.iter().zip(right).map(|(l, r)| 0.5 * (l + r)));
    }

    fn push_iter(&self, samples: impl Iterator<Item = f32>) {
        let n = self.samples.len() as u64;
        let mut w = self.written.load(Ordering::Relaxed);
        for s in samples {
            let s = finite_or_zero(s);
            self.samples[(w % n) as usize].store(s.to_bits(), Ordering::Relaxed);
            w += 1;
        }
        self.written.store(w, Ordering::Release);
    }

    /// Editor: the newest `out.len()` samples, oldest first (0 where nothing was written yet;
    /// at most `capacity` of them, the rest of `out` is 0).
    pub fn latest(&self, out: &mut [f32]) {
        let n = self.samples.len() as u64;
        let w = self.written();
        let count = (out.len() as u64).min(n);
        let pad = out.len() - count as usize;
        out[..pad].fill(0.0);
        for (k, o) in out[pad..].iter_mut().enumerate() {
            let index = (w + n - count + k as u64) % n;
            *o = f32::from_bits(self.samples[index as usize].load(Ordering::Relaxed));
        }
    }
}

/// Power floor of the analyser (−150 dBFS), so that silence has a finite level.
const FLOOR: f32 = 1e-15;

/// A Hann-windowed FFT analyser with exponential averaging per bin. Allocates in `new` only;
/// [`analyse`](Self::analyse) costs one real FFT. Runs on the editor's thread.
pub struct Spectrum {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    input: Vec<f32>,
    output: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// Smoothed power per bin, sine-calibrated (a sine of amplitude A at a bin reads A²).
    power: Vec<f32>,
    /// 2/Σw: turns |X_k| into the amplitude of a sine centred on bin k.
    amplitude_scale: f32,
    /// Equivalent noise bandwidth of the window in bins (1.5 for Hann).
    enbw: f32,
    bin_hz: f32,
    time_constant: f32,
    primed: bool,
}

impl Spectrum {
    /// The FFT size for a sample rate: the smallest power of two giving bins of at most
    /// 6 Hz (8192 at 44.1 and 48 kHz), so the lowest octaves of a log-frequency display still
    /// have a few bins each.
    pub fn size_for_rate(sample_rate: f32) -> usize {
        ((sample_rate / 6.0).max(64.0) as usize).next_power_of_two()
    }

    /// An analyser of `size` samples (a power of two is fastest) at `sample_rate`, averaging
    /// each bin's power with `time_constant` seconds (the time to 63 % of a step).
    pub fn new(size: usize, sample_rate: f32, time_constant: f32) -> Self {
        let size = size.max(16);
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(size);
        // The periodic Hann window (exactly 0.5 coherent gain and 1.5 bins of ENBW).
        let window: Vec<f32> = (0..size)
            .map(|n| (0.5 - 0.5 * (core::f64::consts::TAU * n as f64 / size as f64).cos()) as f32)
            .collect();
        let sum: f64 = window.iter().map(|&w| w as f64).sum();
        let sum2: f64 = window.iter().map(|&w| (w as f64).powi(2)).sum();
        Self {
            input: fft.make_input_vec(),
            output: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            power: vec![FLOOR; size / 2 + 1],
            amplitude_scale: (2.0 / sum) as f32,
            enbw: (size as f64 * sum2 / (sum * sum)) as f32,
            bin_hz: sample_rate / size as f32,
            time_constant: time_constant.max(0.0),
            primed: false,
            window,
            fft,
        }
    }

    pub fn size(&self) -> usize {
        self.window.len()
    }

    pub fn bin_hz(&self) -> f32 {
        self.bin_hz
    }

    /// Forgets the average: the next frame is taken as it is.
    pub fn reset(&mut self) {
        self.power.fill(FLOOR);
        self.primed = false;
    }

    /// Analyses the newest `size` samples (`samples` shorter than that are taken as the end
    /// of a zero-padded frame) and averages the result in, `dt` seconds after the last frame.
    /// The first frame after `new`/`reset` is taken as it is.
    pub fn analyse(&mut self, samples: &[f32], dt: f32) {
        let n = self.window.len();
        let take = samples.len().min(n);
        let pad = n - take;
        self.input[..pad].fill(0.0);
        for ((x, &s), &w) in self.input[pad..]
            .iter_mut()
            .zip(&samples[samples.len() - take..])
            .zip(&self.window[pad..])
        {
            *x = if s.is_finite() { s * w } else { 0.0 };
        }
        if self
            .fft
            .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch)
            .is_err()
        {
            return;
        }
        // Exponential averaging of power: a first-order lag with the time constant, whatever
        // the frame rate (`dt` varies with the editor's repaints).
        let keep = if self.primed && self.time_constant > 0.0 {
            (-dt.max(0.0) / self.time_constant).exp()
        } else {
            0.0
        };
        let scale = self.amplitude_scale;
        for (p, x) in self.power.iter_mut().zip(&self.output) {
            let new = (x.norm_sqr() * scale * scale).max(FLOOR);
            *p = keep * *p + (1.0 - keep) * new;
        }
        self.primed = true;
    }

    /// The averaged level of bin `k` in dBFS (a sine of amplitude A centred on it reads
    /// `20·log10(A)`).
    pub fn bin_db(&self, k: usize) -> f32 {
        10.0 * self.power.get(k).copied().unwrap_or(FLOOR).log10()
    }

    /// The level in the band `octaves` wide centred on `centre_hz` (geometrically), dBFS:
    /// the bins' power summed over the band (partial bins by their overlap) and divided by the
    /// window's noise bandwidth, so a sine in the band reads its own level and noise reads its
    /// power in the band. Bands narrower than the noise bandwidth (the lowest frequencies)
    /// read the power interpolated between the two nearest bins instead.
    pub fn band_db(&self, centre_hz: f32, octaves: f32) -> f32 {
        let half = 2f32.powf(0.5 * octaves.max(0.0));
        let (a, b) = (
            centre_hz / half / self.bin_hz,
            centre_hz * half / self.bin_hz,
        );
        let last = (self.power.len() - 1) as f32;
        let power = if b - a <= self.enbw {
            let x = (centre_hz / self.bin_hz).clamp(0.0, last);
            let k = (x.floor() as usize).min(self.power.len() - 2);
            let t = x - k as f32;
            (1.0 - t) * self.power[k] + t * self.power[k + 1]
        } else {
            // Bin k covers [k − ½, k + ½].
            let (a, b) = (a.clamp(-0.5, last + 0.5), b.clamp(-0.5, last + 0.5));
            let (k0, k1) = (
                (a + 0.5).floor() as usize,
                ((b + 0.5).floor() as usize).min(self.power.len() - 1),
            );
            let mut sum = 0.0;
            for k in k0..=k1 {
                let overlap = (b.min(k as f32 + 0.5) - a.max(k as f32 - 0.5)).max(0.0);
                sum += overlap * self.power[k];
            }
            sum / self.enbw
        };
        10.0 * power.max(FLOOR).log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;

    fn sine(n: usize, amplitude: f64, freq: f64, fs: f64) -> Vec<f32> {
        (0..n)
            .map(|i| {
                (amplitude * (core::f64::consts::TAU * freq * i as f64 / fs + 0.3).sin()) as f32
            })
            .collect()
    }

    #[test]
    fn ring_returns_the_newest_samples_in_order_and_mid() {
        let ring = SampleRing::new(8);
        let mut out = [9.0f32; 4];
        ring.latest(&mut out);
        assert_eq!(out, [0.0; 4]);
        let x: Vec<f32> = (1..=11).map(|i| i as f32).collect();
        ring.push(&x[..5]);
        ring.push(&x[5..]);
        ring.latest(&mut out);
        assert_eq!(out, [8.0, 9.0, 10.0, 11.0]);
        // Asking for more than the capacity: the capacity's worth, zero-padded in front.
        let mut long = [9.0f32; 10];
        ring.latest(&mut long);
        assert_eq!(long, [0.0, 0.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]);
        ring.push_mid(&[1.0, f32::NAN], &[3.0, 1.0]);
        ring.latest(&mut out[..2]);
        assert_eq!(out[..2], [2.0, 0.0]);
        assert_eq!(ring.written(), 13);
    }

    #[test]
    fn a_bin_centred_sine_reads_its_level_with_the_hann_sidelobes() {
        let mut s = Spectrum::new(Spectrum::size_for_rate(FS), FS, 0.0);
        assert_eq!(s.size(), 8192);
        let k = 1000;
        let f = k as f64 * s.bin_hz() as f64;
        s.analyse(&sine(s.size(), 0.5, f, FS as f64), 0.0);
        // 20·log10(0.5) = −6.02 dB at the bin.
        assert!((s.bin_db(k) - (-6.0206)).abs() < 0.01, "{}", s.bin_db(k));
        // Hann: the neighbours are half the amplitude (−6.02 dB more), then nothing.
        for j in [k - 1, k + 1] {
            assert!(
                (s.bin_db(j) - (-12.0412)).abs() < 0.01,
                "bin {j}: {}",
                s.bin_db(j)
            );
        }
        for j in [k - 3, k + 3, 10, 3000] {
            assert!(s.bin_db(j) < -100.0, "bin {j}: {}", s.bin_db(j));
        }
        // The largest bin is the sine's.
        let peak = (0..=s.size() / 2)
            .max_by(|a, b| s.bin_db(*a).total_cmp(&s.bin_db(*b)))
            .unwrap();
        assert_eq!(peak, k);
    }

    #[test]
    fn a_sine_between_bins_loses_the_hann_scalloping_and_bands_recover_it() {
        let mut s = Spectrum::new(8192, FS, 0.0);
        let k = 700;
        let f = (k as f64 + 0.5) * s.bin_hz() as f64;
        s.analyse(&sine(8192, 0.25, f, FS as f64), 0.0);
        // The Hann window's response half a bin off: |W(½)|/|W(0)| = 8/(3π) → −1.42 dB.
        let scallop = 20.0 * (8.0 / (3.0 * core::f64::consts::PI)).log10() as f32;
        let want = 20.0 * 0.25f32.log10() + scallop;
        for j in [k, k + 1] {
            assert!(
                (s.bin_db(j) - want).abs() < 0.02,
                "bin {j}: {} want {want}",
                s.bin_db(j)
            );
        }
        // A sixth-of-an-octave band around it reads the sine's level (power summed / ENBW).
        let band = s.band_db(f as f32, 1.0 / 6.0);
        assert!((band - 20.0 * 0.25f32.log10()).abs() < 0.05, "band {band}");
        // And a band an octave away sees nothing.
        assert!(s.band_db(2.0 * f as f32, 1.0 / 6.0) < -90.0);
    }

    #[test]
    fn white_noise_reads_its_power_per_band() {
        // Uniform white noise of RMS σ: a band of B Hz holds σ²·B/(fs/2), which in dBFS (0 dB
        // = a full-scale sine, whose power is ½) reads 10·log10(2σ²·B/(fs/2)).
        let n = 8192;
        let mut s = Spectrum::new(n, FS, 0.0);
        let mut state = 0x2545_f491u32;
        let mut acc = [0.0f64; 3];
        let frames = 64;
        let bands = [
            (1_000.0f32, 1.0f32),
            (5_000.0, 1.0 / 3.0),
            (12_000.0, 1.0 / 6.0),
        ];
        for _ in 0..frames {
            let x: Vec<f32> = (0..n)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    state as f32 / u32::MAX as f32 - 0.5 // σ² = 1/12
                })
                .collect();
            s.analyse(&x, 0.0);
            for (a, (c, o)) in acc.iter_mut().zip(bands) {
                *a += 10f64.powf(s.band_db(c, o) as f64 / 10.0);
            }
        }
        for (a, (c, o)) in acc.iter().zip(bands) {
            let width = c as f64 * (2f64.powf(o as f64 / 2.0) - 2f64.powf(-o as f64 / 2.0));
            let want = 10.0 * (2.0 / 12.0 * width / (FS as f64 / 2.0)).log10();
            let got = 10.0 * (a / frames as f64).log10();
            assert!(
                (got - want).abs() < 0.3,
                "{c} Hz: {got:.2} dB, want {want:.2}"
            );
        }
    }

    #[test]
    fn averaging_is_a_first_order_lag_with_the_time_constant() {
        let tau = 0.3;
        let mut s = Spectrum::new(1024, FS, tau);
        let k = 64;
        let x = sine(1024, 1.0, k as f64 * s.bin_hz() as f64, FS as f64);
        s.analyse(&[0.0; 1024], 0.0);
        // Ten frames of 30 ms: one time constant after the step, 1 − 1/e of the power.
        for _ in 0..10 {
            s.analyse(&x, 0.03);
        }
        let want = 10.0 * (1.0 - (-1.0f32).exp()).log10(); // −1.99 dB
        assert!(
            (s.bin_db(k) - want).abs() < 0.01,
            "{} want {want}",
            s.bin_db(k)
        );
        // A time step of zero keeps the average; a long settle reaches the level.
        let before = s.bin_db(k);
        s.analyse(&x, 0.0);
        assert_eq!(s.bin_db(k), before);
        s.analyse(&x, 100.0);
        assert!(s.bin_db(k).abs() < 0.01);
        // Non-finite samples do not poison the average.
        s.analyse(&[f32::NAN; 1024], 1.0);
        assert!(s.bin_db(k).is_finite());
    }
}
