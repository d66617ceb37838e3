//! The late reverberation: a feedback delay network of 16 modulated delay lines mixed by a
//! Hadamard matrix (Jot & Chaigne 1991; Stautner & Puckette, "Designing multi-channel
//! reverberators", CMJ 1982).
//!
//! Why this structure:
//! - **16 lines, Hadamard feedback.** Each pass through the matrix sends every line into every
//!   other with equal weight, so the echo count multiplies by 16 per pass and the tail turns
//!   into dense noise within a few passes — no metallic ringing from a few dominant loops. The
//!   16×16 Hadamard matrix (scaled by 1/4) is orthogonal, so the loop is lossless before the
//!   absorption filters, and it costs 64 additions (a fast Walsh–Hadamard transform) instead of
//!   256 multiplies.
//! - **Absorption per line** (see [`absorption`](super::absorption)): the decay is exact per
//!   frequency whatever the line lengths, so size and decay are independent controls.
//! - **Slow modulation of every line** (a sine per line, each at its own rate and phase):
//!   the resonances move a little, which smears the modes of the network and removes the
//!   last metallic colouring of long decays. Reads are 4-point Lagrange (as
//!   [`DelayLine::read_cubic`](crate::delay_line::DelayLine::read_cubic)): flat where it
//!   matters and exact at integer delays, so with the modulation at zero (freeze) the loop is
//!   bit-exact lossless. While a delay moves slowly its weights are ramped across each control
//!   period rather than computed per sample (see `ReadPlan`). The LFOs restart from fixed
//!   phases on [`Fdn::reset`], so a reset network is deterministic (a restored session renders
//!   identically).
//! - **A run of samples at a time.** Every line is longer than a control period, so the
//!   reads of all 16 lines for a whole period come before any of its writes, and the network
//!   runs a period at a time ([`Fdn::process`]) instead of a sample at a time: reads, output
//!   taps, matrix and writes become loops along each line over the period (`[line][sample]`,
//!   contiguous in the buffer, so they vectorise), and only the absorption filters — the one
//!   recursion in time — run sample by sample, with the 16 lines side by side after a
//!   transpose. Each value is computed by the same operations in
//!   the same order as sample by sample, so the output is bit-identical (the tests hold it to
//!   a plain per-sample reference), and per sample it is far cheaper than the 64 scattered
//!   reads and the per-sample bookkeeping it replaces.
//!
//! Parameter changes arrive at a control rate (every [`CONTROL`](super::CONTROL) samples):
//! line lengths glide to integer targets (a size change is a short pitch glide, never a jump),
//! the modulated delay is ramped linearly between control points, and the absorption filters
//! are redesigned while anything they depend on moves.

use super::CONTROL;
use super::absorption::LineFilter;
use super::ring::Run;
use crate::gain::within;
use crate::kernel::bits::{float_to_index, floor_small};
use crate::kernel::interp::lagrange;
use crate::kernel::transpose::transpose4;
use crate::lane::Stereo;

/// Number of delay lines.
pub const LINES: usize = 16;
/// Longest run of samples processed at once: the control period (a [`Run`]).
const CHUNK: usize = CONTROL;
/// Each line's ring is followed by copies of its first samples, so the samples a whole run of
/// interpolated reads needs (a chunk plus the four points) are always one contiguous slice, as
/// is a whole chunk written at any position.
const GUARD: usize = CHUNK + 4;
type Lines = [f32; LINES];
/// A run of samples on every line, `[line][sample]` or (as the filters take it)
/// `[sample][line]`: the same shape, as a run is as long as there are lines.
type Block = [[f32; CHUNK]; LINES];
const _: () = assert!(CHUNK == LINES);

/// Working arrays of one run (see [`Fdn::run`]), kept in the network: zeroing two kilobytes
/// of stack per run costs more than some of the arithmetic they hold.
struct Scratch {
    /// The run half-way through the matrix, `[line][sample]`.
    a: Block,
    /// The reads, then the filtered reads, `[sample][line]`.
    rows: Block,
}

/// Deepest modulation in seconds (at depth 100 %): ±1 ms, about ±11 cents of pitch wobble at
/// 1 Hz, the most a hall or plate algorithm uses before the tail sounds chorused.
pub const MAX_MOD_SECONDS: f32 = 0.001;

/// `(−1)^popcount(row & col)`: entry of the 16×16 Hadamard (Sylvester) matrix.
const fn hadamard_sign(row: usize, col: usize) -> f32 {
    if (row & col).count_ones().is_multiple_of(2) {
        1.0
    } else {
        -1.0
    }
}

/// In-place fast Walsh–Hadamard transform scaled by 1/4: the orthogonal 16×16 Hadamard matrix,
/// one sample at a time (the reference; the network applies it a run at a time in
/// [`Fdn::run`], and the tests hold that to this).
#[cfg(test)]
fn hadamard(a: &mut Lines) {
    let mut h = 1;
    while h < LINES {
        let mut i = 0;
        while i < LINES {
            for j in i..i + h {
                let (x, y) = (a[j], a[j + h]);
                a[j] = x + y;
                a[j + h] = x - y;
            }
            i += 2 * h;
        }
        h *= 2;
    }
    for x in a.iter_mut() {
        *x *= 0.25;
    }
}

/// Four lines of a run, `[line][sample]`, from lines `g … g + 3` of `rows` (`[sample][line]`).
#[inline(always)]
fn gather4(rows: &Block, g: usize) -> [[f32; CHUNK]; 4] {
    let mut v = [[0.0; CHUNK]; 4];
    for tj in (0..CHUNK).step_by(4) {
        let tile = transpose4(core::array::from_fn(|m| {
            rows[tj + m][g..g + 4].try_into().expect("in bounds")
        }));
        for (v, t) in v.iter_mut().zip(tile) {
            v[tj..tj + 4].copy_from_slice(&t);
        }
    }
    v
}

/// The inverse of [`gather4`]: four lines of a run into lines `g … g + 3` of `rows`.
#[inline(always)]
fn scatter4(v: &[[f32; CHUNK]; 4], rows: &mut Block, g: usize) {
    for tj in (0..CHUNK).step_by(4) {
        let tile = transpose4(core::array::from_fn(|k| {
            v[k][tj..tj + 4].try_into().expect("in bounds")
        }));
        for (m, t) in tile.iter().enumerate() {
            rows[tj + m][g..g + 4].copy_from_slice(t);
        }
    }
}

/// One butterfly of the fast Walsh–Hadamard transform along a run: `(x, y) → (x + y, x − y)`.
#[inline(always)]
fn butterfly(x: &mut [f32; CHUNK], y: &mut [f32; CHUNK]) {
    for (x, y) in x.iter_mut().zip(y.iter_mut()) {
        let (p, q) = (*x, *y);
        *x = p + q;
        *y = p - q;
    }
}

/// [`lagrange`] for every line at once, `[weight][line]`, newest point first: the weights
/// of `x[p+1]`, `x[p]`, `x[p−1]`, `x[p−2]` for a read `t` behind `x[p]`. One loop per
/// weight, so that each is a few vector operations.
#[inline(always)]
fn lagrange_lines(t: &Lines) -> [Lines; 4] {
    let mut w = [[0.0; LINES]; 4];
    for (k, row) in w.iter_mut().enumerate() {
        for (w, &t) in row.iter_mut().zip(t) {
            *w = lagrange(t)[k];
        }
    }
    w
}

/// Largest change of a line's fractional delay over one control period (samples) for which
/// its interpolation coefficients are ramped rather than computed per sample (see
/// [`ReadPlan`]).
const MAX_RAMP: f32 = 0.125;

/// How each line is read during the current control period, worked out once per period
/// ([`Fdn::plan_reads`]).
///
/// Why: the cubic Lagrange weights cost more than the interpolation itself, and computing
/// them for every line and every sample was the biggest single cost of the network. The
/// modulation moves a delay by thousandths of a sample per sample (at the default settings
/// 0.02 samples per period), so over a period the weights are, to well below the
/// interpolator's own error, a straight line: they are computed at the period's first and
/// last samples and ramped linearly between (a ramp of weights is a crossfade between the
/// two fractional delays Δ apart, whose only effect is a loss of at most `1 − cos(ωΔ/2)` at
/// frequency ω: −0.17 dB at Nyquist for Δ = [`MAX_RAMP`], far less than cubic Lagrange's own
/// droop there, and −0.03 dB at 10 kHz). A line whose delay moves more than that in a period (a
/// size glide, the fastest and deepest modulation) or whose whole part changes in it is read
/// with exact weights per sample instead. Unmodulated, the ramp is flat and the weights are
/// exactly those of the fixed delay, so a frozen network stays bit-exact lossless.
///
/// Each value depends only on the sample's place in the period, never on how the period is
/// split into runs, so the output does not depend on the block size.
struct ReadPlan {
    /// Lines read with ramped weights.
    ramped: [bool; LINES],
    /// On those, `⌊d − 1⌋`, the same all period.
    whole: [usize; LINES],
    /// On those, the weights ([`lagrange`]) at the period's first sample and their change per
    /// sample, `[weight][line]` (worked out for all lines side by side).
    weights: [Lines; 4],
    slope: [Lines; 4],
    /// [`Fdn::max_run`] for this period.
    max_run: usize,
}

impl ReadPlan {
    /// Line `i`'s weights at the period's first sample and their change per sample.
    #[inline(always)]
    fn weights_of(&self, i: usize) -> ([f32; 4], [f32; 4]) {
        (
            core::array::from_fn(|k| self.weights[k][i]),
            core::array::from_fn(|k| self.slope[k][i]),
        )
    }
}

/// Interpolated reads from one line with weights ramped over the period ([`ReadPlan`]):
/// `start` is the oldest point read by the run's first sample and `q[j]` the place in the
/// period of sample `j` of the run. Every sample reads the same whole part, so the windows
/// slide by one sample per sample and the run reads one contiguous stretch (the guard covers
/// the wrap).
// Indexed loops over several arrays, written so they vectorise.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn read_ramped(
    line: &[f32],
    start: usize,
    (c, s): ([f32; 4], [f32; 4]),
    q: &[f32; CHUNK],
    out: &mut [f32; CHUNK],
) {
    let win: &[f32; CHUNK + 3] = line[start..start + CHUNK + 3].try_into().expect("guard");
    for j in 0..CHUNK {
        let u = q[j];
        out[j] = win[j + 3] * (c[0] + u * s[0])
            + win[j + 2] * (c[1] + u * s[1])
            + win[j + 1] * (c[2] + u * s[2])
            + win[j] * (c[3] + u * s[3]);
    }
}

/// Interpolated reads from one line with exact weights per sample (the lines a [`ReadPlan`]
/// does not ramp): `pos[j]` is the delay of sample `j` of the run, `w` the newest sample
/// written before it, and only the first `len` are needed. (Written over fixed-size arrays so
/// that every loop vectorises.)
// Indexed loops over several arrays, written so they vectorise.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn read_line(
    line: &[f32],
    pos: &[f32; CHUNK],
    w: usize,
    mask: usize,
    len: usize,
    out: &mut [f32; CHUNK],
) {
    // Whole part and fraction of the read position, `r = d − 1` behind the newest sample
    // (d ≥ 2, so the point after it exists).
    // Never less than the shortest loop: a ramp between two delays of 2 samples can round
    // a hair below 2, which would read past the newest sample (a stale slot, or one this run
    // is about to write). Only test-sized lines come near.
    let r: [f32; CHUNK] = core::array::from_fn(|j| pos[j].max(2.0) - 1.0);
    let floor = floor_small(&r);
    let frac: [f32; CHUNK] = core::array::from_fn(|j| r[j] - floor[j]);
    let mut c: [[f32; CHUNK]; 4] = [[0.0; CHUNK]; 4];
    for j in 0..CHUNK {
        let l = lagrange(frac[j]);
        for k in 0..4 {
            c[k][j] = l[k];
        }
    }
    // Sample j reads x[p−2], x[p−1], x[p], x[p+1] (oldest first) with p = newest − ⌊d − 1⌋,
    // where the newest is j samples after `w`.
    let (first, last) = (floor[0] as usize, floor[len - 1] as usize);
    if first == last {
        // The usual case (the modulation moves a few thousandths of a sample per sample): the
        // whole part holds, so the windows slide by one sample per sample and the run reads
        // one contiguous stretch (the guard covers the wrap).
        let start = w.wrapping_sub(first).wrapping_sub(2) & mask;
        let win: &[f32; CHUNK + 3] = line[start..start + CHUNK + 3].try_into().expect("guard");
        for j in 0..CHUNK {
            out[j] = win[j + 3] * c[0][j]
                + win[j + 2] * c[1][j]
                + win[j + 1] * c[2][j]
                + win[j] * c[3][j];
        }
    } else {
        for j in 0..len {
            let start = (w + j).wrapping_sub(floor[j] as usize).wrapping_sub(2) & mask;
            let win = &line[start..start + 4];
            out[j] = win[3] * c[0][j] + win[2] * c[1][j] + win[1] * c[2][j] + win[0] * c[3][j];
        }
    }
}

/// The decay design inputs that glide together at the control rate.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Decay {
    t60_low: f32,
    t60_high: f32,
    crossover: f32,
    /// 1 = absorbing as designed, 0 = lossless (freeze).
    loss: f32,
}

pub struct Fdn {
    buf: Vec<f32>,
    /// Length of each line's region in `buf` (a power of two) and its mask.
    len: usize,
    mask: usize,
    /// Index (within each region) of the newest sample.
    write: usize,
    /// Loop delay in samples at the start of this control period, and its per-sample ramp:
    /// sample `q` of the period (from 0) is read at `delay + step·(q + 1)`.
    delay: Lines,
    step: Lines,
    /// Samples of this control period already run.
    phase: usize,
    plan: ReadPlan,
    /// Where `delay` lands at the end of this control period.
    delay_end: Lines,
    /// Unmodulated loop delay, gliding to `base_target` (integers).
    base: Lines,
    base_target: Lines,
    /// Longest loop delay (samples) the lines were sized for; delays are clamped to it.
    max_delay: f32,
    lfo_cos: Lines,
    lfo_sin: Lines,
    rot_cos: Lines,
    rot_sin: Lines,
    rate_hz: f32,
    /// Modulation depth in samples (peak), gliding to its target.
    depth: f32,
    depth_target: f32,
    decay: Decay,
    decay_target: Decay,
    b0: Lines,
    b1: Lines,
    a1: Lines,
    z: Lines,
    in_left: Lines,
    in_right: Lines,
    out_left: Lines,
    out_right: Lines,
    sample_rate: f32,
    /// Per-control-period glide factors (one-pole) for structure and for decay/depth.
    structure_glide: f32,
    param_glide: f32,
    filters_dirty: bool,
    scratch: Box<Scratch>,
}

/// Per-control-period factor of a one-pole glide with time constant `ms`.
fn glide_factor(ms: f32, sample_rate: f32) -> f32 {
    let periods = ms * 1e-3 * sample_rate / CONTROL as f32;
    if periods > 0.0 {
        (-1.0 / periods as f64).exp() as f32
    } else {
        0.0
    }
}

/// Moves `v` toward `target` by one glide step, snapping when within `eps`. Returns whether it
/// moved.
#[inline]
fn glide(v: &mut f32, target: f32, factor: f32, eps: f32) -> bool {
    if *v == target {
        return false;
    }
    let next = target + (*v - target) * factor;
    *v = if (next - target).abs() <= eps || next == *v {
        target
    } else {
        next
    };
    true
}

impl Fdn {
    /// Allocates lines long enough for `max_delay_seconds` plus the deepest modulation.
    pub fn new(sample_rate: f32, max_delay_seconds: f32) -> Self {
        let fs = sample_rate.max(1.0);
        let max_delay = (max_delay_seconds + MAX_MOD_SECONDS) * fs + 4.0;
        // Reads reach the two points after the longest delay, a chunk before a run's last
        // sample; a run writes a whole chunk ahead (see `run`), which no read may reach.
        let len = (max_delay as usize + 4 + 2 * CHUNK).next_power_of_two();
        // Read positions are floored in f32 (see `read_line`), exact below 2²³ samples.
        assert!(len < 1 << 23, "FDN lines of {len} samples are too long");
        let mut in_left = [0.0; LINES];
        let mut in_right = [0.0; LINES];
        let mut out_left = [0.0; LINES];
        let mut out_right = [0.0; LINES];
        let in_scale = (2.0 / LINES as f32).sqrt();
        for i in 0..LINES {
            // Left feeds the even lines, right the odd ones, with Hadamard signs; each input
            // vector has unit norm. Outputs are two rows of the Hadamard matrix (orthogonal,
            // unit norm): a mono tail arrives decorrelated on the two sides.
            let sign = hadamard_sign(3, i);
            if i % 2 == 0 {
                in_left[i] = sign * in_scale;
            } else {
                in_right[i] = sign * in_scale;
            }
            out_left[i] = hadamard_sign(5, i) * 0.25;
            out_right[i] = hadamard_sign(10, i) * 0.25;
        }
        let decay = Decay {
            t60_low: 2.0,
            t60_high: 1.0,
            crossover: 3_000.0,
            loss: 1.0,
        };
        let mut fdn = Self {
            buf: vec![0.0; (len + GUARD) * LINES],
            len,
            mask: len - 1,
            write: 0,
            delay: [2.0; LINES],
            step: [0.0; LINES],
            phase: 0,
            plan: ReadPlan {
                ramped: [false; LINES],
                whole: [0; LINES],
                weights: [[0.0; LINES]; 4],
                slope: [[0.0; LINES]; 4],
                max_run: 1,
            },
            delay_end: [2.0; LINES],
            base: [2.0; LINES],
            base_target: [2.0; LINES],
            max_delay: max_delay.ceil(),
            lfo_cos: [1.0; LINES],
            lfo_sin: [0.0; LINES],
            rot_cos: [1.0; LINES],
            rot_sin: [0.0; LINES],
            rate_hz: 0.5,
            depth: 0.0,
            depth_target: 0.0,
            decay,
            decay_target: decay,
            b0: [1.0; LINES],
            b1: [0.0; LINES],
            a1: [0.0; LINES],
            z: [0.0; LINES],
            in_left,
            in_right,
            out_left,
            out_right,
            sample_rate: fs,
            structure_glide: glide_factor(150.0, fs),
            param_glide: glide_factor(40.0, fs),
            filters_dirty: true,
            scratch: Box::new(Scratch {
                a: [[0.0; CHUNK]; LINES],
                rows: [[0.0; CHUNK]; LINES],
            }),
        };
        fdn.reset();
        fdn
    }

    /// Silence in every line, LFOs back to their start phases. No allocation.
    pub fn reset(&mut self) {
        self.buf.fill(0.0);
        self.z = [0.0; LINES];
        // Start phases spread by the golden angle: no two lines move together.
        for i in 0..LINES {
            let phase = i as f32 * 2.399_963;
            self.lfo_cos[i] = phase.cos();
            self.lfo_sin[i] = phase.sin();
        }
        self.finish_glides();
    }

    /// Jumps every glide to its target (after a reset or when a session loads).
    pub fn finish_glides(&mut self) {
        self.base = self.base_target;
        self.depth = self.depth_target;
        self.decay = self.decay_target;
        for i in 0..LINES {
            let d = within(
                self.base[i] + self.depth * self.lfo_sin[i],
                2.0,
                self.max_delay,
            );
            self.delay[i] = d;
            self.delay_end[i] = d;
        }
        self.step = [0.0; LINES];
        self.phase = 0;
        self.plan_reads();
        self.filters_dirty = true;
        self.redesign_filters();
    }

    /// Where the period's reads come from (see [`ReadPlan`]), from `delay` and `step`: all
    /// lines side by side (one vector operation per step; line by line this was a third of
    /// the network's time).
    // Indexed loops over several arrays, written so they vectorise.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn plan_reads(&mut self) {
        let plan = &mut self.plan;
        // As the per-sample reads: r = d − 1 behind the newest sample (never below 1), at the
        // period's first and last samples.
        let r = |q: f32| -> Lines {
            core::array::from_fn(|i| (self.delay[i] + self.step[i] * q).max(2.0) - 1.0)
        };
        let (first, last) = (r(1.0), r(CHUNK as f32));
        let (whole, whole_last) = (floor_small(&first), floor_small(&last));
        for i in 0..LINES {
            plan.ramped[i] = whole_last[i] == whole[i] && (last[i] - first[i]).abs() <= MAX_RAMP;
            plan.whole[i] = float_to_index(whole[i]);
        }
        let a = lagrange_lines(&core::array::from_fn(|i| first[i] - whole[i]));
        let b = lagrange_lines(&core::array::from_fn(|i| last[i] - whole[i]));
        for k in 0..4 {
            for i in 0..LINES {
                plan.slope[k][i] = (b[k][i] - a[k][i]) * (1.0 / (CHUNK - 1) as f32);
            }
        }
        plan.weights = a;
        self.plan.max_run = self.max_run();
    }

    /// Line lengths in samples (rounded: integer loops are exactly lossless when frozen).
    pub fn set_lengths(&mut self, samples: &[f32; LINES]) {
        for (t, &s) in self.base_target.iter_mut().zip(samples) {
            *t = within(
                s.round(),
                2.0,
                self.max_delay - MAX_MOD_SECONDS * self.sample_rate,
            );
        }
    }

    /// Decay at low and high frequencies (s), crossover (Hz), and loss (1 as designed, 0 frozen).
    pub fn set_decay(&mut self, t60_low: f32, t60_high: f32, crossover_hz: f32, loss: f32) {
        self.decay_target = Decay {
            t60_low: t60_low.max(1e-3),
            t60_high: t60_high.max(1e-3),
            crossover: crossover_hz,
            loss: loss.clamp(0.0, 1.0),
        };
    }

    /// Modulation depth in seconds (peak) and rate in Hz.
    pub fn set_modulation(&mut self, depth_seconds: f32, rate_hz: f32) {
        self.depth_target = (depth_seconds.clamp(0.0, MAX_MOD_SECONDS) * self.sample_rate).max(0.0);
        if rate_hz != self.rate_hz {
            self.rate_hz = rate_hz.max(0.0);
            for i in 0..LINES {
                // Each line at its own rate (±25 % around the set one): no common beat.
                let rate = self.rate_hz * (0.75 + 0.5 * i as f32 / (LINES - 1) as f32);
                let w =
                    core::f64::consts::TAU * rate as f64 * CONTROL as f64 / self.sample_rate as f64;
                self.rot_cos[i] = w.cos() as f32;
                self.rot_sin[i] = w.sin() as f32;
            }
        }
    }

    fn redesign_filters(&mut self) {
        let d = self.decay;
        for i in 0..LINES {
            let f = LineFilter::design(
                self.base[i] as f64,
                d.t60_low as f64,
                d.t60_high as f64,
                d.crossover as f64,
                self.sample_rate as f64,
                d.loss as f64,
            );
            self.b0[i] = f.b0;
            self.b1[i] = f.b1;
            self.a1[i] = f.a1;
        }
        self.filters_dirty = false;
    }

    /// Once per control period, before its samples: advance glides and LFOs and set up the
    /// per-sample delay ramps for the period.
    #[inline(always)]
    pub fn control(&mut self) {
        let mut moved = false;
        if self.base != self.base_target {
            for i in 0..LINES {
                moved |= glide(
                    &mut self.base[i],
                    self.base_target[i],
                    self.structure_glide,
                    1e-3,
                );
            }
        }
        let t = self.decay_target;
        let mut d = self.decay;
        let g = self.param_glide;
        moved |= glide(&mut d.t60_low, t.t60_low, g, 1e-4 * t.t60_low);
        moved |= glide(&mut d.t60_high, t.t60_high, g, 1e-4 * t.t60_high);
        moved |= glide(&mut d.crossover, t.crossover, g, 0.1);
        moved |= glide(&mut d.loss, t.loss, g, 1e-4);
        self.decay = d;
        if moved || self.filters_dirty {
            self.redesign_filters();
        }
        glide(&mut self.depth, self.depth_target, g, 1e-3);

        for i in 0..LINES {
            let (c, s) = (self.lfo_cos[i], self.lfo_sin[i]);
            let (rc, rs) = (self.rot_cos[i], self.rot_sin[i]);
            let (c, s) = (c * rc - s * rs, s * rc + c * rs);
            // Renormalise so rounding never lets the phasor grow or shrink.
            let norm = 1.5 - 0.5 * (c * c + s * s);
            self.lfo_cos[i] = c * norm;
            self.lfo_sin[i] = s * norm;
        }
        let inv = 1.0 / CONTROL as f32;
        let (depth, max_delay) = (self.depth, self.max_delay);
        for i in 0..LINES {
            // Land exactly where the last ramp was heading, then ramp to the next point.
            // (`max`/`min` rather than `clamp`, whose check of its bounds kept this loop
            // scalar.)
            self.delay[i] = self.delay_end[i];
            let end = (self.base[i] + depth * self.lfo_sin[i])
                .max(2.0)
                .min(max_delay);
            self.step[i] = (end - self.delay[i]) * inv;
            self.delay_end[i] = end;
        }
        if self.depth == 0.0 {
            // No modulation: no ramp, so integer loops stay exactly integer (lossless freeze).
            self.step = [0.0; LINES];
            self.delay = self.delay_end;
        }
        self.phase = 0;
        self.plan_reads();
    }

    /// Longest loop in seconds right now (for the tail length).
    pub fn longest_loop_seconds(&self) -> f32 {
        self.base_target.iter().fold(0.0f32, |m, &d| m.max(d)) / self.sample_rate
    }

    /// One sample: `input` (left, right) into the network, late reverberation out. (A run of
    /// one; [`process`](Self::process) is the fast path.)
    pub fn tick(&mut self, input: Stereo) -> Stereo {
        let mut x = [[0.0; CHUNK]; 2];
        x[0][0] = input.left();
        x[1][0] = input.right();
        let mut y = [[0.0; CHUNK]; 2];
        self.process(&x, &mut y, 1);
        Stereo::new(y[0][0], y[1][0])
    }

    /// Runs the network over the first `n` samples of a run of input (left, right), writing
    /// the late reverberation to the first `n` of `output` (the rest means nothing; see
    /// [`Ring`](super::ring::Ring)). Bit-identical to running it a sample at a time.
    #[inline(always)]
    pub fn process(&mut self, input: &[Run; 2], output: &mut [Run; 2], n: usize) {
        let n = n.min(CHUNK);
        if n == 0 {
            return;
        }
        if n <= self.plan.max_run {
            self.run(input, output, n);
            return;
        }
        // Test-sized lines: in shorter runs.
        let mut done = 0;
        while done < n {
            let len = (n - done).min(self.plan.max_run);
            let (mut x, mut y) = ([[0.0; CHUNK]; 2], [[0.0; CHUNK]; 2]);
            for c in 0..2 {
                x[c][..len].copy_from_slice(&input[c][done..done + len]);
            }
            self.run(&x, &mut y, len);
            for c in 0..2 {
                output[c][done..done + len].copy_from_slice(&y[c][..len]);
            }
            done += len;
        }
    }

    /// The longest run whose reads all come before its own writes: a read at delay `d` for
    /// the `j`-th sample of a run looks `⌊d − 1⌋ − j` samples behind the newest sample written
    /// before the run, so every delay over the run must exceed its length by one. Lines are
    /// milliseconds long, so this is a whole chunk except with test-sized lines.
    #[inline(always)]
    fn max_run(&self) -> usize {
        // Lowest point of each line's ramp over the period, a sample of slack for rounding.
        let low: Lines =
            core::array::from_fn(|i| self.delay[i] + self.step[i].min(0.0) * CHUNK as f32 - 1.0);
        // The usual case, decided without a (scalar) search for the minimum.
        let mut all_long = true;
        for &d in &low {
            all_long &= d >= (CHUNK + 3) as f32;
        }
        if all_long {
            return CHUNK;
        }
        let shortest = low.iter().fold(f32::INFINITY, |m, &d| m.min(d));
        (shortest.max(0.0) as usize)
            .saturating_sub(2)
            .clamp(1, CHUNK)
    }

    /// One run of `len ≤ CHUNK` samples (see [`max_run`](Self::max_run)). The per-sample
    /// arithmetic of the network, reorganised so that every step is a loop over whole arrays:
    /// the interpolated reads, the output taps, the matrix and the writes run along each line
    /// (`[line][sample]`, contiguous in the buffer), and only the absorption filters, the one
    /// recursion in time, run sample by sample with the 16 lines side by side. Four lines at a
    /// time are turned between the two layouts, and each group does what it can while at hand
    /// (taps and two stages of the matrix; the last two stages, the input and the writes), so
    /// the run's block is passed over three times rather than once per step. Every value is
    /// computed by the same operations in the same order as sample by sample, so the output
    /// is bit-identical to the per-sample reference; arrays are always filled to the full
    /// chunk (the tail of a short run is computed and ignored) so that the loops have fixed
    /// trip counts.
    // Indexed loops over lines × samples: several arrays per index, written so they vectorise.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn run(&mut self, input: &[Run; 2], output: &mut [Run; 2], len: usize) {
        let (stride, mask, w) = (self.len + GUARD, self.mask, self.write);
        let Scratch { a, rows } = &mut *self.scratch;
        // Each sample's place in the period (q), and q + 1.
        let p = self.phase;
        debug_assert!(p + len <= CHUNK, "a control period is {CHUNK} samples");
        let q: [f32; CHUNK] = core::array::from_fn(|j| (p + j) as f32);
        let q1: [f32; CHUNK] = core::array::from_fn(|j| (p + j + 1) as f32);
        // Interpolated reads, four lines at a time, turned to `[sample][line]` for the
        // filters.
        for g in (0..LINES).step_by(4) {
            let mut v = [[0.0; CHUNK]; 4];
            for (k, v) in v.iter_mut().enumerate() {
                let i = g + k;
                let line = &self.buf[i * stride..(i + 1) * stride];
                if self.plan.ramped[i] {
                    // Sample j reads x[p−2] … x[p+1] with p = newest − ⌊d − 1⌋, the newest
                    // being j samples after `w`.
                    let start = w.wrapping_sub(self.plan.whole[i]).wrapping_sub(2) & mask;
                    read_ramped(line, start, self.plan.weights_of(i), &q, v);
                } else {
                    let (d, s) = (self.delay[i], self.step[i]);
                    let pos: [f32; CHUNK] = core::array::from_fn(|j| d + s * q1[j]);
                    read_line(line, &pos, w, mask, len, v);
                }
            }
            scatter4(&v, rows, g);
        }
        // Absorption (first order, transposed direct form II): the one recursion in time, run
        // sample by sample with the lines side by side.
        for row in rows.iter_mut().take(len) {
            for i in 0..LINES {
                let x = row[i];
                let y = self.b0[i] * x + self.z[i];
                self.z[i] =
                    crate::kernel::sanitize::flush_denormal(self.b1[i] * x - self.a1[i] * y);
                row[i] = y;
            }
        }
        // Back along the lines, four at a time: the output taps (summed over the lines in
        // order, as sample by sample) and the first two stages of the fast Walsh–Hadamard
        // transform (lines 1 and 2 apart), while those four lines are at hand.
        let mut left = [0.0f32; CHUNK];
        let mut right = [0.0f32; CHUNK];
        for g in (0..LINES).step_by(4) {
            let mut v = gather4(rows, g);
            for (k, v) in v.iter().enumerate() {
                for j in 0..CHUNK {
                    left[j] += self.out_left[g + k] * v[j];
                    right[j] += self.out_right[g + k] * v[j];
                }
            }
            let [v0, v1, v2, v3] = &mut v;
            butterfly(v0, v1);
            butterfly(v2, v3);
            butterfly(v0, v2);
            butterfly(v1, v3);
            a[g..g + 4].copy_from_slice(&v);
        }
        // The last two stages (lines 4 and 8 apart) on lines g, g + 4, g + 8, g + 12, then the
        // 1/4 that makes the matrix orthogonal, the input, and the writes: the new samples at
        // w + 1 … w + len on every line. The whole chunk is written (fixed-size copies), its
        // tail into slots the next run overwrites first and no read reaches (see `new`).
        let [in_l, in_r] = input;
        let first = (w + 1) & mask;
        let ring = self.len;
        for g in 0..4 {
            let mut v = [a[g], a[g + 4], a[g + 8], a[g + 12]];
            let [v0, v1, v2, v3] = &mut v;
            butterfly(v0, v1);
            butterfly(v2, v3);
            butterfly(v0, v2);
            butterfly(v1, v3);
            for (k, v) in v.iter_mut().enumerate() {
                let i = g + 4 * k;
                for j in 0..CHUNK {
                    v[j] = crate::kernel::sanitize::flush_denormal(
                        v[j] * 0.25 + self.in_left[i] * in_l[j] + self.in_right[i] * in_r[j],
                    );
                }
                let line = &mut self.buf[i * stride..(i + 1) * stride];
                let dst: &mut [f32; CHUNK] =
                    (&mut line[first..first + CHUNK]).try_into().expect("guard");
                *dst = *v;
                if first + CHUNK > ring {
                    // Past the end: that is the guard; the wrapped part belongs at the start.
                    line.copy_within(ring..first + CHUNK, 0);
                }
                if first < GUARD || first + CHUNK > ring {
                    // The run touched the start of the ring: renew its copy in the guard.
                    line.copy_within(0..GUARD, ring);
                }
            }
        }
        self.write = (w + len) & mask;
        self.phase = p + len;
        *output = [left, right];
    }
}

#[cfg(test)]
// Indexed loops over several arrays at once, as in the code under test.
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;
    use crate::lane::Lane;

    #[test]
    fn hadamard_is_orthogonal() {
        // H·Hᵀ = I, checked column by column against the Sylvester entries.
        for col in 0..LINES {
            let mut e = [0.0; LINES];
            e[col] = 1.0;
            hadamard(&mut e);
            for (row, &v) in e.iter().enumerate() {
                assert_eq!(v, hadamard_sign(row, col) * 0.25);
            }
        }
        let mut x: Lines = core::array::from_fn(|i| (i as f32 * 0.37).sin());
        let energy: f32 = x.iter().map(|v| v * v).sum();
        hadamard(&mut x);
        let after: f32 = x.iter().map(|v| v * v).sum();
        assert!((energy - after).abs() < 1e-6 * energy);
    }

    impl Fdn {
        /// The reference: the network one sample at a time, written out plainly (as it was
        /// before it ran in blocks): read every line, filter, tap, mix, write.
        fn reference_tick(&mut self, input: Stereo) -> Stereo {
            let (stride, mask) = (self.len + GUARD, self.mask);
            let mut a: Lines = [0.0; LINES];
            let q = self.phase as f32;
            for i in 0..LINES {
                // Ramped weights where the plan says so, else the exact ones at this sample's
                // delay.
                let (whole, c) = if self.plan.ramped[i] {
                    let (w, s) = self.plan.weights_of(i);
                    (
                        self.plan.whole[i],
                        core::array::from_fn(|k| w[k] + q * s[k]),
                    )
                } else {
                    let r = (self.delay[i] + self.step[i] * (q + 1.0)).max(2.0) - 1.0;
                    let whole = r as usize;
                    (whole, lagrange(r - whole as f32))
                };
                let at = |k: usize| {
                    self.buf[i * stride + (self.write.wrapping_sub(whole).wrapping_add(k) & mask)]
                };
                a[i] = at(1) * c[0] + at(0) * c[1] + at(mask) * c[2] + at(mask - 1) * c[3];
            }
            self.phase += 1;
            let (mut left, mut right) = (0.0, 0.0);
            for i in 0..LINES {
                let y = self.b0[i] * a[i] + self.z[i];
                self.z[i] =
                    crate::kernel::sanitize::flush_denormal(self.b1[i] * a[i] - self.a1[i] * y);
                a[i] = y;
                left += self.out_left[i] * y;
                right += self.out_right[i] * y;
            }
            hadamard(&mut a);
            self.write = (self.write + 1) & mask;
            for i in 0..LINES {
                let (l, r) = (input.left(), input.right());
                let v = crate::kernel::sanitize::flush_denormal(
                    a[i] + self.in_left[i] * l + self.in_right[i] * r,
                );
                self.buf[i * stride + self.write] = v;
                if self.write < GUARD {
                    self.buf[i * stride + self.len + self.write] = v;
                }
            }
            Stereo::new(left, right)
        }
    }

    /// Two networks set up alike for the run-against-reference tests: `lengths`, decay times
    /// `t60` (low, high) crossing over at `crossover_hz`, modulated at full depth and fast,
    /// glides done.
    fn twins(
        fs: f32,
        max_delay_seconds: f32,
        lengths: &[f32; LINES],
        t60: (f32, f32, f32),
    ) -> [Fdn; 2] {
        [(); 2].map(|_| {
            let mut f = Fdn::new(fs, max_delay_seconds);
            f.set_lengths(lengths);
            f.set_decay(t60.0, t60.1, t60.2, 1.0);
            f.set_modulation(MAX_MOD_SECONDS, 20.0);
            f.finish_glides();
            f
        })
    }

    /// The scripted changes of those tests, then the control step of `period`: glide to
    /// `next` lengths at `at[0]`, modulation off at `at[1]`, frozen (no loss) at `at[2]`.
    fn scripted_control(
        f: &mut Fdn,
        period: usize,
        at: [usize; 3],
        next: &[f32; LINES],
        t60: (f32, f32, f32),
    ) {
        if period == at[0] {
            f.set_lengths(next);
        } else if period == at[1] {
            f.set_modulation(0.0, 1.0);
        } else if period == at[2] {
            f.set_decay(t60.0, t60.1, t60.2, 0.0);
        }
        f.control();
    }

    /// The first `n` samples of a period of noise (both channels) through `runs` as one run,
    /// against `one_by_one` fed the same samples one at a time: bit for bit. `at` names a
    /// sample in the failure message.
    fn assert_run_matches(
        runs: &mut Fdn,
        rng: &mut crate::test_support::XorShift,
        n: usize,
        mut one_by_one: impl FnMut(Stereo) -> Stereo,
        at: impl Fn(usize) -> String,
    ) {
        let mut x = [[0.0; CHUNK]; 2];
        for j in 0..n {
            x[0][j] = rng.uniform();
            x[1][j] = rng.uniform();
        }
        let mut y = [[0.0; CHUNK]; 2];
        runs.process(&x, &mut y, n);
        for j in 0..n {
            let want = one_by_one(Stereo::new(x[0][j], x[1][j]));
            let got = [y[0][j].to_bits(), y[1][j].to_bits()];
            assert_eq!(got, want.0.map(f32::to_bits), "{}", at(j));
        }
    }

    #[test]
    fn runs_compute_exactly_what_the_per_sample_reference_does() {
        // A network run a control period at a time against the same network run sample by
        // sample by the plain reference above, bit for bit: lines gliding between two sets of
        // lengths under full, fast modulation, then unmodulated, then frozen.
        let t60 = (3.0, 1.0, 2_500.0);
        for fs in [44_100.0, 96_000.0] {
            let first: [f32; LINES] = core::array::from_fn(|i| 400.0 + 37.0 * i as f32);
            let second: [f32; LINES] = core::array::from_fn(|i| 2_500.0 - 101.0 * i as f32);
            let [mut reference, mut runs] = twins(fs, 0.1, &first, t60);
            let mut rng = crate::test_support::XorShift::new(4);
            for period in 0..6_000 {
                for f in [&mut reference, &mut runs] {
                    scripted_control(f, period, [500, 3_000, 4_500], &second, t60);
                }
                assert_run_matches(
                    &mut runs,
                    &mut rng,
                    CHUNK,
                    |x| reference.reference_tick(x),
                    |j| format!("fs {fs}, period {period}, sample {j}"),
                );
            }
        }
    }

    #[test]
    fn ramped_weights_cost_at_most_the_crossfade_loss() {
        // Line 0 holds a sine. A period's reads with the weights ramped across it (the plan)
        // against reads with exact weights at every sample (`read_line`), and against the
        // sine itself at the exact fractional positions. A ramp of weights is a crossfade
        // between the fractional delays at the period's ends, Δ apart: at frequency ω its
        // only error is the crossfade's loss, at most 1 − cos(ωΔ/2) of the amplitude (closed
        // form; −0.17 dB at Nyquist for Δ = MAX_RAMP). At 1 kHz both reads are within 1e-4
        // of the sine itself (cubic Lagrange's own error there is ~2e-5).
        let fs = 48_000.0;
        let mut fdn = Fdn::new(fs, 0.05);
        let w = 1_000;
        fdn.write = w;
        for f_hz in [1_000.0, 5_000.0, 10_000.0, 16_000.0, 23_000.0] {
            let omega = core::f64::consts::TAU * f_hz / fs as f64;
            for m in 0..fdn.len {
                fdn.buf[m] = (omega * m as f64).sin() as f32;
            }
            // Fractions across the sample, rising and falling by just under MAX_RAMP.
            for start in [100.0f32, 100.3, 100.5, 100.86] {
                for dir in [1.0f32, -1.0] {
                    fdn.delay[0] = start;
                    fdn.step[0] = dir * MAX_RAMP * 0.999 / (CHUNK - 1) as f32;
                    fdn.plan_reads();
                    assert!(fdn.plan.ramped[0], "{start} {dir}");
                    let line = &fdn.buf[..fdn.len + GUARD];
                    let q: [f32; CHUNK] = core::array::from_fn(|j| j as f32);
                    let pos: [f32; CHUNK] =
                        core::array::from_fn(|j| fdn.delay[0] + fdn.step[0] * (j + 1) as f32);
                    let (mut ramped, mut exact) = ([0.0; CHUNK], [0.0; CHUNK]);
                    let first = w.wrapping_sub(fdn.plan.whole[0]).wrapping_sub(2) & fdn.mask;
                    read_ramped(line, first, fdn.plan.weights_of(0), &q, &mut ramped);
                    read_line(line, &pos, w, fdn.mask, CHUNK, &mut exact);
                    let delta = ((CHUNK - 1) as f32 * fdn.step[0]).abs() as f64;
                    let loss = 1.0 - (omega * delta / 2.0).cos();
                    for j in 0..CHUNK {
                        let error = (ramped[j] - exact[j]).abs() as f64;
                        let at = format!("{f_hz} Hz, {start}, {dir}, sample {j}");
                        assert!(error <= loss + 1e-5, "{at}: {error:.2e} > {loss:.2e}");
                        if f_hz == 1_000.0 {
                            // Sample j is written at w + 1 + j and reads d − 1 behind w + j.
                            let truth = (omega * ((w + j) as f64 + 1.0 - pos[j] as f64)).sin();
                            assert!((ramped[j] as f64 - truth).abs() < 1e-4, "{start} {dir} {j}");
                            assert!((exact[j] as f64 - truth).abs() < 1e-4, "{start} {dir} {j}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn lines_the_ramp_would_misread_are_read_exactly() {
        // A change of more than MAX_RAMP in a period, or a whole part that changes in it, is
        // read with exact weights; a delay that holds still is ramped with a slope of exactly
        // zero and, at a whole number of samples, weights that pick that one sample.
        let mut fdn = Fdn::new(48_000.0, 0.05);
        let cases = [
            (100.2, 0.13 / 15.0, false),
            (100.2, 0.12 / 15.0, true),
            (100.9, 0.12 / 15.0, false),
            (100.05, -0.12 / 15.0, false),
            (100.0, 0.0, true),
        ];
        for (delay, step, ramped) in cases {
            fdn.delay[3] = delay;
            fdn.step[3] = step;
            fdn.plan_reads();
            assert_eq!(fdn.plan.ramped[3], ramped, "{delay} {step}");
        }
        assert!((0..4).all(|k| fdn.plan.slope[k][3] == 0.0));
        assert_eq!(
            (0..4)
                .map(|k| fdn.plan.weights[k][3].abs())
                .collect::<Vec<_>>(),
            [0.0, 1.0, 0.0, 0.0]
        );
    }

    #[test]
    fn four_line_groups_turn_between_layouts_exactly() {
        // `gather4` takes lines g … g + 3 out of a `[sample][line]` block as `[line][sample]`,
        // `scatter4` puts them back: checked against the index definition, and a round trip
        // through all four groups rebuilds the block.
        let mut rng = crate::test_support::XorShift::new(5);
        let rows: Block = core::array::from_fn(|_| core::array::from_fn(|_| rng.uniform()));
        let mut back: Block = [[0.0; LINES]; CHUNK];
        for g in (0..LINES).step_by(4) {
            let v = gather4(&rows, g);
            for k in 0..4 {
                for j in 0..CHUNK {
                    assert_eq!(v[k][j], rows[j][g + k], "line {} sample {j}", g + k);
                }
            }
            scatter4(&v, &mut back, g);
        }
        assert_eq!(back, rows);
    }

    #[test]
    fn runs_compute_exactly_what_single_samples_do() {
        // The reference is the network one sample at a time (`tick`, a run of one, which reads
        // and writes each sample before the next), fed the same input as a twin running a
        // control period at a time in runs of every length. Lines from 3 samples (shorter than
        // a run, so the twin splits its runs) to 2 000, gliding while modulated at full depth
        // and fast, then settled and unmodulated, then frozen.
        let t60 = (2.0, 0.7, 3_000.0);
        for fs in [44_100.0, 192_000.0] {
            let short: [f32; LINES] = core::array::from_fn(|i| 3.0 + 5.0 * i as f32);
            let long: [f32; LINES] = core::array::from_fn(|i| 700.0 + 89.0 * i as f32);
            let [mut one, mut runs] = twins(fs, 0.05, &short, t60);
            let mut rng = crate::test_support::XorShift::new(21);
            let (mut done, mut period) = (0, 0);
            while done < 40_000 {
                for f in [&mut one, &mut runs] {
                    scripted_control(f, period, [300, 1_200, 1_800], &long, t60);
                }
                period += 1;
                // A period in two runs, split somewhere different each time.
                let split = period % (CHUNK + 1);
                for (start, end) in [(0, split), (split, CHUNK)] {
                    let n = end - start;
                    assert_run_matches(
                        &mut runs,
                        &mut rng,
                        n,
                        |x| one.tick(x),
                        |j| format!("fs {fs}, sample {}", done + j),
                    );
                    done += n;
                }
            }
        }
    }

    #[test]
    fn frozen_network_keeps_its_energy_exactly() {
        // Lossless loop, no modulation, integer lengths: the total energy held in the lines
        // is invariant (orthogonal matrix, pure delays), up to f32 rounding.
        let fs = 48_000.0;
        let mut fdn = Fdn::new(fs, 0.2);
        let lengths: [f32; LINES] = core::array::from_fn(|i| 1_000.0 + 97.0 * i as f32);
        fdn.set_lengths(&lengths);
        fdn.set_decay(1e9, 1e9, 3_000.0, 0.0);
        fdn.set_modulation(0.0, 0.5);
        fdn.finish_glides();
        let mut rng = crate::test_support::XorShift::new(9);
        for n in 0..3_000 {
            if n % CONTROL == 0 {
                fdn.control();
            }
            fdn.tick(Stereo::new(rng.uniform(), rng.uniform()));
        }
        // The live state: the last `delay` samples of each line.
        let energy = |f: &Fdn| {
            (0..LINES)
                .map(|i| {
                    (0..f.delay[i] as usize)
                        .map(|k| {
                            (f.buf[i * (f.len + GUARD) + (f.write.wrapping_sub(k) & f.mask)] as f64)
                                .powi(2)
                        })
                        .sum::<f64>()
                })
                .sum::<f64>()
        };
        let e0 = energy(&fdn);
        for n in 0..480_000 {
            if n % CONTROL == 0 {
                fdn.control();
            }
            fdn.tick(Stereo::zero());
        }
        let e1 = energy(&fdn);
        let drift_db = 10.0 * (e1 / e0).log10();
        println!("frozen FDN, 10 s: stored energy drift {drift_db:.2e} dB");
        assert!(drift_db.abs() < 1e-3, "{drift_db} dB");
    }
}
