//! Mixwerk Reverb: an algorithmic feedback-delay-network reverb with accurate decay, and
//! zero-latency convolution with impulse-response files.
//!
//! ```text
//!             ┌─────────────── dry ───────────────────────────────────────────────┐
//! in ─┬───────┤                                                                   ├─ mix ─ gain ─ out
//!     │   pre-delay ─┬─ early reflections (early.rs) ──┐                          │
//!     │              ├─ diffusion ─ FDN (fdn.rs) ──────┴ algorithmic ┐            │
//!     │              └─ convolution (convolution.rs) ──── convolution┴ mode ─ width ─ cuts ─ duck
//!     └── envelope ──────────────────────────────────────────────────────────────────┘
//! ```
//!
//! One [`Reverb`] holds both engines; the mode crossfades between them (only the audible one
//! runs). Pre-delay, width, the wet low/high cut, ducking and the dry/wet mix apply to both.
//! The channel strip uses it as an effect return (mix 100 %), so [`Settings`] are plain `Copy`
//! data in real units and the processor owns everything it needs.
//!
//! **Control rate.** Settings take effect at the next 16-sample control point, counted on
//! the processor's own clock rather than the host's block boundaries, and glide from there
//! (gains linearly across each control period, structure and decay over tens of
//! milliseconds). Output is therefore identical whatever the host's block sizes — automation
//! split at any sample gives bit-identical audio up to that sample — and parameter changes
//! never click.
//!
//! **Runs.** Each control period is processed as one run: every stage takes the whole run
//! before the next one does (arrays of a period per channel, [`ring::Run`]), rather than
//! every stage taking one sample at a time. The loops over a run vectorise, taps become
//! contiguous reads, and the feedback network processes 16 lines × a period at once (see
//! [`fdn`]). Every stage computes the same values whether a period runs whole or a sample at
//! a time: the tests hold the network to a plain per-sample reference, the delay lines to
//! [`DelayLine`](crate::delay_line::DelayLine), the diffusers to themselves a sample at a
//! time, and the whole output to block size 1 (runs of one sample). (The one approximation is
//! the network's interpolation weights, ramped across a period while a delay moves slowly:
//! at most −0.17 dB at Nyquist, tested against exact weights and the analytic signal.) On
//! x86-64 CPUs with AVX2 the same code is also compiled for AVX2 and chosen at run time (see
//! [`Reverb::process`]).
//!
//! **Impulse responses** are loaded on a loader thread ([`ir_loader`]) into a
//! [`ConvolutionEngine`] and handed over through an [`IrMailbox`]; the audio thread swaps them
//! in with a crossfade and hands the old one back to be freed ([`Reverb::exchange_ir`]). The
//! audio thread never allocates, frees, locks or waits. Besides files there are built-in
//! impulse responses ([`builtin`]): rendered on the loader thread from this very reverb (and a
//! synthesised spring, [`spring`]), so convolution always has something to play.

pub mod absorption;
pub mod builtin;
pub mod character;
pub mod decay_shape;
pub mod diffusion;
pub mod early;
pub mod fdn;
pub mod ir_loader;
pub mod resample;
pub mod ring;
pub mod spring;

#[cfg(test)]
mod tests;

pub use crate::convolution::ConvolutionEngine;
pub use character::Character;
/// The mailbox that hands prepared convolution engines to the audio thread.
pub type IrMailbox = crate::exchange::Mailbox<ConvolutionEngine>;

use crate::envelope::{Detector, EnvelopeFollower};
use crate::filter_shape::FilterShape;
use crate::gain::{db_to_gain, gain_to_db_floored, within};
use crate::kernel::sanitize::{flush_denormal, sane_sample};
use crate::kernel::simd::{avx2_dispatch, has_avx2};
use crate::lane::{Lane, Stereo};
use crate::processor::usable_rate;
use crate::smoother::ControlRamp;
use crate::svf::Svf;
use character::{MAX_SIZE_SCALE, line_lengths_ms, size_scale};
use diffusion::Diffuser;
use early::EarlyReflections;
use fdn::{Fdn, LINES, MAX_MOD_SECONDS};
use ring::Ring;

/// Samples between control points (see the module docs).
pub const CONTROL: usize = 16;

/// Longest pre-delay in seconds.
pub const MAX_PREDELAY_SECONDS: f32 = 0.5;

/// Which engine makes the wet signal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    #[default]
    Algorithmic,
    Convolution,
}

/// Everything the reverb can be set to, in real units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub mode: Mode,
    pub character: Character,
    /// 0…500 ms.
    pub predelay_ms: f32,
    /// RT60 at low and mid frequencies, seconds (0.1…30).
    pub decay_s: f32,
    /// 0…1: room size (stretches every delay; the decay time stays as set).
    pub size: f32,
    /// RT60 above the crossover relative to `decay_s` (0.05…1; 1 = no damping).
    pub hf_ratio: f32,
    /// Where the decay turns from `decay_s` to `hf_ratio · decay_s`, Hz.
    pub crossover_hz: f32,
    /// 0…1: input diffusion.
    pub diffusion: f32,
    /// 0…1 of ±1 ms, and rate in Hz.
    pub mod_depth: f32,
    pub mod_rate_hz: f32,
    /// 0 = early reflections only, 0.5 = both at full level, 1 = late reverberation only.
    pub early_late: f32,
    /// 0 = mono wet signal, 1 = as the engine makes it.
    pub width: f32,
    /// Wet high-pass and low-pass corners; `None` = off.
    pub low_cut_hz: Option<f32>,
    pub high_cut_hz: Option<f32>,
    /// Infinite sustain: the tail neither decays nor takes new input (algorithmic mode).
    pub freeze: bool,
    /// Largest wet-level reduction while the input is loud, dB (0 = off), and the input level
    /// above which it starts (dBFS, peak): the wet drops 1 dB per dB above the threshold.
    pub duck_db: f32,
    pub duck_threshold_db: f32,
    /// 0 = dry only, 1 = wet only (equal-power law).
    pub mix: f32,
    /// Output gain, linear.
    pub output_gain: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: Mode::Algorithmic,
            character: Character::Hall,
            predelay_ms: 0.0,
            decay_s: 2.0,
            size: 0.5,
            hf_ratio: 0.5,
            crossover_hz: 3_000.0,
            diffusion: 0.75,
            mod_depth: 0.25,
            mod_rate_hz: 0.7,
            early_late: 0.5,
            width: 1.0,
            low_cut_hz: None,
            high_cut_hz: None,
            freeze: false,
            duck_db: 0.0,
            duck_threshold_db: -30.0,
            mix: 0.3,
            output_gain: 1.0,
        }
    }
}

/// A value that glides at the control rate and moves every sample (see [`ControlRamp`]).
type Ramp = ControlRamp<CONTROL>;

/// The convolution engine in use, the one fading out after a swap, and the one waiting to be
/// handed back to the loader thread.
struct ConvolutionSlot {
    active: Option<Box<ConvolutionEngine>>,
    fading: Option<Box<ConvolutionEngine>>,
    retired: Option<Box<ConvolutionEngine>>,
    /// 0 → 1 across a swap; `fade_step` per sample.
    fade: f32,
    fade_step: f32,
    swapping: bool,
}

impl ConvolutionSlot {
    #[inline]
    fn tick(&mut self, x: Stereo) -> Stereo {
        let new = self.active.as_mut().map_or(Stereo::zero(), |e| e.tick(x));
        if !self.swapping {
            return new;
        }
        let old = self.fading.as_mut().map_or(Stereo::zero(), |e| e.tick(x));
        self.fade = (self.fade + self.fade_step).min(1.0);
        let y = old + (new - old) * self.fade;
        if self.fade >= 1.0 {
            self.finish_swap();
        }
        y
    }

    fn finish_swap(&mut self) {
        self.swapping = false;
        if let Some(old) = self.fading.take() {
            self.retired = Some(old);
        }
    }

    fn reset(&mut self) {
        if let Some(e) = self.active.as_mut() {
            e.reset();
        }
        self.finish_swap();
    }

    fn len(&self) -> usize {
        let a = self.active.as_ref().map_or(0, |e| e.len());
        let f = self.fading.as_ref().map_or(0, |e| e.len());
        a.max(f)
    }
}

/// The reverb processor (see the module docs).
pub struct Reverb {
    sample_rate: f32,
    settings: Settings,
    dirty: bool,
    /// Position inside the current control period.
    control_pos: usize,
    predelay: Ring,
    predelay_samples: Ramp,
    early: EarlyReflections,
    diffuser: Diffuser<{ character::DIFFUSER_STAGES }>,
    er_diffuser: Diffuser<2>,
    fdn: Fdn,
    conv: ConvolutionSlot,
    low_cut: Svf<Stereo>,
    high_cut: Svf<Stereo>,
    low_cut_hz: Ramp,
    high_cut_hz: Ramp,
    low_cut_on: bool,
    high_cut_on: bool,
    envelope: EnvelopeFollower<f32>,
    dry: Ramp,
    wet: Ramp,
    duck: Ramp,
    early_gain: Ramp,
    late_gain: Ramp,
    /// Input to the algorithmic engine: 1, or 0 when frozen.
    input: Ramp,
    /// 0 = algorithmic, 1 = convolution.
    mode: Ramp,
    width: Ramp,
    algorithmic_idle: bool,
    convolution_idle: bool,
    /// The CPU has AVX2: [`process`](Self::process) runs the build of the run loops for it.
    avx2: bool,
}

crate::processor::processor!(Reverb, Settings);

impl Reverb {
    /// Allocates everything for `sample_rate` (the algorithmic engine's lines, the pre-delay).
    /// `_max_block_len` is accepted for the common processor shape: the reverb works on its
    /// own 16-sample clock and needs no block buffers.
    pub fn new(sample_rate: f32, _max_block_len: usize) -> Self {
        let fs = usable_rate(sample_rate);
        let longest_line = Character::ALL
            .iter()
            .map(|c| c.voicing().line_ms.1)
            .fold(0.0, f32::max);
        let longest_er = Character::ALL
            .iter()
            .map(|c| c.voicing().er_span_ms.1)
            .fold(0.0, f32::max);
        let longest_diffuser = Character::ALL
            .iter()
            .flat_map(|c| c.voicing().diffuser_ms)
            .fold(0.0, f32::max);
        let max_scale = MAX_SIZE_SCALE;
        // Gains glide with τ = 10 ms, cutoffs 30 ms, the pre-delay 60 ms (a pitch bend, not a
        // jump), the input and the mode crossfade 15 ms; the ducking follows its own envelope.
        let ramp = |initial: f32, ms: f32| Ramp::new(fs, ms, initial);
        let mut reverb = Self {
            sample_rate: fs,
            settings: Settings::default(),
            dirty: true,
            control_pos: 0,
            predelay: Ring::new(
                ((MAX_PREDELAY_SECONDS + longest_er * 1e-3 * max_scale) * fs) as usize + 4,
            ),
            predelay_samples: ramp(0.0, 60.0),
            early: EarlyReflections::new(fs),
            diffuser: Diffuser::new(fs, longest_diffuser * 1e-3 * max_scale.sqrt()),
            er_diffuser: Diffuser::new(fs, 0.005 * max_scale.sqrt()),
            fdn: Fdn::new(fs, longest_line * 1e-3 * max_scale),
            conv: ConvolutionSlot {
                active: None,
                fading: None,
                retired: None,
                fade: 1.0,
                fade_step: 1.0 / (0.1 * fs), // 100 ms crossfade between impulse responses
                swapping: false,
            },
            low_cut: Svf::new(fs as f64),
            high_cut: Svf::new(fs as f64),
            low_cut_hz: ramp(20.0, 30.0),
            high_cut_hz: ramp(20_000.0, 30.0),
            low_cut_on: false,
            high_cut_on: false,
            envelope: EnvelopeFollower::new(fs, 5.0, 250.0, Detector::Peak),
            dry: ramp(1.0, 10.0),
            wet: ramp(0.0, 10.0),
            duck: ramp(1.0, 0.0),
            early_gain: ramp(1.0, 10.0),
            late_gain: ramp(1.0, 10.0),
            input: ramp(1.0, 15.0),
            mode: ramp(0.0, 15.0),
            width: ramp(1.0, 10.0),
            algorithmic_idle: false,
            convolution_idle: true,
            avx2: has_avx2(),
        };
        reverb.low_cut.set(
            FilterShape::HighPass,
            20.0,
            core::f64::consts::FRAC_1_SQRT_2,
            0.0,
        );
        reverb.high_cut.set(
            FilterShape::LowPass,
            20_000.0,
            core::f64::consts::FRAC_1_SQRT_2,
            0.0,
        );
        reverb.update_immediately(&Settings::default());
        reverb
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// New settings; they take effect at the next control point and glide. Cheap; never
    /// allocates.
    pub fn update(&mut self, settings: &Settings) {
        if *settings != self.settings {
            self.settings = *settings;
            self.dirty = true;
        }
    }

    /// New settings without glides (at activation, after a reset, when a session loads).
    pub fn update_immediately(&mut self, settings: &Settings) {
        self.settings = *settings;
        self.retarget();
        self.finish_glides();
    }

    fn finish_glides(&mut self) {
        for r in [
            &mut self.predelay_samples,
            &mut self.low_cut_hz,
            &mut self.high_cut_hz,
            &mut self.dry,
            &mut self.wet,
            &mut self.duck,
            &mut self.early_gain,
            &mut self.late_gain,
            &mut self.input,
            &mut self.mode,
            &mut self.width,
        ] {
            r.jump();
        }
        self.early.finish_glides();
        self.early.control(self.predelay_samples.end());
        self.diffuser.finish_glides();
        self.er_diffuser.finish_glides();
        self.fdn.finish_glides();
        self.low_cut.set_cutoff(self.low_cut_hz.value());
        self.high_cut.set_cutoff(self.high_cut_hz.value());
        self.conv.finish_swap();
        self.algorithmic_idle = self.mode.settled_at(1.0);
        self.convolution_idle = self.mode.settled_at(0.0);
    }

    /// Derives every glide target from the settings.
    fn retarget(&mut self) {
        let s = self.settings;
        let fs = self.sample_rate;
        let ms = fs * 1e-3;
        self.dirty = false;
        let clean = |v: f32, lo: f32, hi: f32, default: f32| {
            if v.is_finite() {
                within(v, lo, hi)
            } else {
                default
            }
        };
        self.predelay_samples
            .set_target(clean(s.predelay_ms, 0.0, MAX_PREDELAY_SECONDS * 1e3, 0.0) * ms);

        let scale = size_scale(s.size);
        let lengths = line_lengths_ms(s.character, LINES);
        let samples: [f32; LINES] = core::array::from_fn(|i| lengths[i] * scale * ms);
        self.fdn.set_lengths(&samples);
        let decay = clean(s.decay_s, 0.05, 100.0, 2.0);
        let ratio = clean(s.hf_ratio, 0.01, 4.0, 1.0);
        let crossover = clean(s.crossover_hz, 20.0, 0.45 * fs, 3_000.0);
        let frozen = s.freeze;
        self.fdn.set_decay(
            decay,
            decay * ratio,
            crossover,
            if frozen { 0.0 } else { 1.0 },
        );
        let depth = clean(s.mod_depth, 0.0, 1.0, 0.0) * MAX_MOD_SECONDS;
        self.fdn.set_modulation(
            if frozen { 0.0 } else { depth },
            clean(s.mod_rate_hz, 0.0, 20.0, 0.5),
        );
        let v = s.character.voicing();
        // Diffuser delays grow with the square root of the size: a bigger room smears more,
        // but the onset must stay a burst, not a string of echoes.
        let dscale = scale.sqrt();
        let delays: [f32; character::DIFFUSER_STAGES] =
            core::array::from_fn(|i| v.diffuser_ms[i] * dscale * ms);
        self.diffuser.set(
            &delays,
            clean(s.diffusion, 0.0, 1.0, 0.75) * v.diffuser_gain,
        );
        self.early.set(s.character, scale);
        let er_delays = v.er_diffuser_ms.map(|d| d * dscale * ms);
        self.er_diffuser
            .set(&er_delays, clean(s.diffusion, 0.0, 1.0, 0.75) * 0.7);

        let (sin, cos) =
            (clean(s.mix, 0.0, 1.0, 0.3) as f64 * core::f64::consts::FRAC_PI_2).sin_cos();
        let gain = clean(s.output_gain, 0.0, 16.0, 1.0);
        let (dry, wet) = if s.mix >= 1.0 {
            (0.0, 1.0)
        } else {
            (cos as f32, sin as f32)
        };
        self.dry.set_target(dry * gain);
        self.wet.set_target(wet * gain);
        let b = clean(s.early_late, 0.0, 1.0, 0.5);
        self.early_gain.set_target((2.0 * (1.0 - b)).min(1.0));
        self.late_gain.set_target((2.0 * b).min(1.0));
        self.input.set_target(if frozen { 0.0 } else { 1.0 });
        self.mode.set_target(if s.mode == Mode::Convolution {
            1.0
        } else {
            0.0
        });
        self.width.set_target(clean(s.width, 0.0, 1.0, 1.0));
        let nyquist_guard = 0.45 * fs;
        self.low_cut_on = s.low_cut_hz.is_some_and(f32::is_finite);
        self.high_cut_on = s.high_cut_hz.is_some_and(f32::is_finite);
        if let Some(f) = s.low_cut_hz {
            self.low_cut_hz
                .set_target(clean(f, 5.0, nyquist_guard, 20.0));
        }
        if let Some(f) = s.high_cut_hz {
            self.high_cut_hz
                .set_target(clean(f, 100.0, nyquist_guard, nyquist_guard));
        }
    }

    /// Clears all signal state (tails, filters, envelopes) without allocating; the settings
    /// and any loaded impulse response stay.
    pub fn reset(&mut self) {
        self.control_pos = 0;
        self.clear_tails();
        self.envelope.reset();
        self.retarget();
        self.finish_glides();
    }

    /// Clears the wet path's audio state: the delays, diffusers, tank, convolution and
    /// filters (not the envelope or the glides).
    fn clear_tails(&mut self) {
        self.predelay.reset();
        self.diffuser.reset();
        self.er_diffuser.reset();
        self.fdn.reset();
        self.conv.reset();
        self.low_cut.reset();
        self.high_cut.reset();
    }

    /// Nothing is delayed: the dry path is untouched and convolution has a direct head.
    pub fn latency_samples(&self) -> u32 {
        0
    }

    /// How long the output can ring after the input stops, in samples: `None` while frozen
    /// (forever). Pre-delay, the last early reflection and the time to fall 90 dB at the
    /// longest decay time, or the impulse response's length.
    pub fn tail_samples(&self) -> Option<u32> {
        let s = &self.settings;
        if s.freeze && s.mode == Mode::Algorithmic {
            return None;
        }
        let fs = self.sample_rate;
        let pre = self
            .predelay_samples
            .target()
            .max(self.predelay_samples.value());
        let algorithmic = self.early.last_seconds() * fs
            + self.fdn.longest_loop_seconds() * fs
            + 1.5 * s.decay_s.max(s.decay_s * s.hf_ratio).clamp(0.0, 100.0) * fs;
        let convolution = self.conv.len() as f32;
        let mut tail = pre;
        if s.mode == Mode::Algorithmic || !self.algorithmic_idle {
            tail += algorithmic.max(if self.convolution_idle {
                0.0
            } else {
                convolution
            });
        } else {
            tail += convolution;
        }
        Some(tail.max(1.0).min(u32::MAX as f32 / 2.0) as u32)
    }

    /// Audio thread: takes a newly loaded impulse response from `mailbox` (crossfading to it)
    /// and hands a replaced one back. Returns `true` when it handed memory back in this call,
    /// for the loader thread to free ([`IrMailbox::collect`]). Wait-free; never allocates or
    /// frees. An engine prepared for another sample rate is handed back unused.
    pub fn exchange_ir(&mut self, mailbox: &IrMailbox) -> bool {
        let slot = &mut self.conv;
        let mut handed_back = false;
        if let Some(old) = slot.retired.take() {
            match mailbox.give_back(old) {
                Ok(()) => handed_back = true,
                Err(old) => slot.retired = Some(old),
            }
        }
        if !slot.swapping
            && slot.retired.is_none()
            && let Some(new) = mailbox.take()
        {
            if new.sample_rate() != self.sample_rate {
                match mailbox.give_back(new) {
                    Ok(()) => handed_back = true,
                    Err(new) => slot.retired = Some(new),
                }
            } else {
                slot.fading = slot.active.replace(new);
                slot.fade = 0.0;
                slot.swapping = true;
                if self.convolution_idle {
                    // Nothing audible to fade: switch at once.
                    slot.finish_swap();
                }
            }
        }
        handed_back
    }

    /// Main thread (at activation): installs an engine at once, returning the one it
    /// replaces (to be dropped there).
    pub fn install_ir(&mut self, engine: Box<ConvolutionEngine>) -> Option<Box<ConvolutionEngine>> {
        let mut engine = engine;
        engine.reset();
        self.conv.finish_swap();
        self.conv.active.replace(engine)
    }

    /// Main thread: removes the loaded engines (e.g. to move them into a new processor after a
    /// re-activation at the same rate).
    pub fn take_ir(&mut self) -> Option<Box<ConvolutionEngine>> {
        self.conv.finish_swap();
        self.conv.retired = None;
        self.conv.active.take()
    }

    /// The length in samples of the impulse response in use (0 when none).
    pub fn ir_len(&self) -> usize {
        self.conv.active.as_ref().map_or(0, |e| e.len())
    }

    /// Once per control period, before its first sample. (Inlined into
    /// [`process`](Self::process), so that it is compiled for each instruction set `process`
    /// dispatches to, as the run loops are.)
    #[inline(always)]
    fn control(&mut self) {
        if self.dirty {
            self.retarget();
        }
        for r in [
            &mut self.predelay_samples,
            &mut self.dry,
            &mut self.wet,
            &mut self.early_gain,
            &mut self.late_gain,
            &mut self.input,
            &mut self.mode,
            &mut self.width,
        ] {
            r.control();
        }
        if self.low_cut_on {
            self.low_cut_hz.control();
            self.low_cut.set_cutoff(self.low_cut_hz.end());
        }
        if self.high_cut_on {
            self.high_cut_hz.control();
            self.high_cut.set_cutoff(self.high_cut_hz.end());
        }
        // Ducking: 1 dB less wet per dB of input above the threshold, up to the set depth.
        let s = &self.settings;
        self.duck.set_target(if s.duck_db > 0.0 {
            let level = gain_to_db_floored(self.envelope.value(), -150.0);
            let reduction = (level - s.duck_threshold_db).clamp(0.0, s.duck_db.min(60.0));
            db_to_gain(-reduction)
        } else {
            1.0
        });
        self.duck.control();

        // Engines run only while audible; one that falls silent is cleared, so that it starts
        // clean when it comes back.
        let algorithmic_idle = self.mode.settled_at(1.0);
        if algorithmic_idle && !self.algorithmic_idle {
            self.diffuser.reset();
            self.er_diffuser.reset();
            self.fdn.reset();
        }
        self.algorithmic_idle = algorithmic_idle;
        let convolution_idle = self.mode.settled_at(0.0);
        if convolution_idle && !self.convolution_idle {
            self.conv.reset();
        }
        self.convolution_idle = convolution_idle;
        if !algorithmic_idle {
            self.early.control(self.predelay_samples.end());
            self.diffuser.control();
            self.er_diffuser.control();
            self.fdn.control();
        }
    }

    avx2_dispatch! {
        /// [`process`](Self::process) with the ducking keyed by `key` (left, right; silence
        /// past its end) instead of the input: the reverb steps back while another track (the
        /// vocal) plays. Only the detector changes.
        pub fn process_keyed(
            &mut self,
            left: &mut [f32],
            right: &mut [f32],
            key: Option<[&[f32]; 2]>,
        ) = process_runs;
        /// [`process_keyed`](Self::process_keyed) compiled for AVX2, chosen at run time when
        /// the CPU has it: the run loops are written over 16-sample rows, which AVX2 takes in two
        /// registers instead of SSE2's four. Without FMA (a fused multiply-add rounds once
        /// where the baseline rounds twice), so both builds compute exactly the same values
        /// and the output does not depend on the machine (a test compares them).
        avx2 if self.avx2: fn process_avx2;
    }

    /// Processes separate left/right buffers in place, any length (0 and 1 included). For a
    /// mono source pass the same signal in both (the plugin copies it).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.process_keyed(left, right, None);
    }

    /// The control-period loop of [`process_keyed`](Self::process_keyed); everything per
    /// sample below it is inlined, so that it is compiled for each instruction set it
    /// dispatches to.
    #[inline(always)]
    fn process_runs(&mut self, left: &mut [f32], right: &mut [f32], key: Option<[&[f32]; 2]>) {
        let len = left.len().min(right.len());
        let mut i = 0;
        while i < len {
            if self.control_pos == 0 {
                self.control();
            }
            let run = (len - i).min(CONTROL - self.control_pos);
            let key = key.map(|k| k.map(|k| &k[i.min(k.len())..(i + run).min(k.len())]));
            self.process_run(&mut left[i..i + run], &mut right[i..i + run], key);
            self.control_pos = (self.control_pos + run) % CONTROL;
            i += run;
        }
    }

    /// Samples within one control period, as one run: each stage processes the whole run
    /// before the next (see [`Fdn::process`] and the stages' `process`), on arrays with room
    /// for a control period. Every stage computes exactly what it did sample by sample, so the
    /// output is bit-identical to a sample-by-sample loop — except after a non-finite output,
    /// which bounded input never produces: the state is reset as before, that sample is
    /// silent, and the rest of the run plays its dry signal only.
    // Indexed loops over the run: several arrays per index, written so they vectorise.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn process_run(&mut self, left: &mut [f32], right: &mut [f32], key: Option<[&[f32]; 2]>) {
        let n = left.len().min(right.len()).min(CONTROL);
        let (left, right) = (&mut left[..n], &mut right[..n]);
        let mut x = [[0.0f32; CONTROL]; 2];
        for (x, io) in x.iter_mut().zip([&*left, &*right]) {
            for (x, &v) in x.iter_mut().zip(io) {
                *x = sane_sample(v);
            }
        }
        if self.settings.duck_db > 0.0 {
            // The ducking follows the key when there is one (silence past its end), else
            // the input.
            let at = |k: &[f32], j: usize| sane_sample(k.get(j).copied().unwrap_or(0.0)).abs();
            for j in 0..n {
                let level = match key {
                    Some([kl, kr]) => at(kl, j).max(at(kr, j)),
                    None => x[0][j].abs().max(x[1][j].abs()),
                };
                self.envelope.process_sample(level);
            }
        }
        let ramp = |r: &mut Ramp| r.values(n);
        let pd = ramp(&mut self.predelay_samples);
        let mode = ramp(&mut self.mode);
        let input = ramp(&mut self.input);
        let early = ramp(&mut self.early_gain);
        let late = ramp(&mut self.late_gain);
        let width = ramp(&mut self.width);
        let dry = ramp(&mut self.dry);
        let wet_gain = ramp(&mut self.wet);
        let duck = ramp(&mut self.duck);

        self.predelay.push(&x, n);
        // The pre-delay: one window for the run while its time holds still (the ramp is
        // monotonic, so equal ends mean it is flat), else sample by sample.
        let pre = if pd[0] == pd[n - 1] {
            self.predelay.read_cubic_run(pd[0], n)
        } else {
            let mut pre = [[0.0f32; CONTROL]; 2];
            for j in 0..n {
                let [l, r] = self.predelay.read_cubic(pd[j], n - 1 - j);
                pre[0][j] = l;
                pre[1][j] = r;
            }
            pre
        };
        let mut wet = [[0.0f32; CONTROL]; 2];
        if !self.algorithmic_idle {
            let mut er = [[0.0f32; CONTROL]; 2];
            self.early.process(&self.predelay, &mut er, n);
            let mut to_late = [[0.0f32; CONTROL]; 2];
            for c in 0..2 {
                for j in 0..CONTROL {
                    er[c][j] *= input[j] * early[j];
                    to_late[c][j] = pre[c][j] * input[j];
                }
            }
            self.er_diffuser.process(&mut er, n);
            self.diffuser.process(&mut to_late, n);
            let mut tail = [[0.0f32; CONTROL]; 2];
            self.fdn.process(&to_late, &mut tail, n);
            for c in 0..2 {
                for j in 0..CONTROL {
                    wet[c][j] = er[c][j] + tail[c][j] * late[j];
                }
            }
            for j in 0..n {
                if mode[j] != 0.0 {
                    let g = (mode[j] as f64 * core::f64::consts::FRAC_PI_2).cos() as f32;
                    wet[0][j] *= g;
                    wet[1][j] *= g;
                }
            }
        }
        if !self.convolution_idle {
            for j in 0..n {
                let c = self.conv.tick(Stereo::new(pre[0][j], pre[1][j]));
                let c = if mode[j] == 1.0 {
                    c
                } else {
                    c * (mode[j] as f64 * core::f64::consts::FRAC_PI_2).sin() as f32
                };
                wet[0][j] += c.left();
                wet[1][j] += c.right();
            }
        }
        // Width: mid/side, only where it is not 100 % (so 100 % is exactly the engine's
        // output).
        for j in 0..n {
            let (l, r, w) = (wet[0][j], wet[1][j], width[j]);
            let mid = (l + r) * 0.5;
            let side = (l - r) * 0.5 * w;
            wet[0][j] = if w != 1.0 { mid + side } else { l };
            wet[1][j] = if w != 1.0 { mid - side } else { r };
        }
        if self.low_cut_on || self.high_cut_on {
            for j in 0..n {
                let mut v = Stereo::new(wet[0][j], wet[1][j]);
                if self.low_cut_on {
                    v = self.low_cut.process_sample(v);
                }
                if self.high_cut_on {
                    v = self.high_cut.process_sample(v);
                }
                wet[0][j] = v.left();
                wet[1][j] = v.right();
            }
        }
        let mut y = [[0.0f32; CONTROL]; 2];
        let mut finite = true;
        for c in 0..2 {
            for j in 0..n {
                let v = x[c][j] * dry[j] + wet[c][j] * (wet_gain[j] * duck[j]);
                finite &= v.is_finite();
                y[c][j] = v;
            }
        }
        if finite {
            for (io, y) in [left, right].into_iter().zip(&y) {
                for (o, &v) in io.iter_mut().zip(y) {
                    *o = flush_denormal(v);
                }
            }
            return;
        }
        // Cannot happen with bounded input; if it ever does, never let it ring on: clear
        // every state at the first bad sample, silence it, and play only the dry signal for
        // the rest of the run (its wet part came from the state just cleared).
        let bad = (0..n)
            .find(|&j| !(y[0][j].is_finite() && y[1][j].is_finite()))
            .unwrap_or(n);
        self.clear_tails();
        for j in 0..n {
            let (l, r) = if j < bad {
                (flush_denormal(y[0][j]), flush_denormal(y[1][j]))
            } else if j == bad {
                (0.0, 0.0)
            } else {
                (
                    flush_denormal(x[0][j] * dry[j]),
                    flush_denormal(x[1][j] * dry[j]),
                )
            };
            left[j] = l;
            right[j] = r;
        }
    }
}
