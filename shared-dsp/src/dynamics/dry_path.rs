//! The limiter's bypass: a glide from the limited output to the plain input, delayed by the
//! same latency, so that bypassing neither clicks nor moves the track in time. Here and in
//! the oversampled limiter (which bypasses around its whole chain).
//!
//! **The delay line runs only while it can be heard.** With bypass off and its glide at rest
//! nothing is pushed (at 48 kHz stereo the line cost about a twentieth of the sample-peak
//! limiter). When bypass is switched on, the line starts filling, and the glide towards the
//! input starts once the line holds a whole latency of input: up to the latency (plus one
//! chunk) later than the switch, which is where the switch lands in the host's timeline
//! once it compensates that latency. The glide and what it fades to are then exactly what
//! they would be with the line always running, so the output is too (tested: bit for bit
//! once the glide is over). A line that has been idle starts from silence, never from stale
//! audio.

use crate::lane::Stereo;
use crate::smoother::Smoother;

use super::limiter::sane;
use super::lookahead::Lookahead;

/// `a` at t = 0, `b` at t = 1 (both exactly), linear in between.
#[inline(always)]
pub(super) fn fade(t: f32, a: f32, b: f32) -> f32 {
    let blend = a + (b - a) * t;
    let ends = if t == 1.0 { b } else { blend };
    if t == 0.0 { a } else { ends }
}

/// The delayed input and the bypass glide (see the module docs).
#[derive(Clone, Debug)]
pub struct DryPath {
    line: Lookahead<Stereo>,
    /// 0 = the processed output, 1 = the delayed input.
    glide: Smoother,
    bypass: bool,
    /// Frames pushed into the line since it last stood idle (saturating).
    filled: usize,
}

impl DryPath {
    /// Room for delays up to `max_delay_ms`; a glide of `glide_ms`.
    pub fn new(sample_rate: f32, max_delay_ms: f32, glide_ms: f32) -> Self {
        Self {
            line: Lookahead::new(sample_rate, max_delay_ms),
            glide: Smoother::new(sample_rate, glide_ms, 0.0),
            bypass: false,
            filled: usize::MAX,
        }
    }

    /// Bypass on or off, with a glide (on: once the line is full, see the module docs).
    pub fn set(&mut self, bypass: bool) {
        self.bypass = bypass;
        if !bypass {
            self.glide.set_target(0.0);
        }
    }

    /// Bypass on or off at once (activation, loading a session). The line's silence stands
    /// for the input before this.
    pub fn set_immediately(&mut self, bypass: bool) {
        self.bypass = bypass;
        let at = if bypass { 1.0 } else { 0.0 };
        self.glide.set_target(at);
        self.glide.reset_to(at);
        if bypass && self.filled < self.line.latency_samples() {
            self.line.reset();
            self.filled = usize::MAX;
        }
    }

    /// The delay in samples (the processed path's latency), at once.
    pub fn set_delay(&mut self, samples: usize) {
        self.line.set_delay_samples_immediately(samples);
    }

    /// Silence in the line.
    pub fn reset(&mut self) {
        self.line.reset();
        self.filled = usize::MAX;
    }

    /// Whether nothing is to be heard of the input: bypass off and its glide at rest.
    fn idle(&self) -> bool {
        !self.bypass && self.glide.is_settled() && self.glide.value() == 0.0
    }

    /// Takes the first `n` frames of a chunk of input before it is processed: pushes them
    /// and returns them delayed, or nothing while [`idle`](Self::idle).
    #[inline(always)]
    pub fn take<const C: usize>(
        &mut self,
        input: &[[f32; C]; 2],
        n: usize,
    ) -> Option<[[f32; C]; 2]> {
        if self.idle() {
            self.filled = 0;
            return None;
        }
        if self.filled == 0 {
            self.line.reset();
        }
        // Every frame of this chunk reads input pushed since the line started filling.
        if self.bypass && self.filled >= self.line.latency_samples() {
            self.glide.set_target(1.0);
        }
        // Garbage in is silence here too.
        let mut dry = input.map(|lane| lane.map(sane));
        let [l, r] = &mut dry;
        self.line.process_split(&mut l[..n], &mut r[..n]);
        self.filled = self.filled.saturating_add(n);
        Some(dry)
    }

    /// Fades the first `n` frames of the processed chunk `out` towards `dry` (what
    /// [`take`](Self::take) returned for it) along the glide.
    #[inline(always)]
    pub fn apply<const C: usize>(
        &mut self,
        dry: Option<[[f32; C]; 2]>,
        out: &mut [[f32; C]; 2],
        n: usize,
    ) {
        let Some(dry) = dry else { return };
        if self.glide.is_settled() && self.glide.value() == 0.0 {
            return;
        }
        let mut b = [0.0; C];
        self.glide.process_block(&mut b[..n]);
        for (lane, dry) in out.iter_mut().zip(&dry) {
            for i in 0..n {
                lane[i] = fade(b[i], lane[i], dry[i]);
            }
        }
    }
}
