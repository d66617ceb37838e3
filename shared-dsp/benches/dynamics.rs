//! `cargo bench -p shared-dsp --bench dynamics`: the compressor in the configuration issue 5
//! sets its target for (stereo, 48 kHz, 512-sample blocks, RMS detection, sidechain high pass
//! on, 5 ms lookahead), plus the cheapest (peak, no filter, no lookahead) for comparison.
//!
//! Besides criterion's wall-clock figures each prints x real time from the thread's CPU time
//! (`support::report_realtime`), which stays meaningful on a machine shared with other
//! builds: time spent descheduled is not counted.

use criterion::{Criterion, criterion_group, criterion_main};
use shared_dsp::dynamics::{Compressor, Settings};
use shared_dsp::envelope::Detector;

mod support;
use support::{BLOCK, RATE, bench};

fn issue_settings() -> Settings {
    Settings {
        // Low enough that the bench noise is compressed all the time.
        threshold_db: -30.0,
        ratio: 4.0,
        detector: Detector::Rms,
        rms_window_ms: 10.0,
        sc_hpf: true,
        sc_hpf_hz: 100.0,
        lookahead_ms: 5.0,
        ..Settings::default()
    }
}

fn compressor(c: &mut Criterion) {
    let mut comp = Compressor::new(RATE, BLOCK);
    comp.update_immediately(&issue_settings());
    bench(c, "compressor rms+hpf+5ms lookahead", |l, r| {
        comp.process(l, r)
    });

    let mut comp = Compressor::new(RATE, BLOCK);
    comp.update_immediately(&Settings {
        threshold_db: -30.0,
        ..Settings::default()
    });
    bench(c, "compressor peak", |l, r| comp.process(l, r));
}

criterion_group!(benches, compressor);
criterion_main!(benches);
