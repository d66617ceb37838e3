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
use crate::delay_line::DelayLine;
use crate::lane::{Lane, Stereo};

pub struct EarlyReflections {
    time: [f32; ER_TAPS],
    time_target: [f32; ER_TAPS],
    gain: [Stereo; ER_TAPS],
    gain_target: [Stereo; ER_TAPS],
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
            glide: (-1.0 / periods as f64).exp() as f32,
            sample_rate,
        }
    }

    /// The pattern of `character` stretched by `scale`.
    pub fn set(&mut self, character: Character, scale: f32) {
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
    }

    pub fn control(&mut self) {
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
        }
    }

    /// Reflections of the signal in `line` (the pre-delay line, newest sample just pushed),
    /// read `predelay` samples back plus each tap's time.
    #[inline]
    pub fn tick(&self, line: &DelayLine<Stereo>, predelay: f32) -> Stereo {
        let mut out = Stereo::zero();
        for k in 0..ER_TAPS {
            out += line.read_linear(predelay + self.time[k]) * self.gain[k];
        }
        out
    }
}
