//! Handing things prepared on another thread (the reverb's impulse responses, the
//! linear-phase EQ's FIR kernels) to the audio thread, and their memory back, without a lock,
//! an allocation or a deallocation on the audio thread.
//!
//! Two single-slot mailboxes of owned pointers:
//!
//! - `incoming`: the loader thread [`post`](Mailbox::post)s a fully prepared value; the
//!   audio thread [`take`](Mailbox::take)s it (an atomic swap) and crossfades to it.
//! - `outgoing`: the audio thread [`give_back`](Mailbox::give_back)s the value it stopped
//!   using (a compare-and-swap into an empty slot; if the slot is still full it keeps the
//!   value and tries again later), and the loader thread [`collect`](Mailbox::collect)s and
//!   frees it.
//!
//! A pointer is owned by exactly one side at any time: whoever swapped it out of a slot. A
//! newer IR posted before the audio thread took the previous one replaces it (the loader frees
//! the unheard one), so only the latest request wins. Anything still in the slots is freed
//! when the mailbox is dropped (with the plugin, on the main thread).

use std::marker::PhantomData;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::time::{Duration, Instant};

/// A two-slot mailbox for boxed `T` (see the module docs).
///
/// It moves owned `T`s from one thread to another, like a channel: so it may be shared and
/// sent between threads only when `T` may be sent (`AtomicPtr<T>` alone would make it `Send`
/// and `Sync` for every `T`, an `Rc` included):
///
/// ```compile_fail
/// fn shared_between_threads<S: Sync>() {}
/// shared_between_threads::<shared_dsp::exchange::Mailbox<std::rc::Rc<u8>>>();
/// ```
pub struct Mailbox<T> {
    incoming: AtomicPtr<T>,
    outgoing: AtomicPtr<T>,
    /// Not `Send`/`Sync` by itself: the impls below add both, for `T: Send` only.
    _owns: PhantomData<*mut T>,
}

// SAFETY: the mailbox only ever moves a whole `Box<T>` from the thread that posts or gives it
// back to the thread that takes or collects it (each pointer has exactly one owner, see
// `owned`); no `&T` is ever shared. That is sound exactly when `T: Send`.
unsafe impl<T: Send> Send for Mailbox<T> {}
// SAFETY: as above; every shared access goes through the atomic swaps.
unsafe impl<T: Send> Sync for Mailbox<T> {}

impl<T> Default for Mailbox<T> {
    fn default() -> Self {
        Self {
            incoming: AtomicPtr::new(ptr::null_mut()),
            outgoing: AtomicPtr::new(ptr::null_mut()),
            _owns: PhantomData,
        }
    }
}

/// Takes ownership of a pointer swapped out of a slot (null = empty).
fn owned<T>(p: *mut T) -> Option<Box<T>> {
    // SAFETY: every non-null pointer in a slot came from `Box::into_raw` and was swapped out
    // exactly once, so this is its only owner.
    (!p.is_null()).then(|| unsafe { Box::from_raw(p) })
}

impl<T> Mailbox<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Loader thread: offers a prepared value to the audio thread. A value posted earlier
    /// and not yet taken is freed here (the newer request wins), and so is anything the audio
    /// thread has handed back.
    pub fn post(&self, engine: Box<T>) {
        drop(owned(
            self.incoming.swap(Box::into_raw(engine), Ordering::AcqRel),
        ));
        self.collect();
    }

    /// Loader thread: frees what the audio thread handed back, if anything.
    pub fn collect(&self) {
        drop(owned(self.outgoing.swap(ptr::null_mut(), Ordering::AcqRel)));
    }

    /// Audio thread: the newest posted value, if one is waiting. Wait-free.
    pub fn take(&self) -> Option<Box<T>> {
        owned(self.incoming.swap(ptr::null_mut(), Ordering::AcqRel))
    }

    /// Audio thread: hands a value back to be freed elsewhere. Wait-free; when the slot is
    /// still occupied the value is returned, to be kept and offered again later.
    pub fn give_back(&self, engine: Box<T>) -> Result<(), Box<T>> {
        let p = Box::into_raw(engine);
        match self.outgoing.compare_exchange(
            ptr::null_mut(),
            p,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => Ok(()),
            // SAFETY: the exchange failed, so `p` was never published and is still ours.
            Err(_) => Err(unsafe { Box::from_raw(p) }),
        }
    }

    /// Whether something waits to be freed by [`collect`](Self::collect).
    pub fn has_garbage(&self) -> bool {
        !self.outgoing.load(Ordering::Acquire).is_null()
    }
}

impl<T> Drop for Mailbox<T> {
    fn drop(&mut self) {
        drop(self.take());
        self.collect();
    }
}

/// Offline renders only (a bounce: the host renders faster than real time, so the audio thread
/// may wait for work it handed to another thread, and must, for the render not to depend on
/// the machine's speed): spins briefly, then sleeps in 100 µs steps until `done()`. Calls
/// `resend()` every `resend_after` (the request may have been lost) and gives up after
/// `give_up` rather than hang the host. Returns whether `done()` became true. Never allocates.
pub fn wait_offline(
    mut done: impl FnMut() -> bool,
    mut resend: impl FnMut(),
    resend_after: Duration,
    give_up: Duration,
) -> bool {
    let start = Instant::now();
    let mut last_send = start;
    let mut spins = 0u32;
    loop {
        if done() {
            return true;
        }
        let now = Instant::now();
        if now - start > give_up {
            return false;
        }
        if now - last_send > resend_after {
            resend();
            last_send = now;
        }
        if spins < 64 {
            spins += 1;
            std::hint::spin_loop();
        } else {
            std::thread::sleep(Duration::from_micros(100));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convolution::ConvolutionEngine;

    type IrMailbox = Mailbox<ConvolutionEngine>;

    #[test]
    fn waiting_offline_resends_and_gives_up() {
        use std::cell::Cell;
        let polls = Cell::new(0);
        let ok = wait_offline(
            || {
                polls.set(polls.get() + 1);
                polls.get() == 100
            },
            || {},
            Duration::from_secs(60),
            Duration::from_secs(60),
        );
        assert!(ok && polls.get() == 100, "waits until done");
        let sends = Cell::new(0);
        let start = Instant::now();
        let ok = wait_offline(
            || false,
            || sends.set(sends.get() + 1),
            Duration::from_millis(10),
            Duration::from_millis(55),
        );
        assert!(!ok, "gives up");
        assert!(start.elapsed() >= Duration::from_millis(55));
        // At most one per 10 ms (fewer if the machine is busy and the thread sleeps longer).
        assert!((1..=5).contains(&sends.get()), "{} resends", sends.get());
    }

    #[test]
    fn newest_wins_and_memory_comes_back() {
        let mb = IrMailbox::new();
        assert!(mb.take().is_none());
        mb.post(Box::new(ConvolutionEngine::new(&[vec![1.0; 10]], 48_000.0)));
        mb.post(Box::new(ConvolutionEngine::new(&[vec![1.0; 20]], 48_000.0)));
        let got = mb.take().expect("posted");
        assert_eq!(got.len(), 20, "the newer post replaced the unheard one");
        assert!(mb.take().is_none());
        let other = Box::new(ConvolutionEngine::empty(48_000.0));
        assert!(mb.give_back(got).is_ok());
        assert!(mb.has_garbage());
        let other = mb
            .give_back(other)
            .expect_err("slot still full: the engine comes back");
        mb.collect();
        assert!(!mb.has_garbage());
        assert!(mb.give_back(other).is_ok());
        // Dropping the mailbox frees what is left (checked by Miri/ASan-style tools; here it
        // must simply not crash or double free).
    }

    #[test]
    fn threads_hand_over_without_losing_or_duplicating() {
        use std::sync::Arc;
        let mb = Arc::new(IrMailbox::new());
        let loader = {
            let mb = mb.clone();
            std::thread::spawn(move || {
                for n in 1..=200usize {
                    mb.post(Box::new(ConvolutionEngine::new(&[vec![0.5; n]], 48_000.0)));
                    mb.collect();
                }
            })
        };
        let mut last = 0;
        let mut held: Option<Box<ConvolutionEngine>> = None;
        let mut receive = |held: &mut Option<Box<ConvolutionEngine>>| {
            while let Some(e) = mb.take() {
                assert!(e.len() > last, "engines arrive in order, each at most once");
                last = e.len();
                if let Some(old) = held.replace(e) {
                    // The test thread may free a refused engine; the audio thread never would.
                    let _ = mb.give_back(old);
                }
            }
        };
        loop {
            let done = loader.is_finished();
            receive(&mut held);
            if done {
                break;
            }
        }
        loader.join().expect("loader");
        assert_eq!(
            held.map(|e| e.len()),
            Some(200),
            "the last posted engine is the one kept"
        );
    }
}
