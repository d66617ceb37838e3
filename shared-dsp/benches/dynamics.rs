//! `cargo bench -p shared-dsp --bench dynamics`: the compressor in the configuration issue 5
//! sets its target for (stereo, 48 kHz, 512-sample blocks, RMS detection, sidechain high pass
//! on, 5 ms lookahead), plus the cheapest (peak, no filter, no lookahead) for comparison.
//!
//! Besides criterion's wall-clock figures this prints x real time from the thread's CPU time
//! (Linux `/proc/thread-self/schedstat`), which stays meaningful on a machine shared with
//! other builds: time spent descheduled is not counted.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use shared_dsp::dynamics::{Compressor, Settings};
use shared_dsp::envelope::Detector;

mod support;
use support::{BLOCK, RATE, bench, noise};

/// This thread's CPU time in ns, where the OS tells it.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn report_cpu_realtime(name: &str, mut process: impl FnMut(&mut [f32], &mut [f32])) {
    let (l0, r0) = (noise(1), noise(2));
    let (mut l, mut r) = (l0.clone(), r0.clone());
    let blocks = 40_000;
    let Some(start) = cpu_ns() else { return };
    for _ in 0..blocks {
        l.copy_from_slice(&l0);
        r.copy_from_slice(&r0);
        process(black_box(&mut l), black_box(&mut r));
    }
    let Some(end) = cpu_ns() else { return };
    let audio_seconds = blocks as f64 * BLOCK as f64 / RATE as f64;
    let cpu_seconds = (end - start) as f64 * 1e-9;
    println!(
        "{name}: {:.0}x real time (thread CPU time)",
        audio_seconds / cpu_seconds
    );
}

fn issue_settings() -> Settings {
    Settings {
        // Low enough that the bench noise is compressed all the time.
        threshold_db: -30.0,
        ratio: 4.0,
        detector: Detector::Rms,
        rms_window_ms: 10.0,
        sc_hpf: true,
        sc_hpf_hz: 100.0,
        lookahead_ms: 5.0,
        ..Settings::default()
    }
}

fn compressor(c: &mut Criterion) {
    let mut comp = Compressor::new(RATE, BLOCK);
    comp.update_immediately(&issue_settings());
    bench(c, "compressor rms+hpf+5ms lookahead", |l, r| {
        comp.process(l, r)
    });
    report_cpu_realtime("compressor rms+hpf+5ms lookahead", |l, r| {
        comp.process(l, r)
    });

    let mut comp = Compressor::new(RATE, BLOCK);
    comp.update_immediately(&Settings {
        threshold_db: -30.0,
        ..Settings::default()
    });
    bench(c, "compressor peak", |l, r| comp.process(l, r));
    report_cpu_realtime("compressor peak", |l, r| comp.process(l, r));
}

criterion_group!(benches, compressor);
criterion_main!(benches);
