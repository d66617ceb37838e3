//! Mixwerk: no panic in plugin code may unwind into the host.
//!
//! Every wrapper entry point is an `extern "C"` (CLAP) or `extern "system"` (VST3) function. A
//! panic unwinding out of one aborts the host process, taking the user's session with it. The
//! wrappers therefore run plugin code through [`PanicGuard::call`], which catches the unwind
//! (the workspace builds with `panic = "unwind"`; with `panic = "abort"` there is nothing to
//! catch). After a panic the instance counts as failed: its invariants may be broken halfway,
//! so `process` outputs silence from then on and `activate` refuses, while deactivating and
//! destroying it keep working.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use crate::util::permit_alloc;

/// The wrapper entry point a panic came out of, for the log message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Entry {
    Process = 1,
    Activate,
    Deactivate,
    Reset,
    StopProcessing,
    StateLoad,
    /// A parameter's value-to-text or text-to-value conversion.
    ParamText,
}

impl Entry {
    const ALL: [Entry; 7] = [
        Entry::Process,
        Entry::Activate,
        Entry::Deactivate,
        Entry::Reset,
        Entry::StopProcessing,
        Entry::StateLoad,
        Entry::ParamText,
    ];

    fn name(self) -> &'static str {
        match self {
            Entry::Process => "process",
            Entry::Activate => "activate",
            Entry::Deactivate => "deactivate",
            Entry::Reset => "reset",
            Entry::StopProcessing => "stop processing",
            Entry::StateLoad => "state load",
            Entry::ParamText => "a parameter text conversion",
        }
    }

    /// Called on the audio thread, where the log message waits for the main thread.
    fn on_audio_thread(self) -> bool {
        matches!(self, Entry::Process | Entry::Reset | Entry::StopProcessing)
    }

    /// A conversion only reads a parameter's range and formatters: a panic there leaves no
    /// state half-updated, so the instance keeps processing.
    fn fails_instance(self) -> bool {
        self != Entry::ParamText
    }
}

/// One per plugin instance.
pub(crate) struct PanicGuard {
    plugin_name: &'static str,
    /// Set by the first panic that may have left the plugin's state broken; never cleared.
    failed: AtomicBool,
    /// The [`Entry`] of a panic on the audio thread whose message is still to be logged (0:
    /// none). The wrapper logs it from its main thread through [`PanicGuard::log_deferred`].
    deferred: AtomicU8,
    /// Where the message goes: the host's log where the format has one (CLAP), set once the
    /// host is known. Without one, stderr (Mixwerk builds nice-plug without a log subscriber,
    /// so `nice_error!` alone would go nowhere).
    sink: OnceLock<Box<dyn Fn(&str) + Send + Sync>>,
}

impl PanicGuard {
    pub fn new(plugin_name: &'static str) -> Self {
        Self {
            plugin_name,
            failed: AtomicBool::new(false),
            deferred: AtomicU8::new(0),
            sink: OnceLock::new(),
        }
    }

    /// Sends the messages to `sink` (the host's log) instead of stderr.
    pub fn set_sink(&self, sink: Box<dyn Fn(&str) + Send + Sync>) {
        let _ = self.sink.set(sink);
    }

    /// Whether a panic has made this instance unusable: `process` then outputs silence without
    /// calling the plugin, and `activate` fails.
    pub fn has_failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    /// Runs `f`, the wrapper's call into plugin code, and returns `None` if it panicked.
    ///
    /// The panic hook has already reported the panic itself (message and backtrace). This adds
    /// one line per instance saying what happened to it: logged at once on the main thread; for
    /// a panic on the audio thread, left for the wrapper's main thread
    /// ([`Self::has_deferred`], [`Self::log_deferred`]).
    pub fn call<T>(&self, entry: Entry, f: impl FnOnce() -> T) -> Option<T> {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(value) => Some(value),
            Err(payload) => {
                // Freeing the payload is one more deallocation on a thread that has just
                // allocated the panic; an `assert_process_allocs` build would object to both.
                permit_alloc(move || drop::<Box<dyn Any + Send>>(payload));
                let fails = entry.fails_instance();
                let first = fails && !self.failed.swap(true, Ordering::SeqCst);
                if first && entry.on_audio_thread() {
                    self.deferred.store(entry as u8, Ordering::SeqCst);
                } else if first || !fails {
                    self.log(entry);
                }
                None
            }
        }
    }

    /// Whether a message waits for [`Self::log_deferred`]; the audio thread checks this after a
    /// failed [`Self::call`] to schedule the wrapper's main-thread task (real-time safe).
    pub fn has_deferred(&self) -> bool {
        self.deferred.load(Ordering::Relaxed) != 0
    }

    /// Logs the message a panic on the audio thread left (main thread only).
    pub fn log_deferred(&self) {
        let code = self.deferred.swap(0, Ordering::SeqCst);
        if let Some(entry) = Entry::ALL.into_iter().find(|e| *e as u8 == code) {
            self.log(entry);
        }
    }

    fn log(&self, entry: Entry) {
        let consequence = if entry.fails_instance() {
            " This instance outputs silence from now on: remove it and insert a new one."
        } else {
            ""
        };
        let message = format!(
            "{} panicked in {}; the panic was caught before it reached the host.{consequence}",
            self.plugin_name,
            entry.name()
        );
        match self.sink.get() {
            Some(sink) => sink(&message),
            #[cfg(feature = "tracing-subscriber")]
            None => crate::nice_error!("{message}"),
            #[cfg(not(feature = "tracing-subscriber"))]
            None => eprintln!("{message}"),
        }
    }
}
