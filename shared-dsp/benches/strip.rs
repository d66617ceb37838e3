//! `cargo bench -p shared-dsp --bench strip`: the console in the configuration issue 9 sets its
//! target for: eight stereo channels, each with the gate, the four EQ bands, the compressor
//! and both sends on, and the full master chain (reverb and delay returns, glue compressor,
//! master fader, true-peak limiter, loudness meter), 48 kHz, 512-sample blocks. Target: at
//! least 100x real time.
//!
//! Besides criterion's wall-clock figure this prints x real time from the thread's CPU time
//! (Linux `/proc/thread-self/schedstat`), which stays meaningful on a machine shared with
//! other builds: time spent descheduled is not counted.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shared_dsp::strip::console::Input;
use shared_dsp::strip::{CHANNELS, Console, ConsoleSettings, Send};

#[allow(
    dead_code,
    reason = "this bench drives eight inputs itself and uses only the signal"
)]
mod support;
use support::{BLOCK, RATE, noise};

/// This thread's CPU time in ns, where the OS tells it.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Everything the issue lists, on, and working on the bench noise (which peaks at −6 dBFS).
fn full_settings() -> ConsoleSettings {
    let mut s = ConsoleSettings::default();
    for (k, c) in s.channels.iter_mut().enumerate() {
        c.gate.enabled = true;
        c.gate.threshold_db = -30.0;
        for (b, gain) in c.eq.iter_mut().zip([2.0, -3.0, 1.5, 2.0]) {
            b.enabled = true;
            b.gain_db = gain;
        }
        c.compressor_on = true;
        c.compressor.threshold_db = -24.0;
        c.pan = (k as f32 - 3.5) / 4.0;
        c.fader_db = -9.0;
        c.sends = [
            Send {
                level_db: -12.0,
                pre_fader: false,
            },
            Send {
                level_db: -18.0,
                pre_fader: true,
            },
        ];
    }
    s.master.glue_on = true;
    // The console's switch (the limiter's own `bypass` is not used by the console).
    s.master.limiter_on = true;
    s
}

fn strip(c: &mut Criterion) {
    let inputs: Vec<[Vec<f32>; 2]> = (0..CHANNELS as u32)
        .map(|k| [noise(2 * k + 1), noise(2 * k + 2)])
        .collect();
    let mut console = Console::new(RATE, BLOCK);
    console.update_immediately(&full_settings());
    let (mut l, mut r) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
    let ins: [Input<'_>; CHANNELS] =
        core::array::from_fn(|k| Some((&inputs[k][0][..], &inputs[k][1][..])));

    let mut group = c.benchmark_group("console 8 channels, everything on");
    group.throughput(Throughput::Elements(BLOCK as u64));
    group.bench_function("512 @ 48 kHz", |b| {
        b.iter(|| console.process(black_box(&ins), &mut l, &mut r))
    });
    group.finish();

    let blocks = 20_000;
    let Some(start) = cpu_ns() else { return };
    for _ in 0..blocks {
        console.process(black_box(&ins), &mut l, &mut r);
    }
    let Some(end) = cpu_ns() else { return };
    let audio_seconds = blocks as f64 * BLOCK as f64 / RATE as f64;
    println!(
        "console 8 channels, everything on: {:.0}x real time (thread CPU time)",
        audio_seconds / ((end - start) as f64 * 1e-9)
    );
}

criterion_group!(benches, strip);
criterion_main!(benches);
