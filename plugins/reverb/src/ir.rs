//! The impulse-response side of the plugin: the persisted path, the loader (a nice-plug
//! background task), and the status the editor and the log read.
//!
//! **What plays.** The persisted path names a WAV file, or a built-in
//! (`builtin:hall`, `shared_dsp::reverb::builtin`); an empty path means the default built-in
//! (`Builtin::DEFAULT`, the Plate), so convolution mode is never silent. The default is only
//! rendered once convolution mode is on: an instance that stays algorithmic spends neither the
//! render nor the engine's memory on it ([`IrShared::deferred`]). A file or built-in that
//! cannot be loaded is refused with a message and the IR in use keeps playing; when nothing
//! is in use yet (a session whose file has gone), the default plays instead.
//!
//! Who touches what:
//! - **Main thread** (state load, activation): sets the path ([`IrPath`], persisted as
//!   `ir-path`), and at activation loads synchronously so a session renders with its IR from
//!   the first sample.
//! - **Loader** (nice-plug's background thread): reads, validates, resamples (or renders a
//!   built-in) and prepares an engine, posts it (`plugin_kit::background::BackgroundSwap`,
//!   shared with the EQ's kernels), frees engines handed back, writes the status.
//! - **Audio thread**: compares the path's change counter (one atomic load) with the one it
//!   last saw, and looks at the deferred flag while in convolution mode (one atomic load),
//!   asks for a load (a numbered request) when either says so, and swaps engines through the
//!   mailbox. It never takes the path's lock, never reads the status, never allocates or
//!   frees. In an offline render (a bounce, which must not depend on how fast it runs) it
//!   then waits until the loader has finished that request ([`IrShared::wait_for`]), so the
//!   new IR plays from the block where the path changed; only offline may the audio thread
//!   block.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::*;
use plugin_kit::background::BackgroundSwap;
use shared_dsp::reverb::ConvolutionEngine;
use shared_dsp::reverb::builtin::{self, Builtin};
use shared_dsp::reverb::decay_shape::energy_decay_curve;
use shared_dsp::reverb::ir_loader::{self, ImpulseResponse};

/// The IR file path or built-in name (`builtin:<id>`; empty: the default built-in), persisted
/// in the plugin state. Every change (a state load, the editor's file browser or built-in
/// menu) bumps `generation`, which is all the audio thread looks at.
#[derive(Default)]
pub struct IrPath {
    path: RwLock<String>,
    generation: AtomicU32,
}

impl IrPath {
    /// The current path (main and loader threads only: this takes a lock).
    pub fn get(&self) -> String {
        self.path.read().map(|p| p.clone()).unwrap_or_default()
    }

    /// Sets the path; the audio thread notices and asks the loader for it.
    pub fn set(&self, path: String) {
        if let Ok(mut p) = self.path.write() {
            *p = path;
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Bumped by every [`set`](Self::set); wait-free (audio thread).
    pub fn generation(&self) -> u32 {
        self.generation.load(Ordering::Acquire)
    }
}

impl<'a> PersistentField<'a, String> for IrPath {
    fn set(&self, new_value: String) {
        IrPath::set(self, new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&String) -> R,
    {
        f(&self.get())
    }
}

/// What the editor (and the log) can tell the user about the impulse response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IrStatus {
    /// Nothing loaded: no IR chosen and the plugin in algorithmic mode (the default built-in
    /// loads when convolution mode is switched on).
    #[default]
    None,
    /// Loading what the path names (a file's path, or a built-in's description).
    Loading(String),
    /// In use: its description ("2.35 s stereo, 44.1 kHz file", "Built-in: Hall 2.2 s").
    Loaded(String),
    /// The clear message of why the file or name was refused; what was playing stays in use
    /// (see [`IrShared::playing`]).
    Failed(String),
}

/// What [`IrShared::prepare`] made of the path.
pub enum Prepared {
    /// The engine to play (boxed: it is handed over as a box).
    Engine(Box<ConvolutionEngine>),
    /// The path is empty and the plugin algorithmic: the default waits for convolution mode.
    Deferred,
    /// Refused (the message is in the status and the log).
    Refused,
}

/// Points of a loaded IR's energy decay curve kept for the editor.
const DECAY_POINTS: usize = 256;

/// Shared between the plugin, its background task and its editor.
#[derive(Default)]
pub struct IrShared {
    /// Engines from the loader to the audio thread, by numbered request.
    pub engines: BackgroundSwap<ConvolutionEngine>,
    /// Written by the main and loader threads, read by the editor; never by the audio thread.
    pub status: RwLock<IrStatus>,
    /// The energy decay curve (seconds, dB) of the IR in use, for the editor's decay display;
    /// empty without one. Same threads as `status`.
    pub decay: RwLock<Vec<(f32, f32)>>,
    /// The description of the IR the loader last handed over (what plays in convolution
    /// mode), empty without one; for the editor, which shows it beside a refusal. Same threads
    /// as `status`.
    pub playing: RwLock<String>,
    /// The session rate the loader prepares engines for (set at activation).
    pub sample_rate: AtomicF32,
    /// Set by the loader when it left the default built-in unloaded (empty path, algorithmic
    /// mode); the audio thread, in convolution mode, clears it and asks for a load.
    pub deferred: AtomicBool,
}

/// Offline: a load not finished after this long (wall clock) is asked for again…
const OFFLINE_RESEND: Duration = Duration::from_secs(5);
/// …and after this long the render goes on without it rather than hang the host (an IR is at
/// most 30 s long; reading and resampling it takes well under a second).
const OFFLINE_GIVE_UP: Duration = Duration::from_secs(60);

/// The plugin's background tasks (no heap data: they are sent from the audio thread).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IrTask {
    /// Load the current path at the current rate and post the engine, for this request.
    Load(u64),
    /// Free what the audio thread handed back.
    Collect,
}

impl IrShared {
    fn set_status(&self, status: IrStatus) {
        if let Ok(mut s) = self.status.write() {
            *s = status;
        }
    }

    pub fn status(&self) -> IrStatus {
        self.status.read().map(|s| s.clone()).unwrap_or_default()
    }

    fn set_decay(&self, curve: Vec<(f32, f32)>) {
        if let Ok(mut d) = self.decay.write() {
            *d = curve;
        }
    }

    /// The decay curve of the IR in use into `out` (editor; reuses `out`'s allocation).
    pub fn decay_into(&self, out: &mut Vec<(f32, f32)>) {
        out.clear();
        if let Ok(d) = self.decay.read() {
            out.extend_from_slice(&d);
        }
    }

    /// What plays in convolution mode (the editor shows it beside a refusal); empty before
    /// anything has loaded.
    pub fn playing(&self) -> String {
        self.playing.read().map(|p| p.clone()).unwrap_or_default()
    }

    fn set_playing(&self, what: String) {
        if let Ok(mut p) = self.playing.write() {
            *p = what;
        }
    }

    /// An IR is about to be handed to the audio thread: status, decay curve and log say so.
    fn use_ir(&self, ir: &ImpulseResponse, what: String, source: &str) -> Box<ConvolutionEngine> {
        nice_log!("Impulse response loaded: {source}: {what}");
        self.set_decay(energy_decay_curve(
            &ir.channels,
            ir.sample_rate as f32,
            DECAY_POINTS,
        ));
        self.set_playing(what.clone());
        self.set_status(IrStatus::Loaded(what));
        Box::new(ir.engine())
    }

    /// The default built-in at the current rate (never fails).
    fn default_engine(&self) -> (ImpulseResponse, String) {
        let rate = self.sample_rate.load(Ordering::Acquire);
        let ir = Builtin::DEFAULT.render(rate as f64);
        let what = format!("{} (default)", ir.describe());
        (ir, what)
    }

    /// Loads what `path` names for the current rate (`convolution`: whether the plugin is in
    /// convolution mode now, which decides whether an empty path's default is rendered yet).
    pub fn prepare(&self, path: &str, convolution: bool) -> Prepared {
        let rate = self.sample_rate.load(Ordering::Acquire);
        let source = path.trim();
        if source.is_empty() {
            if !convolution {
                self.deferred.store(true, Ordering::Release);
                self.set_status(IrStatus::None);
                self.set_decay(Vec::new());
                self.set_playing(String::new());
                return Prepared::Deferred;
            }
            self.set_status(IrStatus::Loading(format!(
                "Built-in: {} (default)",
                Builtin::DEFAULT.label()
            )));
            let (ir, what) = self.default_engine();
            return Prepared::Engine(self.use_ir(&ir, what, "no file chosen"));
        }
        let loading = match builtin::parse(source) {
            Some(Ok(b)) => format!("Built-in: {}", b.label()),
            _ => source.to_owned(),
        };
        self.set_status(IrStatus::Loading(loading));
        match ir_loader::load_source(source, rate as f64) {
            Ok(ir) => {
                let what = ir.describe();
                Prepared::Engine(self.use_ir(&ir, what, source))
            }
            Err(e) => {
                let msg = e.to_string();
                nice_warn!("{msg}; keeping the impulse response in use");
                self.set_status(IrStatus::Failed(msg));
                Prepared::Refused
            }
        }
    }

    /// After a refusal: nothing to do when an IR is in use (it keeps playing); else the
    /// default in convolution mode (never silent), or later in algorithmic mode.
    fn fallback(&self, convolution: bool) -> Option<Box<ConvolutionEngine>> {
        if !self.playing().is_empty() {
            return None;
        }
        if !convolution {
            self.deferred.store(true, Ordering::Release);
            return None;
        }
        let (ir, what) = self.default_engine();
        nice_log!("Playing the default impulse response instead: {what}");
        self.set_decay(energy_decay_curve(
            &ir.channels,
            ir.sample_rate as f32,
            DECAY_POINTS,
        ));
        self.set_playing(what);
        Some(Box::new(ir.engine()))
    }

    /// Main thread (activation, the audio thread stopped): loads the path's IR now; returns
    /// it (`None`: nothing to play yet, see [`Prepared::Deferred`]). Loads still queued from
    /// before are superseded.
    pub fn load_now(&self, path: &IrPath, convolution: bool) -> Option<Box<ConvolutionEngine>> {
        self.engines.supersede();
        self.deferred.store(false, Ordering::Release);
        // The processor is new: nothing of the last activation plays any more.
        self.set_playing(String::new());
        match self.prepare(&path.get(), convolution) {
            Prepared::Engine(engine) => Some(engine),
            Prepared::Deferred => None,
            Prepared::Refused => self.fallback(convolution),
        }
    }

    /// Audio thread, real time: whether the default built-in was left unloaded and is now
    /// wanted (call only in convolution mode); clears the flag. Wait-free.
    pub fn take_deferred(&self) -> bool {
        self.deferred.load(Ordering::Acquire) && self.deferred.swap(false, Ordering::AcqRel)
    }

    /// Audio thread, offline only: blocks until load request `request` has finished; `resend`
    /// asks for it again if it seems lost. Returns whether it finished (after
    /// [`OFFLINE_GIVE_UP`] the render goes on without it). No allocation.
    pub fn wait_for(&self, request: u64, resend: impl FnMut()) -> bool {
        self.engines
            .wait_for(request, resend, OFFLINE_RESEND, OFFLINE_GIVE_UP)
    }

    /// The background task (`convolution`: whether the plugin is in convolution mode now).
    pub fn run(&self, task: IrTask, path: &IrPath, convolution: bool) {
        match task {
            IrTask::Load(request) => {
                if self.engines.is_finished(request) || !self.engines.is_current(request) {
                    // Already done (a resent request), or superseded by a newer one (which
                    // loads the newest path itself) or by activation.
                    return;
                }
                let rate = self.sample_rate.load(Ordering::Acquire);
                let engine = match self.prepare(&path.get(), convolution) {
                    Prepared::Engine(engine) => Some(engine),
                    // Nothing wanted in algorithmic mode: free what was loaded (inaudible).
                    Prepared::Deferred => Some(Box::new(ConvolutionEngine::empty(rate))),
                    Prepared::Refused => self.fallback(convolution),
                };
                match engine {
                    Some(engine) => self.engines.post(request, engine),
                    // Refused: keep what is playing.
                    None => {
                        self.engines.mailbox().collect();
                        self.engines.finish(request);
                    }
                }
            }
            IrTask::Collect => self.engines.mailbox().collect(),
        }
    }
}

/// Used by the plugin to give `IrShared` to the task executor.
pub type Shared = Arc<IrShared>;
