//! `cargo bench -p shared-dsp --bench reverb`: the reverb in both modes, stereo 48 kHz in
//! 512-sample blocks. Targets (issue 7): algorithmic ≥ 300× real time, convolution with a
//! 3 s stereo impulse response ≥ 100× real time (`support::bench` prints x real time by
//! thread CPU time).

use criterion::{Criterion, criterion_group, criterion_main};
use shared_dsp::reverb::{ConvolutionEngine, Mode, Reverb, Settings};

mod support;
use support::{BLOCK, RATE, bench};

fn algorithmic(c: &mut Criterion) {
    let mut r = Reverb::new(RATE, BLOCK);
    r.update_immediately(&Settings::default());
    bench(c, "reverb algorithmic (defaults)", |l, rr| r.process(l, rr));
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
}

criterion_group!(benches, algorithmic, convolution);
criterion_main!(benches);
