//! Measurements of the delay against references that do not come from its code: times from
//! the closed-form note lengths, repeat levels from the feedback gain, repeat spectra from the
//! filters' analog prototypes, stereo routing from matrix powers, modulation from the zero
//! crossings of a delayed sine, ducking from its time constant.

use super::*;
use crate::filter_shape::FilterShape;
use crate::test_support::{AnalogPrototype, XorShift, largest_step, magnitude_spectrum_db};

/// Wet only (the echoes, nothing else): dry off, wet at 0 dB, no feedback.
fn wet_only() -> Settings {
    Settings {
        dry_db: f32::NEG_INFINITY,
        wet_db: 0.0,
        feedback: 0.0,
        ..Settings::default()
    }
}

fn ms(t: f64) -> DelayTime {
    DelayTime::Ms(t as f32)
}

/// Runs `left`/`right` through a fresh delay in blocks of `block` samples.
fn render(
    s: &Settings,
    fs: f32,
    left: &[f32],
    right: &[f32],
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut d = Delay::new(fs, block);
    d.update_immediately(s);
    let (mut l, mut r) = (left.to_vec(), right.to_vec());
    for (l, r) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        d.process(l, r);
    }
    (l, r)
}

/// A sine with its phase computed in f64 (an f32 phase jitters after a few seconds).
fn sine(n: usize, freq: f64, amp: f64, fs: f32) -> Vec<f32> {
    (0..n)
        .map(|i| (amp * (core::f64::consts::TAU * freq * i as f64 / fs as f64).sin()) as f32)
        .collect()
}

fn impulse(n: usize, amp: f32) -> Vec<f32> {
    let mut x = vec![0.0; n];
    x[0] = amp;
    x
}

fn argmax_abs(x: &[f32]) -> usize {
    x.iter()
        .enumerate()
        .fold(
            (0, 0.0f32),
            |m, (i, &v)| if v.abs() > m.1 { (i, v.abs()) } else { m },
        )
        .0
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

#[test]
fn an_impulse_comes_out_at_exactly_round_t_fs_for_integer_sample_times() {
    for fs in [44_100.0f32, 48_000.0] {
        // Free times and synced ones (at the default 120 BPM) whose length is a whole number
        // of samples at this rate.
        let times: Vec<(String, DelayTime, f64)> =
            [1.0, 10.0, 20.0, 100.0, 500.0, 1_000.0, 2_500.0, 4_000.0]
                .iter()
                .map(|&t| (format!("{t} ms"), ms(t), t))
                .chain(NoteValue::ALL.iter().map(|&n| {
                    (
                        n.name(),
                        DelayTime::Note(n),
                        n.ms_at(120.0).min(MAX_TIME_MS),
                    )
                }))
                .filter(|(_, _, t)| (t * fs as f64 / 1e3).fract() == 0.0)
                .collect();
        let mut checked = 0;
        for (name, time, t) in times {
            let n = (t * fs as f64 / 1e3).round() as usize;
            // Right: linked with a 10 ms offset (also a whole number of samples at both rates).
            let offset = 10.0;
            let n_right = ((t + offset).min(MAX_TIME_MS) * fs as f64 / 1e3).round() as usize;
            let s = Settings {
                time_left: time,
                offset_ms: offset as f32,
                ..wet_only()
            };
            let len = n_right + 300;
            let x = impulse(len, 1.0);
            // Odd block length, so chunks straddle blocks.
            let (l, r) = render(&s, fs, &x, &x, 333);
            for (side, y, want) in [("L", &l, n), ("R", &r, n_right)] {
                assert_eq!(argmax_abs(y), want, "{name} at {fs} Hz, {side}");
                assert!(
                    (y[want] - 1.0).abs() < 1e-6,
                    "{name} {side}: peak {}",
                    y[want]
                );
                let rest = y
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != want)
                    .fold(0.0f32, |m, (_, v)| m.max(v.abs()));
                assert!(rest < 1e-7, "{name} {side}: {rest} elsewhere");
            }
            checked += 1;
        }
        println!("{fs} Hz: {checked} integer-sample times exact (timing error 0 samples)");
        assert!(checked >= 12);
    }
}

/// Magnitude and phase of `x` at bin `k` of an `n`-point DFT (direct sum, f64).
fn dft_bin(x: &[f32], k: usize) -> (f64, f64) {
    let n = x.len();
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (i, &v) in x.iter().enumerate() {
        let a = -core::f64::consts::TAU * (k * i % n) as f64 / n as f64;
        re += v as f64 * a.cos();
        im += v as f64 * a.sin();
    }
    (re.hypot(im), im.atan2(re))
}

fn wrap(p: f64) -> f64 {
    let tau = core::f64::consts::TAU;
    p - tau * (p / tau).round()
}

/// Group and phase delay of fractional times, measured on a periodic multi-sine band-limited
/// to fs/8, against the set time t·fs.
#[test]
fn fractional_times_have_the_right_group_delay() {
    const N: usize = 8_192;
    let bins: Vec<usize> = (1..=32).map(|k| k * 32).collect(); // up to N/8: fs/8
    let mut worst_group = 0.0f64;
    let cases: [(f32, DelayTime); 6] = [
        (48_000.0, ms(10.01)),
        (48_000.0, ms(123.4567)),
        (48_000.0, ms(3_999.987_1)),
        (
            44_100.0,
            DelayTime::Note(NoteValue {
                division: Division::Eighth,
                feel: Feel::Dotted,
            }),
        ), // 16537.5
        (44_100.0, ms(7.77)),
        (44_100.0, ms(0.3333 * 1e3)),
    ];
    for (fs, time) in cases {
        let d_nom = time.ms(DEFAULT_BPM) * fs as f64 / 1e3;
        let len = d_nom.ceil() as usize + 3 * N;
        let mut rng = XorShift::new(17);
        let tones: Vec<(usize, f64)> = bins
            .iter()
            .map(|&k| (k, rng.uniform() as f64 * 3.0))
            .collect();
        let x: Vec<f32> = (0..len)
            .map(|i| {
                tones
                    .iter()
                    .map(|&(k, p)| {
                        0.02 * (core::f64::consts::TAU * (k * i % N) as f64 / N as f64 + p).sin()
                    })
                    .sum::<f64>() as f32
            })
            .collect();
        let s = Settings {
            time_left: time,
            time_right: time,
            link: false,
            ..wet_only()
        };
        let (y, _) = render(&s, fs, &x, &x, 512);
        let start = len - N;
        let (xw, yw) = (&x[start..], &y[start..]);
        let mut residual = vec![];
        for &(k, _) in &tones {
            let w = core::f64::consts::TAU * k as f64 / N as f64;
            let (mx, px) = dft_bin(xw, k);
            let (my, py) = dft_bin(yw, k);
            // The interpolator's own high-frequency loss (≤ 0.08 dB at fs/8, half-sample fraction).
            assert!(
                (db(my / mx)).abs() < 0.1,
                "{time:?}: gain {} dB at bin {k}",
                db(my / mx)
            );
            // Phase left over after removing the nominal delay.
            residual.push((w, wrap(py - px + w * d_nom)));
        }
        let phase_err = residual
            .iter()
            .map(|&(w, r)| (r / w).abs())
            .fold(0.0, f64::max);
        let group_err = residual
            .windows(2)
            .map(|p| ((p[1].1 - p[0].1) / (p[1].0 - p[0].0)).abs())
            .fold(0.0, f64::max);
        println!(
            "{fs} Hz, {d_nom:.4} samples: phase delay error {phase_err:.5}, group delay error {group_err:.5} samples (content ≤ fs/8)"
        );
        assert!(group_err < 0.05 && phase_err < 0.05, "{time:?}");
        worst_group = worst_group.max(group_err);
    }
    println!("worst group delay error {worst_group:.5} samples");
}

/// The centre of gravity of a Lagrange-interpolated impulse is exactly its (fractional)
/// delay, since the interpolator reproduces linear functions; used for synced times that are
/// not whole samples.
fn centroid(y: &[f32]) -> f64 {
    let sum: f64 = y.iter().map(|&v| v as f64).sum();
    y.iter()
        .enumerate()
        .map(|(i, &v)| i as f64 * v as f64)
        .sum::<f64>()
        / sum
}

/// Impulses through a running delay, `at` samples apart: where each comes out.
fn echo_positions(d: &mut Delay, impulses: usize, spacing: usize) -> Vec<f64> {
    let mut out = vec![];
    for _ in 0..impulses {
        let mut l = impulse(spacing, 1.0);
        let mut r = l.clone();
        d.process(&mut l, &mut r);
        out.push(centroid(&l));
    }
    out
}

#[test]
fn synced_times_follow_the_tempo() {
    let note = |division, feel| DelayTime::Note(NoteValue { division, feel });
    let fs = 48_000.0f32;
    for mode in [TimeChange::Tape, TimeChange::Clean] {
        for (time, at_120, at_90) in [
            (
                note(Division::Quarter, Feel::Straight),
                500.0,
                2_000.0 / 3.0,
            ),
            (note(Division::Eighth, Feel::Dotted), 375.0, 500.0),
            (
                note(Division::Quarter, Feel::Triplet),
                1_000.0 / 3.0,
                4_000.0 / 9.0,
            ),
        ] {
            let s = Settings {
                time_left: time,
                time_change: mode,
                ..wet_only()
            };
            let mut d = Delay::new(fs, 512);
            d.update_immediately(&s);
            let spacing = 48_000; // longer than any echo here
            let before = echo_positions(&mut d, 1, spacing)[0];
            d.set_tempo(90.0);
            // Let the change settle (a tape glide takes a while), then measure again.
            let mut silence = vec![0.0f32; 4 * spacing];
            let mut silence_r = silence.clone();
            d.process(&mut silence, &mut silence_r);
            let after = echo_positions(&mut d, 1, spacing)[0];
            let (want_before, want_after) = (at_120 * 48.0, at_90 * 48.0);
            println!(
                "{time:?} {mode:?}: {before:.4} → {after:.4} samples (want {want_before:.4} → {want_after:.4})"
            );
            assert!(
                (before - want_before).abs() < 1e-3,
                "{time:?} at 120: {before}"
            );
            assert!((after - want_after).abs() < 1e-3, "{time:?} at 90: {after}");
        }
    }
    // No tempo from the host: 120 BPM.
    assert_eq!(Delay::new(fs, 64).tempo(), DEFAULT_BPM);
}

/// Peak level of repeat `k` (1-based) of an impulse with period `t` samples.
fn repeat_peak(y: &[f32], t: usize, k: usize) -> f64 {
    y[k * t - t / 2..k * t + t / 2]
        .iter()
        .fold(0.0f32, |m, v| m.max(v.abs())) as f64
}

#[test]
fn each_repeat_is_the_previous_times_the_feedback_gain() {
    let mut worst = 0.0f64;
    for fs in [44_100.0f32, 48_000.0] {
        let t = (0.1 * fs) as usize; // 100 ms, whole samples at both rates
        for fb in [0.2f32, 0.5, 0.8, 0.95, 1.0, 1.05] {
            for cross in [0.0f32, 0.3] {
                let s = Settings {
                    time_left: ms(100.0),
                    feedback: fb,
                    cross_feedback: cross,
                    ..wet_only()
                };
                let repeats = 10;
                let x = impulse(t * (repeats + 1), 0.5);
                let (l, r) = render(&s, fs, &x, &x, 512);
                for y in [&l, &r] {
                    for k in 2..=repeats {
                        let ratio = db(repeat_peak(y, t, k) / repeat_peak(y, t, k - 1));
                        let err = (ratio - db(fb as f64)).abs();
                        worst = worst.max(err);
                        assert!(
                            err < 0.05,
                            "fb {fb} cross {cross} at {fs}: repeat {k} {ratio} dB"
                        );
                    }
                }
            }
        }
    }
    // Fractional time, on a band-limited burst (a Hann-windowed 1 kHz tone), energy per repeat.
    let fs = 48_000.0f32;
    let t = 100.0123f64 * 48.0;
    let burst: Vec<f32> = (0..960)
        .map(|i| {
            let w = 0.5 - 0.5 * (core::f64::consts::TAU * i as f64 / 960.0).cos();
            (0.5 * w * (core::f64::consts::TAU * 1_000.0 * i as f64 / 48_000.0).sin()) as f32
        })
        .collect();
    for fb in [0.5f32, 0.9] {
        let s = Settings {
            time_left: ms(100.0123),
            feedback: fb,
            ..wet_only()
        };
        let mut x = vec![0.0; (t * 9.0) as usize];
        x[..burst.len()].copy_from_slice(&burst);
        let (l, _) = render(&s, fs, &x, &x, 512);
        let energy = |k: usize| {
            let start = (k as f64 * t) as usize - 200;
            l[start..start + 1_400]
                .iter()
                .map(|&v| (v as f64).powi(2))
                .sum::<f64>()
        };
        for k in 2..=8 {
            let ratio = 10.0 * (energy(k) / energy(k - 1)).log10();
            let err = (ratio - db(fb as f64)).abs();
            worst = worst.max(err);
            assert!(err < 0.05, "fractional, fb {fb}: repeat {k} {ratio} dB");
        }
    }
    println!("repeat level vs feedback gain: worst error {worst:.5} dB");
}

#[test]
fn with_the_loop_filters_on_each_repeat_is_filtered_once_more() {
    let fs = 48_000.0f64;
    let t = 4_096usize; // whole samples; every filtered repeat has died out within one period
    let (fb, low_cut, high_cut) = (0.8f32, 150.0f32, 3_000.0f32);
    let s = Settings {
        time_left: ms(t as f64 / 48.0),
        feedback: fb,
        low_cut_hz: Some(low_cut),
        high_cut_hz: Some(high_cut),
        ..wet_only()
    };
    let x = impulse(t * 6, 1.0);
    let (l, r) = render(&s, fs as f32, &x, &x, 512);
    let hp = AnalogPrototype {
        shape: FilterShape::HighPass,
        q: core::f64::consts::FRAC_1_SQRT_2,
        gain_db: 0.0,
    };
    let lp = AnalogPrototype {
        shape: FilterShape::LowPass,
        q: core::f64::consts::FRAC_1_SQRT_2,
        gain_db: 0.0,
    };
    let mut worst = 0.0f64;
    for y in [&l, &r] {
        for k in 1..=4 {
            let m = magnitude_spectrum_db(&y[k * t..(k + 1) * t]);
            for (bin, &got) in m.iter().enumerate().skip(1) {
                let f = bin as f64 * fs / t as f64;
                let per_pass = hp.bilinear_magnitude_db(f, low_cut as f64, fs)
                    + lp.bilinear_magnitude_db(f, high_cut as f64, fs);
                let want = (k - 1) as f64 * db(fb as f64) + k as f64 * per_pass;
                if want < -60.0 {
                    continue;
                }
                let err = (got - want).abs();
                worst = worst.max(err);
                assert!(
                    err < 0.1,
                    "repeat {k} at {f:.0} Hz: {got:.3} dB, want {want:.3}"
                );
            }
        }
    }
    println!("loop filters: repeats 1-4 follow fb^(k-1)·|H_hp·H_lp|^k within {worst:.4} dB");
}

#[test]
fn ping_pong_alternates_sides_from_the_configured_one() {
    let fs = 48_000.0f32;
    let t = 4_800;
    let fb = 0.6f32;
    for start in [Side::Left, Side::Right] {
        for mono in [true, false] {
            let s = Settings {
                time_left: ms(100.0),
                feedback: fb,
                ping_pong: Some(start),
                ping_pong_mono: mono,
                ..wet_only()
            };
            // Mono: the same impulse in both channels; stereo: in the left channel only.
            let x = impulse(t * 8, 1.0);
            let silent = vec![0.0; x.len()];
            let (l, r) = render(&s, fs, &x, if mono { &x } else { &silent }, 512);
            for k in 1..=7 {
                // The left input's first repeat is on the start side, then they alternate.
                let on_start = k % 2 == 1;
                let (hit, other) = if on_start == (start == Side::Left) {
                    (&l, &r)
                } else {
                    (&r, &l)
                };
                // Level: the input enters at 1 (mono: the sum at half level), then fb per repeat.
                let want = fb.powi(k as i32 - 1);
                assert!(
                    (hit[k * t] - want).abs() < 1e-6,
                    "{start:?} mono={mono} repeat {k}: {}",
                    hit[k * t]
                );
                let leak = other[k * t - t / 2..k * t + t / 2]
                    .iter()
                    .fold(0.0f32, |m, v| m.max(v.abs()));
                assert!(
                    leak < 1e-7,
                    "{start:?} mono={mono} repeat {k}: {leak} on the other side"
                );
            }
        }
    }
    // Partial cross-feedback: repeats follow powers of fb·[[1−c, c], [c, 1−c]].
    let (fb, c) = (0.7f32, 0.3f32);
    let s = Settings {
        time_left: ms(100.0),
        feedback: fb,
        cross_feedback: c,
        ..wet_only()
    };
    let x = impulse(t * 6, 1.0);
    let (l, r) = render(&s, fs, &x, &vec![0.0; x.len()], 512);
    let mut v = [1.0f64, 0.0]; // the first repeat: the left input, on the left
    for k in 1..=5 {
        assert!(
            (l[k * t] as f64 - v[0]).abs() < 1e-6 && (r[k * t] as f64 - v[1]).abs() < 1e-6,
            "repeat {k}"
        );
        let (a, b) = ((fb * (1.0 - c)) as f64, (fb * c) as f64);
        v = [a * v[0] + b * v[1], b * v[0] + a * v[1]];
    }
}

#[test]
fn feedback_110_percent_with_a_loud_input_stays_bounded_for_60_s() {
    let fs = 48_000.0f32;
    let n = 60 * 48_000;
    let mut rng = XorShift::new(99);
    let noise: Vec<f32> = (0..n).map(|_| rng.uniform()).collect(); // 0 dBFS peaks
    let sine = sine(n, 220.0, 1.0, fs);
    let base = Settings {
        feedback: 1.1,
        ..wet_only()
    };
    let configs = [
        (
            "50 ms stereo",
            Settings {
                time_left: ms(50.0),
                ..base
            },
        ),
        (
            "1 s stereo",
            Settings {
                time_left: ms(1_000.0),
                ..base
            },
        ),
        (
            "ping-pong",
            Settings {
                time_left: ms(120.0),
                ping_pong: Some(Side::Left),
                ..base
            },
        ),
        (
            "cross, filters, modulation",
            Settings {
                time_left: ms(80.0),
                cross_feedback: 0.5,
                low_cut_hz: Some(150.0),
                high_cut_hz: Some(6_000.0),
                mod_depth_ms: 5.0,
                mod_rate_hz: 3.0,
                ..base
            },
        ),
        (
            "1 ms, resonant",
            Settings {
                time_left: ms(1.0),
                time_change: TimeChange::Clean,
                ..base
            },
        ),
    ];
    let mut worst = 0.0f32;
    for (name, s) in configs {
        for (input, x) in [("noise", &noise), ("sine", &sine)] {
            let (l, r) = render(&s, fs, x, x, 512);
            let peak = l.iter().chain(&r).fold(0.0f32, |m, v| {
                assert!(v.is_finite());
                m.max(v.abs())
            });
            println!(
                "feedback 110 %, {name}, {input}: peak {:.2} dBFS over 60 s",
                db(peak as f64)
            );
            assert!(peak < 2.0, "{name} {input}: peak {peak}");
            worst = worst.max(peak);
            // And it did build up (the saturation is what holds it, not a lack of feedback).
            assert!(peak > 1.0, "{name} {input}: peak {peak}");
        }
    }
    println!(
        "feedback 110 %: worst peak {:.2} dBFS (bound +6 dBFS)",
        db(worst as f64)
    );
}

/// Automates the time from `from` to `to` ms over 100 ms (an update every 16 samples, as a
/// host's automation arrives) on a 1 kHz sine, wet only.
fn automate_time(
    mode: TimeChange,
    fs: f32,
    from: f64,
    to: f64,
) -> (Vec<f32>, Vec<f32>, usize, usize) {
    let amp = 0.9f32;
    let settle = (2.0 * fs) as usize;
    let ramp = (0.1 * fs) as usize;
    let tail = (4.0 * fs) as usize;
    let n = settle + ramp + tail;
    let x = sine(n, 1_000.0, amp as f64, fs);
    let mut d = Delay::new(fs, 16);
    let s = Settings {
        time_left: ms(from),
        time_change: mode,
        ..wet_only()
    };
    d.update_immediately(&s);
    let mut y = x.clone();
    let mut y_r = x.clone();
    for (k, (l, r)) in y.chunks_mut(16).zip(y_r.chunks_mut(16)).enumerate() {
        let i = k * 16;
        if i >= settle {
            let p = ((i - settle) as f64 / ramp as f64).min(1.0);
            d.update(&Settings {
                time_left: ms(from + (to - from) * p),
                ..s
            });
        }
        d.process(l, r);
    }
    (x, y, settle, ramp)
}

#[test]
fn time_automation_does_not_click() {
    for fs in [44_100.0f32, 48_000.0] {
        for (mode, from, to) in [
            (TimeChange::Clean, 10.0, 1_000.0),
            (TimeChange::Clean, 1_000.0, 10.0),
            (TimeChange::Tape, 10.0, 1_000.0),
            (TimeChange::Tape, 1_000.0, 10.0),
        ] {
            let (x, y, settle, ramp) = automate_time(mode, fs, from, to);
            // The signal's own largest step: the sine's, as the delay plays it before and after.
            let own =
                largest_step(&y[settle - 4_800..settle]).max(largest_step(&y[y.len() - 4_800..]));
            let sine_step = 2.0 * 0.9 * (core::f32::consts::PI * 1_000.0 / fs).sin();
            // (Sampled, its largest step is within 1 % of the continuous sine's 2A·sin(πf/fs).)
            assert!(
                own <= sine_step * 1.000_01 && own >= 0.99 * sine_step,
                "own step {own} vs the sine's {sine_step}"
            );
            // Margin: the crossfade's own contribution, 2·A per fade length (see `crossfade`).
            let fade_len = (crossfade::FADE_MS * 1e-3 * fs as f64 / CHUNK as f64).round() as f32
                * CHUNK as f32;
            let margin = 2.0 * 0.9 / fade_len + 1e-5;
            // Tape mode bends the pitch: up to ×(1 + MAX_SPEED) while the time shortens.
            let pitch = if mode == TimeChange::Tape && to < from {
                1.0 + tape::MAX_SPEED as f32
            } else {
                1.0
            };
            let step = largest_step(&y[settle - 4_800..]);
            println!(
                "{fs} Hz {mode:?} {from} → {to} ms: max step {step:.5}, own {own:.5}, bound {:.5} (margin {margin:.5})",
                own * pitch + margin
            );
            assert!(
                step <= own * pitch + margin,
                "{mode:?} {from}→{to} at {fs}: step {step} > {own}·{pitch} + {margin}"
            );
            // And it arrived: the output is the input delayed by the new time.
            let n = (to * fs as f64 / 1e3) as usize;
            let end = y.len();
            for i in end - 1_000..end {
                assert!(
                    (y[i] - x[i - n]).abs() < 1e-5,
                    "{mode:?} {from}→{to}: not at {to} ms at the end"
                );
            }
            let _ = ramp;
        }
    }
}

/// Ducking keyed by another track: the echoes of a steady tone step back by the set amount
/// while the key plays, and not at all while only the input plays (the key silent), in
/// blocks of odd sizes with the key split alongside.
#[test]
fn keyed_ducking_follows_the_key_not_the_input() {
    let fs = 48_000.0f32;
    let amount = 12.0f32;
    let s = Settings {
        duck_db: amount,
        duck_release_ms: 100.0,
        ..wet_only()
    };
    let n = 72_000;
    let x = sine(n, 1_000.0, 0.5, fs);
    // The key: a −6 dBFS 300 Hz tone for the first second, then silence.
    let mut key = sine(n, 300.0, 0.5, fs);
    key[48_000..].fill(0.0);
    let mut d = Delay::new(fs, 512);
    d.update_immediately(&s);
    let (mut l, mut r) = (x.clone(), x.clone());
    let mut i = 0;
    for block in [1usize, 37, 512, 333].iter().cycle() {
        if i >= n {
            break;
        }
        let end = (i + block).min(n);
        d.process_keyed(
            &mut l[i..end],
            &mut r[i..end],
            Some([&key[i..end], &key[i..end]]),
        );
        i = end;
    }
    let amp = |i: usize| l[i..i + 480].iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
    // Keyed: the echo (the delayed tone) is `amount` dB down.
    let ducked = db(amp(40_000) / 0.5);
    // The key silent for 0.5 s (five release time constants): back to full level, although
    // the input plays on at −6 dBFS.
    let free = db(amp(n - 960) / 0.5);
    println!(
        "keyed ducking {amount} dB: echo {ducked:.3} dB while the key plays, {free:.3} dB after"
    );
    assert!((ducked + amount as f64).abs() < 0.5, "{ducked}");
    assert!(free.abs() < 0.1, "{free}");
}

#[test]
fn ducking_reduces_the_echoes_by_the_amount_and_releases_with_its_time_constant() {
    let fs = 48_000.0f32;
    let (amount, release) = (12.0f32, 200.0f32);
    let t = 24_000; // 500 ms
    let s = Settings {
        duck_db: amount,
        duck_release_ms: release,
        ..wet_only()
    };
    // A −6 dBFS 1 kHz tone for 1 s, then silence: its echo plays on for 500 ms after it stops.
    let stop = 48_000;
    let mut x = sine(stop + t, 1_000.0, 0.5, fs);
    x[stop..].fill(0.0);
    let (y, _) = render(&s, fs, &x, &x, 512);
    // Echo amplitude per 1 kHz period (48 samples).
    let amp = |i: usize| y[i..i + 48].iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
    // While the input plays, the echo is `amount` dB down.
    let ducked = db(amp(stop - 480) / 0.5);
    println!("ducking {amount} dB: echo at {ducked:.3} dB while the input plays");
    assert!((ducked + amount as f64).abs() < 0.05, "{ducked}");
    // After the stop, the reduction (dB) decays as exp(−t/τ): find where it reaches amount/e.
    let target = -(amount as f64) / core::f64::consts::E;
    let mut cross = None;
    for i in (stop..stop + t - 48).step_by(8) {
        if db(amp(i) / 0.5) >= target {
            cross = Some(i - stop);
            break;
        }
    }
    let cross = cross.expect("the ducking never released") as f64;
    let tau = release as f64 * 48.0;
    // The chunk-rate control adds up to two chunks and the per-period peak one period.
    println!(
        "ducking release {release} ms: reduction at 1/e after {:.1} ms",
        cross / 48.0
    );
    assert!(
        (cross - tau).abs() < 0.05 * tau + 2.0 * CHUNK as f64 + 48.0,
        "{cross} vs {tau}"
    );
}

#[test]
fn freeze_loops_what_the_lines_hold_and_ignores_new_input() {
    let fs = 48_000.0f32;
    let t = 2_400; // 50 ms
    let s = Settings {
        time_left: ms(50.0),
        feedback: 0.5,
        ..wet_only()
    };
    let mut d = Delay::new(fs, 512);
    d.update_immediately(&s);
    let mut rng = XorShift::new(4);
    // Noise for 40 ms, then silence.
    let mut l: Vec<f32> = (0..4_800)
        .map(|i| if i < 1_920 { 0.5 * rng.uniform() } else { 0.0 })
        .collect();
    let mut r = l.clone();
    d.process(&mut l, &mut r);
    d.update(&Settings { freeze: true, ..s });
    // A loud new input that must not enter.
    let n = 5 * 48_000;
    let mut l = sine(n, 440.0, 0.8, fs);
    let mut r = l.clone();
    d.process(&mut l, &mut r);
    // After the switch has glided (well within 200 ms), the output repeats with the loop period.
    let from = 9_600;
    let periodic = (from..n)
        .map(|i| (l[i] - l[i - t]).abs())
        .fold(0.0f32, f32::max);
    let rms =
        |a: usize| (l[a..a + t].iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / t as f64).sqrt();
    let drift = db(rms(n - t) / rms(from));
    println!(
        "freeze: largest deviation from the loop period {periodic:.2e}, level drift over 5 s {drift:.4} dB"
    );
    assert!(periodic < 1e-6, "{periodic}");
    assert!(drift.abs() < 0.01 && rms(from) > 0.01);
    // Unfrozen, the loop decays again.
    d.update(&s);
    let mut l = vec![0.0f32; 48_000];
    let mut r = l.clone();
    d.process(&mut l, &mut r);
    assert!(l[47_000..].iter().all(|v| v.abs() < 1e-3));
}

#[test]
fn modulation_moves_the_delay_by_the_set_depth_and_rate() {
    let fs = 48_000.0f64;
    let (base, depth, rate) = (9_600.0f64, 2.0f64, 1.5f64); // 200 ms, ±2 ms, 1.5 Hz
    let s = Settings {
        time_left: ms(200.0),
        mod_depth_ms: depth as f32,
        mod_rate_hz: rate as f32,
        ..wet_only()
    };
    let period = 480.0; // a 100 Hz tone: crossings every 480 samples pin the delay modulo 480
    let n = 4 * 48_000;
    let x: Vec<f32> = (0..n)
        .map(|i| (core::f64::consts::TAU * i as f64 / period).sin() as f32)
        .collect();
    let (l, r) = render(&s, fs as f32, &x, &x, 500);
    let mut worst = 0.0f64;
    for (side, y, phase) in [("L", &l, 0.0), ("R", &r, core::f64::consts::FRAC_PI_2)] {
        let mut crossings = 0;
        for i in 12_000..n - 1 {
            if y[i] < 0.0 && y[i + 1] >= 0.0 {
                let t = i as f64 + (-y[i] / (y[i + 1] - y[i])) as f64;
                // The output crosses zero upwards where the input did, d(t) samples earlier.
                let m = ((t - base) / period).round();
                let measured = t - m * period;
                let want =
                    base + depth * 48.0 * (core::f64::consts::TAU * rate * t / fs + phase).sin();
                let err = (measured - want).abs();
                worst = worst.max(err);
                assert!(err < 0.05, "{side} at {t}: delay {measured}, want {want}");
                crossings += 1;
            }
        }
        assert!(crossings > 300);
    }
    println!(
        "modulation ±{depth} ms at {rate} Hz: delay within {worst:.4} samples of base + depth·sin"
    );
}

#[test]
fn block_size_does_not_change_the_output() {
    let fs = 44_100.0f32;
    let mut rng = XorShift::new(8);
    let x: Vec<f32> = (0..20_000).map(|_| 0.5 * rng.uniform()).collect();
    let s = Settings {
        time_left: ms(13.3),
        feedback: 0.7,
        cross_feedback: 0.2,
        low_cut_hz: Some(300.0),
        high_cut_hz: Some(5_000.0),
        mod_depth_ms: 1.0,
        duck_db: 6.0,
        ..Settings::default()
    };
    let (l0, r0) = render(&s, fs, &x, &x, 4_096);
    for block in [1usize, 7, 32, 333, 8_192] {
        let (l, r) = render(&s, fs, &x, &x, block);
        assert!(l == l0 && r == r0, "block {block}");
    }
    // Empty and one-sample calls are fine.
    let mut d = Delay::new(fs, 1);
    d.process(&mut [], &mut []);
    let (mut a, mut b) = ([0.5f32], [0.5f32]);
    d.process(&mut a, &mut b);
    assert_eq!(a[0], 0.5); // dry at unity, nothing echoed yet
}

#[test]
fn non_finite_input_is_silence_and_decays_never_go_subnormal() {
    let fs = 48_000.0f32;
    let s = Settings {
        time_left: ms(1.0),
        feedback: 0.9,
        ..Settings::default()
    };
    let mut d = Delay::new(fs, 512);
    d.update_immediately(&s);
    let mut l = vec![f32::NAN; 512];
    let mut r = vec![f32::INFINITY; 512];
    l[3] = f32::NEG_INFINITY;
    d.process(&mut l, &mut r);
    assert!(l.iter().chain(&r).all(|v| *v == 0.0));
    // An impulse decaying through 90 % feedback every millisecond for 10 s: far below the
    // subnormal range, the loop must flush to exact silence.
    let mut l = impulse(480_000, 1.0);
    let mut r = l.clone();
    d.process(&mut l, &mut r);
    for v in l.iter().chain(&r) {
        assert!(*v == 0.0 || v.abs() >= f32::MIN_POSITIVE, "subnormal {v:e}");
    }
    assert!(l[479_000..].iter().all(|v| *v == 0.0));
}

#[test]
fn the_reported_tail_covers_the_measured_decay() {
    let fs = 48_000.0f32;
    for (fb, t) in [(0.5f32, 100.0), (0.9, 20.0), (0.0, 300.0)] {
        let s = Settings {
            time_left: ms(t),
            feedback: fb,
            ..wet_only()
        };
        let mut d = Delay::new(fs, 512);
        d.update_immediately(&s);
        let tail = d.tail_samples().expect("decaying loop") as usize;
        let mut l = impulse(tail + 48_000, 1.0);
        let mut r = l.clone();
        d.process(&mut l, &mut r);
        // Last sample above −96 dB.
        let last = l
            .iter()
            .rposition(|v| v.abs() > 10f32.powf(-96.0 / 20.0))
            .unwrap_or(0);
        println!("fb {fb}, {t} ms: tail {tail} samples, decays below −96 dB after {last}");
        assert!(last <= tail, "{last} > {tail}");
        assert!(
            tail <= last + 2 * (t as usize * 48) + 3_000,
            "tail {tail} far beyond {last}"
        );
    }
    let mut d = Delay::new(fs, 512);
    d.update_immediately(&Settings {
        feedback: 1.0,
        ..Settings::default()
    });
    assert_eq!(d.tail_samples(), None);
    d.update_immediately(&Settings {
        freeze: true,
        ..Settings::default()
    });
    assert_eq!(d.tail_samples(), None);
}

#[test]
fn defaults_pass_the_dry_signal_at_unity_with_quieter_echoes() {
    let fs = 48_000.0f32;
    let x = impulse(30_000, 1.0);
    let (l, r) = render(&Settings::default(), fs, &x, &x, 512);
    assert_eq!((l[0], r[0]), (1.0, 1.0));
    // The first echo: 1/4 at 120 BPM, 6 dB down.
    assert!((l[24_000] as f64 - 10f64.powf(-6.0 / 20.0)).abs() < 1e-6);
    assert_eq!(argmax_abs(&l), 0);
    // Silence in, silence out.
    let z = vec![0.0; 10_000];
    let (l, r) = render(&Settings::default(), fs, &z, &z, 512);
    assert!(l.iter().chain(&r).all(|v| *v == 0.0));
}

/// Largest third difference |y[n] − 3y[n−1] + 3y[n−2] − y[n−3]|: tiny for a low tone
/// (A·(2·sin(ω/2))³, 6·10⁻⁵·A at 300 Hz and 48 kHz) and for anything that glides, but about
/// the size of the step itself at a discontinuity: a click detector that does not mind the
/// level changing.
fn max_third_difference(x: &[f32]) -> f32 {
    x.windows(4)
        .map(|w| (w[3] - 3.0 * w[2] + 3.0 * w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

/// Every switch and jump that is not a time change (those have their own test) glides: while
/// it happens, the output's third difference (see above) stays below 4·10⁻³ (−48 dBFS). What
/// remains there is the kink where an exponential glide starts (its slope jumps from zero to
/// 1/480 of the change per sample); a hard switch of an output level steps by the change
/// itself, tens of times more.
#[test]
fn switches_glide_without_clicks() {
    let fs = 48_000.0f32;
    let base = Settings {
        time_left: ms(50.0),
        offset_ms: 7.0,
        feedback: 0.5,
        dry_db: -6.0,
        wet_db: 0.0,
        ..Settings::default()
    };
    let changes: [(&str, Settings); 9] = [
        (
            "ping-pong",
            Settings {
                ping_pong: Some(Side::Right),
                ..base
            },
        ),
        (
            "ping-pong, stereo input",
            Settings {
                ping_pong: Some(Side::Left),
                ping_pong_mono: false,
                ..base
            },
        ),
        (
            "freeze",
            Settings {
                freeze: true,
                ..base
            },
        ),
        (
            "low cut",
            Settings {
                low_cut_hz: Some(800.0),
                ..base
            },
        ),
        (
            "high cut",
            Settings {
                high_cut_hz: Some(1_000.0),
                ..base
            },
        ),
        (
            "full cross feedback",
            Settings {
                cross_feedback: 1.0,
                ..base
            },
        ),
        ("width 0", Settings { width: 0.0, ..base }),
        (
            "wet off",
            Settings {
                wet_db: f32::NEG_INFINITY,
                ..base
            },
        ),
        (
            "dry +6 dB",
            Settings {
                dry_db: 6.0,
                ..base
            },
        ),
    ];
    let n = 3 * 48_000;
    let switch_at = 2 * 48_000 + 40; // at a crest of the tone, where a hard switch shows most
    let x = sine(n, 300.0, 0.5, fs);
    let mut worst = 0.0f32;
    for (name, after) in changes {
        for (from, to) in [(base, after), (after, base)] {
            let mut d = Delay::new(fs, 512);
            d.update_immediately(&from);
            let (mut l, mut r) = (x.clone(), x.clone());
            d.process(&mut l[..switch_at], &mut r[..switch_at]);
            d.update(&to);
            d.process(&mut l[switch_at..], &mut r[switch_at..]);
            for y in [&l, &r] {
                let during = max_third_difference(&y[switch_at - 3..switch_at + 24_000]);
                worst = worst.max(during);
                assert!(
                    during < 4e-3,
                    "{name} ({}): third difference {during}",
                    if from == base { "on" } else { "off" }
                );
            }
            // The detector does see a hard switch: the same change without any glide.
            let (mut l, mut r) = (x.clone(), x.clone());
            let mut d = Delay::new(fs, 512);
            d.update_immediately(&from);
            d.process(&mut l[..switch_at], &mut r[..switch_at]);
            d.update_immediately(&to);
            d.process(&mut l[switch_at..], &mut r[switch_at..]);
            let hard = max_third_difference(&l[switch_at - 3..switch_at + 24_000])
                .max(max_third_difference(&r[switch_at - 3..switch_at + 24_000]));
            // (Switches acting inside the loop change the output only gradually even when
            // hard; the output-level ones jump.)
            if ["width 0", "wet off", "dry +6 dB"].contains(&name) {
                println!("{name}: third difference of a hard switch {hard:.3}");
                assert!(hard > 4e-2, "{name}: a hard switch gives only {hard}");
            }
        }
    }
    println!("switches: largest third difference while switching {worst:.2e} (bound 4e-3)");
}
