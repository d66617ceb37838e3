//! The linear-phase mode's background side: FIR kernels are designed on nice-plug's
//! background thread and handed to the audio thread through a mailbox.
//!
//! Who does what:
//! - **Audio thread**, in real time: when the EQ has a design request and none is in flight,
//!   sends it as a task (a [`DesignRequest`] is plain data: sending it does not allocate);
//!   takes posted kernels from the mailbox ([`Eq::exchange_kernel`]) and, when it hands a
//!   retired one back, asks for it to be freed. One design in flight at a time: requests made
//!   meanwhile stay pending in the EQ, always for the newest bands, so fast automation costs
//!   one design after another, never a growing queue.
//! - **Audio thread**, offline (a bounce or export, [`ProcessMode::Offline`]): sends the
//!   request the same way and then waits for its kernel ([`Eq::process_offline`]), so the
//!   render does not depend on how fast it runs. Only offline may the audio thread block.
//! - **Background thread**: designs (milliseconds, allocates), posts, frees.
//! - **Main thread**: at activation, designs synchronously and installs the kernel, so a
//!   session (or an offline render) is right from the first sample.
//!
//! **Generations** (`plugin_kit::background::BackgroundSwap`, shared with the reverb's
//! impulse responses): each design task carries a number; a design is in flight while the
//! newest one asked for has not finished. In real time a design that has not arrived after
//! [`LOST_AFTER_SECONDS`] of audio is asked for again; a task superseded by a newer one posts
//! nothing, so a late one never replaces a newer kernel.

use std::marker::PhantomData;
use std::time::Duration;

use nice_plug::prelude::*;
use plugin_kit::background::BackgroundSwap;
use shared_dsp::eq::{DesignRequest, Eq, Kernel, OfflineDesigner};

/// The plugin's background tasks (plain data: they are sent from the audio thread).
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "sent from the audio thread, which must not allocate a Box"
)]
pub enum EqTask {
    /// Design this kernel and post it; the number is its generation.
    Design(DesignRequest, u64),
    /// Free what the audio thread handed back.
    Collect,
}

/// Real time: a design not posted after this much audio is taken to be lost and asked for
/// again (a design takes milliseconds; even a queue of many instances' designs at 384 kHz is
/// far shorter).
pub const LOST_AFTER_SECONDS: f64 = 2.0;
/// Offline: a design not posted after this long (wall clock) is sent again…
const OFFLINE_RESEND: Duration = Duration::from_secs(2);
/// …and after this long the render goes on without it rather than hang the host.
const OFFLINE_GIVE_UP: Duration = Duration::from_secs(30);

/// Shared by the plugin and its task executor.
#[derive(Default)]
pub struct Designer {
    kernels: BackgroundSwap<Kernel>,
}

impl Designer {
    /// Background thread: runs a task.
    pub fn run(&self, task: EqTask) {
        match task {
            EqTask::Design(request, generation) => {
                // Superseded (a newer request, or a resend) before it started, or while it
                // ran: skip it, or drop its kernel, so only the newest one is ever posted.
                if self.kernels.is_current(generation) {
                    self.kernels.post(generation, Box::new(request.design()));
                }
            }
            EqTask::Collect => self.kernels.mailbox().collect(),
        }
    }

    /// Main thread (activation): the kernel for the current bands, installed at once. A
    /// design still queued from before (other bands, perhaps another rate) is superseded, so
    /// it cannot replace this one when it runs.
    pub fn design_now(&self, eq: &mut Eq) {
        self.kernels.supersede();
        if let Some(request) = eq.take_design_request() {
            drop(eq.install_kernel(Box::new(request.design())));
        }
    }

    /// Audio thread: sends `request` as the newest generation; returns that generation.
    fn send<P: Plugin<BackgroundTask = EqTask>>(
        &self,
        request: DesignRequest,
        context: &mut impl ProcessContext<P>,
    ) -> u64 {
        let generation = self.kernels.request();
        context.execute_background(EqTask::Design(request, generation));
        generation
    }

    /// Audio thread: filters a block, in real time or offline (`offline`), asking for and
    /// swapping kernels as that mode requires.
    pub fn process<P: Plugin<BackgroundTask = EqTask>>(
        &self,
        eq: &mut Eq,
        left: &mut [f32],
        right: &mut [f32],
        key: Option<[&[f32]; 2]>,
        offline: bool,
        context: &mut impl ProcessContext<P>,
    ) {
        if offline {
            let mut waiter = Waiter {
                designer: self,
                context,
                plugin: PhantomData,
            };
            eq.process_offline(left, right, key, self.kernels.mailbox(), &mut waiter);
        } else {
            self.serve(eq, left.len(), context);
            eq.process_keyed(left, right, key);
        }
    }

    /// Audio thread, real time, once per process call of `samples` samples: asks for a design
    /// if one is needed and none is in flight, and swaps kernels. Wait-free, no allocation.
    fn serve<P: Plugin<BackgroundTask = EqTask>>(
        &self,
        eq: &mut Eq,
        samples: usize,
        context: &mut impl ProcessContext<P>,
    ) {
        let mut in_flight = self.kernels.pending();
        let lost_after = (LOST_AFTER_SECONDS * eq.sample_rate()) as usize;
        if self.kernels.waited_too_long(samples, lost_after) {
            // Lost: ask again for what the EQ has now.
            eq.redesign();
            in_flight = false;
        }
        if !in_flight && let Some(request) = eq.take_design_request() {
            self.send(request, context);
        }
        if eq.exchange_kernel(self.kernels.mailbox()) {
            context.execute_background(EqTask::Collect);
        }
    }
}

/// The offline side of [`Designer`] for one process call.
struct Waiter<'a, P, C> {
    designer: &'a Designer,
    context: &'a mut C,
    plugin: PhantomData<fn() -> P>,
}

impl<P: Plugin<BackgroundTask = EqTask>, C: ProcessContext<P>> OfflineDesigner
    for Waiter<'_, P, C>
{
    /// Sends the request and waits until the background thread has posted a design of it;
    /// resends it if it seems lost.
    fn design_and_wait(&mut self, request: DesignRequest) -> bool {
        let d = self.designer;
        let first = d.send(request, &mut *self.context);
        // Every generation from `first` on is this request (nothing else is sent while the
        // audio thread waits here).
        let context = &mut *self.context;
        let mut resent = false;
        let posted = d.kernels.wait_for(
            first,
            || {
                d.send(request, &mut *context);
                resent = true;
            },
            OFFLINE_RESEND,
            OFFLINE_GIVE_UP,
        );
        // A resend still queued must not post the same kernel again later, at a moment that
        // depends on the machine: supersede it (so that nothing counts as in flight either).
        if posted && resent {
            d.kernels.supersede();
        }
        posted
    }

    fn collect(&mut self) {
        self.context.execute_background(EqTask::Collect);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use shared_dsp::eq::{BandSettings, BandType, Mode, Settings};

    use super::*;
    use crate::MixwerkEq;

    /// A host's process context that keeps the tasks sent, and loses design tasks while `lose`
    /// is set (nice-plug drops a task when its queue is full).
    struct Host {
        tasks: RefCell<Vec<EqTask>>,
        lose: Cell<bool>,
        transport: Transport,
    }

    impl ProcessContext<MixwerkEq> for Host {
        fn plugin_api(&self) -> PluginApi {
            PluginApi::Clap
        }
        fn execute_background(&self, task: EqTask) {
            if !(self.lose.get() && matches!(task, EqTask::Design(..))) {
                self.tasks.borrow_mut().push(task);
            }
        }
        fn execute_gui(&self, task: EqTask) {
            self.execute_background(task);
        }
        fn transport(&self) -> &Transport {
            &self.transport
        }
        fn next_event(&mut self) -> Option<PluginNoteEvent<MixwerkEq>> {
            None
        }
        fn try_send_event(
            &mut self,
            _event: PluginNoteEvent<MixwerkEq>,
        ) -> Result<
            (),
            (
                PluginNoteEvent<MixwerkEq>,
                nice_plug::context::process::SendEventError,
            ),
        > {
            unimplemented!("the EQ sends no events")
        }
        fn set_latency_samples(&self, _samples: u32) {}
        fn request_restart(&self) {}
        fn set_current_voice_capacity(&self, _capacity: u32) {}
    }

    fn designs(host: &Host) -> Vec<EqTask> {
        host.tasks
            .borrow_mut()
            .drain(..)
            .filter(|t| matches!(t, EqTask::Design(..)))
            .collect()
    }

    /// Real time: a design task that never runs (lost) must not stop designs for good. While
    /// it is merely late, nothing more is sent; after [`LOST_AFTER_SECONDS`] of audio it is
    /// asked for again, and that design arrives.
    #[test]
    fn a_lost_design_task_is_asked_for_again() {
        let rate = 48_000.0;
        let designer = Designer::default();
        let mut eq = Eq::new(rate, 512);
        let mut settings = Settings {
            mode: Mode::LinearPhase,
            ..Settings::default()
        };
        settings.bands[0] = BandSettings {
            enabled: true,
            kind: BandType::Bell,
            gain_db: 12.0,
            ..BandSettings::default()
        };
        eq.update_immediately(&settings);
        let mut host = Host {
            tasks: RefCell::default(),
            lose: Cell::new(true),
            transport: Transport::new(rate),
        };
        let (mut l, mut r) = (vec![0.0f32; 512], vec![0.0f32; 512]);
        designer.process(&mut eq, &mut l, &mut r, None, false, &mut host);
        assert!(designs(&host).is_empty(), "the first design task was lost");
        host.lose.set(false);
        // Blocks after the lost one until 2 s of audio have passed.
        let lost_after = ((LOST_AFTER_SECONDS * f64::from(rate)) as usize).div_ceil(512);
        let mut again = Vec::new();
        for block in 1..=lost_after {
            designer.process(&mut eq, &mut l, &mut r, None, false, &mut host);
            again = designs(&host);
            if block < lost_after {
                assert!(
                    again.is_empty(),
                    "block {block}: one design in flight at a time"
                );
            }
        }
        assert_eq!(
            again.len(),
            1,
            "asked for again after {LOST_AFTER_SECONDS} s"
        );
        designer.run(again[0]);
        designer.process(&mut eq, &mut l, &mut r, None, false, &mut host);
        assert!(eq.is_changing_kernel(), "the new design arrived");
    }

    /// A task superseded by a newer one (sent after it was taken for lost) posts nothing.
    #[test]
    fn a_superseded_design_task_posts_nothing() {
        let designer = Designer::default();
        let mut eq = Eq::new(48_000.0, 512);
        eq.update(&Settings {
            mode: Mode::LinearPhase,
            ..Settings::default()
        });
        eq.redesign();
        let request = eq.take_design_request().expect("a request");
        let (first, second) = (designer.kernels.request(), designer.kernels.request());
        designer.run(EqTask::Design(request, first));
        assert!(designer.kernels.mailbox().take().is_none());
        assert!(designer.kernels.pending());
        designer.run(EqTask::Design(request, second));
        assert!(designer.kernels.mailbox().take().is_some());
        assert!(!designer.kernels.pending());
    }
}
