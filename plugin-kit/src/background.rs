//! Work prepared off the audio thread and swapped in: the linear-phase EQ's FIR kernels and
//! the reverb's impulse responses. One type, [`BackgroundSwap`], so both follow the same
//! rules:
//!
//! - **Audio thread** (real time): asks for work with [`request`](BackgroundSwap::request),
//!   which numbers it (a generation), and sends that number with its background task (plain
//!   data: sending it does not allocate). It takes results from the
//!   [`mailbox`](BackgroundSwap::mailbox). It never waits, allocates or frees.
//! - **Background thread**: skips a task that a newer request has superseded
//!   ([`is_current`](BackgroundSwap::is_current)), does the work, and
//!   [`post`](BackgroundSwap::post)s the result or [`finish`](BackgroundSwap::finish)es
//!   without one (a refused file); only the newest request's result is ever posted, so a
//!   late one never replaces a newer one.
//! - **Audio thread, offline** (a bounce, which must not depend on how fast it runs): waits
//!   until its request has finished ([`wait_for`](BackgroundSwap::wait_for)), resending it
//!   if it seems lost; only offline may the audio thread block.
//!
//! **Why generations, not an "in flight" flag**: a task can be lost (nice-plug drops it when
//! its queue is full, or a host tears the thread down). A flag would then stay set forever
//! and nothing would ever be prepared again; a request whose generation has not finished
//! after a while is simply asked for again ([`waited_too_long`](BackgroundSwap::waited_too_long)).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use shared_dsp::exchange::{Mailbox, wait_offline};

/// A mailbox for boxed `T` with numbered requests (see the module docs).
pub struct BackgroundSwap<T> {
    mailbox: Mailbox<T>,
    /// The newest generation asked for (written by the audio thread, or by the main thread
    /// while the audio thread is stopped).
    requested: AtomicU64,
    /// The newest generation finished: posted, refused or superseded.
    finished: AtomicU64,
    /// Samples of audio processed since the newest request while it was pending (audio
    /// thread only; atomic so the type can be shared).
    waited: AtomicUsize,
}

impl<T> Default for BackgroundSwap<T> {
    fn default() -> Self {
        Self {
            mailbox: Mailbox::default(),
            requested: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            waited: AtomicUsize::new(0),
        }
    }
}

impl<T> BackgroundSwap<T> {
    /// Where results arrive (the processors take from it and hand retired values back).
    pub fn mailbox(&self) -> &Mailbox<T> {
        &self.mailbox
    }

    /// Audio thread: numbers a new request; send the returned generation with the task.
    pub fn request(&self) -> u64 {
        let generation = self.requested.load(Ordering::Relaxed) + 1;
        self.requested.store(generation, Ordering::Release);
        self.waited.store(0, Ordering::Relaxed);
        generation
    }

    /// Whether the newest request has not finished yet.
    pub fn pending(&self) -> bool {
        self.finished.load(Ordering::Acquire) < self.requested.load(Ordering::Acquire)
    }

    /// Background thread: whether `generation` is still the newest request (work for an
    /// older one is wasted: skip it).
    pub fn is_current(&self, generation: u64) -> bool {
        generation == self.requested.load(Ordering::Acquire)
    }

    /// Whether `generation` (or a newer request) has finished.
    pub fn is_finished(&self, generation: u64) -> bool {
        self.finished.load(Ordering::Acquire) >= generation
    }

    /// Background thread: offers the result of `generation` to the audio thread and marks it
    /// finished, if it is still the newest request; else drops it, leaving the newer request
    /// pending (an offline wait must go on until that one has posted).
    pub fn post(&self, generation: u64, value: Box<T>) {
        if self.is_current(generation) {
            self.mailbox.post(value);
            self.finish(generation);
        }
    }

    /// `generation` is done without a result (a refused file, nothing to do).
    pub fn finish(&self, generation: u64) {
        self.finished.fetch_max(generation, Ordering::AcqRel);
    }

    /// Marks every request so far finished, so that a task still queued from before (a
    /// resend, or one sent before a reactivation) is no longer current and posts nothing.
    pub fn supersede(&self) {
        let generation = self.requested.fetch_add(1, Ordering::AcqRel) + 1;
        self.finish(generation);
    }

    /// Audio thread, real time, once per process call of `samples` samples: whether the
    /// pending request has now waited more than `limit` samples, and should be taken as lost
    /// and asked for again.
    pub fn waited_too_long(&self, samples: usize, limit: usize) -> bool {
        if !self.pending() {
            return false;
        }
        let waited = self.waited.load(Ordering::Relaxed).saturating_add(samples);
        self.waited.store(waited, Ordering::Relaxed);
        waited >= limit
    }

    /// Audio thread, offline only: blocks until `generation` (or a newer request) has
    /// finished, calling `resend` after each `resend_after` without it; gives up after
    /// `give_up` (the render goes on without it rather than hang the host). Returns whether
    /// it finished. No allocation.
    pub fn wait_for(
        &self,
        generation: u64,
        resend: impl FnMut(),
        resend_after: Duration,
        give_up: Duration,
    ) -> bool {
        wait_offline(
            || self.is_finished(generation),
            resend,
            resend_after,
            give_up,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_request_posts() {
        let swap = BackgroundSwap::<u32>::default();
        let old = swap.request();
        let new = swap.request();
        assert!(swap.pending());
        // The superseded task finishes late: nothing posted, the newest still pending.
        swap.post(old, Box::new(1));
        assert!(swap.mailbox().take().is_none());
        assert!(swap.pending());
        swap.post(new, Box::new(2));
        assert_eq!(swap.mailbox().take().map(|b| *b), Some(2));
        assert!(!swap.pending());
    }

    #[test]
    fn a_lost_request_is_noticed_after_the_limit() {
        let swap = BackgroundSwap::<u32>::default();
        assert!(!swap.waited_too_long(10_000, 100), "nothing pending");
        swap.request();
        assert!(!swap.waited_too_long(60, 100));
        assert!(swap.waited_too_long(60, 100));
        // Asked again: the count starts afresh.
        swap.request();
        assert!(!swap.waited_too_long(60, 100));
    }

    #[test]
    fn supersede_retires_queued_tasks_and_offline_waits_end() {
        let swap = BackgroundSwap::<u32>::default();
        let queued = swap.request();
        swap.supersede();
        assert!(!swap.pending());
        assert!(!swap.is_current(queued));
        swap.post(queued, Box::new(7));
        assert!(swap.mailbox().take().is_none());

        let g = swap.request();
        let mut resent = 0;
        let done = swap.wait_for(
            g,
            || {
                resent += 1;
                swap.finish(g);
            },
            Duration::from_millis(1),
            Duration::from_secs(5),
        );
        assert!(done && resent >= 1);
    }
}
