//! `cargo bench -p shared-dsp --bench chorus`: the chorus as issue 19 measures it — 48 kHz
//! stereo, 512-sample blocks — in each mode: Chorus with 4 voices (mix 50 %, width 1, filters
//! off; target 730× real time, twice Calf MultiChorus), the same with both wet filters and
//! analog on, Ensemble, Flanger with feedback 0.7 (target 1130×, Calf Flanger), Vibrato.
//!
//! Besides criterion's wall-clock figures it prints x real time in thread CPU time (see
//! `support`): on a machine shared with other builds, wall time measures the neighbours too.

use criterion::{Criterion, criterion_group, criterion_main};
use shared_dsp::chorus::{Chorus, Mode, Settings};

mod support;
use support::{BLOCK, RATE, bench};

fn run(c: &mut Criterion, name: &str, s: Settings) {
    let mut ch = Chorus::new(RATE, BLOCK);
    ch.update_immediately(&s);
    bench(c, name, |l, r| ch.process(l, r));
}

fn chorus(c: &mut Criterion) {
    let four = Settings {
        voices: 4,
        mix: 0.5,
        width: 1.0,
        ..Settings::default()
    };
    run(c, "chorus (4 voices)", four);
    run(
        c,
        "chorus (4 voices, filters, analog)",
        Settings {
            low_cut_hz: 150.0,
            high_cut_hz: 8_000.0,
            analog: true,
            ..four
        },
    );
    run(
        c,
        "ensemble",
        Settings {
            mode: Mode::Ensemble,
            ..Settings::default()
        },
    );
    run(
        c,
        "flanger (feedback 0.7)",
        Settings {
            mode: Mode::Flanger,
            delay_ms: 2.0,
            depth_ms: 1.5,
            feedback: 0.7,
            ..Settings::default()
        },
    );
    run(
        c,
        "vibrato",
        Settings {
            mode: Mode::Vibrato,
            delay_ms: 1.0,
            depth_ms: 1.0,
            rate: shared_dsp::chorus::Rate::Hz(5.0),
            mix: 1.0,
            ..Settings::default()
        },
    );
}

criterion_group!(benches, chorus);
criterion_main!(benches);
