//! Early reflections: a tapped delay line on the pre-delayed input.
//!
//! The first few dozen milliseconds of a real room are a handful of distinct reflections from
//! the nearest walls; they tell the ear the size and shape of the space, while the late tail
//! tells it the decay. A sparse multi-tap (the pattern of each [`Character`]) reproduces that
//! cheaply and, unlike feeding the network, keeps their level independent of the decay: the
//! early/late balance control sets it. Tap times scale with the size and glide when it
//! changes (linear-interpolated reads, so a glide is smooth), as do their gains when the
//! character changes.

use super::CONTROL;
use super::character::{Character, ER_TAPS, reflections};
use super::ring::{Ring, Run};
use crate::lane::{Lane, Stereo};

pub struct EarlyReflections {
    time: [f32; ER_TAPS],
    time_target: [f32; ER_TAPS],
    gain: [Stereo; ER_TAPS],
    gain_target: [Stereo; ER_TAPS],
    /// Read positions for this control period (whole samples and fraction, pre-delay
    /// included): computed once per period rather than per sample.
    whole: [usize; ER_TAPS],
    frac: [f32; ER_TAPS],
    /// The pre-delay the read positions were last worked out for, once nothing glides.
    settled_at: Option<f32>,
    glide: f32,
    sample_rate: f32,
}

impl EarlyReflections {
    pub fn new(sample_rate: f32) -> Self {
        let periods = 0.15 * sample_rate / CONTROL as f32; // 150 ms, like the line lengths
        Self {
            time: [0.0; ER_TAPS],
            time_target: [0.0; ER_TAPS],
            gain: [Stereo::zero(); ER_TAPS],
            gain_target: [Stereo::zero(); ER_TAPS],
            whole: [0; ER_TAPS],
            frac: [0.0; ER_TAPS],
            settled_at: None,
            glide: (-1.0 / periods as f64).exp() as f32,
            sample_rate,
        }
    }

    /// The pattern of `character` stretched by `scale`.
    pub fn set(&mut self, character: Character, scale: f32) {
        self.settled_at = None;
        for (k, r) in reflections(character).iter().enumerate() {
            self.time_target[k] = r.time_ms * 1e-3 * scale * self.sample_rate;
            self.gain_target[k] = Stereo::new(r.gain_left, r.gain_right);
        }
    }

    /// The latest reflection in seconds (for buffer sizes and the tail length).
    pub fn last_seconds(&self) -> f32 {
        self.time_target.iter().fold(0.0f32, |m, &t| m.max(t)) / self.sample_rate
    }

    pub fn finish_glides(&mut self) {
        self.time = self.time_target;
        self.gain = self.gain_target;
        self.settled_at = None;
    }

    /// Once per control period: glides, and the read positions for `predelay` samples of
    /// pre-delay. (Holding a position for 16 samples only matters while the size or the
    /// pre-delay glides, by a small fraction of a sample.)
    pub fn control(&mut self, predelay: f32) {
        if self.settled_at == Some(predelay) {
            // Nothing glides (almost always): the read positions still hold.
            return;
        }
        let g = self.glide;
        for k in 0..ER_TAPS {
            let t = self.time_target[k];
            if self.time[k] != t {
                let next = t + (self.time[k] - t) * g;
                self.time[k] = if (next - t).abs() < 1e-3 { t } else { next };
            }
            let t = self.gain_target[k];
            if self.gain[k] != t {
                let next = t + (self.gain[k] - t) * g;
                self.gain[k] = if (next - t).max_abs() < 1e-6 { t } else { next };
            }
            // (0 ≤ pos < 2³¹: through i32, a single instruction where `as usize` is a branch.)
            let pos = (predelay + self.time[k]).max(0.0);
            self.whole[k] = pos as i32 as usize;
            self.frac[k] = pos - self.whole[k] as f32;
        }
        let settled = self.time == self.time_target && self.gain == self.gain_target;
        self.settled_at = if settled { Some(predelay) } else { None };
    }

    /// Reflections of the last `n` samples pushed into `line` (the pre-delay line), one per
    /// sample of the run (the rest of the run is computed too and means nothing; see
    /// [`Ring`]), each tap read as one contiguous run.
    // Indexed loops over the run: several arrays per index, written so they vectorise.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    pub fn process(&self, line: &Ring, out: &mut [Run; 2], n: usize) {
        *out = [[0.0; CONTROL]; 2];
        for k in 0..ER_TAPS {
            // Sample j of the run reads `whole` and `whole + 1` behind itself, that is
            // n − 1 − j more behind the newest sample: `run[j + 1]` and `run[j]`.
            let run = line.run(self.whole[k] + n);
            let f = self.frac[k];
            for c in 0..2 {
                let (run, acc, g) = (run[c], &mut out[c], self.gain[k].0[c]);
                for j in 0..CONTROL {
                    let (a, b) = (run[j + 1], run[j]);
                    acc[j] += (a + (b - a) * f) * g;
                }
            }
        }
    }
}
