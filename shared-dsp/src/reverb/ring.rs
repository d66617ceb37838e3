//! A stereo delay line written and read a run of samples at a time: the pre-delay (which the
//! early reflections tap) and the diffusers' all-passes.
//!
//! Why not [`DelayLine`](crate::delay_line::DelayLine): the reverb processes each control
//! period as one run (see the module docs of [`reverb`](super)), so its taps read a run of
//! consecutive samples at a time. Three choices make those reads and writes cheap:
//! - each channel has its own plane, so a run of one channel is a plain `&[f32]` and the
//!   loops over it vectorise (interleaved `[f32; 2]` pairs travel through general-purpose
//!   registers and defeat the vectoriser);
//! - each plane is followed by a mirror of its first [`GUARD`] samples, so any run of up to
//!   `GUARD` consecutive samples is one contiguous slice wherever it starts: no wrap to split;
//! - runs are always a whole control period wide ([`Run`]): a push writes all of it and
//!   advances by the samples that are real, and reads return whole-width slices, so every
//!   copy and loop has a fixed length (variable-length copies become calls to `memcpy`). The
//!   extra samples land in the slots the next push overwrites first, and the ring is long
//!   enough that no read ever reaches them.
//!
//! The stored values and the positions read are exactly `DelayLine`'s (a non-finite input is
//! stored as 0; delay 0 is the newest sample), so the reverb sounds bit for bit as it did
//! when it ran sample by sample on `DelayLine`s (the tests compare the two).

use super::CONTROL;
use crate::kernel::interp::lagrange;
use crate::kernel::sanitize::finite_or_zero;

/// Longest run that is one contiguous slice: a control period plus the extra points an
/// interpolated read needs.
pub const GUARD: usize = CONTROL + 4;

/// One channel of a run: a control period of samples, of which the first `n` are real.
pub type Run = [f32; CONTROL];

pub struct Ring {
    /// Per channel, `len` samples then the mirror of the first `GUARD`.
    planes: [Vec<f32>; 2],
    len: usize,
    mask: usize,
    /// Index of the newest sample.
    newest: usize,
    /// Longest delay an interpolated read is clamped to (as `DelayLine::max_delay`).
    max_delay: usize,
}

impl Ring {
    /// Room for reads up to `max_delay` samples (plus the two points after it a cubic read
    /// needs) behind every sample of a run of up to a control period, and for a whole-width
    /// push beyond them. The only allocation.
    pub fn new(max_delay: usize) -> Self {
        let len = (max_delay + 3 + 2 * CONTROL).next_power_of_two();
        Self {
            planes: [vec![0.0; len + GUARD], vec![0.0; len + GUARD]],
            len,
            mask: len - 1,
            newest: 0,
            max_delay,
        }
    }

    pub fn reset(&mut self) {
        for p in &mut self.planes {
            p.fill(0.0);
        }
    }

    /// Appends the first `n` samples of a run per channel (see the module docs: all of it is
    /// written); non-finite samples are stored as 0, so a NaN burst cannot reappear a delay
    /// time later.
    #[inline(always)]
    pub fn push(&mut self, x: &[Run; 2], n: usize) {
        let len = self.len;
        let first = (self.newest + 1) & self.mask;
        for (plane, x) in self.planes.iter_mut().zip(x) {
            let v: Run = core::array::from_fn(|j| finite_or_zero(x[j]));
            // Past the end when it wraps: that is the mirror, copied to the start of the ring.
            let dst: &mut Run = (&mut plane[first..first + CONTROL])
                .try_into()
                .expect("guard");
            *dst = v;
            if first + CONTROL > len {
                plane.copy_within(len..first + CONTROL, 0);
            }
            if first < GUARD || first + CONTROL > len {
                // The run touched the start of the ring: renew its mirror.
                plane.copy_within(0..GUARD, len);
            }
        }
        self.newest = (self.newest + n.min(CONTROL)) & self.mask;
    }

    /// Per channel, the `CONTROL + 1` consecutive samples from `delay` samples behind the
    /// newest (the oldest, first) on.
    #[inline(always)]
    pub fn run(&self, delay: usize) -> [&[f32; CONTROL + 1]; 2] {
        self.window(delay)
    }

    /// Per channel, the `W ≤ GUARD` consecutive samples from `delay` samples behind the
    /// newest (the oldest, first) on.
    #[inline(always)]
    fn window<const W: usize>(&self, delay: usize) -> [&[f32; W]; 2] {
        const { assert!(W <= GUARD) };
        // Never as far back as the extra samples of the last push (see `new`).
        debug_assert!(delay + CONTROL <= self.len);
        let start = self.newest.wrapping_sub(delay) & self.mask;
        let [l, r] = &self.planes;
        [
            l[start..start + W].try_into().expect("guard"),
            r[start..start + W].try_into().expect("guard"),
        ]
    }

    /// [`read_cubic`](Self::read_cubic) at one `delay` for each of the last `n` samples
    /// pushed (sample `j` of the run `n − 1 − j` behind the newest), from one contiguous
    /// window: the pre-delay's read while its time holds still, vectorised. The same
    /// arithmetic, so bit for bit the same values.
    // Indexed loops over the run: several arrays per index, written so they vectorise.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    pub fn read_cubic_run(&self, delay: f32, n: usize) -> [Run; 2] {
        let d = delay.max(0.0).min(self.max_delay as f32);
        let i = d as usize; // d ≥ 0, so this truncation is a floor
        let t = d - i as f32;
        // Sample j reads at(i − 1 + b) … at(i + 2 + b), b = n − 1 − j behind: with the window
        // starting i + 2 + n − 1 behind the newest, those are w[j + 3] … w[j].
        let win = self.window::<{ CONTROL + 3 }>(i + 2 + n - 1);
        let mut out = [[0.0; CONTROL]; 2];
        if i == 0 {
            for (out, w) in out.iter_mut().zip(win) {
                for j in 0..CONTROL {
                    let (a, b) = (w[j + 2], w[j + 1]);
                    out[j] = a + (b - a) * t;
                }
            }
            return out;
        }
        let [cm1, c0, c1, c2] = lagrange(t);
        for (out, w) in out.iter_mut().zip(win) {
            for j in 0..CONTROL {
                out[j] = w[j + 3] * cm1 + w[j + 2] * c0 + w[j + 1] * c1 + w[j] * c2;
            }
        }
        out
    }

    /// The sample `delay` samples behind the newest, per channel.
    #[inline(always)]
    pub fn at(&self, delay: usize) -> [f32; 2] {
        let p = self.newest.wrapping_sub(delay) & self.mask;
        [self.planes[0][p], self.planes[1][p]]
    }

    /// [`DelayLine::read_cubic`](crate::delay_line::DelayLine::read_cubic) at `delay`, for
    /// the sample `behind` samples before the newest: the same clamp, the same linear
    /// interpolation below one sample, the same arithmetic.
    #[inline(always)]
    pub fn read_cubic(&self, delay: f32, behind: usize) -> [f32; 2] {
        let d = delay.max(0.0).min(self.max_delay as f32);
        let i = d as usize; // d ≥ 0, so this truncation is a floor
        let t = d - i as f32;
        let at = |k: usize| self.at(k + behind);
        if i == 0 {
            let (a, b) = (at(0), at(1));
            return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
        }
        let (xm1, x0, x1, x2) = (at(i - 1), at(i), at(i + 1), at(i + 2));
        let [cm1, c0, c1, c2] = lagrange(t);
        let sum = |c: usize| xm1[c] * cm1 + x0[c] * c0 + x1[c] * c1 + x2[c] * c2;
        [sum(0), sum(1)]
    }
}

#[cfg(test)]
// Indexed loops over several arrays at once, as in the code under test.
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;
    use crate::delay_line::DelayLine;
    use crate::lane::Stereo;
    use crate::test_support::XorShift;

    #[test]
    fn runs_read_what_a_delay_line_reads_sample_by_sample() {
        // The reference is the shared DelayLine fed one sample at a time; the ring is fed in
        // runs of every length up to a control period (across its wrap, many times over), and
        // every sample of every run is read back at several delays.
        let max = 100;
        let mut ring = Ring::new(max);
        let mut line = DelayLine::<Stereo>::new(max + 2 * CONTROL);
        let mut rng = XorShift::new(3);
        let mut pushed = 0;
        for step in 0..3_000 {
            let n = 1 + step % CONTROL;
            // A whole-width run, of which the first n samples are pushed.
            let mut x = [[0.0f32; CONTROL]; 2];
            for j in 0..CONTROL {
                let nan = (step + j) % 97 == 0;
                x[0][j] = if nan { f32::NAN } else { rng.uniform() };
                x[1][j] = rng.uniform();
            }
            ring.push(&x, n);
            for j in 0..n {
                line.push(Stereo::new(x[0][j], x[1][j]));
            }
            pushed += n;
            let same = |got: [f32; 2], want: Stereo| got == want.0;
            for delay in [0, 1, 7, max / 2, max] {
                let [rl, rr] = ring.run(delay + n - 1);
                for j in 0..n {
                    // Sample j of the run, `delay` behind the run's j-th sample.
                    let want = line.read(delay + n - 1 - j);
                    assert!(
                        same([rl[j], rr[j]], want),
                        "step {step} delay {delay} j {j}"
                    );
                }
                assert!(same(ring.at(delay), line.read(delay)));
            }
            for delay in [0.0, 0.3, 1.0, 2.75, 50.5, max as f32, 1e9] {
                assert!(
                    same(
                        ring.read_cubic(delay, 0),
                        line.read_cubic(delay.min(max as f32))
                    ),
                    "{delay}"
                );
                // The whole run at once, sample j being n − 1 − j behind the newest: as the
                // reads one sample at a time (held to DelayLine here).
                let run = ring.read_cubic_run(delay, n);
                for j in 0..n {
                    let want = ring.read_cubic(delay, n - 1 - j);
                    assert_eq!(
                        [run[0][j], run[1][j]],
                        want,
                        "{delay}, run of {n}, sample {j}"
                    );
                }
                // `behind` moves the read back by whole samples.
                if delay >= 1.0 && delay + 3.0 <= max as f32 {
                    assert!(
                        same(ring.read_cubic(delay, 3), line.read_cubic(delay + 3.0)),
                        "{delay} + 3"
                    );
                }
            }
        }
        assert!(pushed > 4 * ring.len, "wrapped several times");
    }
}
