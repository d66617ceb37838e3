//! Input diffusion: a chain of Schroeder all-pass filters in front of the feedback network.
//!
//! Why: an impulse entering the network directly comes out as one click per line, and only
//! after several passes through the matrix does the tail become dense. Four all-passes turn
//! the impulse into a dense, decaying burst *before* it enters, so the echo density of the
//! tail is high from the first pass (measured in the reverb's echo-density test). All-passes
//! leave the long-term spectrum alone (|H| = 1), so they colour neither the tone nor the decay
//! time; their gain is the diffusion control (0 = a clean, more discrete onset).
//!
//! The same structure, two stages with a few milliseconds each, also blurs every early
//! reflection into a short cluster, as a real wall's irregular surface does.
//!
//! `H(z) = (−g + z^−D) / (1 − g·z^−D)`: `v[n] = x[n] + g·v[n−D]`, `y[n] = −g·v[n] + v[n−D]`.

use super::CONTROL;
use super::ring::{Ring, Run};
use crate::kernel::sanitize::flush_denormal;
use crate::lane::Stereo;

/// `N` all-pass stages in series.
pub struct Diffuser<const N: usize> {
    lines: [Ring; N],
    delay: [f32; N],
    target: [f32; N],
    gain: f32,
    gain_target: f32,
    /// Read position `delay − 1` split once per control period.
    whole: [usize; N],
    frac: [f32; N],
    glide: f32,
}

impl<const N: usize> Diffuser<N> {
    /// Room for all-pass delays up to `max_seconds` at `sample_rate`.
    pub fn new(sample_rate: f32, max_seconds: f32) -> Self {
        let max = (max_seconds * sample_rate) as usize + 2;
        let periods = 0.1 * sample_rate / CONTROL as f32; // 100 ms glides
        Self {
            lines: core::array::from_fn(|_| Ring::new(max)),
            delay: [1.0; N],
            target: [1.0; N],
            gain: 0.0,
            gain_target: 0.0,
            whole: [0; N],
            frac: [0.0; N],
            glide: (-1.0 / periods as f64).exp() as f32,
        }
    }

    /// Stage delays in samples and the all-pass gain (|g| < 1).
    pub fn set(&mut self, delays: &[f32; N], gain: f32) {
        for (t, &d) in self.target.iter_mut().zip(delays) {
            *t = d.round().max(1.0);
        }
        self.gain_target = gain.clamp(0.0, 0.95);
    }

    pub fn finish_glides(&mut self) {
        self.delay = self.target;
        self.gain = self.gain_target;
        self.split();
    }

    fn split(&mut self) {
        for i in 0..N {
            let r = (self.delay[i] - 1.0).max(0.0);
            self.whole[i] = r as i32 as usize; // 0 ≤ r < 2³¹: one instruction, unlike `as usize`
            self.frac[i] = r - self.whole[i] as f32;
        }
    }

    pub fn reset(&mut self) {
        for l in &mut self.lines {
            l.reset();
        }
        self.finish_glides();
    }

    pub fn control(&mut self) {
        if self.delay == self.target && self.gain == self.gain_target {
            // Settled (almost always): the split positions still hold.
            return;
        }
        for (d, &t) in self.delay.iter_mut().zip(&self.target) {
            if *d != t {
                let next = t + (*d - t) * self.glide;
                *d = if (next - t).abs() < 1e-3 { t } else { next };
            }
        }
        if self.gain != self.gain_target {
            let t = self.gain_target;
            let next = t + (self.gain - t) * self.glide;
            self.gain = if (next - t).abs() < 1e-5 { t } else { next };
        }
        self.split();
    }

    /// One sample (a run of one; [`process`](Self::process) is the fast path).
    pub fn tick(&mut self, x: Stereo) -> Stereo {
        let mut run = [[0.0; CONTROL]; 2];
        run[0][0] = x.left();
        run[1][0] = x.right();
        self.process(&mut run, 1);
        Stereo::new(run[0][0], run[1][0])
    }

    /// Runs the first `n` samples of a run through the chain in place (the rest of the run
    /// is computed too and means nothing; see [`Ring`]), one stage at a time over the whole
    /// run. A stage's reads look at least `D − 1` samples back, so a run of up to `D` samples
    /// reads only what was written before it; a stage with a shorter delay (never at the
    /// reverb's sizes) runs sample by sample. Bit-identical to running sample by sample.
    // Indexed loops over the run: several arrays per index, written so they vectorise.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    pub fn process(&mut self, x: &mut [Run; 2], n: usize) {
        let g = self.gain;
        for ((line, &i), &f) in self.lines.iter_mut().zip(&self.whole).zip(&self.frac) {
            if i + 1 >= n {
                // v[n − D] is D − 1 behind the newest pushed sample (integer once settled):
                // for sample j of the run, i − j behind the newest sample before the run.
                let (a, b) = (line.run(i), line.run(i + 1));
                let mut v = [[0.0f32; CONTROL]; 2];
                for c in 0..2 {
                    // The delayed samples first, then the all-pass: one simple loop each (with
                    // the interpolation's branch inside, LLVM left most of it scalar).
                    let (a, b, x, v) = (a[c], b[c], &mut x[c], &mut v[c]);
                    let mut delayed: Run = core::array::from_fn(|j| a[j]);
                    if f != 0.0 {
                        for j in 0..CONTROL {
                            delayed[j] = a[j] + (b[j] - a[j]) * f;
                        }
                    }
                    for j in 0..CONTROL {
                        let vj = x[j] + delayed[j] * g;
                        x[j] = delayed[j] - vj * g;
                        v[j] = flush_denormal(vj);
                    }
                }
                line.push(&v, n);
            } else {
                for j in 0..n {
                    let mut v = [[0.0f32; CONTROL]; 2];
                    let (a, b) = (line.at(i), line.at(i + 1));
                    for c in 0..2 {
                        let delayed = if f == 0.0 {
                            a[c]
                        } else {
                            a[c] + (b[c] - a[c]) * f
                        };
                        let vj = x[c][j] + delayed * g;
                        x[c][j] = delayed - vj * g;
                        v[c][0] = flush_denormal(vj);
                    }
                    line.push(&v, 1);
                }
            }
        }
    }
}

#[cfg(test)]
// Indexed loops over several arrays at once, as in the code under test.
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;
    use crate::lane::Lane;
    use crate::test_support::{impulse_response, magnitude_spectrum_db};

    #[test]
    fn runs_compute_exactly_what_single_samples_do() {
        // The reference is the chain one sample at a time (`tick`, a run of one), fed the same
        // input as a twin running a control period at a time, split into two runs somewhere
        // different each period. Stages of 1 and 5 samples (shorter than a run) and longer
        // ones, gliding to new delays (fractional reads) half-way.
        let mut one = Diffuser::<4>::new(48_000.0, 0.01);
        let mut runs = Diffuser::<4>::new(48_000.0, 0.01);
        for d in [&mut one, &mut runs] {
            d.set(&[1.0, 5.0, 149.0, 227.0], 0.7);
            d.finish_glides();
        }
        let mut rng = crate::test_support::XorShift::new(8);
        for period in 0..4_000 {
            for d in [&mut one, &mut runs] {
                if period == 1_000 {
                    d.set(&[3.0, 31.0, 90.0, 400.0], 0.6);
                }
                d.control();
            }
            let split = period % (CONTROL + 1);
            for n in [split, CONTROL - split] {
                let mut x = [[0.0; CONTROL]; 2];
                for j in 0..n {
                    x[0][j] = rng.uniform();
                    x[1][j] = rng.uniform();
                }
                let want: Vec<Stereo> = (0..n)
                    .map(|j| one.tick(Stereo::new(x[0][j], x[1][j])))
                    .collect();
                runs.process(&mut x, n);
                for (j, w) in want.iter().enumerate() {
                    let got = [x[0][j].to_bits(), x[1][j].to_bits()];
                    assert_eq!(got, w.0.map(f32::to_bits), "period {period}, sample {j}");
                }
            }
        }
    }

    #[test]
    fn all_pass_chain_has_unit_magnitude_and_keeps_energy() {
        let mut d = Diffuser::<4>::new(48_000.0, 0.05);
        d.set(&[149.0, 227.0, 379.0, 541.0], 0.7);
        d.reset();
        let h = impulse_response(1 << 17, |x| d.tick(Stereo::splat(x)).left());
        let energy: f64 = h.iter().map(|&v| (v as f64).powi(2)).sum();
        println!("diffuser impulse energy {energy:.6} (all-pass: 1)");
        assert!((energy - 1.0).abs() < 1e-4);
        let spectrum = magnitude_spectrum_db(&h);
        let worst = spectrum.iter().fold(0.0f64, |m, &v| m.max(v.abs()));
        println!("diffuser magnitude deviation from 0 dB: {worst:.2e} dB");
        assert!(worst < 1e-3);
    }
}
