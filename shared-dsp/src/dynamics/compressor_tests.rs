//! Measured behaviour of the whole compressor against references written here from their
//! definitions: the paper's closed-form static curve, exponential time constants, the
//! analog high-pass prototype, and plain delayed copies of the input.

use super::compressor::{ChannelMode, Compressor, Settings, SidechainSource};
use crate::bypass::Bypass;
use crate::envelope::Detector;
use crate::filter_shape::FilterShape;
use crate::test_support::{AnalogPrototype, XorShift, closed_form_curve, largest_step};

const FS: f32 = 48_000.0;
const E: f64 = core::f64::consts::E;
/// 20·log10(√2): a sine's peak over its RMS, in dB.
const CREST_DB: f64 = 3.010_299_956_639_812;

fn sine(amp: f64, freq: f64, fs: f32, n: usize) -> Vec<f32> {
    let w = core::f64::consts::TAU * freq / fs as f64;
    (0..n)
        .map(|i| (amp * (w * i as f64).sin()) as f32)
        .collect()
}

fn rms_db(x: &[f32]) -> f64 {
    let ms = x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64;
    10.0 * ms.log10()
}

fn db(amp: f64) -> f64 {
    20.0 * amp.log10()
}

fn amp(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// Runs `left`/`right` through `c` in blocks of `block`, returning the outputs.
fn run(c: &mut Compressor, left: &[f32], right: &[f32], block: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (left.to_vec(), right.to_vec());
    for (lc, rc) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        c.process(lc, rc);
    }
    (l, r)
}

fn run_keyed(c: &mut Compressor, main: [&[f32]; 2], key: [&[f32]; 2]) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (main[0].to_vec(), main[1].to_vec());
    let n = l.len();
    let mut i = 0;
    while i < n {
        let end = (i + 512).min(n);
        c.process_with_sidechain(
            &mut l[i..end],
            &mut r[i..end],
            &key[0][i..end],
            &key[1][i..end],
        );
        i = end;
    }
    (l, r)
}

fn compressor(s: Settings) -> Compressor {
    let mut c = Compressor::new(FS, 512);
    c.update_immediately(&s);
    c
}

/// Settings whose ballistics hold a steady sine's gain reduction at its static value.
fn steady(detector: Detector, threshold_db: f32, ratio: f32, knee_db: f32) -> Settings {
    Settings {
        threshold_db,
        ratio,
        knee_db,
        detector,
        // Peak: the gain catches each crest at once and barely releases between them (a
        // 2.5 s release over a 1 ms period). RMS: the 20 ms window does the averaging.
        attack_ms: if detector == Detector::Peak {
            0.05
        } else {
            1.0
        },
        release_ms: 2_500.0,
        rms_window_ms: 20.0,
        link: 0.0,
        ..Settings::default()
    }
}

#[test]
fn static_curve_matches_the_closed_form() {
    // Steady 1 kHz sines at −60…0 dBFS (peak; a full-scale sine is 0 dBFS) in 1 dB steps.
    // The peak detector sees the crest (1 kHz at 48 kHz hits it exactly); the RMS detector
    // sees 3.01 dB less. Output level is measured as RMS over 100 periods after settling.
    let threshold = -30.0f32;
    let settle = (0.25 * FS) as usize;
    let measure = 4_800; // 100 periods
    let mut worst_overall = 0.0f64;
    for detector in [Detector::Peak, Detector::Rms] {
        for ratio in [2.0f32, 4.0, 10.0, f32::INFINITY] {
            for knee in [0.0f32, 6.0, 12.0] {
                let mut worst = (0.0f64, 0);
                let mut worst_in_knee = 0.0f64;
                for level in -60..=0 {
                    let mut c = compressor(steady(detector, threshold, ratio, knee));
                    let x = sine(amp(level as f64), 1_000.0, FS, settle + measure);
                    let (out, _) = run(&mut c, &x, &x, 512);
                    let measured = rms_db(&out[settle..]) + CREST_DB;
                    let detected = match detector {
                        Detector::Peak => level as f64,
                        Detector::Rms => level as f64 - CREST_DB,
                    };
                    let expected =
                        closed_form_curve(detected, threshold as f64, ratio as f64, knee as f64)
                            + (level as f64 - detected);
                    let err = (measured - expected).abs();
                    if err > worst.0 {
                        worst = (err, level);
                    }
                    if 2.0 * (detected - threshold as f64).abs() <= knee as f64 {
                        worst_in_knee = worst_in_knee.max(err);
                    }
                }
                println!(
                    "static curve {detector:?} ratio {ratio}:1 knee {knee} dB: worst error {:.4} dB (at {} dBFS), {:.4} dB inside the knee",
                    worst.0, worst.1, worst_in_knee
                );
                // The README's promise: within 0.02 dB of the paper's formula.
                assert!(
                    worst.0 < 0.02,
                    "{detector:?} {ratio}:1 knee {knee}: {:.4} dB at {} dBFS",
                    worst.0,
                    worst.1
                );
                worst_overall = worst_overall.max(worst.0);
            }
        }
    }
    println!("static curve: worst error overall {worst_overall:.4} dB");
}

/// Gain reduction (dB) per sample of a DC input at `level_db`, from output over input.
fn gr_trace(c: &mut Compressor, level_db: f64, n: usize) -> Vec<f64> {
    let x = amp(level_db) as f32;
    let mut l = vec![x; n];
    let mut r = l.clone();
    for (lc, rc) in l.chunks_mut(4096).zip(r.chunks_mut(4096)) {
        c.process(lc, rc);
    }
    l.iter().map(|&y| -db(y as f64 / x as f64)).collect()
}

/// Samples processed until `trace` covers `fraction` of the way from `from` to `to` (linear
/// interpolation between samples; trace[n] is the value after n + 1 samples).
fn time_to(trace: &[f64], from: f64, to: f64, fraction: f64) -> f64 {
    let mut prev = 0.0;
    for (n, &v) in trace.iter().enumerate() {
        let p = (v - from) / (to - from);
        if p >= fraction {
            return n as f64 + (fraction - prev) / (p - prev);
        }
        prev = p;
    }
    panic!("never reached {fraction} of {from} → {to}");
}

#[test]
fn time_constants_of_20_db_steps() {
    // DC steps −30 → −10 → −30 dBFS (peak detector, no sidechain filter): the detector level
    // is exact at every sample, so the trace is the ballistics alone. Threshold −40 dB, 4:1,
    // hard knee: the gain reduction moves between 7.5 and 22.5 dB (closed form). The
    // documented time is when 1 − 1/e ≈ 63.2 % of that move is done.
    let (lo, hi) = (-30.0, -10.0);
    let curve = |x: f64| x - closed_form_curve(x, -40.0, 4.0, 0.0);
    let (gr_lo, gr_hi) = (curve(lo), curve(hi));
    let fraction = 1.0 - 1.0 / E;
    let mut cases: Vec<(f32, f32, f32)> = [
        (0.5, 5.0),
        (1.0, 10.0),
        (10.0, 100.0),
        (100.0, 1_000.0),
        (250.0, 2_500.0),
    ]
    .iter()
    .map(|&(a, r)| (FS, a, r))
    .collect();
    cases.extend([
        (44_100.0, 1.0, 50.0),
        (96_000.0, 5.0, 200.0),
        (192_000.0, 20.0, 300.0),
    ]);
    let mut worst = 0.0f64;
    for (fs, attack, release) in cases {
        let s = Settings {
            threshold_db: -40.0,
            ratio: 4.0,
            knee_db: 0.0,
            attack_ms: attack,
            release_ms: release,
            detector: Detector::Peak,
            link: 0.0,
            ..Settings::default()
        };
        let mut c = Compressor::new(fs, 4096);
        c.update_immediately(&s);
        let samples = |ms: f32| (ms as f64 * 1e-3 * fs as f64) as usize;
        gr_trace(&mut c, lo, samples(12.0 * attack.max(release)));
        let up = gr_trace(&mut c, hi, samples(12.0 * attack));
        let down = gr_trace(&mut c, lo, samples(12.0 * release));
        for (what, trace, from, to, ms) in [
            ("attack", &up, gr_lo, gr_hi, attack),
            ("release", &down, gr_hi, gr_lo, release),
        ] {
            let set = ms as f64 * 1e-3 * fs as f64;
            let t = time_to(trace, from, to, fraction);
            let err = (t - set).abs() / set;
            println!(
                "{fs} Hz {what} {ms} ms: 63.2 % after {:.3} ms, error {:.2} %",
                t / fs as f64 * 1e3,
                err * 100.0
            );
            assert!(err < 0.1, "{what} {ms} ms at {fs} Hz: {t} samples vs {set}");
            worst = worst.max(err);
        }
    }
    println!("time constants: worst error {:.2} %", worst * 100.0);

    // Auto release: the release after a short burst is the fast stage's (release / 8), after
    // sustained compression the set release.
    let release = 400.0f32;
    let s = Settings {
        threshold_db: -40.0,
        ratio: 4.0,
        knee_db: 0.0,
        attack_ms: 0.5,
        release_ms: release,
        auto_release: true,
        detector: Detector::Peak,
        ..Settings::default()
    };
    for (hold_ms, expected_ms) in [
        (
            5.0f64,
            release as f64 / super::ballistics::AUTO_FAST_DIVISOR as f64,
        ),
        (4_000.0, release as f64),
    ] {
        let mut c = compressor(s);
        gr_trace(&mut c, lo, (FS * 6.0) as usize);
        gr_trace(&mut c, hi, (hold_ms * 1e-3 * FS as f64) as usize);
        let down = gr_trace(&mut c, lo, (FS * 6.0) as usize);
        let t = time_to(&down, gr_hi, gr_lo, fraction) / FS as f64 * 1e3;
        let err = (t - expected_ms).abs() / expected_ms;
        println!(
            "auto release {release} ms after {hold_ms} ms of compression: {t:.1} ms (expected {expected_ms} ms), error {:.2} %",
            err * 100.0
        );
        assert!(err < 0.1, "after {hold_ms} ms: {t} ms vs {expected_ms}");
    }
}

/// Gain in dB of `out` relative to `input` over the last `n` samples (RMS ratio).
fn gain_db(input: &[f32], out: &[f32], n: usize) -> f64 {
    rms_db(&out[out.len() - n..]) - rms_db(&input[input.len() - n..])
}

#[test]
fn stereo_link() {
    // Left a loud 1 kHz sine (−10 dBFS: 20 dB over a −30 dB, 4:1 hard-knee curve, so 15 dB of
    // reduction), right a quiet 1.5 kHz sine far below the threshold.
    let n = (FS * 0.5) as usize;
    let left = sine(amp(-10.0), 1_000.0, FS, n);
    let right = sine(amp(-50.0), 1_500.0, FS, n);
    let expected_gr = -10.0 - closed_form_curve(-10.0, -30.0, 4.0, 0.0);
    let base = Settings {
        link: 1.0,
        ..steady(Detector::Peak, -30.0, 4.0, 0.0)
    };

    let mut c = compressor(base);
    let (ol, or) = run(&mut c, &left, &right, 512);
    let (gl, gr) = (gain_db(&left, &ol, 4_800), gain_db(&right, &or, 4_800));
    println!(
        "link 100 %: left {gl:.3} dB, right {gr:.3} dB (closed form {:.3})",
        -expected_gr
    );
    assert!((gl + expected_gr).abs() < 0.1 && (gr + expected_gr).abs() < 0.1);
    // Sample by sample, right gets exactly left's gain.
    for i in 0..n {
        if left[i].abs() > 1e-3 && right[i].abs() > 1e-4 {
            let (a, b) = (
                ol[i] as f64 / left[i] as f64,
                or[i] as f64 / right[i] as f64,
            );
            assert!((a - b).abs() < 1e-5 * a, "sample {i}: {a} vs {b}");
        }
    }
    assert_eq!(c.gain_reduction_db()[0], c.gain_reduction_db()[1]);

    // 0 %: right is untouched, bit for bit; left is compressed as before.
    let mut c = compressor(Settings { link: 0.0, ..base });
    let (ol, or) = run(&mut c, &left, &right, 512);
    assert!(
        or.iter()
            .zip(&right)
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "right changed with 0 % link"
    );
    assert!((gain_db(&left, &ol, 4_800) + expected_gr).abs() < 0.1);
    assert_eq!(c.gain_reduction_db()[1], 0.0);

    // 50 %: right's gain reduction moves half way (in dB) to left's. Right at −20 dBFS alone
    // would get 7.5 dB, left gets 15 dB: 11.25 dB.
    let right_loud = sine(amp(-20.0), 1_500.0, FS, n);
    let mut c = compressor(Settings { link: 0.5, ..base });
    let (_, or) = run(&mut c, &left, &right_loud, 512);
    let alone = -20.0 - closed_form_curve(-20.0, -30.0, 4.0, 0.0);
    let expected_half = alone + 0.5 * (expected_gr - alone);
    let g = gain_db(&right_loud, &or, 4_800);
    println!(
        "link 50 %: right {g:.3} dB (expected {:.3})",
        -expected_half
    );
    assert!((g + expected_half).abs() < 0.1);
}

#[test]
fn external_sidechain() {
    let n = (FS * 0.5) as usize;
    let s = Settings {
        sidechain: SidechainSource::External,
        ..steady(Detector::Peak, -30.0, 4.0, 0.0)
    };
    let silent = vec![0.0f32; n];

    // A loud main input with a silent key: no gain reduction at all (unity, bit for bit).
    let loud = sine(1.0, 440.0, FS, n);
    let mut c = compressor(s);
    let (ol, or) = run_keyed(&mut c, [&loud, &loud], [&silent, &silent]);
    assert!(
        ol.iter()
            .chain(&or)
            .zip(loud.iter().chain(&loud))
            .all(|(a, b)| a == b)
    );
    assert_eq!(c.gain_reduction_db(), [0.0, 0.0]);
    // The same without any key given (`process` in external mode), and in mono.
    let mut c = compressor(s);
    let (ol, _) = run(&mut c, &loud, &loud, 512);
    assert_eq!(ol, loud);
    let mut mono = loud.clone();
    let mut c = compressor(s);
    c.process_mono(&mut mono, None);
    assert_eq!(mono, loud);

    // A quiet main input (−40 dBFS) with a loud key (−6 dBFS): ducked by the key's reduction,
    // (−6 − (−30))·(1 − 1/4) = 18 dB, whatever the main level.
    let quiet = sine(amp(-40.0), 440.0, FS, n);
    let key = sine(amp(-6.0), 1_000.0, FS, n);
    let expected = -6.0 - closed_form_curve(-6.0, -30.0, 4.0, 0.0);
    let mut c = compressor(s);
    let (ol, or) = run_keyed(&mut c, [&quiet, &quiet], [&key, &key]);
    let (gl, gr) = (gain_db(&quiet, &ol, 4_800), gain_db(&quiet, &or, 4_800));
    println!(
        "external key −6 dBFS ducks a −40 dBFS input by {gl:.3} / {gr:.3} dB (expected {expected:.3})"
    );
    assert!((gl + expected).abs() < 0.1 && (gr + expected).abs() < 0.1);
    // Mono, with the key on one channel only: the louder key channel drives the gain.
    let mut mono = quiet.clone();
    let mut c = compressor(s);
    c.process_mono(&mut mono, Some((&silent, &key)));
    assert!((gain_db(&quiet, &mono, 4_800) + expected).abs() < 0.1);
    // Internal mode ignores the key: the quiet input is below the threshold.
    let mut c = compressor(Settings {
        sidechain: SidechainSource::Internal,
        ..s
    });
    let (ol, _) = run_keyed(&mut c, [&quiet, &quiet], [&key, &key]);
    assert_eq!(ol, quiet);
}

#[test]
fn lookahead_latency_and_early_gain_reduction() {
    // Reported latency equals the measured delay, at every rate.
    for fs in [44_100.0f32, 48_000.0, 96_000.0, 192_000.0] {
        for ms in [0.0f32, 1.0, 5.0, 10.0] {
            let mut c = Compressor::new(fs, 512);
            c.update_immediately(&Settings {
                lookahead_ms: ms,
                ..Settings::default()
            });
            let n = c.latency_samples() as usize + 64;
            let mut l = vec![0.0f32; n];
            l[0] = 1.0;
            let mut r = l.clone();
            c.process(&mut l, &mut r);
            let peak = l.iter().enumerate().fold((0, 0.0f32), |m, (i, &v)| {
                if v.abs() > m.1 { (i, v.abs()) } else { m }
            });
            assert_eq!(peak.0, c.latency_samples() as usize, "{fs} Hz {ms} ms");
            assert_eq!(
                c.latency_samples() as usize,
                (ms as f64 * fs as f64 / 1e3).round() as usize
            );
        }
    }

    // A quiet tone, then a full-scale one from sample `onset`. The detector hears the onset at
    // once; the audio reaches the output `latency` samples later. Gain reduction must start
    // in between, and be nearly complete when the loud part arrives.
    let s = Settings {
        threshold_db: -20.0,
        ratio: f32::INFINITY,
        knee_db: 0.0,
        attack_ms: 0.5,
        release_ms: 100.0,
        lookahead_ms: 5.0,
        ..Settings::default()
    };
    let onset = 24_000;
    let n = onset + 4_800;
    let tone = sine(1.0, 1_000.0, FS, n);
    let input: Vec<f32> = tone
        .iter()
        .enumerate()
        .map(|(i, &v)| if i < onset { v * 0.01 } else { v })
        .collect();
    let mut c = compressor(s);
    let d = c.latency_samples() as usize;
    assert_eq!(d, 240);
    let (out, _) = run(&mut c, &input, &input, 512);
    // The gain at output sample i, where the delayed input is not near a zero crossing.
    let gain_at = |i: usize| -> Option<f64> {
        let x = input[i - d] as f64;
        (x.abs() > 2e-3).then(|| out[i] as f64 / x)
    };
    let first_reduction = (d..n)
        .find(|&i| gain_at(i).is_some_and(|g| db(g) < -0.01))
        .unwrap();
    let arrival = onset + d;
    println!(
        "lookahead {d} samples: gain reduction starts at output sample {first_reduction}, the transient arrives at {arrival}"
    );
    assert!(first_reduction >= onset && first_reduction < arrival);
    let before = (arrival - 24..arrival)
        .filter_map(gain_at)
        .map(db)
        .fold(0.0, f64::min);
    println!("gain just before the transient arrives: {before:.2} dB (full reduction 20 dB)");
    assert!(before < -18.0, "{before}");
    // So the transient comes out at the threshold, where without lookahead it overshoots.
    let peak_after = |out: &[f32], from: usize| {
        out[from..from + 480]
            .iter()
            .fold(0.0f32, |m, v| m.max(v.abs()))
    };
    let with = db(peak_after(&out, arrival) as f64);
    let mut c = compressor(Settings {
        lookahead_ms: 0.0,
        ..s
    });
    let (out0, _) = run(&mut c, &input, &input, 512);
    let without = db(peak_after(&out0, onset) as f64);
    println!(
        "first 10 ms peak: {with:.2} dBFS with lookahead, {without:.2} dBFS without (threshold −20)"
    );
    assert!(with < -19.0 && without > -10.0);
}

#[test]
fn mix_zero_is_the_dry_signal_delayed_bit_for_bit_and_mix_is_phase_aligned() {
    let mut rng = XorShift::new(5);
    let n = 20_000;
    let left: Vec<f32> = (0..n).map(|_| rng.uniform() * 0.9).collect();
    let right: Vec<f32> = (0..n).map(|_| rng.uniform() * 0.3).collect();
    let heavy = Settings {
        threshold_db: -40.0,
        ratio: 10.0,
        attack_ms: 0.5,
        release_ms: 30.0,
        lookahead_ms: 3.0,
        makeup_db: 12.0,
        auto_makeup: true,
        sc_hpf: true,
        detector: Detector::Rms,
        channels: ChannelMode::MidSide,
        ..Settings::default()
    };
    let mut c = compressor(Settings { mix: 0.0, ..heavy });
    let d = c.latency_samples() as usize;
    assert_eq!(d, 144);
    // Varying block sizes and a threshold change on the way: still exact.
    let (mut ol, mut or) = (left.clone(), right.clone());
    let mut i = 0;
    for (k, len) in [1usize, 7, 512, 333, 4096].iter().cycle().enumerate() {
        if i >= n {
            break;
        }
        if k == 3 {
            c.update(&Settings {
                mix: 0.0,
                threshold_db: -20.0,
                ..heavy
            });
        }
        let end = (i + len).min(n);
        c.process(&mut ol[i..end], &mut or[i..end]);
        i = end;
    }
    for j in 0..n {
        let (wl, wr) = if j >= d {
            (left[j - d], right[j - d])
        } else {
            (0.0, 0.0)
        };
        assert_eq!(
            (ol[j].to_bits(), or[j].to_bits()),
            (wl.to_bits(), wr.to_bits()),
            "sample {j}"
        );
    }

    // 50 % is the average of 0 % and 100 %: dry and wet are aligned sample for sample.
    let render = |mix: f32| {
        run(
            &mut compressor(Settings { mix, ..heavy }),
            &left,
            &right,
            512,
        )
    };
    let (dry, wet, half) = (render(0.0), render(1.0), render(0.5));
    let mut worst = 0.0f32;
    for j in 0..n {
        worst = worst.max((half.0[j] - 0.5 * (dry.0[j] + wet.0[j])).abs());
        worst = worst.max((half.1[j] - 0.5 * (dry.1[j] + wet.1[j])).abs());
    }
    assert!(worst < 1e-6, "{worst}");
    // And the wet signal really is compressed (so the check above means something).
    assert!((rms_db(&wet.0) - rms_db(&dry.0)).abs() > 3.0);
}

#[test]
fn auto_makeup_restores_a_full_scale_input() {
    for (t, r, w) in [
        (-20.0f32, 4.0f32, 0.0f32),
        (-40.0, f32::INFINITY, 6.0),
        (-10.0, 2.0, 24.0),
        (-3.0, 10.0, 12.0),
    ] {
        let s = Settings {
            auto_makeup: true,
            ..steady(Detector::Peak, t, r, w)
        };
        let mut c = compressor(s);
        let x = sine(1.0, 1_000.0, FS, 24_000);
        let (out, _) = run(&mut c, &x, &x, 512);
        let level = rms_db(&out[19_200..]) + CREST_DB;
        println!("auto make-up T {t} R {r} W {w}: 0 dBFS in → {level:.3} dBFS out");
        assert!(level.abs() < 0.1, "{level}");
    }
}

#[test]
fn listen_outputs_the_filtered_key() {
    // Sidechain high pass at 200 Hz, 12 dB/oct: compared with the analog Butterworth prototype
    // through the bilinear map, at 50 Hz (two octaves down), 200 Hz and 1 kHz.
    let proto = AnalogPrototype {
        shape: FilterShape::HighPass,
        q: core::f64::consts::FRAC_1_SQRT_2,
        gain_db: 0.0,
    };
    for freq in [50.0, 200.0, 1_000.0] {
        let s = Settings {
            listen: true,
            sc_hpf: true,
            sc_hpf_hz: 200.0,
            lookahead_ms: 2.0,
            ..Settings::default()
        };
        let mut c = compressor(s);
        let x = sine(0.5, freq, FS, 48_000);
        let (out, _) = run(&mut c, &x, &x, 512);
        let got = gain_db(&x, &out, 9_600);
        let want = proto.bilinear_magnitude_db(freq, 200.0, FS as f64);
        println!("listen, SC HPF 200 Hz at {freq} Hz: {got:.3} dB (prototype {want:.3})");
        assert!((got - want).abs() < 0.05);
    }
    // Without the filter, listen is the key itself, delayed like the audio.
    let mut c = compressor(Settings {
        listen: true,
        lookahead_ms: 2.0,
        ..Settings::default()
    });
    let x = sine(0.5, 300.0, FS, 4_000);
    let (out, _) = run(&mut c, &x, &x, 512);
    for i in 96..4_000 {
        assert_eq!(out[i], x[i - 96]);
    }
}

#[test]
fn mid_side_compresses_mid_and_side_separately() {
    // M a quiet 1 kHz tone (−34 dBFS), S a loud 1.5 kHz tone (−6 dBFS): with link 0 only S is
    // reduced, by the closed-form amount; M comes out as it went in.
    let n = 24_000;
    let m = sine(amp(-34.0), 1_000.0, FS, n);
    let side = sine(amp(-6.0), 1_500.0, FS, n);
    let left: Vec<f32> = m.iter().zip(&side).map(|(a, b)| a + b).collect();
    let right: Vec<f32> = m.iter().zip(&side).map(|(a, b)| a - b).collect();
    let s = Settings {
        channels: ChannelMode::MidSide,
        ..steady(Detector::Peak, -30.0, 4.0, 0.0)
    };
    let mut c = compressor(s);
    let (ol, or) = run(&mut c, &left, &right, 512);
    let m_out: Vec<f32> = ol.iter().zip(&or).map(|(a, b)| (a + b) * 0.5).collect();
    let s_out: Vec<f32> = ol.iter().zip(&or).map(|(a, b)| (a - b) * 0.5).collect();
    let worst_m = m_out
        .iter()
        .zip(&m)
        .fold(0.0f32, |w, (a, b)| w.max((a - b).abs()));
    let expected = -6.0 - closed_form_curve(-6.0, -30.0, 4.0, 0.0);
    let g = gain_db(&side, &s_out, 4_800);
    println!(
        "mid/side: mid error {worst_m:.2e}, side gain {g:.3} dB (expected {:.3})",
        -expected
    );
    assert!(worst_m < 1e-6);
    assert!((g + expected).abs() < 0.1);
    let [gr_m, gr_s] = c.gain_reduction_db();
    assert!(gr_m == 0.0 && (gr_s as f64 - expected).abs() < 0.1);
}

#[test]
fn any_block_size_gives_the_same_output() {
    let mut rng = XorShift::new(9);
    let n = 9_000;
    let left: Vec<f32> = (0..n).map(|_| rng.uniform()).collect();
    let right: Vec<f32> = (0..n).map(|_| rng.uniform() * 0.1).collect();
    let s = Settings {
        lookahead_ms: 1.3,
        detector: Detector::Rms,
        sc_hpf: true,
        link: 0.3,
        mix: 0.7,
        auto_release: true,
        ..Settings::default()
    };
    let reference = run(&mut compressor(s), &left, &right, n);
    for block in [1usize, 7, 64, 4096] {
        let mut c = compressor(s);
        c.process(&mut [], &mut []);
        assert_eq!(
            run(&mut c, &left, &right, block),
            reference,
            "block {block}"
        );
    }
}

#[test]
fn recovers_from_non_finite_input_and_never_outputs_subnormals() {
    let mut rng = XorShift::new(3);
    for detector in [Detector::Peak, Detector::Rms] {
        let s = Settings {
            detector,
            lookahead_ms: 2.0,
            sc_hpf: true,
            release_ms: 50.0,
            ..Settings::default()
        };
        let mut c = compressor(s);
        let mut fresh = compressor(s);
        let noise: Vec<f32> = (0..48_000).map(|_| rng.uniform() * 0.5).collect();
        run(&mut c, &noise[..4_800], &noise[..4_800], 512);
        let mut bad: Vec<f32> = (0..512)
            .map(|i| [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][i % 3])
            .collect();
        let mut bad_r = bad.clone();
        c.process(&mut bad, &mut bad_r);
        assert!(bad.iter().chain(&bad_r).all(|v| v.is_finite()));
        let mut mono_bad = vec![f32::NAN; 64];
        compressor(s).process_mono(&mut mono_bad, None);
        assert!(mono_bad.iter().all(|v| v.is_finite()));
        // Afterwards both see the same noise and converge (the old state fades with the release).
        let (a, _) = run(&mut c, &noise, &noise, 512);
        let (b, _) = run(&mut fresh, &noise, &noise, 512);
        assert!(
            a.iter()
                .all(|v| v.is_finite() && (*v == 0.0 || v.abs() >= f32::MIN_POSITIVE))
        );
        let diff = a[38_400..]
            .iter()
            .zip(&b[38_400..])
            .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
        assert!(diff < 1e-4, "{detector:?}: {diff}");
    }
    // Garbage on an external key: the audio passes, and the key works again right after.
    let s = Settings {
        sidechain: SidechainSource::External,
        sc_hpf: true,
        detector: Detector::Rms,
        ..Settings::default()
    };
    let mut c = compressor(s);
    let main = vec![0.1f32; 4_096];
    let bad = vec![f32::NAN; 4_096];
    let inf = vec![f32::INFINITY; 4_096];
    let (ol, or) = run_keyed(&mut c, [&main, &main], [&bad, &inf]);
    assert!(ol.iter().chain(&or).all(|v| v.is_finite()));
    let key = sine(0.9, 1_000.0, FS, 9_600);
    let main = vec![0.1f32; 9_600];
    let (ol, _) = run_keyed(&mut c, [&main, &main], [&key, &key]);
    assert!(ol[9_599] < 0.05, "{}", ol[9_599]);

    // Silence after a loud burst decays to exact zero, not into subnormals.
    let mut c = compressor(Settings::default());
    let (mut l, mut r) = (vec![0.0f32; 96_000], vec![0.0f32; 96_000]);
    l[..1000].fill(0.9);
    c.process(&mut l, &mut r);
    assert!(l.iter().all(|v| *v == 0.0 || v.abs() >= f32::MIN_POSITIVE));
}

#[test]
fn parameter_changes_glide() {
    // A threshold jump of 30 dB with an instant attack: the curve glides, so the gain moves by
    // a small step per sample instead of jumping 22 dB at once.
    let s = Settings {
        attack_ms: 0.0,
        release_ms: 0.0,
        detector: Detector::Peak,
        threshold_db: -10.0,
        ..Settings::default()
    };
    let mut c = compressor(s);
    let x = vec![0.5f32; 4_800];
    run(&mut c, &x, &x, 512);
    c.update(&Settings {
        threshold_db: -40.0,
        ..s
    });
    let (out, _) = run(&mut c, &x, &x, 512);
    let steps: Vec<f64> = out
        .windows(2)
        .map(|w| (db(w[1] as f64) - db(w[0] as f64)).abs())
        .collect();
    let largest = steps.iter().cloned().fold(0.0, f64::max);
    let total = db(out[0] as f64) - db(*out.last().unwrap() as f64);
    println!("threshold jump: {total:.2} dB in all, largest step {largest:.3} dB per sample");
    assert!(total > 20.0 && largest < 0.2);
    // Mix, output and make-up glide too.
    for change in [
        Settings { mix: 0.0, ..s },
        Settings {
            output_db: -20.0,
            ..s
        },
        Settings {
            makeup_db: 20.0,
            ..s
        },
    ] {
        let mut c = compressor(s);
        run(&mut c, &x, &x, 512);
        c.update(&change);
        let (out, _) = run(&mut c, &x, &x, 512);
        let largest = largest_step(&out);
        assert!(largest < 0.01, "{change:?}: {largest}");
    }
}

/// The level an editor marks on the transfer curve is what the detector measured: a sine's
/// peak level with the peak detector, its RMS level (peak − 3.01 dB) with the RMS detector,
/// the key's level (not the audio's) with an external sidechain, and nothing in silence.
#[test]
fn detector_level_is_the_level_the_curve_sees() {
    // 1.2 s: ten of the longest RMS window's time constants, so the average has settled.
    let n = 57_600;
    for (amp_db, detector, window_ms, want_offset, tol) in [
        (-6.0, Detector::Peak, 10.0, 0.0, 0.02),
        (-30.0, Detector::Peak, 10.0, 0.0, 0.02),
        // Long window: the mean square ripples by ~0.1 % at twice 997 Hz.
        (-12.0, Detector::Rms, 100.0, -CREST_DB, 0.02),
    ] {
        let s = Settings {
            detector,
            rms_window_ms: window_ms,
            ..Settings::default()
        };
        let mut c = Compressor::new(FS, 512);
        c.update_immediately(&s);
        let x = sine(amp(amp_db), 997.0, FS, n);
        // Let an RMS average settle, then read the last block.
        run(&mut c, &x, &x, 512);
        let (mut l, mut r) = (x[..2_400].to_vec(), x[..2_400].to_vec());
        c.process(&mut l, &mut r);
        let got = c.detector_level_db() as f64;
        let want = amp_db + want_offset;
        println!("{detector:?} {amp_db} dB sine: detector level {got:.3} dB (want {want:.3})");
        assert!(
            (got - want).abs() < tol,
            "{detector:?} {amp_db} dB: {got} vs {want}"
        );
    }

    // External key: a quiet input with a loud key reads the key's level.
    let s = Settings {
        sidechain: SidechainSource::External,
        ..Settings::default()
    };
    let mut c = Compressor::new(FS, 512);
    c.update_immediately(&s);
    let quiet = sine(amp(-40.0), 997.0, FS, 4_800);
    let key = sine(amp(-10.0), 997.0, FS, 4_800);
    run_keyed(&mut c, [&quiet, &quiet], [&key, &key]);
    assert!(
        (c.detector_level_db() as f64 + 10.0).abs() < 0.03,
        "{}",
        c.detector_level_db()
    );

    // Silence reads far below anything a meter shows, and a reset clears the reading.
    let mut c = Compressor::new(FS, 512);
    run(&mut c, &quiet, &quiet, 512);
    c.reset();
    assert!(c.detector_level_db() < -150.0);
    let silence = vec![0.0f32; 512];
    run(&mut c, &silence, &silence, 512);
    assert!(c.detector_level_db() < -150.0, "{}", c.detector_level_db());
}

#[test]
fn the_avx2_build_computes_exactly_what_the_baseline_build_does() {
    // `process` runs a build of the chunk pipeline compiled for AVX2 where the CPU has it;
    // without FMA it must give the same bits as the baseline (SSE2) build, so a session
    // renders the same on every machine. Every path: peak and RMS, the sidechain filter and
    // its glide, mid/side, partial link and mix, listen, auto release, curve glides, a
    // lookahead change, the mono form.
    if crate::test_support::skip_without_avx2("compressor: AVX2 build = baseline build") {
        return;
    }
    let mut rng = XorShift::new(21);
    let n = 20_000;
    let left: Vec<f32> = (0..n)
        .map(|i| rng.uniform() * if (i / 3_000) % 2 == 0 { 1.0 } else { 0.05 })
        .collect();
    let right: Vec<f32> = (0..n).map(|_| rng.uniform() * 0.3).collect();
    let base = Settings {
        threshold_db: -24.0,
        knee_db: 6.0,
        ..Settings::default()
    };
    let variants = [
        base,
        Settings {
            detector: Detector::Rms,
            link: 0.4,
            auto_release: true,
            ..base
        },
        Settings {
            sc_hpf: true,
            sc_hpf_hz: 150.0,
            channels: ChannelMode::MidSide,
            mix: 0.6,
            ..base
        },
        Settings {
            listen: true,
            lookahead_ms: 2.0,
            ..base
        },
        Settings {
            lookahead_ms: 5.0,
            auto_makeup: true,
            ..base
        },
    ];
    for (v, s) in variants.iter().enumerate() {
        // Halfway: a new curve, cutoff, make-up and lookahead, all gliding or crossfading.
        let later = Settings {
            threshold_db: -12.0,
            ratio: 10.0,
            sc_hpf_hz: 400.0,
            makeup_db: 3.0,
            lookahead_ms: 1.0,
            ..*s
        };
        let mut outputs = Vec::new();
        for mut c in [compressor(*s), compressor(*s).without_avx2()] {
            let (mut l, mut r) = (left.clone(), right.clone());
            let mut mono = left.clone();
            let mut i = 0;
            while i < n {
                if i >= n / 2 && i - n / 2 < 301 {
                    c.update(&later);
                }
                let end = (i + 301).min(n);
                c.process(&mut l[i..end], &mut r[i..end]);
                i = end;
            }
            c.reset();
            c.process_mono(&mut mono, None);
            let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            outputs.push((bits(&l), bits(&r), bits(&mono)));
        }
        assert!(outputs[0] == outputs[1], "variant {v}");
    }
}

#[test]
fn switched_off_it_only_delays_and_switched_on_it_starts_from_rest() {
    let mut rng = XorShift::new(33);
    let n = 12_000;
    let mut left: Vec<f32> = (0..n).map(|_| rng.uniform()).collect();
    let right: Vec<f32> = (0..n).map(|_| rng.uniform() * 0.5).collect();
    left[777] = f32::NAN;
    let on = Settings {
        threshold_db: -30.0,
        lookahead_ms: 3.0,
        detector: Detector::Rms,
        ..Settings::default()
    };
    // Off: the dry path gives exactly what the full pipeline gives (the input delayed by the
    // lookahead, non-finite samples as silence), before and after the bypass glide lands.
    let (mut full, mut dry) = (compressor(on), compressor(on));
    for c in [&mut full, &mut dry] {
        c.update(&on.bypassed());
    }
    let (mut fl, mut fr) = (left.clone(), right.clone());
    let (mut dl, mut dr) = (left.clone(), right.clone());
    for k in (0..n).step_by(500) {
        let end = (k + 500).min(n);
        full.process(&mut fl[k..end], &mut fr[k..end]);
        dry.process_dry(&mut dl[k..end], &mut dr[k..end]);
    }
    assert!(dry.is_dry());
    let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!((bits(&fl), bits(&fr)), (bits(&dl), bits(&dr)));
    let delay = 144; // 3 ms at 48 kHz
    assert_eq!(dl[n - 1], left[n - 1 - delay]);
    assert_eq!(dry.gain_reduction_db(), [0.0, 0.0]);

    // On again, without lookahead (so no audio history matters): it compresses exactly like a
    // compressor that has just been created, its gain reduction starting from none.
    let on = Settings {
        lookahead_ms: 0.0,
        ..on
    };
    dry.update_immediately(&on.bypassed());
    dry.process_dry(&mut left.clone(), &mut right.clone());
    dry.update_immediately(&on);
    let mut fresh = compressor(on);
    let (mut wl, mut wr) = (left.clone(), right.clone());
    let (mut nl, mut nr) = (left.clone(), right.clone());
    dry.process(&mut wl, &mut wr);
    fresh.process(&mut nl, &mut nr);
    assert_eq!((bits(&wl), bits(&wr)), (bits(&nl), bits(&nr)));
    assert!(dry.gain_reduction_db()[0] > 3.0);
}
