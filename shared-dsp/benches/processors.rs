//! `cargo bench -p shared-dsp --bench processors`: the foundation processors.

use criterion::{Criterion, criterion_group, criterion_main};
use shared_dsp::biquad::Biquad;
use shared_dsp::filter_shape::FilterShape;
use shared_dsp::lane::Stereo;
use shared_dsp::pan::{Input, Panner, Settings};

mod support;
use support::{RATE, bench};

fn panner(c: &mut Criterion) {
    let mut p = Panner::new(RATE, Input::Stereo);
    p.update_immediately(&Settings {
        pan: 0.3,
        width: 1.4,
        ..Settings::default()
    });
    bench(c, "panner", |l, r| p.process(l, r));
}

fn biquad(c: &mut Criterion) {
    let mut f = Biquad::<Stereo>::new(RATE as f64);
    f.set(FilterShape::Bell, 1000.0, 1.0, 6.0);
    bench(c, "biquad bell", |l, r| f.process_stereo(l, r));
}

criterion_group!(benches, panner, biquad);
criterion_main!(benches);
