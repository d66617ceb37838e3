//! `cargo xtask bench`: 60 s of stereo pink-ish noise at 48 kHz in 512-sample blocks through
//! every bundled plugin (default parameters), through the same CLAP host code as the tests.
//! Prints CPU seconds and how many times faster than real time each plugin runs. Plugins
//! whose defaults leave most of the work off get extra rows with parameters set (see
//! [`SETUPS`]).

use std::time::Instant;

use host_tests::battery::{Buffers, instantiate};
use host_tests::bundles::release_bundles;
use host_tests::host::ParamChange;
use host_tests::signals::PinkNoise;

/// Extra rows: (plugin crate, label, parameters as (string id, normalised value)), sent as
/// events at the start of the run. Add a row here for any plugin whose defaults do little.
const SETUPS: &[(&str, &str, &[(&str, f64)])] = &[(
    "eq",
    "8 bands on",
    &[("b1_on", 1.0), ("b2_on", 1.0), ("b3_on", 1.0), ("b4_on", 1.0), ("b5_on", 1.0), ("b6_on", 1.0), ("b7_on", 1.0), ("b8_on", 1.0)],
)];

const RATE: f64 = 48_000.0;
const BLOCK: usize = 512;
const SECONDS: f64 = 60.0;

fn main() {
    let blocks = (SECONDS * RATE / BLOCK as f64).ceil() as usize;
    // Pre-render the input so the timing covers only the plugin (and the host's thin call).
    let mut pink = [PinkNoise::new(1), PinkNoise::new(2)];
    let input: Vec<[Vec<f32>; 2]> = (0..blocks)
        .map(|_| {
            [0, 1].map(|c| {
                let mut v = vec![0.0; BLOCK];
                pink[c].fill(&mut v);
                v
            })
        })
        .collect();

    println!("{:<40} {:>12} {:>16}", "plugin", "CPU seconds", "x real time");
    let mut failed = false;
    for plugin in release_bundles() {
        let setups = SETUPS.iter().filter(|s| s.0 == plugin.expected.crate_name);
        for (label, params) in std::iter::once(("", &[][..])).chain(setups.map(|s| (s.1, s.2))) {
            let name = if label.is_empty() { plugin.expected.name.to_string() } else { format!("{} ({label})", plugin.expected.name) };
            let events: Vec<ParamChange> = params.iter().map(|&(id, value)| ParamChange { offset: 0, id: clap_id(id), value }).collect();
            match run(&plugin, &input, &events) {
                Ok(seconds) => println!("{name:<40} {seconds:>12.4} {:>15.0}x", SECONDS / seconds),
                Err(e) => {
                    println!("{name:<40} failed: {e}");
                    failed = true;
                }
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}

/// The CLAP id nice-plug gives the parameter with string id `s`.
fn clap_id(s: &str) -> u32 {
    let mut h = 0u32;
    for b in s.bytes() {
        h = h.wrapping_mul(31).wrapping_add(b as u32);
    }
    h & !(1 << 31)
}

fn run(plugin: &host_tests::bundles::PluginUnderTest, input: &[[Vec<f32>; 2]], events: &[ParamChange]) -> host_tests::host::Result<f64> {
    let (_bundle, mut inst) = instantiate(plugin)?;
    inst.activate(RATE, BLOCK as u32)?;
    let mut b = Buffers::for_ports(&mut inst, BLOCK)?;
    let start = cpu_time();
    let wall = Instant::now();
    for (i, block) in input.iter().enumerate() {
        for (ch, src) in b.inputs[0].iter_mut().zip(block.iter()) {
            ch.copy_from_slice(src);
        }
        inst.process(&mut b.inputs, &mut b.outputs, if i == 0 { events } else { &[] })?;
    }
    // CPU time of this thread when the platform gives it, wall time otherwise.
    Ok(match (start, cpu_time()) {
        (Some(a), Some(b)) => b - a,
        _ => wall.elapsed().as_secs_f64(),
    })
}

/// This thread's CPU time in seconds (`CLOCK_THREAD_CPUTIME_ID`, nanosecond resolution):
/// what the plugin costs, whatever else the machine is doing. `None` off Unix.
#[cfg(unix)]
fn cpu_time() -> Option<f64> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
    ok.then_some(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
}

#[cfg(not(unix))]
fn cpu_time() -> Option<f64> {
    None
}
