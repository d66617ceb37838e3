//! Hosts construct, activate and process plugins on threads with small stacks (Ardour
//! activates on its audio-engine thread): every processor, and the console, must be built,
//! reset and run on a 256 KiB stack. A stack overflow aborts the test binary (Rust's guard
//! page), so a regression cannot pass silently.

use super::all;
use crate::test_support::XorShift;

/// The smallest stack a host is known to give (see the module docs).
const STACK: usize = 256 * 1024;
const MAX_BLOCK: usize = 8192;

#[test]
fn every_processor_builds_resets_and_processes_on_a_256_kib_stack() {
    for (name, make) in all() {
        for fs in [48_000.0f32, 384_000.0] {
            let ok = std::thread::Builder::new()
                .name(format!("small stack: {name}"))
                .stack_size(STACK)
                .spawn(move || {
                    let mut p = make(fs, MAX_BLOCK);
                    p.reset();
                    let mut rng = XorShift::new(7);
                    let mut l: Vec<f32> = (0..MAX_BLOCK).map(|_| 0.5 * rng.uniform()).collect();
                    let mut r: Vec<f32> = (0..MAX_BLOCK).map(|_| 0.5 * rng.uniform()).collect();
                    p.process(&mut l, &mut r);
                    p.reset();
                    p.process(&mut l[..1], &mut r[..1]);
                    // Dropped here too: drop glue of large values runs on this stack.
                    drop(p);
                    l.iter().chain(&r).all(|x| x.is_finite())
                })
                .expect("spawn")
                .join()
                .unwrap_or_else(|_| panic!("{name} at {fs} Hz panicked"));
            assert!(ok, "{name} at {fs} Hz: non-finite output");
        }
    }
}
