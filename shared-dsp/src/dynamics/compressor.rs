//! The compressor: the dynamics building blocks assembled into one stereo processor.
//!
//! ```text
//! key ─ SC high pass ─ (M/S) ─ level detector (dB) ─ gain computer ─ ballistics ─ link ─┐
//!  │  (internal: the input; external: the sidechain input)                      gain (dB)│
//!  └─ listen (delayed like the audio)                                                    ▼
//! input ─ lookahead delay ─┬─ (M/S) × gain × make-up (M/S back) ── wet ─┐
//!                          └──────────────────────────────────── dry ─ mix ─ output gain ─ out
//! ```
//!
//! Everything between the detector and the gain runs in dB, per sample, on both channels at
//! once ([`Stereo`] lanes). The dry signal of the mix is taken *after* the lookahead delay, so
//! parallel compression stays phase-aligned, and at 0 % mix the output is the input delayed
//! by exactly [`latency_samples`](Compressor::latency_samples), bit for bit.
//!
//! Smoothing: threshold, ratio (as its slope) and knee glide together, so the static curve
//! never jumps; make-up, mix, output gain, the listen switch and the mid/side switch glide
//! too (time constant [`GLIDE_MS`]). Attack, release, detector and link act at once: they only
//! change how the gain *moves*, and the ballistics keep that continuous. A lookahead change
//! crossfades between delay taps ([`Lookahead`]).
//!
//! **External sidechain**: with [`SidechainSource::External`] the detector hears only the
//! key input. A silent or unconnected key (hosts feed an unconnected sidechain port with
//! silence) therefore produces no gain reduction: the compressor passes the audio at unity
//! (plus make-up), like a hardware unit with nothing patched into its key input. Calling
//! [`process`](Compressor::process) (which has no key) in that mode behaves the same way.
//!
//! **Mono**: [`process_mono`](Compressor::process_mono) runs the same engine with the
//! channel duplicated; the stereo key (if any) is detected with 100 % link, i.e. the louder
//! key channel drives the gain, so a host that feeds only one key channel works too.

use crate::delay_line::DelayLine;
use crate::envelope::Detector;
use crate::lane::{Lane, Stereo};
use crate::smoother::Smoother;

use super::ballistics::Ballistics;
use super::detector::LevelDetector;
use super::fast_db;
use super::gain_computer::{GainComputer, ratio_to_slope};
use super::lookahead::Lookahead;
use super::sidechain::SidechainFilter;
use super::stereo::{self, from_mid_side, to_mid_side};

/// Longest lookahead.
pub const MAX_LOOKAHEAD_MS: f32 = 10.0;
/// Time constant of the parameter glides (curve, make-up, mix, output, switches).
pub const GLIDE_MS: f32 = 10.0;

/// Which channels the gain acts on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ChannelMode {
    /// Left and right (linked as set).
    #[default]
    LeftRight,
    /// Mid and side, each with its own detector and gain (linked as set).
    MidSide,
}

/// What the detector listens to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SidechainSource {
    /// The compressor's own input.
    #[default]
    Internal,
    /// The external key (sidechain) input; silence when none is connected.
    External,
}

/// Plain settings in real units, mirroring the plugin's parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// dB, −60…0.
    pub threshold_db: f32,
    /// R:1, 1…100; `f32::INFINITY` is ∞:1.
    pub ratio: f32,
    /// Knee width in dB, 0…24.
    pub knee_db: f32,
    /// ms, 0.01…250 (63 % time constant, see [`ballistics`](super::ballistics)).
    pub attack_ms: f32,
    /// ms, 1…2500.
    pub release_ms: f32,
    /// Program-dependent release.
    pub auto_release: bool,
    pub detector: Detector,
    /// RMS averaging time constant in ms, 1…100 (RMS detector only).
    pub rms_window_ms: f32,
    /// Stereo link 0…1 (0 = independent, 1 = both follow the louder).
    pub link: f32,
    pub channels: ChannelMode,
    /// ms, 0…[`MAX_LOOKAHEAD_MS`]; delays the audio (reported latency).
    pub lookahead_ms: f32,
    pub sidechain: SidechainSource,
    /// Sidechain high pass (12 dB/oct) on/off and its cutoff in Hz (20…500).
    pub sc_hpf: bool,
    pub sc_hpf_hz: f32,
    /// Output the detector's signal (the filtered key) instead of the audio.
    pub listen: bool,
    /// dB, −24…+24.
    pub makeup_db: f32,
    /// Adds [`GainComputer::auto_makeup_db`] to the make-up.
    pub auto_makeup: bool,
    /// Wet share 0…1 (0 = dry, delayed by the lookahead).
    pub mix: f32,
    /// dB.
    pub output_db: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            threshold_db: -18.0,
            ratio: 4.0,
            knee_db: 6.0,
            attack_ms: 10.0,
            release_ms: 100.0,
            auto_release: false,
            detector: Detector::Peak,
            rms_window_ms: 10.0,
            link: 1.0,
            channels: ChannelMode::LeftRight,
            lookahead_ms: 0.0,
            sidechain: SidechainSource::Internal,
            sc_hpf: false,
            sc_hpf_hz: 80.0,
            listen: false,
            makeup_db: 0.0,
            auto_makeup: false,
            mix: 1.0,
            output_db: 0.0,
        }
    }
}

impl Settings {
    /// These settings with the audio passed dry (delayed by the same lookahead, so bypassing
    /// does not move the track in time): what a click-free bypass glides to.
    pub fn bypassed(&self) -> Self {
        Self { mix: 0.0, output_db: 0.0, listen: false, ..*self }
    }

    /// Clamped to the documented ranges; NaN falls back to the default.
    fn sanitized(&self) -> Self {
        let d = Self::default();
        let clamp = |v: f32, lo: f32, hi: f32, fallback: f32| {
            if v.is_nan() { fallback } else { v.clamp(lo, hi) }
        };
        Self {
            threshold_db: clamp(self.threshold_db, -120.0, 24.0, d.threshold_db),
            ratio: if self.ratio.is_nan() { d.ratio } else { self.ratio.max(1.0) },
            knee_db: clamp(self.knee_db, 0.0, 48.0, d.knee_db),
            attack_ms: clamp(self.attack_ms, 0.0, 10_000.0, d.attack_ms),
            release_ms: clamp(self.release_ms, 0.0, 60_000.0, d.release_ms),
            rms_window_ms: clamp(self.rms_window_ms, 0.01, 1_000.0, d.rms_window_ms),
            link: clamp(self.link, 0.0, 1.0, d.link),
            lookahead_ms: clamp(self.lookahead_ms, 0.0, MAX_LOOKAHEAD_MS, 0.0),
            sc_hpf_hz: clamp(self.sc_hpf_hz, 1.0, 20_000.0, d.sc_hpf_hz),
            makeup_db: clamp(self.makeup_db, -60.0, 60.0, 0.0),
            mix: clamp(self.mix, 0.0, 1.0, d.mix),
            output_db: clamp(self.output_db, -150.0, 60.0, 0.0),
            ..*self
        }
    }
}

/// The stereo compressor (see the module docs).
#[derive(Clone, Debug)]
pub struct Compressor {
    sample_rate: f32,
    settings: Settings,
    key_filter: SidechainFilter<Stereo>,
    detector: LevelDetector<Stereo>,
    ballistics: Ballistics<Stereo>,
    lookahead: Lookahead<Stereo>,
    /// The filtered key, delayed like the audio, for "listen".
    listen_delay: DelayLine<Stereo>,
    threshold: Smoother,
    slope: Smoother,
    knee: Smoother,
    /// The curve at the smoothers' current values.
    curve: GainComputer,
    curve_gliding: bool,
    link: f32,
    makeup: Smoother,
    mix: Smoother,
    output: Smoother,
    listen: Smoother,
    mid_side: Smoother,
    /// Largest gain reduction (dB) per channel during the last `process*` call.
    peak_gr: Stereo,
}

fn switch(on: bool) -> f32 {
    if on { 1.0 } else { 0.0 }
}

impl Compressor {
    /// Allocates everything (the lookahead and listen delay lines, for [`MAX_LOOKAHEAD_MS`] at
    /// `sample_rate`). The engine works sample by sample, so no buffer depends on
    /// `max_block_len`; it is taken for the shape every processor shares.
    pub fn new(sample_rate: f32, _max_block_len: usize) -> Self {
        let fs = if sample_rate.is_finite() { sample_rate.max(1.0) } else { 48_000.0 };
        let d = Settings::default();
        let lookahead = Lookahead::new(fs, MAX_LOOKAHEAD_MS);
        let glide = |v: f32| Smoother::new(fs, GLIDE_MS, v);
        let mut c = Self {
            sample_rate: fs,
            settings: d,
            key_filter: SidechainFilter::new(fs, d.sc_hpf_hz, d.sc_hpf),
            detector: LevelDetector::new(fs, d.detector, d.rms_window_ms),
            ballistics: Ballistics::new(fs, d.attack_ms, d.release_ms),
            listen_delay: DelayLine::new(lookahead.max_delay()),
            lookahead,
            threshold: glide(d.threshold_db),
            slope: glide(ratio_to_slope(d.ratio)),
            knee: glide(d.knee_db),
            curve: GainComputer::new(d.threshold_db, d.ratio, d.knee_db),
            curve_gliding: false,
            link: d.link,
            makeup: glide(1.0),
            mix: glide(d.mix),
            output: glide(1.0),
            listen: glide(0.0),
            mid_side: glide(0.0),
            peak_gr: Stereo::zero(),
        };
        c.update_immediately(&d);
        c
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// The settings last passed to [`update`](Self::update) (sanitised).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Starts gliding towards `settings`. Cheap; never allocates.
    pub fn update(&mut self, settings: &Settings) {
        let s = settings.sanitized();
        self.threshold.set_target(s.threshold_db);
        self.slope.set_target(ratio_to_slope(s.ratio));
        self.knee.set_target(s.knee_db);
        self.curve_gliding = !(self.threshold.is_settled()
            && self.slope.is_settled()
            && self.knee.is_settled());

        self.ballistics.set_attack_ms(s.attack_ms);
        self.ballistics.set_release_ms(s.release_ms);
        self.ballistics.set_auto_release(s.auto_release);
        self.detector.set_mode(s.detector);
        self.detector.set_rms_window_ms(s.rms_window_ms);
        self.key_filter.set_enabled(s.sc_hpf);
        self.key_filter.set_cutoff_hz(s.sc_hpf_hz);
        self.lookahead.set_ms(s.lookahead_ms);
        self.link = s.link;

        // Auto make-up follows the *target* curve, so it glides with it.
        let auto = if s.auto_makeup {
            GainComputer::with_slope(s.threshold_db, ratio_to_slope(s.ratio), s.knee_db).auto_makeup_db()
        } else {
            0.0
        };
        self.makeup.set_target(fast_db::db_to_gain(s.makeup_db + auto));
        self.mix.set_target(s.mix);
        self.output.set_target(fast_db::db_to_gain(s.output_db));
        self.listen.set_target(switch(s.listen));
        self.mid_side.set_target(switch(s.channels == ChannelMode::MidSide));
        self.settings = s;
    }

    /// Applies `settings` without any glide or crossfade (activation, loading a session).
    pub fn update_immediately(&mut self, settings: &Settings) {
        self.update(settings);
        self.snap();
    }

    fn snap(&mut self) {
        for s in [
            &mut self.threshold,
            &mut self.slope,
            &mut self.knee,
            &mut self.makeup,
            &mut self.mix,
            &mut self.output,
            &mut self.listen,
            &mut self.mid_side,
        ] {
            s.reset_to(s.target());
        }
        self.curve = GainComputer::with_slope(self.threshold.value(), self.slope.value(), self.knee.value());
        self.curve_gliding = false;
        self.lookahead.set_delay_samples_immediately(self.lookahead.latency_samples());
        self.key_filter.reset();
    }

    /// Clears all signal state (delay lines, filters, detector, gain) and completes every
    /// glide. No allocation.
    pub fn reset(&mut self) {
        self.snap();
        self.detector.reset();
        self.ballistics.reset();
        self.lookahead.reset();
        self.listen_delay.reset();
        self.peak_gr = Stereo::zero();
    }

    /// The delay of the audio in samples (the lookahead), to report to the host.
    pub fn latency_samples(&self) -> usize {
        self.lookahead.latency_samples()
    }

    /// The largest gain reduction (dB, ≥ 0) per channel (L/R, or M/S in mid/side mode)
    /// during the last `process*` call, for meters (see [`GainReductionMeter`](super::meter::GainReductionMeter)).
    pub fn gain_reduction_db(&self) -> [f32; 2] {
        self.peak_gr.0
    }

    /// Processes a stereo block in place; the detector hears the input itself, or silence in
    /// [`SidechainSource::External`] mode (no key given: see the module docs).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.peak_gr = Stereo::zero();
        let external = self.settings.sidechain == SidechainSource::External;
        let link = self.link;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let x = Stereo::new(*l, *r);
            let key = if external { Stereo::zero() } else { x };
            let y = self.tick(x, key, link, true);
            (*l, *r) = (y.left(), y.right());
        }
    }

    /// Processes a stereo block in place with an external key (used when the settings say
    /// [`SidechainSource::External`]; otherwise ignored). Key samples missing at the end of
    /// shorter key slices count as silence.
    pub fn process_with_sidechain(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        key_left: &[f32],
        key_right: &[f32],
    ) {
        self.peak_gr = Stereo::zero();
        let external = self.settings.sidechain == SidechainSource::External;
        let link = self.link;
        for (i, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
            let x = Stereo::new(*l, *r);
            let key = if external {
                Stereo::new(
                    key_left.get(i).copied().unwrap_or(0.0),
                    key_right.get(i).copied().unwrap_or(0.0),
                )
            } else {
                x
            };
            let y = self.tick(x, key, link, true);
            (*l, *r) = (y.left(), y.right());
        }
    }

    /// Processes one channel in place, with an optional stereo external key (see the module
    /// docs: the louder key channel drives the gain). Link and mid/side do not apply.
    pub fn process_mono(&mut self, buf: &mut [f32], key: Option<(&[f32], &[f32])>) {
        self.peak_gr = Stereo::zero();
        let external = self.settings.sidechain == SidechainSource::External;
        for (i, v) in buf.iter_mut().enumerate() {
            let x = Stereo::splat(*v);
            let k = match (external, key) {
                (false, _) => x,
                (true, None) => Stereo::zero(),
                (true, Some((kl, kr))) => Stereo::new(
                    kl.get(i).copied().unwrap_or(0.0),
                    kr.get(i).copied().unwrap_or(0.0),
                ),
            };
            *v = self.tick(x, k, 1.0, false).left();
        }
    }

    /// One stereo frame: `x` the audio, `key` what the detector hears.
    #[inline(always)]
    fn tick(&mut self, x: Stereo, key: Stereo, link: f32, allow_mid_side: bool) -> Stereo {
        // Control path, all in dB.
        let key = self.key_filter.process_sample(key);
        self.listen_delay.push(key);
        let mid_side_detect = allow_mid_side && self.settings.channels == ChannelMode::MidSide;
        let detected = if mid_side_detect { to_mid_side(key) } else { key };
        let level = self.detector.process_sample(detected);
        if self.curve_gliding {
            self.glide_curve();
        }
        let target = self.curve.gain_reduction_lanes(level);
        let gr = stereo::link(self.ballistics.process_sample(target), link);
        self.peak_gr = self.peak_gr.zip_map(gr, f32::max);
        let gain = gr.map(|g| fast_db::db_to_gain(-g)) * self.makeup.next();

        // Audio path.
        let dry = self.lookahead.process_sample(x);
        let ms = if allow_mid_side { self.mid_side.next() } else { 0.0 };
        let wet = if ms == 0.0 {
            dry * gain
        } else {
            let ms_wet = from_mid_side(to_mid_side(dry) * gain);
            if ms == 1.0 { ms_wet } else { dry * gain + (ms_wet - dry * gain) * ms }
        }
        .flush_denormal();
        // Exact ends: 100 % is the wet signal and 0 % the delayed input, bit for bit.
        let mix = self.mix.next();
        let mut out = if mix == 1.0 {
            wet
        } else if mix == 0.0 {
            dry
        } else {
            dry + (wet - dry) * mix
        };
        let output = self.output.next();
        if output != 1.0 {
            out = out * output;
        }
        let listen = self.listen.next();
        if listen != 0.0 {
            let key = self.listen_delay.read(self.lookahead.latency_samples());
            out = if listen == 1.0 { key } else { out + (key - out) * listen };
        }
        out
    }

    #[cold]
    fn glide_curve(&mut self) {
        let (t, s, k) = (self.threshold.next(), self.slope.next(), self.knee.next());
        self.curve = GainComputer::with_slope(t, s, k);
        self.curve_gliding = !(self.threshold.is_settled()
            && self.slope.is_settled()
            && self.knee.is_settled());
    }
}
