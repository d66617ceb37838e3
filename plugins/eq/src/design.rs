//! The linear-phase mode's background side: FIR kernels are designed on nice-plug's
//! background thread and handed to the audio thread through a mailbox.
//!
//! Who does what:
//! - **Audio thread**: when the EQ has a design request and none is in flight, sends it as a
//!   task (a [`DesignRequest`] is plain data: sending it does not allocate); takes posted
//!   kernels from the mailbox ([`Eq::exchange_kernel`]) and, when it hands a retired one
//!   back, asks for it to be freed. One design in flight at a time: requests made meanwhile
//!   stay pending in the EQ, always for the newest bands, so fast automation costs one design
//!   after another, never a growing queue.
//! - **Background thread**: designs (milliseconds, allocates), posts, frees.
//! - **Main thread**: at activation, designs synchronously and installs the kernel, so a
//!   session (or an offline render) is right from the first sample.

use std::sync::atomic::{AtomicBool, Ordering};

use nice_plug::prelude::*;
use shared_dsp::eq::{DesignRequest, Eq, KernelMailbox};

/// The plugin's background tasks (plain data: they are sent from the audio thread).
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "sent from the audio thread, which must not allocate a Box"
)]
pub enum EqTask {
    /// Design this kernel and post it.
    Design(DesignRequest),
    /// Free what the audio thread handed back.
    Collect,
}

/// Shared by the plugin and its task executor.
#[derive(Default)]
pub struct Designer {
    mailbox: KernelMailbox,
    /// A design task has been sent and has not posted its kernel yet.
    in_flight: AtomicBool,
}

impl Designer {
    /// Background thread: runs a task.
    pub fn run(&self, task: EqTask) {
        match task {
            EqTask::Design(request) => {
                self.mailbox.post(Box::new(request.design()));
                self.in_flight.store(false, Ordering::Release);
            }
            EqTask::Collect => self.mailbox.collect(),
        }
    }

    /// Main thread (activation): the kernel for the current bands, installed at once.
    pub fn design_now(&self, eq: &mut Eq) {
        if let Some(request) = eq.take_design_request() {
            drop(eq.install_kernel(Box::new(request.design())));
        }
    }

    /// Audio thread, once per process call: asks for a design if one is needed and none is in
    /// flight, and swaps kernels. Wait-free, no allocation.
    pub fn serve<P: Plugin<BackgroundTask = EqTask>>(
        &self,
        eq: &mut Eq,
        context: &mut impl ProcessContext<P>,
    ) {
        if !self.in_flight.load(Ordering::Acquire)
            && let Some(request) = eq.take_design_request()
        {
            self.in_flight.store(true, Ordering::Release);
            context.execute_background(EqTask::Design(request));
        }
        if eq.exchange_kernel(&self.mailbox) {
            context.execute_background(EqTask::Collect);
        }
    }
}
