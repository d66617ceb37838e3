//! Hosts activate and run plugins on threads with small stacks: Ardour (re)activates plugins
//! on its audio-engine thread, and Mixwerk Channel Strip overflowed it (`Console::with_readings`
//! built eight strips on the stack, 530 KB deep). Every release bundle, in both formats, is
//! created, activated at 48 kHz with 8192-sample blocks, run on noise and deactivated on a
//! thread with a 256 KiB stack. The instance is created on that thread too (the host
//! interfaces are not `Send`), so the plugin's construction (`Default`) is covered as well.
//! A stack overflow aborts this test binary (Rust's guard page): it cannot pass silently.
//! Run through `cargo xtask test`, which builds the bundles first.

use host_tests::battery::{self, Buffers};
use host_tests::bundles::{PluginUnderTest, release_bundles, vst3_bundles};
use host_tests::host::Result;
use host_tests::hosted::open;
use host_tests::signals::Noise;

/// The smallest audio-thread stack a host is known to give.
const STACK: usize = 256 * 1024;
const RATE: f64 = 48_000.0;
const MAX_BLOCK: usize = 8192;

/// Create, activate, process a few blocks of noise (the largest, one sample, an odd size),
/// deactivate, activate again and drop, all on the calling thread.
fn run(p: &PluginUnderTest) -> Result<()> {
    let mut inst = open(p)?;
    inst.activate(RATE, MAX_BLOCK as u32)?;
    let mut b = Buffers::for_ports(&mut *inst, MAX_BLOCK)?;
    let mut noise = Noise::new(17);
    for len in [MAX_BLOCK, 1, 1000, MAX_BLOCK] {
        b.set_len(len);
        b.fill_main(|_, _| 0.25 * noise.next_f32());
        b.process(&mut *inst, &[])?;
        for ch in b.main_output() {
            if let Some(x) = ch.iter().find(|x| !x.is_finite()) {
                return Err(format!("non-finite output {x} in a block of {len}").into());
            }
        }
    }
    inst.deactivate();
    inst.activate(RATE, MAX_BLOCK as u32)?;
    inst.deactivate();
    Ok(())
}

fn on_small_stack(p: &PluginUnderTest) -> Result<()> {
    let p = p.clone();
    let label = p.label();
    std::thread::Builder::new()
        .name(format!("256 KiB stack: {label}"))
        .stack_size(STACK)
        .spawn(move || run(&p))?
        .join()
        .map_err(|_| format!("{label} panicked"))?
}

#[test]
fn clap_bundles_activate_and_process_on_a_256_kib_stack() {
    battery::for_each(&release_bundles(), on_small_stack);
}

#[test]
fn vst3_bundles_activate_and_process_on_a_256_kib_stack() {
    battery::for_each(&vst3_bundles(), on_small_stack);
}
