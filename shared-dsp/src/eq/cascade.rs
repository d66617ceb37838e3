//! The zero-latency runtime: the bands' control (glides, fades, placement) around the
//! staggered section chain ([`lanes`](super::lanes)) that processes the audio.
//!
//! Why it is built this way (speed is part of the issue: 8 stereo bells ≥ 1000× real time):
//! - **One chain, staggered**: every active band's sections are lanes of one
//!   [`Chain`], processed eight at a time as vectors (see that module for why this is
//!   exact and adds no latency).
//! - **Control every [`SUB_BLOCK`] samples, only while something moves**: the smoothed
//!   frequency, gain and Q advance; every [`GLIDE_SUBS`] sub-blocks a moving band is
//!   redesigned (warm-started, [`Effort::GLIDE`]) for the values at the end of the next
//!   span and its lanes ramp linearly there, so automation is free of zipper noise at a
//!   fraction of per-sample design cost. A band that stops moving lands on a full design
//!   ([`Effort::FULL`]) over one more sub-block. Settled blocks run without control work.
//! - **Switches fade**: turning a band on or off, or changing its type, slope or placement,
//!   ramps its wet amount to zero, switches, and ramps back; the chain's layout (which
//!   lanes hold which band) changes only at such points, between two segments.
//! - **Output gain at the chain's input**: a gain and a linear filter commute, so the gain
//!   (and its ramp) is applied as samples enter, where the sample index is plain.
//! - **Checks per block, not per sample**: non-finite states are reset and small states
//!   flushed once per `process` call; the output is cleaned in one vectorisable pass.

use super::dynamic::{DetectorBank, DynamicState, Dynamics, can_be_dynamic};
use super::lanes::{Chain, LaneRouting, LaneTarget, MAX_LANES};
use super::matched::{self, Effort, Section, SvfCoefs};
use super::prototype::{MAX_SECTIONS, cascade, sane_band};
use super::{BANDS, BandSettings, Placement};
use crate::kernel::sanitize::{finite_or_zero, flush_denormal};
use crate::lane::Lane;
use crate::processor::Paired;
use crate::smoother::Smoother;

/// Samples between control ticks while parameters glide or bands fade.
pub const SUB_BLOCK: usize = 32;
/// Time constant of frequency, gain and Q glides.
pub const GLIDE_MS: f32 = 15.0;
/// Sub-blocks a band's fade out (or in) takes when it is switched (256 samples).
const FADE_SUBS: u32 = 8;
/// Sub-blocks between glide redesigns (128 samples, 2.7 ms at 48 kHz, against a 15 ms glide
/// time constant): the lanes ramp linearly from one design to the next, so the response
/// follows the glide piecewise linearly in its coefficients, without steps. (While a band
/// also fades, every sub-block.)
const GLIDE_SUBS: u32 = 4;
/// A dynamic band's lanes get a new design when its gain has moved this far (dB).
const APPLY_EPS_DB: f64 = 1e-3;

/// One SVF section's two integrator states (the serial form of what a lane computes; the
/// tests use it as the reference realisation of a design).
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
        Self {
            enabled: b.enabled,
            kind: b.kind,
            slope: b.slope,
            placement: b.placement,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fading {
    None,
    Out,
    In,
}

/// One band's control state.
#[derive(Clone, Debug)]
struct Band {
    target: BandSettings,
    shape: Shape,
    /// log2(Hz), dB, ln(Q): glides are even in octaves and in dB.
    freq: Smoother,
    gain: Smoother,
    q: Smoother,
    /// The current design (f64; the warm start of the next glide step) and its processing
    /// coefficients.
    sections: [Section; MAX_SECTIONS],
    coefs: [SvfCoefs; MAX_SECTIONS],
    len: usize,
    /// Wet amount at the last tick and at the end of the current sub-block.
    mix: f32,
    mix_end: f32,
    /// Sub-blocks into the current fade (0…FADE_SUBS), and its direction.
    fade_pos: u32,
    fading: Fading,
    /// Redesigning while parameters move; `landing`: ramping to the full design after a glide.
    gliding: bool,
    landing: bool,
    /// Sub-blocks until the next glide redesign.
    glide_phase: u32,
    /// The lanes got a new target at this tick, ramped over `ramp` samples; samples until
    /// the current ramp ends; whether the lanes sit exactly on their target.
    retarget: bool,
    ramp: usize,
    ramp_left: usize,
    exact: bool,
    /// First lane in the chain (when enabled).
    lane: usize,
    /// Switched on (or rebuilt) since the last layout: gets fresh lanes, from rest.
    fresh: bool,
    /// The dynamic gain change now (dB; 0 for a static band), on top of `gain`.
    dyn_db: f64,
}

impl Band {
    fn new(control_rate: f32, s: &BandSettings) -> Self {
        Self {
            target: *s,
            shape: Shape::of(s),
            freq: Smoother::new(control_rate, GLIDE_MS, s.freq.log2() as f32),
            gain: Smoother::new(control_rate, GLIDE_MS, s.gain_db as f32),
            q: Smoother::new(control_rate, GLIDE_MS, s.q.ln() as f32),
            sections: [Section::IDENTITY; MAX_SECTIONS],
            coefs: [SvfCoefs::IDENTITY; MAX_SECTIONS],
            len: 0,
            mix: if s.enabled { 1.0 } else { 0.0 },
            mix_end: if s.enabled { 1.0 } else { 0.0 },
            fade_pos: 0,
            fading: Fading::None,
            gliding: false,
            landing: false,
            glide_phase: 0,
            retarget: false,
            ramp: SUB_BLOCK,
            ramp_left: 0,
            exact: true,
            lane: 0,
            fresh: true,
            dyn_db: 0.0,
        }
    }

    /// The band as it sounds right now (smoothed values, applied shape, dynamic gain).
    fn current_settings(&self) -> BandSettings {
        BandSettings {
            gain_db: f64::from(self.gain.value()) + self.dyn_db,
            ..self.static_settings()
        }
    }

    /// [`current_settings`](Self::current_settings) without the dynamic gain change.
    fn static_settings(&self) -> BandSettings {
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

    fn settled(&self) -> bool {
        self.freq.is_settled() && self.gain.is_settled() && self.q.is_settled()
    }

    /// Designs the current settings: in full, or as a glide step from the last design.
    fn design(&mut self, fs: f64, effort: Effort) {
        self.design_at(&self.current_settings(), fs, effort);
    }

    /// The settings `ticks` control ticks from now, if nothing else changes.
    fn settings_ahead(&self, ticks: u32) -> BandSettings {
        let (mut f, mut g, mut q) = (self.freq.clone(), self.gain.clone(), self.q.clone());
        for _ in 0..ticks {
            f.next();
            g.next();
            q.next();
        }
        BandSettings {
            freq: f64::from(f.value()).exp2(),
            gain_db: f64::from(g.value()) + self.dyn_db,
            q: f64::from(q.value()).exp(),
            ..self.current_settings()
        }
    }

    fn design_at(&mut self, settings: &BandSettings, fs: f64, effort: Effort) {
        let b = sane_band(settings, fs);
        let c = cascade(&b);
        let w0 = core::f64::consts::TAU * b.freq / fs;
        if effort == Effort::FULL || c.len != self.len {
            matched::design_band(&c, w0, effort, &mut self.sections);
        } else {
            matched::redesign_band(&c, w0, effort, &mut self.sections);
        }
        self.len = c.len;
        for (o, s) in self.coefs.iter_mut().zip(&self.sections[..c.len]) {
            *o = s.svf();
        }
    }

    fn lane_target(&self, section: usize, wet: f32) -> LaneTarget {
        let routing = match self.shape.placement {
            Placement::Stereo => LaneRouting::Stereo,
            Placement::Left => LaneRouting::Left,
            Placement::Right => LaneRouting::Right,
            Placement::Mid => LaneRouting::Mid,
            Placement::Side => LaneRouting::Side,
        };
        LaneTarget {
            section: self.sections[section],
            wet,
            routing,
        }
    }
}

/// The zero-latency engine: eight bands and the output gain.
#[derive(Clone, Debug)]
pub struct Engine {
    bands: [Band; BANDS],
    /// Boxed: 64 lanes of coefficients, steps and states are 10 kB, which made every
    /// struct holding an EQ (a channel strip, eight in a console) large to build on the
    /// stack (see `crate::heap`).
    chain: Box<Chain>,
    /// Bands in the chain, in order (the chain's layout).
    layout: [u8; BANDS],
    layout_len: usize,
    sample_rate: f64,
    /// Samples left until the next control tick.
    countdown: usize,
    /// Output gain (linear) and its per-sample change, target in dB smoothed per sub-block.
    gain: f32,
    gain_step: f32,
    gain_db: Smoother,
    /// Nothing glides, fades or waits to change: ticks can be skipped.
    idle: bool,
    /// Dynamic bands: their detectors, settings, gain changes and design tables (boxed
    /// for the same reason as the chain), and whether any is active or still returning.
    detectors: Box<DetectorBank>,
    dynamics: Box<[DynamicState; BANDS]>,
    dynamic: bool,
    /// Each dynamic band's static settings now, and the raw values they were computed from
    /// (log2 Hz, dB, ln Q, shape, key): recomputed only when these move.
    dynamic_bands: [BandSettings; BANDS],
    dynamic_for: [Option<DynamicFor>; BANDS],
}

type DynamicFor = (f32, f32, f32, Shape, super::KeySource);

impl Engine {
    pub fn new(sample_rate: f64, bands: &[BandSettings; BANDS], gain_db: f64) -> Self {
        let fs = crate::filter_shape::sane_sample_rate(sample_rate);
        let control_rate = (fs / SUB_BLOCK as f64) as f32;
        let mut e = Self {
            bands: core::array::from_fn(|i| Band::new(control_rate, &sane_band(&bands[i], fs))),
            chain: Box::new(Chain::new()),
            layout: [0; BANDS],
            layout_len: 0,
            sample_rate: fs,
            countdown: 0,
            gain: crate::gain::db_to_gain(gain_db as f32),
            gain_step: 0.0,
            gain_db: Smoother::new(control_rate, GLIDE_MS, gain_db as f32),
            idle: false,
            detectors: Box::new(DetectorBank::new()),
            dynamics: Box::default(),
            dynamic: false,
            dynamic_bands: [BandSettings::default(); BANDS],
            dynamic_for: [None; BANDS],
        };
        e.snap();
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
        self.update_dynamic();
    }

    /// New dynamics for every band; cheap, never allocates. A band that stops being dynamic
    /// releases its gain change back to zero.
    pub fn set_dynamics(&mut self, dynamics: &[Dynamics; BANDS]) {
        for (d, s) in self.dynamics.iter_mut().zip(dynamics) {
            d.settings = *s;
        }
        self.update_dynamic();
    }

    /// The gain change each band's dynamics applies now (dB).
    pub fn dynamic_gain_db(&self) -> [f64; BANDS] {
        core::array::from_fn(|i| self.bands[i].dyn_db)
    }

    /// Whether band `i`'s dynamics act (or its gain change is still returning to zero).
    fn dynamic_band(&self, i: usize) -> bool {
        let (b, d) = (&self.bands[i], &self.dynamics[i]);
        let active = d.settings.enabled && b.target.enabled && can_be_dynamic(b.target.kind);
        active || b.dyn_db != 0.0
    }

    fn update_dynamic(&mut self) {
        self.dynamic = (0..BANDS).any(|i| self.dynamic_band(i));
        if self.dynamic {
            self.idle = false;
        }
    }

    /// One control tick of every dynamic band: the detector's level moves the gain change;
    /// a band whose own settings are still takes its design from its gain table (glides
    /// include the gain change in their redesigns instead).
    fn dynamic_tick(&mut self) {
        let fs = self.sample_rate;
        let period = SUB_BLOCK as f64 / fs;
        for i in 0..BANDS {
            if !self.dynamic_band(i) {
                continue;
            }
            let (b, d) = (&mut self.bands[i], &mut self.dynamics[i]);
            let active = d.settings.enabled && b.shape.enabled && can_be_dynamic(b.shape.kind);
            // The band as it is now, recomputed (exp and exp2) only when something moved.
            let raw = (
                b.freq.value(),
                b.gain.value(),
                b.q.value(),
                b.shape,
                d.settings.key,
            );
            if self.dynamic_for[i] != Some(raw) {
                self.dynamic_for[i] = Some(raw);
                self.dynamic_bands[i] = b.static_settings();
                self.detectors
                    .set(i, &self.dynamic_bands[i], d.settings.key, fs);
            }
            let level = self.detectors.level_db(i);
            let detector = self.detectors.seconds(i);
            b.dyn_db = d.follow(level, period, detector, active);
            if !b.shape.enabled || !can_be_dynamic(b.shape.kind) {
                b.dyn_db = 0.0;
                d.gain_db = 0.0;
                continue;
            }
            if b.gliding {
                continue;
            }
            let band = self.dynamic_bands[i];
            if d.table.prepare(&band, fs) {
                d.applied_db = f64::NAN;
            }
            let gain = band.gain_db + b.dyn_db;
            // (NaN: never applied.)
            let moved = (gain - d.applied_db).abs() > APPLY_EPS_DB || d.applied_db.is_nan();
            if b.landing || moved {
                b.sections[0] = d.table.at(gain);
                b.coefs[0] = b.sections[0].svf();
                d.applied_db = gain;
                if !b.retarget {
                    b.retarget = true;
                    b.ramp = SUB_BLOCK;
                }
            }
        }
        self.dynamic = (0..BANDS).any(|i| self.dynamic_band(i));
    }

    /// Jumps to the targets without glides or fades (activation, state load); filter states
    /// start from rest.
    pub fn snap(&mut self) {
        self.chain.reset();
        let fs = self.sample_rate;
        for b in &mut self.bands {
            b.shape = Shape::of(&b.target);
            b.freq.reset_to(b.target.freq.log2() as f32);
            b.gain.reset_to(b.target.gain_db as f32);
            b.q.reset_to(b.target.q.ln() as f32);
            b.dyn_db = 0.0;
            b.design(fs, Effort::FULL);
            let on = if b.shape.enabled { 1.0 } else { 0.0 };
            (b.mix, b.mix_end) = (on, on);
            b.fading = Fading::None;
            b.gliding = false;
            b.landing = false;
            b.fresh = true;
            b.retarget = false;
            b.ramp_left = 0;
            b.exact = true;
            b.dyn_db = 0.0;
        }
        for (i, d) in self.dynamics.iter_mut().enumerate() {
            d.reset();
            self.detectors.clear(i);
        }
        self.relayout();
        self.set_lanes(true);
        self.gain_db.reset_to(self.gain_db.target());
        self.gain = crate::gain::db_to_gain(self.gain_db.value());
        self.gain_step = 0.0;
        self.countdown = 0;
        self.idle = false;
    }

    pub fn reset(&mut self) {
        self.snap();
    }

    /// Whether nothing is audible: no band active and unity gain, settled.
    pub fn is_transparent(&self) -> bool {
        self.bands
            .iter()
            .all(|b| !b.shape.enabled && b.fading == Fading::None && !b.target.enabled)
            && self.gain == 1.0
            && self.gain_step == 0.0
            && self.gain_db.is_settled()
    }

    /// Puts the enabled bands' sections into the chain in band order, moving each band's
    /// lanes (coefficients and states) with it; bands new to the chain start from rest.
    /// Only between segments.
    fn relayout(&mut self) {
        let mut order = [0u8; BANDS];
        let mut n = 0;
        let mut lanes = 0;
        for (i, b) in self.bands.iter().enumerate() {
            if b.shape.enabled && b.len > 0 && lanes + b.len <= MAX_LANES {
                order[n] = i as u8;
                n += 1;
                lanes += b.len;
            }
        }
        let unchanged = n == self.layout_len
            && order[..n] == self.layout[..n]
            && order[..n].iter().all(|&i| !self.bands[i as usize].fresh);
        if unchanged {
            return;
        }
        // Keep states of bands that stay (same section count); moving lanes down or up in
        // an order that never overwrites a lane still to be moved.
        let mut old_lane = [usize::MAX; BANDS];
        for &i in &self.layout[..self.layout_len] {
            if !self.bands[i as usize].fresh {
                old_lane[i as usize] = self.bands[i as usize].lane;
            }
        }
        let mut new_lane = [usize::MAX; BANDS];
        let mut lane = 0;
        for &i in &order[..n] {
            new_lane[i as usize] = lane;
            lane += self.bands[i as usize].len;
        }
        self.chain.set_len(lanes.max(self.chain.len()));
        // Downward moves in increasing order, upward moves in decreasing order.
        for &i in &order[..n] {
            let (o, w, len) = (
                old_lane[i as usize],
                new_lane[i as usize],
                self.bands[i as usize].len,
            );
            if o != usize::MAX && o > w {
                for s in 0..len {
                    self.chain.move_lane(o + s, w + s);
                }
            }
        }
        for &i in order[..n].iter().rev() {
            let (o, w, len) = (
                old_lane[i as usize],
                new_lane[i as usize],
                self.bands[i as usize].len,
            );
            if o != usize::MAX && o < w {
                for s in (0..len).rev() {
                    self.chain.move_lane(o + s, w + s);
                }
            }
        }
        for &i in &order[..n] {
            let b = &mut self.bands[i as usize];
            b.lane = new_lane[i as usize];
            if old_lane[i as usize] == usize::MAX {
                // New lanes: from rest, adding nothing yet (the fade in ramps from here).
                for s in 0..b.len {
                    self.chain.clear(b.lane + s);
                    self.chain.set_now(b.lane + s, &b.lane_target(s, 0.0));
                }
            }
            b.fresh = false;
        }
        self.chain.set_len(lanes);
        self.layout = order;
        self.layout_len = n;
    }

    /// Whether [`set_lanes`](Self::set_lanes) would change any lane.
    fn lanes_change(&self) -> bool {
        self.layout[..self.layout_len].iter().any(|&i| {
            let b = &self.bands[i as usize];
            b.retarget || (b.ramp_left == 0 && !b.exact)
        })
    }

    /// Sets every chained band's lanes: all at once (`now`); else bands with a new target
    /// ramp to it, and bands whose ramp just ended land exactly on their target.
    fn set_lanes(&mut self, now: bool) {
        for &i in &self.layout[..self.layout_len] {
            let b = &mut self.bands[i as usize];
            if now || (!b.retarget && b.ramp_left == 0 && !b.exact) {
                for s in 0..b.len {
                    self.chain.set_now(b.lane + s, &b.lane_target(s, b.mix_end));
                }
                b.exact = true;
            } else if b.retarget {
                for s in 0..b.len {
                    self.chain
                        .ramp_to(b.lane + s, &b.lane_target(s, b.mix_end), b.ramp);
                }
                b.ramp_left = b.ramp;
                b.exact = false;
            }
            b.retarget = false;
        }
        // Bands out of the chain have nothing to ramp.
        for b in &mut self.bands {
            if !b.shape.enabled {
                (b.retarget, b.ramp_left, b.exact) = (false, 0, true);
            }
        }
        self.chain.refresh();
    }

    /// Advances glides and fades by one sub-block. Returns whether the chain's layout must
    /// change (a band switched on or off, or changed its section count).
    fn control_tick(&mut self) -> bool {
        let fs = self.sample_rate;
        let mut relayout = false;
        let sub = 1.0 / FADE_SUBS as f32;
        for b in &mut self.bands {
            let want = Shape::of(&b.target);
            b.mix = b.mix_end;
            b.ramp_left = b.ramp_left.saturating_sub(SUB_BLOCK);
            // Fades: finish the one running, or start one when the shape changed.
            match b.fading {
                Fading::Out if b.fade_pos >= FADE_SUBS => {
                    b.fading = Fading::None;
                    b.mix = 0.0;
                    b.shape.enabled = false;
                    relayout = true;
                }
                Fading::In if b.fade_pos >= FADE_SUBS => {
                    b.fading = Fading::None;
                    b.mix = 1.0;
                }
                _ => {}
            }
            // A switch in the middle of a fade turns it round from where it is.
            if b.fading == Fading::In && want != b.shape {
                b.fading = Fading::Out;
                b.fade_pos = FADE_SUBS - b.fade_pos.min(FADE_SUBS);
            } else if b.fading == Fading::Out && want == b.shape {
                b.fading = Fading::In;
                b.fade_pos = FADE_SUBS - b.fade_pos.min(FADE_SUBS);
            }
            if want != b.shape && b.fading == Fading::None {
                if b.shape.enabled {
                    b.fading = Fading::Out;
                    b.fade_pos = 0;
                } else if want.enabled {
                    // Silent now: switch, design, and fade in from rest (new lanes).
                    b.shape = want;
                    b.freq.reset_to(b.target.freq.log2() as f32);
                    b.gain.reset_to(b.target.gain_db as f32);
                    b.q.reset_to(b.target.q.ln() as f32);
                    b.design(fs, Effort::FULL);
                    b.fading = Fading::In;
                    b.fade_pos = 0;
                    b.mix = 0.0;
                    b.gliding = false;
                    b.landing = false;
                    b.fresh = true;
                    relayout = true;
                } else {
                    b.shape = want;
                }
            }
            b.mix_end = match b.fading {
                Fading::Out => {
                    b.fade_pos += 1;
                    (1.0 - b.fade_pos as f32 * sub).max(0.0)
                }
                Fading::In => {
                    b.fade_pos += 1;
                    (b.fade_pos as f32 * sub).min(1.0)
                }
                Fading::None => b.mix,
            };
            // Glides of frequency, gain and Q: a redesign for the values a few sub-blocks
            // ahead (one while fading), the lanes ramping there meanwhile.
            let fade_step = b.mix_end != b.mix;
            b.landing = false;
            if b.shape.enabled && !b.settled() {
                b.freq.next();
                b.gain.next();
                b.q.next();
                if !b.gliding || fade_step || b.glide_phase == 0 {
                    let ahead = if fade_step { 1 } else { GLIDE_SUBS };
                    let settings = b.settings_ahead(ahead - 1);
                    b.design_at(&settings, fs, Effort::GLIDE);
                    b.glide_phase = ahead - 1;
                    b.retarget = true;
                    b.ramp = ahead as usize * SUB_BLOCK;
                } else {
                    b.glide_phase -= 1;
                }
                b.gliding = true;
            } else if b.gliding {
                // Land on the full design of the settled values over this sub-block.
                b.design(fs, Effort::FULL);
                b.gliding = false;
                b.landing = true;
                b.retarget = true;
                b.ramp = SUB_BLOCK;
            } else if !b.shape.enabled && !b.settled() {
                // Inaudible: follow at once.
                b.freq.reset_to(b.freq.target());
                b.gain.reset_to(b.gain.target());
                b.q.reset_to(b.q.target());
            }
            if fade_step && !b.retarget {
                b.retarget = true;
                b.ramp = SUB_BLOCK;
            }
        }
        if self.dynamic {
            self.dynamic_tick();
        }
        let mut busy = self.dynamic;
        for b in &self.bands {
            busy |= b.gliding
                || b.landing
                || b.fading != Fading::None
                || Shape::of(&b.target) != b.shape;
            busy |= b.shape.enabled && !b.settled();
            busy |= b.retarget || b.ramp_left > 0 || !b.exact;
        }
        // Output gain.
        let from = self.gain;
        if !(self.gain_step == 0.0 && self.gain_db.is_settled()) {
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
                self.gain_step = (to - from) / SUB_BLOCK as f32;
                busy = true;
            }
        }
        self.idle = !busy;
        self.countdown = SUB_BLOCK;
        relayout
    }

    /// Processes `left`/`right` in place (the common prefix if they differ).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.process_keyed(left, right, None);
    }

    /// [`process`](Self::process) with the external key that dynamic bands may listen to
    /// (`None`: silence), sample-aligned with `left`/`right`.
    pub fn process_keyed(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        key: Option<(&[f32], &[f32])>,
    ) {
        let len = left.len().min(right.len());
        let (left, right) = (&mut left[..len], &mut right[..len]);
        if len == 0 {
            return;
        }
        let mut touched = false;
        self.chain.begin(0);
        let mut offset = 0;
        while offset < len {
            if self.countdown == 0 && !self.idle {
                let relayout = self.control_tick();
                if relayout || self.lanes_change() {
                    // New coefficients or a new layout take effect between segments, when
                    // every lane has processed the same samples: each section then switches
                    // at the same sample as in a serial cascade, whatever the block size.
                    self.chain.drain(left, right);
                    if relayout {
                        self.relayout();
                    }
                    self.set_lanes(false);
                    self.chain.begin(offset);
                }
            }
            let n = if self.idle {
                len - offset
            } else {
                self.countdown.min(len - offset)
            };
            if self.dynamic {
                // The detectors hear the input before the output gain, as it enters.
                let key = key.and_then(|(kl, kr)| {
                    Some((kl.get(offset..offset + n)?, kr.get(offset..offset + n)?))
                });
                self.detectors
                    .run(&left[offset..offset + n], &right[offset..offset + n], key);
            }
            touched |= self.enter_gain(
                &mut left[offset..offset + n],
                &mut right[offset..offset + n],
            );
            if !self.chain.is_empty() {
                self.chain.push(left, right, offset, offset + n);
                touched = true;
            }
            self.count_down(n);
            offset += n;
        }
        self.chain.drain(left, right);
        if touched {
            self.end_of_block(left, right);
        }
    }

    /// [`process`](Self::process) for two engines on their own buffers: the same output, bit
    /// for bit. When both are idle for the whole block (one segment each, the usual case
    /// once settings have settled) their chains advance together
    /// ([`Chain::push_pair`]), which overlaps the two latency-bound recursions; otherwise
    /// it is simply two `process` calls.
    pub fn process_pair(a: Paired<'_, Self>, b: Paired<'_, Self>) {
        let (a, a_left, a_right) = a.parts();
        let (b, b_left, b_right) = b.parts();
        let len = a_left.len().min(a_right.len());
        let fused = a.idle && b.idle && len > 0 && b_left.len().min(b_right.len()) == len;
        if !fused {
            a.process(a_left, a_right);
            b.process(b_left, b_right);
            return;
        }
        // What `process` does for an idle engine (no tick, one segment of `len`), per engine,
        // except that the chains are pushed together.
        let (a_left, a_right, b_left, b_right) = (
            &mut a_left[..len],
            &mut a_right[..len],
            &mut b_left[..len],
            &mut b_right[..len],
        );
        a.chain.begin(0);
        b.chain.begin(0);
        let a_touched = a.enter_gain(a_left, a_right) | !a.chain.is_empty();
        let b_touched = b.enter_gain(b_left, b_right) | !b.chain.is_empty();
        match (a.chain.is_empty(), b.chain.is_empty()) {
            (false, false) => Chain::push_pair(
                Paired::new(&mut a.chain, a_left, a_right),
                Paired::new(&mut b.chain, b_left, b_right),
                0,
                len,
            ),
            (false, true) => a.chain.push(a_left, a_right, 0, len),
            (true, false) => b.chain.push(b_left, b_right, 0, len),
            (true, true) => {}
        }
        for (e, l, r, touched) in [
            (a, a_left, a_right, a_touched),
            (b, b_left, b_right, b_touched),
        ] {
            e.count_down(len);
            e.chain.drain(l, r);
            if touched {
                e.end_of_block(l, r);
            }
        }
    }

    /// Whether the next block runs without control work (then [`process_pair`] fuses).
    ///
    /// [`process_pair`]: Self::process_pair
    #[cfg(test)]
    pub(super) fn is_idle(&self) -> bool {
        self.idle
    }

    /// The output gain, applied as samples enter the chain. Returns whether it changed
    /// anything (not unity).
    fn enter_gain(&mut self, l: &mut [f32], r: &mut [f32]) -> bool {
        if self.gain_step != 0.0 {
            let mut g = self.gain;
            for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                *a *= g;
                *b *= g;
                g += self.gain_step;
            }
            self.gain = g;
            true
        } else if self.gain != 1.0 {
            let g = self.gain;
            for x in l.iter_mut() {
                *x *= g;
            }
            for x in r.iter_mut() {
                *x *= g;
            }
            true
        } else {
            false
        }
    }

    /// Advances the control tick countdown by `n` samples processed.
    fn count_down(&mut self, n: usize) {
        // While idle the tick phase keeps running, so that the first tick after a change
        // falls at the same sample however the host cuts its blocks.
        self.countdown = if self.idle {
            match (self.countdown + SUB_BLOCK - n % SUB_BLOCK) % SUB_BLOCK {
                0 => SUB_BLOCK,
                c => c,
            }
        } else {
            self.countdown - n
        };
    }

    /// Once per block: reset lanes a NaN reached, flush tiny states, clean the output.
    fn end_of_block(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.chain.sanitize();
        if self.dynamic {
            self.detectors.sanitize();
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
    finite_or_zero(flush_denormal(x))
}
