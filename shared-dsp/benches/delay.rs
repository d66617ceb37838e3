//! `cargo bench -p shared-dsp --bench delay`: the stereo delay as issue 8 measures it —
//! 48 kHz, 512-sample blocks, modulation and both loop filters on (plus cross-feedback and
//! ducking, so every per-sample path runs) — and the same while a clean-mode time change
//! crossfades all the time (four reads per sample instead of two), the worst case.
//!
//! Besides criterion's wall-clock figures it prints x real time in thread CPU time: on a
//! machine shared with other builds, wall time measures the neighbours as much as the delay.

use criterion::{Criterion, criterion_group, criterion_main};
use shared_dsp::delay::{Delay, DelayTime, Settings, TimeChange};

mod support;
use support::{BLOCK, RATE, bench, cpu_seconds, noise};

fn busy() -> Settings {
    Settings {
        time_left: DelayTime::Ms(375.0),
        offset_ms: 12.0,
        feedback: 0.6,
        cross_feedback: 0.3,
        low_cut_hz: Some(200.0),
        high_cut_hz: Some(5_000.0),
        mod_rate_hz: 0.8,
        mod_depth_ms: 2.0,
        duck_db: 6.0,
        ..Settings::default()
    }
}

/// x real time in CPU time over 20 000 blocks (the same signal as `support`).
fn report_cpu(name: &str, mut process: impl FnMut(&mut [f32], &mut [f32])) {
    let (l0, r0) = (noise(1), noise(2));
    let (mut l, mut r) = (l0.clone(), r0.clone());
    let blocks = 20_000;
    let Some(start) = cpu_seconds() else { return };
    for _ in 0..blocks {
        l.copy_from_slice(&l0);
        r.copy_from_slice(&r0);
        process(std::hint::black_box(&mut l), std::hint::black_box(&mut r));
    }
    let Some(end) = cpu_seconds() else { return };
    let audio = blocks as f64 * BLOCK as f64 / RATE as f64;
    let ns = (end - start) * 1e9 / (blocks * BLOCK) as f64;
    println!(
        "{name}: {:.0}x real time in CPU time ({ns:.1} ns per stereo sample)",
        audio / (end - start)
    );
}

fn delay(c: &mut Criterion) {
    let name = "delay (modulation, loop filters)";
    let mut d = Delay::new(RATE, BLOCK);
    d.update_immediately(&busy());
    bench(c, name, |l, r| d.process(l, r));
    report_cpu(name, |l, r| d.process(l, r));
}

fn delay_crossfading(c: &mut Criterion) {
    let name = "delay (clean time change, always fading)";
    let mut d = Delay::new(RATE, BLOCK);
    let s = Settings {
        time_change: TimeChange::Clean,
        ..busy()
    };
    d.update_immediately(&s);
    // A new time every block keeps a crossfade running all the time.
    let mut k = 0u32;
    let mut process = move |l: &mut [f32], r: &mut [f32]| {
        k = k.wrapping_add(1);
        d.update(&Settings {
            time_left: DelayTime::Ms(300.0 + (k % 2) as f32 * 50.0),
            ..s
        });
        d.process(l, r)
    };
    bench(c, name, &mut process);
    report_cpu(name, &mut process);
}

criterion_group!(benches, delay, delay_crossfading);
criterion_main!(benches);
