//! The zero-latency runtime: every active band's sections in one sample loop.
//!
//! Why it is built this way (speed is part of the issue: 8 stereo bells ≥ 1000× real time):
//! - **Sample-outer loop over all bands.** Each section's recursion is a chain of dependent
//!   multiply-adds (~16 cycles of latency per sample). Running band after band over the
//!   whole block would pay that latency eight times per sample; interleaving the bands per
//!   sample lets the CPU overlap them, so the cost is set by throughput instead.
//! - **f32 state in a [`Stereo`] lane**: both channels in one SSE register, one set of
//!   coefficients. Precision comes from the structure (TPT SVF, see
//!   [`matched`](super::matched)), not from f64 state.
//! - **Checks per block, not per sample**: non-finite states are reset and small states
//!   flushed once per `process` call; the output is cleaned in one vectorisable pass.
//! - **Coefficient glides per sub-block**: while frequency, gain or Q move, the smoothed
//!   parameters advance every [`SUB_BLOCK`] samples, the sections are redesigned for the end
//!   of the sub-block and their coefficients are interpolated linearly in between, so
//!   automation is free of zipper noise at a fraction of per-sample design cost. Settled
//!   bands cost nothing extra.
//! - **Switches fade**: turning a band on or off, or changing its type, slope or placement,
//!   fades its effect out (wet/dry), switches, and fades back in, so nothing clicks.

use super::matched::{self, Effort, Section, SvfCoefs};
use super::prototype::{MAX_SECTIONS, cascade, sane_band};
use super::{BANDS, BandSettings, Placement};
use crate::gain::flush_denormal;
use crate::lane::{Lane, Stereo};
use crate::smoother::Smoother;

/// Samples between coefficient updates while parameters glide.
pub const SUB_BLOCK: usize = 32;
/// Time constant of frequency, gain and Q glides.
pub const GLIDE_MS: f32 = 15.0;
/// Sub-blocks a band's fade out (or in) takes when it is switched (256 samples).
const FADE_SUBS: u32 = 8;

/// One SVF section's two integrator states.
#[derive(Clone, Copy, Debug, Default)]
pub struct SvfState<L: Lane> {
    pub ic1: L,
    pub ic2: L,
}

impl<L: Lane> SvfState<L> {
    /// One sample through the section (Simper's TPT SVF with output mix).
    #[inline(always)]
    pub fn tick(&mut self, c: &SvfCoefs, x: L) -> L {
        let v3 = x - self.ic2;
        let v1 = self.ic1 * c.a1 + v3 * c.a2;
        let v2 = self.ic2 + self.ic1 * c.a2 + v3 * c.a3;
        self.ic1 = v1 * 2.0 - self.ic1;
        self.ic2 = v2 * 2.0 - self.ic2;
        x * c.m0 + v1 * c.m1 + v2 * c.m2
    }
}

#[inline(always)]
fn add_coefs(c: &mut SvfCoefs, d: &SvfCoefs) {
    c.a1 += d.a1;
    c.a2 += d.a2;
    c.a3 += d.a3;
    c.m0 += d.m0;
    c.m1 += d.m1;
    c.m2 += d.m2;
}

fn step_coefs(from: &SvfCoefs, to: &SvfCoefs, n: f32) -> SvfCoefs {
    SvfCoefs {
        a1: (to.a1 - from.a1) / n,
        a2: (to.a2 - from.a2) / n,
        a3: (to.a3 - from.a3) / n,
        m0: (to.m0 - from.m0) / n,
        m1: (to.m1 - from.m1) / n,
        m2: (to.m2 - from.m2) / n,
    }
}

/// The discrete part of a band: changing any of it means a fade.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Shape {
    enabled: bool,
    kind: super::BandType,
    slope: super::Slope,
    placement: Placement,
}

impl Shape {
    fn of(b: &BandSettings) -> Self {
        Self { enabled: b.enabled, kind: b.kind, slope: b.slope, placement: b.placement }
    }
}

/// One band at run time.
#[derive(Clone, Debug)]
struct Band {
    target: BandSettings,
    shape: Shape,
    /// log2(Hz), dB, ln(Q): glides are even in octaves and in dB.
    freq: Smoother,
    gain: Smoother,
    q: Smoother,
    /// The design (f64) behind `coefs`, the warm start of the next glide step.
    sections: [Section; MAX_SECTIONS],
    coefs: [SvfCoefs; MAX_SECTIONS],
    steps: [SvfCoefs; MAX_SECTIONS],
    states: [SvfState<Stereo>; MAX_SECTIONS],
    len: usize,
    /// Wet amount (1 = the band's full effect) and its per-sample change.
    mix: f32,
    mix_step: f32,
    /// Sub-blocks into the current fade (0…FADE_SUBS), and its direction.
    fade_pos: u32,
    fading: Fading,
    gliding: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fading {
    None,
    Out,
    In,
}

impl Band {
    fn new(control_rate: f32, settings: &BandSettings) -> Self {
        let s = *settings;
        Self {
            target: s,
            shape: Shape::of(&s),
            freq: Smoother::new(control_rate, GLIDE_MS, s.freq.log2() as f32),
            gain: Smoother::new(control_rate, GLIDE_MS, s.gain_db as f32),
            q: Smoother::new(control_rate, GLIDE_MS, s.q.ln() as f32),
            sections: [Section::IDENTITY; MAX_SECTIONS],
            coefs: [SvfCoefs::IDENTITY; MAX_SECTIONS],
            steps: [SvfCoefs::default(); MAX_SECTIONS],
            states: [SvfState::default(); MAX_SECTIONS],
            len: 0,
            mix: if s.enabled { 1.0 } else { 0.0 },
            mix_step: 0.0,
            fade_pos: 0,
            fading: Fading::None,
            gliding: false,
        }
    }

    /// The band as it sounds right now (smoothed values, applied shape).
    fn current_settings(&self) -> BandSettings {
        BandSettings {
            enabled: self.shape.enabled,
            kind: self.shape.kind,
            slope: self.shape.slope,
            placement: self.shape.placement,
            freq: f64::from(self.freq.value()).exp2(),
            gain_db: f64::from(self.gain.value()),
            q: f64::from(self.q.value()).exp(),
        }
    }

}

/// Designs `band` at `fs` into `out`, returning the number of sections.
fn design(band: &BandSettings, fs: f64, sections: &mut [Section; MAX_SECTIONS], out: &mut [SvfCoefs; MAX_SECTIONS]) -> usize {
    let b = sane_band(band, fs);
    let c = cascade(&b);
    let w0 = core::f64::consts::TAU * b.freq / fs;
    matched::design_band(&c, w0, Effort::FULL, sections);
    for (o, s) in out.iter_mut().zip(&sections[..c.len]) {
        *o = s.svf();
    }
    c.len
}

/// A glide step: warm-started from `sections` (the design a sub-block ago).
fn redesign(band: &BandSettings, fs: f64, sections: &mut [Section; MAX_SECTIONS], out: &mut [SvfCoefs; MAX_SECTIONS]) -> usize {
    let b = sane_band(band, fs);
    let c = cascade(&b);
    let w0 = core::f64::consts::TAU * b.freq / fs;
    matched::redesign_band(&c, w0, Effort::GLIDE, sections);
    for (o, s) in out.iter_mut().zip(&sections[..c.len]) {
        *o = s.svf();
    }
    c.len
}

/// The zero-latency engine: eight bands and the output gain.
#[derive(Clone, Debug)]
pub struct Engine {
    bands: [Band; BANDS],
    sample_rate: f64,
    /// Samples left until the next control tick.
    countdown: usize,
    /// Output gain (linear) and its per-sample change, target in dB smoothed per sub-block.
    gain: f32,
    gain_step: f32,
    gain_db: Smoother,
    /// Whether the last block ran any band or gain (then the output is cleaned).
    touched: bool,
    /// Indices of the bands that run (enabled, or fading out), rebuilt every tick.
    active: [u8; BANDS],
    active_len: usize,
    /// Nothing glides, fades or waits to change: ticks can be skipped.
    idle: bool,
}

impl Engine {
    pub fn new(sample_rate: f64, bands: &[BandSettings; BANDS], gain_db: f64) -> Self {
        let fs = crate::filter_shape::sane_sample_rate(sample_rate);
        let control_rate = (fs / SUB_BLOCK as f64) as f32;
        let mut e = Self {
            bands: core::array::from_fn(|i| Band::new(control_rate, &sane_band(&bands[i], fs))),
            sample_rate: fs,
            countdown: 0,
            gain: crate::gain::db_to_gain(gain_db as f32),
            gain_step: 0.0,
            gain_db: Smoother::new(control_rate, GLIDE_MS, gain_db as f32),
            touched: false,
            active: [0; BANDS],
            active_len: 0,
            idle: false,
        };
        for b in &mut e.bands {
            b.len = design(&b.current_settings(), fs, &mut b.sections, &mut b.coefs);
        }
        e
    }

    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// New targets; cheap, never allocates. Frequency, gain and Q glide; switches fade.
    pub fn set_targets(&mut self, bands: &[BandSettings; BANDS], gain_db: f64) {
        for (b, s) in self.bands.iter_mut().zip(bands) {
            let t = sane_band(s, self.sample_rate);
            if t != b.target {
                b.target = t;
                // Glide targets (log2 Hz, dB, ln Q), computed here rather than per tick.
                b.freq.set_target(t.freq.log2() as f32);
                b.gain.set_target(t.gain_db as f32);
                b.q.set_target(t.q.ln() as f32);
                self.idle = false;
            }
        }
        if gain_db as f32 != self.gain_db.target() {
            self.gain_db.set_target(gain_db as f32);
            self.idle = false;
        }
    }

    /// Jumps to the targets without glides or fades (activation, state load).
    pub fn snap(&mut self) {
        let fs = self.sample_rate;
        for b in &mut self.bands {
            b.shape = Shape::of(&b.target);
            b.freq.reset_to(b.target.freq.log2() as f32);
            b.gain.reset_to(b.target.gain_db as f32);
            b.q.reset_to(b.target.q.ln() as f32);
            b.len = design(&b.current_settings(), fs, &mut b.sections, &mut b.coefs);
            b.steps = [SvfCoefs::default(); MAX_SECTIONS];
            b.mix = if b.shape.enabled { 1.0 } else { 0.0 };
            b.mix_step = 0.0;
            b.fading = Fading::None;
            b.gliding = false;
        }
        self.gain_db.reset_to(self.gain_db.target());
        self.gain = crate::gain::db_to_gain(self.gain_db.value());
        self.gain_step = 0.0;
        self.countdown = 0;
        self.idle = false;
    }

    pub fn reset(&mut self) {
        for b in &mut self.bands {
            b.states = [SvfState::default(); MAX_SECTIONS];
        }
        self.snap();
    }

    /// Whether nothing is audible: no band active and unity gain, settled.
    pub fn is_transparent(&self) -> bool {
        self.bands.iter().all(|b| !b.shape.enabled && b.fading == Fading::None && !b.target.enabled)
            && self.gain == 1.0
            && self.gain_step == 0.0
            && self.gain_db.is_settled()
    }

    /// Advances glides and fades by one sub-block and sets the per-sample steps.
    fn control_tick(&mut self) {
        let fs = self.sample_rate;
        let n = SUB_BLOCK as f32;
        for b in &mut self.bands {
            let want = Shape::of(&b.target);
            // Fades: finish the one running, or start one when the shape changed.
            match b.fading {
                Fading::Out if b.fade_pos >= FADE_SUBS => {
                    b.fading = Fading::None;
                    b.mix = 0.0;
                    b.mix_step = 0.0;
                    b.shape.enabled = false;
                }
                Fading::In if b.fade_pos >= FADE_SUBS => {
                    b.fading = Fading::None;
                    b.mix = 1.0;
                    b.mix_step = 0.0;
                }
                _ => {}
            }
            // A switch in the middle of a fade turns it round from where it is.
            if b.fading == Fading::In && want != b.shape {
                b.fading = Fading::Out;
                b.fade_pos = FADE_SUBS - b.fade_pos.min(FADE_SUBS);
                b.mix_step = -1.0 / (FADE_SUBS as f32 * n);
            } else if b.fading == Fading::Out && want == b.shape {
                b.fading = Fading::In;
                b.fade_pos = FADE_SUBS - b.fade_pos.min(FADE_SUBS);
                b.mix_step = 1.0 / (FADE_SUBS as f32 * n);
            }
            if want != b.shape && b.fading == Fading::None {
                if b.shape.enabled {
                    b.fading = Fading::Out;
                    b.fade_pos = 0;
                    b.mix_step = -1.0 / (FADE_SUBS as f32 * n);
                } else if want.enabled {
                    // Silent now: switch, start from rest, fade in.
                    b.shape = want;
                    b.freq.reset_to(b.target.freq.log2() as f32);
                    b.gain.reset_to(b.target.gain_db as f32);
                    b.q.reset_to(b.target.q.ln() as f32);
                    b.len = design(&b.current_settings(), fs, &mut b.sections, &mut b.coefs);
                    b.states = [SvfState::default(); MAX_SECTIONS];
                    b.fading = Fading::In;
                    b.fade_pos = 0;
                    b.mix = 0.0;
                    b.mix_step = 1.0 / (FADE_SUBS as f32 * n);
                } else {
                    b.shape = want;
                }
            }
            if b.fading != Fading::None {
                b.mix = match b.fading {
                    Fading::Out => 1.0 - b.fade_pos as f32 / FADE_SUBS as f32,
                    _ => b.fade_pos as f32 / FADE_SUBS as f32,
                };
                b.fade_pos += 1;
            }
            // Glides of frequency, gain and Q.
            let moving = !(b.freq.is_settled() && b.gain.is_settled() && b.q.is_settled());
            if b.shape.enabled && moving {
                b.freq.next();
                b.gain.next();
                b.q.next();
                let mut next = [SvfCoefs::IDENTITY; MAX_SECTIONS];
                let len = redesign(&b.current_settings(), fs, &mut b.sections, &mut next);
                if len == b.len {
                    for ((step, from), to) in b.steps.iter_mut().zip(&b.coefs).zip(&next[..len]) {
                        *step = step_coefs(from, to, n);
                    }
                    b.gliding = true;
                } else {
                    b.coefs = next;
                    b.len = len;
                    b.gliding = false;
                }
            } else if b.gliding {
                // Land exactly on the design of the settled values.
                b.len = design(&b.current_settings(), fs, &mut b.sections, &mut b.coefs);
                b.steps = [SvfCoefs::default(); MAX_SECTIONS];
                b.gliding = false;
            } else if !b.shape.enabled && moving {
                // Inaudible: follow at once.
                b.freq.reset_to(b.freq.target());
                b.gain.reset_to(b.gain.target());
                b.q.reset_to(b.q.target());
            }
        }
        self.active_len = 0;
        let mut busy = false;
        for (i, b) in self.bands.iter().enumerate() {
            if b.shape.enabled {
                self.active[self.active_len] = i as u8;
                self.active_len += 1;
            }
            busy |= b.gliding || b.fading != Fading::None || Shape::of(&b.target) != b.shape;
            busy |= !(b.freq.is_settled() && b.gain.is_settled() && b.q.is_settled());
        }
        if self.gain_step == 0.0 && self.gain_db.is_settled() {
            self.idle = !busy;
            self.countdown = SUB_BLOCK;
            return;
        }
        let from = self.gain;
        let to = if self.gain_db.is_settled() {
            crate::gain::db_to_gain(self.gain_db.value())
        } else {
            crate::gain::db_to_gain(self.gain_db.next())
        };
        if self.gain_db.is_settled() && (to - from).abs() <= 1e-6 * to.abs() {
            // Land exactly, so that the settled path (and bit-exact unity) applies again.
            self.gain = to;
            self.gain_step = 0.0;
        } else {
            self.gain_step = (to - from) / n;
        }
        self.countdown = SUB_BLOCK;
    }

    /// Processes `left`/`right` in place (the common prefix if they differ).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let (left, right) = (&mut left[..len], &mut right[..len]);
        let mut offset = 0;
        self.touched = false;
        while offset < len {
            if self.countdown == 0 {
                self.control_tick();
            }
            // Settled: the rest of the block in one run, no ticks.
            let n = if self.idle { len - offset } else { self.countdown.min(len - offset) };
            let l = &mut left[offset..offset + n];
            let r = &mut right[offset..offset + n];
            let moving = !self.idle
                && (self.gain_step != 0.0
                    || self.bands.iter().any(|b| b.shape.enabled && (b.gliding || b.fading != Fading::None)));
            let any = self.active_len > 0;
            if any || self.gain != 1.0 || moving {
                self.touched = true;
                if moving {
                    self.run::<true>(l, r);
                } else {
                    self.run::<false>(l, r);
                }
            }
            self.countdown = self.countdown.saturating_sub(n);
            if self.idle {
                self.countdown = SUB_BLOCK; // phase does not matter while idle
            }
            offset += n;
        }
        if self.touched {
            self.end_of_block(left, right);
        }
    }

    /// The per-sample loop. `MOVING`: some band glides or fades, or the gain ramps.
    #[inline(always)]
    fn run<const MOVING: bool>(&mut self, left: &mut [f32], right: &mut [f32]) {
        let mut gain = self.gain;
        let gain_step = self.gain_step;
        let unity = !MOVING && gain == 1.0;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let mut x = Stereo([*l, *r]);
            for &i in &self.active[..self.active_len] {
                x = run_band::<MOVING>(&mut self.bands[i as usize], x);
            }
            if !unity {
                x = x * gain;
                if MOVING {
                    gain += gain_step;
                }
            }
            *l = x.0[0];
            *r = x.0[1];
        }
        if MOVING {
            self.gain = if self.gain_step != 0.0 { gain } else { self.gain };
        }
    }

    /// Once per block: reset sections a NaN reached, flush tiny states, clean the output.
    fn end_of_block(&mut self, left: &mut [f32], right: &mut [f32]) {
        for b in &mut self.bands {
            let finite = b.states[..b.len].iter().all(|s| s.ic1.is_finite() && s.ic2.is_finite());
            if !finite {
                b.states = [SvfState::default(); MAX_SECTIONS];
            } else {
                for s in &mut b.states[..b.len] {
                    s.ic1 = s.ic1.flush_denormal();
                    s.ic2 = s.ic2.flush_denormal();
                }
            }
        }
        if !self.gain.is_finite() {
            self.gain = crate::gain::db_to_gain(self.gain_db.value());
        }
        // Two plain loops (not a chained iterator) so that each vectorises.
        for x in left.iter_mut() {
            *x = clean(*x);
        }
        for x in right.iter_mut() {
            *x = clean(*x);
        }
    }
}

/// Denormals and non-finite values to zero (compare and select, no branch).
#[inline(always)]
fn clean(x: f32) -> f32 {
    let v = flush_denormal(x);
    if v.is_finite() { v } else { 0.0 }
}

/// One band on one stereo sample: placement in, sections, wet/dry while fading, placement out.
#[inline(always)]
fn run_band<const MOVING: bool>(b: &mut Band, x: Stereo) -> Stereo {
    let ms = matches!(b.shape.placement, Placement::Mid | Placement::Side);
    let u = if ms { Stereo([(x.0[0] + x.0[1]) * 0.5, (x.0[0] - x.0[1]) * 0.5]) } else { x };
    let mut y = u;
    for (s, c) in b.states[..b.len].iter_mut().zip(b.coefs[..b.len].iter()) {
        y = s.tick(c, y);
    }
    if MOVING {
        if b.gliding {
            for (c, d) in b.coefs[..b.len].iter_mut().zip(b.steps[..b.len].iter()) {
                add_coefs(c, d);
            }
        }
        if b.fading != Fading::None {
            y = u + (y - u) * b.mix;
            b.mix += b.mix_step;
        }
    }
    let y = match b.shape.placement {
        Placement::Stereo => y,
        Placement::Left | Placement::Mid => Stereo([y.0[0], u.0[1]]),
        Placement::Right | Placement::Side => Stereo([u.0[0], y.0[1]]),
    };
    if ms { Stereo([y.0[0] + y.0[1], y.0[0] - y.0[1]]) } else { y }
}
