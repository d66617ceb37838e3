//! A tempo-synced stereo delay: free or synced times per channel, feedback up to 110 % with
//! cross-feedback and ping-pong, filters and soft saturation inside the loop, tape-style
//! modulation, two click-free ways to change time, ducking, freeze, width and dry/wet levels.
//!
//! (Not to be confused with [`delay_line`](crate::delay_line), the plain delay line this
//! processor is built on.)
//!
//! # Signal flow, per sample
//!
//! ```text
//!            ┌──────────────────── feedback · cross matrix ◄──────────────┐
//!            ▼                                                            │
//! x ─► input routing ─► (+) ─► high pass ─► low pass ─► saturate ─► lines ┴─► y
//! │                                                                           │
//! │                                               width · wet · ducking ◄─────┘
//! └─► dry ───────────────────────────────────────────────► (+) ─► out
//! ```
//!
//! Two [`DelayLine`]s (one per side, so each side has its own time) are read with the
//! line's cubic Lagrange interpolation at positions kept in f64 (see [`read`]). See
//! [`feedback`] for the loop (routing, filters, why it stays bounded at 110 %), [`tape`] and
//! [`crossfade`] for the two ways a time change is made inaudible, [`modulation`] and
//! [`ducking`] for those, and [`time`] for note values and tempo.
//!
//! # Control chunks
//!
//! Everything that is not audio — smoothed gains, the tape glide, the LFO, the crossfade
//! schedule, the ducking gain, filter cutoffs — is computed once per [`CHUNK`] samples and
//! interpolated linearly within the chunk, and the per-sample work runs in short passes over
//! the chunk (see `Delay::run`): reads, routing, the filters' recursion, saturation and
//! output, writes. That is what makes the delay cheap enough to run on every channel of a mix
//! (the channel strip uses it as an effect return): 15 ns per stereo sample with modulation
//! and both loop filters on (the `delay` bench), about 1300× real time at 48 kHz on one core.
//! A settings change takes effect at the next chunk boundary, at most 32 samples (0.7 ms at
//! 44.1 kHz) later, and glides from there. Chunk boundaries carry over between `process`
//! calls, so the output is bit-identical however the host splits its blocks (tested).
//!
//! # Time changes
//!
//! The target times come from the settings and the tempo ([`Delay::set_tempo`]); a new tempo
//! moves synced times like any other time change. In [`TimeChange::Tape`] the read heads
//! glide to the new time (the pitch bends); in [`TimeChange::Clean`] a second pair of heads
//! starts at the new time and the output crossfades to it. Neither mode makes a discontinuity
//! in the output, so neither clicks.

pub mod crossfade;
pub mod ducking;
pub mod feedback;
pub mod modulation;
pub mod read;
pub mod repeats;
pub mod tape;
pub mod time;

pub use feedback::{MAX_FEEDBACK, Side};
pub use time::{
    DEFAULT_BPM, DelayTime, Division, Feel, MAX_TIME_MS, MIN_TIME_MS, NoteValue, sane_bpm,
};

use crate::delay_line::DelayLine;
use crate::gain::db_to_gain;
use crate::kernel::sanitize::{finite_clamped_or, flush_denormal, sane_sample};
use crate::lane::Stereo;
use crate::processor::usable_rate;
use crate::smoother::Smoother;
use crossfade::Crossfade;
use ducking::Ducker;
use feedback::{LoopFilters, Routing, saturate};
use modulation::{Lfo, MAX_DEPTH_MS};
use read::Taps;
use tape::TapeGlide;
use time::ms_to_samples;

/// Samples per control chunk (see the module docs).
pub const CHUNK: usize = 32;

/// Time constant of gain, feedback, routing and depth glides: 10 ms moves a gain by 99 % in
/// ~50 ms, quick enough for automation, slow enough that a jump never zips.
pub const GLIDE_MS: f32 = 10.0;

/// How a change of delay time is made inaudible.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TimeChange {
    /// The read heads glide to the new time; the echoes bend in pitch like a tape echo's.
    #[default]
    Tape,
    /// A crossfade to heads at the new time; the echoes keep their pitch.
    Clean,
}

/// The delay's settings, in real units; plain data mirroring the plugin's parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub time_left: DelayTime,
    /// Used when `link` is off.
    pub time_right: DelayTime,
    /// The right time follows the left one plus `offset_ms`.
    pub link: bool,
    /// Right minus left time when linked (ms; the result is clamped to the time range).
    pub offset_ms: f32,
    pub time_change: TimeChange,
    /// Loop gain, 0 … 1.1 (1.0 = 100 %: repeats at the same level forever).
    pub feedback: f32,
    /// Share of the feedback that crosses to the other side, 0 … 1 (ignored in ping-pong).
    pub cross_feedback: f32,
    /// Ping-pong starting on the given side (`None`: off).
    pub ping_pong: Option<Side>,
    /// In ping-pong, sum the input to mono into the start side (else left and right enter on
    /// opposite sides).
    pub ping_pong_mono: bool,
    /// Loop high-pass cutoff (Hz), `None` for off.
    pub low_cut_hz: Option<f32>,
    /// Loop low-pass cutoff (Hz), `None` for off.
    pub high_cut_hz: Option<f32>,
    pub mod_rate_hz: f32,
    /// Peak deviation of the delay time (ms), 0 … 10.
    pub mod_depth_ms: f32,
    /// Ducking depth (dB of wet reduction while the input plays), 0 = off … 40.
    pub duck_db: f32,
    pub duck_release_ms: f32,
    /// Loop what the lines hold, forever, without new input.
    pub freeze: bool,
    /// Stereo width of the echoes, 0 (mono) … 2; 1 leaves them alone.
    pub width: f32,
    /// Level of the input in the output (dB; −∞ for none, as on an effect return).
    pub dry_db: f32,
    /// Level of the echoes (dB; −∞ for none).
    pub wet_db: f32,
}

impl Default for Settings {
    /// 1/4 on both sides, 35 % feedback, dry at unity and the echoes 6 dB below it.
    fn default() -> Self {
        Self {
            time_left: DelayTime::Note(NoteValue::QUARTER),
            time_right: DelayTime::Note(NoteValue::QUARTER),
            link: true,
            offset_ms: 0.0,
            time_change: TimeChange::Tape,
            feedback: 0.35,
            cross_feedback: 0.0,
            ping_pong: None,
            ping_pong_mono: true,
            low_cut_hz: None,
            high_cut_hz: None,
            mod_rate_hz: 0.5,
            mod_depth_ms: 0.0,
            duck_db: 0.0,
            duck_release_ms: 250.0,
            freeze: false,
            width: 1.0,
            dry_db: 0.0,
            wet_db: -6.0,
        }
    }
}

impl Settings {
    /// The times (ms) the left and right sides play at `bpm`: each side's free or synced
    /// time, or when linked the left time plus the offset; clamped to [`MIN_TIME_MS`,
    /// `MAX_TIME_MS`]. What the delay aims for, and what an editor shows.
    pub fn times_ms(&self, bpm: f64) -> [f64; 2] {
        let left_ms = self.time_left.ms(bpm);
        let right_ms = if self.link {
            let offset = if self.offset_ms.is_finite() {
                self.offset_ms as f64
            } else {
                0.0
            };
            (left_ms + offset).clamp(MIN_TIME_MS, MAX_TIME_MS)
        } else {
            self.time_right.ms(bpm)
        };
        [left_ms, right_ms]
    }
}

/// Indices of the per-sample gains.
const IN_LL: usize = 0;
const IN_LR: usize = 1;
const IN_RL: usize = 2;
const IN_RR: usize = 3;
const FB_DIRECT: usize = 4;
const FB_CROSS: usize = 5;
const HP_MIX: usize = 6;
const LP_MIX: usize = 7;
const DRY: usize = 8;
const WET_A: usize = 9;
const WET_B: usize = 10;
const GAINS: usize = 11;

/// Default cutoffs for filters that have never been switched on.
const IDLE_LOW_CUT_HZ: f32 = 20.0;
const IDLE_HIGH_CUT_HZ: f32 = 20_000.0;

/// Shortest delay in samples, whatever the rate: every read is then at least a chunk behind
/// the write, which lets `Delay::run` do all of a chunk's reads before its writes. (1 ms, the
/// shortest time, is 44 samples at 44.1 kHz, so this only matters below that rate.)
const MIN_DELAY: f64 = (CHUNK + 4) as f64;

/// The modulation depth (samples) a head may use around base delays `bases`: at most half
/// the shorter one and never below [`MIN_DELAY`], so a read position stays well behind the
/// write position.
#[inline]
fn limited_depth(depth: f64, bases: [f64; 2]) -> f64 {
    let b = bases[0].min(bases[1]);
    depth.min(0.5 * b).min(b - MIN_DELAY).max(0.0)
}

/// The delay processor (see the module docs).
pub struct Delay {
    sample_rate: f64,
    settings: Settings,
    bpm: f64,
    lines: [DelayLine<f32>; 2],
    /// Target delay per side in samples.
    target: [f64; 2],

    /// Gain glides, stepped once per chunk.
    glides: [Smoother; GAINS],
    /// Per-sample gains at the start of the current chunk, their per-sample increments and
    /// their values at its end (sample j of the chunk uses `cur + j·inc`).
    cur: [f32; GAINS],
    inc: [f32; GAINS],
    end: [f32; GAINS],

    xfade: Crossfade,
    tape: TapeGlide,
    lfo: Lfo,
    /// Modulation depth in samples, stepped once per chunk.
    depth: Smoother,
    /// Base delay (without modulation) at the chunk end (tape mode moves it).
    base_end: [f64; 2],
    /// Read position of the current heads (samples of delay, modulation included, counted
    /// before each sample's write) at the chunk start, its per-sample slope, and at the
    /// chunk end; the fading-in heads read at `read + b_offset`.
    read: [f64; 2],
    read_inc: [f64; 2],
    read_end: [f64; 2],
    b_offset: [f64; 2],
    fade_gain: f32,
    fade_inc: f32,
    fading: bool,
    /// Read plans for the current heads (left, right) and the fading-in ones.
    taps: [Taps; 4],

    filters: LoopFilters,
    filters_active: bool,

    ducker: Ducker,
    /// Input peak over the current chunk.
    peak: f32,
    /// Wet gain the ducker asked for at the end of the last chunk.
    duck_gain: f32,

    /// Samples done in the current chunk ([`CHUNK`]: it is complete and the next sample
    /// starts a new one).
    chunk_pos: usize,
}

crate::processor::processor!(Delay, Settings);

impl Delay {
    /// Allocates the delay lines for [`MAX_TIME_MS`] plus the deepest modulation at
    /// `sample_rate`; the only allocation. `_max_block_len` is accepted for the common shape
    /// (the delay needs no block-sized scratch).
    pub fn new(sample_rate: f32, _max_block_len: usize) -> Self {
        let fs = usable_rate(sample_rate) as f64;
        let max_delay = ms_to_samples(MAX_TIME_MS + MAX_DEPTH_MS as f64, fs).ceil() as usize + 4;
        let chunk_rate = (fs / CHUNK as f64) as f32;
        let settings = Settings::default();
        let mut d = Self {
            sample_rate: fs,
            settings,
            bpm: DEFAULT_BPM,
            lines: [DelayLine::new(max_delay), DelayLine::new(max_delay)],
            target: [0.0; 2],
            glides: core::array::from_fn(|_| Smoother::new(chunk_rate, GLIDE_MS, 0.0)),
            cur: [0.0; GAINS],
            inc: [0.0; GAINS],
            end: [0.0; GAINS],
            xfade: Crossfade::new(fs, CHUNK, [0.0; 2]),
            tape: TapeGlide::new(fs, CHUNK),
            lfo: Lfo::default(),
            depth: Smoother::new(chunk_rate, GLIDE_MS, 0.0),
            base_end: [0.0; 2],
            read: [0.0; 2],
            read_inc: [0.0; 2],
            read_end: [0.0; 2],
            b_offset: [0.0; 2],
            fade_gain: 0.0,
            fade_inc: 0.0,
            fading: false,
            taps: Default::default(),
            filters: LoopFilters::new(fs, CHUNK, IDLE_LOW_CUT_HZ, IDLE_HIGH_CUT_HZ),
            filters_active: false,
            ducker: Ducker::new(chunk_rate, settings.duck_db, settings.duck_release_ms),
            peak: 0.0,
            duck_gain: 1.0,
            chunk_pos: CHUNK,
        };
        d.update_immediately(&settings);
        d
    }

    /// Glide to `settings` (times per [`TimeChange`], everything else over ~[`GLIDE_MS`]).
    /// Cheap when nothing changed; never allocates.
    pub fn update(&mut self, settings: &Settings) {
        if *settings != self.settings {
            self.settings = *settings;
            self.retarget(false);
        }
    }

    /// Jump to `settings` without gliding (activation, session load).
    pub fn update_immediately(&mut self, settings: &Settings) {
        self.settings = *settings;
        self.retarget(true);
    }

    /// The host's tempo (BPM); synced times follow it like any other time change. Invalid
    /// tempos fall back to [`DEFAULT_BPM`].
    pub fn set_tempo(&mut self, bpm: f64) {
        let bpm = sane_bpm(bpm);
        if bpm != self.bpm {
            self.bpm = bpm;
            self.retarget(false);
        }
    }

    pub fn tempo(&self) -> f64 {
        self.bpm
    }

    /// The times (ms) the delay is heading for, left and right.
    pub fn times_ms(&self) -> [f64; 2] {
        self.target.map(|t| t * 1e3 / self.sample_rate)
    }

    /// The delay adds no latency: the dry path is untouched.
    pub fn latency_samples(&self) -> u32 {
        0
    }

    /// How long the output rings on after the input stops, in samples: until the repeats
    /// have fallen by 96 dB at the current feedback. `None` when the loop does not decay
    /// (feedback ≥ 100 % or freeze): the tail is infinite.
    pub fn tail_samples(&self) -> Option<u32> {
        let s = &self.settings;
        let feedback = finite_clamped_or(s.feedback, 0.0, MAX_FEEDBACK, 0.0);
        if s.freeze || feedback >= 1.0 {
            return None;
        }
        let longest = self.target[0].max(self.target[1]);
        // Repeats until feedback^n < −96 dB (one repeat with no feedback), plus a time change
        // that may still be under way and the modulation's reach.
        let repeats = if feedback < 1e-6 {
            1.0
        } else {
            ((-96.0f64 / 20.0) * core::f64::consts::LN_10 / (feedback as f64).ln()).ceil() + 1.0
        };
        let extra = ms_to_samples(
            s.mod_depth_ms.clamp(0.0, MAX_DEPTH_MS) as f64 + crossfade::FADE_MS,
            self.sample_rate,
        );
        Some(
            (longest * repeats + extra)
                .ceil()
                .min(u32::MAX as f64 - 1.0) as u32,
        )
    }

    /// Clears the lines and every state (the settings and tempo are kept, and reached at
    /// once). Never allocates.
    pub fn reset(&mut self) {
        for line in &mut self.lines {
            line.reset();
        }
        self.filters.reset();
        self.lfo.reset();
        self.ducker.reset();
        self.retarget(true);
    }

    /// Recomputes every target from the settings and tempo; `jump` lands on them at once.
    fn retarget(&mut self, jump: bool) {
        let s = self.settings;
        let fs = self.sample_rate;
        let [left_ms, right_ms] = s.times_ms(self.bpm);
        self.target = [
            ms_to_samples(left_ms, fs).max(MIN_DELAY),
            ms_to_samples(right_ms, fs).max(MIN_DELAY),
        ];

        let routing = Routing::new(
            s.feedback,
            s.cross_feedback,
            s.ping_pong.map(|side| (side, s.ping_pong_mono)),
            s.freeze,
        );
        let level = |db: f32| {
            if db.is_nan() {
                0.0
            } else {
                db_to_gain(db.min(24.0))
            }
        };
        let (dry, wet) = (level(s.dry_db), level(s.wet_db));
        let width = finite_clamped_or(s.width, 0.0, 2.0, 1.0);
        // A frozen loop must not be filtered (it would fade away); the filters fade out.
        let valid = |hz: Option<f32>| hz.filter(|f| f.is_finite() && *f > 0.0);
        let (low_cut, high_cut) = (valid(s.low_cut_hz), valid(s.high_cut_hz));
        let hp_on = low_cut.is_some() && !s.freeze;
        let lp_on = high_cut.is_some() && !s.freeze;
        let mut targets = [0.0f32; GAINS];
        targets[IN_LL..=IN_RR].copy_from_slice(&routing.input);
        targets[FB_DIRECT] = routing.direct;
        targets[FB_CROSS] = routing.cross;
        targets[HP_MIX] = hp_on as u8 as f32;
        targets[LP_MIX] = lp_on as u8 as f32;
        targets[DRY] = dry;
        // Width as L' = L·(1+w)/2 + R·(1−w)/2 (exactly the identity at w = 1), as in `pan`.
        targets[WET_A] = wet * (1.0 + width) * 0.5;
        targets[WET_B] = wet * (1.0 - width) * 0.5;

        // A filter that is not heard may jump to its new cutoff instead of sweeping there.
        let silent_hp = self.cur[HP_MIX] == 0.0 && self.end[HP_MIX] == 0.0;
        let silent_lp = self.cur[LP_MIX] == 0.0 && self.end[LP_MIX] == 0.0;
        self.filters.set_cutoffs(
            low_cut.unwrap_or(f32::NAN),
            high_cut.unwrap_or(f32::NAN),
            jump || silent_hp,
            jump || silent_lp,
        );
        self.ducker.set(s.duck_db, s.duck_release_ms);
        let depth = ms_to_samples(
            finite_clamped_or(s.mod_depth_ms, 0.0, MAX_DEPTH_MS, 0.0) as f64,
            fs,
        );

        if jump {
            for (g, &t) in self.glides.iter_mut().zip(&targets) {
                g.reset_to(t);
            }
            self.depth.reset_to(depth as f32);
            self.cur = targets;
            self.end = targets;
            self.inc = [0.0; GAINS];
            self.duck_gain = self.ducker.gain();
            self.xfade.jump(self.target);
            self.base_end = self.target;
            let lfo = self.lfo.value();
            self.read = core::array::from_fn(|c| {
                self.target[c] + limited_depth(depth, [self.target[c]; 2]) * lfo[c] - 1.0
            });
            self.read_end = self.read;
            self.read_inc = [0.0; 2];
            self.fading = false;
            self.filters_active = hp_on || lp_on;
            self.peak = 0.0;
            self.chunk_pos = CHUNK;
        } else {
            for (g, &t) in self.glides.iter_mut().zip(&targets) {
                g.set_target(t);
            }
            self.depth.set_target(depth as f32);
        }
    }

    /// Computes the next chunk's per-sample ramps (see the module docs).
    fn begin_chunk(&mut self) {
        let n = CHUNK as f32;
        for k in 0..GAINS {
            self.end[k] = self.glides[k].next();
        }
        self.end[WET_A] *= self.duck_gain;
        self.end[WET_B] *= self.duck_gain;
        for k in 0..GAINS {
            self.inc[k] = (self.end[k] - self.cur[k]) / n;
        }

        self.filters.begin_chunk();
        self.filters_active = self.cur[HP_MIX] != 0.0
            || self.end[HP_MIX] != 0.0
            || self.cur[LP_MIX] != 0.0
            || self.end[LP_MIX] != 0.0;

        // Where the current heads are going: the tape glide moves them (unless a fade from an
        // earlier clean-mode change is still running); clean mode fades to the target.
        let start = self.xfade.from;
        self.fading = match self.settings.time_change {
            TimeChange::Tape if !self.xfade.is_fading() => {
                self.base_end = [0, 1].map(|c| self.tape.next(start[c], self.target[c]));
                false
            }
            _ => {
                self.base_end = start;
                self.xfade.begin_chunk(self.target)
            }
        };
        let to = self.xfade.to;
        let depth = self.depth.next() as f64;
        let lfo = self
            .lfo
            .advance(self.settings.mod_rate_hz, CHUNK, self.sample_rate);
        for c in 0..2 {
            let bases = if self.fading {
                [start[c].min(to[c]), self.base_end[c]]
            } else {
                [start[c], self.base_end[c]]
            };
            self.read_end[c] = self.base_end[c] + limited_depth(depth, bases) * lfo[c] - 1.0;
            self.read_inc[c] = (self.read_end[c] - self.read[c]) / CHUNK as f64;
            self.b_offset[c] = to[c] - start[c];
        }
        self.fade_gain = self.xfade.gain();
        self.fade_inc = if self.fading { self.xfade.step() } else { 0.0 };
        self.chunk_pos = 0;
    }

    /// Lands every ramp exactly on its chunk-end value and does the per-chunk bookkeeping.
    fn end_chunk(&mut self) {
        self.cur = self.end;
        self.read = self.read_end;
        if self.settings.time_change == TimeChange::Tape {
            self.xfade.set_from(self.base_end);
        }
        self.xfade.end_chunk(CHUNK);
        if self.fading && !self.xfade.is_fading() {
            // The faded-in heads are now the current ones.
            for c in 0..2 {
                self.read[c] += self.b_offset[c];
            }
        }
        self.duck_gain = self.ducker.next_gain(self.peak);
        self.peak = 0.0;
        if self.filters_active {
            self.filters.end_chunk();
        }
        if self.filters_active && self.cur[HP_MIX] == 0.0 && self.cur[LP_MIX] == 0.0 {
            // Both filters faded out: restart them from silence when next switched on.
            self.filters.reset();
        }
    }

    /// Processes a stereo block in place. Any length; non-finite input samples are treated
    /// as silence. For a mono source, pass the same signal in both buffers.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.process_keyed(left, right, None);
    }

    /// [`process`](Self::process) with the ducking keyed by `key` (left, right; at least as
    /// long as the block, else the missing part counts as silence) instead of the input: the
    /// echoes step back while another track (the vocal) plays. Only the detector changes.
    pub fn process_keyed(&mut self, left: &mut [f32], right: &mut [f32], key: Option<[&[f32]; 2]>) {
        let len = left.len().min(right.len());
        let mut i = 0;
        while i < len {
            if self.chunk_pos == CHUNK {
                self.begin_chunk();
            }
            let n = (CHUNK - self.chunk_pos).min(len - i);
            let (l, r) = (&mut left[i..i + n], &mut right[i..i + n]);
            let k = key.map(|[kl, kr]| [part(kl, i, n), part(kr, i, n)]);
            // Settled gains (the usual case) skip the per-sample ramps.
            let steady = self.inc.iter().all(|&d| d == 0.0);
            match (self.fading, self.filters_active, steady) {
                (false, false, false) => self.run::<false, false, false>(l, r, k),
                (false, false, true) => self.run::<false, false, true>(l, r, k),
                (false, true, false) => self.run::<false, true, false>(l, r, k),
                (false, true, true) => self.run::<false, true, true>(l, r, k),
                (true, false, false) => self.run::<true, false, false>(l, r, k),
                (true, false, true) => self.run::<true, false, true>(l, r, k),
                (true, true, false) => self.run::<true, true, false>(l, r, k),
                (true, true, true) => self.run::<true, true, true>(l, r, k),
            }
            i += n;
            if self.chunk_pos == CHUNK {
                self.end_chunk();
            }
        }
    }

    /// The per-sample work over part of one chunk, in passes.
    ///
    /// Every read position is at least [`MIN_DELAY`], more than a chunk, behind the write
    /// position (see `limited_depth`), so nothing read in a chunk is written in it: all reads
    /// can happen first, then the loop arithmetic, then the writes. Each pass is a short loop
    /// over arrays; the ones without recursion vectorise, and the filter recursion runs alone
    /// in its own loop, where the CPU overlaps many samples. In one long per-sample loop the
    /// chain read → filters → saturation → write of each sample would wait on the previous
    /// one's, at several times the cost.
    #[inline(always)]
    fn run<const FADE: bool, const FILTERS: bool, const STEADY: bool>(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        key: Option<[&[f32]; 2]>,
    ) {
        let n = left.len().min(right.len()).min(CHUNK);
        let (left, right) = (&mut left[..n], &mut right[..n]);

        // 1. Inputs (non-finite samples become silence) and the ducking's peak: of the key
        //    when there is one, else of the input.
        let mut xl = [0.0f32; CHUNK];
        let mut xr = [0.0f32; CHUNK];
        for k in 0..n {
            xl[k] = sane_sample(left[k]);
            xr[k] = sane_sample(right[k]);
        }
        self.peak = self.peak.max(match key {
            Some([kl, kr]) => peak_of(kl, kr),
            None => peak_of(&xl[..n], &xr[..n]),
        });

        // 2. Read plans (see `read::Taps` for how positions are counted).
        let j0 = self.chunk_pos;
        let [ta, tb, fa, fb] = &mut self.taps;
        let [line_l, line_r] = &self.lines;
        ta.plan(self.read[0], self.read_inc[0], j0, n);
        ta.fetch(line_l, n);
        tb.plan(self.read[1], self.read_inc[1], j0, n);
        tb.fetch(line_r, n);
        if FADE {
            fa.plan(self.read[0] + self.b_offset[0], self.read_inc[0], j0, n);
            fa.fetch(line_l, n);
            fb.plan(self.read[1] + self.b_offset[1], self.read_inc[1], j0, n);
            fb.fetch(line_r, n);
        }

        // 3. The reads, then what goes back into the lines: input routing plus feedback
        //    (vectorised), then the filters (the only recursion, alone in its loop). Gains
        //    ramp linearly through the chunk: gain = start + j·inc at chunk sample j.
        let (c, inc) = (self.cur, self.inc);
        let g = |i: usize, k: usize| {
            if STEADY {
                c[i]
            } else {
                c[i] + inc[i] * (j0 + k) as i32 as f32
            }
        };
        let (taps, fades) = (&self.taps[..2], &self.taps[2..]);
        let mut yl = [0.0f32; CHUNK];
        let mut yr = [0.0f32; CHUNK];
        for k in 0..n {
            yl[k] = taps[0].read(line_l, k);
            yr[k] = taps[1].read(line_r, k);
        }
        if FADE {
            let (fade0, fade_inc) = (self.fade_gain, self.fade_inc);
            for k in 0..n {
                let fade = fade0 + fade_inc * (j0 + k) as i32 as f32;
                yl[k] += (fades[0].read(line_l, k) - yl[k]) * fade;
                yr[k] += (fades[1].read(line_r, k) - yr[k]) * fade;
            }
        }
        let mut wl = [0.0f32; CHUNK];
        let mut wr = [0.0f32; CHUNK];
        for k in 0..n {
            wl[k] = g(IN_LL, k) * xl[k]
                + g(IN_LR, k) * xr[k]
                + g(FB_DIRECT, k) * yl[k]
                + g(FB_CROSS, k) * yr[k];
            wr[k] = g(IN_RL, k) * xl[k]
                + g(IN_RR, k) * xr[k]
                + g(FB_CROSS, k) * yl[k]
                + g(FB_DIRECT, k) * yr[k];
        }
        if FILTERS {
            let filters = &mut self.filters;
            let fully_on = [HP_MIX, LP_MIX]
                .iter()
                .all(|&i| c[i] == 1.0 && inc[i] == 0.0);
            if fully_on {
                for k in 0..n {
                    let v = filters.process_on(Stereo::new(wl[k], wr[k]));
                    wl[k] = v.left();
                    wr[k] = v.right();
                }
            } else {
                for k in 0..n {
                    let v = filters.process(Stereo::new(wl[k], wr[k]), g(HP_MIX, k), g(LP_MIX, k));
                    wl[k] = v.left();
                    wr[k] = v.right();
                }
            }
        }

        // 4. Saturation and the output (vectorised).
        for k in 0..n {
            wl[k] = flush_denormal(saturate(wl[k]));
            wr[k] = flush_denormal(saturate(wr[k]));
            left[k] = flush_denormal(g(DRY, k) * xl[k] + g(WET_A, k) * yl[k] + g(WET_B, k) * yr[k]);
            right[k] =
                flush_denormal(g(DRY, k) * xr[k] + g(WET_B, k) * yl[k] + g(WET_A, k) * yr[k]);
        }
        self.chunk_pos += n;

        // 5. The writes.
        let [line_l, line_r] = &mut self.lines;
        for k in 0..n {
            line_l.push(wl[k]);
            line_r.push(wr[k]);
        }
    }
}

#[cfg(test)]
mod tests;

/// `key[i .. i + n]`, or what of it exists (a key shorter than the block is silence beyond
/// its end, which the peak ignores).
fn part(key: &[f32], i: usize, n: usize) -> &[f32] {
    &key[i.min(key.len())..(i + n).min(key.len())]
}

/// The larger |x| of two channels, non-finite samples as silence. Taken as the largest bit
/// pattern of |x|: for finite non-negative floats the order is the same, and an integer
/// maximum vectorises (a float one must respect NaN).
#[inline(always)]
fn peak_of(left: &[f32], right: &[f32]) -> f32 {
    let mut peak = 0u32;
    for side in [left, right] {
        for &x in side {
            peak = peak.max(sane_sample(x).abs().to_bits());
        }
    }
    f32::from_bits(peak)
}
