//! `cargo bench -p shared-dsp --bench reverb`: the reverb in both modes, stereo 48 kHz in
//! 512-sample blocks. Targets (issue 7): algorithmic ≥ 300× real time, convolution with a
//! 3 s stereo impulse response ≥ 100× real time.

use criterion::{Criterion, criterion_group, criterion_main};
use shared_dsp::reverb::{ConvolutionEngine, Mode, Reverb, Settings};

mod support;
use support::{BLOCK, RATE, bench, noise};

/// This thread's CPU time in seconds: on a shared machine wall time mostly measures the other
/// processes, so the x-real-time figure is taken from CPU time, like `cargo xtask bench`.
fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// 20 s of stereo noise in 512-sample blocks; prints x real time by thread CPU time.
fn report_cpu(name: &str, mut process: impl FnMut(&mut [f32], &mut [f32])) {
    let (l0, r0) = (noise(1), noise(2));
    let (mut l, mut r) = (l0.clone(), r0.clone());
    let blocks = (20.0 * RATE as f64 / BLOCK as f64) as usize;
    let start = cpu_seconds();
    for _ in 0..blocks {
        l.copy_from_slice(&l0);
        r.copy_from_slice(&r0);
        process(std::hint::black_box(&mut l), std::hint::black_box(&mut r));
    }
    let audio = blocks as f64 * BLOCK as f64 / RATE as f64;
    println!(
        "{name}: {:.0}x real time (thread CPU time)",
        audio / (cpu_seconds() - start)
    );
}

fn algorithmic(c: &mut Criterion) {
    let mut r = Reverb::new(RATE, BLOCK);
    r.update_immediately(&Settings::default());
    bench(c, "reverb algorithmic (defaults)", |l, rr| r.process(l, rr));
    report_cpu("reverb algorithmic (defaults)", |l, rr| r.process(l, rr));
}

fn convolution(c: &mut Criterion) {
    // A 3 s stereo IR: decaying noise, like a real hall.
    let len = (3.0 * RATE) as usize;
    let mut s = 12345u32;
    let ir: Vec<Vec<f32>> = (0..2)
        .map(|_| {
            (0..len)
                .map(|n| {
                    s ^= s << 13;
                    s ^= s >> 17;
                    s ^= s << 5;
                    (s as f32 / u32::MAX as f32 - 0.5) * (-(n as f32) / (0.4 * RATE)).exp()
                })
                .collect()
        })
        .collect();
    let mut r = Reverb::new(RATE, BLOCK);
    r.update_immediately(&Settings {
        mode: Mode::Convolution,
        ..Settings::default()
    });
    r.install_ir(Box::new(ConvolutionEngine::new(&ir, RATE)));
    bench(c, "reverb convolution (3 s stereo IR)", |l, rr| {
        r.process(l, rr)
    });
    report_cpu("reverb convolution (3 s stereo IR)", |l, rr| {
        r.process(l, rr)
    });
}

criterion_group!(benches, algorithmic, convolution);
criterion_main!(benches);
