//! [`Eq`]: the EQ with the crate's processor shape, in either mode.
//!
//! **Modes.** Zero latency runs the matched sections ([`cascade`](super::cascade)); linear
//! phase runs an FIR [`Kernel`] designed from the same target ([`fir`](super::fir),
//! [`linear`](super::linear)) and delays by half its length. Only the mode in use runs.
//! Switching fades the output out over [`MODE_FADE`] samples, switches (the latency changes;
//! the plugin tells the host), and fades back in; the new path starts from silence.
//!
//! **Linear-phase designs** happen off the audio thread: [`Eq::update`] notes that the bands
//! changed, the caller takes a [`DesignRequest`] from [`Eq::take_design_request`] (plain
//! data, sendable in a task message), designs the [`Kernel`] on a background thread
//! ([`DesignRequest::design`]) and posts it to a [`KernelMailbox`]; [`Eq::exchange_kernel`]
//! takes it on the audio thread, which warms it up and crossfades to it. A caller with one
//! design in flight simply asks later: the request stays pending, always for the newest bands.
//!
//! **Offline renders** ([`Eq::set_offline`], [`Eq::process_offline`]) must come out the same
//! however fast the host renders. A pending design is then waited for (the owner's
//! [`OfflineDesigner`] blocks until its background thread has posted the kernel) before the
//! audio it affects, and the kernel takes over at the sample of the parameter change (primed
//! with the input history, see [`linear`](super::linear)), crossfading over a fixed number of
//! samples. Changes that come while a crossfade is under way are designed when it ends, for
//! the bands of that sample, exactly as a real-time EQ with an instant designer would.

use super::cascade::Engine;
use super::fir::{Kernel, kernel_bands};
use super::linear::{DesignRequest, KernelMailbox, LinearPhase, OfflineDesigner};
use super::response::auto_gain_db;
use super::{BANDS, BandSettings, Mode, Settings};
use crate::kernel::sanitize::{finite_or_zero, flush_denormal, sanitize};
use crate::processor::{Paired, SampleRate};
use crate::smoother::Smoother;

/// Samples of the fade out and of the fade in when the mode changes.
pub const MODE_FADE: usize = 256;

/// Eight-band parametric EQ (see the [module docs](super)).
pub struct Eq {
    engine: Engine,
    linear: LinearPhase,
    settings: Settings,
    /// The mode running now (`settings.mode` is the one asked for).
    mode: Mode,
    /// Samples into the mode change's fade out (then fade in), if one is under way.
    switch: Option<(bool, usize)>,
    /// Output gain in linear-phase mode (the zero-latency engine has its own), linear.
    lp_gain: Smoother,
    /// Bands the current (or requested) linear-phase kernel was designed for, as
    /// [`kernel_bands`] sees them.
    designed_bands: [BandSettings; BANDS],
    design_request: bool,
    /// Auto-gain of the current band targets (dB), recomputed only when bands change.
    auto_gain_db: f64,
    bands_for_auto_gain: [BandSettings; BANDS],
}

crate::processor::processor!(Eq, Settings);

impl Eq {
    /// An EQ at `sample_rate` with every band off. Allocates the linear-phase mode's buffers
    /// for blocks up to `max_block_len` (longer ones are processed in pieces).
    pub fn new(sample_rate: SampleRate, max_block_len: usize) -> Self {
        let settings = Settings::default();
        let engine = Engine::new(f64::from(sample_rate), &settings.bands, 0.0);
        let fs = engine.sample_rate();
        Self {
            engine,
            linear: LinearPhase::new(fs, max_block_len.clamp(1, 8192)),
            settings,
            mode: settings.mode,
            switch: None,
            lp_gain: Smoother::new(fs as f32, super::cascade::GLIDE_MS, 1.0),
            designed_bands: kernel_bands(&settings.bands),
            design_request: false,
            auto_gain_db: 0.0,
            bands_for_auto_gain: settings.bands,
        }
    }

    pub fn sample_rate(&self) -> f64 {
        self.engine.sample_rate()
    }

    /// New settings: frequency, gain, Q and output gain glide; switches fade; in
    /// linear-phase mode a band change asks for a new kernel ([`take_design_request`]).
    /// Cheap unless bands changed while auto-gain is on (then one auto-gain evaluation, no
    /// allocation).
    ///
    /// [`take_design_request`]: Self::take_design_request
    pub fn update(&mut self, settings: &Settings) {
        self.settings = *settings;
        if settings.auto_gain && settings.bands != self.bands_for_auto_gain {
            self.auto_gain_db = auto_gain_db(&settings.bands, self.sample_rate());
            self.bands_for_auto_gain = settings.bands;
        }
        let gain = settings.output_gain_db
            + if settings.auto_gain {
                self.auto_gain_db
            } else {
                0.0
            };
        let gain = if gain.is_finite() {
            gain.clamp(-120.0, 60.0)
        } else {
            0.0
        };
        self.engine.set_targets(&settings.bands, gain);
        self.engine.set_dynamics(&settings.dynamics);
        self.lp_gain
            .set_target(crate::gain::db_to_gain(gain as f32));
        if settings.mode == Mode::LinearPhase
            && self.designed_bands != kernel_bands(&settings.bands)
        {
            self.designed_bands = kernel_bands(&settings.bands);
            self.design_request = true;
        }
        if settings.mode != self.mode && self.switch.is_none() {
            self.switch = Some((false, 0));
        }
    }

    /// [`update`](Self::update) without glides or fades (activation, preset load). In
    /// linear-phase mode the kernel still comes from a design request (or
    /// [`install_kernel`](Self::install_kernel)).
    pub fn update_immediately(&mut self, settings: &Settings) {
        self.update(settings);
        self.engine.snap();
        self.lp_gain.reset_to(self.lp_gain.target());
        if self.switch.is_some() {
            self.switch = None;
            self.mode = settings.mode;
            self.engine.reset();
            self.linear.reset();
        }
    }

    /// If the bands changed in linear-phase mode since the last request: what to design off
    /// the audio thread (then post the kernel to the mailbox). Wait-free, no allocation.
    pub fn take_design_request(&mut self) -> Option<DesignRequest> {
        core::mem::take(&mut self.design_request).then(|| self.linear.request(&self.settings.bands))
    }

    /// Main thread (activation): renders offline or in real time (see the module docs).
    /// Allocates (offline: a kernel length of input history).
    pub fn set_offline(&mut self, offline: bool) {
        self.linear.set_offline(offline);
    }

    /// Asks for the current bands' kernel again (in linear-phase mode), e.g. when the design
    /// task sent for them was lost. Wait-free.
    pub fn redesign(&mut self) {
        self.designed_bands = kernel_bands(&self.settings.bands);
        self.design_request = self.settings.mode == Mode::LinearPhase;
    }

    /// Audio thread: takes a posted kernel (and hands back a retired one). Returns whether
    /// something was handed back, to be freed by the mailbox's owner
    /// ([`Mailbox::collect`](crate::exchange::Mailbox::collect)). Wait-free.
    pub fn exchange_kernel(&mut self, mailbox: &KernelMailbox) -> bool {
        self.linear.exchange(mailbox)
    }

    /// Main thread: uses `kernel` at once (activation with linear phase, so the first block
    /// is right). Returns the kernel it replaces.
    pub fn install_kernel(&mut self, kernel: Box<Kernel>) -> Box<Kernel> {
        self.designed_bands = kernel_bands(&self.settings.bands);
        self.design_request = false;
        self.linear.install(kernel)
    }

    /// Whether a linear-phase kernel change is under way.
    pub fn is_changing_kernel(&self) -> bool {
        self.linear.is_changing()
    }

    /// The make-up gain auto-gain applies for the current bands (dB), whether or not it is on.
    pub fn auto_gain_db(&mut self) -> f64 {
        if self.settings.bands != self.bands_for_auto_gain {
            self.auto_gain_db = auto_gain_db(&self.settings.bands, self.sample_rate());
            self.bands_for_auto_gain = self.settings.bands;
        }
        self.auto_gain_db
    }

    /// Filters both channels in place (the common prefix if lengths differ). With every band
    /// off and unity gain the signal passes bit-exactly (linear phase: D samples late).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.process_inner(left, right, None, None);
    }

    /// [`process`](Self::process) with the external key (left, right) that dynamic bands
    /// set to [`KeySource::External`](super::KeySource::External) listen to, sample-aligned
    /// with the input.
    pub fn process_keyed(&mut self, left: &mut [f32], right: &mut [f32], key: Option<[&[f32]; 2]>) {
        self.process_inner(left, right, key.map(|[l, r]| (l, r)), None);
    }

    /// The gain change each band's dynamics applies now (dB; the editor draws it).
    pub fn dynamic_gain_db(&self) -> [f64; BANDS] {
        match self.mode {
            Mode::ZeroLatency => self.engine.dynamic_gain_db(),
            Mode::LinearPhase => [0.0; BANDS],
        }
    }

    /// [`process`](Self::process) for an offline render ([`set_offline`](Self::set_offline)):
    /// instead of the caller serving design requests between calls
    /// ([`take_design_request`](Self::take_design_request),
    /// [`exchange_kernel`](Self::exchange_kernel)), the EQ asks `designer` for each kernel when
    /// it can take one and waits for it in `mailbox`, so that a change takes effect at its
    /// sample, the same in every render. Blocks; never allocates or frees.
    pub fn process_offline(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        key: Option<[&[f32]; 2]>,
        mailbox: &KernelMailbox,
        designer: &mut dyn OfflineDesigner,
    ) {
        self.process_inner(
            left,
            right,
            key.map(|[l, r]| (l, r)),
            Some((mailbox, designer)),
        );
    }

    /// Offline: designs the pending request if the runtime can take a kernel now, and takes
    /// it (handing the retired one back).
    fn serve_offline(&mut self, mailbox: &KernelMailbox, designer: &mut dyn OfflineDesigner) {
        if !self.linear.is_changing()
            && let Some(request) = self.take_design_request()
        {
            // On failure the kernel may still come later, through the exchange below.
            designer.design_and_wait(request);
        }
        if self.linear.exchange(mailbox) {
            designer.collect();
        }
    }

    fn process_inner(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        key: Option<(&[f32], &[f32])>,
        mut offline: Option<(&KernelMailbox, &mut dyn OfflineDesigner)>,
    ) {
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        // Non-audio input (NaN, ±inf, beyond +80 dBFS, subnormal) as silence: a 1e30 burst is finite,
        // and a 96 dB/oct low cut would still ring with it at 1e17 a second later.
        sanitize(left);
        sanitize(right);
        let mut done = 0;
        while done < n {
            // A mode change: up to the end of the fade out, or of the fade in.
            let mut chunk = match self.switch {
                Some((_, pos)) => (MODE_FADE - pos).min(n - done),
                None => n - done,
            };
            if let Some((mailbox, designer)) = offline.as_mut() {
                self.serve_offline(mailbox, &mut **designer);
                // A change waits for the one under way: up to its end, then round again.
                if self.design_request && self.mode == Mode::LinearPhase {
                    chunk = chunk.min(self.linear.samples_to_settle().max(1));
                }
            }
            let (l, r) = (
                &mut left[done..done + chunk],
                &mut right[done..done + chunk],
            );
            let key = key.and_then(|(kl, kr)| {
                Some((kl.get(done..done + chunk)?, kr.get(done..done + chunk)?))
            });
            self.run_mode(l, r, key);
            if let Some((fading_in, pos)) = self.switch {
                for (i, (a, b)) in l.iter_mut().zip(r.iter_mut()).enumerate() {
                    let t = (pos + i + 1) as f32 / MODE_FADE as f32;
                    let g = if fading_in { t } else { 1.0 - t };
                    *a *= g;
                    *b *= g;
                }
                let pos = pos + chunk;
                self.switch = if pos < MODE_FADE {
                    Some((fading_in, pos))
                } else if fading_in {
                    None
                } else {
                    // Faded out: switch, start the new path from silence, fade in.
                    self.mode = self.settings.mode;
                    self.engine.reset();
                    self.linear.reset();
                    self.lp_gain.reset_to(self.lp_gain.target());
                    Some((true, 0))
                };
            }
            done += chunk;
        }
    }

    /// [`process`](Self::process) for two EQs on their own buffers, bit for bit the same as
    /// two calls. Two zero-latency EQs with no mode change under way run their engines
    /// together ([`Engine::process_pair`], which overlaps their latency-bound recursions);
    /// anything else is two calls.
    pub fn process_pair(a: Paired<'_, Self>, b: Paired<'_, Self>) {
        let plain = |e: &Self| e.mode == Mode::ZeroLatency && e.switch.is_none();
        if plain(a.dsp) && plain(b.dsp) {
            for x in [&mut *a.left, &mut *a.right, &mut *b.left, &mut *b.right] {
                sanitize(x);
            }
            Engine::process_pair(a.part(|e| &mut e.engine), b.part(|e| &mut e.engine));
        } else {
            a.dsp.process(a.left, a.right);
            b.dsp.process(b.left, b.right);
        }
    }

    /// Whether [`process_pair`](Self::process_pair) would run this EQ's chain fused.
    #[cfg(test)]
    pub(super) fn runs_fused(&self) -> bool {
        self.mode == Mode::ZeroLatency && self.switch.is_none() && self.engine.is_idle()
    }

    fn run_mode(&mut self, left: &mut [f32], right: &mut [f32], key: Option<(&[f32], &[f32])>) {
        match self.mode {
            Mode::ZeroLatency => self.engine.process_keyed(left, right, key),
            Mode::LinearPhase => {
                // Non-finite or denormal input would live on in the convolution's spectra for
                // a kernel length: it never gets in.
                for x in left.iter_mut().chain(right.iter_mut()) {
                    *x = finite_or_zero(flush_denormal(*x));
                }
                self.linear.process(left, right);
                if self.lp_gain.is_settled() && self.lp_gain.value() == 1.0 {
                    return;
                }
                for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                    let g = self.lp_gain.next();
                    *l *= g;
                    *r *= g;
                }
            }
        }
    }

    /// Clears all filter state and lands every glide.
    pub fn reset(&mut self) {
        self.engine.reset();
        self.linear.reset();
    }

    /// What the EQ delays: nothing in zero-latency mode, half the kernel length in
    /// linear-phase mode (the mode asked for: a change under way reports its target).
    pub fn latency_samples(&self) -> u32 {
        match self.settings.mode {
            Mode::ZeroLatency => 0,
            Mode::LinearPhase => self.linear.latency() as u32,
        }
    }
}
