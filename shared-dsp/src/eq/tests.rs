//! Measured tests of the EQ against independent references.

use super::cascade::SvfState;
use super::prototype::{cascade, sane_band};
use super::*;
use crate::processor::Paired;
use crate::test_support::{impulse_response, largest_step, magnitude_spectrum_db};

/// Impulse response of one band's zero-latency sections (the f32 SVFs that process audio),
/// `n` samples long.
fn band_ir_len(band: &BandSettings, fs: f64, n: usize) -> Vec<f32> {
    let b = sane_band(band, fs);
    let c = cascade(&b);
    let w0 = core::f64::consts::TAU * b.freq / fs;
    let mut secs = [matched::Section::IDENTITY; super::prototype::MAX_SECTIONS];
    matched::design_band(&c, w0, matched::Effort::FULL, &mut secs);
    let coefs: Vec<_> = secs[..c.len].iter().map(|s| s.svf()).collect();
    let mut st = vec![SvfState::<f32>::default(); coefs.len()];
    impulse_response(n, |x| {
        let mut y = x;
        for (s, c) in st.iter_mut().zip(&coefs) {
            y = s.tick(c, y);
        }
        y
    })
}

fn band_ir(band: &BandSettings, fs: f64) -> Vec<f32> {
    band_ir_len(band, fs, 32_768)
}

/// Impulse-response length for a measurement: long enough that the slowest *analog* pole
/// (taken from the band's settings, not from the design) has decayed by e^−12 ≈ 6·10⁻⁶
/// (10⁻⁴ dB), so that truncating the response does not show up as a magnitude error. (The previous
/// version measured a fixed 32 768 samples; a 15 Hz, Q 8 pole at 96 kHz decays over
/// 16 000 samples, and the truncation alone read as 6.5 dB of "error".)
fn ir_length(band: &BandSettings, fs: f64) -> usize {
    let b = sane_band(band, fs);
    let w0 = core::f64::consts::TAU * b.freq / fs;
    let q = b.q;
    let a = 10f64.powf(b.gain_db / 40.0);
    // Slowest decay rate (per sample) of s² + (ωp/Qp)s + ωp², or of s + ωp.
    let second = |wp: f64, qp: f64| {
        let zeta = 0.5 / qp;
        wp * if zeta < 1.0 {
            zeta
        } else {
            zeta - (zeta * zeta - 1.0).sqrt()
        }
    };
    let first_order = b.slope == Slope::Db6;
    let rate = match b.kind {
        BandType::Bell => second(1.0, a * q),
        BandType::LowShelf | BandType::HighShelf | BandType::TiltShelf if first_order => {
            let g = a * a;
            g.sqrt().min(1.0 / g.sqrt())
        }
        BandType::LowShelf | BandType::HighShelf | BandType::TiltShelf => {
            second(a.sqrt().min(1.0 / a.sqrt()), q)
        }
        BandType::LowCut | BandType::HighCut if b.slope == Slope::Db12 => second(1.0, q),
        // Butterworth: the sharpest pole pair has Q = 1/(2·sin(π/2n)).
        BandType::LowCut | BandType::HighCut => {
            let n = b.slope.order() as f64;
            second(1.0, 0.5 / (core::f64::consts::PI / (2.0 * n)).sin())
        }
        BandType::Notch | BandType::BandPass => second(1.0, q),
    } * w0;
    let n = (12.0 / rate).max(16_384.0).min((1 << 19) as f64) as usize;
    n.next_power_of_two()
}

/// Independent analog reference: |H(j·f/f0)|² written out per type from textbook formulas
/// (RBJ cookbook prototypes through test_support, Butterworth 1/(1 + Ω^2n), first-order
/// shelves), sharing nothing with `prototype.rs`.
fn reference_db(band: &BandSettings, f: f64) -> f64 {
    use crate::filter_shape::FilterShape;
    use crate::test_support::AnalogPrototype;
    let w = f / band.freq;
    let g = band.gain_db;
    let proto = |shape, gain_db| {
        AnalogPrototype {
            shape,
            q: band.q,
            gain_db,
        }
        .analog_magnitude_db(w)
    };
    let first_order_shelf_db = |gain_db: f64, high: bool| {
        // Low shelf (s + √G)/(s + 1/√G); high shelf (√G·s + 1)/(s/√G + 1).
        let gl = 10f64.powf(gain_db / 20.0);
        let w2 = w * w;
        let m2 = if high {
            (gl * w2 + 1.0) / (w2 / gl + 1.0)
        } else {
            (w2 + gl) / (w2 + 1.0 / gl)
        };
        10.0 * m2.log10()
    };
    let second = band.slope != Slope::Db6;
    match band.kind {
        BandType::Bell => proto(FilterShape::Bell, g),
        BandType::Notch => proto(FilterShape::Notch, 0.0),
        BandType::BandPass => proto(FilterShape::BandPass, 0.0),
        BandType::LowShelf if second => proto(FilterShape::LowShelf, g),
        BandType::HighShelf if second => proto(FilterShape::HighShelf, g),
        BandType::TiltShelf if second => proto(FilterShape::HighShelf, g) - g / 2.0,
        BandType::LowShelf => first_order_shelf_db(g, false),
        BandType::HighShelf => first_order_shelf_db(g, true),
        BandType::TiltShelf => first_order_shelf_db(g, true) - g / 2.0,
        BandType::LowCut | BandType::HighCut => {
            let n = band.slope.order() as i32;
            if n == 2 {
                let shape = if band.kind == BandType::LowCut {
                    FilterShape::HighPass
                } else {
                    FilterShape::LowPass
                };
                return proto(shape, 0.0);
            }
            // Butterworth: |H_LP|² = 1/(1 + Ω^2n), high pass with Ω → 1/Ω.
            let x = if band.kind == BandType::LowCut {
                1.0 / w
            } else {
                w
            };
            -10.0 * (1.0 + x.powi(2 * n)).log10()
        }
    }
}

/// One measured case: worst |measured − reference| in dB from 10 Hz to 0.25·fs and from
/// there to 0.45·fs, counted where the reference is within 40 dB of its own peak (deeper in a
/// stop band a dB error is a tiny amplitude error), with the frequencies where they occur.
#[derive(Clone, Copy, Debug)]
struct Measured {
    band: BandSettings,
    low: f64,
    low_at: f64,
    high: f64,
    high_at: f64,
}

fn measure(band: &BandSettings, fs: f64) -> Measured {
    let n = ir_length(band, fs);
    let m = magnitude_spectrum_db(&band_ir_len(band, fs, n));
    let bins = |k: usize| k as f64 * fs / n as f64;
    let in_range = |f: f64| (10.0..=0.45 * fs).contains(&f);
    let reference: Vec<f64> = (0..m.len())
        .map(|k| {
            if in_range(bins(k)) {
                reference_db(band, bins(k))
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    let peak = reference.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut r = Measured {
        band: *band,
        low: 0.0,
        low_at: 0.0,
        high: 0.0,
        high_at: 0.0,
    };
    for (k, (&mk, &rk)) in m.iter().zip(&reference).enumerate() {
        let f = bins(k);
        if !in_range(f) || rk < peak - 40.0 {
            continue;
        }
        let e = (mk - rk).abs();
        let e = if e.is_nan() { f64::INFINITY } else { e };
        if f <= 0.25 * fs {
            if e > r.low {
                (r.low, r.low_at) = (e, f);
            }
        } else if e > r.high {
            (r.high, r.high_at) = (e, f);
        }
    }
    r
}

/// `ratio`·fs, or the band's 30 kHz limit if lower (at 96 kHz: 30 kHz = 0.31·fs).
fn top(ratio: f64, fs: f64) -> f64 {
    (ratio * fs).min(super::prototype::MAX_FREQ_HZ)
}

/// Band frequencies from `lo` to `hi` Hz, `count` of them evenly spaced in octaves.
fn freqs(lo: f64, hi: f64, count: usize) -> impl Iterator<Item = f64> {
    (0..count).map(move |i| lo * (hi / lo).powf(i as f64 / (count - 1) as f64))
}

/// The a-priori domain of "musically normal" settings the tolerances are held to
/// (0.1 dB below 0.25·fs, 1 dB up to 0.45·fs), decided before measuring:
/// - every type: band frequency 20 Hz … 0.4·fs or 30 kHz, the band's limit, whichever is
///   lower (13 points, even in octaves), gains
///   ±1 … ±18 dB where the type has a gain;
/// - bells: Q 0.3 … 4;
/// - shelves (low, high, tilt): Q 0.3 … 2 at 12 dB/oct, and 6 dB/oct (no Q). Above Q 2 a
///   shelf is a *resonant* shelf (a bump and a dip of several dB around the corner), an
///   effect setting; the brief's example already held tilt to Q ≤ 2, and the low and high
///   shelves are the same filter;
/// - cuts: every slope; the resonant 12 dB/oct cut with Q 0.3 … 1 (non-resonant);
/// - band pass: Q 0.3 … 1; notch: Q 0.5 … 1 (below 0.5 a "notch" is wider than 2½ octaves
///   at −3 dB, a broad cut rather than a notch).
fn inside(kind: BandType, fs: f64) -> Vec<BandSettings> {
    let gains: &[f64] = if kind.uses_gain() {
        &[-18.0, -12.0, -6.0, -3.0, -1.0, 1.0, 3.0, 6.0, 12.0, 18.0]
    } else {
        &[0.0]
    };
    let (qs, slopes): (&[f64], &[Slope]) = match kind {
        BandType::Bell => (&[0.3, 0.5, 0.707, 1.0, 2.0, 3.0, 4.0], &[Slope::Db12]),
        BandType::LowShelf | BandType::HighShelf | BandType::TiltShelf => (
            &[0.3, 0.5, 0.707, 1.0, 1.4, 2.0],
            &[Slope::Db6, Slope::Db12],
        ),
        BandType::LowCut | BandType::HighCut => (&[0.3, 0.5, 0.707, 1.0], &Slope::ALL),
        BandType::BandPass => (&[0.3, 0.5, 0.707, 1.0], &[Slope::Db12]),
        BandType::Notch => (&[0.5, 0.707, 1.0], &[Slope::Db12]),
    };
    let mut out = Vec::new();
    for freq in freqs(20.0, top(0.4, fs), 13) {
        for &slope in slopes {
            // Q only shapes the 12 dB/oct shelves and cuts (and every bell, notch, band pass).
            let qs: &[f64] =
                if matches!(kind, BandType::Bell | BandType::Notch | BandType::BandPass)
                    || slope == Slope::Db12
                {
                    qs
                } else {
                    &[0.707]
                };
            for &q in qs {
                for &gain_db in gains {
                    out.push(BandSettings {
                        enabled: true,
                        kind,
                        freq,
                        gain_db,
                        q,
                        slope,
                        placement: Placement::Stereo,
                    });
                }
            }
        }
    }
    out
}

/// Settings outside that domain, measured and reported (not held to the tolerances): band
/// frequencies down to 10 Hz and up to the 0.45·fs (or 30 kHz) limit, Q from 0.025 to 40, gains to ±30 dB.
fn outside(kind: BandType, fs: f64) -> Vec<BandSettings> {
    let gains: &[f64] = if kind.uses_gain() {
        &[-30.0, -24.0, -6.0, 6.0, 24.0, 30.0]
    } else {
        &[0.0]
    };
    let slopes: &[Slope] = match kind {
        BandType::LowShelf | BandType::HighShelf | BandType::TiltShelf => {
            &[Slope::Db6, Slope::Db12]
        }
        BandType::LowCut | BandType::HighCut => &Slope::ALL,
        _ => &[Slope::Db12],
    };
    let inside_set = inside(kind, fs);
    let mut out = Vec::new();
    for freq in freqs(10.0, top(0.45, fs), 7) {
        for &slope in slopes {
            for q in [0.025, 0.1, 1.0, 4.0, 10.0, 40.0] {
                for &gain_db in gains {
                    let b = BandSettings {
                        enabled: true,
                        kind,
                        freq,
                        gain_db,
                        q,
                        slope,
                        placement: Placement::Stereo,
                    };
                    let in_domain = inside_set
                        .iter()
                        .any(|i| i.q == q && i.gain_db == gain_db && i.slope == slope)
                        && (20.0..=top(0.4, fs)).contains(&freq);
                    if !in_domain {
                        out.push(b);
                    }
                }
            }
        }
    }
    out
}

/// Measures `cases` on both cores.
fn measure_all(cases: &[BandSettings], fs: f64) -> Vec<Measured> {
    let half = cases.len() / 2;
    std::thread::scope(|s| {
        let a = s.spawn(|| {
            cases[..half]
                .iter()
                .map(|b| measure(b, fs))
                .collect::<Vec<_>>()
        });
        let mut out: Vec<Measured> = cases[half..].iter().map(|b| measure(b, fs)).collect();
        let mut first = a.join().unwrap();
        first.append(&mut out);
        first
    })
}

fn describe(m: &Measured, at: f64) -> String {
    let b = m.band;
    format!(
        "f0 {:.0} Hz, Q {}, {:+} dB, {} dB/oct (at {at:.0} Hz)",
        b.freq,
        b.q,
        b.gain_db,
        b.slope.db_per_octave()
    )
}

/// The accuracy criterion, on the domain above, for every type at 44.1 and 96 kHz:
/// the impulse response of the f32 sections as they process audio, against the unwarped
/// analog prototype. Prints the worst cases inside and outside the domain.
#[test]
fn zero_latency_bands_match_the_unwarped_analog_prototype() {
    let mut failures = Vec::new();
    for fs in [44_100.0, 96_000.0] {
        for kind in BandType::ALL {
            let worst = |ms: &[Measured]| {
                let low = ms.iter().max_by(|a, b| a.low.total_cmp(&b.low)).copied();
                let high = ms.iter().max_by(|a, b| a.high.total_cmp(&b.high)).copied();
                (low, high)
            };
            let ins = measure_all(&inside(kind, fs), fs);
            for m in &ins {
                if !(m.low <= 0.1 && m.high <= 1.0) {
                    failures.push(format!("{fs} Hz {kind:?} {}: {:.3} dB below fs/4, {:.3} dB at {:.0} Hz up to 0.45·fs", describe(m, m.low_at), m.low, m.high, m.high_at));
                }
            }
            let (l, h) = worst(&ins);
            let (l, h) = (l.unwrap(), h.unwrap());
            println!(
                "{fs} Hz {kind:?}, inside ({} cases): worst {:.3} dB below fs/4 ({}), {:.3} dB to 0.45·fs ({})",
                ins.len(),
                l.low,
                describe(&l, l.low_at),
                h.high,
                describe(&h, h.high_at)
            );
            let outs = measure_all(&outside(kind, fs), fs);
            let (l, h) = worst(&outs);
            let (l, h) = (l.unwrap(), h.unwrap());
            println!(
                "{fs} Hz {kind:?}, outside ({} cases): worst {:.3} dB below fs/4 ({}), {:.3} dB to 0.45·fs ({})",
                outs.len(),
                l.low,
                describe(&l, l.low_at),
                h.high,
                describe(&h, h.high_at)
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases out of tolerance:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// |H| in dB of an impulse response at exactly `f` Hz (a single-bin DFT in f64).
fn dft_db(ir: &[f32], f: f64, fs: f64) -> f64 {
    let w = core::f64::consts::TAU * f / fs;
    let (mut re, mut im) = (0.0, 0.0);
    for (n, &x) in ir.iter().enumerate() {
        let (s, c) = (w * n as f64).sin_cos();
        re += x as f64 * c;
        im -= x as f64 * s;
    }
    10.0 * (re * re + im * im).log10()
}

#[test]
fn cut_slopes_attenuate_their_nominal_db_one_octave_past_the_cutoff() {
    let fs = 48_000.0;
    let mut worst = 0.0f64;
    for kind in [BandType::LowCut, BandType::HighCut] {
        for slope in Slope::ALL {
            let f0 = 1_000.0;
            let band = BandSettings {
                enabled: true,
                kind,
                freq: f0,
                slope,
                q: core::f64::consts::FRAC_1_SQRT_2,
                ..BandSettings::default()
            };
            let ir = band_ir(&band, fs);
            let f = if kind == BandType::LowCut {
                f0 / 2.0
            } else {
                f0 * 2.0
            };
            let pass = if kind == BandType::LowCut {
                f0 * 8.0
            } else {
                f0 / 8.0
            };
            let attenuation = dft_db(&ir, pass, fs) - dft_db(&ir, f, fs);
            let err = attenuation - slope.db_per_octave();
            println!(
                "{kind:?} {} dB/oct: {attenuation:.2} dB one octave past the cutoff ({err:+.2} dB)",
                slope.db_per_octave()
            );
            worst = worst.max(err.abs());
            assert!(err.abs() < 1.0, "{kind:?} {slope:?}: {attenuation} dB");
        }
    }
    println!("cut slopes: worst deviation from nominal {worst:.3} dB");
}

fn noise(seed: u64, n: usize) -> Vec<f32> {
    let mut r = crate::test_support::XorShift::new(seed);
    (0..n).map(|_| 0.5 * r.uniform()).collect()
}

fn settings_with(bands: &[BandSettings]) -> Settings {
    let mut s = Settings::default();
    s.bands[..bands.len()].copy_from_slice(bands);
    s
}

fn run_blocks(eq: &mut Eq, l: &mut [f32], r: &mut [f32], block: usize) {
    for (lc, rc) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        eq.process(lc, rc);
    }
}

#[test]
fn all_bands_off_is_bit_exact() {
    let mut eq = Eq::new(48_000.0, 8192);
    // Bands set up but off, as in a fresh plugin.
    let mut bands = [BandSettings {
        freq: 300.0,
        gain_db: 9.0,
        ..BandSettings::default()
    }; 8];
    bands[3].kind = BandType::LowCut;
    eq.update_immediately(&settings_with(&bands));
    for block in [1, 7, 512, 8192] {
        let (l0, r0) = (noise(1, 20_000), noise(2, 20_000));
        let (mut l, mut r) = (l0.clone(), r0.clone());
        run_blocks(&mut eq, &mut l, &mut r, block);
        assert!(
            l.iter()
                .zip(&l0)
                .chain(r.iter().zip(&r0))
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "block {block}"
        );
    }
}

fn placement_error_db(placement: Placement, input: impl Fn(f32) -> (f32, f32)) -> f64 {
    let mut eq = Eq::new(48_000.0, 512);
    let band = BandSettings {
        enabled: true,
        kind: BandType::Bell,
        freq: 1_000.0,
        gain_db: 12.0,
        q: 1.0,
        placement,
        ..BandSettings::default()
    };
    eq.update_immediately(&settings_with(&[
        band,
        BandSettings {
            enabled: true,
            kind: BandType::LowCut,
            freq: 200.0,
            slope: Slope::Db48,
            placement,
            ..BandSettings::default()
        },
    ]));
    let x = noise(3, 48_000);
    let (l0, r0): (Vec<f32>, Vec<f32>) = x.iter().map(|&v| input(v)).unzip();
    let (mut l, mut r) = (l0.clone(), r0.clone());
    run_blocks(&mut eq, &mut l, &mut r, 512);
    let err: f64 = l
        .iter()
        .zip(&l0)
        .chain(r.iter().zip(&r0))
        .map(|(a, b)| ((a - b) as f64).powi(2))
        .sum();
    let sig: f64 = l0.iter().chain(&r0).map(|&a| (a as f64).powi(2)).sum();
    10.0 * (err / sig).max(1e-300).log10()
}

#[test]
fn placement_leaves_the_other_part_untouched() {
    let mid_on_side = placement_error_db(Placement::Mid, |v| (v, -v));
    let side_on_mid = placement_error_db(Placement::Side, |v| (v, v));
    println!(
        "mid band on pure side: error {mid_on_side:.1} dB; side band on pure mid: {side_on_mid:.1} dB"
    );
    assert!(mid_on_side < -120.0 && side_on_mid < -120.0);
    // And they do act on their own part.
    assert!(placement_error_db(Placement::Mid, |v| (v, v)) > -20.0);
    assert!(placement_error_db(Placement::Side, |v| (v, -v)) > -20.0);

    // A left band leaves the right channel bit-exact (and changes the left).
    let mut eq = Eq::new(44_100.0, 512);
    let band = BandSettings {
        enabled: true,
        kind: BandType::HighShelf,
        freq: 3_000.0,
        gain_db: -9.0,
        placement: Placement::Left,
        ..BandSettings::default()
    };
    eq.update_immediately(&settings_with(&[band]));
    let (l0, r0) = (noise(4, 30_000), noise(5, 30_000));
    let (mut l, mut r) = (l0.clone(), r0.clone());
    run_blocks(&mut eq, &mut l, &mut r, 333);
    assert!(r.iter().zip(&r0).all(|(a, b)| a.to_bits() == b.to_bits()));
    assert!(l.iter().zip(&l0).any(|(a, b)| a != b));
}

/// A resonant bell (Q 10, +12 dB) swept 20 Hz → 20 kHz in 1 s on a 100 Hz sine: bounded by
/// the static peak gain, and no sample-to-sample jump beyond what the static filter could
/// produce from the sine (4× gain × the sine's largest step, doubled for margin).
#[test]
fn frequency_sweep_on_a_resonant_band_is_bounded_and_continuous() {
    let fs = 48_000.0;
    let mut eq = Eq::new(fs, 512);
    let mut band = BandSettings {
        enabled: true,
        kind: BandType::Bell,
        freq: 20.0,
        gain_db: 12.0,
        q: 10.0,
        ..BandSettings::default()
    };
    eq.update_immediately(&settings_with(&[band]));
    let n = fs as usize;
    let x: Vec<f32> = (0..n + 4_800)
        .map(|i| 0.5 * (core::f64::consts::TAU * 100.0 * i as f64 / f64::from(fs)).sin() as f32)
        .collect();
    let max_step_in = largest_step(&x);
    let (mut l, mut r) = (x.clone(), x.clone());
    for (i, (lc, rc)) in l.chunks_mut(64).zip(r.chunks_mut(64)).enumerate() {
        let t = (i * 64) as f64 / n as f64;
        band.freq = 20.0 * 1000f64.powf(t.min(1.0));
        eq.update(&settings_with(&[band]));
        eq.process(lc, rc);
    }
    let peak = l.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let max_step = largest_step(&l);
    println!(
        "sweep: peak {peak:.3} (input 0.5, static peak gain 4), largest step {max_step:.4} (input {max_step_in:.4})"
    );
    assert!(l.iter().all(|v| v.is_finite()));
    assert!(peak < 0.5 * 4.0 * 1.1, "peak {peak}");
    assert!(max_step < 2.0 * 4.0 * max_step_in, "step {max_step}");
}

#[test]
fn recovers_from_non_finite_input_within_a_block() {
    let mut eq = Eq::new(48_000.0, 512);
    let bands = [
        BandSettings {
            enabled: true,
            kind: BandType::Bell,
            freq: 500.0,
            gain_db: 6.0,
            q: 4.0,
            ..BandSettings::default()
        },
        BandSettings {
            enabled: true,
            kind: BandType::LowCut,
            freq: 40.0,
            slope: Slope::Db96,
            ..BandSettings::default()
        },
    ];
    eq.update_immediately(&settings_with(&bands));
    let mut fresh = Eq::new(48_000.0, 512);
    fresh.update_immediately(&settings_with(&bands));
    let mut l = vec![f32::NAN; 512];
    let mut r = vec![f32::INFINITY; 512];
    eq.process(&mut l, &mut r);
    assert!(l.iter().chain(&r).all(|v| v.is_finite()));
    let (l0, r0) = (noise(7, 48_000), noise(8, 48_000));
    let (mut a, mut b) = (l0.clone(), r0.clone());
    let (mut c, mut d) = (l0.clone(), r0.clone());
    run_blocks(&mut eq, &mut a, &mut b, 512);
    run_blocks(&mut fresh, &mut c, &mut d, 512);
    assert!(a.iter().chain(&b).all(|v| v.is_finite()));
    // Both started from rest on the same noise: identical after the NaN block.
    assert!(a.iter().zip(&c).all(|(x, y)| (x - y).abs() < 1e-6));
}

/// Auto-gain against a measurement: periodic pink noise (1/f power per FFT bin, 20 Hz…20 kHz,
/// random phases) through the EQ with auto-gain on must come out at the level it went in.
#[test]
fn auto_gain_keeps_pink_noise_level() {
    use realfft::RealFftPlanner;
    use realfft::num_complex::Complex64;
    let fs = 48_000.0;
    let n = 1 << 17;
    let mut rng = crate::test_support::XorShift::new(11);
    let mut spec = vec![Complex64::new(0.0, 0.0); n / 2 + 1];
    for (k, c) in spec.iter_mut().enumerate() {
        let f = k as f64 * fs / n as f64;
        if (20.0..=20_000.0).contains(&f) {
            let phase = core::f64::consts::PI * rng.uniform() as f64;
            *c = Complex64::from_polar(1.0 / f.sqrt(), phase);
        }
    }
    let mut x = vec![0.0f64; n];
    RealFftPlanner::<f64>::new()
        .plan_fft_inverse(n)
        .process(&mut spec, &mut x)
        .unwrap();
    let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let x: Vec<f32> = x.iter().map(|v| (0.25 * v / peak) as f32).collect();
    let bands = [
        BandSettings {
            enabled: true,
            kind: BandType::Bell,
            freq: 1_000.0,
            gain_db: 12.0,
            q: 0.7,
            ..BandSettings::default()
        },
        BandSettings {
            enabled: true,
            kind: BandType::LowShelf,
            freq: 150.0,
            gain_db: -5.0,
            q: 0.7,
            ..BandSettings::default()
        },
        BandSettings {
            enabled: true,
            kind: BandType::HighCut,
            freq: 9_000.0,
            slope: Slope::Db24,
            ..BandSettings::default()
        },
        BandSettings {
            enabled: true,
            kind: BandType::LowCut,
            freq: 60.0,
            slope: Slope::Db48,
            ..BandSettings::default()
        },
    ];
    let mut s = settings_with(&bands);
    s.auto_gain = true;
    let mut eq = Eq::new(fs as f32, 512);
    eq.update_immediately(&s);
    let mut l: Vec<f32> = x.iter().chain(&x).copied().collect();
    let mut r = l.clone();
    run_blocks(&mut eq, &mut l, &mut r, 512);
    let rms =
        |v: &[f32]| (v.iter().map(|&a| (a as f64).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
    let change = 20.0 * (rms(&l[n..]) / rms(&x)).log10();
    println!(
        "auto-gain {:.2} dB; pink noise level change with auto-gain on: {change:+.3} dB",
        eq.auto_gain_db()
    );
    assert!(
        eq.auto_gain_db().abs() > 1.0,
        "the bands must change the level for the test to mean something"
    );
    assert!(change.abs() < 0.1, "{change} dB");
}

/// The editor's analytic curve against the processor: impulse responses of an `Eq`,
/// measured by DFT, in magnitude and phase. At 48 kHz four bands (bell, shelf, steep cut,
/// notch); at 192 kHz bands at 20–40 Hz, where f32 processing has the least precision to
/// spare (the staggered lanes compute a regrouped SVF recursion).
#[test]
fn analytic_curve_is_the_processed_response() {
    let cases: [(f64, Vec<BandSettings>, Vec<f64>, usize); 2] = [
        (
            48_000.0,
            vec![
                BandSettings {
                    enabled: true,
                    kind: BandType::Bell,
                    freq: 2_500.0,
                    gain_db: 7.0,
                    q: 1.5,
                    ..BandSettings::default()
                },
                BandSettings {
                    enabled: true,
                    kind: BandType::HighShelf,
                    freq: 12_000.0,
                    gain_db: -6.0,
                    q: 0.8,
                    ..BandSettings::default()
                },
                BandSettings {
                    enabled: true,
                    kind: BandType::LowCut,
                    freq: 80.0,
                    slope: Slope::Db48,
                    ..BandSettings::default()
                },
                BandSettings {
                    enabled: true,
                    kind: BandType::Notch,
                    freq: 600.0,
                    q: 4.0,
                    ..BandSettings::default()
                },
            ],
            vec![
                30.0, 80.0, 200.0, 550.0, 650.0, 1_000.0, 2_500.0, 7_000.0, 12_000.0, 19_000.0,
                22_000.0,
            ],
            1 << 16,
        ),
        (
            192_000.0,
            vec![
                BandSettings {
                    enabled: true,
                    kind: BandType::Bell,
                    freq: 20.0,
                    gain_db: 12.0,
                    q: 2.0,
                    ..BandSettings::default()
                },
                BandSettings {
                    enabled: true,
                    kind: BandType::LowShelf,
                    freq: 40.0,
                    gain_db: -9.0,
                    q: 0.7,
                    ..BandSettings::default()
                },
                BandSettings {
                    enabled: true,
                    kind: BandType::HighCut,
                    freq: 25.0,
                    slope: Slope::Db24,
                    ..BandSettings::default()
                },
            ],
            vec![10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 60.0, 100.0],
            1 << 18,
        ),
    ];
    let (mut worst_db, mut worst_rad) = (0.0f64, 0.0f64);
    for (fs, bands, freqs, n) in cases {
        let s = settings_with(&bands);
        let mut eq = Eq::new(fs as f32, 512);
        eq.update_immediately(&s);
        let mut l = vec![0.0f32; n];
        l[0] = 1.0;
        let mut r = l.clone();
        run_blocks(&mut eq, &mut l, &mut r, 512);
        let curve = response::Curve::new(&s.bands, fs);
        for f in freqs {
            let w = core::f64::consts::TAU * f / fs;
            let (mut re, mut im) = (0.0, 0.0);
            for (k, &x) in l.iter().enumerate() {
                let (sn, cs) = (w * k as f64).sin_cos();
                re += x as f64 * cs;
                im -= x as f64 * sn;
            }
            let (cr, ci) = curve.response(f);
            let db = 10.0 * ((re * re + im * im) / (cr * cr + ci * ci)).log10();
            let rad = (im * cr - re * ci).atan2(re * cr + im * ci);
            worst_db = worst_db.max(db.abs());
            worst_rad = worst_rad.max(rad.abs());
            assert!(
                db.abs() < 0.01 && rad.abs() < 0.002,
                "{fs} Hz, at {f} Hz: {db} dB, {rad} rad"
            );
        }
        assert!(l == r, "stereo bands act alike on both channels");
    }
    println!(
        "analytic curve vs processed impulse response: {worst_db:.2e} dB, {worst_rad:.2e} rad"
    );
}

/// Switching every band off again returns to bit-exact pass-through (once the fades are
/// done), and the engine stops working (it must not keep ramping something forever).
#[test]
fn switching_bands_off_returns_to_bit_exact() {
    let mut eq = Eq::new(48_000.0, 512);
    let bands = [
        BandSettings {
            enabled: true,
            kind: BandType::Bell,
            freq: 700.0,
            gain_db: 5.0,
            ..BandSettings::default()
        },
        BandSettings {
            enabled: true,
            kind: BandType::LowCut,
            freq: 50.0,
            slope: Slope::Db36,
            placement: Placement::Side,
            ..BandSettings::default()
        },
    ];
    eq.update(&settings_with(&bands));
    let (l0, r0) = (noise(31, 48_000), noise(32, 48_000));
    let (mut l, mut r) = (l0.clone(), r0.clone());
    run_blocks(&mut eq, &mut l[..24_000], &mut r[..24_000], 256);
    assert!(l[..24_000].iter().zip(&l0).any(|(a, b)| a != b));
    let mut off = bands;
    off[0].freq = 900.0; // a glide still running when switched off
    eq.update(&settings_with(&off));
    off.iter_mut().for_each(|b| b.enabled = false);
    eq.update(&settings_with(&off));
    run_blocks(&mut eq, &mut l[24_000..36_000], &mut r[24_000..36_000], 256);
    let (mut l2, mut r2) = (l0[36_000..].to_vec(), r0[36_000..].to_vec());
    run_blocks(&mut eq, &mut l2, &mut r2, 256);
    assert!(
        l2.iter()
            .zip(&l0[36_000..])
            .chain(r2.iter().zip(&r0[36_000..]))
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
}

/// The engine's output does not depend on how the host cuts the signal into blocks, even
/// while bands glide, fade in and out, and switch type and placement (which rearrange the
/// staggered chain): bit-identical for blocks of 1, 5, 64, 777 and 4096 samples.
#[test]
fn output_is_independent_of_the_block_size_under_automation() {
    let fs = 48_000.0;
    let n = 24_000;
    let (l0, r0) = (noise(21, n), noise(22, n));
    // Settings changes at fixed sample positions.
    let script = |pos: usize| -> Option<Settings> {
        let mut bands = [BandSettings::default(); 8];
        let t = pos / 3_000;
        if !pos.is_multiple_of(3_000) {
            return None;
        }
        bands[0] = BandSettings {
            enabled: true,
            kind: BandType::Bell,
            freq: 200.0 * (1 + t) as f64,
            gain_db: 6.0 - t as f64,
            q: 1.0 + t as f64 * 0.3,
            ..BandSettings::default()
        };
        bands[1] = BandSettings {
            enabled: t.is_multiple_of(2),
            kind: BandType::LowCut,
            freq: 60.0,
            slope: if t < 4 { Slope::Db48 } else { Slope::Db18 },
            ..BandSettings::default()
        };
        bands[2] = BandSettings {
            enabled: t >= 1,
            kind: if t < 5 {
                BandType::HighShelf
            } else {
                BandType::Notch
            },
            freq: 8_000.0,
            gain_db: -4.0,
            q: 2.0,
            placement: if t < 3 {
                Placement::Mid
            } else {
                Placement::Side
            },
            ..BandSettings::default()
        };
        bands[5] = BandSettings {
            enabled: t >= 2,
            kind: BandType::HighCut,
            freq: 12_000.0 - 1_000.0 * t as f64,
            slope: Slope::Db96,
            placement: Placement::Left,
            ..BandSettings::default()
        };
        let mut s = settings_with(&bands);
        s.output_gain_db = if t.is_multiple_of(3) { 0.0 } else { -2.5 };
        Some(s)
    };
    let run = |block: usize| {
        let mut eq = Eq::new(fs, 4096);
        eq.update_immediately(&script(0).unwrap());
        let (mut l, mut r) = (l0.clone(), r0.clone());
        let mut pos = 0;
        while pos < n {
            if let Some(s) = script(pos) {
                eq.update(&s);
            }
            // Blocks end where the script changes settings.
            let end = (pos + block).min(n).min((pos / 3_000 + 1) * 3_000);
            eq.process(&mut l[pos..end], &mut r[pos..end]);
            pos = end;
        }
        (l, r)
    };
    let (rl, rr) = run(4096);
    assert!(
        rl.iter().zip(&l0).any(|(a, b)| a != b),
        "the script must act"
    );
    for block in [1, 5, 64, 777] {
        let (l, r) = run(block);
        let first = l
            .iter()
            .zip(&rl)
            .chain(r.iter().zip(&rr))
            .position(|(a, b)| a.to_bits() != b.to_bits());
        assert!(
            first.is_none(),
            "block {block}: first difference at {first:?} (of {n} per channel)"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Linear-phase mode.

/// An `Eq` in linear-phase mode with `bands`, its kernel designed and installed at once.
fn linear_eq(bands: &[BandSettings], fs: f64) -> Eq {
    let mut s = settings_with(bands);
    s.mode = Mode::LinearPhase;
    let mut eq = Eq::new(fs as f32, 512);
    eq.update_immediately(&s);
    eq.install_kernel(Box::new(Kernel::new(&s.bands, fs, 512)));
    eq
}

/// Impulse responses of `eq` from the left input and from the right input, `n` long:
/// ([left→left, left→right], [right→left, right→right]).
fn stereo_irs(eq: &mut Eq, n: usize) -> [[Vec<f32>; 2]; 2] {
    let mut out: [[Vec<f32>; 2]; 2] = Default::default();
    for (side, o) in out.iter_mut().enumerate() {
        eq.reset();
        let mut l = vec![0.0f32; n];
        let mut r = vec![0.0f32; n];
        if side == 0 {
            l[0] = 1.0
        } else {
            r[0] = 1.0
        }
        run_blocks(eq, &mut l, &mut r, 512);
        *o = [l, r];
    }
    out
}

pub(super) fn band(
    kind: BandType,
    freq: f64,
    gain_db: f64,
    q: f64,
    slope: Slope,
    placement: Placement,
) -> BandSettings {
    BandSettings {
        enabled: true,
        kind,
        freq,
        gain_db,
        q,
        slope,
        placement,
    }
}

/// The linear-phase curves the 0.1 dB criterion is held to, decided a priori: every type,
/// each band's narrowest feature at least about 100 Hz wide (bells, band pass: f0/Q ≥ 100 Hz;
/// cuts up to 48 dB/oct at ≥ 25 Hz), which an 8193-tap kernel at 48 kHz (and its doubles at
/// higher rates) resolves; and all three kernel arrangements (left/right, mid/side, full).
/// The notch's bottom and resonances narrower than that are limited by the length (see the
/// measured figures printed by `linear_phase_limits`).
fn linear_cases() -> Vec<(&'static str, Vec<BandSettings>, fir::Basis)> {
    use BandType::*;
    use Placement::*;
    use fir::Basis;
    vec![
        (
            "bell 1 kHz Q1 +6",
            vec![band(Bell, 1_000.0, 6.0, 1.0, Slope::Db12, Stereo)],
            Basis::LeftRight,
        ),
        (
            "bell 250 Hz Q2 -9",
            vec![band(Bell, 250.0, -9.0, 2.0, Slope::Db12, Stereo)],
            Basis::LeftRight,
        ),
        (
            "bell 100 Hz Q1 +6",
            vec![band(Bell, 100.0, 6.0, 1.0, Slope::Db12, Stereo)],
            Basis::LeftRight,
        ),
        (
            "shelves",
            vec![
                band(LowShelf, 80.0, 6.0, 0.7, Slope::Db12, Stereo),
                band(HighShelf, 8_000.0, -4.0, 0.7, Slope::Db6, Stereo),
            ],
            Basis::LeftRight,
        ),
        (
            "tilt 1 kHz +6",
            vec![band(TiltShelf, 1_000.0, 6.0, 0.7, Slope::Db12, Stereo)],
            Basis::LeftRight,
        ),
        (
            "cuts",
            vec![
                band(LowCut, 30.0, 0.0, 0.7, Slope::Db24, Stereo),
                band(HighCut, 16_000.0, 0.0, 0.7, Slope::Db48, Stereo),
            ],
            Basis::LeftRight,
        ),
        (
            "band pass 2 kHz Q1",
            vec![band(BandPass, 2_000.0, 0.0, 1.0, Slope::Db12, Stereo)],
            Basis::LeftRight,
        ),
        (
            "mix",
            vec![
                band(LowCut, 25.0, 0.0, 0.7, Slope::Db48, Stereo),
                band(Bell, 300.0, -4.0, 1.5, Slope::Db12, Stereo),
                band(Bell, 3_000.0, 3.0, 1.0, Slope::Db12, Stereo),
                band(HighShelf, 10_000.0, 2.0, 0.7, Slope::Db12, Stereo),
            ],
            Basis::LeftRight,
        ),
        (
            "left bell, right shelf",
            vec![
                band(Bell, 700.0, 5.0, 1.0, Slope::Db12, Left),
                band(LowShelf, 150.0, -6.0, 0.7, Slope::Db12, Right),
            ],
            Basis::LeftRight,
        ),
        (
            "mid bell, side shelf",
            vec![
                band(Bell, 500.0, 6.0, 1.0, Slope::Db12, Mid),
                band(HighShelf, 6_000.0, 3.0, 0.7, Slope::Db12, Side),
            ],
            Basis::MidSide,
        ),
        (
            "left bell, mid shelf",
            vec![
                band(Bell, 1_000.0, 6.0, 1.0, Slope::Db12, Left),
                band(LowShelf, 200.0, 4.0, 0.7, Slope::Db12, Mid),
            ],
            Basis::Full,
        ),
    ]
}

/// Linear-phase mode against the target, from the impulse responses the EQ produces (both
/// inputs, both outputs): within 0.1 dB from 40 Hz to 0.45·fs wherever the target is within
/// 40 dB of its peak, at 44.1, 48 and 96 kHz.
#[test]
fn linear_phase_magnitude_matches_the_target_above_40_hz() {
    // The README's promise: within 0.02 dB of the target from 40 Hz up.
    const README_LINEAR_DB: f64 = 0.02;
    let mut failures = Vec::new();
    let mut worst = 0.0f64;
    for fs in [44_100.0, 48_000.0, 96_000.0] {
        let d = fir::half_length(fs);
        for (name, bands, basis) in linear_cases() {
            let all = settings_with(&bands).bands;
            assert_eq!(fir::design_taps(&all, fs).basis, basis, "{name}");
            let mut eq = linear_eq(&bands, fs);
            let n = 8 * d;
            let irs = stereo_irs(&mut eq, n);
            // The editor's target curve is what linear phase measures (stereo bands).
            if bands.iter().all(|b| b.placement == Placement::Stereo) {
                let curve = response::Curve::new(&all, fs);
                let m = magnitude_spectrum_db(&irs[0][0]);
                let peak = (0..m.len())
                    .map(|k| curve.target_db(k as f64 * fs / n as f64))
                    .fold(f64::MIN, f64::max);
                let worst = (0..m.len())
                    .map(|k| (k as f64 * fs / n as f64, m[k]))
                    .filter(|&(f, _)| {
                        (40.0..=0.45 * fs).contains(&f) && curve.target_db(f) > peak - 40.0
                    })
                    .map(|(f, mk)| (mk - curve.target_db(f)).abs())
                    .fold(0.0f64, f64::max);
                assert!(
                    worst < README_LINEAR_DB,
                    "{fs} Hz {name}: Curve::target_db is {worst} dB from the measured response"
                );
            }
            let mut case_worst = (0.0f64, 0.0, 0, 0);
            for (input, outs) in irs.iter().enumerate() {
                for (output, ir) in outs.iter().enumerate() {
                    let m = magnitude_spectrum_db(ir);
                    // Target entry: row = output, column = input.
                    let entry = |f: f64| fir::target_matrix(&all, fs, f)[2 * output + input].abs();
                    let peak = (0..m.len())
                        .map(|k| entry(k as f64 * fs / n as f64))
                        .fold(0.0f64, f64::max);
                    if peak == 0.0 {
                        assert!(
                            ir.iter().all(|&v| v.abs() < 1e-6),
                            "{name}: no path {input}→{output}"
                        );
                        continue;
                    }
                    for (k, &mk) in m.iter().enumerate() {
                        let f = k as f64 * fs / n as f64;
                        let t = entry(f);
                        if !(40.0..=0.45 * fs).contains(&f) || t < peak * 0.01 {
                            continue;
                        }
                        let e = (mk - 20.0 * t.log10()).abs();
                        if e > case_worst.0 {
                            case_worst = (e, f, input, output);
                        }
                    }
                }
            }
            worst = worst.max(case_worst.0);
            println!(
                "{fs} Hz, linear phase, {name}: worst {:.4} dB at {:.0} Hz ({}→{})",
                case_worst.0, case_worst.1, case_worst.2, case_worst.3
            );
            if case_worst.0 > README_LINEAR_DB {
                failures.push(format!(
                    "{fs} Hz {name}: {:.3} dB at {:.0} Hz",
                    case_worst.0, case_worst.1
                ));
            }
        }
    }
    println!("linear phase: worst {worst:.4} dB over all cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What the length cannot do, measured and printed (not held to 0.1 dB): a Q 4 bell at 60 Hz
/// (8 dB of resonance 15 Hz wide) and a notch's depth.
#[test]
fn linear_phase_limits() {
    let fs = 48_000.0;
    let n = 8 * fir::half_length(fs);
    let mut eq = linear_eq(
        &[band(
            BandType::Bell,
            60.0,
            12.0,
            4.0,
            Slope::Db12,
            Placement::Stereo,
        )],
        fs,
    );
    let m = magnitude_spectrum_db(&stereo_irs(&mut eq, n)[0][0]);
    let at = |f: f64| m[(f * n as f64 / fs).round() as usize];
    println!(
        "linear phase, Q 4 bell +12 dB at 60 Hz: {:.2} dB at the centre (target 12)",
        at(60.0)
    );
    assert!((at(60.0) - 12.0).abs() < 1.5);
    let mut eq = linear_eq(
        &[band(
            BandType::Notch,
            1_000.0,
            0.0,
            4.0,
            Slope::Db12,
            Placement::Stereo,
        )],
        fs,
    );
    let m = magnitude_spectrum_db(&stereo_irs(&mut eq, n)[0][0]);
    let depth = m[(1_000.0 * n as f64 / fs).round() as usize];
    println!("linear phase, Q 4 notch at 1 kHz: {depth:.1} dB at the centre");
    assert!(depth < -30.0);
}

/// The impulse response is symmetric about its centre (linear phase), the centre is where
/// the reported latency says, and with every band off the signal passes bit-exactly, that
/// many samples late.
#[test]
fn linear_phase_is_symmetric_and_delayed_by_the_reported_latency() {
    for fs in [44_100.0, 96_000.0] {
        let bands = [
            band(
                BandType::Bell,
                900.0,
                7.0,
                1.2,
                Slope::Db12,
                Placement::Stereo,
            ),
            band(
                BandType::LowCut,
                40.0,
                0.0,
                0.7,
                Slope::Db24,
                Placement::Stereo,
            ),
            band(
                BandType::HighShelf,
                9_000.0,
                -5.0,
                0.7,
                Slope::Db12,
                Placement::Stereo,
            ),
        ];
        let mut eq = linear_eq(&bands, fs);
        let latency = eq.latency_samples() as usize;
        assert_eq!(latency, fir::half_length(fs));
        let ir = &stereo_irs(&mut eq, 4 * latency)[0][0];
        let peak = ir
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|p| p.0)
            .unwrap();
        let top = ir[peak].abs();
        let asym = (1..=latency)
            .map(|k| (ir[latency + k] - ir[latency - k]).abs())
            .fold(0.0f32, f32::max);
        let after = ir[2 * latency + 1..]
            .iter()
            .fold(0.0f32, |m, v| m.max(v.abs()));
        println!(
            "{fs} Hz: latency {latency}, impulse peak at {peak}, asymmetry {:.1} dB, after the kernel {:.1} dB",
            20.0 * (asym / top).log10(),
            20.0 * (after.max(1e-30) / top).log10()
        );
        assert_eq!(peak, latency, "measured latency (impulse peak) = reported");
        assert!(asym < 1e-5 * top, "symmetric about the centre");
        assert!(after < 1e-5 * top, "nothing after the kernel");

        let mut off = linear_eq(&[], fs);
        let x = noise(41, 3 * latency);
        let (mut l, mut r) = (x.clone(), x.clone());
        run_blocks(&mut off, &mut l, &mut r, 333);
        assert!(l[..latency].iter().all(|&v| v == 0.0));
        assert!(
            l[latency..]
                .iter()
                .zip(&x)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "bands off: a bit-exact delay"
        );
    }
}

/// A band change in linear-phase mode: the EQ asks for a design, the kernel designed on
/// another thread arrives through the mailbox, warms up and crossfades in; afterwards the
/// output is the new kernel's, and the change has no step larger than the signal's own.
#[test]
fn linear_phase_kernels_change_while_playing() {
    let fs = 48_000.0;
    let a = [band(
        BandType::Bell,
        1_000.0,
        9.0,
        1.0,
        Slope::Db12,
        Placement::Stereo,
    )];
    let b = [band(
        BandType::Bell,
        3_000.0,
        -9.0,
        1.0,
        Slope::Db12,
        Placement::Stereo,
    )];
    let mut eq = linear_eq(&a, fs);
    let mailbox = std::sync::Arc::new(KernelMailbox::new());
    let mut s = settings_with(&b);
    s.mode = Mode::LinearPhase;
    eq.update(&s);
    let request = eq
        .take_design_request()
        .expect("a band change asks for a design");
    assert_eq!(request.bands, s.bands);
    assert!(eq.take_design_request().is_none(), "once");
    // A band that is off does not shape the kernel: editing it asks for nothing.
    let mut off_edited = s;
    off_edited.bands[5].freq = 123.0;
    off_edited.bands[5].kind = BandType::HighShelf;
    eq.update(&off_edited);
    assert!(
        eq.take_design_request().is_none(),
        "a band that is off changed"
    );
    eq.update(&s);
    // A kernel for an EQ this one replaced (a re-activation) is refused.
    let stale = Eq::new(fs as f32, 512).take_design_request();
    assert!(
        stale.is_none(),
        "a fresh EQ in zero-latency mode asks for nothing"
    );
    let mut other = linear_eq(&a, fs);
    other.update(&s);
    let stale = other.take_design_request().expect("request");
    mailbox.post(Box::new(stale.design()));
    assert!(
        eq.exchange_kernel(&mailbox),
        "a stale kernel is handed back"
    );
    assert!(!eq.is_changing_kernel());
    mailbox.collect();
    let designer = {
        let mailbox = mailbox.clone();
        std::thread::spawn(move || mailbox.post(Box::new(request.design())))
    };
    designer.join().unwrap();
    let n = 48_000;
    let x: Vec<f32> = (0..n)
        .map(|i| 0.3 * (core::f64::consts::TAU * 440.0 * i as f64 / fs).sin() as f32)
        .collect();
    let (mut l, mut r) = (x.clone(), x.clone());
    for (lc, rc) in l.chunks_mut(512).zip(r.chunks_mut(512)) {
        eq.exchange_kernel(&mailbox);
        eq.process(lc, rc);
    }
    assert!(!eq.is_changing_kernel());
    // The reference: the new kernel from the start.
    let mut reference = linear_eq(&b, fs);
    let (mut rl, mut rr) = (x.clone(), x.clone());
    run_blocks(&mut reference, &mut rl, &mut rr, 512);
    let tail = n - 8_000;
    let err = l[tail..]
        .iter()
        .zip(&rl[tail..])
        .map(|(a, b)| ((a - b) as f64).powi(2))
        .sum::<f64>();
    let sig = rl[tail..].iter().map(|&v| (v as f64).powi(2)).sum::<f64>();
    let step = l
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    let step_in = x
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    println!(
        "kernel change: afterwards {:.1} dB from the new kernel's output; largest step {step:.4} (input {step_in:.4})",
        10.0 * (err / sig).log10()
    );
    assert!(10.0 * (err / sig).log10() < -100.0);
    assert!(step < 3.0 * step_in);
    assert!(l == r);
}

/// Placement in linear-phase mode: a mid band leaves a pure side signal untouched (and the
/// other way round), a left band leaves the right channel (delayed) untouched.
#[test]
fn linear_phase_placement() {
    let fs = 48_000.0;
    let rel = |a: &[f32], b: &[f32]| {
        let e: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
        let s: f64 = b.iter().map(|&y| (y as f64).powi(2)).sum();
        10.0 * (e / s).max(1e-300).log10()
    };
    // Relative error (dB) of the left and of the right output against the input, once the
    // latency is taken off.
    let change = |bands: &[BandSettings], input: &dyn Fn(f32) -> (f32, f32)| {
        let mut eq = linear_eq(bands, fs);
        let d = eq.latency_samples() as usize;
        let x = noise(51, 30_000);
        let (l0, r0): (Vec<f32>, Vec<f32>) = x.iter().map(|&v| input(v)).unzip();
        let (mut l, mut r) = (l0.clone(), r0.clone());
        run_blocks(&mut eq, &mut l, &mut r, 512);
        [rel(&l[d..], &l0), rel(&r[d..], &r0)]
    };
    let mid = [band(
        BandType::Bell,
        800.0,
        9.0,
        1.0,
        Slope::Db12,
        Placement::Mid,
    )];
    let side = [band(
        BandType::Bell,
        800.0,
        9.0,
        1.0,
        Slope::Db12,
        Placement::Side,
    )];
    let left = [band(
        BandType::Bell,
        800.0,
        9.0,
        1.0,
        Slope::Db12,
        Placement::Left,
    )];
    let [a, b] = change(&mid, &|v| (v, -v));
    let mid_on_side = a.max(b);
    let [a, b] = change(&side, &|v| (v, v));
    let side_on_mid = a.max(b);
    let [_, left_keeps_right] = change(&left, &|v| (v, 0.7 * v));
    println!(
        "linear phase: mid band on pure side {mid_on_side:.1} dB, side band on pure mid {side_on_mid:.1} dB, left band on the right channel {left_keeps_right:.1} dB"
    );
    assert!(mid_on_side < -120.0 && side_on_mid < -120.0 && left_keeps_right < -120.0);
}

// ---------------------------------------------------------------------------------------
// Two EQs at once.

/// `Eq::process_pair` (two chains advanced in one fused loop when both are settled) gives
/// exactly what two `Eq::process` calls give, bit for bit: through glides (frequency, gain
/// and output gain moving mid-stream), bands switching off and on, a NaN in the input, an
/// EQ with every band off, and partners of four lanes (the fused case), six lanes, two
/// groups of lanes or with a mid/side band (where it falls back to two calls), in blocks of
/// 1, 7 and 512 samples.
#[test]
fn a_pair_of_eqs_is_two_eqs_exactly() {
    let fs = 48_000.0;
    let n = 40_000;
    let bell = |freq: f64, gain_db: f64| BandSettings {
        enabled: true,
        kind: BandType::Bell,
        freq,
        gain_db,
        q: 1.2,
        ..BandSettings::default()
    };
    let cut = |slope: Slope| BandSettings {
        enabled: true,
        kind: BandType::LowCut,
        freq: 80.0,
        slope,
        ..BandSettings::default()
    };
    // Settings from sample 8000·t on: a channel EQ's four bells (four lanes) ...
    let a_script = |t: usize| {
        let mut b = [
            bell(100.0, 3.0),
            bell(1_000.0, -4.0),
            bell(3_000.0, 2.0),
            bell(9_000.0, 1.5),
        ];
        if t >= 1 {
            (b[1].freq, b[1].gain_db) = (2_500.0, 5.0);
        }
        b[2].enabled = t != 2;
        let mut s = settings_with(&b);
        s.output_gain_db = if t >= 3 { -3.0 } else { 0.0 };
        s
    };
    // ... against partners of several shapes, which also glide, switch and fall silent.
    let b_script = |variant: usize, t: usize| {
        let mut b = match variant {
            0 => vec![
                bell(150.0, -2.0),
                bell(700.0, 3.0),
                bell(4_000.0, -1.0),
                bell(12_000.0, 2.5),
            ],
            1 => vec![bell(300.0, 4.0), cut(Slope::Db48), bell(6_000.0, -3.0)],
            2 => vec![
                bell(300.0, 4.0),
                cut(Slope::Db96),
                bell(6_000.0, -3.0),
                bell(9_000.0, 2.0),
            ],
            _ => vec![
                bell(300.0, 4.0),
                BandSettings {
                    placement: Placement::Mid,
                    ..bell(2_000.0, -5.0)
                },
                bell(6_000.0, -3.0),
            ],
        };
        if t >= 1 {
            b[0].gain_db = -6.0;
        }
        b[2].enabled = t != 3;
        if t == 4 {
            b.iter_mut().for_each(|b| b.enabled = false);
        }
        settings_with(&b)
    };
    let (al0, ar0, bl0, br0) = (noise(31, n), noise(32, n), noise(33, n), noise(34, n));
    let mut al0 = al0;
    al0[30_001] = f32::NAN;
    for variant in 0..4 {
        for block in [1, 7, 512] {
            let new = |s: &Settings| {
                let mut eq = Eq::new(fs, 512);
                eq.update_immediately(s);
                eq
            };
            let (mut a, mut b) = (new(&a_script(0)), new(&b_script(variant, 0)));
            let (mut a_ref, mut b_ref) = (new(&a_script(0)), new(&b_script(variant, 0)));
            let (mut al, mut ar, mut bl, mut br) =
                (al0.clone(), ar0.clone(), bl0.clone(), br0.clone());
            let (mut al_ref, mut ar_ref, mut bl_ref, mut br_ref) =
                (al0.clone(), ar0.clone(), bl0.clone(), br0.clone());
            let (mut pos, mut fused) = (0, 0);
            while pos < n {
                if pos.is_multiple_of(8_000) {
                    let t = pos / 8_000;
                    a.update(&a_script(t));
                    a_ref.update(&a_script(t));
                    b.update(&b_script(variant, t));
                    b_ref.update(&b_script(variant, t));
                }
                let end = (pos + block).min(n).min((pos / 8_000 + 1) * 8_000);
                fused += usize::from(a.runs_fused() && b.runs_fused());
                let r = pos..end;
                Eq::process_pair(
                    Paired::new(&mut a, &mut al[r.clone()], &mut ar[r.clone()]),
                    Paired::new(&mut b, &mut bl[r.clone()], &mut br[r.clone()]),
                );
                a_ref.process(&mut al_ref[r.clone()], &mut ar_ref[r.clone()]);
                b_ref.process(&mut bl_ref[r.clone()], &mut br_ref[r]);
                pos = end;
            }
            let blocks = n.div_ceil(block);
            // Most of each phase is settled: the fused path must be what was tested.
            assert!(
                fused * 4 > blocks,
                "variant {variant}, blocks of {block}: only {fused} of {blocks} blocks ran fused"
            );
            for (name, got, want) in [
                ("a left", &al, &al_ref),
                ("a right", &ar, &ar_ref),
                ("b left", &bl, &bl_ref),
                ("b right", &br, &br_ref),
            ] {
                let first = got
                    .iter()
                    .zip(want.iter())
                    .position(|(x, y)| x.to_bits() != y.to_bits());
                assert!(
                    first.is_none(),
                    "variant {variant}, blocks of {block}, {name}: first difference at {first:?}"
                );
            }
            assert!(
                al.iter().zip(&al0).filter(|(x, y)| x != y).count() > n / 2,
                "the EQ must act"
            );
        }
    }
}
