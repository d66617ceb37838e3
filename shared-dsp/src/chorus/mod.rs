//! Mixwerk Chorus: the modulated-delay effects of a mix — chorus, string ensemble, flanger
//! and vibrato — each with its own topology (see [`voices`] for the voice layouts).
//!
//! # Signal flow, per side and sample
//!
//! ```text
//!                      ┌──────────── feedback (flanger) ◄──────────┐
//!                      ▼                                           │
//! x ─┬─► [BBD low pass] ─► (+) ─► [saturate] ─► line ─► voices ─┴─► [BBD low pass]
//!    │                                                              ─► low cut ─► high cut
//!    │                                                              ─► width ─► · wet
//!    └─► (through zero: fixed dry delay) ─────────────────────► · dry ─► (+) ─► · output
//! ```
//! (brackets: `analog` only; the cut filters are skipped when off.)
//!
//! # The modulated reads
//!
//! Each voice reads its side's line at `centre + depth·sin(…)` (see [`voices`]) through an
//! 8-tap Kaiser-windowed sinc from a polyphase table ([`read`]); the LFO is evaluated every
//! sample ([`lfo`], which says why not per chunk). Measured (tests): a 10 kHz sine at 48 kHz
//! through Vibrato (5.5 Hz; 0.04 and 0.5 ms swing, β = 2.5 and 31) comes out with its
//! sidebands within 0.03 dB of J_n(β) and everything else (the output minus the ideal
//! phase-modulated sine) at −71.3 dB re the carrier at worst ([`OTHER_PRODUCTS_DB`] is the
//! test's bound). Cubic Lagrange interpolation leaves about −30…−40 dB there.
//!
//! # Control chunks
//!
//! Glides, filter cutoffs, the LFO's exact phasor and the topology fade are computed once per
//! [`CHUNK`] samples; gains, centre delay and depth move linearly within the chunk, so every
//! parameter changes a little every sample (no zipper). Chunk boundaries carry over between
//! `process` calls, so the output is bit-identical however the host splits its blocks.
//!
//! # Speed
//!
//! The `chorus` bench (48 kHz stereo, 512-sample blocks, thread CPU time, on a 2-core machine
//! shared with another build, so ±5 %): Chorus with 4 voices about 830…900× real time (8
//! sinc reads per frame), with both cut filters and analog on about 370×, Ensemble about
//! 900…1030×, Flanger with feedback 0.7 about 1100…1170×, Vibrato about 1020×. What makes it
//! cheap: the eight voices' positions are one 8-lane vector expression per sample (floors by
//! the rounding trick of `kernel::bits`, no conversions), planned for the chunk before the
//! reads; each read is one unaligned 8-sample load from the mirrored ring and one table row
//! (a cache line); the voices of a side sum into one 8-lane accumulator and are reduced
//! once per side and sample; the reads are generic over the voice count; the filters run only
//! when on; the loop is compiled a second time for AVX2 (`kernel::simd`, bit-identical).
//!
//! # Changing the topology
//!
//! Mode, Voices, Analog and Through Zero change which voices read where: switched directly,
//! delays would jump and the wet signal click. Instead the wet signal fades out over
//! [`FADE_MS`], the new topology starts (its centre and depth land on their targets), and it
//! fades in again. Toggling through zero also moves the dry delay, so then the dry fades too.
//! Where the lines' content changes character (Analog toggled, leaving the flanger's
//! feedback), the wet stays out until the reads have passed the switch (see
//! `Chorus::switch_topology`).
//!
//! # Modes and their parameters
//!
//! - Delays: Chorus, Ensemble and Vibrato centre their sweep at max(Delay, Depth), so that it
//!   never reaches below zero; the shortest wet delay anywhere is four samples (the taps of
//!   the interpolator that would otherwise read the future), 0.08 ms at 48 kHz.
//! - Flanger: one voice per side around Delay (max(Delay, Depth) as above), swinging ±Depth,
//!   fed back with Feedback. A negative feedback also inverts the wet signal (the classic
//!   "negative flange": with the dry it notches at k/D instead of (2k+1)/(2D)); the polarity
//!   glides, so moving feedback through zero dips the wet briefly instead of clicking.
//!   Through zero: the dry is delayed by [`THROUGH_ZERO_DRY_MS`] (the latency), and the wet
//!   delay is that plus Delay ± Depth, so the wet sweeps through and past the dry whenever
//!   Depth > Delay; the comb then follows the difference of the two delays.
//! - Vibrato: one voice per side; Mix is the dry/wet as in every mode, 1 (100 %) being pure
//!   vibrato (less blends the dry back in, which makes it a chorus).
//! - Mix 0 with Output 1 passes the input bit for bit (through zero: delayed by exactly the
//!   latency).

pub mod analog;
pub mod lfo;
pub mod read;
pub mod voices;

#[cfg(test)]
mod tests;

mod shape;
pub use shape::{VoiceDelays, voice_delays_ms};

use crate::delay::NoteValue;
use crate::delay_line::DelayLine;
use crate::filter_shape::FilterShape;
use crate::kernel::sanitize::{clamp_or, finite_clamped_or, flush_denormal, sane_sample};
use crate::kernel::simd::{avx2_dispatch, has_avx2};
use crate::lane::Stereo;
use crate::processor::{SampleRate, processor, usable_rate};
use crate::smoother::Smoother;
use crate::svf::Svf;
use lfo::Lfo;
use read::{Kernel, Line, MIN_READ, PHASES, TAPS};
use voices::{ENSEMBLE_FAST_RATIO, ENSEMBLE_FAST_SHARE, LANES, Layout, RIGHT, Topology};

/// Slowest and fastest free LFO rate.
pub const MIN_RATE_HZ: f32 = 0.01;
pub const MAX_RATE_HZ: f32 = 20.0;
/// Deepest delay swing (ms, peak, ±).
pub const MAX_DEPTH_MS: f32 = 20.0;
/// Centre delay range (ms).
pub const MIN_DELAY_MS: f32 = 0.1;
pub const MAX_DELAY_MS: f32 = 40.0;
/// Largest feedback magnitude (the flanger's), as a fraction.
pub const MAX_FEEDBACK: f32 = 0.95;
/// Voices per side in Chorus mode.
pub const MAX_VOICES: u32 = 4;
/// Wet filters' "off" ends: a low cut at or below this, a high cut at or above
/// [`HIGH_CUT_OFF_HZ`], is bypassed.
pub const LOW_CUT_OFF_HZ: f32 = 10.0;
pub const HIGH_CUT_OFF_HZ: f32 = 20_000.0;

/// The four effects. Their characters come from their topologies, not from one patch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// 1–4 modulated voices per side around the centre delay, phases spread evenly.
    #[default]
    Chorus,
    /// The string ensemble: three delay lines, each modulated by a slow and a fast LFO,
    /// the three 120° apart.
    Ensemble,
    /// One short delay per side with feedback (positive or negative), optionally
    /// through-zero.
    Flanger,
    /// One modulated delay per side, wet only: pure pitch modulation.
    Vibrato,
}

/// The LFO's rate: free, or one cycle per note value at the host's tempo.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rate {
    Hz(f32),
    Note(NoteValue),
}

/// The chorus's parameters in real units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub mode: Mode,
    pub rate: Rate,
    /// Peak delay swing, ms (±depth around the centre delay).
    pub depth_ms: f32,
    /// Centre delay, ms.
    pub delay_ms: f32,
    /// Flanger feedback, −[`MAX_FEEDBACK`] … +[`MAX_FEEDBACK`].
    pub feedback: f32,
    /// Flanger through zero: the dry path is delayed so the wet can pass it.
    pub through_zero: bool,
    /// Chorus voices per side, 1 … [`MAX_VOICES`].
    pub voices: u32,
    /// LFO phase offset between left and right, degrees (0 … 180), of the phase spacing
    /// between a side's voices: with one voice (flanger, vibrato) the plain phase offset,
    /// with N voices spread/N (180° puts the right voices halfway between the left ones).
    pub spread_deg: f32,
    /// Stereo width of the wet signal: 0 mono, 1 as made, 2 doubled side.
    pub width: f32,
    /// Wet low cut (Hz); at or below [`LOW_CUT_OFF_HZ`] off.
    pub low_cut_hz: f32,
    /// Wet high cut (Hz); at or above [`HIGH_CUT_OFF_HZ`] off.
    pub high_cut_hz: f32,
    /// Bucket-brigade character: band limiting and soft saturation of the wet path.
    pub analog: bool,
    /// Wet share, 0 … 1, in every mode, equal power (dry cos, wet sin of mix·π/2); in Vibrato 1 is pure vibrato
    /// and less blends the dry back in.
    pub mix: f32,
    /// Output gain, linear.
    pub output: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: Mode::Chorus,
            rate: Rate::Hz(0.5),
            depth_ms: 3.0,
            delay_ms: 12.0,
            feedback: 0.0,
            through_zero: false,
            voices: 2,
            spread_deg: 90.0,
            width: 1.0,
            low_cut_hz: LOW_CUT_OFF_HZ,
            high_cut_hz: HIGH_CUT_OFF_HZ,
            analog: false,
            mix: 0.5,
            output: 1.0,
        }
    }
}

impl Settings {
    /// The LFO rate these settings play at `bpm` (Hz): a note value's rate, or the free one,
    /// within [`MIN_RATE_HZ`] … [`MAX_RATE_HZ`] (the shortest notes at fast tempos would
    /// ask for more).
    pub fn rate_hz(&self, bpm: f64) -> f64 {
        match self.rate {
            Rate::Hz(hz) => hz as f64,
            Rate::Note(n) => crate::delay::sane_bpm(bpm) / 60.0 / n.quarters(),
        }
        .clamp(MIN_RATE_HZ as f64, MAX_RATE_HZ as f64)
    }
}

impl crate::bypass::Bypass for Settings {
    /// Bypassed: dry only at unity. The mode stays, so a through-zero flanger keeps its
    /// dry delay (and the latency the host compensates) while bypassed.
    fn bypassed(&self) -> Self {
        Self {
            mix: 0.0,
            output: 1.0,
            ..*self
        }
    }
}

/// The through-zero flanger's dry delay (ms; the latency then): as long as the deepest swing,
/// so that Delay − Depth never asks the wet for less than no delay at all. Fixed, so that the
/// latency changes only when through zero is switched.
pub const THROUGH_ZERO_DRY_MS: f32 = MAX_DEPTH_MS;

/// Samples per control chunk (see the module docs).
pub const CHUNK: usize = 64;

/// Fade out, and in again, of a topology change (see the module docs).
pub const FADE_MS: f32 = 8.0;

/// Time constant of the gain, width and polarity glides.
const GAIN_GLIDE_MS: f32 = 10.0;
/// Time constant of the delay, depth, rate, spread and filter glides: a delay change bends
/// the pitch briefly, as on a tape or BBD chorus, rather than jumping.
const TIME_GLIDE_MS: f32 = 30.0;

/// Cycles of feedback decay counted in [`Chorus::tail_samples`]: until −60 dB.
const TAIL_DB: f64 = 60.0;

/// The level of the products a 10 kHz vibrato adds that are neither the carrier nor its
/// Bessel sidebands, in dB re the carrier: the test's bound. Measured (48 kHz, 5.5 Hz):
/// −71.3 dB at β = 2.5 (0.04 ms swing), −78.7 dB at β = 31 (0.5 ms).
pub const OTHER_PRODUCTS_DB: f64 = -68.0;

impl Settings {
    /// Every field in range: NaN to the default, infinities to the ends.
    pub fn sanitized(&self) -> Self {
        let d = Settings::default();
        Self {
            mode: self.mode,
            rate: match self.rate {
                Rate::Hz(hz) => Rate::Hz(clamp_or(hz, MIN_RATE_HZ, MAX_RATE_HZ, 0.8)),
                note => note,
            },
            depth_ms: clamp_or(self.depth_ms, 0.0, MAX_DEPTH_MS, d.depth_ms),
            delay_ms: clamp_or(self.delay_ms, MIN_DELAY_MS, MAX_DELAY_MS, d.delay_ms),
            feedback: clamp_or(self.feedback, -MAX_FEEDBACK, MAX_FEEDBACK, 0.0),
            through_zero: self.through_zero,
            voices: self.voices.clamp(1, MAX_VOICES),
            spread_deg: clamp_or(self.spread_deg, 0.0, 180.0, d.spread_deg),
            width: clamp_or(self.width, 0.0, 2.0, 1.0),
            low_cut_hz: clamp_or(
                self.low_cut_hz,
                LOW_CUT_OFF_HZ,
                HIGH_CUT_OFF_HZ,
                LOW_CUT_OFF_HZ,
            ),
            high_cut_hz: clamp_or(
                self.high_cut_hz,
                LOW_CUT_OFF_HZ,
                HIGH_CUT_OFF_HZ,
                HIGH_CUT_OFF_HZ,
            ),
            analog: self.analog,
            mix: clamp_or(self.mix, 0.0, 1.0, d.mix),
            output: finite_clamped_or(self.output, 0.0, 16.0, 1.0),
        }
    }

    fn topology(&self) -> Topology {
        Topology {
            mode: self.mode,
            voices: if self.mode == Mode::Chorus {
                self.voices
            } else {
                1
            },
            through_zero: self.mode == Mode::Flanger && self.through_zero,
            analog: self.analog,
        }
    }
}

/// A parameter glided once per chunk and moved linearly within it.
#[derive(Clone, Debug)]
struct Glide {
    smoother: Smoother,
    /// The value of the last sample taken.
    v: f32,
    end: f32,
    step: f32,
}

impl Glide {
    fn new(fs: f32, ms: f32, initial: f32) -> Self {
        Self {
            smoother: Smoother::new(fs / CHUNK as f32, ms, initial),
            v: initial,
            end: initial,
            step: 0.0,
        }
    }

    /// Starts a chunk: from where the last ended towards the glide's next step.
    #[inline]
    fn control(&mut self, target: f32) {
        self.smoother.set_target(target);
        self.v = self.end;
        self.end = self.smoother.next();
        self.step = (self.end - self.v) * (1.0 / CHUNK as f32);
        if self.step == 0.0 {
            self.v = self.end;
        }
    }

    /// Lands on `target` now.
    fn jump(&mut self, target: f32) {
        self.smoother.set_target(target);
        self.smoother.reset_to(self.smoother.target());
        self.v = self.smoother.value();
        self.end = self.v;
        self.step = 0.0;
    }

    fn settled_at(&self, v: f32) -> bool {
        self.v == v && self.end == v && self.smoother.target() == v
    }
}

/// Every glided parameter.
#[derive(Clone, Debug)]
struct Glides {
    dry: Glide,
    wet: Glide,
    output: Glide,
    /// Read position of the centre (samples before the newest sample, before the push).
    centre: Glide,
    /// Slow and fast LFO depths, samples.
    depth: Glide,
    depth_fast: Glide,
    feedback: Glide,
    polarity: Glide,
    width: Glide,
    spread: Glide,
    rate: Glide,
    low_cut: Glide,
    high_cut: Glide,
}

/// The per-chunk state of the sample loop.
#[derive(Clone, Copy, Debug, Default)]
struct ChunkState {
    /// Whole part of the centre at the chunk's start; positions are offsets from it (so that
    /// the modulation keeps f32 precision however long the centre delay).
    base: i32,
    lo: f32,
    hi: f32,
    transparent: bool,
    through_zero: bool,
    analog: bool,
    low_cut: bool,
    high_cut: bool,
    dry_fade: bool,
}

pub struct Chorus {
    sample_rate: SampleRate,
    settings: Settings,
    bpm: f64,
    kernel: Kernel,
    lines: [Line; 2],
    /// The through-zero dry delay (always fed, so that switching it on finds the past).
    dry_line: DelayLine<Stereo>,
    tz_samples: usize,
    lfo: Lfo,
    fast: Lfo,
    glides: Glides,
    /// The running topology and its layout (the settings' may be waiting for a fade).
    active: Topology,
    layout: Layout,
    /// Unit phasors of the voices' phase offsets (slow and fast LFO): a voice's LFO is
    /// s·a + c·b.
    a: [f32; LANES],
    b: [f32; LANES],
    fa: [f32; LANES],
    fb: [f32; LANES],
    /// The phasors at the current sample, and their per-sample steps: a moving spread
    /// changes them every sample, not in steps per chunk (a step would jump the delays).
    unit_now: [[f32; LANES]; 4],
    unit_step: [[f32; LANES]; 4],
    /// The topology fade: `fade_k` of `fade_chunks`, moving by one per chunk.
    fade_k: u32,
    fade_chunks: u32,
    /// Chunks the wet stays out after a switch before it fades in (see `switch_topology`).
    hold_chunks: u32,
    fade: f32,
    fade_end: f32,
    fade_step: f32,
    /// The dry fades with the wet (through zero switched).
    dry_fades: bool,
    bbd_in: Svf<Stereo>,
    bbd_out: Svf<Stereo>,
    low_cut: Svf<Stereo>,
    high_cut: Svf<Stereo>,
    chunk: ChunkState,
    /// The glides' targets for the settings, tempo and running topology (kept: computed
    /// where one of those changes, not every chunk).
    target: Targets,
    scratch: Option<Box<Scratch>>,
    /// Samples done in the current chunk (0: the next sample starts one).
    in_chunk: usize,
    avx2: bool,
}

impl Chorus {
    /// Allocates the delay lines for the longest delay plus swing at `sample_rate`.
    pub fn new(sample_rate: SampleRate, _max_block_len: usize) -> Self {
        let fs = usable_rate(sample_rate);
        let tz_samples = (THROUGH_ZERO_DRY_MS as f64 * 1e-3 * fs as f64).round() as usize;
        // The longest wet delay: through zero, the dry delay plus the longest centre and swing.
        let longest =
            ((THROUGH_ZERO_DRY_MS + MAX_DELAY_MS + MAX_DEPTH_MS) as f64 * 1e-3 * fs as f64).ceil();
        let line = Line::new(longest as usize + 2);
        let settings = Settings::default();
        let g = |ms, v| Glide::new(fs, ms, v);
        let glides = Glides {
            dry: g(GAIN_GLIDE_MS, 0.0),
            wet: g(GAIN_GLIDE_MS, 0.0),
            output: g(GAIN_GLIDE_MS, 0.0),
            centre: g(TIME_GLIDE_MS, 0.0),
            depth: g(TIME_GLIDE_MS, 0.0),
            depth_fast: g(TIME_GLIDE_MS, 0.0),
            feedback: g(GAIN_GLIDE_MS, 0.0),
            polarity: g(GAIN_GLIDE_MS, 1.0),
            width: g(GAIN_GLIDE_MS, 1.0),
            spread: g(TIME_GLIDE_MS, 0.0),
            rate: g(TIME_GLIDE_MS, 1.0),
            low_cut: g(TIME_GLIDE_MS, LOW_CUT_OFF_HZ),
            high_cut: g(TIME_GLIDE_MS, HIGH_CUT_OFF_HZ),
        };
        let lp = |f: f32| {
            let mut s = Svf::<Stereo>::new(fs as f64);
            s.set(
                FilterShape::LowPass,
                f,
                core::f64::consts::FRAC_1_SQRT_2,
                0.0,
            );
            s
        };
        let mut high_pass = Svf::<Stereo>::new(fs as f64);
        high_pass.set(
            FilterShape::HighPass,
            LOW_CUT_OFF_HZ,
            core::f64::consts::FRAC_1_SQRT_2,
            0.0,
        );
        let topology = settings.topology();
        let mut c = Self {
            sample_rate: fs,
            settings,
            bpm: crate::delay::DEFAULT_BPM,
            kernel: Kernel::new(),
            lines: [line.clone(), line],
            dry_line: DelayLine::new(tz_samples + CHUNK),
            tz_samples,
            lfo: Lfo::new(),
            fast: Lfo::new(),
            glides,
            active: topology,
            layout: Layout::of(&topology),
            a: [0.0; LANES],
            b: [0.0; LANES],
            fa: [0.0; LANES],
            fb: [0.0; LANES],
            unit_now: [[0.0; LANES]; 4],
            unit_step: [[0.0; LANES]; 4],
            fade_k: 0,
            hold_chunks: 0,
            fade_chunks: ((FADE_MS as f64 * 1e-3 * fs as f64 / CHUNK as f64).round() as u32).max(1),
            fade: 1.0,
            fade_end: 1.0,
            fade_step: 0.0,
            dry_fades: false,
            bbd_in: lp(analog::BBD_CUTOFF_HZ),
            bbd_out: lp(analog::BBD_CUTOFF_HZ),
            low_cut: high_pass,
            high_cut: lp(HIGH_CUT_OFF_HZ),
            chunk: ChunkState::default(),
            target: Targets::default(),
            scratch: Some(Box::default()),
            in_chunk: 0,
            avx2: has_avx2(),
        };
        c.update_immediately(&settings);
        c
    }

    /// The host's tempo for [`Rate::Note`] (sanitised like the delay's).
    pub fn set_tempo(&mut self, bpm: f64) {
        self.bpm = crate::delay::sane_bpm(bpm);
        self.target = self.targets();
    }

    /// Sets the LFO phase (in cycles, any real; the fraction is used): the plugin aligns a
    /// tempo-synced LFO to the song position so that renders repeat. Takes effect at the next
    /// sample (a jump moves the delays at once: call it on transport jumps, not to nudge).
    pub fn set_phase(&mut self, cycles: f64) {
        self.lfo.set_phase(cycles);
        let fast = if cycles.is_finite() {
            (cycles.rem_euclid(1.0) * ENSEMBLE_FAST_RATIO).rem_euclid(1.0)
        } else {
            0.0
        };
        self.fast.set_phase(fast);
    }

    /// The LFO phase in cycles, 0 … 1 (of the next sample; the left side's first voice).
    pub fn phase(&self) -> f64 {
        self.lfo.phase().rem_euclid(1.0)
    }

    /// The LFO rate now playing (Hz), after tempo sync.
    pub fn rate_hz(&self) -> f64 {
        Self::rate_of(&self.settings, self.bpm)
    }

    fn rate_of(s: &Settings, bpm: f64) -> f64 {
        s.rate_hz(bpm)
    }

    pub fn update(&mut self, settings: &Settings) {
        self.settings = settings.sanitized();
        self.target = self.targets();
    }

    pub fn update_immediately(&mut self, settings: &Settings) {
        self.settings = settings.sanitized();
        self.switch_topology();
        self.hold_chunks = 0;
        self.fade_k = self.fade_chunks;
        self.fade = 1.0;
        self.fade_end = 1.0;
        self.fade_step = 0.0;
        self.dry_fades = false;
        let t = self.targets();
        let g = &mut self.glides;
        g.dry.jump(t.dry);
        g.wet.jump(t.wet);
        g.output.jump(t.output);
        g.width.jump(t.width);
        g.spread.jump(t.spread);
        g.rate.jump(t.rate);
        g.low_cut.jump(t.low_cut);
        g.high_cut.jump(t.high_cut);
        self.set_spread(t.spread);
        self.unit_now = [self.a, self.b, self.fa, self.fb];
        self.unit_step = [[0.0; LANES]; 4];
        self.low_cut.set_cutoff(t.low_cut);
        self.high_cut.set_cutoff(t.high_cut);
    }

    /// Starts the settings' topology: layout, phase offsets, and the mode's delays landed on
    /// their targets (called with the wet faded out).
    fn switch_topology(&mut self) {
        let next = self.settings.topology();
        if next.analog != self.active.analog {
            self.bbd_in.reset();
            self.bbd_out.reset();
        }
        // Where the lines' content changes character (the BBD filter and saturation switched,
        // or the flanger's recirculation stopped), the content before and after the switch
        // differ: a step inside the line, which the reads would play as a click when they
        // pass it. So the wet stays out until they have (the longest read of the new
        // topology), then fades in.
        let content_changes = next.analog != self.active.analog
            || (self.active.mode == Mode::Flanger && next.mode != Mode::Flanger);
        let prev = self.active;
        self.active = next;
        self.layout = Layout::of(&next);
        let t = self.targets();
        self.target = t;
        let g = &mut self.glides;
        g.centre.jump(t.centre);
        g.depth.jump(t.depth);
        g.depth_fast.jump(t.depth_fast);
        g.feedback.jump(t.feedback);
        g.polarity.jump(t.polarity);
        self.set_spread(self.glides.spread.v);
        self.unit_now = [self.a, self.b, self.fa, self.fb];
        self.unit_step = [[0.0; LANES]; 4];
        self.hold_chunks = if content_changes && prev != next {
            let longest = t.centre + t.depth + t.depth_fast + TAPS as f32;
            (longest / CHUNK as f32).ceil() as u32 + 1
        } else {
            0
        };
    }

    /// The voices' unit phasors for a spread of `spread` cycles.
    fn set_spread(&mut self, spread: f32) {
        let tau = core::f64::consts::TAU;
        for v in 0..LANES {
            let on = v % RIGHT < self.layout.per_side;
            // The right side's offset is `spread` of the spacing between a side's voices
            // (1/N cycles): offsetting N evenly spread voices by a whole spacing gives the same
            // set of phases (with four voices, 90° would make the two sides identical), so
            // 180° puts the right voices halfway between the left ones, the most different
            // the sides can be. With one voice (flanger, vibrato) it is the plain phase offset.
            let spacing = 1.0 / self.layout.per_side as f64;
            let theta = self.layout.theta[v] as f64
                + if v >= RIGHT {
                    spread as f64 * spacing
                } else {
                    0.0
                };
            let (s, c) = (tau * theta).sin_cos();
            // sin(φ + θ) = sin φ·cos θ + cos φ·sin θ.
            let (a, b) = if on { (c as f32, s as f32) } else { (0.0, 0.0) };
            self.a[v] = a;
            self.b[v] = b;
            let fast = on && self.layout.fast;
            self.fa[v] = if fast { a } else { 0.0 };
            self.fb[v] = if fast { b } else { 0.0 };
        }
    }

    /// The glides' targets for the settings and the running topology.
    fn targets(&self) -> Targets {
        let s = &self.settings;
        let fs = self.sample_rate as f64;
        let ms = |v: f64| (v * 1e-3 * fs) as f32;
        let mode = self.active.mode;
        let depth = s.depth_ms as f64;
        let centre_ms = if self.active.through_zero {
            THROUGH_ZERO_DRY_MS as f64 + s.delay_ms as f64
        } else {
            (s.delay_ms as f64).max(depth)
        };
        let (depth, depth_fast) = if mode == Mode::Ensemble {
            let fast = ENSEMBLE_FAST_SHARE as f64;
            (depth * (1.0 - fast), depth * fast)
        } else {
            (depth, 0.0)
        };
        let flanger = mode == Mode::Flanger;
        // Equal power, like the reverb's Mix: a chorus at 50 % keeps the level of the input
        // (its voices are uncorrelated with the dry above a few hundred hertz), where a
        // linear crossfade would lose 3 dB. The ends are exact: 0 % is the input bit for bit,
        // 100 % has no dry at all.
        let (dry, wet) = if s.mix >= 1.0 {
            (0.0, 1.0)
        } else {
            let (sin, cos) = (s.mix as f64 * core::f64::consts::FRAC_PI_2).sin_cos();
            (cos as f32, sin as f32)
        };
        Targets {
            dry,
            wet,
            output: s.output,
            // Read position before the push: a delay of D samples reads D − 1 back.
            centre: ms(centre_ms) - 1.0,
            depth: ms(depth),
            depth_fast: ms(depth_fast),
            feedback: if flanger { s.feedback } else { 0.0 },
            polarity: if flanger && s.feedback < 0.0 {
                -1.0
            } else {
                1.0
            },
            width: s.width,
            spread: s.spread_deg / 360.0,
            rate: Self::rate_of(s, self.bpm) as f32,
            low_cut: s.low_cut_hz,
            high_cut: s.high_cut_hz,
        }
    }

    /// Once per chunk: the topology fade, the glides, the LFO's exact phasor, the filters.
    fn control(&mut self) {
        let wanted = self.settings.topology();
        if wanted != self.active {
            if self.fade_k == 0 {
                self.switch_topology();
            } else {
                self.dry_fades |= wanted.through_zero != self.active.through_zero;
                self.fade_k -= 1;
            }
        } else if self.hold_chunks > 0 {
            self.hold_chunks -= 1;
        } else if self.fade_k < self.fade_chunks {
            self.fade_k += 1;
        }
        self.fade = self.fade_end;
        self.fade_end = self.fade_k as f32 / self.fade_chunks as f32;
        self.fade_step = (self.fade_end - self.fade) * (1.0 / CHUNK as f32);
        if self.fade_end == 1.0 && self.fade == 1.0 {
            self.dry_fades = false;
        }

        let t = self.target;
        let g = &mut self.glides;
        g.dry.control(t.dry);
        g.wet.control(t.wet);
        g.output.control(t.output);
        g.centre.control(t.centre);
        g.depth.control(t.depth);
        g.depth_fast.control(t.depth_fast);
        g.feedback.control(t.feedback);
        g.polarity.control(t.polarity);
        g.width.control(t.width);
        let spread_moves = !g.spread.settled_at(t.spread);
        g.spread.control(t.spread);
        g.rate.control(t.rate);
        g.low_cut.control(t.low_cut);
        g.high_cut.control(t.high_cut);
        self.unit_now = [self.a, self.b, self.fa, self.fb];
        if spread_moves {
            self.set_spread(self.glides.spread.end);
        }
        let end = [self.a, self.b, self.fa, self.fb];
        self.unit_step = core::array::from_fn(|i| {
            core::array::from_fn(|v| (end[i][v] - self.unit_now[i][v]) * (1.0 / CHUNK as f32))
        });

        let fs = self.sample_rate as f64;
        let rate = self.glides.rate.end as f64;
        self.lfo.set_increment(rate / fs);
        self.lfo.exact();
        if self.layout.fast {
            self.fast.set_increment(rate * ENSEMBLE_FAST_RATIO / fs);
            self.fast.exact();
        }

        let g = &self.glides;
        let low_cut = !g.low_cut.settled_at(LOW_CUT_OFF_HZ);
        let high_cut = !g.high_cut.settled_at(HIGH_CUT_OFF_HZ);
        if low_cut {
            if !self.chunk.low_cut {
                self.low_cut.reset();
            }
            self.low_cut.set_cutoff(g.low_cut.end);
        }
        if high_cut {
            if !self.chunk.high_cut {
                self.high_cut.reset();
            }
            self.high_cut.set_cutoff(g.high_cut.end);
        }

        let base = g.centre.v.floor();
        let max_read = self.lines[0].max_read() as f32;
        self.chunk = ChunkState {
            base: base as i32,
            lo: MIN_READ - base,
            hi: max_read - base,
            transparent: g.dry.settled_at(1.0)
                && g.wet.settled_at(0.0)
                && g.output.settled_at(1.0)
                && !self.dry_fades,
            through_zero: self.active.through_zero,
            analog: self.active.analog,
            low_cut,
            high_cut,
            dry_fade: self.dry_fades,
        };
    }

    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        self.run(&mut left[..n], &mut right[..n]);
    }

    avx2_dispatch! {
        /// The sample loop, in chunks (see the module docs).
        fn run(&mut self, left: &mut [f32], right: &mut [f32]) = run_body;
        /// The sample loop compiled for AVX2: the eight-tap reads and the eight-lane
        /// position arithmetic fill its vectors (same arithmetic, same bits).
        avx2 if self.avx2: fn run_avx2;
    }

    #[inline(always)]
    fn run_body(&mut self, left: &mut [f32], right: &mut [f32]) {
        let mut i = 0;
        let n = left.len();
        while i < n {
            if self.in_chunk == 0 {
                self.control();
            }
            let m = (CHUNK - self.in_chunk).min(n - i);
            self.samples(&mut left[i..i + m], &mut right[i..i + m]);
            self.in_chunk = (self.in_chunk + m) % CHUNK;
            i += m;
        }
    }

    /// Part of a chunk (at most [`CHUNK`] samples), in passes over the part: positions (eight
    /// lanes at a time), the reads and writes of the lines (per sample: the flanger's feedback
    /// reads what the last sample wrote), the wet path, the output.
    #[inline(always)]
    fn samples(&mut self, left: &mut [f32], right: &mut [f32]) {
        // The scratch is taken out for the call (a pointer move) so that it can be borrowed
        // next to the rest of `self`; it is always there.
        if let Some(mut scratch) = self.scratch.take() {
            self.samples_with(&mut scratch, left, right);
            self.scratch = Some(scratch);
        }
    }

    #[inline(always)]
    fn samples_with(&mut self, scratch: &mut Scratch, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len()).min(CHUNK);
        let Scratch {
            xl,
            xr,
            il,
            ir,
            start,
            row,
            between,
            wet_l,
            wet_r,
            dl,
            dr,
        } = scratch;
        let ch = self.chunk;
        let per_side = self.layout.per_side;
        let gains = self.layout.gains;
        let [mut a, mut b, mut fa, mut fb] = self.unit_now;
        let step = self.unit_step;
        let spread_moves = step != [[0.0; LANES]; 4];

        // Input, sanitised; the lines' input before feedback (BBD anti-alias filter).
        for k in 0..n {
            xl[k] = sane_sample(left[k]);
            xr[k] = sane_sample(right[k]);
        }
        il[..n].copy_from_slice(&xl[..n]);
        ir[..n].copy_from_slice(&xr[..n]);
        if ch.analog {
            for k in 0..n {
                let y = self.bbd_in.process_sample(Stereo::new(xl[k], xr[k]));
                (il[k], ir[k]) = (y.left(), y.right());
            }
        }

        // Positions: where in the lines each read's eight taps start, the table row and the
        // fraction between rows, per sample and lane.
        {
            // Locals for the loop-carried state (kept in registers, not stored back every
            // sample through `self`).
            let g = &mut self.glides;
            let base = ch.base as f32;
            let (mut lfo, mut fast) = (self.lfo, self.fast);
            let fast_on = self.layout.fast;
            let (mut centre_v, mut depth_v, mut depth_fast_v) =
                (g.centre.v, g.depth.v, g.depth_fast.v);
            let (centre_step, depth_step, depth_fast_step) =
                (g.centre.step, g.depth.step, g.depth_fast.step);
            // Both lines are written in step, so they share the write index.
            let (w0, mask) = self.lines[0].write_and_mask();
            for k in 0..n {
                let (s, c) = lfo.tick();
                let (sf, cf) = if fast_on { fast.tick() } else { (0.0, 0.0) };
                centre_v += centre_step;
                depth_v += depth_step;
                depth_fast_v += depth_fast_step;
                let centre = centre_v - base;
                let (depth, depth_fast) = (depth_v, depth_fast_v);
                if spread_moves {
                    for v in 0..LANES {
                        a[v] += step[0][v];
                        b[v] += step[1][v];
                        fa[v] += step[2][v];
                        fb[v] += step[3][v];
                    }
                }
                let o: [f32; LANES] = core::array::from_fn(|v| {
                    let o = centre
                        + depth * (s * a[v] + c * b[v])
                        + depth_fast * (sf * fa[v] + cf * fb[v]);
                    let o = if o < ch.lo { ch.lo } else { o };
                    if o > ch.hi { ch.hi } else { o }
                });
                // The position in 1/PHASES samples, floored, gives both the whole sample
                // (>> 7) and the table row (& 127); floors and indices by the rounding trick
                // of `kernel::bits` (float-to-int conversions do not vectorise): adding
                // 1.5·2²³ rounds any |x| < 2²² to a whole number, whose bits then count up
                // from those of 1.5·2²³. (|x| ≤ 128 · the longest swing at 384 kHz < 2²⁰.)
                // The sample before this one's write is the newest: index w0 + k.
                const M: f32 = 12_582_912.0;
                const SHIFT: u32 = PHASES.trailing_zeros();
                let newest = (w0 + k) as i32 - ch.base - 4;
                for v in 0..LANES {
                    let x = o[v] * PHASES as f32;
                    let nearest = (x + M) - M;
                    let fl = if nearest > x { nearest - 1.0 } else { nearest };
                    let q = ((fl + M).to_bits() as i32).wrapping_sub(M.to_bits() as i32);
                    start[k][v] = (newest.wrapping_sub(q >> SHIFT) as u32) & mask as u32;
                    row[k][v] = (q & (PHASES as i32 - 1)) as u32;
                    between[k][v] = x - fl;
                }
            }
            (g.centre.v, g.depth.v, g.depth_fast.v) = (centre_v, depth_v, depth_fast_v);
            (self.lfo, self.fast) = (lfo, fast);
        }

        self.unit_now = [a, b, fa, fb];

        // Reads, feedback and writes.
        let plan = Plan {
            start: &*start,
            row: &*row,
            between: &*between,
            gains: &gains,
        };
        let io = (&*il, &*ir, &mut *wet_l, &mut *wet_r);
        match per_side {
            1 => self.read_write::<1>(n, &plan, io),
            2 => self.read_write::<2>(n, &plan, io),
            3 => self.read_write::<3>(n, &plan, io),
            _ => self.read_write::<4>(n, &plan, io),
        }
        let g = &mut self.glides;

        // The wet path: BBD reconstruction filter, cut filters, width.
        if ch.analog || ch.low_cut || ch.high_cut {
            for k in 0..n {
                let mut w = Stereo::new(wet_l[k], wet_r[k]);
                if ch.analog {
                    w = self.bbd_out.process_sample(w);
                }
                if ch.low_cut {
                    w = self.low_cut.process_sample(w);
                }
                if ch.high_cut {
                    w = self.high_cut.process_sample(w);
                }
                (wet_l[k], wet_r[k]) = (w.left(), w.right());
            }
        }

        // Dry (through zero: the delayed input).
        self.dry_line.push_split(&xl[..n], &xr[..n]);
        dl[..n].copy_from_slice(&xl[..n]);
        dr[..n].copy_from_slice(&xr[..n]);
        if ch.through_zero {
            self.dry_line
                .read_split(self.tz_samples + n - 1, &mut dl[..n], &mut dr[..n]);
        }

        // Out.
        if ch.transparent {
            // (The glides' values within the chunk matter no more: the next chunk starts
            // from their ends.)
            left[..n].copy_from_slice(&dl[..n]);
            right[..n].copy_from_slice(&dr[..n]);
            return;
        }
        for k in 0..n {
            g.width.v += g.width.step;
            g.dry.v += g.dry.step;
            g.wet.v += g.wet.step;
            g.output.v += g.output.step;
            g.polarity.v += g.polarity.step;
            self.fade += self.fade_step;
            let mid = (wet_l[k] + wet_r[k]) * 0.5;
            let side = (wet_l[k] - wet_r[k]) * (0.5 * g.width.v);
            let out = g.output.v;
            let dry = g.dry.v * out * if ch.dry_fade { self.fade } else { 1.0 };
            let wet = g.wet.v * out * g.polarity.v * self.fade;
            left[k] = dl[k] * dry + (mid + side) * wet;
            right[k] = dr[k] * dry + (mid - side) * wet;
        }
    }

    /// The reads of `N` voices per side, the feedback and the writes, per sample (reads
    /// before the write: the newest sample in the line is x[n − 1], so the flanger's feedback
    /// reads what the last sample wrote).
    #[inline(always)]
    fn read_write<const N: usize>(
        &mut self,
        n: usize,
        plan: &Plan<'_>,
        (il, ir, wet_l, wet_r): Io<'_>,
    ) {
        let analog = self.chunk.analog;
        let g = &mut self.glides.feedback;
        for k in 0..n {
            let mut wet = [0.0f32; 2];
            for (side, w) in wet.iter_mut().enumerate() {
                let buf = self.lines[side].buffer();
                let mut acc = [0.0f32; TAPS];
                for j in 0..N {
                    let v = side * RIGHT + j;
                    let at = plan.start[k][v] as usize;
                    let Some(taps) = buf.get(at..at + TAPS) else {
                        continue;
                    };
                    let r = self.kernel.row(plan.row[k][v] as usize);
                    let (u, gv) = (plan.between[k][v], plan.gains[v]);
                    for q in 0..TAPS {
                        acc[q] += gv * (taps[q] * (r.c[q] + u * r.d[q]));
                    }
                }
                let s4: [f32; 4] = core::array::from_fn(|q| acc[q] + acc[q + 4]);
                *w = (s4[0] + s4[2]) + (s4[1] + s4[3]);
            }
            g.v += g.step;
            let mut pl = il[k] + g.v * wet[0];
            let mut pr = ir[k] + g.v * wet[1];
            if analog {
                pl = analog::saturate(pl);
                pr = analog::saturate(pr);
            }
            self.lines[0].push(flush_denormal(pl));
            self.lines[1].push(flush_denormal(pr));
            (wet_l[k], wet_r[k]) = (wet[0], wet[1]);
        }
    }

    pub fn reset(&mut self) {
        for l in &mut self.lines {
            l.reset();
        }
        self.dry_line.reset();
        for f in [
            &mut self.bbd_in,
            &mut self.bbd_out,
            &mut self.low_cut,
            &mut self.high_cut,
        ] {
            f.reset();
        }
        self.lfo.set_phase(0.0);
        self.fast.set_phase(0.0);
        self.in_chunk = 0;
        let s = self.settings;
        self.update_immediately(&s);
    }

    /// The through-zero flanger delays the dry path; every other mode has none.
    pub fn latency_samples(&self) -> u32 {
        if self.settings.topology().through_zero {
            self.tz_samples as u32
        } else {
            0
        }
    }

    /// How long the output goes on after the input stops (samples): the longest wet delay,
    /// and in the flanger the feedback's decay to −60 dB.
    pub fn tail_samples(&self) -> u32 {
        let s = &self.settings;
        let t = s.topology();
        let fs = self.sample_rate as f64;
        let centre = if t.through_zero {
            (THROUGH_ZERO_DRY_MS + s.delay_ms) as f64
        } else {
            s.delay_ms.max(s.depth_ms) as f64
        };
        let longest = (centre + s.depth_ms as f64) * 1e-3 * fs + TAPS as f64;
        let g = if s.mode == Mode::Flanger {
            s.feedback.abs() as f64
        } else {
            0.0
        };
        let passes = if g > 0.0 {
            (TAIL_DB / (-20.0 * g.log10())).ceil()
        } else {
            1.0
        };
        (longest * passes).min(u32::MAX as f64) as u32
    }

    /// The voices' delays (ms) at the next sample, lanes 0…3 the left voices and 4…7 the
    /// right ones, with how many per side are playing (the rest read nothing): for an editor
    /// drawing the sweep, and for the tests.
    pub fn voice_delays_ms(&self) -> ([f32; LANES], usize) {
        let g = &self.glides;
        let (s, c) = self.lfo.value();
        let (sf, cf) = self.fast.value();
        let fs = self.sample_rate;
        let d = core::array::from_fn(|v| {
            let pos = g.centre.v
                + g.depth.v * (s * self.unit_now[0][v] + c * self.unit_now[1][v])
                + g.depth_fast.v * (sf * self.unit_now[2][v] + cf * self.unit_now[3][v]);
            let pos = pos.max(MIN_READ).min(self.lines[0].max_read() as f32);
            (pos + 1.0) / fs * 1e3
        });
        (d, self.layout.per_side)
    }
}

/// The per-chunk arrays of the sample loop, kept (a zeroed array per chunk would cost a
/// `memset` each time).
#[derive(Clone, Debug)]
struct Scratch {
    xl: [f32; CHUNK],
    xr: [f32; CHUNK],
    il: [f32; CHUNK],
    ir: [f32; CHUNK],
    start: [[u32; LANES]; CHUNK],
    row: [[u32; LANES]; CHUNK],
    between: [[f32; LANES]; CHUNK],
    wet_l: [f32; CHUNK],
    wet_r: [f32; CHUNK],
    dl: [f32; CHUNK],
    dr: [f32; CHUNK],
}

impl Default for Scratch {
    fn default() -> Self {
        Self {
            xl: [0.0; CHUNK],
            xr: [0.0; CHUNK],
            il: [0.0; CHUNK],
            ir: [0.0; CHUNK],
            start: [[0; LANES]; CHUNK],
            row: [[0; LANES]; CHUNK],
            between: [[0.0; LANES]; CHUNK],
            wet_l: [0.0; CHUNK],
            wet_r: [0.0; CHUNK],
            dl: [0.0; CHUNK],
            dr: [0.0; CHUNK],
        }
    }
}

/// A chunk's planned reads (see `Chorus::samples`).
struct Plan<'a> {
    start: &'a [[u32; LANES]; CHUNK],
    row: &'a [[u32; LANES]; CHUNK],
    between: &'a [[f32; LANES]; CHUNK],
    gains: &'a [f32; LANES],
}

/// The lines' inputs and the wet outputs of a chunk.
type Io<'a> = (
    &'a [f32; CHUNK],
    &'a [f32; CHUNK],
    &'a mut [f32; CHUNK],
    &'a mut [f32; CHUNK],
);

/// The glides' targets (see [`Chorus::targets`]).
#[derive(Clone, Copy, Debug, Default)]
struct Targets {
    dry: f32,
    wet: f32,
    output: f32,
    centre: f32,
    depth: f32,
    depth_fast: f32,
    feedback: f32,
    polarity: f32,
    width: f32,
    spread: f32,
    rate: f32,
    low_cut: f32,
    high_cut: f32,
}

processor!(Chorus, Settings);
