//! `cargo bench -p shared-dsp --bench processors`: the foundation processors. (The
//! standalone biquad's row went with the biquad: no plugin ran it; the EQ bench measures
//! the EQ's own cascades.)

use criterion::{Criterion, criterion_group, criterion_main};
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

criterion_group!(benches, panner);
criterion_main!(benches);
