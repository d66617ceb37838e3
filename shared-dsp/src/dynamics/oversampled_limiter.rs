//! The limiter with its gain stage at 2, 4 or 8 times the sample rate, to reduce the aliasing
//! of fast gain changes.
//!
//! ```text
//! Off:  in ─ Limiter (everything: drive … dither, bypass) ─────────────────────────── out
//! K×:   in ─ up K× ─ core Limiter at K·fs ─ down K× ─ safety Limiter at fs ─ bypass ─ out
//!        └─ (the plain input, delayed by the total latency) ───────────────────┘
//! ```
//!
//! **Why.** Multiplying audio by a moving gain is amplitude modulation: the gain's spectrum is
//! convolved with the audio's, and a limiter's gain moves fast (a 0.5 ms ramp, a 1 ms release).
//! Products of a 7 kHz tone with gain components of 10 kHz and more land above Nyquist and, at
//! the base rate, fold back as inharmonic tones. Run at K·fs, those products stay below the
//! raised Nyquist, and the downsampler's filter removes them instead of folding them.
//!
//! **Off is today's limiter, bit for bit**: the plain [`Limiter`] with the plugin's settings,
//! called directly (nothing extra runs; same latency, same output, tested).
//!
//! **K×**: the input is upsampled ([`Oversampler`], a linear-phase half-band cascade), a core
//! [`Limiter`] at K·fs applies the same drive, ceiling, lookahead (in ms), release, link and
//! detection, and the result is downsampled. The core is the unchanged limiter; only its rate
//! differs, so everything proved of it (the gain arrives with the peak, never late) holds at
//! K·fs.
//!
//! **The core's detector** is the true-peak detector's 16× cascade alone
//! ([`Limiter::cascade_only`]). The eight points of the two BS.1770 4× meters that the plain
//! limiter also reads are there so that the *output* reads under the ceiling on such meters;
//! at K·fs they describe no meter, and their ripple (they read some tones up to 0.22 dB high,
//! depending on where the samples fall) only modulates the gain: with them, a 2× core on the
//! 5 + 7 kHz test tone made *more* off-grid products than no oversampling (−54 dB against
//! −73 dB); without them, −88 dB.
//!
//! **The ceiling after the downsampler.** Removing the content above fs/2 changes the
//! waveform: the products the decimation filter removes were part of the core's limited
//! output, and without them the waveform can rise a little over the ceiling (Gibbs). So a
//! second, base-rate [`Limiter`] follows as a safety stage: unity drive, the same ceiling,
//! detection (with the 4×-meter points), release and link, the shortest lookahead
//! ([`MIN_LOOKAHEAD_MS`]). It holds the README's promise (no sample, and in true-peak mode no
//! inter-sample peak, over the ceiling, measured with the tests' 16× reference; under it on
//! the 4× meters too) by construction, exactly as the plain limiter does. The core aims
//! [`CORE_MARGIN_DB`] (0.1 dB) below the ceiling, so that the safety stage acts only where
//! the downsampler or the 4× meters' points add more than that: without the margin it acted
//! on every peak of the test tone, and its base-rate gain changes brought the aliasing back
//! (−74 dB at 2×, −76 dB at 8×, against −88 and −99 dB with it). The price: oversampled
//! output peaks up to 0.1 dB lower than the ceiling allows.
//!
//! **Once, at the end**: mono check and dither are the safety stage's (the last one), bypass
//! the wrapper's: it glides to the plain input delayed by the *total* latency, bit for bit once
//! settled, as in the plain limiter. The core runs without dither, mono check or bypass.
//!
//! **Latency** is the oversampler's round trip ([`round_trip_latency`]: 80, 90, 93 samples),
//! plus the core's latency at K·fs divided by K, plus the safety stage's. To keep it a whole
//! number of base samples (exact to report, and bypass bit-exact) the core's lookahead is
//! rounded to a whole number of base samples (at most half a base sample off the set value).
//!
//! **Switching** the factor (or, while oversampling, the lookahead) moves the audio in time, so
//! it fades the output out over [`SWITCH_FADE_MS`], clears the new path (the cores and filters
//! at every factor are allocated in [`OversampledLimiter::new`]; switching never allocates),
//! keeps the output silent until the new path's first sample arrives (the total latency; so
//! no stale audio and no step comes out), then fades back in. The new latency is reported at
//! once. In Off mode a lookahead change is the plain limiter's own (a 5 ms fade each way).
//!
//! **Cost**: Off nothing; K× about one limiter at K·fs plus the filters (figures in the README,
//! `cargo bench -p shared-dsp --bench limiter`).

use super::dry_path::DryPath;
use super::limiter::{self, GLIDE_MS, Limiter, MIN_LOOKAHEAD_MS, SWITCH_FADE_MS, in_chunks, sane};
use super::oversampling::{CHUNK, MAX_FACTOR, Oversampler, Oversampling, round_trip_latency};

/// The limiter's settings and the factor.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Settings {
    pub limiter: limiter::Settings,
    pub oversampling: Oversampling,
}

impl crate::bypass::Bypass for Settings {
    /// The input delayed by the same total latency.
    fn bypassed(&self) -> Self {
        Self {
            limiter: self.limiter.bypassed(),
            ..*self
        }
    }
}

/// How far below the ceiling the core aims, so that the safety stage acts only where the
/// downsampler and its own 4×-meter points add more than this (see the module docs).
pub const CORE_MARGIN_DB: f32 = 0.1;

type Chunk = [[f32; CHUNK]; 2];

/// The limiter, plain or oversampled; see the module docs.
#[derive(Clone, Debug)]
pub struct OversampledLimiter {
    sample_rate: f32,
    settings: Settings,
    /// Off: the whole limiter. K×: the base-rate safety stage.
    base: Limiter,
    /// The cores at 2, 4 and 8 times the rate.
    cores: Box<[Limiter; 3]>,
    over: Box<[Oversampler; 2]>,
    /// The plain input, delayed by the total latency, and the glide to it (K× only; Off has
    /// the limiter's own).
    dry: DryPath,
    /// What runs now; differs from the settings while switching.
    active: Oversampling,
    /// The running core's latency at its rate (a multiple of its ratio), and what the
    /// settings ask for.
    core_latency: usize,
    target_core_latency: usize,
    /// Output level of the switch fade, 0…`fade_len`, and samples of silence left after a
    /// switch before fading in.
    fade_level: u32,
    fade_len: u32,
    hold: usize,
    /// Largest reduction (dB, ≥ 0) per channel during the last `process*` call.
    reduction: [f32; 2],
}

crate::processor::processor!(
    OversampledLimiter,
    Settings,
    mono: OversampledLimiter::process_mono
);

impl OversampledLimiter {
    /// Allocates everything, for every factor and the longest lookahead, at `sample_rate`.
    pub fn new(sample_rate: f32, max_block_len: usize) -> Self {
        let base = Limiter::new(sample_rate, max_block_len);
        let fs = base.sample_rate();
        let core = |r: usize| Limiter::new(fs * r as f32, max_block_len * r).cascade_only();
        let mut limiter = Self {
            sample_rate: fs,
            settings: Settings::default(),
            base,
            cores: Box::new([core(2), core(4), core(8)]),
            over: Box::new([Oversampler::new(), Oversampler::new()]),
            dry: DryPath::new(fs, 1.0, GLIDE_MS),
            active: Oversampling::Off,
            core_latency: 0,
            target_core_latency: 0,
            fade_level: 0,
            fade_len: ((SWITCH_FADE_MS * 1e-3 * fs) as u32).max(1),
            hold: 0,
            reduction: [0.0; 2],
        };
        // Room for the longest total latency (8×, the longest lookahead).
        let longest = Oversampling::ALL
            .iter()
            .map(|&f| {
                limiter.latency_for(&Settings {
                    limiter: limiter::Settings {
                        lookahead_ms: limiter::MAX_LOOKAHEAD_MS,
                        ..limiter::Settings::default()
                    },
                    oversampling: f,
                })
            })
            .max()
            .unwrap_or(0);
        limiter.dry = DryPath::new(fs, (longest + 2) as f32 * 1e3 / fs, GLIDE_MS);
        let d = Settings::default();
        limiter.update_immediately(&d);
        limiter.reset();
        limiter
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// The settings last passed to [`update`](Self::update).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The factor running now (differs from the settings during a switch).
    pub fn active(&self) -> Oversampling {
        self.active
    }

    fn core(&self, f: Oversampling) -> &Limiter {
        &self.cores[f.stages().clamp(1, 3) - 1]
    }

    fn core_mut(&mut self, f: Oversampling) -> &mut Limiter {
        &mut self.cores[f.stages().clamp(1, 3) - 1]
    }

    /// The core's latency at K·fs for a lookahead of `ms`, rounded to whole base samples
    /// (a multiple of K) within the range the core accepts.
    fn core_latency_for(&self, f: Oversampling, ms: f32) -> usize {
        let (core, r) = (self.core(f), f.ratio());
        let lo = core.latency_for_ms(MIN_LOOKAHEAD_MS).div_ceil(r) * r;
        let hi = core.latency_for_ms(limiter::MAX_LOOKAHEAD_MS) / r * r;
        let want = core.latency_for_ms(ms);
        ((want + r / 2) / r * r).clamp(lo, hi)
    }

    /// The lookahead in ms that gives the core `latency` samples (`latency_for_ms` inverted;
    /// whole samples, so the middle of the sample is exact enough).
    fn core_ms(&self, f: Oversampling, latency: usize) -> f32 {
        let rate = self.sample_rate as f64 * f.ratio() as f64;
        let ramp = latency - limiter::DETECTOR_LATENCY;
        let ms = (ramp as f64 * 1e3 / rate) as f32;
        debug_assert_eq!(self.core(f).latency_for_ms(ms), latency);
        ms
    }

    /// The total latency in base samples that `settings` give.
    fn latency_for(&self, s: &Settings) -> usize {
        match s.oversampling {
            Oversampling::Off => self.base.latency_for_ms(s.limiter.lookahead_ms),
            f => {
                round_trip_latency(f.stages())
                    + self.core_latency_for(f, s.limiter.lookahead_ms) / f.ratio()
                    + self.base.latency_for_ms(MIN_LOOKAHEAD_MS)
            }
        }
    }

    /// What the core runs at K·fs: everything but the output stages, with the rounded
    /// lookahead of the running configuration.
    fn core_settings(&self) -> limiter::Settings {
        limiter::Settings {
            lookahead_ms: self.core_ms(self.active, self.core_latency),
            ceiling_db: self.settings.limiter.ceiling_db - CORE_MARGIN_DB,
            dither: super::dither::DitherDepth::Off,
            mono_check: false,
            bypass: false,
            ..self.settings.limiter
        }
    }

    /// The safety stage: unity drive, shortest lookahead, the output stages; no bypass (the
    /// wrapper's).
    fn safety_settings(&self) -> limiter::Settings {
        limiter::Settings {
            drive_db: 0.0,
            lookahead_ms: MIN_LOOKAHEAD_MS,
            bypass: false,
            ..self.settings.limiter
        }
    }

    /// Whether the running configuration differs from the settings in what moves the audio.
    fn pending(&self) -> bool {
        self.settings.oversampling != self.active
            || (self.active != Oversampling::Off && self.target_core_latency != self.core_latency)
    }

    /// Starts gliding towards `settings`. Cheap; never allocates.
    pub fn update(&mut self, settings: &Settings) {
        self.settings = *settings;
        let f = settings.oversampling;
        if f != Oversampling::Off {
            self.target_core_latency = self.core_latency_for(f, settings.limiter.lookahead_ms);
        }
        // The wrapper's bypass (used while oversampling) follows in any case, so that a switch
        // to a factor starts from the right state.
        self.dry.set(settings.limiter.bypass);
        self.configure_stages(Limiter::update);
    }

    /// Hands the running configuration's stages their settings through `apply`: Off the
    /// plain limiter the plugin's settings, K× the core and the safety stage theirs.
    fn configure_stages(&mut self, apply: fn(&mut Limiter, &limiter::Settings)) {
        match self.active {
            Oversampling::Off => {
                let s = self.settings.limiter;
                apply(&mut self.base, &s);
            }
            active => {
                let (core, safety) = (self.core_settings(), self.safety_settings());
                apply(self.core_mut(active), &core);
                apply(&mut self.base, &safety);
            }
        }
    }

    /// Applies `settings` without any glide or fade (activation, loading a session); a new
    /// factor starts from silence in its filters.
    pub fn update_immediately(&mut self, settings: &Settings) {
        self.update(settings);
        if self.pending() {
            self.switch();
        } else {
            self.configure_stages(Limiter::update_immediately);
        }
        self.dry.set_immediately(settings.limiter.bypass);
        self.fade_level = self.fade_len;
        self.hold = 0;
    }

    /// Clears all signal state without allocating; glides and switches complete at once.
    pub fn reset(&mut self) {
        let s = self.settings;
        self.update_immediately(&s);
        self.base.reset();
        if self.active != Oversampling::Off {
            let active = self.active;
            self.core_mut(active).reset();
        }
        self.over.iter_mut().for_each(Oversampler::reset);
        self.dry.reset();
        self.reduction = [0.0; 2];
    }

    /// Makes the settings' configuration the running one, from silence.
    fn switch(&mut self) {
        self.active = self.settings.oversampling;
        self.core_latency = self.target_core_latency;
        self.configure_stages(|stage, s| {
            stage.update_immediately(s);
            stage.reset();
        });
        if self.active != Oversampling::Off {
            self.over.iter_mut().for_each(Oversampler::reset);
            self.dry.reset();
            let latency = self.latency_samples() as usize;
            self.dry.set_delay(latency);
            self.dry.set_immediately(self.settings.limiter.bypass);
        }
        self.hold = self.latency_samples() as usize;
    }

    /// The total delay in samples, to report to the host. During a switch this is already
    /// the new value.
    pub fn latency_samples(&self) -> u32 {
        self.latency_for(&self.settings) as u32
    }

    /// The largest gain reduction (dB, ≥ 0) per channel during the last `process*` call
    /// (core and safety stage together).
    pub fn gain_reduction_db(&self) -> [f32; 2] {
        self.reduction
    }

    /// Samples any stage's final guard clamp has touched (zero unless the design is broken).
    pub fn clamped_samples(&self) -> u64 {
        self.base.clamped_samples() + self.cores.iter().map(Limiter::clamped_samples).sum::<u64>()
    }

    /// Nothing switching: Off can run the plain limiter on the whole block.
    fn steady(&self) -> bool {
        !self.pending() && self.fade_level == self.fade_len && self.hold == 0
    }

    /// Processes a stereo block in place.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        if self.active == Oversampling::Off && self.steady() {
            self.base.process(left, right);
            self.reduction = self.base.gain_reduction_db();
            return;
        }
        self.reduction = [0.0; 2];
        in_chunks(
            self,
            left,
            Some(right),
            Self::chunk_len,
            Self::process_chunk,
        );
    }

    /// Processes one channel in place (each stage's own mono path).
    pub fn process_mono(&mut self, buf: &mut [f32]) {
        if self.active == Oversampling::Off && self.steady() {
            self.base.process_mono(buf);
            self.reduction = self.base.gain_reduction_db();
            return;
        }
        self.reduction = [0.0; 2];
        in_chunks(self, buf, None, Self::chunk_len, Self::process_chunk);
    }

    /// Up to [`CHUNK`] frames, and a switch fade ends exactly at a chunk's end, so the switch
    /// happens at the same sample whatever the block sizes.
    fn chunk_len(&mut self, left: usize) -> usize {
        if self.pending() && self.fade_level == 0 {
            self.switch();
        }
        let len = left.min(CHUNK);
        if self.pending() {
            len.min(self.fade_level as usize)
        } else {
            len
        }
    }

    /// One chunk through the running configuration, then the switch fade.
    fn process_chunk(&mut self, x: &mut Chunk, n: usize, mono: bool) {
        let channels = if mono { 1 } else { 2 };
        let mut reduction = [0.0f32; 2];
        match self.active {
            Oversampling::Off => {
                let [l, r] = x;
                if mono {
                    self.base.process_mono(&mut l[..n]);
                } else {
                    self.base.process(&mut l[..n], &mut r[..n]);
                }
                reduction = self.base.gain_reduction_db();
            }
            f => {
                for lane in x.iter_mut().take(channels) {
                    lane[..n].iter_mut().for_each(|v| *v = sane(*v));
                }
                // (Mono: channel 1 is copied from channel 0 at the end.)
                let dry = self.dry.take(x, n);
                let (stages, m) = (f.stages(), n * f.ratio());
                let mut hi = [[0.0f32; CHUNK * MAX_FACTOR]; 2];
                for ch in 0..channels {
                    self.over[ch].up(stages, &x[ch][..n], &mut hi[ch]);
                }
                let [hl, hr] = &mut hi;
                let core = self.core_mut(f);
                if mono {
                    core.process_mono(&mut hl[..m]);
                } else {
                    core.process(&mut hl[..m], &mut hr[..m]);
                }
                let core_gr = core.gain_reduction_db();
                for ch in 0..channels {
                    self.over[ch].down(stages, &hi[ch][..m], &mut x[ch][..n]);
                }
                let [l, r] = x;
                if mono {
                    self.base.process_mono(&mut l[..n]);
                } else {
                    self.base.process(&mut l[..n], &mut r[..n]);
                }
                let safety_gr = self.base.gain_reduction_db();
                for ch in 0..2 {
                    reduction[ch] = core_gr[ch] + safety_gr[ch];
                }
                self.dry.apply(dry, x, n);
            }
        }
        for (r, &now) in self.reduction.iter_mut().zip(&reduction) {
            *r = r.max(now);
        }
        if mono {
            x[1] = x[0];
        }
        if self.fade_level != self.fade_len || self.pending() || self.hold > 0 {
            let inv = 1.0 / self.fade_len as f32;
            let pending = self.pending();
            let [left, right] = x;
            for (l, r) in left[..n].iter_mut().zip(&mut right[..n]) {
                if pending {
                    self.fade_level = self.fade_level.saturating_sub(1);
                } else if self.hold > 0 {
                    self.hold -= 1;
                } else if self.fade_level < self.fade_len {
                    self.fade_level += 1;
                }
                if self.fade_level != self.fade_len {
                    let level = self.fade_level as f32 * inv;
                    *l *= level;
                    *r *= level;
                }
            }
        }
    }
}
