//! The brickwall lookahead limiter: no sample, and no peak between samples, crosses the
//! ceiling, whatever comes in.
//!
//! ```text
//! in ─ drive ─┬─ peak detector ─ required gain ─ window min ─ release ─ link ─ 2 boxes ─┐
//!             │  (true peak: 16 points/sample)    (hold S)    (dB)            (span S)  │ gain
//!             └─ lookahead delay (L = D + S − 1 samples) ─────────────────────────── × ─┴─ (dither) ─ out
//! ```
//!
//! **Why it cannot clip.** For each input sample the detector ([`true_peak`]) estimates the
//! sample's peak p (its own value and the waveform on both sides of it), D = 32 samples later.
//! The gain that sample needs is r = min(1, ceiling / p). A sliding-window minimum
//! ([`WindowMin`]) over the last S of these is the smallest gain any sample in that window
//! needs; two cascaded moving averages ([`MovingAverage`]) with a total span of S smooth it
//! into the gain that is applied. An average is never above the largest value it averages,
//! and S samples after a sample's r entered the window minimum, every value the averages
//! hold was computed with that sample inside the window: the smoothed gain is then at most
//! its r. So the audio is delayed by exactly L = D + S − 1 samples (S is the lookahead, the
//! length of the gain's ramp; L, the lookahead plus [`DETECTOR_LATENCY`] = 31 samples, is
//! reported as latency), and every sample leaves multiplied by a gain no larger than it
//! needs — reached exactly when it arrives, not one sample late. Release happens between the hold and the
//! averages (the branching one-pole of [`Ballistics`] with an instant attack, in dB, with the
//! same auto release as the compressor), and so does the stereo link (towards the larger
//! reduction); both only ever lower the gain the averages see, so neither can break the
//! argument. The averages are exact integer sums, so it holds after hours of audio too.
//!
//! **Rounding.** The gain path is f32/f64 arithmetic with a few roundings per sample; the
//! detector aims 2⁻²⁰ (8·10⁻⁶ dB) below the ceiling so that none of them can carry a sample
//! over it. A final clamp at the ceiling is kept as a guard and counts what it touches
//! ([`Limiter::clamped_samples`]); the tests require that count to stay zero.
//!
//! **The ceiling** is applied where the peak is detected, so ceiling automation is aligned
//! with the audio it affects (the host compensates the latency), like everything else.
//!
//! **Sample peak** runs the same stages once per group of 16 samples instead
//! ([`GroupedGain`]: the same argument, by groups; the gain drawn out linearly between group
//! values), with the peak read straight from the driven audio, not through the detector, so
//! the latency stays the same in both modes. It is more than twice as fast and a little more
//! conservative (a peak holds its whole group): the output is 0.02–0.11 dB quieter than the
//! per-sample path's at the defaults (tested, with the figures).
//!
//! **Lookahead changes** move the delay, the hold window and the averages together. Audio
//! already in the delay line would otherwise jump in time (a click), so a change fades the
//! output out over [`SWITCH_FADE_MS`], switches (rebuilding the window from its history and
//! starting the averages at the smallest gain any sample in flight needs, so the ceiling holds
//! through the switch), and fades back in. The new latency is reported at once; hosts
//! usually restart the plugin on a latency change anyway. A change of peak mode, or of the
//! lookahead in sample-peak mode, starts the new path afresh instead: it has not seen the
//! audio in flight, so that audio leaves muted, between the fade out and the fade in.
//!
//! **Bypass** glides to the input delayed by the same latency (so bypassing neither clicks
//! nor moves the track in time), bit for bit once the glide is over. **Dither** ([`Dither`])
//! is the last step before the bypass fade.
//!
//! **Performance** (true peak): blocks run in chunks of 64 frames, stage by stage as in the compressor:
//! the interpolator as a per-channel loop; the window minimum and the averages by blocks
//! ([`WindowMin::process`], [`MovingAverage::process`]: exactly what pushing one value at a
//! time gives, with only a few integer adds and one `min` per eight values left serial); the
//! release recursion per sample; the dB conversions and gain arithmetic as loops the compiler
//! vectorises. A settled ceiling skips its delay line.
//!
//! [`true_peak`]: super::true_peak

use crate::delay_line::DelayLine;
use crate::gain::within;
use crate::kernel::sanitize::{clamp_or, finite_or_zero, flush_denormal};
use crate::kernel::simd::{avx2_dispatch, has_avx2};
use crate::lane::Stereo;
use crate::monitor::MonoCheck;
use crate::processor::rate_at_least;
use crate::smoother::Smoother;

use super::ballistics::Ballistics;
use super::dither::{Dither, DitherDepth};
use super::dry_path::DryPath;
use super::fast_db;
use super::grouped_gain::GroupedGain;
use super::lookahead::Lookahead;
use super::moving_average::MovingAverage;
use super::stereo;
use super::true_peak::{DELAY, TruePeakDetector};
use super::window_min::WindowMin;

/// Shortest lookahead.
pub const MIN_LOOKAHEAD_MS: f32 = 0.5;
/// Longest lookahead.
pub const MAX_LOOKAHEAD_MS: f32 = 10.0;
/// Time constant of the drive, ceiling and bypass glides.
pub const GLIDE_MS: f32 = 10.0;
/// Samples of latency beyond the lookahead: the true-peak detector's delay, less the one
/// sample by which the gain's ramp and the detection overlap (see [`Limiter::latency_for_ms`]).
pub const DETECTOR_LATENCY: usize = DELAY - 1;
/// Fade out (and back in) around a lookahead change.
pub const SWITCH_FADE_MS: f32 = 5.0;
/// The detector aims this fraction of the ceiling (1 − 2⁻²⁰) so that rounding in the gain
/// path cannot carry a sample over the ceiling.
pub(super) const AIM: f32 = 1.0 - 1.0 / 1_048_576.0;

/// What the detector measures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PeakMode {
    /// Samples and the waveform between them (BS.1770 true peak).
    #[default]
    TruePeak,
    /// Sample values only: cheaper (the gain path by groups of 16 samples), and no limiting
    /// of inter-sample peaks.
    SamplePeak,
}

/// Plain settings in real units, mirroring the plugin's parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Input gain in dB, 0…36.
    pub drive_db: f32,
    /// dB (dBTP in true-peak mode), −20…0.
    pub ceiling_db: f32,
    /// ms, [`MIN_LOOKAHEAD_MS`]…[`MAX_LOOKAHEAD_MS`]: the attack time and the latency.
    pub lookahead_ms: f32,
    /// ms, 1…1000 (63 % recovery time, see [`ballistics`](super::ballistics)).
    pub release_ms: f32,
    /// Program-dependent release.
    pub auto_release: bool,
    /// Stereo link 0…1.
    pub link: f32,
    pub peak_mode: PeakMode,
    pub dither: DitherDepth,
    /// The mono sum on both outputs ([`MonoCheck`]), before the dither; bypass glides to the
    /// stereo input all the same.
    pub mono_check: bool,
    /// Glide to the input, delayed by the latency.
    pub bypass: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            drive_db: 0.0,
            ceiling_db: -1.0,
            lookahead_ms: 1.5,
            release_ms: 100.0,
            auto_release: false,
            link: 1.0,
            peak_mode: PeakMode::TruePeak,
            dither: DitherDepth::Off,
            mono_check: false,
            bypass: false,
        }
    }
}

impl Settings {
    /// Clamped to what the engine accepts; NaN falls back to the default.
    fn sanitized(&self) -> Self {
        let d = Self::default();
        Self {
            drive_db: clamp_or(self.drive_db, -60.0, 60.0, d.drive_db),
            ceiling_db: clamp_or(self.ceiling_db, -60.0, 0.0, d.ceiling_db),
            lookahead_ms: clamp_or(
                self.lookahead_ms,
                MIN_LOOKAHEAD_MS,
                MAX_LOOKAHEAD_MS,
                d.lookahead_ms,
            ),
            release_ms: clamp_or(self.release_ms, 0.1, 10_000.0, d.release_ms),
            link: clamp_or(self.link, 0.0, 1.0, d.link),
            ..*self
        }
    }
}

/// Frames per pass through the stages.
const CHUNK: usize = 64;
type Chunk = [[f32; CHUNK]; 2];

/// Non-finite → 0, and no subnormals into the interpolator and the delay (and the
/// oversampler's filters).
#[inline(always)]
pub(super) fn sane(x: f32) -> f32 {
    flush_denormal(finite_or_zero(x))
}

/// Runs a block through `chunk` in stack chunks of up to `C` frames: a stereo block (`right`
/// given; both as long as the shorter) or a mono one (channel 1 of each chunk zero, and
/// ignored). `len` chooses each chunk's length from the frames left (at most `C` is taken
/// whatever it answers). Here and in the oversampled limiter, whose switch fade shortens
/// chunks.
#[inline(always)]
pub(super) fn in_chunks<P, const C: usize>(
    processor: &mut P,
    left: &mut [f32],
    mut right: Option<&mut [f32]>,
    mut len: impl FnMut(&mut P, usize) -> usize,
    mut chunk: impl FnMut(&mut P, &mut [[f32; C]; 2], usize, bool),
) {
    let mono = right.is_none();
    let n = right
        .as_ref()
        .map_or(left.len(), |r| left.len().min(r.len()));
    let mut start = 0;
    while start < n {
        let len = len(processor, n - start).min(C);
        let range = start..start + len;
        let mut x = [[0.0; C]; 2];
        x[0][..len].copy_from_slice(&left[range.clone()]);
        if let Some(right) = right.as_deref_mut() {
            x[1][..len].copy_from_slice(&right[range.clone()]);
        }
        chunk(processor, &mut x, len, mono);
        left[range.clone()].copy_from_slice(&x[0][..len]);
        if let Some(right) = right.as_deref_mut() {
            right[range].copy_from_slice(&x[1][..len]);
        }
        start += len;
    }
}

#[inline(always)]
fn min(a: f32, b: f32) -> f32 {
    if a < b { a } else { b }
}

/// The smallest of `start` and `x` (not NaN), in eight running minima side by side: one
/// running minimum is a chain of dependent `min`s, four cycles each.
#[inline(always)]
fn smallest(x: &[f32], start: f32) -> f32 {
    let mut lanes = [start; 8];
    let mut blocks = x.chunks_exact(8);
    for b in &mut blocks {
        for (m, &v) in lanes.iter_mut().zip(b) {
            *m = min(*m, v);
        }
    }
    let rest = blocks.remainder().iter().fold(start, |m, &v| min(m, v));
    lanes.iter().fold(rest, |m, &v| min(m, v))
}

/// The stereo (and mono) limiter; see the module docs.
#[derive(Clone, Debug)]
pub struct Limiter {
    sample_rate: f32,
    settings: Settings,
    detectors: [TruePeakDetector; 2],
    /// The true-peak gain path, per sample.
    windows: [WindowMin; 2],
    release: Ballistics<Stereo>,
    averages: [MovingAverage; 2],
    /// The sample-peak gain path, by groups, with its own lookahead delay.
    grouped: GroupedGain,
    /// The path running now (the settings' may differ while switching).
    mode: PeakMode,
    /// Output samples still to mute after a switch that dropped the audio in flight.
    mute: usize,
    /// The driven audio (what is limited, true-peak path).
    audio: Lookahead<Stereo>,
    /// The plain input and the glide to it (bypass).
    dry: DryPath,
    /// The ceiling each sample was detected against, delayed to meet it at the output.
    ceilings: DelayLine<f32>,
    /// How many of the newest values in `ceilings` equal `last_ceiling` (bit for bit),
    /// counted to beyond what can be read: then a settled ceiling needs no delay at all.
    ceiling_run: usize,
    last_ceiling: f32,
    drive: Smoother,
    ceiling: Smoother,
    mono_check: MonoCheck,
    dither: Dither,
    link: f32,
    /// Samples of delay now, and what the settings ask for (different while switching).
    latency: usize,
    target_latency: usize,
    min_latency: usize,
    max_latency: usize,
    /// Output level of the switch fade, 0…`fade_len`.
    fade_level: u32,
    fade_len: u32,
    /// Smallest gain per channel during the last `process*` call.
    min_gain: [f32; 2],
    clamped: u64,
    /// Whether this CPU runs [`process_chunk`](Self::process_chunk)'s AVX2 build.
    avx2: bool,
}

crate::processor::processor!(Limiter, Settings, mono: Limiter::process_mono);

impl Limiter {
    /// Allocates everything for [`MAX_LOOKAHEAD_MS`] at `sample_rate`. Chunks live on the
    /// stack, so nothing depends on `max_block_len`; it is taken for the common shape.
    pub fn new(sample_rate: f32, _max_block_len: usize) -> Self {
        let fs = rate_at_least(sample_rate, 1_000.0);
        // The latency is the lookahead (the gain's ramp, at least a sample) plus the
        // detector's delay less one (see `span`).
        let ramp = |ms: f32| Lookahead::<f32>::samples_for(ms, fs).max(1);
        let max_latency = ramp(MAX_LOOKAHEAD_MS).max(2) + DELAY - 1;
        let min_latency = within(ramp(MIN_LOOKAHEAD_MS) + DELAY - 1, DELAY, max_latency);
        // Room in the delay lines for the longest latency.
        let max_delay_ms = (max_latency + 1) as f32 * 1e3 / fs;
        let max_span = max_latency - DELAY + 1;
        let d = Settings::default();
        let glide = |v: f32| Smoother::new(fs, GLIDE_MS, v);
        let window = || WindowMin::new(max_span, max_span + max_latency + 1);
        let mut limiter = Self {
            sample_rate: fs,
            settings: d,
            detectors: [TruePeakDetector::new(), TruePeakDetector::new()],
            windows: [window(), window()],
            release: Ballistics::new(fs, 0.0, d.release_ms),
            averages: [MovingAverage::new(max_span), MovingAverage::new(max_span)],
            grouped: GroupedGain::new(fs, max_latency),
            mode: d.peak_mode,
            mute: 0,
            audio: Lookahead::new(fs, max_delay_ms),
            dry: DryPath::new(fs, max_delay_ms, GLIDE_MS),
            ceilings: DelayLine::new(max_latency),
            ceiling_run: 0,
            last_ceiling: 0.0,
            drive: glide(1.0),
            ceiling: glide(1.0),
            mono_check: MonoCheck::new(fs),
            dither: Dither::new(),
            link: d.link,
            latency: 0,
            target_latency: 0,
            min_latency,
            max_latency,
            fade_level: 0,
            fade_len: ((SWITCH_FADE_MS * 1e-3 * fs) as u32).max(1),
            min_gain: [1.0; 2],
            clamped: 0,
            avx2: has_avx2(),
        };
        limiter.update_immediately(&d);
        limiter.reset();
        limiter
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// True peak from the 16× cascade alone, without the eight points of the 4× meters: for
    /// a core running at a multiple of the output rate, where those points describe no meter
    /// and their ripple would only modulate the gain (see `oversampled_limiter`).
    pub fn cascade_only(mut self) -> Self {
        self.detectors = [(); 2].map(|_| TruePeakDetector::new().cascade_only());
        self
    }

    /// The settings last passed to [`update`](Self::update) (sanitised).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The latency in samples for a lookahead in ms at this rate: the lookahead (the length
    /// of the gain's ramp, [`lookahead_samples`](Self::lookahead_samples)) plus the true-peak
    /// detector's delay less one ([`DETECTOR_LATENCY`]).
    pub fn latency_for_ms(&self, ms: f32) -> usize {
        within(
            Lookahead::<f32>::samples_for(ms, self.sample_rate) + DETECTOR_LATENCY,
            self.min_latency,
            self.max_latency,
        )
    }

    /// The lookahead in samples now: how long before a peak the gain starts to move.
    pub fn lookahead_samples(&self) -> usize {
        self.span()
    }

    /// Starts gliding towards `settings`. Cheap; never allocates.
    pub fn update(&mut self, settings: &Settings) {
        let s = settings.sanitized();
        // libm's exp, not the fast one: the ceiling is a promise to a few ulps.
        self.drive.set_target(crate::gain::db_to_gain(s.drive_db));
        self.ceiling
            .set_target(crate::gain::db_to_gain(s.ceiling_db));
        self.release.set_release_ms(s.release_ms);
        self.release.set_auto_release(s.auto_release);
        self.grouped.set_release(s.release_ms, s.auto_release);
        self.grouped.set_link(s.link);
        self.link = s.link;
        self.dither.set_depth(s.dither);
        self.mono_check.set(s.mono_check);
        self.dry.set(s.bypass);
        // A different lookahead or peak mode fades out and switches (see `process_chunk`).
        self.target_latency = self.latency_for_ms(s.lookahead_ms);
        self.settings = s;
    }

    /// Applies `settings` without any glide or fade (activation, loading a session).
    pub fn update_immediately(&mut self, settings: &Settings) {
        self.update(settings);
        for s in [&mut self.drive, &mut self.ceiling] {
            s.reset_to(s.target());
        }
        self.dry.set_immediately(self.settings.bypass);
        self.mono_check.set_immediately(settings.mono_check);
        if self.must_switch() {
            self.switch();
        }
        self.fade_level = self.fade_len;
    }

    /// Clears all signal state (delays, detector, gain) without allocating; glides and
    /// switches complete at once.
    pub fn reset(&mut self) {
        let s = self.settings;
        self.update_immediately(&s);
        for d in &mut self.detectors {
            d.reset();
        }
        let span = self.span();
        for w in &mut self.windows {
            w.reset(1.0);
            w.set_window(span);
        }
        for a in &mut self.averages {
            a.set_span(span, 1.0);
        }
        self.release.reset();
        self.grouped.restart(span, self.latency);
        self.mute = 0;
        self.audio.reset();
        self.dry.reset();
        self.ceilings.reset();
        self.ceiling_run = 0;
        self.dither.reset();
        self.min_gain = [1.0; 2];
    }

    /// The delay of the audio in samples (the lookahead), to report to the host. During a
    /// lookahead change this is already the new value.
    pub fn latency_samples(&self) -> u32 {
        self.target_latency as u32
    }

    /// The largest gain reduction (dB, ≥ 0) per channel during the last `process*` call.
    pub fn gain_reduction_db(&self) -> [f32; 2] {
        self.min_gain.map(|g| (-fast_db::gain_to_db(g)).max(0.0))
    }

    /// Output samples the final guard clamp has had to touch since creation (zero unless the
    /// design is broken; the tests hold it to that).
    pub fn clamped_samples(&self) -> u64 {
        self.clamped
    }

    /// Hold window and total span of the averages for the current latency (the set
    /// lookahead in samples).
    fn span(&self) -> usize {
        self.latency - DELAY + 1
    }

    /// Whether the settings ask for another latency or peak mode than the one running.
    fn must_switch(&self) -> bool {
        self.target_latency != self.latency || self.settings.peak_mode != self.mode
    }

    /// Moves delay, window and averages to `target_latency` and the gain path to the set
    /// peak mode (see the module docs).
    fn switch(&mut self) {
        let same_path = self.mode == self.settings.peak_mode;
        self.mode = self.settings.peak_mode;
        self.latency = self.target_latency;
        let span = self.span();
        self.audio.set_delay_samples_immediately(self.latency);
        self.dry.set_delay(self.latency);
        match self.mode {
            PeakMode::TruePeak if same_path => {
                for (w, a) in self.windows.iter_mut().zip(&mut self.averages) {
                    w.set_window(span);
                    // Every sample in flight has had its required gain pushed within the
                    // last `latency` pushes (or is yet to be detected, and then sees only
                    // new values).
                    let floor = w.min_of_last(span + self.latency);
                    a.set_span(span, floor);
                }
            }
            PeakMode::TruePeak => {
                // Nothing in flight was detected by this path, and the detectors' history is
                // stale: start afresh and mute until every sample leaving was detected in
                // full (its estimate reaches up to `DELAY` samples back).
                for d in &mut self.detectors {
                    d.reset();
                }
                for (w, a) in self.windows.iter_mut().zip(&mut self.averages) {
                    w.set_window(span);
                    w.reset(1.0);
                    a.set_span(span, 1.0);
                }
                self.release.reset();
                self.mute = self.latency + DELAY;
            }
            PeakMode::SamplePeak => {
                self.grouped.restart(span, self.latency);
                self.mute = self.latency;
            }
        }
    }

    /// Processes a stereo block in place.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.min_gain = [1.0; 2];
        in_chunks(self, left, Some(right), |_, rest| rest, Self::run_chunk);
    }

    /// Processes one channel in place (the same engine, the detection done once).
    pub fn process_mono(&mut self, buf: &mut [f32]) {
        self.min_gain = [1.0; 2];
        in_chunks(self, buf, None, |_, rest| rest, Self::run_chunk);
    }

    /// The ceilings through their delay line, `delay` samples (to meet the samples
    /// detected against them), counting how long the newest have been the same.
    #[inline(always)]
    fn delay_ceilings(&mut self, ceiling: &[f32], limit: &mut [f32], delay: usize) {
        for (l, &c) in limit.iter_mut().zip(ceiling) {
            self.ceilings.push(c);
            *l = self.ceilings.read(delay);
            let same = c.to_bits() == self.last_ceiling.to_bits();
            self.ceiling_run = if same {
                self.ceiling_run.saturating_add(1)
            } else {
                1
            };
            self.last_ceiling = c;
        }
    }

    /// The true-peak gain path, one step per sample: peaks, the gain each needs, hold,
    /// release and link, the averages; `late` gets the driven audio delayed by the latency
    /// with that gain applied.
    #[inline(always)]
    fn true_peak_path(
        &mut self,
        driven: &Chunk,
        ceiling: &[f32; CHUNK],
        n: usize,
        mono: bool,
        late: &mut Chunk,
    ) {
        let channels = if mono { 1 } else { 2 };

        // 2. Peaks (for the samples DELAY ago) and the gain each needs.
        let mut need = [[0.0; CHUNK]; 2];
        for ch in 0..channels {
            self.detectors[ch].process_block(&driven[ch][..n], &mut need[ch][..n], true);
        }
        for lane in need.iter_mut().take(channels) {
            for (r, &c) in lane[..n].iter_mut().zip(&ceiling[..n]) {
                let aim = c * AIM;
                *r = if *r > aim { aim / *r } else { 1.0 };
            }
        }

        // 3. Hold: the smallest gain needed within the window.
        let mut held = [[0.0; CHUNK]; 2];
        for ch in 0..channels {
            self.windows[ch].process(&need[ch][..n], &mut held[ch][..n]);
        }
        if mono {
            held[1] = held[0];
        }

        // 4. Release in dB (instant attack), link, back to a gain no larger than the hold.
        let mut gr = [[0.0; CHUNK]; 2];
        for ch in 0..2 {
            for (g, &m) in gr[ch][..n].iter_mut().zip(&held[ch][..n]) {
                *g = -fast_db::gain_to_db(m);
            }
        }
        let [left, right] = &mut gr;
        self.release.process_split(&mut left[..n], &mut right[..n]);
        let link = self.link;
        for (l, r) in left[..n].iter_mut().zip(&mut right[..n]) {
            let g = stereo::link(Stereo::new(*l, *r), link);
            (*l, *r) = (g.left(), g.right());
        }
        for ch in 0..2 {
            for (g, &m) in gr[ch][..n].iter_mut().zip(&held[ch][..n]) {
                *g = min(fast_db::db_to_gain(-*g), m);
            }
        }

        // 5. The averages: the gain that is applied, to the delayed audio.
        let mut gain = [[0.0; CHUNK]; 2];
        for ch in 0..channels {
            self.averages[ch].process(&gr[ch][..n], &mut gain[ch][..n]);
        }
        if mono {
            gain[1] = gain[0];
        }
        for (lowest, lane) in self.min_gain.iter_mut().zip(&gain) {
            *lowest = smallest(&lane[..n], *lowest);
        }
        *late = *driven;
        let [ll, lr] = late;
        self.audio.process_split(&mut ll[..n], &mut lr[..n]);
        for ch in 0..channels {
            for i in 0..n {
                late[ch][i] = flush_denormal(late[ch][i] * gain[ch][i]);
            }
        }
    }

    avx2_dispatch! {
        /// [`process_chunk`](Self::process_chunk) in the build for this CPU.
        fn run_chunk(&mut self, x: &mut Chunk, n: usize, mono: bool) = process_chunk;
        /// [`process_chunk`](Self::process_chunk) compiled for AVX2 (the stage loops and the
        /// true-peak detector run eight lanes wide). Without FMA, so it computes exactly what
        /// the baseline build does (tested).
        avx2 if self.avx2: fn process_chunk_avx2;
    }

    /// Up to [`CHUNK`] frames through every stage (channel 1 ignored and copied when `mono`).
    #[inline(always)]
    fn process_chunk(&mut self, x: &mut Chunk, n: usize, mono: bool) {
        let n = n.min(CHUNK);
        let channels = if mono { 1 } else { 2 };
        if self.must_switch() && self.fade_level == 0 {
            self.switch();
        }

        // The plain input for bypass, delayed like the audio (while it can be heard); the
        // gain path then writes the limited audio over `x`.
        let dry = self.dry.take(x, n);

        // 1. Drive; garbage in becomes silence (a non-finite or subnormal input sample gives a
        // non-finite or subnormal product, and infinity × drive is no better). Whole chunks,
        // both channels: past `n` (and in channel 1 of a mono chunk) are zeros, and what is
        // computed from them is never used; fixed lengths keep every pass free of calls and
        // remainders.
        let driven: Chunk = if self.drive.is_settled() {
            let d = self.drive.value();
            core::array::from_fn(|ch| core::array::from_fn(|i| sane(x[ch][i] * d)))
        } else {
            let drive = Self::glide_block(&mut self.drive, n);
            core::array::from_fn(|ch| core::array::from_fn(|i| sane(x[ch][i] * drive[i])))
        };

        // 2.–5. The gain path, and the audio delayed by the latency with its gain applied.
        // Settled, and all the delay line can give is that value: the delayed ceiling is it.
        let steady_ceiling = self.ceiling.is_settled()
            && self.ceiling.value().to_bits() == self.last_ceiling.to_bits()
            && self.ceiling_run > self.max_latency;
        let ceiling = Self::glide_block(&mut self.ceiling, n);
        // The ceiling meets the sample it was detected against this much later.
        let ceiling_delay = match self.mode {
            PeakMode::TruePeak => {
                self.true_peak_path(&driven, &ceiling, n, mono, x);
                self.latency - DELAY
            }
            PeakMode::SamplePeak => {
                let lowest = self.grouped.process(&driven, &ceiling[..n], n, !mono, x);
                for (m, l) in self.min_gain.iter_mut().zip(lowest) {
                    *m = min(*m, l);
                }
                self.latency
            }
        };

        // 6. The delayed ceiling, the switch fade.
        let mut delayed = [0.0; CHUNK];
        let limit = if steady_ceiling {
            // Nothing pushed: what the line holds stays that value, as it would have.
            &ceiling
        } else {
            self.delay_ceilings(&ceiling[..n], &mut delayed[..n], ceiling_delay);
            &delayed
        };
        let switching = self.must_switch() || self.mute > 0 || self.fade_level != self.fade_len;
        if switching {
            let mut level = [1.0f32; CHUNK];
            let inv = 1.0 / self.fade_len as f32;
            for l in &mut level[..n] {
                if self.must_switch() {
                    self.fade_level = self.fade_level.saturating_sub(1);
                } else if self.mute > 0 {
                    self.mute -= 1;
                } else if self.fade_level < self.fade_len {
                    self.fade_level += 1;
                }
                *l = if self.fade_level == self.fade_len {
                    1.0
                } else {
                    self.fade_level as f32 * inv
                };
            }
            for lane in x.iter_mut().take(channels) {
                for (v, l) in lane.iter_mut().zip(level) {
                    *v *= l;
                }
            }
        }

        // 7. Guard clamp, dither, bypass.
        let mut clamped = 0u64;
        for lane in x.iter_mut().take(channels) {
            for (v, &c) in lane[..n].iter_mut().zip(&limit[..n]) {
                let y = *v;
                let over = y.abs() > c;
                clamped += over as u64;
                *v = if over { c.copysign(y) } else { y };
            }
        }
        self.clamped += clamped;
        if channels == 2 {
            let [l, r] = x;
            self.mono_check.process(&mut l[..n], &mut r[..n]);
        }
        if self.dither.depth() != DitherDepth::Off {
            for (ch, lane) in x.iter_mut().enumerate().take(channels) {
                for (v, &c) in lane[..n].iter_mut().zip(&limit[..n]) {
                    *v = self.dither.process_sample(*v, ch, c);
                }
            }
        }
        self.dry.apply(dry, x, n);
    }

    /// The next `n` values of `glide` in a whole chunk (the rest its last value).
    #[inline(always)]
    fn glide_block(glide: &mut Smoother, n: usize) -> [f32; CHUNK] {
        let mut out = [glide.value(); CHUNK];
        if !glide.is_settled() {
            glide.process_block(&mut out[..n]);
        }
        out
    }
}
