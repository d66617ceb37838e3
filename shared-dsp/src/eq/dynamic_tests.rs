//! Dynamic bands, measured from the audio against closed forms and the static band.

use super::*;
use crate::test_support::{impulse_response, magnitude_spectrum_db};

const FS: f32 = 48_000.0;

fn bell(freq: f64, gain_db: f64, q: f64) -> BandSettings {
    BandSettings {
        enabled: true,
        kind: BandType::Bell,
        freq,
        gain_db,
        q,
        ..BandSettings::default()
    }
}

fn dynamic_eq(band: BandSettings, dynamics: Dynamics) -> Eq {
    let mut s = Settings::default();
    s.bands[0] = band;
    s.dynamics[0] = dynamics;
    let mut eq = Eq::new(FS, 512);
    eq.update_immediately(&s);
    eq
}

fn tone(freq: f64, peak_db: f64, start: usize, n: usize) -> Vec<f32> {
    let a = 10f64.powf(peak_db / 20.0);
    (start..start + n)
        .map(|i| (a * (core::f64::consts::TAU * freq * i as f64 / f64::from(FS)).sin()) as f32)
        .collect()
}

/// Amplitude of the `freq` component of `x` (a whole number of periods is not needed: the
/// window is long against the period and a least-squares fit of sine and cosine is used).
fn amplitude(x: &[f32], freq: f64) -> f64 {
    let w = core::f64::consts::TAU * freq / f64::from(FS);
    let (mut ss, mut cc, mut sc, mut xs, mut xc) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let (s, c) = (w * i as f64).sin_cos();
        ss += s * s;
        cc += c * c;
        sc += s * c;
        xs += f64::from(v) * s;
        xc += f64::from(v) * c;
    }
    let det = ss * cc - sc * sc;
    let a = (xs * cc - xc * sc) / det;
    let b = (xc * ss - xs * sc) / det;
    a.hypot(b)
}

/// Runs `eq` over `main` (both channels) with `key` in blocks of `block`.
fn run(eq: &mut Eq, main: &[f32], key: Option<&[f32]>, block: usize) -> Vec<f32> {
    let mut l = main.to_vec();
    let mut r = main.to_vec();
    let mut start = 0;
    while start < l.len() {
        let end = (start + block).min(l.len());
        match key {
            Some(k) => eq.process_keyed(
                &mut l[start..end],
                &mut r[start..end],
                Some([&k[start..end], &k[start..end]]),
            ),
            None => eq.process(&mut l[start..end], &mut r[start..end]),
        }
        start = end;
    }
    assert_eq!(l, r, "a stereo band treats both channels alike");
    l
}

/// Gain (dB) the EQ applies to a steady tone at `freq`, `peak_db`, once settled.
fn settled_gain_db(eq: &mut Eq, freq: f64, peak_db: f64) -> f64 {
    let n = (0.6 * f64::from(FS)) as usize;
    let x = tone(freq, peak_db, 0, n);
    let y = run(eq, &x, None, 256);
    let tail = n - (0.2 * f64::from(FS)) as usize;
    20.0 * (amplitude(&y[tail..], freq) / amplitude(&x[tail..], freq)).log10()
}

/// The static curve, written out independently of the code: the gain moves one dB per dB
/// past the threshold, towards the range, and stops there.
fn closed_form(level: f64, threshold: f64, range: f64, above: bool) -> f64 {
    let past = if above {
        level - threshold
    } else {
        threshold - level
    };
    if past <= 0.0 {
        0.0
    } else if range < 0.0 {
        -past.min(-range)
    } else {
        past.min(range)
    }
}

#[test]
fn static_curve_matches_the_closed_form() {
    // A cut above the threshold (de-esser), a boost below it, a boost above it, on a band
    // with its own static gain, measured on the audio at the band's centre.
    let cases = [
        (2_000.0, 0.0, -30.0, -12.0, Direction::Above),
        (300.0, 3.0, -24.0, 9.0, Direction::Below),
        (6_000.0, -2.0, -18.0, 6.0, Direction::Above),
    ];
    let mut worst: f64 = 0.0;
    for (freq, gain, threshold, range, direction) in cases {
        for level in (-48..=-3).step_by(3).map(f64::from) {
            let d = Dynamics {
                enabled: true,
                threshold_db: threshold,
                range_db: range,
                attack_ms: 5.0,
                release_ms: 50.0,
                direction,
                key: KeySource::Band,
                auto_threshold: false,
            };
            let mut eq = dynamic_eq(bell(freq, gain, 1.0), d);
            let measured = settled_gain_db(&mut eq, freq, level);
            let expected =
                gain + closed_form(level, threshold, range, direction == Direction::Above);
            let err = (measured - expected).abs();
            worst = worst.max(err);
            assert!(
                err <= 0.2,
                "{freq} Hz, level {level} dB: {measured:.3} dB, closed form {expected:.3} dB"
            );
            // The readout the editor draws is the gain that is applied.
            let readout = gain + eq.dynamic_gain_db()[0];
            assert!(
                (readout - measured).abs() <= 0.2,
                "readout {readout:.3} dB vs measured {measured:.3} dB"
            );
        }
    }
    println!("static curve: worst error {worst:.3} dB (bound 0.2 dB)");
}

/// Time (s) from `from` until the readout first crosses 63.2 % of the way to its final
/// value, the tone stepping from `before` to `after` dB at that moment.
fn time_constant(d: Dynamics, before: f64, after: f64) -> (f64, f64) {
    let freq = 1_000.0;
    let mut eq = dynamic_eq(bell(freq, 0.0, 1.0), d);
    let n = f64::from(FS) as usize;
    run(&mut eq, &tone(freq, before, 0, n), None, 32);
    let start = eq.dynamic_gain_db()[0];
    let x = tone(freq, after, n, 2 * n);
    let mut trace = Vec::new();
    for chunk in x.chunks(32) {
        run(&mut eq, chunk, None, 32);
        trace.push(eq.dynamic_gain_db()[0]);
    }
    let end = *trace.last().unwrap();
    let mark = start + 0.632 * (end - start);
    let i = trace
        .iter()
        .position(|&g| (g - mark) * (end - start).signum() >= 0.0)
        .unwrap();
    // Interpolate between the two readouts around the crossing (one every 32 samples).
    let (a, b) = (if i == 0 { start } else { trace[i - 1] }, trace[i]);
    let frac = if b == a { 1.0 } else { (mark - a) / (b - a) };
    let t = (i as f64 + frac) * 32.0 / f64::from(FS);
    (t, end - start)
}

#[test]
fn attack_and_release_time_constants() {
    for (attack, release) in [(20.0, 200.0), (80.0, 500.0)] {
        let d = Dynamics {
            enabled: true,
            threshold_db: -40.0,
            range_db: -20.0,
            attack_ms: attack,
            release_ms: release,
            ..Dynamics::default()
        };
        // 10 dB over the threshold: a 10 dB cut grows with the attack...
        let (t_attack, moved) = time_constant(d, -40.0, -30.0);
        assert!((moved + 10.0).abs() < 0.2, "moved {moved}");
        // ...and shrinks with the release when the tone falls back to the threshold.
        let (t_release, back) = time_constant(d, -30.0, -50.0);
        assert!((back - 10.0).abs() < 0.2, "moved back {back}");
        let (ea, er) = (
            t_attack * 1e3 / attack - 1.0,
            t_release * 1e3 / release - 1.0,
        );
        println!(
            "attack {attack} ms measured {:.1} ms ({:+.1} %), release {release} ms measured {:.1} ms ({:+.1} %)",
            t_attack * 1e3,
            ea * 100.0,
            t_release * 1e3,
            er * 100.0
        );
        assert!(ea.abs() <= 0.1 && er.abs() <= 0.1);
    }
}

#[test]
fn a_keyed_band_moves_only_with_the_key() {
    let freq = 3_000.0;
    let d = Dynamics {
        enabled: true,
        threshold_db: -30.0,
        range_db: -10.0,
        attack_ms: 2.0,
        release_ms: 30.0,
        key: KeySource::External,
        ..Dynamics::default()
    };
    let n = (0.5 * f64::from(FS)) as usize;
    let tail = n - (0.2 * f64::from(FS)) as usize;
    let gain = |main_db: f64, key: &[f32]| {
        let mut eq = dynamic_eq(bell(freq, 0.0, 1.0), d);
        let x = tone(freq, main_db, 0, n);
        let y = run(&mut eq, &x, Some(key), 100);
        20.0 * (amplitude(&y[tail..], freq) / amplitude(&x[tail..], freq)).log10()
    };
    let silent = vec![0.0; n];
    // A loud main signal with a silent key: the band stays put.
    let g = gain(-6.0, &silent);
    assert!(g.abs() < 0.01, "loud input, silent key: {g:.4} dB");
    // A key 10 dB over the threshold at the band: the full 10 dB cut, on a quiet main signal.
    let g = gain(-60.0, &tone(freq, -20.0, 0, n));
    assert!((g + 10.0).abs() <= 0.2, "keyed: {g:.3} dB");
    // 5 dB over: 5 dB.
    let g = gain(-60.0, &tone(freq, -25.0, 0, n));
    assert!((g + 5.0).abs() <= 0.2, "keyed 5 dB over: {g:.3} dB");
    // A loud key far outside the band (300 Hz: the Q 1 band pass reads it 20 dB down,
    // under the threshold): nothing.
    let g = gain(-60.0, &tone(300.0, -15.0, 0, n));
    assert!(g.abs() < 0.05, "key outside the band: {g:.4} dB");
    // A key of NaN and infinities is silence, and the band recovers at once.
    let mut bad = tone(freq, -20.0, 0, n);
    for (i, v) in bad.iter_mut().enumerate().take(n / 2) {
        *v = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e30][i % 4];
    }
    let g = gain(-60.0, &bad);
    assert!((g + 10.0).abs() <= 0.2, "after a bad key: {g:.3} dB");
}

/// Stereo impulse response of `eq` from now on (the key keeps playing `key_freq`).
fn ir_with_key(eq: &mut Eq, key: &[f32], n: usize) -> Vec<f32> {
    let x = impulse_response(n, |x| x);
    run(eq, &x, Some(&key[..n]), 64)
}

#[test]
fn response_at_a_held_gain_is_the_static_band_at_that_gain() {
    // The key holds the gain change still; the EQ's impulse response then is the static
    // band's at the static gain plus the change, at a table point (the range) and between
    // table points (a key part-way over the threshold).
    let n = 16_384;
    let settle = (0.4 * f64::from(FS)) as usize;
    let mut worst: f64 = 0.0;
    for (band, key_db) in [
        (bell(1_000.0, 2.0, 2.0), -6.0),
        (bell(1_000.0, 2.0, 2.0), -33.6),
        (
            BandSettings {
                kind: BandType::HighShelf,
                ..bell(5_000.0, -3.0, 0.7)
            },
            -35.3,
        ),
        (
            BandSettings {
                kind: BandType::LowShelf,
                slope: Slope::Db6,
                ..bell(200.0, 4.0, 0.7)
            },
            -28.2,
        ),
    ] {
        let d = Dynamics {
            enabled: true,
            threshold_db: -40.0,
            range_db: -12.0,
            attack_ms: 1.0,
            release_ms: 1_000.0,
            key: KeySource::External,
            ..Dynamics::default()
        };
        let key = tone(band.freq, key_db, 0, settle + n);
        let mut eq = dynamic_eq(band, d);
        run(&mut eq, &vec![0.0; settle], Some(&key[..settle]), 64);
        let held = eq.dynamic_gain_db()[0];
        let ir = ir_with_key(&mut eq, &key[settle..], n);
        assert!(
            (eq.dynamic_gain_db()[0] - held).abs() < 0.01,
            "the gain moved while measuring"
        );
        let mut reference = Eq::new(FS, 512);
        let mut s = Settings::default();
        s.bands[0] = BandSettings {
            gain_db: band.gain_db + held,
            ..band
        };
        reference.update_immediately(&s);
        let mut l = impulse_response(n, |x| x);
        let mut r = l.clone();
        reference.process(&mut l, &mut r);
        let (a, b) = (magnitude_spectrum_db(&ir), magnitude_spectrum_db(&l));
        let bin = |f: f64| (f * n as f64 / f64::from(FS)) as usize;
        let err = (bin(20.0)..bin(20_000.0))
            .map(|k| (a[k] - b[k]).abs())
            .fold(0.0, f64::max);
        worst = worst.max(err);
        println!(
            "{:?} {} Hz, held at {held:+.3} dB: largest difference {err:.4} dB",
            band.kind, band.freq
        );
        assert!(err <= 0.02, "{err} dB from the static band at its gain");
    }
    println!("worst difference from the static band: {worst:.4} dB (bound 0.02 dB)");
}

#[test]
fn gain_changes_are_free_of_clicks() {
    // A steady tone through a band the key switches between 0 and −12 dB with a 5 ms
    // attack: the output's second difference (what a click shows up in) stays within 10 %
    // of the tone's own (a smooth 5 ms gain change adds under 3 %; coefficients stepping
    // at each 32-sample control tick instead of ramping would add about 150 %).
    let freq = 2_000.0;
    let d = Dynamics {
        enabled: true,
        threshold_db: -30.0,
        range_db: -12.0,
        attack_ms: 5.0,
        release_ms: 20.0,
        key: KeySource::External,
        ..Dynamics::default()
    };
    let n = f64::from(FS) as usize;
    let x = tone(freq, -6.0, 0, n);
    let key: Vec<f32> = tone(freq, 0.0, 0, n)
        .iter()
        .enumerate()
        .map(|(i, v)| if (i / 4_800) % 2 == 1 { *v } else { 0.0 })
        .collect();
    let mut eq = dynamic_eq(bell(freq, 0.0, 1.0), d);
    let y = run(&mut eq, &x, Some(&key), 128);
    let second = |v: &[f32]| {
        v.windows(3)
            .map(|w| (w[2] - 2.0 * w[1] + w[0]).abs())
            .fold(0.0f32, f32::max)
    };
    let (sy, sx) = (second(&y), second(&x));
    println!("largest second difference: {sy:.5} (tone alone {sx:.5})");
    assert!(sy <= 1.1 * sx, "{sy} vs {sx}");
}

#[test]
fn linear_phase_keeps_dynamic_bands_static() {
    let band = bell(2_000.0, -4.0, 1.0);
    let dynamic = Dynamics {
        enabled: true,
        threshold_db: -40.0,
        range_db: -12.0,
        ..Dynamics::default()
    };
    let outputs: Vec<Vec<f32>> = [dynamic, Dynamics::default()]
        .into_iter()
        .map(|d| {
            let mut s = Settings::default();
            s.bands[0] = band;
            s.dynamics[0] = d;
            s.mode = Mode::LinearPhase;
            let mut eq = Eq::new(FS, 512);
            eq.update_immediately(&s);
            let kernel = eq.take_design_request().expect("a design").design();
            drop(eq.install_kernel(Box::new(kernel)));
            let x = tone(2_000.0, -6.0, 0, 24_000);
            let y = run(&mut eq, &x, None, 512);
            assert_eq!(eq.dynamic_gain_db(), [0.0; BANDS]);
            y
        })
        .collect();
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn table_interpolation_stays_on_the_fitted_designs() {
    // Between two table points the band is the two designs interpolated; against a full
    // design at that gain, over the audio band, at three rates.
    use super::dynamic::GainTable;
    use super::matched::{Effort, Section, design_band};
    use super::prototype::{MAX_SECTIONS, cascade};
    let mut worst: f64 = 0.0;
    for fs in [44_100.0, 96_000.0, 192_000.0] {
        for band in [
            bell(80.0, -6.0, 0.5),
            bell(1_000.0, 2.3, 2.0),
            bell(2_500.0, 6.0, 4.0),
            bell(15_000.0, 0.0, 1.0),
            BandSettings {
                kind: BandType::HighShelf,
                ..bell(8_000.0, 0.0, 0.7)
            },
            BandSettings {
                kind: BandType::LowShelf,
                slope: Slope::Db6,
                ..bell(120.0, 6.0, 0.7)
            },
        ] {
            let mut table = GainTable::default();
            table.prepare(&band, fs);
            let mut case: f64 = 0.0;
            for step in 0..48 {
                let gain = band.gain_db - 0.25 - 0.5 * f64::from(step);
                let got = table.at(gain);
                let mut want = [Section::IDENTITY; MAX_SECTIONS];
                let b = BandSettings {
                    gain_db: gain,
                    ..band
                };
                let w0 = core::f64::consts::TAU * band.freq / fs;
                design_band(&cascade(&b), w0, Effort::FULL, &mut want);
                for k in 1..400 {
                    let f = 20.0 * 1000f64.powf(f64::from(k) / 400.0);
                    if f > 0.45 * fs {
                        break;
                    }
                    let w = core::f64::consts::TAU * f / fs;
                    let e = 10.0 * (got.mag2(w) / want[0].mag2(w)).log10();
                    case = case.max(e.abs());
                }
            }
            println!(
                "{fs} Hz: {:?} {} Hz from {} dB: {case:.4} dB",
                band.kind, band.freq, band.gain_db
            );
            worst = worst.max(case);
        }
    }
    println!("interpolated table vs full designs: worst {worst:.4} dB");
    assert!(worst <= 0.05, "{worst} dB");
}

#[test]
fn detector_reads_a_sine_at_its_peak_level_across_the_range() {
    // The level of a steady sine at the band frequency is its peak level in dBFS, at the
    // ends of the frequency range and of the rates (where f32 state-space coefficients are
    // least precise), for a bell's band pass and a shelf's low/high pass at their corners
    // (−3.01 dB: a Butterworth corner).
    use super::dynamic::DetectorBank;
    let mut worst: f64 = 0.0;
    for fs in [44_100.0, 192_000.0] {
        for (kind, freq, expected) in [
            (BandType::Bell, 20.0, -12.0),
            (BandType::Bell, 1_000.0, -12.0),
            (BandType::Bell, 0.44 * fs, -12.0),
            (BandType::LowShelf, 25.0, -15.01),
            (BandType::HighShelf, 0.4 * fs, -15.01),
        ] {
            let band = BandSettings {
                kind,
                ..bell(freq, 0.0, 1.0)
            };
            let a = 10f64.powf(-12.0 / 20.0);
            let w = core::f64::consts::TAU * freq / fs;
            let n = (fs * 1.0) as usize;
            let x: Vec<f32> = (0..n).map(|i| (a * (w * i as f64).sin()) as f32).collect();
            // The AVX2 build and the baseline build (the same on a CPU without AVX2) read
            // the same, bit for bit.
            let readings =
                [DetectorBank::new(), DetectorBank::new().without_avx2()].map(|mut bank| {
                    bank.set(0, &band, KeySource::Band, fs);
                    bank.run(&x, &x, None);
                    // The readings over the last period's worth of samples.
                    let tail = (fs / freq).ceil() as usize + 1;
                    (0..tail)
                        .map(|k| {
                            bank.run(&x[k..k + 1], &x[k..k + 1], None);
                            bank.level_db(0)
                        })
                        .collect::<Vec<f64>>()
                });
            assert!(
                readings[0]
                    .iter()
                    .map(|v| v.to_bits())
                    .eq(readings[1].iter().map(|v| v.to_bits())),
                "AVX2 and baseline builds differ"
            );
            let err = readings[0]
                .iter()
                .map(|level| (level - expected).abs())
                .fold(0.0, f64::max);
            println!("{fs} Hz: {kind:?} at {freq:.0} Hz reads within {err:.3} dB");
            worst = worst.max(err);
        }
    }
    assert!(worst <= 0.15, "{worst} dB");
}

#[test]
fn auto_threshold_follows_the_bands_own_average() {
    // A steady tone settles to no gain change; a step 10 dB up is cut by what stands out of
    // the band's running average plus the 3 dB margin, which the average then absorbs:
    // closed form Δ(t) = −min(range, max(0, 10 − A(t) − 3)), A(t) = 10·log10(1 + 9·(1 − e^(−t/3 s))).
    use super::dynamic::{AUTO_MARGIN_DB, AUTO_SECONDS};
    let freq = 1_000.0;
    let d = Dynamics {
        enabled: true,
        auto_threshold: true,
        range_db: -12.0,
        attack_ms: 5.0,
        release_ms: 5.0,
        ..Dynamics::default()
    };
    let mut eq = dynamic_eq(bell(freq, 0.0, 1.0), d);
    let fs = f64::from(FS);
    let settle = (8.0 * fs) as usize;
    run(&mut eq, &tone(freq, -30.0, 0, settle), None, 256);
    let steady = eq.dynamic_gain_db()[0];
    assert!(steady.abs() < 0.05, "steady tone: {steady:.3} dB");
    let mut t = 0.0;
    let block = 480;
    let mut start = settle;
    let mut worst: f64 = 0.0;
    for check in [0.25, 0.5, 1.0, 2.0, 4.0] {
        while t < check - 1e-9 {
            run(&mut eq, &tone(freq, -20.0, start, block), None, block);
            start += block;
            t += block as f64 / fs;
        }
        let average = 10.0 * (1.0 + 9.0 * (1.0 - (-t / AUTO_SECONDS).exp())).log10();
        let expected = -(10.0 - average - AUTO_MARGIN_DB).clamp(0.0, 12.0);
        let got = eq.dynamic_gain_db()[0];
        println!("t = {t:.2} s: {got:+.3} dB, closed form {expected:+.3} dB");
        worst = worst.max((got - expected).abs());
    }
    assert!(worst <= 0.3, "{worst} dB from the closed form");
}
