//! `cargo bench -p shared-dsp --bench limiter`: the limiter in the configuration issue 6 sets
//! its target for (stereo, 48 kHz, 512-sample blocks, true-peak detection, 1.5 ms lookahead),
//! driven hard enough that it limits all the time; sample-peak mode and the loudness meter (read, and
//! not read) for comparison.
//!
//! Besides criterion's wall-clock figures each prints x real time from the thread's CPU time
//! (`support::report_realtime`), which stays meaningful on a machine shared with other
//! builds: time spent descheduled is not counted.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use shared_dsp::dynamics::limiter::{Limiter, PeakMode, Settings};
use shared_dsp::dynamics::oversampled_limiter::{
    OversampledLimiter, Settings as OversampledSettings,
};
use shared_dsp::dynamics::oversampling::Oversampling;
use shared_dsp::dynamics::true_peak::TruePeakDetector;
use shared_dsp::meter::LoudnessMeter;

mod support;
use support::{BLOCK, RATE, bench};

fn issue_settings() -> Settings {
    // The bench noise peaks at −6 dBFS: +12 dB of drive into a −1 dB ceiling limits nearly
    // every peak.
    Settings {
        drive_db: 12.0,
        ceiling_db: -1.0,
        lookahead_ms: 1.5,
        peak_mode: PeakMode::TruePeak,
        ..Settings::default()
    }
}

fn limiter(c: &mut Criterion) {
    let mut lim = Limiter::new(RATE, BLOCK);
    lim.update_immediately(&issue_settings());
    bench(c, "limiter true peak 1.5 ms", |l, r| lim.process(l, r));

    let mut lim = Limiter::new(RATE, BLOCK);
    lim.update_immediately(&Settings {
        peak_mode: PeakMode::SamplePeak,
        ..issue_settings()
    });
    bench(c, "limiter sample peak 1.5 ms", |l, r| lim.process(l, r));

    // The oversampled limiter (issue 18): Off is the plain limiter through the wrapper, then
    // the gain stage at 2, 4 and 8 times the rate.
    for factor in Oversampling::ALL {
        let mut lim = OversampledLimiter::new(RATE, BLOCK);
        lim.update_immediately(&OversampledSettings {
            limiter: issue_settings(),
            oversampling: factor,
        });
        bench(
            c,
            &format!("limiter true peak 1.5 ms, oversampling {factor:?}"),
            |l, r| lim.process(l, r),
        );
    }

    let mut detectors = [TruePeakDetector::new(), TruePeakDetector::new()];
    let mut peaks = vec![0.0f32; BLOCK];
    support::report_realtime("true-peak detector alone (both channels)", |l, r| {
        detectors[0].process_block(l, &mut peaks, true);
        detectors[1].process_block(r, &mut peaks, true);
        black_box(&peaks);
    });

    let mut meter = LoudnessMeter::new(RATE, 2);
    bench(c, "loudness meter (M, S, I, LRA, true peak)", |l, r| {
        meter.process(l, r)
    });

    let mut unread = LoudnessMeter::new(RATE, 2);
    unread.set_observed(false);
    support::report_realtime("loudness meter while nobody reads it (I, LRA)", |l, r| {
        unread.process(l, r)
    });
}

criterion_group!(benches, limiter);
criterion_main!(benches);
