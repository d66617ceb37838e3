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
//!   bit-exact lossless. The LFOs restart from fixed phases on [`Fdn::reset`], so a reset
//!   network is deterministic (a restored session renders identically).
//! - **One buffer for all lines**, read and written with the per-line arithmetic written over
//!   `[f32; 16]` arrays, so the interpolation coefficients, filters, matrix and flushes
//!   vectorise; only the 64 reads per sample stay scalar.
//!
//! Parameter changes arrive at a control rate (every [`CONTROL`](super::CONTROL) samples):
//! line lengths glide to integer targets (a size change is a short pitch glide, never a jump),
//! the modulated delay is ramped linearly between control points, and the absorption filters
//! are redesigned while anything they depend on moves.

use super::CONTROL;
use super::absorption::LineFilter;
use crate::lane::Stereo;

/// Number of delay lines.
pub const LINES: usize = 16;
/// Each line's ring is followed by copies of its first samples, so the four samples an
/// interpolated read needs are always one contiguous slice (one bounds check, one vector load).
const GUARD: usize = 4;
type Lines = [f32; LINES];

/// Deepest modulation in seconds (at depth 100 %): ±1 ms, about ±11 cents of pitch wobble at
/// 1 Hz, the most a hall or plate algorithm uses before the tail sounds chorused.
pub const MAX_MOD_SECONDS: f32 = 0.001;

/// `(−1)^popcount(row & col)`: entry of the 16×16 Hadamard (Sylvester) matrix.
const fn hadamard_sign(row: usize, col: usize) -> f32 {
    if (row & col).count_ones().is_multiple_of(2) { 1.0 } else { -1.0 }
}

/// In-place fast Walsh–Hadamard transform scaled by 1/4: the orthogonal 16×16 Hadamard matrix.
#[inline(always)]
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
    /// Loop delay in samples used for the current sample, and its per-sample ramp.
    delay: Lines,
    step: Lines,
    /// Where `delay` lands at the end of this control period.
    delay_end: Lines,
    /// Unmodulated loop delay, gliding to `base_target` (integers).
    base: Lines,
    base_target: Lines,
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
}

/// Per-control-period factor of a one-pole glide with time constant `ms`.
fn glide_factor(ms: f32, sample_rate: f32) -> f32 {
    let periods = ms * 1e-3 * sample_rate / CONTROL as f32;
    if periods > 0.0 { (-1.0 / periods as f64).exp() as f32 } else { 0.0 }
}

/// Moves `v` toward `target` by one glide step, snapping when within `eps`. Returns whether it
/// moved.
#[inline]
fn glide(v: &mut f32, target: f32, factor: f32, eps: f32) -> bool {
    if *v == target {
        return false;
    }
    let next = target + (*v - target) * factor;
    *v = if (next - target).abs() <= eps || next == *v { target } else { next };
    true
}

impl Fdn {
    /// Allocates lines long enough for `max_delay_seconds` plus the deepest modulation.
    pub fn new(sample_rate: f32, max_delay_seconds: f32) -> Self {
        let fs = sample_rate.max(1.0);
        let max_delay = (max_delay_seconds + MAX_MOD_SECONDS) * fs + 4.0;
        let len = (max_delay as usize + 4).next_power_of_two();
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
        let decay = Decay { t60_low: 2.0, t60_high: 1.0, crossover: 3_000.0, loss: 1.0 };
        let mut fdn = Self {
            buf: vec![0.0; (len + GUARD) * LINES],
            len,
            mask: len - 1,
            write: 0,
            delay: [2.0; LINES],
            step: [0.0; LINES],
            delay_end: [2.0; LINES],
            base: [2.0; LINES],
            base_target: [2.0; LINES],
            max_delay: (len - 4) as f32,
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
            let d = (self.base[i] + self.depth * self.lfo_sin[i]).clamp(2.0, self.max_delay);
            self.delay[i] = d;
            self.delay_end[i] = d;
        }
        self.step = [0.0; LINES];
        self.filters_dirty = true;
        self.redesign_filters();
    }

    /// Line lengths in samples (rounded: integer loops are exactly lossless when frozen).
    pub fn set_lengths(&mut self, samples: &[f32; LINES]) {
        for (t, &s) in self.base_target.iter_mut().zip(samples) {
            *t = s.round().clamp(2.0, self.max_delay - MAX_MOD_SECONDS * self.sample_rate);
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
                let w = core::f64::consts::TAU * rate as f64 * CONTROL as f64 / self.sample_rate as f64;
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
    pub fn control(&mut self) {
        let mut moved = false;
        for i in 0..LINES {
            moved |= glide(&mut self.base[i], self.base_target[i], self.structure_glide, 1e-3);
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
        for i in 0..LINES {
            // Land exactly where the last ramp was heading, then ramp to the next point.
            self.delay[i] = self.delay_end[i];
            let end = (self.base[i] + self.depth * self.lfo_sin[i]).clamp(2.0, self.max_delay);
            self.step[i] = (end - self.delay[i]) * inv;
            self.delay_end[i] = end;
        }
        if self.depth == 0.0 {
            // No modulation: no ramp, so integer loops stay exactly integer (lossless freeze).
            self.step = [0.0; LINES];
            self.delay = self.delay_end;
        }
    }

    /// Longest loop in seconds right now (for the tail length).
    pub fn longest_loop_seconds(&self) -> f32 {
        self.base_target.iter().fold(0.0f32, |m, &d| m.max(d)) / self.sample_rate
    }

    /// One sample: `input` (left, right) into the network, late reverberation out.
    // Indexed loops over the 16 lines: several arrays per line, written so they vectorise.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    pub fn tick(&mut self, input: Stereo) -> Stereo {
        let (stride, mask, w) = (self.len + GUARD, self.mask, self.write);
        let mut idx = [0i32; LINES];
        let mut frac: Lines = [0.0; LINES];
        for i in 0..LINES {
            let d = self.delay[i] + self.step[i];
            self.delay[i] = d;
            // x[n − d] is (d − 1) behind the newest sample; d ≥ 2, so the point after it exists.
            let r = d - 1.0;
            let ri = r as i32;
            idx[i] = ri;
            frac[i] = r - ri as f32;
        }
        // Lagrange basis for nodes −1, 0, 1, 2 at t (as DelayLine::read_cubic).
        let mut cm1: Lines = [0.0; LINES];
        let mut c0: Lines = [0.0; LINES];
        let mut c1: Lines = [0.0; LINES];
        let mut c2: Lines = [0.0; LINES];
        for i in 0..LINES {
            let t = frac[i];
            let (tp1, tm1, tm2) = (t + 1.0, t - 1.0, t - 2.0);
            cm1[i] = -t * tm1 * tm2 * (1.0 / 6.0);
            c0[i] = tp1 * tm1 * tm2 * 0.5;
            c1[i] = -tp1 * t * tm2 * 0.5;
            c2[i] = tp1 * t * tm1 * (1.0 / 6.0);
        }
        let mut a: Lines = [0.0; LINES];
        for i in 0..LINES {
            // Oldest of the four first: x[p−2], x[p−1], x[p], x[p+1] with p = newest − ⌊d − 1⌋.
            let start = w.wrapping_sub(idx[i] as usize).wrapping_sub(2) & mask;
            let win = &self.buf[i * stride + start..i * stride + start + 4];
            a[i] = win[3] * cm1[i] + win[2] * c0[i] + win[1] * c1[i] + win[0] * c2[i];
        }
        // Absorption (first order, transposed direct form II).
        for i in 0..LINES {
            let y = self.b0[i] * a[i] + self.z[i];
            self.z[i] = crate::gain::flush_denormal(self.b1[i] * a[i] - self.a1[i] * y);
            a[i] = y;
        }
        let mut left = 0.0;
        let mut right = 0.0;
        for i in 0..LINES {
            left += self.out_left[i] * a[i];
            right += self.out_right[i] * a[i];
        }
        hadamard(&mut a);
        let w = (w + 1) & mask;
        self.write = w;
        let (l, r) = (input.left(), input.right());
        for i in 0..LINES {
            let v = crate::gain::flush_denormal(a[i] + self.in_left[i] * l + self.in_right[i] * r);
            self.buf[i * stride + w] = v;
            if w < GUARD {
                self.buf[i * stride + self.len + w] = v;
            }
        }
        Stereo::new(left, right)
    }
}

#[cfg(test)]
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
                        .map(|k| (f.buf[i * (f.len + GUARD) + (f.write.wrapping_sub(k) & f.mask)] as f64).powi(2))
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
