//! Measurements of the chorus against closed forms: LFO periods from the set rate and tempo,
//! Doppler deviation from d(t), vibrato spectra from Bessel functions and the ideal phase
//! modulation, comb notches and resonances from the delay and feedback, the BBD band edge
//! from the Butterworth prototype; plus transparency, block-size independence, rates,
//! poison recovery and clicks.

use super::*;
use crate::delay::{Division, Feel};
use crate::test_support::{XorShift, largest_step};
use core::f64::consts::{PI, TAU};
use realfft::RealFftPlanner;

fn render(
    s: &Settings,
    fs: f32,
    left: &[f32],
    right: &[f32],
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut c = Chorus::new(fs, block.min(8192));
    c.update_immediately(s);
    let (mut l, mut r) = (left.to_vec(), right.to_vec());
    for (l, r) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        c.process(l, r);
    }
    (l, r)
}

fn sine(n: usize, freq: f64, amp: f64, fs: f32) -> Vec<f32> {
    (0..n)
        .map(|i| (amp * (TAU * freq * i as f64 / fs as f64).sin()) as f32)
        .collect()
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

/// 4-term Blackman-Harris window (sidelobes −92 dB).
fn blackman_harris(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let x = TAU * i as f64 / n as f64;
            0.35875 - 0.48829 * x.cos() + 0.14128 * (2.0 * x).cos() - 0.01168 * (3.0 * x).cos()
        })
        .collect()
}

/// Amplitude spectrum of `x` under a Blackman-Harris window, scaled so that a sine of
/// amplitude A centred on a bin reads A there.
fn amplitude_spectrum(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let w = blackman_harris(n);
    let gain: f64 = w.iter().sum::<f64>() / 2.0;
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(n);
    let mut input: Vec<f64> = x.iter().zip(&w).map(|(a, b)| a * b).collect();
    let mut out = fft.make_output_vec();
    fft.process(&mut input, &mut out).expect("fft");
    out.iter().map(|c| c.norm() / gain).collect()
}

/// Bessel function of the first kind J_n(x), from its integral (periodic integrand: the
/// trapezoid rule converges exponentially).
fn bessel_j(n: i32, x: f64) -> f64 {
    let m = 2_000;
    (0..m)
        .map(|k| {
            let t = PI * (k as f64 + 0.5) / m as f64;
            (n as f64 * t - x * t.sin()).cos()
        })
        .sum::<f64>()
        / m as f64
}

/// Times of the upward zero crossings of `x` (linear interpolation), in samples.
fn upward_crossings(x: &[f64]) -> Vec<f64> {
    x.windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] < 0.0 && w[1] >= 0.0)
        .map(|(i, w)| i as f64 + w[0] / (w[0] - w[1]))
        .collect()
}

fn vibrato(rate_hz: f32, depth_ms: f32, delay_ms: f32) -> Settings {
    Settings {
        mode: Mode::Vibrato,
        rate: Rate::Hz(rate_hz),
        depth_ms,
        delay_ms,
        mix: 1.0,
        ..Settings::default()
    }
}

/// The left first voice's delay (ms), read every `step` samples of silence.
fn delay_curve(s: &Settings, fs: f32, bpm: f64, seconds: f64, step: usize) -> Vec<f64> {
    let mut c = Chorus::new(fs, step);
    c.set_tempo(bpm);
    c.update_immediately(s);
    let mut l = vec![0.0f32; step];
    let mut r = vec![0.0f32; step];
    let blocks = (seconds * fs as f64 / step as f64) as usize;
    (0..blocks)
        .map(|_| {
            let d = c.voice_delays_ms().0[0] as f64;
            c.process(&mut l, &mut r);
            d
        })
        .collect()
}

/// The period (samples) of the delay curve sampled every `step` samples: first to last
/// upward crossing of its mean, over the cycles between.
fn measured_rate(curve: &[f64], step: usize, fs: f32) -> f64 {
    let mean = curve.iter().sum::<f64>() / curve.len() as f64;
    let centred: Vec<f64> = curve.iter().map(|v| v - mean).collect();
    let x = upward_crossings(&centred);
    let cycles = (x.len() - 1) as f64;
    fs as f64 * cycles / ((x[x.len() - 1] - x[0]) * step as f64)
}

#[test]
fn lfo_rate_free_and_tempo_synced() {
    let fs = 48_000.0;
    for rate in [0.25f32, 0.8, 2.5, 7.3, 19.0] {
        let s = Settings {
            rate: Rate::Hz(rate),
            voices: 1,
            ..Settings::default()
        };
        let seconds = (4.2 / rate as f64).max(2.0);
        let step = 16;
        let got = measured_rate(&delay_curve(&s, fs, 120.0, seconds, step), step, fs);
        let err = (got / rate as f64 - 1.0).abs();
        println!(
            "chorus LFO free {rate} Hz: measured {got:.5} Hz ({:.4} %)",
            err * 100.0
        );
        assert!(err < 0.005, "{rate}: {got}");
    }
    let notes = [
        (Division::Quarter, Feel::Straight),
        (Division::Eighth, Feel::Dotted),
        (Division::Half, Feel::Triplet),
        (Division::Bar, Feel::Straight),
        (Division::Sixteenth, Feel::Straight),
    ];
    for bpm in [90.0, 120.0, 174.0] {
        for &(division, feel) in &notes {
            let note = NoteValue { division, feel };
            let want = bpm / 60.0 / note.quarters();
            let s = Settings {
                rate: Rate::Note(note),
                voices: 1,
                ..Settings::default()
            };
            let mut c = Chorus::new(fs, 64);
            c.set_tempo(bpm);
            c.update_immediately(&s);
            assert!((c.rate_hz() - want).abs() < 1e-9, "{bpm} {note:?}");
            let seconds = (6.0 / want).clamp(2.0, 16.0);
            let got = measured_rate(&delay_curve(&s, fs, bpm, seconds, 16), 16, fs);
            let err = (got / want - 1.0).abs();
            println!(
                "chorus LFO {bpm} BPM {division:?} {feel:?}: {got:.5} Hz vs {want:.5} ({:.4} %)",
                err * 100.0
            );
            assert!(err < 0.005, "{bpm} {note:?}: {got} vs {want}");
        }
    }
    // 1/4 at 120 BPM is 2 Hz.
    let mut c = Chorus::new(fs, 64);
    c.update_immediately(&Settings {
        rate: Rate::Note(NoteValue::QUARTER),
        ..Settings::default()
    });
    assert_eq!(c.rate_hz(), 2.0);
}

/// Peak frequency deviation of a sine of `f` Hz through the vibrato, from the intervals of
/// its zero crossings.
fn measured_deviation(fs: f32, f: f64, rate: f32, depth_ms: f32) -> f64 {
    let seconds = 2.0;
    let n = (seconds * fs as f64) as usize;
    let x = sine(n, f, 0.5, fs);
    let (y, _) = render(&vibrato(rate, depth_ms, 2.0), fs, &x, &x, 512);
    let y: Vec<f64> = y[(0.1 * fs as f64) as usize..]
        .iter()
        .map(|&v| v as f64)
        .collect();
    let z = upward_crossings(&y);
    let inst: Vec<f64> = z.windows(2).map(|w| fs as f64 / (w[1] - w[0])).collect();
    let hi = inst.iter().copied().fold(f64::MIN, f64::max);
    let lo = inst.iter().copied().fold(f64::MAX, f64::min);
    (hi - lo) / 2.0
}

#[test]
fn vibrato_deviation_is_the_doppler_of_the_swing() {
    // d(t) = D + depth·sin(2π·rate·t): f_inst = f·(1 − d'(t)), peak deviation 2π·f·depth·rate.
    for (fs, f, rate, depth_ms) in [
        (48_000.0f32, 1_000.0, 2.0f32, 1.0f32),
        (48_000.0, 500.0, 5.0, 3.0),
        (44_100.0, 1_000.0, 2.0, 1.0),
        (192_000.0, 1_000.0, 2.0, 1.0),
    ] {
        let want = TAU * f * depth_ms as f64 * 1e-3 * rate as f64;
        let got = measured_deviation(fs, f, rate, depth_ms);
        let err = (got / want - 1.0).abs();
        println!(
            "chorus vibrato {fs} Hz, {f} Hz sine, {rate} Hz, {depth_ms} ms: deviation {got:.3} Hz \
             vs {want:.3} ({:.2} %)",
            err * 100.0
        );
        assert!(err < 0.02, "{fs} {f}: {got} vs {want}");
    }
}

/// A 10 kHz sine through the vibrato: its spectrum's lines against J_n(β), and everything
/// else (the output minus the ideal phase-modulated sine) against [`OTHER_PRODUCTS_DB`].
#[test]
fn vibrato_spectrum_is_bessel_and_clean() {
    let fs = 48_000.0f32;
    let n = 1 << 17;
    let bin = fs as f64 / n as f64;
    let carrier_bin = 27_307; // 9999.76 Hz
    let f = carrier_bin as f64 * bin;
    let rate_bins = 15; // 5.49 Hz, exact in f32
    let rate = (rate_bins as f64 * bin) as f32;
    let skip = 8_192;
    let x = sine(skip + n, f, 0.5, fs);
    let mut worst_other = f64::MIN;
    for depth_ms in [0.04f32, 0.5] {
        let s = vibrato(rate, depth_ms, 1.0);
        let (y, _) = render(&s, fs, &x, &x, 512);
        let depth = (depth_ms as f64 * 1e-3 * fs as f64) as f32 as f64;
        let centre = 48.0;
        let beta = TAU * f / fs as f64 * depth;
        // The ideal output: the input sine at t − d(t), d(t) = centre + depth·sin(2π·rate·t).
        let ideal: Vec<f64> = (skip..skip + n)
            .map(|i| {
                let t = i as f64;
                let d = centre + depth * (TAU * rate as f64 * t / fs as f64).sin();
                0.5 * (TAU * f * (t - d) / fs as f64).sin()
            })
            .collect();
        let out: Vec<f64> = y[skip..].iter().map(|&v| v as f64).collect();
        let spec = amplitude_spectrum(&out);
        // Lines against Bessel (those above −40 dB re the input).
        let mut worst_line = 0.0f64;
        for k in -6i32..=6 {
            let j = bessel_j(k.abs(), beta).abs();
            if j < 0.01 {
                continue;
            }
            let b = (carrier_bin as i64 + k as i64 * rate_bins) as usize;
            let got = spec[b] / 0.5;
            let e = db(got / j);
            worst_line = worst_line.max(e.abs());
            assert!(
                e.abs() < 0.5,
                "β {beta:.2}, line {k}: {} dB vs J = {}",
                db(got),
                db(j)
            );
        }
        let residual: Vec<f64> = out.iter().zip(&ideal).map(|(a, b)| a - b).collect();
        let rs = amplitude_spectrum(&residual);
        let other = db(rs.iter().copied().fold(0.0, f64::max) / 0.5);
        println!(
            "chorus vibrato 10 kHz, β = {beta:.2}: Bessel lines within {worst_line:.3} dB; \
             other products {other:.1} dB re the carrier"
        );
        worst_other = worst_other.max(other);
    }
    assert!(worst_other < OTHER_PRODUCTS_DB, "{worst_other}");
}

fn impulse(n: usize, amp: f32, at: usize) -> Vec<f32> {
    let mut x = vec![0.0; n];
    x[at] = amp;
    x
}

/// |H| in dB on a fine grid (zero-padded FFT of an impulse response).
fn response_db(ir: &[f32], n: usize) -> Vec<f64> {
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(n);
    let mut input = vec![0.0f64; n];
    for (d, &s) in input.iter_mut().zip(ir) {
        *d = s as f64;
    }
    let mut out = fft.make_output_vec();
    fft.process(&mut input, &mut out).expect("fft");
    out.iter().map(|c| db(c.norm().max(1e-12))).collect()
}

/// The frequency of the deepest minimum of `h` within ±`width` Hz of `f`.
fn minimum_near(h: &[f64], n: usize, fs: f64, f: f64, width: f64) -> f64 {
    let bin = fs / n as f64;
    let lo = ((f - width) / bin).max(1.0) as usize;
    let hi = (((f + width) / bin) as usize).min(h.len() - 2);
    let k = (lo..=hi)
        .min_by(|&a, &b| h[a].total_cmp(&h[b]))
        .unwrap_or(lo);
    // Parabolic refinement.
    let (a, b, c) = (h[k - 1], h[k], h[k + 1]);
    let den = a - 2.0 * b + c;
    let off = if den.abs() > 1e-12 {
        0.5 * (a - c) / den
    } else {
        0.0
    };
    (k as f64 + off) * bin
}

fn flanger(delay_ms: f32, feedback: f32, mix: f32) -> Settings {
    Settings {
        mode: Mode::Flanger,
        depth_ms: 0.0,
        delay_ms,
        feedback,
        mix,
        ..Settings::default()
    }
}

#[test]
fn flanger_comb_notches_where_the_delay_puts_them() {
    let fs = 48_000.0f32;
    let n = 1 << 16;
    let mut worst = 0.0f64;
    // (delay ms, feedback, through zero, notch at (2k+1)/(2D) or k/D).
    for (delay_ms, feedback, tz) in [
        (2.0f32, 0.0f32, false),
        (1.013, 0.0, false),
        (3.7, -0.5, false),
        (1.5, 0.0, true),
        // Inverted (a negative feedback too small to move the notches).
        (0.77, -0.01, true),
    ] {
        let s = Settings {
            through_zero: tz,
            ..flanger(delay_ms, feedback, 0.5)
        };
        let x = impulse(n, 1.0, 0);
        let (y, _) = render(&s, fs, &x, &x, 512);
        let h = response_db(&y, n);
        let d = delay_ms as f64 * 1e-3;
        let mut errors = vec![];
        for k in 0..6 {
            let want = if feedback < 0.0 {
                (k + 1) as f64 / d
            } else {
                (2 * k + 1) as f64 / (2.0 * d)
            };
            if want > 0.4 * fs as f64 {
                break;
            }
            let got = minimum_near(&h, n, fs as f64, want, 0.2 / d);
            let e = (got / want - 1.0).abs();
            errors.push(e);
            assert!(
                e < 0.01,
                "{delay_ms} ms fb {feedback} tz {tz}: {got} vs {want}"
            );
        }
        let e = errors.iter().copied().fold(0.0, f64::max);
        worst = worst.max(e);
        println!(
            "chorus flanger {delay_ms} ms, feedback {feedback}, through zero {tz}: {} notches, \
             worst frequency error {:.4} %",
            errors.len(),
            e * 100.0
        );
    }
    let mut c = Chorus::new(fs, 64);
    c.update_immediately(&Settings {
        through_zero: true,
        ..flanger(1.0, 0.0, 0.5)
    });
    assert_eq!(c.latency_samples(), 960);
    println!("chorus flanger: worst notch error {:.4} %", worst * 100.0);
}

#[test]
fn feedback_resonance_peaks_and_troughs() {
    let fs = 48_000.0f32;
    let n = 1 << 16;
    for g in [0.5f32, 0.9, -0.7, 0.95] {
        // 1 ms = 48 samples: an exact read, so the comb is exactly y = x + g·y[n − D].
        let s = flanger(1.0, g, 1.0);
        let x = impulse(n, 1.0, 0);
        let (y, _) = render(&s, fs, &x, &x, 512);
        let h = response_db(&y, n);
        let band = &h[10..(0.4 * n as f64) as usize];
        let peak = band.iter().copied().fold(f64::MIN, f64::max);
        let trough = band.iter().copied().fold(f64::MAX, f64::min);
        let ga = g.abs() as f64;
        let (want_peak, want_trough) = (-db(1.0 - ga), -db(1.0 + ga));
        println!(
            "chorus flanger feedback {g}: peak {peak:.3} dB (closed form {want_peak:.3}), \
             trough {trough:.3} dB ({want_trough:.3})"
        );
        assert!((peak - want_peak).abs() < 0.2, "{g}: {peak}");
        assert!((trough - want_trough).abs() < 0.2, "{g}: {trough}");
    }
}

/// Averaged power spectrum (Hann, 4096-point segments, half overlap).
fn welch(x: &[f64]) -> Vec<f64> {
    let m = 4096;
    let w: Vec<f64> = (0..m)
        .map(|i| 0.5 - 0.5 * (TAU * i as f64 / m as f64).cos())
        .collect();
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(m);
    let mut acc = vec![0.0; m / 2 + 1];
    let mut out = fft.make_output_vec();
    for seg in x.windows(m).step_by(m / 2) {
        let mut input: Vec<f64> = seg.iter().zip(&w).map(|(a, b)| a * b).collect();
        fft.process(&mut input, &mut out).expect("fft");
        for (a, c) in acc.iter_mut().zip(&out) {
            *a += c.norm_sqr();
        }
    }
    acc
}

/// Deepest third-octave band of the mono sum, 100 Hz … 16 kHz, below the level a mono sum of
/// uncorrelated voices has: the bound of [`chorus_mono_sum_has_no_deep_holes`].
///
/// That level, the plateau, is the closed form for a 50 % equal-power mix whose left and
/// right wet signals are uncorrelated with the dry and with each other: (L + R)/2 holds ½ of
/// the input's power from the dry (cos² 45°) and ¼ from the wet (sin² 45° / 2),
/// 10·log10(0.75) = −1.25 dB; from 800 Hz up every band lies on it. Why deeper at the
/// bottom: the voices sit around the 12 ms centre, whose comb against the dry has its first
/// notches at 42, 125 and 208 Hz; the ±3 ms swing moves them by only ±0.5 notch spacing at
/// 160 Hz, too little for the sweep to average the comb out, and at low frequencies the
/// voices add coherently (measured: 3.5 dB below the plateau, in the 160 Hz band).
const MONO_HOLE_DB: f64 = -4.0;
/// The plateau above (dB re the input).
const MONO_PLATEAU_DB: f64 = -1.249_387_366_082_999_8;

#[test]
fn chorus_mono_sum_has_no_deep_holes() {
    let fs = 48_000.0f32;
    let n = 10 * fs as usize;
    let mut rng = XorShift::new(7);
    let x: Vec<f32> = (0..n).map(|_| 0.25 * rng.uniform()).collect();
    let s = Settings {
        voices: 4,
        mix: 0.5,
        ..Settings::default()
    };
    let (l, r) = render(&s, fs, &x, &x, 512);
    let sum: Vec<f64> = l
        .iter()
        .zip(&r)
        .map(|(a, b)| 0.5 * (*a as f64 + *b as f64))
        .collect();
    let xin: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let (ps, pi) = (welch(&sum[4_800..]), welch(&xin[4_800..]));
    let bin = fs as f64 / 4096.0;
    let mut worst = f64::MAX;
    let mut centre = 100.0f64;
    while centre <= 16_000.0 {
        let (lo, hi) = (centre / 2f64.powf(1.0 / 6.0), centre * 2f64.powf(1.0 / 6.0));
        let range = (lo / bin).ceil() as usize..=(hi / bin).floor() as usize;
        let a: f64 = ps[range.clone()].iter().sum();
        let b: f64 = pi[range].iter().sum();
        let d = 10.0 * (a / b).log10();
        worst = worst.min(d);
        if centre >= 1_000.0 {
            assert!(
                (d - MONO_PLATEAU_DB).abs() < 1.0,
                "{centre:.0} Hz band at {d:.2} dB, off the plateau"
            );
        }
        centre *= 2f64.powf(1.0 / 3.0);
    }
    assert!((MONO_PLATEAU_DB - 10.0 * 0.75f64.log10()).abs() < 1e-12);
    let hole = worst - MONO_PLATEAU_DB;
    println!(
        "chorus 4 voices mono sum: deepest third-octave band {worst:.2} dB re the input, \
         {hole:.2} dB re the plateau"
    );
    assert!(hole > MONO_HOLE_DB, "{hole}");
}

#[test]
fn mix_zero_is_bit_transparent_in_every_mode() {
    let fs = 48_000.0f32;
    let mut rng = XorShift::new(3);
    let n = 20_000;
    let l: Vec<f32> = (0..n).map(|_| 0.5 * rng.uniform()).collect();
    let r: Vec<f32> = (0..n).map(|_| 0.5 * rng.uniform()).collect();
    for mode in [Mode::Chorus, Mode::Ensemble, Mode::Flanger, Mode::Vibrato] {
        for tz in [false, true] {
            let s = Settings {
                mode,
                through_zero: tz,
                feedback: 0.6,
                analog: true,
                low_cut_hz: 200.0,
                high_cut_hz: 5_000.0,
                mix: 0.0,
                output: 1.0,
                ..Settings::default()
            };
            let (ol, or) = render(&s, fs, &l, &r, 333);
            let mut c = Chorus::new(fs, 64);
            c.update_immediately(&s);
            let lat = c.latency_samples() as usize;
            assert_eq!(lat, if mode == Mode::Flanger && tz { 960 } else { 0 });
            for i in 0..n {
                let (wl, wr) = if i >= lat {
                    (l[i - lat], r[i - lat])
                } else {
                    (0.0, 0.0)
                };
                assert_eq!(ol[i].to_bits(), wl.to_bits(), "{mode:?} tz {tz} L {i}");
                assert_eq!(or[i].to_bits(), wr.to_bits(), "{mode:?} tz {tz} R {i}");
            }
        }
    }
    // Gliding there (the plugin's bypass) ends transparent too.
    let mut c = Chorus::new(fs, 512);
    c.update_immediately(&Settings::default());
    let (mut a, mut b) = (l.clone(), r.clone());
    c.process(&mut a, &mut b);
    c.update(&crate::bypass::Bypass::bypassed(&Settings::default()));
    let (mut a, mut b) = (l.clone(), r.clone());
    c.process(&mut a, &mut b);
    assert!(a[n - 1_000..] == l[n - 1_000..] && b[n - 1_000..] == r[n - 1_000..]);
}

#[test]
fn any_block_length_gives_the_same_output() {
    let fs = 48_000.0f32;
    let mut rng = XorShift::new(11);
    let n = 20_000;
    let l: Vec<f32> = (0..n).map(|_| 0.5 * rng.uniform()).collect();
    let r: Vec<f32> = (0..n).map(|_| 0.5 * rng.uniform()).collect();
    for s in [
        Settings {
            voices: 4,
            ..Settings::default()
        },
        Settings {
            mode: Mode::Flanger,
            feedback: -0.8,
            analog: true,
            delay_ms: 1.0,
            depth_ms: 2.0,
            through_zero: true,
            rate: Rate::Hz(3.0),
            ..Settings::default()
        },
        Settings {
            mode: Mode::Ensemble,
            low_cut_hz: 300.0,
            high_cut_hz: 6_000.0,
            width: 1.6,
            ..Settings::default()
        },
    ] {
        let (wl, wr) = render(&s, fs, &l, &r, n);
        for block in [1usize, 7, 333, 8192] {
            let (bl, br) = render(&s, fs, &l, &r, block);
            assert!(
                wl.iter().zip(&bl).all(|(a, b)| a.to_bits() == b.to_bits())
                    && wr.iter().zip(&br).all(|(a, b)| a.to_bits() == b.to_bits()),
                "{:?}: blocks of {block} differ",
                s.mode
            );
        }
        // Longer than the announced maximum.
        let mut c = Chorus::new(fs, 64);
        c.update_immediately(&s);
        let (mut a, mut b) = (l.clone(), r.clone());
        c.process(&mut a, &mut b);
        assert!(a == wl && b == wr);
        // And 0.
        c.process(&mut [], &mut []);
    }
}

#[test]
fn runs_at_every_sample_rate() {
    for fs in [22_050.0f32, 44_100.0, 96_000.0, 192_000.0, 384_000.0] {
        for mode in [Mode::Chorus, Mode::Ensemble, Mode::Flanger, Mode::Vibrato] {
            let s = Settings {
                mode,
                depth_ms: MAX_DEPTH_MS,
                delay_ms: MAX_DELAY_MS,
                feedback: 0.9,
                through_zero: true,
                voices: 4,
                analog: true,
                ..Settings::default()
            };
            let x = sine(fs as usize / 4, 440.0, 0.5, fs);
            let (l, r) = render(&s, fs, &x, &x, 1000);
            let peak = l.iter().chain(&r).fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(peak.is_finite() && peak < 4.0, "{fs} {mode:?}: {peak}");
            assert!(peak > 0.1, "{fs} {mode:?}: silent");
        }
    }
}

#[test]
fn non_finite_bursts_leave_no_trace() {
    let fs = 48_000.0f32;
    let s = Settings {
        mode: Mode::Flanger,
        feedback: 0.9,
        analog: true,
        low_cut_hz: 100.0,
        ..Settings::default()
    };
    let mut c = Chorus::new(fs, 256);
    c.update_immediately(&s);
    let n = 24_000;
    let mut l = sine(n, 300.0, 0.5, fs);
    let mut r = l.clone();
    for (i, v) in [f32::NAN, f32::INFINITY, -1e30, f32::NEG_INFINITY]
        .iter()
        .enumerate()
    {
        l[1_000 + i * 3_000..1_100 + i * 3_000].fill(*v);
        r[2_000 + i * 3_000..2_050 + i * 3_000].fill(*v);
    }
    c.process(&mut l, &mut r);
    let mut tl = sine(n, 300.0, 0.5, fs);
    let mut tr = tl.clone();
    c.process(&mut tl, &mut tr);
    let mut f = Chorus::new(fs, 256);
    f.update_immediately(&s);
    let mut fl = sine(n, 300.0, 0.5, fs);
    let mut fr = fl.clone();
    f.process(&mut fl, &mut fr);
    let mut fl = sine(n, 300.0, 0.5, fs);
    let mut fr = fl.clone();
    f.process(&mut fl, &mut fr);
    assert!(tl.iter().chain(&tr).all(|v| v.is_finite()));
    let rms =
        |x: &[f32]| (x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
    let d = db(rms(&tl[12_000..]) / rms(&fl[12_000..]));
    println!("chorus after NaN/inf bursts: level {d:.3} dB from a fresh instance's");
    assert!(d.abs() < 0.5, "{d}");
}

#[test]
fn mode_and_voice_changes_do_not_click() {
    let fs = 48_000.0f32;
    let (f, amp) = (440.0, 0.5);
    let n = 4_800;
    let own_slope = (TAU * f / fs as f64 * amp) as f32;
    let base = Settings {
        voices: 2,
        depth_ms: 3.0,
        ..Settings::default()
    };
    let changes = [
        Settings { voices: 4, ..base },
        Settings { voices: 1, ..base },
        Settings {
            mode: Mode::Flanger,
            feedback: 0.0,
            ..base
        },
        Settings {
            mode: Mode::Flanger,
            through_zero: true,
            ..base
        },
        Settings {
            mode: Mode::Ensemble,
            ..base
        },
        Settings {
            mode: Mode::Vibrato,
            ..base
        },
        Settings {
            analog: true,
            mode: Mode::Vibrato,
            ..base
        },
        Settings {
            mode: Mode::Chorus,
            delay_ms: 30.0,
            depth_ms: 10.0,
            spread_deg: 180.0,
            ..base
        },
    ];
    let mut c = Chorus::new(fs, 512);
    c.update_immediately(&base);
    let x = sine(n * (changes.len() + 1), f, amp, fs);
    let (mut l, mut r) = (x.clone(), x.clone());
    let mut worst = 0.0f32;
    for (i, (bl, br)) in l.chunks_mut(n).zip(r.chunks_mut(n)).enumerate() {
        if i > 0 {
            c.update(&changes[i - 1]);
        }
        for (a, b) in bl.chunks_mut(100).zip(br.chunks_mut(100)) {
            c.process(a, b);
        }
    }
    // The first 30 ms are the lines filling (an onset, not a change).
    for (i, (sl, sr)) in l.chunks(n).zip(r.chunks(n)).enumerate() {
        let from = if i == 0 { 1_440 } else { 0 };
        let step = largest_step(&sl[from..]).max(largest_step(&sr[from..]));
        println!("chorus change {i}: largest step {step:.4}");
        worst = worst.max(step);
    }
    println!(
        "chorus mode/voice/topology changes: largest step {worst:.4} (the sine's own slope \
         {own_slope:.4})"
    );
    assert!(worst < 1.5 * own_slope, "{worst} vs {own_slope}");
}

#[test]
fn ensemble_lines_are_120_degrees_apart_with_slow_and_fast_lfos() {
    let fs = 48_000.0f32;
    let rate = 0.5f64;
    let s = Settings {
        mode: Mode::Ensemble,
        rate: Rate::Hz(rate as f32),
        depth_ms: 4.0,
        delay_ms: 10.0,
        ..Settings::default()
    };
    let step = 16;
    let mut c = Chorus::new(fs, step);
    c.update_immediately(&s);
    let blocks = (4.0 / rate * fs as f64) as usize / step; // four slow cycles
    let (mut l, mut r) = (vec![0.0; step], vec![0.0; step]);
    let mut curves = vec![vec![]; 3];
    for _ in 0..blocks {
        let (d, per_side) = c.voice_delays_ms();
        assert_eq!(per_side, 3);
        for v in 0..3 {
            curves[v].push(d[v] as f64);
        }
        c.process(&mut l, &mut r);
    }
    // Each line's delay projected on sin/cos at the slow and the fast rate.
    let project = |x: &[f64], f: f64| -> (f64, f64) {
        let (mut a, mut b) = (0.0, 0.0);
        for (k, v) in x.iter().enumerate() {
            let t = (k * step) as f64 / fs as f64;
            a += v * (TAU * f * t).sin();
            b += v * (TAU * f * t).cos();
        }
        let m = x.len() as f64 / 2.0;
        ((a / m).hypot(b / m), b.atan2(a))
    };
    let depth = 4.0;
    let fast_share = ENSEMBLE_FAST_SHARE as f64;
    for (f, want_amp) in [
        (rate, depth * (1.0 - fast_share)),
        (rate * ENSEMBLE_FAST_RATIO, depth * fast_share),
    ] {
        let p: Vec<(f64, f64)> = curves.iter().map(|c| project(c, f)).collect();
        for (v, &(amp, phase)) in p.iter().enumerate() {
            // Line v at θ = v/3 cycles (the fast LFO, 7 cycles per slow one, at 7·θ).
            let turns = if f == rate { 1.0 } else { ENSEMBLE_FAST_RATIO };
            let want = TAU * v as f64 / 3.0 * turns;
            let diff = ((phase - want) / TAU + 0.5).rem_euclid(1.0) - 0.5;
            println!(
                "chorus ensemble line {v} at {f} Hz: swing {amp:.4} ms (set {want_amp:.4}), \
                 phase error {:.3}°",
                diff * 360.0
            );
            assert!((amp / want_amp - 1.0).abs() < 0.01, "{v} {f}: {amp}");
            assert!(diff.abs() * 360.0 < 1.0, "{v} {f}: {diff}");
        }
    }
}

#[test]
fn analog_band_edge_and_saturation() {
    let fs = 48_000.0f32;
    let n = 1 << 14;
    // Static vibrato (depth 0, 1 ms): the wet path alone, exactly delayed. A small impulse
    // keeps the saturator linear (its cubic term is 3·10⁻⁷ of the signal at 10⁻³).
    let s = Settings {
        analog: true,
        ..vibrato(1.0, 0.0, 1.0)
    };
    let amp = 1e-3;
    let x = impulse(n, amp, 0);
    let (y, _) = render(&s, fs, &x, &x, 512);
    let y: Vec<f32> = y.iter().map(|v| v / amp).collect();
    let h = response_db(&y, n);
    let bin = fs as f64 / n as f64;
    let k = h.iter().position(|&v| v < -3.0103).unwrap_or(0);
    let edge = (k as f64 - 1.0 + (h[k - 1] + 3.0103) / (h[k - 1] - h[k])) * bin;
    let want = analog::wet_band_edge_hz(fs as f64);
    println!("chorus analog: wet −3 dB at {edge:.1} Hz (closed form {want:.1} Hz)");
    assert!((edge / want - 1.0).abs() < 0.05, "{edge} vs {want}");

    // Saturation: harmonics of a 1 kHz sine (on a bin) at −20 dBFS and at 0 dBFS.
    let n = 1 << 15;
    let f = 683.0 * fs as f64 / n as f64; // 1000.5 Hz
    let thd = |a: f64| {
        let x = sine(n + 4_096, f, a, fs);
        let (y, _) = render(&s, fs, &x, &x, 512);
        let y: Vec<f64> = y[4_096..].iter().map(|&v| v as f64).collect();
        let spec = amplitude_spectrum(&y);
        let h: f64 = (2..=6).map(|k| spec[683 * k].powi(2)).sum();
        10.0 * (h / spec[683].powi(2)).log10()
    };
    let (quiet, hot) = (thd(0.1), thd(1.0));
    println!("chorus analog saturation: THD {quiet:.1} dB at −20 dBFS, {hot:.1} dB at 0 dBFS");
    assert!(quiet < -55.0, "{quiet}");
    assert!(hot > -30.0, "{hot}");
}

#[test]
fn phase_restarts_on_reset_and_can_be_set() {
    let fs = 48_000.0f32;
    let mut c = Chorus::new(fs, 256);
    c.update_immediately(&Settings {
        rate: Rate::Hz(1.0),
        ..Settings::default()
    });
    let (mut l, mut r) = (vec![0.0; 12_000], vec![0.0; 12_000]);
    c.process(&mut l, &mut r);
    assert!((c.phase() - 0.25).abs() < 1e-9, "{}", c.phase());
    c.set_phase(3.75);
    assert!((c.phase() - 0.75).abs() < 1e-12);
    c.reset();
    assert_eq!(c.phase(), 0.0);
    assert!(c.tail_samples() > 0);
}

#[test]
fn avx2_and_baseline_builds_agree_bit_for_bit() {
    if crate::test_support::skip_without_avx2("chorus::avx2_and_baseline_builds_agree") {
        return;
    }
    let fs = 48_000.0f32;
    let mut rng = XorShift::new(5);
    let n = 10_000;
    let l: Vec<f32> = (0..n).map(|_| 0.5 * rng.uniform()).collect();
    let r: Vec<f32> = (0..n).map(|_| 0.5 * rng.uniform()).collect();
    for s in [
        Settings {
            voices: 4,
            analog: true,
            low_cut_hz: 200.0,
            ..Settings::default()
        },
        Settings {
            mode: Mode::Ensemble,
            ..Settings::default()
        },
        Settings {
            mode: Mode::Flanger,
            feedback: 0.8,
            through_zero: true,
            ..Settings::default()
        },
    ] {
        let mut a = Chorus::new(fs, 512);
        let mut b = Chorus::new(fs, 512).without_avx2();
        a.update_immediately(&s);
        b.update_immediately(&s);
        let (mut al, mut ar, mut bl, mut br) = (l.clone(), r.clone(), l.clone(), r.clone());
        a.process(&mut al, &mut ar);
        b.process(&mut bl, &mut br);
        assert!(
            al.iter().zip(&bl).all(|(x, y)| x.to_bits() == y.to_bits())
                && ar.iter().zip(&br).all(|(x, y)| x.to_bits() == y.to_bits()),
            "{:?}",
            s.mode
        );
    }
}

/// The editor's display (`voice_delays_ms`, from the settings alone) against the processor's
/// own voice delays, in every mode, once the glides have settled.
#[test]
fn display_shape_matches_the_processor() {
    let fs = 48_000.0f32;
    let cases = [
        (Mode::Chorus, 4, false, 37.0),
        (Mode::Chorus, 3, false, 180.0),
        (Mode::Ensemble, 2, false, 0.0),
        (Mode::Flanger, 1, true, 90.0),
        (Mode::Flanger, 1, false, 45.0),
        (Mode::Vibrato, 1, false, 120.0),
    ];
    for (mode, voices, through_zero, spread_deg) in cases {
        let s = Settings {
            mode,
            voices,
            through_zero,
            spread_deg,
            rate: Rate::Hz(0.37),
            depth_ms: 2.5,
            delay_ms: 7.0,
            ..Settings::default()
        };
        let mut c = Chorus::new(fs, 512);
        c.update_immediately(&s);
        let (mut l, mut r) = (vec![0.0f32; 4_801], vec![0.0f32; 4_801]);
        c.process(&mut l, &mut r);
        let (got, per_side) = c.voice_delays_ms();
        let want = voice_delays_ms(&s, c.phase());
        assert_eq!(per_side, want.voices, "{mode:?}");
        for v in 0..per_side {
            for (side, w) in [(0, want.left[v]), (voices::RIGHT, want.right[v])] {
                // The processor's positions are in samples (f32), the display's in f64 ms.
                assert!(
                    (got[side + v] - w).abs() < 2e-3,
                    "{mode:?} voice {v} side {side}: processor {} ms, display {w} ms",
                    got[side + v]
                );
            }
        }
    }
}
