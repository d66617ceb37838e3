//! Zero-latency partitioned FFT convolution for impulse responses up to tens of seconds:
//! the reverb's convolution mode and the linear-phase EQ's FIRs.
//!
//! **Structure** (non-uniformly partitioned overlap-save; Gardner, "Efficient convolution
//! without input-output delay", JAES 1995; Wefers, *Partitioned convolution algorithms for
//! real-time auralization*, 2015):
//!
//! ```text
//! IR:  [0, 64)  direct FIR, per sample          → zero added latency, any block size (even 1)
//!      [64, 256)      3 partitions of 64  ┐
//!      [256, 1024)    3 partitions of 256 │ each level: uniformly partitioned overlap-save
//!      [1024, 4096)   3 partitions of 1024│ with a frequency-domain delay line (UPOLS)
//!      [4096, 16384)  3 partitions of 4096│
//!      [16384, …)     K partitions of 16384┘
//! ```
//!
//! A level of partition size P whose first partition starts at IR offset P can compute, the
//! moment an input block of P samples is complete, the output of the next P samples: the
//! earliest tap it holds is P samples old by then. So every level starts exactly at its own
//! size, and the first P = 64 samples of the IR are a direct-form FIR. Small partitions where
//! the IR is young (cheap per block, needed for latency), large ones for the long tail (cheap
//! per sample): the cost per sample grows with the logarithm of the IR length plus K, instead
//! of linearly (a uniform 64-sample partitioning of 3 s would need 2 250 spectral products
//! per 64 samples).
//!
//! **Block independence.** The engine runs on its own clock: a 64-sample chunk counter that
//! does not care how the host cuts its blocks. Output is therefore the same, sample for
//! sample, at block sizes 1, 64 or 1000 (the tests compare all three with direct convolution).
//!
//! **Load spreading.** At a level's boundary only its newest partition's product, one forward
//! and one inverse FFT are needed; the products of the older partitions (all known one period
//! earlier) are accumulated a slice per 64-sample chunk during the period, so a long IR does
//! not put all its work into one audio block.
//!
//! **Real-time safety.** Everything — spectra, frequency-domain delay lines, FFT scratch — is
//! allocated in [`ConvolutionEngine::new`], on the loader thread. `process` and `reset` never
//! allocate; `reset` is O(partition sizes), not O(IR length): the delay lines are marked empty
//! rather than cleared. Spectra are kept as separate real and imaginary arrays so the complex
//! multiply-accumulate vectorises.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::lane::{Lane, Stereo};

/// Length of the direct-form head and of the smallest partition.
pub const HEAD: usize = 64;
/// Each level's partitions are this many times longer than the previous level's.
const GROWTH: usize = 4;
/// The largest partition: beyond it, more partitions rather than longer ones, so that one
/// boundary's FFTs stay well under a millisecond.
const MAX_PARTITION: usize = 16_384;

/// One level of the partitioning: partitions of `size` covering IR samples
/// `[start, start + parts·size)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Level {
    size: usize,
    start: usize,
    parts: usize,
}

/// The levels needed for an IR of `len` samples (see the module docs).
fn plan(len: usize) -> Vec<Level> {
    let mut levels = Vec::new();
    let (mut start, mut size) = (HEAD, HEAD);
    while start < len {
        let next = (size * GROWTH).min(MAX_PARTITION);
        let end = if size == MAX_PARTITION {
            len
        } else {
            len.min(next)
        };
        let parts = (end - start).div_ceil(size);
        levels.push(Level { size, start, parts });
        start += parts * size;
        size = next;
    }
    levels
}

/// One channel's IR, transformed for every level: the reversed head for the direct FIR and
/// each partition's spectrum (scaled by 1/(2P), the inverse FFT's missing normalisation).
struct IrSpectra {
    head_reversed: [f32; HEAD],
    /// Per level: `parts × (size + 1)` bins, real and imaginary parts apart.
    re: Vec<Vec<f32>>,
    im: Vec<Vec<f32>>,
}

/// FFT plans and work buffers of one level, shared by both channels (they run in turn).
struct LevelFft {
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    time: Vec<f32>,
    freq: Vec<Complex<f32>>,
    scratch_forward: Vec<Complex<f32>>,
    scratch_inverse: Vec<Complex<f32>>,
}

/// One channel's running state in one level.
struct LevelState {
    /// The last 2P input samples: the previous block, then the one being collected.
    input: Vec<f32>,
    /// Frequency-domain delay line: the spectra of the last `parts` input blocks.
    fdl_re: Vec<f32>,
    fdl_im: Vec<f32>,
    newest: usize,
    /// How many delay-line slots hold real spectra (older ones count as silence): this is what
    /// makes `reset` cheap.
    valid: usize,
    /// Sum of the older partitions' products for the next boundary, built up over the period.
    acc_re: Vec<f32>,
    acc_im: Vec<f32>,
    /// Output for the P samples since the last boundary.
    output: Vec<f32>,
    /// Chunks collected in the current period.
    chunk: usize,
}

struct Channel {
    /// Doubled ring of the last HEAD inputs, so they are always one contiguous slice.
    history: [f32; 2 * HEAD],
    history_pos: usize,
    chunk_in: [f32; HEAD],
    chunk_out: [f32; HEAD],
    levels: Vec<LevelState>,
    ir: usize,
}

/// A stereo convolver with one loaded impulse response (mono: the same IR on both sides;
/// stereo: left on left, right on right).
pub struct ConvolutionEngine {
    levels: Vec<Level>,
    irs: Vec<IrSpectra>,
    ffts: Vec<LevelFft>,
    channels: [Channel; 2],
    pos: usize,
    len: usize,
    sample_rate: f32,
}

impl ConvolutionEngine {
    /// An engine that outputs silence (no IR loaded, or the IR was cleared).
    pub fn empty(sample_rate: f32) -> Self {
        Self::new(&[], sample_rate)
    }

    /// Prepares `ir` (one or two channels; more are ignored) for `sample_rate`. Allocates
    /// everything the engine will ever need: call it off the audio thread.
    pub fn new(ir: &[Vec<f32>], sample_rate: f32) -> Self {
        let ir: Vec<&[f32]> = ir.iter().take(2).map(Vec::as_slice).collect();
        let len = ir.iter().map(|c| c.len()).max().unwrap_or(0);
        let levels = plan(len);
        let mut planner = RealFftPlanner::<f32>::new();
        let mut ffts: Vec<LevelFft> = levels
            .iter()
            .map(|l| {
                let forward = planner.plan_fft_forward(2 * l.size);
                let inverse = planner.plan_fft_inverse(2 * l.size);
                LevelFft {
                    time: forward.make_input_vec(),
                    freq: forward.make_output_vec(),
                    scratch_forward: forward.make_scratch_vec(),
                    scratch_inverse: inverse.make_scratch_vec(),
                    forward,
                    inverse,
                }
            })
            .collect();
        let irs: Vec<IrSpectra> = ir
            .iter()
            .map(|h| Self::transform(h, &levels, &mut ffts))
            .collect();
        let channel = |ir: usize| Channel {
            history: [0.0; 2 * HEAD],
            history_pos: 0,
            chunk_in: [0.0; HEAD],
            chunk_out: [0.0; HEAD],
            levels: levels
                .iter()
                .map(|l| LevelState {
                    input: vec![0.0; 2 * l.size],
                    fdl_re: vec![0.0; l.parts * (l.size + 1)],
                    fdl_im: vec![0.0; l.parts * (l.size + 1)],
                    newest: 0,
                    valid: 0,
                    acc_re: vec![0.0; l.size + 1],
                    acc_im: vec![0.0; l.size + 1],
                    output: vec![0.0; l.size],
                    chunk: 0,
                })
                .collect(),
            ir,
        };
        let right_ir = if irs.len() > 1 { 1 } else { 0 };
        let channels = [channel(0), channel(right_ir)];
        Self {
            levels,
            channels,
            irs,
            ffts,
            pos: 0,
            len,
            sample_rate,
        }
    }

    fn transform(h: &[f32], levels: &[Level], ffts: &mut [LevelFft]) -> IrSpectra {
        let mut head_reversed = [0.0; HEAD];
        for (j, v) in head_reversed.iter_mut().enumerate() {
            *v = h.get(HEAD - 1 - j).copied().unwrap_or(0.0);
        }
        let mut re = Vec::with_capacity(levels.len());
        let mut im = Vec::with_capacity(levels.len());
        for (l, f) in levels.iter().zip(ffts.iter_mut()) {
            let bins = l.size + 1;
            let scale = 1.0 / (2 * l.size) as f32;
            let mut lre = vec![0.0; l.parts * bins];
            let mut lim = vec![0.0; l.parts * bins];
            for k in 0..l.parts {
                f.time.fill(0.0);
                let from = (l.start + k * l.size).min(h.len());
                let to = (from + l.size).min(h.len());
                for (t, &v) in f.time.iter_mut().zip(&h[from..to]) {
                    *t = v * scale;
                }
                let _ = f.forward.process_with_scratch(
                    &mut f.time,
                    &mut f.freq,
                    &mut f.scratch_forward,
                );
                for (b, c) in f.freq.iter().enumerate() {
                    lre[k * bins + b] = c.re;
                    lim[k * bins + b] = c.im;
                }
            }
            re.push(lre);
            im.push(lim);
        }
        IrSpectra {
            head_reversed,
            re,
            im,
        }
    }

    /// IR length in samples (0 for an empty engine).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The rate the IR was prepared for.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Silence in, as if freshly made. O(partition sizes); no allocation.
    pub fn reset(&mut self) {
        self.pos = 0;
        for ch in &mut self.channels {
            ch.history = [0.0; 2 * HEAD];
            ch.history_pos = 0;
            ch.chunk_in = [0.0; HEAD];
            ch.chunk_out = [0.0; HEAD];
            for s in &mut ch.levels {
                s.input.fill(0.0);
                s.acc_re.fill(0.0);
                s.acc_im.fill(0.0);
                s.output.fill(0.0);
                s.valid = 0;
                s.newest = 0;
                s.chunk = 0;
            }
        }
    }

    /// One stereo sample in, one out.
    #[inline]
    pub fn tick(&mut self, x: Stereo) -> Stereo {
        if self.len == 0 {
            return Stereo::zero();
        }
        let pos = self.pos;
        let mut out = [0.0f32; 2];
        for (c, ch) in self.channels.iter_mut().enumerate() {
            let v = x.0[c];
            let hp = ch.history_pos;
            ch.history[hp] = v;
            ch.history[hp + HEAD] = v;
            ch.history_pos = (hp + 1) % HEAD;
            let recent = &ch.history[hp + 1..hp + 1 + HEAD];
            out[c] = dot(recent, &self.irs[ch.ir].head_reversed) + ch.chunk_out[pos];
            ch.chunk_in[pos] = v;
        }
        self.pos += 1;
        if self.pos == HEAD {
            self.pos = 0;
            self.chunk_boundary();
        }
        Stereo(out)
    }

    /// Processes separate left/right buffers in place.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let y = self.tick(Stereo::new(*l, *r));
            *l = y.left();
            *r = y.right();
        }
    }

    /// Every 64 samples: feed the chunk to every level, run the levels whose block is
    /// complete, do this chunk's share of the spread work, and assemble the next chunk's
    /// output.
    fn chunk_boundary(&mut self) {
        for ch in &mut self.channels {
            let ir = &self.irs[ch.ir];
            ch.chunk_out = [0.0; HEAD];
            for (li, ((level, st), f)) in self
                .levels
                .iter()
                .zip(ch.levels.iter_mut())
                .zip(self.ffts.iter_mut())
                .enumerate()
            {
                let p = level.size;
                let bins = p + 1;
                let chunks = p / HEAD;
                st.input[p + st.chunk * HEAD..p + (st.chunk + 1) * HEAD]
                    .copy_from_slice(&ch.chunk_in);
                st.chunk += 1;
                let (h_re, h_im) = (&ir.re[li], &ir.im[li]);
                if st.chunk == chunks {
                    st.chunk = 0;
                    // Newest block's spectrum into the delay line.
                    f.time.copy_from_slice(&st.input);
                    let _ = f.forward.process_with_scratch(
                        &mut f.time,
                        &mut f.freq,
                        &mut f.scratch_forward,
                    );
                    st.newest = (st.newest + 1) % level.parts;
                    st.valid = (st.valid + 1).min(level.parts);
                    let slot = st.newest * bins;
                    for (b, c) in f.freq.iter().enumerate() {
                        st.fdl_re[slot + b] = c.re;
                        st.fdl_im[slot + b] = c.im;
                    }
                    // acc += X·H₀, then back to time: the next P output samples.
                    mac(
                        &mut st.acc_re,
                        &mut st.acc_im,
                        &st.fdl_re[slot..slot + bins],
                        &st.fdl_im[slot..slot + bins],
                        &h_re[..bins],
                        &h_im[..bins],
                    );
                    for (b, c) in f.freq.iter_mut().enumerate() {
                        *c = Complex::new(st.acc_re[b], st.acc_im[b]);
                    }
                    f.freq[0].im = 0.0;
                    f.freq[p].im = 0.0;
                    let _ = f.inverse.process_with_scratch(
                        &mut f.freq,
                        &mut f.time,
                        &mut f.scratch_inverse,
                    );
                    st.output.copy_from_slice(&f.time[p..]);
                    st.acc_re.fill(0.0);
                    st.acc_im.fill(0.0);
                    st.input.copy_within(p.., 0);
                }
                // This chunk's share of the older partitions for the next boundary: partition
                // k (k ≥ 1) meets the block that is k − 1 blocks older than the newest.
                let tail = level.parts - 1;
                let (from, to) = (
                    1 + tail * st.chunk / chunks,
                    1 + tail * (st.chunk + 1) / chunks,
                );
                for k in from..to {
                    if k > st.valid {
                        break;
                    }
                    let slot = (st.newest + level.parts - (k - 1)) % level.parts * bins;
                    mac(
                        &mut st.acc_re,
                        &mut st.acc_im,
                        &st.fdl_re[slot..slot + bins],
                        &st.fdl_im[slot..slot + bins],
                        &h_re[k * bins..(k + 1) * bins],
                        &h_im[k * bins..(k + 1) * bins],
                    );
                }
                let out = &st.output[st.chunk * HEAD..(st.chunk + 1) * HEAD];
                for (o, &v) in ch.chunk_out.iter_mut().zip(out) {
                    *o += v;
                }
            }
        }
    }
}

/// Σ a[i]·b[i] over 64 samples with eight partial sums, so it vectorises (the order of the
/// additions is fixed, so the result does not depend on the block size).
#[inline(always)]
fn dot(a: &[f32], b: &[f32; HEAD]) -> f32 {
    let mut acc = [0.0f32; 8];
    for (ca, cb) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for i in 0..8 {
            acc[i] += ca[i] * cb[i];
        }
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
}

/// acc += x·h over complex bins held as separate real and imaginary arrays.
#[inline(always)]
fn mac(
    acc_re: &mut [f32],
    acc_im: &mut [f32],
    x_re: &[f32],
    x_im: &[f32],
    h_re: &[f32],
    h_im: &[f32],
) {
    let n = acc_re.len();
    let (acc_im, x_re, x_im, h_re, h_im) = (
        &mut acc_im[..n],
        &x_re[..n],
        &x_im[..n],
        &h_re[..n],
        &h_im[..n],
    );
    for i in 0..n {
        acc_re[i] += x_re[i] * h_re[i] - x_im[i] * h_im[i];
        acc_im[i] += x_re[i] * h_im[i] + x_im[i] * h_re[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::XorShift;

    #[test]
    fn plan_covers_the_ir_exactly_once() {
        for len in [
            0usize, 1, 63, 64, 65, 255, 256, 1_000, 48_000, 144_000, 1_440_000,
        ] {
            let levels = plan(len);
            let mut next = HEAD;
            for l in &levels {
                assert_eq!(l.start, next, "levels are contiguous");
                assert!(
                    l.start >= l.size,
                    "a level must start at least its size in (zero latency)"
                );
                assert_eq!(l.start % l.size, 0);
                next = l.start + l.parts * l.size;
            }
            assert!(next >= len, "{len}: covered up to {next}");
            if let Some(last) = levels.last() {
                assert!(next - len < last.size, "{len}: one partition too many");
            }
        }
    }

    /// Direct time-domain convolution in f64: the reference.
    fn direct(x: &[f32], h: &[f32]) -> Vec<f64> {
        let hd: Vec<f64> = h.iter().map(|&v| v as f64).collect();
        (0..x.len())
            .map(|n| {
                let m_max = n.min(h.len() - 1);
                let mut acc = 0.0;
                for m in 0..=m_max {
                    acc += hd[m] * x[n - m] as f64;
                }
                acc
            })
            .collect()
    }

    fn error_db(got: &[f32], want: &[f64]) -> f64 {
        let (mut e, mut s) = (0.0, 0.0);
        for (&g, &w) in got.iter().zip(want) {
            e += (g as f64 - w).powi(2);
            s += w * w;
        }
        10.0 * (e / s).log10()
    }

    #[test]
    fn equals_direct_convolution_at_any_block_size() {
        let fs = 48_000.0;
        let mut rng = XorShift::new(77);
        // A random 1 s stereo IR with an exponential envelope (like a room), and 1.5 s of noise.
        let ir: Vec<Vec<f32>> = (0..2)
            .map(|_| {
                (0..48_000)
                    .map(|n| rng.uniform() * (-(n as f32) / 9_000.0).exp())
                    .collect()
            })
            .collect();
        let input: Vec<Vec<f32>> = (0..2)
            .map(|_| (0..72_000).map(|_| rng.uniform() * 0.5).collect())
            .collect();
        let want: Vec<Vec<f64>> = (0..2).map(|c| direct(&input[c], &ir[c])).collect();
        let mut engine = ConvolutionEngine::new(&ir, fs);
        assert_eq!(engine.len(), 48_000);
        for block in [1usize, 64, 1000] {
            engine.reset();
            let (mut l, mut r) = (input[0].clone(), input[1].clone());
            for (bl, br) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
                engine.process(bl, br);
            }
            let (el, er) = (error_db(&l, &want[0]), error_db(&r, &want[1]));
            println!("convolution, 1 s random IR, block {block}: error L {el:.1} dB, R {er:.1} dB");
            assert!(el < -90.0 && er < -90.0, "block {block}: {el} / {er} dB");
            // Zero added latency: the first output sample already carries h[0]·x[0].
            assert!(((l[0] as f64) - want[0][0]).abs() < 1e-6);
        }
    }

    #[test]
    fn mono_ir_on_both_sides_and_empty_is_silent() {
        let ir = vec![vec![0.5f32, 0.25, -0.125]];
        let mut e = ConvolutionEngine::new(&ir, 48_000.0);
        let mut l = [1.0, 0.0, 0.0, 0.0];
        let mut r = [0.0, 2.0, 0.0, 0.0];
        e.process(&mut l, &mut r);
        assert_eq!(l, [0.5, 0.25, -0.125, 0.0]);
        assert_eq!(r, [0.0, 1.0, 0.5, -0.25]);
        let mut empty = ConvolutionEngine::empty(48_000.0);
        let mut l = [1.0; 200];
        let mut r = [1.0; 200];
        empty.process(&mut l, &mut r);
        assert!(l.iter().chain(&r).all(|&v| v == 0.0));
    }
}
