//! The built-in impulse responses measured as a room is measured, with the reverb's own test
//! references (`reverb/tests.rs`: octave bands of IEC 61260, Schroeder integration and T30 of
//! ISO 3382-1, IACC): each decays in the time its name says, at every rate; each is a stereo
//! space, not a mono signal twice; renders are deterministic; and the spring disperses, its
//! low frequencies arriving first, on the closed-form group delay of its model.

use std::time::Instant;

use super::super::ir_loader::{IrError, load_source};
use super::super::spring::TANK;
use super::super::tests::{band_t30_at, energy_decay_curve, fractional_octave_band, iacc, t30};
use super::*;

const RATES: [f64; 4] = [44_100.0, 48_000.0, 96_000.0, 192_000.0];

/// T_mid (ISO 3382-1): T30 averaged over the 500 Hz and 1 kHz octaves, from both channels.
fn t_mid(ir: &ImpulseResponse) -> f64 {
    let (l, r, fs) = (&ir.channels[0], &ir.channels[1], ir.sample_rate);
    0.5 * (band_t30_at(l, r, fs, 500.0) + band_t30_at(l, r, fs, 1_000.0))
}

/// Broadband T30 of both channels' energy.
fn broadband_t30(ir: &ImpulseResponse) -> f64 {
    let energy: Vec<f64> = ir.channels[0]
        .iter()
        .zip(&ir.channels[1])
        .map(|(&a, &b)| (a as f64).powi(2) + (b as f64).powi(2))
        .collect();
    t30(&energy_decay_curve(&energy), ir.sample_rate)
}

#[test]
fn each_builtin_decays_in_the_time_its_name_says() {
    let mut report = Vec::new();
    for b in Builtin::ALL {
        let start = Instant::now();
        let ir = b.render(48_000.0);
        let took = start.elapsed().as_secs_f64();
        assert_eq!(ir.channels.len(), 2, "{b:?}: stereo");
        assert_eq!(ir.channels[0].len(), ir.channels[1].len());
        assert!(
            ir.channels.iter().flatten().all(|v| v.is_finite()),
            "{b:?}: finite"
        );
        // Unit mean energy per channel, like a loaded file: never silent.
        let energy: f64 = ir
            .channels
            .iter()
            .flatten()
            .map(|&v| (v as f64).powi(2))
            .sum::<f64>()
            / 2.0;
        assert!((energy - 1.0).abs() < 1e-4, "{b:?}: energy {energy}");
        for (c, h) in ir.channels.iter().enumerate() {
            let e: f64 = h.iter().map(|&v| (v as f64).powi(2)).sum();
            assert!(e > 0.1, "{b:?}: channel {c} nearly silent ({e})");
        }
        let t = t_mid(&ir);
        let want = b.rt60_s() as f64;
        let err = (t - want) / want * 100.0;
        report.push(format!(
            "{:<12} T_mid {t:.3} s (named {want:.1} s, {err:+.1} %), broadband T30 {:.3} s, \
             {:.2} s long, rendered in {:.0} ms",
            b.name(),
            broadband_t30(&ir),
            ir.channels[0].len() as f64 / 48_000.0,
            took * 1e3
        ));
        assert!(
            err.abs() < 10.0,
            "{b:?}: T_mid {t:.3} s, named {want} s ({err:+.1} %)"
        );
    }
    println!("built-in IRs at 48 kHz:\n{}", report.join("\n"));
}

#[test]
fn builtins_are_stereo_spaces_not_mono() {
    // IACC (ISO 3382-1) of the whole response, of its first 80 ms (IACC_E) and of the tail
    // after 250 ms (past the last early reflection of the largest space): a mono IR twice
    // gives 1. Real rooms and halls measure IACC_E of some 0.3–0.7 (their early reflections
    // reach both ears alike) and a diffuse late field near 0: here below 0.6 whole and 0.3 in
    // the tail.
    let fs = 48_000.0;
    let early = (0.08 * fs) as usize;
    let mut report = Vec::new();
    let mut worst: (f64, f64) = (0.0, 0.0);
    for b in Builtin::ALL {
        let ir = b.render(fs);
        let (l, r) = (&ir.channels[0], &ir.channels[1]);
        let whole = iacc(l, r, fs);
        let first = iacc(&l[..early], &r[..early], fs);
        let tail = (0.25 * fs) as usize;
        let late = iacc(&l[tail..], &r[tail..], fs);
        report.push(format!(
            "{:<12} IACC {whole:.3}, IACC_E (0-80 ms) {first:.3}, tail (250 ms-) {late:.3}",
            b.name()
        ));
        worst = (worst.0.max(whole), worst.1.max(late));
    }
    println!("{}", report.join("\n"));
    assert!(
        worst.0 < 0.6 && worst.1 < 0.3,
        "IACC up to {:.3} whole, {:.3} in the tail",
        worst.0,
        worst.1
    );
}

#[test]
fn renders_are_deterministic_and_the_same_at_every_rate() {
    let mut report = Vec::new();
    for b in Builtin::ALL {
        let a = b.render(48_000.0);
        assert!(a == b.render(48_000.0), "{b:?}: two renders differ");
        let times: Vec<f64> = RATES
            .iter()
            .map(|&fs| {
                let ir = if fs == 48_000.0 {
                    a.clone()
                } else {
                    b.render(fs)
                };
                assert_eq!(ir.sample_rate, fs);
                assert!(ir.channels.iter().flatten().all(|v| v.is_finite()));
                t_mid(&ir)
            })
            .collect();
        let want = b.rt60_s() as f64;
        let (lo, hi) = times
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(l, h), &t| (l.min(t), h.max(t)));
        report.push(format!(
            "{:<12} T_mid at 44.1/48/96/192 kHz: {} s (spread {:.1} %)",
            b.name(),
            times
                .iter()
                .map(|t| format!("{t:.3}"))
                .collect::<Vec<_>>()
                .join(" / "),
            (hi / lo - 1.0) * 100.0
        ));
        for (&fs, &t) in RATES.iter().zip(&times) {
            let err = (t - want) / want * 100.0;
            assert!(
                err.abs() < 10.0,
                "{b:?} at {fs} Hz: T_mid {t:.3} s, named {want} s ({err:+.1} %)"
            );
        }
        assert!(
            hi / lo < 1.10,
            "{b:?}: T_mid {lo:.3} … {hi:.3} s across rates"
        );
    }
    // The longest render, at the highest rate a session is likely to run: it runs on the
    // loader thread (or at activation), so it is a load time, not a real-time cost.
    let start = Instant::now();
    let longest = Builtin::Cathedral.render(192_000.0);
    report.push(format!(
        "Cathedral at 192 kHz ({:.2} s, {} samples per channel): rendered in {:.0} ms",
        longest.file_seconds,
        longest.channels[0].len(),
        start.elapsed().as_secs_f64() * 1e3
    ));
    println!("{}", report.join("\n"));
}

/// The spring's first echo, band by band: the time its energy peaks in the 1/3-octave band
/// around each frequency (zero-phase filtering, so the band adds no delay of its own),
/// against the closed-form group delay of one pass of the left spring, τ(f) = T0 + S·f, plus
/// that of the tank's band (Butterworth: a 2nd-order high pass, a 4th-order low pass), within
/// 0.5 ms. A dispersive spring delays its highs more than its lows.
#[test]
fn the_spring_delays_its_highs_more_than_its_lows() {
    use super::super::spring::{HIGH_CUT_HZ, LOW_CUT_HZ};
    let spring = TANK[0];
    // Group delay of a section 1/(s² + b·s + 1) at ω = f/fc (also a high pass's, whose s²
    // numerator only adds a constant phase): b(1 + ω²)/((1 − ω²)² + b²ω²) / (2π fc).
    let section = |f: f64, fc: f64, b: f64| {
        let w = f / fc;
        b * (1.0 + w * w) / ((1.0 - w * w).powi(2) + b * b * w * w) / (std::f64::consts::TAU * fc)
    };
    let band_delay = |f: f64| {
        // Butterworth pole pairs: 2·cos(π/4) for the 2nd order, 2·cos(π/8) and 2·cos(3π/8).
        let b = |k: f64| 2.0 * (k * std::f64::consts::PI).cos();
        section(f, LOW_CUT_HZ, b(0.25))
            + section(f, HIGH_CUT_HZ, b(0.125))
            + section(f, HIGH_CUT_HZ, b(0.375))
    };
    let tau = |f: f64| spring.delay_s + spring.chirp_s_per_hz * f + band_delay(f);
    let bands = [200.0, 400.0, 800.0, 1_600.0, 3_000.0];
    let mut report = Vec::new();
    for fs in [48_000.0, 96_000.0] {
        let ir = Builtin::Spring.render(fs);
        let left = &ir.channels[0];
        let mut arrivals = Vec::new();
        for fc in bands {
            let y = fractional_octave_band(left, fs, fc, 3.0);
            // Energy over two periods of the band's centre, centred.
            let half = (fs / fc) as usize;
            let energy: Vec<f64> = y.iter().map(|v| v * v).collect();
            let mut prefix = vec![0.0; energy.len() + 1];
            for (i, e) in energy.iter().enumerate() {
                prefix[i + 1] = prefix[i] + e;
            }
            // The first echo: before the second (at 3τ) begins to arrive, 2τ.
            let end = ((2.0 * tau(fc)) * fs) as usize;
            let peak = (half..end)
                .max_by(|&i, &j| {
                    let e = |k: usize| prefix[k + half] - prefix[k - half];
                    e(i).total_cmp(&e(j))
                })
                .expect("a window") as f64
                / fs;
            arrivals.push(peak);
            let want = tau(fc);
            report.push(format!(
                "{:.0} kHz render, {fc} Hz: first echo at {:.2} ms, closed form {:.2} ms",
                fs / 1e3,
                peak * 1e3,
                want * 1e3
            ));
        }
        for (&fc, &peak) in bands.iter().zip(&arrivals) {
            let want = tau(fc);
            assert!(
                (peak - want).abs() < 0.0005,
                "{fc} Hz at {fs} Hz: first echo at {peak} s, closed form {want} s"
            );
        }
        assert!(
            arrivals.windows(2).all(|w| w[1] > w[0]),
            "not rising with frequency: {arrivals:?}"
        );
        let spread = arrivals[arrivals.len() - 1] - arrivals[0];
        report.push(format!(
            "{:.0} kHz render: 200 Hz → 3 kHz dispersion {:.1} ms",
            fs / 1e3,
            spread * 1e3
        ));
        assert!(spread > 0.010, "dispersion only {spread} s");
    }
    println!("{}", report.join("\n"));
}

#[test]
fn builtin_names_parse_and_unknown_ones_are_refused() {
    for b in Builtin::ALL {
        assert_eq!(parse(&b.path()).map(|r| r.ok()), Some(Some(b)));
        assert_eq!(Builtin::from_id(&b.id().to_uppercase()), Some(b));
        assert_eq!(
            Builtin::ALL.iter().filter(|o| o.id() == b.id()).count(),
            1,
            "{b:?}: id not unique"
        );
    }
    assert_eq!(parse(" BUILTIN:Hall "), Some(Ok(Builtin::Hall)));
    // Files are not built-ins, whatever they are called.
    for path in [
        "/home/me/irs/hall.wav",
        "C:\\IRs\\builtin hall.wav",
        "",
        "builtin",
    ] {
        assert!(parse(path).is_none(), "{path:?}");
    }
    let refused = parse("builtin:gymnasium").expect("the scheme");
    assert_eq!(
        refused,
        Err(IrError::UnknownBuiltin("builtin:gymnasium".to_owned()))
    );
    let message = load_source("builtin:gymnasium", 48_000.0)
        .expect_err("unknown")
        .to_string();
    println!("{message}");
    assert!(
        message.contains("\"builtin:gymnasium\"") && message.contains("hall"),
        "{message}"
    );
    let hall = load_source("builtin:hall", 48_000.0).expect("loads");
    assert_eq!(hall.builtin, Some(Builtin::Hall));
    assert_eq!(hall.describe(), "Built-in: Hall 2.2 s");
}
