//! The impulse-response side of the plugin: the persisted path, the loader (a nice-plug
//! background task), and the status the editor and the log read.
//!
//! Who touches what:
//! - **Main thread** (state load, activation): sets the path ([`IrPath`], persisted as
//!   `ir-path`), and at activation loads synchronously so a session renders with its IR from
//!   the first sample.
//! - **Loader** (nice-plug's background thread): reads, validates, resamples and prepares an
//!   engine, posts it (`plugin_kit::background::BackgroundSwap`, shared with the EQ's
//!   kernels), frees engines handed back, writes the status.
//! - **Audio thread**: compares the path's change counter (one atomic load) with the one it
//!   last saw, asks for a load (a numbered request) when they differ, and swaps engines
//!   through the mailbox. It never takes the path's lock, never reads the status, never
//!   allocates or frees. In an offline render (a bounce, which must not depend on how fast it
//!   runs) it then waits until the loader has finished that request ([`IrShared::wait_for`]),
//!   so the new IR plays from the block where the path changed; only offline may the audio
//!   thread block.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::*;
use plugin_kit::background::BackgroundSwap;
use shared_dsp::reverb::ConvolutionEngine;
use shared_dsp::reverb::decay_shape::energy_decay_curve;
use shared_dsp::reverb::ir_loader;

/// The IR file path, persisted in the plugin state. Every change (a state load, the editor's
/// file browser) bumps `generation`, which is all the audio thread looks at.
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
    #[default]
    None,
    Loading(String),
    Loaded(String),
    /// The clear message of why the file was refused; the previous IR stays in use.
    Failed(String),
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
    /// The session rate the loader prepares engines for (set at activation).
    pub sample_rate: AtomicF32,
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

    /// Loads `path` for the current rate: `Ok(None)` for an empty path (no IR), `Err` with the
    /// message (already logged and in the status) when the file is refused.
    pub fn prepare(&self, path: &str) -> Result<Option<ConvolutionEngine>, String> {
        let rate = self.sample_rate.load(Ordering::Acquire);
        if path.trim().is_empty() {
            self.set_status(IrStatus::None);
            self.set_decay(Vec::new());
            return Ok(None);
        }
        self.set_status(IrStatus::Loading(path.to_owned()));
        match ir_loader::load(Path::new(path), rate as f64) {
            Ok(ir) => {
                let what = format!("{path}: {}", ir.describe());
                nice_log!("Impulse response loaded: {what}");
                self.set_status(IrStatus::Loaded(what));
                self.set_decay(energy_decay_curve(
                    &ir.channels,
                    ir.sample_rate as f32,
                    DECAY_POINTS,
                ));
                Ok(Some(ir.engine()))
            }
            Err(e) => {
                let msg = e.to_string();
                nice_warn!("{msg}; keeping the previous impulse response");
                self.set_status(IrStatus::Failed(msg.clone()));
                Err(msg)
            }
        }
    }

    /// Main thread (activation, the audio thread stopped): loads the path's IR now; returns
    /// it (`None`: no path, or refused). Loads still queued from before are superseded.
    pub fn load_now(&self, path: &IrPath) -> Option<ConvolutionEngine> {
        self.engines.supersede();
        self.prepare(&path.get()).ok().flatten()
    }

    /// Audio thread, offline only: blocks until load request `request` has finished; `resend`
    /// asks for it again if it seems lost. Returns whether it finished (after
    /// [`OFFLINE_GIVE_UP`] the render goes on without it). No allocation.
    pub fn wait_for(&self, request: u64, resend: impl FnMut()) -> bool {
        self.engines
            .wait_for(request, resend, OFFLINE_RESEND, OFFLINE_GIVE_UP)
    }

    /// The background task.
    pub fn run(&self, task: IrTask, path: &IrPath) {
        match task {
            IrTask::Load(request) => {
                if self.engines.is_finished(request) || !self.engines.is_current(request) {
                    // Already done (a resent request), or superseded by a newer one (which
                    // loads the newest path itself) or by activation.
                    return;
                }
                let rate = self.sample_rate.load(Ordering::Acquire);
                match self.prepare(&path.get()) {
                    Ok(Some(engine)) => self.engines.post(request, Box::new(engine)),
                    // No path: fade the convolution out to silence.
                    Ok(None) => self
                        .engines
                        .post(request, Box::new(ConvolutionEngine::empty(rate))),
                    // Refused: keep what is playing.
                    Err(_) => {
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
