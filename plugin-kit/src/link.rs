//! Linked strips: every Mixwerk Strip in one host process finds the others, so that any one
//! editor can show them all as a console (meters, gain reduction, faders, pans, mutes, solos)
//! and solo works across tracks.
//!
//! Two halves, split by thread:
//!
//! - **Audio threads** touch only their own instance's [`Shared`] block (atomics: levels, gain
//!   reduction, the signal ring for the masking view) and two process-wide counters (how many
//!   strips are soloed, how many console views are open). No lock, no allocation, no wait.
//!   Meters are written only while a console view is open ([`metering`]).
//! - **Main and GUI threads** join and leave the registry ([`Link::join`], `Drop`), and take
//!   [`members`] snapshots to draw, under a mutex that no audio thread ever takes. A member
//!   carries its instance's own host context (`Plugin::host_context`, vendored nice-plug
//!   MIXWERK.md 13), so an edit made in *another* instance's console reaches *this* instance's
//!   host as a gesture on the right track; a context whose instance is gone does nothing.
//!
//! The registry is one per process, found across libraries ([`rendezvous`]: the CLAP and the
//! VST3 bundle, and any other Mixwerk bundle of the same build, link with each other); a host
//! that runs each plugin in its own process (a sandbox) shows no link (the editor says so
//! when it sees only itself). `MIXWERK_LINK=off` in the environment keeps
//! every instance of the process out of the registry (and the host tests' batteries use it,
//! so that one test's solo never mutes another's instance).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::EnumParam;
use shared_dsp::analysis::spectrum::SampleRing;
use shared_dsp::analysis::{Levels, SharedF32, SharedMax};
use shared_dsp::strip::ChannelSettings;
use shared_dsp::strip::meters::SIGNAL_SAMPLES;

use crate::choices::{LawParam, PanModeParam};
use crate::strip::ChannelParams;

/// What one instance's audio thread publishes (see the [module docs](self)).
pub struct Shared {
    /// The output after the fader: peaks since the last look, RMS.
    pub levels: Arc<Levels>,
    /// The gate's and the compressor's gain reduction (dB, ≥ 0) since the last look.
    pub gate: Arc<SharedMax>,
    pub compressor: Arc<SharedMax>,
    /// The output's mid signal, for the masking view (as long as the console's own rings:
    /// the analyser's FFT at 192 kHz).
    pub signal: Arc<SampleRing>,
    /// The rate the instance runs at (for the masking view's bands).
    pub sample_rate: SharedF32,
    /// Whether the instance is active (the host processes it).
    pub active: AtomicBool,
    /// Whether it is soloed: counted in the registry's solo count, and only by its owner.
    soloed: AtomicBool,
    /// Whether another strip's solo mutes it right now (as its audio thread last saw).
    pub solo_muted: AtomicBool,
}

impl Default for Shared {
    /// A block of its own: what an instance outside the registry meters into.
    fn default() -> Self {
        Self {
            levels: Arc::new(Levels::new()),
            gate: Arc::new(SharedMax::new()),
            compressor: Arc::new(SharedMax::new()),
            signal: Arc::new(SampleRing::new(SIGNAL_SAMPLES)),
            sample_rate: SharedF32::new(48_000.0),
            active: AtomicBool::new(false),
            soloed: AtomicBool::new(false),
            solo_muted: AtomicBool::new(false),
        }
    }
}

impl Shared {
    /// A block publishing meters the instance also keeps elsewhere (a Channel Strip channel's,
    /// in its console's `ConsoleMeters`).
    pub fn with_meters(
        levels: Arc<Levels>,
        gate: Arc<SharedMax>,
        compressor: Arc<SharedMax>,
        signal: Arc<SampleRing>,
    ) -> Self {
        Self {
            levels,
            gate,
            compressor,
            signal,
            ..Self::default()
        }
    }

    pub fn is_soloed(&self) -> bool {
        self.soloed.load(Ordering::Relaxed)
    }
}

/// A linked strip's parameters as a console draws and edits them: a Mixwerk Strip, or one
/// channel of a Channel Strip. Implemented by each plugin on its own parameters (so a
/// console in one library works on another's through this vtable).
pub trait Channel: Send + Sync + 'static {
    /// The strip's parameters.
    fn strip(&self) -> &ChannelParams;
    /// The owner's pan law and mode (a Channel Strip's are its console's, for every channel).
    fn pan_law(&self) -> &EnumParam<LawParam>;
    fn pan_mode(&self) -> &EnumParam<PanModeParam>;
    /// The strip's own name within its instance, if it has one (a Channel Strip's channel).
    fn label(&self) -> Option<String> {
        None
    }
    /// What the strip runs now (without bypass and linked solo).
    fn settings(&self) -> ChannelSettings {
        self.strip().settings(
            self.pan_law().value().into(),
            self.pan_mode().value().into(),
        )
    }
}

/// The name a console shows for a strip: the host's track name (or the strip's place in the
/// console, `index`, when the host gives none), and a Channel Strip channel's own name after
/// it ("Drum Bus · Kick").
pub fn display_name(
    track: &nice_plug::prelude::TrackInfo,
    index: usize,
    channel: &dyn Channel,
) -> String {
    let track = Some(track.name().trim()).filter(|n| !n.is_empty());
    match (track, channel.label()) {
        (Some(t), Some(l)) => format!("{t} · {l}"),
        (None, Some(l)) => l,
        (Some(t), None) => t.to_owned(),
        (None, None) => format!("Strip {}", index + 1),
    }
}

/// One linked strip, as a console view sees it.
#[derive(Clone)]
pub struct Member {
    /// Unique in the process for as long as it runs; also the join order (the console's order
    /// where the host gives none; a Channel Strip's channels join in order).
    pub id: u64,
    pub shared: Arc<Shared>,
    /// The strip's parameters, in the owner's instance.
    pub params: Arc<dyn Channel>,
    /// The owner's own host context, once the wrapper has given it.
    pub context: Option<GuiContext>,
}

impl Member {
    /// The strip's parameters.
    pub fn channel(&self) -> &dyn Channel {
        &*self.params
    }

    /// The track's name and colour as the host last gave them (empty if it gave none).
    pub fn track(&self) -> nice_plug::prelude::TrackInfo {
        self.context
            .as_ref()
            .map(GuiContext::track_info)
            .unwrap_or_default()
    }
}

/// The registry: plain statics, built at compile time, so that no audio thread is ever the
/// first to touch (and so to initialise, allocating) any of it.
struct Registry {
    members: Mutex<Vec<Member>>,
    next_id: AtomicU64,
    /// Strips soloed right now.
    soloed: AtomicU32,
    /// Console views open right now.
    watchers: AtomicU32,
    /// Bumped on every join and leave, so views know when to take a new snapshot.
    generation: AtomicU64,
}

static REGISTRY: Registry = Registry {
    members: Mutex::new(Vec::new()),
    next_id: AtomicU64::new(1),
    soloed: AtomicU32::new(0),
    watchers: AtomicU32::new(0),
    generation: AtomicU64::new(0),
};

fn members_of(registry: &'static Registry) -> MutexGuard<'static, Vec<Member>> {
    // A panic while holding it (none is known) would leave the list as it was: still valid.
    registry
        .members
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether this process links instances (`MIXWERK_LINK=off` says no).
pub fn enabled() -> bool {
    static ENABLED: LazyLock<bool> = LazyLock::new(|| {
        !std::env::var("MIXWERK_LINK").is_ok_and(|v| v.eq_ignore_ascii_case("off") || v == "0")
    });
    *ENABLED
}

/// An instance's membership: made on the main thread when the instance is built, kept by the
/// plugin, and the audio thread's handle to its [`Shared`] block. Dropping it leaves.
pub struct Link {
    id: u64,
    /// The registry joined (the process's, [`rendezvous`]).
    registry: &'static Registry,
    shared: Arc<Shared>,
    /// Whether this instance's solo is in the registry's count (audio thread's view).
    counted: bool,
}

impl Link {
    /// Joins the registry with `params` (what other instances' consoles edit). `None` when
    /// linking is off for this process. Main thread (allocates).
    pub fn join(params: Arc<dyn Channel>) -> Option<Self> {
        enabled().then(|| Self::register(params, Arc::new(Shared::default())))
    }

    /// Joins with a [`Shared`] block the instance builds itself (a Channel Strip's channel,
    /// whose meters are its console's: see `shared_dsp::strip::meters`).
    pub fn join_with(params: Arc<dyn Channel>, shared: Arc<Shared>) -> Option<Self> {
        enabled().then(|| Self::register(params, shared))
    }

    /// Joins whatever the environment says (the registry's own tests).
    fn register(params: Arc<dyn Channel>, shared: Arc<Shared>) -> Self {
        let registry = rendezvous::resolve();
        let id = registry.next_id.fetch_add(1, Ordering::Relaxed);
        members_of(registry).push(Member {
            id,
            shared: shared.clone(),
            params,
            context: None,
        });
        registry.generation.fetch_add(1, Ordering::Release);
        Self {
            id,
            registry,
            shared,
            counted: false,
        }
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Hands the registry the instance's own host context (main thread).
    pub fn set_context(&self, context: GuiContext) {
        if let Some(m) = members_of(self.registry)
            .iter_mut()
            .find(|m| m.id == self.id)
        {
            m.context = Some(context);
        }
        self.registry.generation.fetch_add(1, Ordering::Release);
    }

    /// Audio thread, once per block: records whether this strip is soloed and says whether
    /// another strip's solo mutes it (solo in place: while any linked strip is soloed, every
    /// strip that is not is muted). Lock-free.
    pub fn solo(&mut self, soloed: bool) -> bool {
        if soloed != self.counted {
            if soloed {
                self.registry.soloed.fetch_add(1, Ordering::AcqRel);
            } else {
                self.registry.soloed.fetch_sub(1, Ordering::AcqRel);
            }
            self.counted = soloed;
            self.shared.soloed.store(soloed, Ordering::Relaxed);
        }
        let others = self
            .registry
            .soloed
            .load(Ordering::Acquire)
            .saturating_sub(u32::from(self.counted));
        let muted = !soloed && others > 0;
        self.shared.solo_muted.store(muted, Ordering::Relaxed);
        muted
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        if self.counted {
            self.registry.soloed.fetch_sub(1, Ordering::AcqRel);
        }
        members_of(self.registry).retain(|m| m.id != self.id);
        self.registry.generation.fetch_add(1, Ordering::Release);
    }
}

/// Whether some console view is open, so the audio threads should write meters.
pub fn metering() -> bool {
    rendezvous::current().watchers.load(Ordering::Relaxed) > 0
}

/// Strips soloed right now, in the whole process.
pub fn soloed_count() -> u32 {
    rendezvous::current().soloed.load(Ordering::Relaxed)
}

/// A snapshot of every member, in the host's mixer order ([`in_mixer_order`]; GUI/main
/// thread; allocates).
pub fn members() -> Vec<Member> {
    let mut members = members_of(rendezvous::resolve()).clone();
    in_mixer_order(&mut members);
    members
}

/// Puts `members` in the order the host's mixer shows their tracks where the host says it
/// (VST3's channel context: the kind of track, then its index), and the others after them
/// in join order. Hosts send positions whenever tracks move, so a view sorts its snapshot
/// again as it draws (GUI/main thread: asks each member's host once, and allocates).
pub fn in_mixer_order(members: &mut [Member]) {
    members.sort_by_cached_key(|m| {
        let position = m.track().position();
        (position.is_none(), position, m.id)
    });
}

/// Changes with every join and leave (and context handed over): a view whose snapshot is of
/// another generation takes a new one.
pub fn generation() -> u64 {
    rendezvous::current().generation.load(Ordering::Acquire)
}

/// An open console view: meters are written while at least one exists.
pub struct Watch(&'static Registry);

impl Watch {
    /// GUI/main thread (the first use in a library resolves the process's registry).
    pub fn new() -> Self {
        let registry = rendezvous::resolve();
        registry.watchers.fetch_add(1, Ordering::AcqRel);
        Self(registry)
    }
}

impl Default for Watch {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.0.watchers.fetch_sub(1, Ordering::AcqRel);
    }
}

pub mod demo;
pub mod rendezvous;
#[cfg(test)]
mod tests;
