//! [`ChannelStrip`]: one console channel, from input trim to the fader and the send taps.

use crate::bypass::Bypass;
use core::f64::consts::FRAC_1_SQRT_2;

use crate::dynamics::compressor::{self, Compressor};
use crate::dynamics::gate::Gate;
use crate::dynamics::lookahead::Lookahead;
use crate::eq::{self, BandSettings, BandType, Eq, Slope};
use crate::gain::db_to_gain;
use crate::lane::Stereo;
use crate::pan::{self, Input, Panner};
use crate::processor::{Paired, usable_rate};
use crate::smoother::Smoother;

use super::{ChannelSettings, CutSlope, SENDS, fader_gain};

/// Time constant of the trim, fader, mute and send glides (ms): the same 10 ms the
/// compressor and delay glide their gains with.
pub const GLIDE_MS: f32 = 10.0;

/// Send buses a channel adds its send taps into: `[send][side]`, each the block's length.
pub type SendBuses<'a> = [[&'a mut [f32]; 2]; SENDS];

/// One channel of the console (see the [module docs](super)). (No `Clone`/`Debug`: the EQ
/// processor, which may own a linear-phase engine, has neither.)
pub struct ChannelStrip {
    settings: ChannelSettings,
    /// Trim gain times polarity (±1): a polarity switch glides through zero, so it never clicks.
    trim: Smoother,
    /// The high and low pass: an [`Eq`] with two cut bands.
    cuts: Eq,
    gate: Gate,
    eq: Eq,
    compressor: Compressor,
    panner: Panner,
    /// Delays the channel to the console's common latency.
    align: Lookahead<Stereo>,
    fader: Smoother,
    mute: Smoother,
    send_level: [Smoother; SENDS],
    /// 0 = pre-fader tap, 1 = post-fader tap (glides, so switching never clicks).
    send_post: [Smoother; SENDS],
}

fn cut_band(kind: BandType, hz: Option<f32>, slope: CutSlope) -> BandSettings {
    BandSettings {
        enabled: hz.is_some(),
        kind,
        freq: hz.unwrap_or(if kind == BandType::LowCut {
            20.0
        } else {
            20_000.0
        }) as f64,
        gain_db: 0.0,
        q: FRAC_1_SQRT_2,
        slope: match slope {
            CutSlope::Db12 => Slope::Db12,
            CutSlope::Db24 => Slope::Db24,
        },
        placement: eq::Placement::Stereo,
    }
}

/// The cut filters as EQ settings (bands 1 and 2; the rest off).
pub fn cut_settings(s: &ChannelSettings) -> eq::Settings {
    let mut e = eq::Settings::default();
    e.bands[0] = cut_band(BandType::LowCut, s.high_pass_hz, s.high_pass_slope);
    e.bands[1] = cut_band(BandType::HighCut, s.low_pass_hz, s.low_pass_slope);
    e
}

/// The four EQ bands as EQ settings (bands 1–4; the rest off).
pub fn eq_settings(s: &ChannelSettings) -> eq::Settings {
    let mut e = eq::Settings::default();
    e.bands[..4].copy_from_slice(&s.eq);
    e
}

/// The compressor's settings, or its dry path (same latency) when the compressor is off.
pub fn compressor_settings(s: &ChannelSettings) -> compressor::Settings {
    if s.compressor_on {
        s.compressor
    } else {
        s.compressor.bypassed()
    }
}

/// Pan and width as the panner's settings (unity gain: the fader is separate, so the
/// pre-fader sends can be taken between them).
pub fn pan_settings(s: &ChannelSettings) -> pan::Settings {
    let sane = |v: f32, lo: f32, hi: f32, d: f32| if v.is_finite() { v.clamp(lo, hi) } else { d };
    pan::Settings {
        pan: sane(s.pan, -1.0, 1.0, 0.0) as f64,
        law: s.pan_law,
        mode: s.pan_mode,
        width: sane(s.width, 0.0, 2.0, 1.0) as f64,
        ..pan::Settings::default()
    }
}

fn trim_gain(s: &ChannelSettings) -> f32 {
    let trim = if s.trim_db.is_finite() {
        db_to_gain(s.trim_db.clamp(-24.0, 24.0))
    } else {
        1.0
    };
    if s.invert { -trim } else { trim }
}

fn switch(on: bool) -> f32 {
    if on { 1.0 } else { 0.0 }
}

crate::processor::processor!(ChannelStrip, ChannelSettings);

impl ChannelStrip {
    /// Allocates everything (the compressor's and the alignment's delay lines).
    pub fn new(sample_rate: f32, max_block_len: usize) -> Self {
        let fs = usable_rate(sample_rate);
        let glide = |v: f32| Smoother::new(fs, GLIDE_MS, v);
        let mut strip = Self {
            settings: ChannelSettings::default(),
            trim: glide(1.0),
            cuts: Eq::new(fs, max_block_len),
            gate: Gate::new(fs, max_block_len),
            eq: Eq::new(fs, max_block_len),
            compressor: Compressor::new(fs, max_block_len),
            panner: Panner::new(fs, Input::Stereo),
            align: Lookahead::new(fs, compressor::MAX_LOOKAHEAD_MS),
            fader: glide(1.0),
            mute: glide(1.0),
            send_level: [glide(0.0), glide(0.0)],
            send_post: [glide(1.0), glide(1.0)],
        };
        strip.update_immediately(&ChannelSettings::default());
        strip
    }

    pub fn settings(&self) -> &ChannelSettings {
        &self.settings
    }

    /// Starts gliding towards `settings` (each module glides its own parameters). Cheap;
    /// never allocates.
    pub fn update(&mut self, settings: &ChannelSettings) {
        let s = *settings;
        self.trim.set_target(trim_gain(&s));
        self.cuts.update(&cut_settings(&s));
        self.gate.update(&s.gate);
        self.eq.update(&eq_settings(&s));
        self.compressor.update(&compressor_settings(&s));
        self.panner.update(&pan_settings(&s));
        self.fader.set_target(fader_gain(s.fader_db.min(12.0)));
        self.mute.set_target(switch(!s.mute));
        for (k, send) in s.sends.iter().enumerate() {
            self.send_level[k].set_target(fader_gain(send.level_db.min(12.0)));
            self.send_post[k].set_target(switch(!send.pre_fader));
        }
        self.settings = s;
    }

    /// [`update`](Self::update) without glides (activation, loading a session).
    pub fn update_immediately(&mut self, settings: &ChannelSettings) {
        self.update(settings);
        self.cuts.update_immediately(&cut_settings(settings));
        self.gate.update_immediately(&settings.gate);
        self.eq.update_immediately(&eq_settings(settings));
        self.compressor
            .update_immediately(&compressor_settings(settings));
        self.panner.update_immediately(&pan_settings(settings));
        self.align
            .set_delay_samples_immediately(self.align.latency_samples());
        self.snap_glides();
    }

    fn snap_glides(&mut self) {
        for s in [&mut self.trim, &mut self.fader, &mut self.mute]
            .into_iter()
            .chain(self.send_level.iter_mut())
            .chain(self.send_post.iter_mut())
        {
            s.reset_to(s.target());
        }
    }

    /// Clears all signal state and completes every glide. No allocation.
    pub fn reset(&mut self) {
        self.cuts.reset();
        self.gate.reset();
        self.eq.reset();
        self.compressor.reset();
        self.panner.reset();
        self.align
            .set_delay_samples_immediately(self.align.latency_samples());
        self.align.reset();
        self.snap_glides();
    }

    /// The delay of the strip's own processing (the compressor's lookahead), in samples.
    pub fn insert_latency(&self) -> usize {
        self.compressor.latency_samples() as usize
    }

    /// Extra delay after the inserts so that this channel lines up with the slowest one;
    /// changes crossfade (never click).
    pub fn set_alignment(&mut self, samples: usize) {
        self.align.set_delay_samples(samples);
    }

    /// [`set_alignment`](Self::set_alignment) without the crossfade (activation, session load).
    pub fn set_alignment_immediately(&mut self, samples: usize) {
        self.align.set_delay_samples_immediately(samples);
    }

    /// Total delay of the channel: its own processing plus the alignment.
    pub fn latency_samples(&self) -> u32 {
        (self.insert_latency() + self.align.latency_samples()) as u32
    }

    /// Current gain reduction of the gate and of the compressor (dB), for meters.
    pub fn gain_reduction_db(&self) -> (f32, [f32; 2]) {
        (
            self.gate.gain_reduction_db(),
            self.compressor.gain_reduction_db(),
        )
    }

    /// Processes one block in place: the channel's output after the fader (no sends).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.process_inserts(left, right);
        self.process_fader(left, right, None);
    }

    /// Processes one block in place and adds its send taps into `sends` (each at least the
    /// block's length).
    pub fn process_with_sends(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        sends: &mut SendBuses<'_>,
    ) {
        self.process_inserts(left, right);
        self.process_fader(left, right, Some(sends));
    }

    /// Trim → polarity → cuts → gate → EQ → compressor → pan/width.
    fn process_inserts(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        self.process_before_eq(left, right);
        self.eq.process(left, right);
        self.process_after_eq(left, right);
    }

    /// The EQs of two strips on their own (equal-length) buffers, run together
    /// ([`Eq::process_pair`]: the same output as two calls, bit for bit, with the two
    /// latency-bound recursions overlapped). Between [`process_before_eq`] and
    /// [`process_after_eq_with_sends`] of each strip, which together are
    /// [`process_with_sends`](Self::process_with_sends) split at the EQ.
    ///
    /// [`process_before_eq`]: Self::process_before_eq
    /// [`process_after_eq_with_sends`]: Self::process_after_eq_with_sends
    pub(super) fn process_eq_pair(a: Paired<'_, Self>, b: Paired<'_, Self>) {
        Eq::process_pair(a.part(|s| &mut s.eq), b.part(|s| &mut s.eq));
    }

    /// The stages after the EQ and the fader, adding the send taps into `sends`
    /// (`left` and `right` of equal length).
    pub(super) fn process_after_eq_with_sends(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        sends: &mut SendBuses<'_>,
    ) {
        self.process_after_eq(left, right);
        self.process_fader(left, right, Some(sends));
    }

    /// Trim → polarity → cuts → gate (`left` and `right` of equal length).
    pub(super) fn process_before_eq(&mut self, left: &mut [f32], right: &mut [f32]) {
        if !(self.trim.is_settled() && self.trim.value() == 1.0) {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let g = self.trim.next();
                *l *= g;
                *r *= g;
            }
        }
        self.cuts.process(left, right);
        self.gate.process(left, right);
    }

    /// Compressor → pan/width (`left` and `right` of equal length).
    fn process_after_eq(&mut self, left: &mut [f32], right: &mut [f32]) {
        if self.settings.compressor_on {
            self.compressor.process(left, right);
        } else {
            // Off: once its bypass glide has landed, only its delay runs (same output).
            self.compressor.process_dry(left, right);
        }
        self.panner.process(left, right);
    }

    /// Alignment → mute → send taps → fader.
    fn process_fader(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        mut sends: Option<&mut SendBuses<'_>>,
    ) {
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        self.align.process_split(left, right);
        let steady = [&self.mute, &self.fader]
            .into_iter()
            .chain(self.send_level.iter())
            .chain(self.send_post.iter())
            .all(Smoother::is_settled);
        if steady {
            // Nothing glides (the usual case): constant gains, no per-sample smoothing, one
            // vectorised pass per send and side; a send at −∞ and a fader at 0 dB cost nothing.
            let (m, f) = (self.mute.value(), self.fader.value());
            let out_gain = m * f;
            // tap·level with tap = pre + (post − pre)·p, pre = x·m, post = x·m·f.
            let send_gain: [f32; SENDS] = core::array::from_fn(|k| {
                self.send_level[k].value() * m * (1.0 + (f - 1.0) * self.send_post[k].value())
            });
            if let Some(buses) = sends {
                for (bus, &g) in buses.iter_mut().zip(send_gain.iter()) {
                    if g == 0.0 {
                        continue;
                    }
                    for (b, x) in bus.iter_mut().zip([&*left, &*right]) {
                        for (b, &x) in b[..n].iter_mut().zip(x) {
                            *b += x * g;
                        }
                    }
                }
            }
            if out_gain != 1.0 {
                for side in [&mut *left, &mut *right] {
                    for x in side.iter_mut() {
                        *x *= out_gain;
                    }
                }
            }
            return;
        }
        let sends_idle = self
            .send_level
            .iter()
            .all(|s| s.is_settled() && s.value() == 0.0);
        for i in 0..n {
            let (l, r) = (left[i], right[i]);
            let m = self.mute.next();
            let f = self.fader.next();
            let pre = [l * m, r * m];
            let post = [pre[0] * f, pre[1] * f];
            left[i] = post[0];
            right[i] = post[1];
            if sends_idle {
                continue;
            }
            if let Some(buses) = sends.as_deref_mut() {
                for (k, bus) in buses.iter_mut().enumerate() {
                    let level = self.send_level[k].next();
                    let p = self.send_post[k].next();
                    for side in 0..2 {
                        let tap = pre[side] + (post[side] - pre[side]) * p;
                        bus[side][i] += tap * level;
                    }
                }
            }
        }
    }
}
