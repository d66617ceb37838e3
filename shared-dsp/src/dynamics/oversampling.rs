//! Linear-phase 2×, 4× and 8× up- and downsampling for one channel: a cascade of 2× half-band
//! stages, for running a nonlinear stage (the limiter's gain) at a higher rate so that the
//! products of its fast gain changes above the base Nyquist are filtered off instead of
//! folding back into the audio band.
//!
//! **Why half-band stages.** A half-band filter's every other tap is zero and its centre tap
//! is ½, so one 2× stage costs K multiply-adds (symmetric pairs) per low-rate sample for K taps
//! per side, and the low-rate samples pass through exactly. Each octave needs far fewer taps
//! than the one below it, because the band the next stage must keep is still only the base
//! band (up to 20 kHz) while its stop band starts ever further away: with fs the base rate,
//! stage s (2^s·fs ↔ 2^(s+1)·fs) must pass 0…0.4535·fs and stop from 2^s·fs − 0.4535·fs. The
//! phases are the Kaiser-windowed sincs of the true-peak detector's cascade
//! ([`half_band_phase`]), with longer windows here: [`STAGE_TAPS`] 40, 10 and 6 per side with
//! β 11 (about −110 dB stop band; the first stage's pass band reaches 0.455·fs, 20.1 kHz at
//! 44.1 kHz; a −90 dB design left the 8× figure of the aliasing test at its stop band). Tested in this module against closed forms: sines through a round
//! trip come back within 0.002 dB (to 0.45·fs), exactly delayed by [`round_trip_latency`], and
//! the images and aliases the filters must remove are at least 85 dB down.
//!
//! **Why the delays are whole base samples.** A linear-phase stage delays by a whole number of
//! its *low-rate* samples (the upsampler K, the downsampler K, centred on a low-rate sample),
//! so its round trip is 2K low-rate samples, 2K/2^s base samples. With K₁ any and K₂ even
//! ([`STAGE_TAPS`]) every round trip is a whole number of base samples, so the host can be
//! told the delay exactly and bypass can be bit-exact: 80, 90 and 93 samples for 2×, 4× and 8×.
//!
//! **Cost**: (40 + 2·10 + 4·6) up and as many down, per base sample at most (8×): a few
//! percent of a limiter core at the raised rate. Blocks run in pieces of up to [`CHUNK`] base
//! samples as long vertical loops (over time, per tap), which the compiler vectorises.
//!
//! [`half_band_phase`]: super::true_peak::half_band_phase

use super::true_peak::half_band_phase;

/// Base-rate samples per call of [`Oversampler::up`] and [`Oversampler::down`] at most.
pub const CHUNK: usize = 64;
/// The largest factor.
pub const MAX_FACTOR: usize = 8;
/// Taps per side of each 2× stage, from the base rate up (see the module docs).
pub const STAGE_TAPS: [usize; 3] = [40, 10, 6];
/// Kaiser β of each stage: about −110 dB stop band.
pub const STAGE_BETA: [f64; 3] = [11.0, 11.0, 11.0];
const MAX_TAPS: usize = 40;
/// Longest input of one stage per call (the top stage's input at 4× the base rate).
const MAX_IN: usize = CHUNK * MAX_FACTOR / 2;

// Every round trip is a whole number of base samples (see the module docs).
const _: () = assert!(STAGE_TAPS[2].is_multiple_of(2) && STAGE_TAPS[0] <= MAX_TAPS);

/// How many times the base rate the inner stage runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Oversampling {
    /// The base rate: no filters at all.
    #[default]
    Off,
    X2,
    X4,
    X8,
}

impl Oversampling {
    pub const ALL: [Self; 4] = [Self::Off, Self::X2, Self::X4, Self::X8];

    /// 2× stages in the cascade (0…3).
    pub const fn stages(self) -> usize {
        match self {
            Self::Off => 0,
            Self::X2 => 1,
            Self::X4 => 2,
            Self::X8 => 3,
        }
    }

    /// The rate multiplier (1, 2, 4 or 8).
    pub const fn ratio(self) -> usize {
        1 << self.stages()
    }
}

/// Base samples between an input and its reconstruction through `stages` up and down.
pub const fn round_trip_latency(stages: usize) -> usize {
    let mut total = 0;
    let mut s = 0;
    while s < stages {
        total += 2 * STAGE_TAPS[s] / (1 << s);
        s += 1;
    }
    total
}

/// One half-band phase with its history: `mid[i] = Σ c[j]·(h[K−1+i−j] + h[K+i+j])`, where
/// `h` is the last 2K − 1 inputs followed by the new ones. Both directions are this sum: the
/// upsampler's new point halfway between two samples, and the downsampler's odd taps.
#[derive(Clone, Debug)]
struct Phase {
    c: [f32; MAX_TAPS],
    k: usize,
    /// 2K − 1 samples of history, then the current input.
    h: [f32; 2 * MAX_TAPS - 1 + MAX_IN],
}

impl Phase {
    fn new(stage: usize) -> Self {
        let k = STAGE_TAPS[stage];
        let mut c = [0.0; MAX_TAPS];
        for (d, s) in c.iter_mut().zip(half_band_phase(k, STAGE_BETA[stage])) {
            *d = s as f32;
        }
        Self {
            c,
            k,
            h: [0.0; 2 * MAX_TAPS - 1 + MAX_IN],
        }
    }

    fn reset(&mut self) {
        self.h = [0.0; 2 * MAX_TAPS - 1 + MAX_IN];
    }

    /// Appends `x`, writes the interpolated points to `mid` (the input of `K` samples ago is
    /// `self.h[K − 1 + i]` before the history moves on; see [`Phase::delayed`]).
    #[inline(always)]
    fn run(&mut self, x: &[f32], mid: &mut [f32]) {
        let (k, n) = (self.k, x.len());
        let hist = 2 * k - 1;
        self.h[hist..hist + n].copy_from_slice(x);
        let mid = &mut mid[..n];
        mid.fill(0.0);
        for j in 0..k {
            let c = self.c[j];
            let a = &self.h[k - 1 - j..k - 1 - j + n];
            let b = &self.h[k + j..k + j + n];
            for ((m, &a), &b) in mid.iter_mut().zip(a).zip(b) {
                *m += c * (a + b);
            }
        }
    }

    /// The input `K` samples before each of the `n` just run (valid until [`Phase::advance`]).
    fn delayed(&self, n: usize) -> &[f32] {
        &self.h[self.k - 1..self.k - 1 + n]
    }

    /// Keeps the last 2K − 1 inputs as history.
    fn advance(&mut self, n: usize) {
        let hist = 2 * self.k - 1;
        self.h.copy_within(n..n + hist, 0);
    }
}

/// The downsampler: the odd high-rate samples through the half-band phase, the even ones
/// (the centre tap, ½) delayed by K low-rate samples.
#[derive(Clone, Debug)]
struct Down {
    odd: Phase,
    /// The even samples of the last K low-rate periods, then the current ones.
    even: [f32; MAX_TAPS + MAX_IN],
    /// The last odd sample: the odd stream enters the phase one period late, which centres
    /// the phase's sum on the even sample K periods ago.
    carry: f32,
}

impl Down {
    fn new(stage: usize) -> Self {
        Self {
            odd: Phase::new(stage),
            even: [0.0; MAX_TAPS + MAX_IN],
            carry: 0.0,
        }
    }

    fn reset(&mut self) {
        self.odd.reset();
        self.even = [0.0; MAX_TAPS + MAX_IN];
        self.carry = 0.0;
    }

    /// `x` (2n samples) to `y` (n): y[m] = ½·x[2(m − K)] + ½·Σ c[j]·(x[2(m−K)−2j−1] + x[2(m−K)+2j+1]).
    fn run(&mut self, x: &[f32], y: &mut [f32]) {
        let n = x.len() / 2;
        let k = self.odd.k;
        let mut odd = [0.0f32; MAX_IN];
        for (i, pair) in x.chunks_exact(2).enumerate() {
            self.even[k + i] = pair[0];
            odd[i] = self.carry;
            self.carry = pair[1];
        }
        // With the odd stream one period late (o′[m] = x[2m − 1]), the odd sample
        // 2(m − K) − 2j − 1 is o′[m − K − j] = h[K − 1 − j + i] of the phase, and
        // 2(m − K) + 2j + 1 is o′[m − K + j + 1] = h[K + j + i]: its very sum.
        let mut mid = [0.0f32; MAX_IN];
        self.odd.run(&odd[..n], &mut mid);
        for ((y, &e), &m) in y[..n].iter_mut().zip(&self.even[..n]).zip(&mid[..n]) {
            *y = 0.5 * e + 0.5 * m;
        }
        self.odd.advance(n);
        self.even.copy_within(n..n + k, 0);
    }
}

/// 2×, 4× or 8× up and back down for one channel: three stages each way, of which a factor
/// uses the lowest [`Oversampling::stages`]. Everything lives inline (no allocation at all).
#[derive(Clone, Debug)]
pub struct Oversampler {
    up: [Phase; 3],
    down: [Down; 3],
}

impl Default for Oversampler {
    fn default() -> Self {
        Self::new()
    }
}

impl Oversampler {
    pub fn new() -> Self {
        Self {
            up: [Phase::new(0), Phase::new(1), Phase::new(2)],
            down: [Down::new(0), Down::new(1), Down::new(2)],
        }
    }

    /// Silence in every stage.
    pub fn reset(&mut self) {
        self.up.iter_mut().for_each(Phase::reset);
        self.down.iter_mut().for_each(Down::reset);
    }

    /// `x` (at most [`CHUNK`] base samples) to `out[..x.len() << stages]` at the raised rate.
    pub fn up(&mut self, stages: usize, x: &[f32], out: &mut [f32]) {
        let n = x.len().min(CHUNK);
        let mut a = [0.0f32; CHUNK * MAX_FACTOR];
        let mut b = [0.0f32; CHUNK * MAX_FACTOR];
        a[..n].copy_from_slice(&x[..n]);
        let mut len = n;
        for stage in &mut self.up[..stages.min(3)] {
            let mut mid = [0.0f32; MAX_IN];
            stage.run(&a[..len], &mut mid);
            for (i, (&d, &m)) in stage.delayed(len).iter().zip(&mid[..len]).enumerate() {
                b[2 * i] = d;
                b[2 * i + 1] = m;
            }
            stage.advance(len);
            len *= 2;
            core::mem::swap(&mut a, &mut b);
        }
        out[..len].copy_from_slice(&a[..len]);
    }

    /// `x` (`n << stages` samples at the raised rate, n ≤ [`CHUNK`]) to `out[..n]`.
    pub fn down(&mut self, stages: usize, x: &[f32], out: &mut [f32]) {
        let stages = stages.min(3);
        let mut len = x.len().min(CHUNK << stages);
        let mut a = [0.0f32; CHUNK * MAX_FACTOR];
        let mut b = [0.0f32; CHUNK * MAX_FACTOR];
        a[..len].copy_from_slice(&x[..len]);
        for stage in self.down[..stages].iter_mut().rev() {
            stage.run(&a[..len], &mut b);
            len /= 2;
            core::mem::swap(&mut a, &mut b);
        }
        out[..len].copy_from_slice(&a[..len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f64 = 44_100.0;

    /// Amplitude and phase of frequency `f` (Hz at `fs`) in `x`, by correlation over whole
    /// periods of the window (a Hann-windowed single-bin DFT).
    fn tone(x: &[f32], f: f64, fs: f64) -> (f64, f64) {
        let n = x.len();
        let (mut re, mut im, mut wsum) = (0.0, 0.0, 0.0);
        for (i, &v) in x.iter().enumerate() {
            let w = 0.5 - 0.5 * (core::f64::consts::TAU * i as f64 / n as f64).cos();
            let ph = core::f64::consts::TAU * f * i as f64 / fs;
            re += w * v as f64 * ph.cos();
            im -= w * v as f64 * ph.sin();
            wsum += w;
        }
        (2.0 * (re * re + im * im).sqrt() / wsum, im.atan2(re))
    }

    fn sine(f: f64, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (core::f64::consts::TAU * f * i as f64 / FS).sin() as f32 * 0.5)
            .collect()
    }

    fn round_trip(stages: usize, x: &[f32], block: usize) -> Vec<f32> {
        let mut o = Oversampler::new();
        let mut out = vec![0.0; x.len()];
        let mut hi = [0.0; CHUNK * MAX_FACTOR];
        for (xi, yi) in x.chunks(block).zip(out.chunks_mut(block)) {
            o.up(stages, xi, &mut hi);
            o.down(stages, &hi[..xi.len() << stages], yi);
        }
        out
    }

    /// Sines up to 0.45·fs come back at the same level (±0.002 dB) and exactly
    /// [`round_trip_latency`] samples later (the phase of a pure delay), at every factor.
    #[test]
    fn round_trip_is_a_pure_delay_in_the_pass_band() {
        let n = 16_384;
        for stages in 1..=3 {
            let latency = round_trip_latency(stages);
            for f in [
                100.0, 997.0, 5_000.0, 11_000.0, 17_000.0, 19_000.0, 19_845.0,
            ] {
                let x = sine(f, n + latency);
                let y = round_trip(stages, &x, 61);
                let (a_in, p_in) = tone(&x[1_000..1_000 + n - 2_000], f, FS);
                let (a_out, p_out) = tone(&y[1_000 + latency..1_000 + latency + n - 2_000], f, FS);
                let gain_db = 20.0 * (a_out / a_in).log10();
                let dphase = (p_out - p_in + core::f64::consts::PI)
                    .rem_euclid(core::f64::consts::TAU)
                    - core::f64::consts::PI;
                println!("{stages} stages, {f} Hz: {gain_db:+.5} dB, {dphase:+.2e} rad");
                assert!(
                    gain_db.abs() < 0.002,
                    "{stages} stages, {f} Hz: {gain_db} dB"
                );
                assert!(dphase.abs() < 1e-3, "{stages} stages, {f} Hz: {dphase} rad");
            }
        }
    }

    /// The images the upsampler must remove (2^s·fs ± f for a base-band f) and what the
    /// downsampler must keep from folding (a tone at 2^s·fs − f, generated at the raised
    /// rate) are at least 85 dB down.
    #[test]
    fn images_and_aliases_are_removed() {
        let n = 8_192;
        for stages in 1..=3usize {
            let ratio = 1 << stages;
            let hi_fs = FS * ratio as f64;
            for f in [1_000.0, 10_000.0, 17_000.0] {
                // Upsampling: no energy at fs − f (the first image) at the raised rate.
                let mut o = Oversampler::new();
                let x = sine(f, n);
                let mut hi = vec![0.0f32; n * ratio];
                let mut buf = [0.0; CHUNK * MAX_FACTOR];
                for (xi, yi) in x.chunks(CHUNK).zip(hi.chunks_mut(CHUNK * ratio)) {
                    o.up(stages, xi, &mut buf);
                    yi.copy_from_slice(&buf[..xi.len() * ratio]);
                }
                let body = &hi[2_000 * ratio..];
                let (a, _) = tone(body, f, hi_fs);
                for k in 1..ratio {
                    for image in [k as f64 * FS - f, k as f64 * FS + f] {
                        let (i, _) = tone(body, image, hi_fs);
                        let db = 20.0 * (i / a).log10();
                        assert!(db < -85.0, "{stages} stages up: {image} Hz at {db:.1} dB");
                    }
                }
                // Downsampling: a tone at k·fs ± f (k ≥ 1) would fold onto f.
                for k in 1..ratio {
                    for g in [k as f64 * FS - f, k as f64 * FS + f] {
                        let hi: Vec<f32> = (0..n * ratio)
                            .map(|i| (core::f64::consts::TAU * g * i as f64 / hi_fs).sin() as f32)
                            .collect();
                        let mut o = Oversampler::new();
                        let mut y = vec![0.0f32; n];
                        for (xi, yi) in hi.chunks(CHUNK * ratio).zip(y.chunks_mut(CHUNK)) {
                            o.down(stages, xi, yi);
                        }
                        let (i, _) = tone(&y[2_000..], f, FS);
                        let db = 20.0 * i.log10();
                        assert!(
                            db < -85.0,
                            "{stages} stages down: {g} Hz folds at {db:.1} dB"
                        );
                    }
                }
            }
        }
    }

    /// Block sizes do not change a bit.
    #[test]
    fn block_size_independent() {
        let x = sine(3_000.0, 5_000);
        for stages in 1..=3 {
            let a = round_trip(stages, &x, 1);
            for block in [7, 64] {
                assert_eq!(a, round_trip(stages, &x, block), "{stages} stages, {block}");
            }
        }
    }
}
