//! `cargo bench -p shared-dsp --bench eq`: the EQ with 8 active stereo bells (zero latency),
//! the target case, plus one band, and with automation: one of the 8 bands gliding,
//! and all 8 gliding all the time; and the same 8 bells in linear-phase mode (an 8193-tap
//! FIR per channel at 48 kHz); and the 8 bells all dynamic, every band's gain moving with
//! its detector (the dynamic-EQ issue's target: ≥ 1000× real time).

use criterion::{Criterion, criterion_group, criterion_main};
use shared_dsp::eq::{BandSettings, BandType, Dynamics, Eq, Kernel, Mode, Settings};

mod support;
use support::{RATE, bench};

fn bells(gain_db: f64) -> Settings {
    let mut s = Settings::default();
    for (i, b) in s.bands.iter_mut().enumerate() {
        *b = BandSettings {
            enabled: true,
            kind: BandType::Bell,
            freq: 60.0 * 2f64.powi(i as i32),
            gain_db: if i % 2 == 0 { gain_db } else { -gain_db },
            q: 1.2,
            ..BandSettings::default()
        };
    }
    s
}

fn eq(c: &mut Criterion) {
    let mut one = Eq::new(RATE, 512);
    let mut s = Settings::default();
    s.bands[0] = bells(4.0).bands[0];
    one.update_immediately(&s);
    bench(c, "eq 1 bell", |l, r| one.process(l, r));

    let mut eight = Eq::new(RATE, 512);
    eight.update_immediately(&bells(4.0));
    bench(c, "eq 8 bells zero-latency", |l, r| eight.process(l, r));

    // Every band dynamic, its threshold under the noise's level in the band, so that all
    // eight gains move all the time (new lane coefficients every 32-sample control tick).
    let mut dynamic = Eq::new(RATE, 512);
    let mut s = bells(4.0);
    for d in &mut s.dynamics {
        *d = Dynamics {
            enabled: true,
            threshold_db: -50.0,
            range_db: -12.0,
            attack_ms: 5.0,
            release_ms: 50.0,
            ..Dynamics::default()
        };
    }
    dynamic.update_immediately(&s);
    bench(c, "eq 8 bells all dynamic", |l, r| dynamic.process(l, r));
    let mut still = Eq::new(RATE, 512);
    for d in &mut s.dynamics {
        d.threshold_db = 0.0;
    }
    still.update_immediately(&s);
    bench(c, "eq 8 bells dynamic still", |l, r| still.process(l, r));

    let mut linear = Eq::new(RATE, 512);
    let mut s = bells(4.0);
    s.mode = Mode::LinearPhase;
    linear.update_immediately(&s);
    drop(linear.install_kernel(Box::new(Kernel::new(&s.bands, RATE as f64, 512))));
    bench(c, "eq 8 bells linear-phase (8193 taps)", |l, r| {
        linear.process(l, r)
    });

    // Designing a kernel (background thread, after every band change in linear phase): how
    // long a change takes to arrive, before the 8193-sample warm-up and the 40 ms crossfade.
    let mut group = c.benchmark_group("eq linear-phase design, 8 bells");
    group.sample_size(10);
    for fs in [48_000.0, 96_000.0] {
        group.bench_function(format!("{} kHz", fs / 1000.0), |b| {
            b.iter(|| Kernel::new(&s.bands, fs, 512))
        });
    }
    group.finish();

    // One band's gain automated all the time (glides, a redesign every 128 samples).
    let mut one_gliding = Eq::new(RATE, 512);
    one_gliding.update_immediately(&bells(4.0));
    let mut flip1 = false;
    bench(c, "eq 8 bells, 1 gliding", |l, r| {
        flip1 = !flip1;
        let mut s = bells(4.0);
        s.bands[3].gain_db = if flip1 { 6.0 } else { 2.0 };
        one_gliding.update(&s);
        one_gliding.process(l, r)
    });

    // Every band's gain automated all the time: all eight redesigned every 128 samples.
    let mut gliding = Eq::new(RATE, 512);
    gliding.update_immediately(&bells(4.0));
    let mut flip = false;
    bench(c, "eq 8 bells gliding", |l, r| {
        flip = !flip;
        gliding.update(&bells(if flip { 6.0 } else { 2.0 }));
        gliding.process(l, r)
    });
}

criterion_group!(benches, eq);
criterion_main!(benches);
