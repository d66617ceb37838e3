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
use crate::delay_line::DelayLine;
use crate::lane::{Lane, Stereo};

/// `N` all-pass stages in series.
pub struct Diffuser<const N: usize> {
    lines: [DelayLine<Stereo>; N],
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
            lines: core::array::from_fn(|_| DelayLine::new(max)),
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
            self.whole[i] = r as usize;
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

    #[inline(always)]
    pub fn tick(&mut self, x: Stereo) -> Stereo {
        let g = self.gain;
        let mut x = x;
        for ((line, &i), &f) in self.lines.iter_mut().zip(&self.whole).zip(&self.frac) {
            // v[n − D] is D − 1 behind the newest pushed sample (integer once settled).
            let a = line.read(i);
            let delayed = if f == 0.0 { a } else { a + (line.read(i + 1) - a) * f };
            let v = x + delayed * g;
            x = delayed - v * g;
            line.push(v.flush_denormal());
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{impulse_response, magnitude_spectrum_db};

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
