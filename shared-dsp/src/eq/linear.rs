//! The linear-phase runtime: the current FIR [`Kernel`], and the change to a new one.
//!
//! New kernels are designed on a background thread and arrive through a [`KernelMailbox`].
//! A fresh kernel's convolution starts from silence, so its output is incomplete until it
//! has heard a whole kernel length of input: it first runs alongside the current one for
//! that long (*warming up*), then the output crossfades from the old kernel to the new one
//! over [`CROSSFADE_MS`]. Both are exact filters of the same input by then, so the change is
//! a smooth blend of two responses, never a gap. The retired kernel goes back through the
//! mailbox to be freed off the audio thread. While a change is under way, newer designs wait
//! in the mailbox (only the newest is kept).
//!
//! **Offline renders** ([`LinearPhase::set_offline`]) must not depend on how fast the host
//! runs, so a change cannot wait for a warm-up whose length in samples is fixed but whose
//! start depends on when the design arrives. The owner waits for the design instead (see
//! [`Eq::process_offline`](super::Eq::process_offline)), and the runtime keeps the last
//! kernel length of input (`history`): a new kernel is first fed that input, so it is an
//! exact filter of the signal from its first sample and the crossfade starts at once, at the
//! sample where the change is. Both counts (the crossfade, the history) are in samples, so
//! two renders of the same session are bit-identical.
//!
//! **Requests.** The audio thread asks for a design with a [`DesignRequest`]: plain `Copy`
//! data (the bands, the rate, the block length), so it can travel in a background-task
//! message without allocating. It names the runtime that asked, and only that runtime takes
//! the kernel: a design that finishes after the plugin was re-activated (a new runtime, whose
//! kernel was installed directly for the settings of the moment) is stale and is handed back.

use std::sync::atomic::{AtomicU64, Ordering};

use super::fir::{Kernel, half_length};
use super::{BANDS, BandSettings};
use crate::exchange::Mailbox;

/// Hands designed kernels to the audio thread (see [`crate::exchange`]).
pub type KernelMailbox = Mailbox<Kernel>;

/// Length of the crossfade from one kernel to the next.
pub const CROSSFADE_MS: f64 = 40.0;

/// What to design, and for whom (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DesignRequest {
    pub bands: [BandSettings; BANDS],
    pub sample_rate: f64,
    pub max_block: usize,
    owner: u64,
}

impl DesignRequest {
    /// Designs the kernel (allocates, takes milliseconds: a background thread's job).
    pub fn design(&self) -> Kernel {
        let mut kernel = Kernel::new(&self.bands, self.sample_rate, self.max_block);
        kernel.owner = self.owner;
        kernel
    }
}

/// The owner's side of an offline render ([`Eq::process_offline`](super::Eq::process_offline)):
/// kernels are still designed on its background thread (designing allocates), but the audio
/// thread waits for them.
pub trait OfflineDesigner {
    /// Has `request` designed and blocks until its kernel is in the mailbox. `false` if that
    /// failed (e.g. the task was lost and resending did not help within a generous time): the
    /// render then goes on with the current kernel.
    fn design_and_wait(&mut self, request: DesignRequest) -> bool;
    /// A retired kernel was handed back to the mailbox: have it freed off the audio thread.
    fn collect(&mut self);
}

/// Source of runtime ids (0 is never issued: kernels built without a request carry it).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub struct LinearPhase {
    /// Which requests' kernels this runtime takes.
    id: u64,
    max_block: usize,
    active: Box<Kernel>,
    incoming: Option<Box<Kernel>>,
    retired: Option<Box<Kernel>>,
    /// Samples the incoming kernel has processed, and samples into the crossfade.
    warmed: usize,
    faded: usize,
    warm_len: usize,
    fade_len: usize,
    /// The incoming kernel's input copy (and output), `max_block` long.
    scratch: [Vec<f32>; 2],
    sample_rate: f64,
    /// Offline only (empty otherwise): the last `taps − 1` input samples per channel, a ring
    /// whose oldest sample is at `history_pos` (see the module docs).
    history: [Vec<f32>; 2],
    history_pos: usize,
}

impl LinearPhase {
    /// A runtime with the all-bands-off kernel (a delay). Allocates.
    pub fn new(sample_rate: f64, max_block: usize) -> Self {
        let max_block = max_block.max(1);
        let bands = [super::BandSettings::default(); super::BANDS];
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            max_block,
            active: Box::new(Kernel::new(&bands, sample_rate, max_block)),
            incoming: None,
            retired: None,
            warmed: 0,
            faded: 0,
            warm_len: super::fir::taps(sample_rate),
            fade_len: ((CROSSFADE_MS * 1e-3 * sample_rate) as usize).max(1),
            scratch: [vec![0.0; max_block], vec![0.0; max_block]],
            sample_rate,
            history: [Vec::new(), Vec::new()],
            history_pos: 0,
        }
    }

    /// Main thread: renders offline (new kernels take over at once, primed with the input
    /// history) or in real time (new kernels warm up). Allocates or frees the history.
    pub fn set_offline(&mut self, offline: bool) {
        let len = if offline {
            super::fir::taps(self.sample_rate) - 1
        } else {
            0
        };
        self.history = [vec![0.0; len], vec![0.0; len]];
        self.history_pos = 0;
    }

    /// Whether new kernels are primed rather than warmed up ([`set_offline`](Self::set_offline)).
    pub fn is_offline(&self) -> bool {
        !self.history[0].is_empty()
    }

    /// Samples until a change under way is complete (0 if none).
    pub fn samples_to_settle(&self) -> usize {
        if self.incoming.is_none() {
            return 0;
        }
        self.warm_len.saturating_sub(self.warmed) + self.fade_len.saturating_sub(self.faded)
    }

    /// A request for a kernel for `bands`, to be answered through the mailbox.
    pub fn request(&self, bands: &[BandSettings; BANDS]) -> DesignRequest {
        DesignRequest {
            bands: *bands,
            sample_rate: self.sample_rate,
            max_block: self.max_block,
            owner: self.id,
        }
    }

    /// The delay: half the kernel length.
    pub fn latency(&self) -> usize {
        half_length(self.sample_rate)
    }

    /// Main thread: uses `kernel` from now on, without a crossfade (activation, state load).
    /// Returns the kernel it replaces.
    pub fn install(&mut self, mut kernel: Box<Kernel>) -> Box<Kernel> {
        kernel.reset();
        if let Some(k) = self.incoming.take() {
            self.retired = Some(k);
        }
        core::mem::replace(&mut self.active, kernel)
    }

    /// Audio thread: hands back a retired kernel, and takes a newly designed one if one is
    /// waiting and no change is under way. Returns whether something was handed back (the
    /// caller then asks its background thread to free it). Wait-free, never allocates.
    pub fn exchange(&mut self, mailbox: &KernelMailbox) -> bool {
        let mut handed_back = false;
        if let Some(old) = self.retired.take() {
            match mailbox.give_back(old) {
                Ok(()) => handed_back = true,
                Err(old) => self.retired = Some(old),
            }
        }
        if self.incoming.is_none()
            && self.retired.is_none()
            && let Some(new) = mailbox.take()
        {
            if new.owner != self.id {
                // Asked for by a runtime this one replaced (a re-activation raced it): stale.
                match mailbox.give_back(new) {
                    Ok(()) => handed_back = true,
                    Err(new) => self.retired = Some(new),
                }
            } else {
                let mut new = new;
                self.warmed = 0;
                self.faded = 0;
                if self.is_offline() {
                    self.prime(&mut new);
                    self.warmed = self.warm_len;
                }
                self.incoming = Some(new);
            }
        }
        handed_back
    }

    /// Whether a kernel change is under way.
    pub fn is_changing(&self) -> bool {
        self.incoming.is_some()
    }

    /// Offline: feeds `new` the input history, oldest first, so that it has heard what the
    /// active kernel has (its output is discarded).
    fn prime(&mut self, new: &mut Kernel) {
        let pos = self.history_pos;
        let [hl, hr] = &self.history;
        let [sl, sr] = &mut self.scratch;
        let max = sl.len();
        for (from, to) in [(pos, hl.len()), (0, pos)] {
            let mut i = from;
            while i < to {
                let n = (to - i).min(max);
                sl[..n].copy_from_slice(&hl[i..i + n]);
                sr[..n].copy_from_slice(&hr[i..i + n]);
                new.process(&mut sl[..n], &mut sr[..n]);
                i += n;
            }
        }
    }

    /// Offline: appends a block of input to the history ring.
    fn remember(&mut self, left: &[f32], right: &[f32]) {
        let len = self.history[0].len();
        if len == 0 {
            return;
        }
        // Only the newest `len` samples can matter.
        let skip = left.len().saturating_sub(len);
        let (left, right) = (&left[skip..], &right[skip..]);
        let mut done = 0;
        while done < left.len() {
            let pos = self.history_pos;
            let n = (len - pos).min(left.len() - done);
            self.history[0][pos..pos + n].copy_from_slice(&left[done..done + n]);
            self.history[1][pos..pos + n].copy_from_slice(&right[done..done + n]);
            self.history_pos = (pos + n) % len;
            done += n;
        }
    }

    /// Silence in: the current kernel from rest; a change under way completes at once (or,
    /// if the last retired kernel has not been handed back yet, starts over). Never frees.
    pub fn reset(&mut self) {
        if self.retired.is_none() {
            if let Some(new) = self.incoming.take() {
                self.retired = Some(core::mem::replace(&mut self.active, new));
            }
        } else if let Some(new) = self.incoming.as_mut() {
            new.reset();
            // Offline, silence is the (cleared) history it would be primed with.
            self.warmed = if self.is_offline() { self.warm_len } else { 0 };
            self.faded = 0;
        }
        self.active.reset();
        for h in &mut self.history {
            h.fill(0.0);
        }
        self.history_pos = 0;
    }

    /// Filters `left`/`right` in place (equal lengths).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let max = self.scratch[0].len();
        for (l, r) in left.chunks_mut(max).zip(right.chunks_mut(max)) {
            self.process_chunk(l, r);
        }
    }

    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        self.remember(left, right);
        let Some(new) = self.incoming.as_mut() else {
            self.active.process(left, right);
            return;
        };
        let [sl, sr] = &mut self.scratch;
        let (sl, sr) = (&mut sl[..n], &mut sr[..n]);
        sl.copy_from_slice(left);
        sr.copy_from_slice(right);
        new.process(sl, sr);
        self.active.process(left, right);
        let inv = 1.0 / self.fade_len as f32;
        for i in 0..n {
            if self.warmed < self.warm_len {
                self.warmed += 1;
                continue;
            }
            let a = (self.faded + 1).min(self.fade_len) as f32 * inv;
            left[i] += a * (sl[i] - left[i]);
            right[i] += a * (sr[i] - right[i]);
            self.faded += 1;
            if self.faded >= self.fade_len {
                // The new kernel is the active one; the rest of this chunk is its output.
                left[i + 1..].copy_from_slice(&sl[i + 1..]);
                right[i + 1..].copy_from_slice(&sr[i + 1..]);
                if let Some(new) = self.incoming.take() {
                    self.retired = Some(core::mem::replace(&mut self.active, new));
                }
                return;
            }
        }
    }
}
