//! The chorus's LFO: a sine evaluated every sample.
//!
//! Why per sample, not once per control chunk with straight lines between (as the delay's wow
//! does, `delay::modulation`): a chord of the sine over a 32-sample chunk misses the curve by
//! (2π·f·32/fs)²/8 of the depth, and a vibrato turns that miss into phase modulation of the
//! signal. At 5 Hz, 48 kHz and 1 ms depth the miss is 2.6·10⁻³ samples, which at 10 kHz is a
//! −50 dB product: above the interpolator's own error (see `read`). Per sample it costs six
//! multiplications for the whole chorus (every voice's LFO is the one phasor seen at another
//! phase: sin(φ + θ) = sin φ·cos θ + cos φ·sin θ).
//!
//! The phasor is exact (f64 `sin_cos` of the f64 phase) at the start of every control chunk
//! and rotated in f32 by the per-sample angle in between: 64 rotations add ~2·10⁻⁶ of error
//! (tested), 2·10⁻⁶ of the depth. The phase itself is accumulated in f64, so the rate is exact to
//! ~10⁻¹³ over any session.

use core::f64::consts::TAU;

/// A sine LFO: phase in cycles (f64) and the f32 phasor for the current sample.
#[derive(Clone, Copy, Debug, Default)]
pub struct Lfo {
    /// Phase of the next sample, cycles, 0 … 1.
    phase: f64,
    /// Cycles per sample.
    inc: f64,
    /// sin, cos of 2π·phase.
    s: f32,
    c: f32,
    /// sin, cos of 2π·inc.
    ds: f32,
    dc: f32,
}

impl Lfo {
    pub fn new() -> Self {
        let mut l = Self::default();
        l.set_phase(0.0);
        l.set_increment(0.0);
        l
    }

    /// Phase of the next sample, in cycles (0 … 1).
    pub fn phase(&self) -> f64 {
        self.phase
    }

    /// Jumps to `cycles` (the fraction; non-finite: 0).
    pub fn set_phase(&mut self, cycles: f64) {
        self.phase = if cycles.is_finite() {
            cycles.rem_euclid(1.0)
        } else {
            0.0
        };
        if self.phase >= 1.0 {
            self.phase = 0.0;
        }
        self.exact();
    }

    /// Sets the rate in cycles per sample.
    pub fn set_increment(&mut self, inc: f64) {
        let inc = if inc.is_finite() { inc } else { 0.0 };
        if inc == self.inc && (self.ds, self.dc) != (0.0, 0.0) {
            return;
        }
        self.inc = inc;
        let (s, c) = (TAU * self.inc).sin_cos();
        (self.ds, self.dc) = (s as f32, c as f32);
    }

    /// Recomputes the phasor exactly from the phase (at every control chunk).
    pub fn exact(&mut self) {
        self.phase = self.phase.rem_euclid(1.0);
        let (s, c) = (TAU * self.phase).sin_cos();
        (self.s, self.c) = (s as f32, c as f32);
    }

    /// sin, cos of the current sample's phase, without advancing.
    pub fn value(&self) -> (f32, f32) {
        (self.s, self.c)
    }

    /// sin, cos of the current sample's phase; then advances one sample.
    #[inline(always)]
    pub fn tick(&mut self) -> (f32, f32) {
        let out = (self.s, self.c);
        let s = self.s * self.dc + self.c * self.ds;
        let c = self.c * self.dc - self.s * self.ds;
        self.s = s;
        self.c = c;
        self.phase += self.inc;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_sine_of_its_phase() {
        let mut lfo = Lfo::new();
        let inc = 3.7 / 48_000.0;
        lfo.set_increment(inc);
        let mut worst = 0.0f64;
        for chunk in 0..10_000usize {
            lfo.exact();
            for k in 0..64 {
                let (s, c) = lfo.tick();
                let phi = TAU * inc * (chunk * 64 + k) as f64;
                worst = worst
                    .max((s as f64 - phi.sin()).abs())
                    .max((c as f64 - phi.cos()).abs());
            }
        }
        println!("chorus LFO: worst error over 13 s {worst:.2e}");
        assert!(worst < 4e-6, "{worst}");
    }
}
