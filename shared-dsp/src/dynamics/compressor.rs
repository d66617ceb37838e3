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
//! Everything between the detector and the gain runs in dB, per sample. The dry signal of
//! the mix is taken *after* the lookahead delay, so parallel compression stays phase-aligned,
//! and at 0 % mix the output is the input delayed by exactly
//! [`latency_samples`](Compressor::latency_samples), bit for bit.
//!
//! **Performance**: blocks are cut into chunks of 64 frames that go through the chain stage
//! by stage (see `process_chunk`): the recursive stages (filter, RMS average, ballistics) as
//! scalar loops with both channels' chains side by side, the stateless ones (dB conversions,
//! curve, gain, mix) as loops the compiler vectorises. The result is identical for any
//! chunking, so the host's block size never changes the output (tested). On x86-64 CPUs with
//! AVX2 the chunk pipeline is also compiled for AVX2 and chosen at run time, so the vector
//! stages take eight samples per instruction instead of four; without FMA, so both builds
//! compute the same bits (tested), as the reverb does.
//!
//! Smoothing: threshold, ratio (as its slope) and knee glide together, so the static curve
//! never jumps; make-up, mix, output gain, the listen switch and the mid/side switch glide
//! too (time constant [`GLIDE_MS`]). Attack, release, detector, link and the sidechain
//! settings act at once: they change what the gain aims for or how fast it moves, and the
//! ballistics carry it there at the set attack and release. A lookahead change crossfades
//! between delay taps ([`Lookahead`]).
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
use crate::kernel::sanitize::{clamp_or, flush_denormal};
use crate::kernel::simd::{avx2_dispatch, has_avx2};
use crate::lane::{Lane, Stereo};
use crate::processor::rate_at_least;
use crate::smoother::Smoother;

use super::ballistics::Ballistics;
use super::detector::{LevelDetector, peak_power};
use super::fast_db;
use super::gain_computer::{GainComputer, ratio_to_slope};
use super::lookahead::Lookahead;
use super::sidechain::SidechainFilter;
use super::stereo;

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
    /// Clamped to the documented ranges; NaN falls back to the default.
    fn sanitized(&self) -> Self {
        let d = Self::default();
        Self {
            threshold_db: clamp_or(self.threshold_db, -120.0, 24.0, d.threshold_db),
            ratio: if self.ratio.is_nan() {
                d.ratio
            } else {
                self.ratio.max(1.0)
            },
            knee_db: clamp_or(self.knee_db, 0.0, 48.0, d.knee_db),
            attack_ms: clamp_or(self.attack_ms, 0.0, 10_000.0, d.attack_ms),
            release_ms: clamp_or(self.release_ms, 0.0, 60_000.0, d.release_ms),
            rms_window_ms: clamp_or(self.rms_window_ms, 0.01, 1_000.0, d.rms_window_ms),
            link: clamp_or(self.link, 0.0, 1.0, d.link),
            lookahead_ms: clamp_or(self.lookahead_ms, 0.0, MAX_LOOKAHEAD_MS, 0.0),
            sc_hpf_hz: clamp_or(self.sc_hpf_hz, 1.0, 20_000.0, d.sc_hpf_hz),
            makeup_db: clamp_or(self.makeup_db, -60.0, 60.0, 0.0),
            mix: clamp_or(self.mix, 0.0, 1.0, d.mix),
            output_db: clamp_or(self.output_db, -150.0, 60.0, 0.0),
            ..*self
        }
    }
}

/// The stereo compressor (see the module docs).
#[derive(Clone, Debug)]
pub struct Compressor {
    sample_rate: f32,
    settings: Settings,
    // One instance per channel (L/R or M/S): their recursions then run as independent scalar
    // chains side by side in one loop, which the CPU overlaps (see `process_chunk`).
    key_filter: [SidechainFilter<f32>; 2],
    detector: [LevelDetector<f32>; 2],
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
    /// Largest level the detector measured (as a power) during the last `process*` call.
    peak_level: f32,
    /// The CPU has AVX2: chunks run through the pipeline's AVX2 build ([`Self::run_chunk`]).
    avx2: bool,
    /// [`process_dry`](Self::process_dry) skipped the detection: it restarts from rest.
    detection_skipped: bool,
}

fn switch(on: bool) -> f32 {
    if on { 1.0 } else { 0.0 }
}

/// Frames per pass of the processing pipeline ([`Compressor::process_chunk`]): long enough
/// for the vectorised stages to pay off, short enough that the scratch arrays stay in L1.
const CHUNK: usize = 64;
/// One chunk of stereo audio, channel by channel (so each channel is a plain array that
/// vectorises across time).
type Chunk = [[f32; CHUNK]; 2];

/// max for values known not to be NaN (one instruction, unlike `f32::max`).
#[inline(always)]
fn max(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}

/// The largest of `init` and `xs` (none of them NaN). Eight running maxima side by side,
/// folded at the end: one running maximum is a serial chain of compares (a float maximum is
/// not something LLVM may reorder into a vector reduction), eight independent ones are a
/// vector max per eight samples. The maximum of a set does not depend on the order.
#[inline(always)]
fn peak(init: f32, xs: &[f32]) -> f32 {
    let mut acc = [init; 8];
    let mut rows = xs.chunks_exact(8);
    for row in &mut rows {
        for (a, &v) in acc.iter_mut().zip(row) {
            *a = max(*a, v);
        }
    }
    let rest = rows.remainder().iter().fold(init, |a, &v| max(a, v));
    acc.iter().fold(rest, |a, &v| max(a, v))
}

/// Whether a glide has arrived at `value` (so the next samples are all exactly `value`).
fn settled_at(s: &Smoother, value: f32) -> bool {
    s.is_settled() && s.value() == value
}

/// `a` at t = 0, `b` at t = 1 (both exactly), linear in between. Written as selects of an
/// always-computed blend, so loops over it vectorise.
#[inline(always)]
fn fade(t: f32, a: f32, b: f32) -> f32 {
    let blend = a + (b - a) * t;
    let ends = if t == 1.0 { b } else { blend };
    if t == 0.0 { a } else { ends }
}

crate::processor::processor!(Compressor, Settings, mono: |c: &mut Compressor, buf: &mut [f32]| c.process_mono(buf, None));

impl Compressor {
    /// Allocates everything (the lookahead and listen delay lines, for [`MAX_LOOKAHEAD_MS`] at
    /// `sample_rate`). The engine works in fixed 64-frame chunks on the stack, so no buffer
    /// depends on `max_block_len`; it is taken for the shape every processor shares.
    pub fn new(sample_rate: f32, _max_block_len: usize) -> Self {
        let fs = rate_at_least(sample_rate, 1.0);
        let d = Settings::default();
        let lookahead = Lookahead::new(fs, MAX_LOOKAHEAD_MS);
        let glide = |v: f32| Smoother::new(fs, GLIDE_MS, v);
        let mut c = Self {
            sample_rate: fs,
            settings: d,
            key_filter: [(); 2].map(|_| SidechainFilter::new(fs, d.sc_hpf_hz, d.sc_hpf)),
            detector: [(); 2].map(|_| LevelDetector::new(fs, d.detector, d.rms_window_ms)),
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
            peak_level: 0.0,
            avx2: has_avx2(),
            detection_skipped: false,
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
        self.curve_gliding =
            !(self.threshold.is_settled() && self.slope.is_settled() && self.knee.is_settled());

        self.ballistics.set_attack_ms(s.attack_ms);
        self.ballistics.set_release_ms(s.release_ms);
        self.ballistics.set_auto_release(s.auto_release);
        for d in &mut self.detector {
            d.set_mode(s.detector);
            d.set_rms_window_ms(s.rms_window_ms);
        }
        for f in &mut self.key_filter {
            f.set_enabled(s.sc_hpf);
            f.set_cutoff_hz(s.sc_hpf_hz);
        }
        self.lookahead.set_ms(s.lookahead_ms);
        self.link = s.link;

        // Auto make-up follows the *target* curve, so it glides with it.
        let auto = if s.auto_makeup {
            GainComputer::with_slope(s.threshold_db, ratio_to_slope(s.ratio), s.knee_db)
                .auto_makeup_db()
        } else {
            0.0
        };
        self.makeup
            .set_target(fast_db::db_to_gain(s.makeup_db + auto));
        self.mix.set_target(s.mix);
        self.output.set_target(fast_db::db_to_gain(s.output_db));
        if s.listen && !self.listening() {
            // Listening starts from silence rather than from whatever the delay held when it
            // was last used (it is not fed while nobody listens).
            self.listen_delay.reset();
        }
        self.listen.set_target(switch(s.listen));
        self.mid_side
            .set_target(switch(s.channels == ChannelMode::MidSide));
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
        self.curve = GainComputer::with_slope(
            self.threshold.value(),
            self.slope.value(),
            self.knee.value(),
        );
        self.curve_gliding = false;
        self.lookahead
            .set_delay_samples_immediately(self.lookahead.latency_samples());
        for f in &mut self.key_filter {
            f.reset();
        }
    }

    /// Clears all signal state (delay lines, filters, detector, gain) and completes every
    /// glide. No allocation.
    pub fn reset(&mut self) {
        self.snap();
        self.reset_detection();
        self.lookahead.reset();
        self.listen_delay.reset();
    }

    /// The detection side back to rest (filter, detector, gain reduction, meters); the audio
    /// delay keeps its contents.
    fn reset_detection(&mut self) {
        for f in &mut self.key_filter {
            f.reset();
        }
        for d in &mut self.detector {
            d.reset();
        }
        self.ballistics.reset();
        self.peak_gr = Stereo::zero();
        self.peak_level = 0.0;
        self.detection_skipped = false;
    }

    /// Whether the output is the dry signal, and stays so until the settings change: mix,
    /// listen and output gain settled at 0, off and unity (what [`Settings::bypassed`] glides
    /// to). Then [`process_dry`](Self::process_dry) gives the same output for less work.
    pub fn is_dry(&self) -> bool {
        settled_at(&self.mix, 0.0) && settled_at(&self.listen, 0.0) && settled_at(&self.output, 1.0)
    }

    /// For a compressor that is switched off: while [`is_dry`](Self::is_dry), exactly what
    /// [`process`](Self::process) outputs (the input through the lookahead delay, so the
    /// latency does not change), without running the detection, which nobody hears. The
    /// gain-reduction meter then reads 0, and the next `process*` call starts the detection
    /// from rest (no reduction), as a compressor switched in does. Outside `is_dry` this is
    /// `process`.
    pub fn process_dry(&mut self, left: &mut [f32], right: &mut [f32]) {
        if !self.is_dry() {
            self.process(left, right);
            return;
        }
        let n = left.len().min(right.len());
        self.lookahead
            .process_split(&mut left[..n], &mut right[..n]);
        if !self.detection_skipped {
            self.reset_detection();
            self.detection_skipped = true;
        }
    }

    /// The delay of the audio in samples (the lookahead), to report to the host.
    pub fn latency_samples(&self) -> u32 {
        self.lookahead.latency_samples() as u32
    }

    /// The largest gain reduction (dB, ≥ 0) per channel (L/R, or M/S in mid/side mode)
    /// during the last `process*` call, for meters (see [`GainReductionMeter`](super::meter::GainReductionMeter)).
    pub fn gain_reduction_db(&self) -> [f32; 2] {
        self.peak_gr.0
    }

    /// The highest level (dB) the detector measured during the last `process*` call, in
    /// either channel: the input of the static curve, so an editor can mark where on the
    /// transfer curve the signal is (after the sidechain filter, from the key in external
    /// mode, peak or RMS as set). −∞-ish (very low) in silence.
    pub fn detector_level_db(&self) -> f32 {
        fast_db::power_to_db(self.peak_level)
    }

    /// Processes a stereo block in place; the detector hears the input itself, or silence in
    /// [`SidechainSource::External`] mode (no key given: see the module docs).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.process_keyed(left, right, None);
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
        self.process_keyed(left, right, Some((key_left, key_right)));
    }

    fn process_keyed(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        key: Option<(&[f32], &[f32])>,
    ) {
        if self.detection_skipped {
            self.reset_detection();
        }
        self.peak_gr = Stereo::zero();
        self.peak_level = 0.0;
        let n = left.len().min(right.len());
        let link = self.link;
        let mut start = 0;
        while start < n {
            let len = (n - start).min(CHUNK);
            let range = start..start + len;
            let mut x = [[0.0; CHUNK]; 2];
            x[0][..len].copy_from_slice(&left[range.clone()]);
            x[1][..len].copy_from_slice(&right[range.clone()]);
            let k = self.key_chunk(&x, key, start, len);
            self.run_chunk(&mut x, k, len, link, true);
            left[range.clone()].copy_from_slice(&x[0][..len]);
            right[range].copy_from_slice(&x[1][..len]);
            start += len;
        }
    }

    /// Processes one channel in place, with an optional stereo external key (see the module
    /// docs: the louder key channel drives the gain). Link and mid/side do not apply.
    pub fn process_mono(&mut self, buf: &mut [f32], key: Option<(&[f32], &[f32])>) {
        if self.detection_skipped {
            self.reset_detection();
        }
        self.peak_gr = Stereo::zero();
        self.peak_level = 0.0;
        let mut start = 0;
        while start < buf.len() {
            let len = (buf.len() - start).min(CHUNK);
            let range = start..start + len;
            let mut x = [[0.0; CHUNK]; 2];
            x[0][..len].copy_from_slice(&buf[range.clone()]);
            x[1] = x[0];
            let k = self.key_chunk(&x, key, start, len);
            self.run_chunk(&mut x, k, len, 1.0, false);
            buf[range].copy_from_slice(&x[0][..len]);
            start += len;
        }
    }

    /// What the detector hears for the chunk of `x` starting at `start` in the block.
    fn key_chunk(
        &self,
        x: &Chunk,
        key: Option<(&[f32], &[f32])>,
        start: usize,
        len: usize,
    ) -> Chunk {
        match (self.settings.sidechain, key) {
            (SidechainSource::Internal, _) => *x,
            (SidechainSource::External, None) => [[0.0; CHUNK]; 2],
            (SidechainSource::External, Some((kl, kr))) => {
                let mut k = [[0.0; CHUNK]; 2];
                for (dst, src) in k.iter_mut().zip([kl, kr]) {
                    // Shorter key slices: the missing end stays silent.
                    let from = src.get(start..).unwrap_or(&[]);
                    let m = from.len().min(len);
                    dst[..m].copy_from_slice(&from[..m]);
                }
                k
            }
        }
    }

    avx2_dispatch! {
        /// [`process_chunk`](Self::process_chunk) in the build for this CPU.
        fn run_chunk(
            &mut self,
            x: &mut Chunk,
            key: Chunk,
            n: usize,
            link: f32,
            allow_mid_side: bool,
        ) = process_chunk;
        /// [`process_chunk`](Self::process_chunk) compiled for AVX2 (eight f32 per vector
        /// instruction). Without FMA (a fused multiply-add rounds once where the baseline
        /// rounds twice), so it computes exactly what the baseline build does.
        avx2 if self.avx2: fn process_chunk_avx2;
    }

    /// Up to [`CHUNK`] frames through the whole chain, stage by stage, each channel an array.
    ///
    /// Why stages: the recursions (filter, RMS average, ballistics) are serial dependency
    /// chains, one per channel, so they run in scalar loops that keep both channels' chains
    /// side by side for the CPU to overlap. Everything stateless between them (dB conversions,
    /// the static curve, the mix) is a plain loop over an array, which the compiler vectorises
    /// four samples at a time. Each stage does the same per-sample arithmetic however a block
    /// is cut into chunks, so the output does not depend on the host's block sizes.
    #[inline(always)]
    fn process_chunk(
        &mut self,
        x: &mut Chunk,
        mut key: Chunk,
        n: usize,
        link: f32,
        allow_mid_side: bool,
    ) {
        let n = n.min(CHUNK);
        let mid_side = allow_mid_side && self.settings.channels == ChannelMode::MidSide;

        // 1. Sidechain filter and detector (recursive): key → what the detector measures, as
        //    a power. `heard` keeps the filtered key for "listen".
        let mut heard = [[0.0; CHUNK]; 2];
        let plain_peak = !self.key_filter.iter().any(SidechainFilter::is_enabled)
            && self.detector.iter().all(|d| d.mode() == Detector::Peak);
        if plain_peak {
            // No filter and no state: what `detect` computes, as loops that vectorise.
            if self.listening() {
                heard = key;
            }
            if mid_side {
                let [left, right] = &mut key;
                for (l, r) in left[..n].iter_mut().zip(&mut right[..n]) {
                    (*l, *r) = ((*l + *r) * 0.5, (*l - *r) * 0.5);
                }
            }
            for ch in &mut key {
                for v in &mut ch[..n] {
                    *v = peak_power(*v);
                }
            }
        } else if self.key_filter.iter().any(SidechainFilter::is_gliding) {
            self.detect::<true>(&mut key, &mut heard, n, mid_side);
        } else {
            self.detect::<false>(&mut key, &mut heard, n, mid_side);
        }

        // The loudest level of the chunk, for meters.
        self.peak_level = peak(peak(self.peak_level, &key[0][..n]), &key[1][..n]);

        // 2. Level in dB and the static curve: the target gain reduction (vectorised).
        if self.curve_gliding {
            for i in 0..n {
                self.glide_curve();
                for ch in &mut key {
                    ch[i] = self.curve.gain_reduction_db(fast_db::power_to_db(ch[i]));
                }
            }
        } else {
            let curve = self.curve;
            for ch in &mut key {
                for v in &mut ch[..n] {
                    *v = curve.gain_reduction_db(fast_db::power_to_db(*v));
                }
            }
        }

        // 3. Ballistics (recursive), link, meter.
        let (gl, gr) = key.split_at_mut(1);
        let (gl, gr) = (&mut gl[0][..n], &mut gr[0][..n]);
        self.ballistics.process_split(gl, gr);
        for (l, r) in gl.iter_mut().zip(gr.iter_mut()) {
            let g = stereo::link(Stereo::new(*l, *r), link);
            (*l, *r) = (g.left(), g.right());
        }
        let [peak_l, peak_r] = self.peak_gr.0;
        self.peak_gr = Stereo::new(peak(peak_l, gl), peak(peak_r, gr));

        // 4. Gain reduction to a linear gain, with make-up (vectorised).
        let mut makeup = [0.0; CHUNK];
        self.makeup.process_block(&mut makeup[..n]);
        for ch in &mut key {
            for (g, m) in ch[..n].iter_mut().zip(&makeup[..n]) {
                *g = fast_db::db_to_gain(-*g) * m;
            }
        }
        let gain = key;

        // 5. The lookahead delay on the audio, and on what the detector heard while listening.
        // In place: from here on `x` holds the delayed input (the dry signal) until each
        // sample's output replaces it.
        let [dl, dr] = &mut *x;
        self.lookahead.process_split(&mut dl[..n], &mut dr[..n]);
        if self.listening() {
            let delay = self.lookahead.latency_samples();
            let [hl, hr] = &mut heard;
            for (l, r) in hl[..n].iter_mut().zip(&mut hr[..n]) {
                self.listen_delay.push(Stereo::new(*l, *r));
                let h = self.listen_delay.read(delay);
                (*l, *r) = (h.left(), h.right());
            }
        }

        // 6. Gain (L/R or M/S), mix, output gain, listen; each glides per sample (vectorised).
        let mut output = [0.0; CHUNK];
        self.output.process_block(&mut output[..n]);
        let plain = (!allow_mid_side || settled_at(&self.mid_side, 0.0))
            && settled_at(&self.mix, 1.0)
            && settled_at(&self.listen, 0.0);
        if plain {
            // The usual case, and exactly what the general loop below computes for it.
            for ch in 0..2 {
                for i in 0..n {
                    x[ch][i] = flush_denormal(x[ch][i] * gain[ch][i]) * output[i];
                }
            }
            return;
        }
        let mut ms = [0.0; CHUNK];
        if allow_mid_side {
            self.mid_side.process_block(&mut ms[..n]);
        }
        let (mut mix, mut listen) = ([0.0; CHUNK], [0.0; CHUNK]);
        self.mix.process_block(&mut mix[..n]);
        self.listen.process_block(&mut listen[..n]);
        for i in 0..n {
            let (dl, dr) = (x[0][i], x[1][i]);
            let (gl, gr) = (gain[0][i], gain[1][i]);
            let (m, s) = ((dl + dr) * 0.5 * gl, (dl - dr) * 0.5 * gr);
            let wl = flush_denormal(fade(ms[i], dl * gl, m + s));
            let wr = flush_denormal(fade(ms[i], dr * gr, m - s));
            // `fade` is exact at its ends: 100 % is the wet signal and 0 % the delayed input,
            // bit for bit; a gain of 1.0 is exact too.
            let ol = fade(mix[i], dl, wl) * output[i];
            let or = fade(mix[i], dr, wr) * output[i];
            x[0][i] = fade(listen[i], ol, heard[0][i]);
            x[1][i] = fade(listen[i], or, heard[1][i]);
        }
    }

    /// Stage 1 of [`process_chunk`](Self::process_chunk), for a filter cutoff that is
    /// `GLIDING` or not (two loops, so the usual steady one has no `tan` call in it).
    #[inline(always)]
    fn detect<const GLIDING: bool>(
        &mut self,
        key: &mut Chunk,
        heard: &mut Chunk,
        n: usize,
        mid_side: bool,
    ) {
        let [fl, fr] = &mut self.key_filter;
        let [dl, dr] = &mut self.detector;
        for i in 0..n {
            let (kl, kr) = if GLIDING {
                (fl.process_sample(key[0][i]), fr.process_sample(key[1][i]))
            } else {
                (fl.process_steady(key[0][i]), fr.process_steady(key[1][i]))
            };
            (heard[0][i], heard[1][i]) = (kl, kr);
            let (a, b) = if mid_side {
                ((kl + kr) * 0.5, (kl - kr) * 0.5)
            } else {
                (kl, kr)
            };
            (key[0][i], key[1][i]) = (dl.power(a), dr.power(b));
        }
    }

    /// Whether "listen" is on or still fading.
    fn listening(&self) -> bool {
        self.listen.value() != 0.0 || self.listen.target() != 0.0
    }

    #[cold]
    fn glide_curve(&mut self) {
        let (t, s, k) = (self.threshold.next(), self.slope.next(), self.knee.next());
        self.curve = GainComputer::with_slope(t, s, k);
        self.curve_gliding =
            !(self.threshold.is_settled() && self.slope.is_settled() && self.knee.is_settled());
    }
}
