//! Shared by every bench in `shared-dsp/benches/`: stereo noise at 48 kHz in 512-sample
//! blocks, timed by criterion, plus the "x real time" figure the issues set targets for
//! (512 samples at 48 kHz = 10.667 ms of audio per block).

use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::time::Instant;

pub const RATE: f32 = 48_000.0;
pub const BLOCK: usize = 512;

pub fn noise(seed: u32) -> Vec<f32> {
    let mut s = seed;
    (0..BLOCK)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s as f32 / u32::MAX as f32 - 0.5
        })
        .collect()
}

/// This thread's CPU time in seconds, where the platform has it: on a shared machine wall
/// time mostly measures the other processes.
#[cfg(unix)]
pub fn cpu_seconds() -> Option<f64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
    ok.then_some(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
}

#[cfg(not(unix))]
pub fn cpu_seconds() -> Option<f64> {
    None
}

/// Runs `process` on 20 000 blocks and prints how many times faster than real time it is,
/// by thread CPU time (wall time where there is none, and said so).
pub fn report_realtime(name: &str, mut process: impl FnMut(&mut [f32], &mut [f32])) {
    let (l0, r0) = (noise(1), noise(2));
    let (mut l, mut r) = (l0.clone(), r0.clone());
    let blocks = 20_000;
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    for _ in 0..blocks {
        l.copy_from_slice(&l0);
        r.copy_from_slice(&r0);
        process(black_box(&mut l), black_box(&mut r));
    }
    let audio_seconds = blocks as f64 * BLOCK as f64 / RATE as f64;
    let (seconds, clock) = match (cpu, cpu_seconds()) {
        (Some(start), Some(end)) => (end - start, "thread CPU time"),
        _ => (wall.elapsed().as_secs_f64(), "wall time"),
    };
    println!(
        "{name}: {:.0}x real time ({clock})",
        audio_seconds / seconds
    );
}

/// A criterion benchmark of one stereo block, then the x-real-time line.
pub fn bench(c: &mut Criterion, name: &str, mut process: impl FnMut(&mut [f32], &mut [f32])) {
    let (l0, r0) = (noise(1), noise(2));
    let (mut l, mut r) = (l0.clone(), r0.clone());
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(BLOCK as u64));
    group.bench_function("stereo 512 @ 48 kHz", |b| {
        b.iter(|| {
            l.copy_from_slice(&l0);
            r.copy_from_slice(&r0);
            process(black_box(&mut l), black_box(&mut r));
        })
    });
    group.finish();
    report_realtime(name, process);
}
