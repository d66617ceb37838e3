//! `cargo bench -p shared-dsp --bench limiter`: the limiter in the configuration issue 6 sets
//! its target for (stereo, 48 kHz, 512-sample blocks, true-peak detection, 1.5 ms lookahead),
//! driven hard enough that it limits all the time; sample-peak mode and the loudness meter for
//! comparison.
//!
//! Besides criterion's wall-clock figures this prints x real time from the thread's CPU time
//! (Linux `/proc/thread-self/schedstat`), which stays meaningful on a machine shared with
//! other builds: time spent descheduled is not counted.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use shared_dsp::dynamics::limiter::{Limiter, PeakMode, Settings};
use shared_dsp::dynamics::true_peak::TruePeakDetector;
use shared_dsp::meter::LoudnessMeter;

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
    // The bench noise peaks at −6 dBFS: +12 dB of drive into a −1 dB ceiling limits nearly
    // every peak.
    Settings {
        drive_db: 12.0,
        ceiling_db: -1.0,
        lookahead_ms: 1.5,
        peak_mode: PeakMode::TruePeak,
        ..Settings::default()
    }
}

fn limiter(c: &mut Criterion) {
    let mut lim = Limiter::new(RATE, BLOCK);
    lim.update_immediately(&issue_settings());
    bench(c, "limiter true peak 1.5 ms", |l, r| lim.process(l, r));
    report_cpu_realtime("limiter true peak 1.5 ms", |l, r| lim.process(l, r));

    let mut lim = Limiter::new(RATE, BLOCK);
    lim.update_immediately(&Settings {
        peak_mode: PeakMode::SamplePeak,
        ..issue_settings()
    });
    bench(c, "limiter sample peak 1.5 ms", |l, r| lim.process(l, r));
    report_cpu_realtime("limiter sample peak 1.5 ms", |l, r| lim.process(l, r));

    let mut detectors = [TruePeakDetector::new(), TruePeakDetector::new()];
    let mut peaks = vec![0.0f32; BLOCK];
    report_cpu_realtime("true-peak detector alone (both channels)", |l, r| {
        detectors[0].process_block(l, &mut peaks, true);
        detectors[1].process_block(r, &mut peaks, true);
        black_box(&peaks);
    });

    let mut meter = LoudnessMeter::new(RATE, 2);
    bench(c, "loudness meter (M, S, I, LRA, true peak)", |l, r| {
        meter.process(l, r)
    });
    report_cpu_realtime("loudness meter (M, S, I, LRA, true peak)", |l, r| {
        meter.process(l, r)
    });
}

criterion_group!(benches, limiter);
criterion_main!(benches);
