//! Keyed by another track, through the CLAP bundles: Mixwerk Delay's echoes and Mixwerk
//! Reverb's wet signal step back by the set amount while the "Sidechain" input plays (the
//! vocal's track), whatever the plugin's own input does, and a Mixwerk EQ dynamic band set
//! to the External key cuts by its range only while the key plays, in every layout.
//! Run through `cargo xtask test`, which builds the bundles first.

use host_tests::battery::{self, instantiate};
use host_tests::bundles::release_bundle;
use host_tests::host::{Instance, Result};

const RATE: f64 = 48_000.0;
const BLOCK: usize = 512;
/// The ducking depth set in both plugins (dB).
const AMOUNT_DB: f64 = 12.0;

fn sine(amp_db: f64, freq: f64, n: usize) -> Vec<f32> {
    let amp = 10f64.powf(amp_db / 20.0);
    let w = core::f64::consts::TAU * freq / RATE;
    (0..n)
        .map(|i| (amp * (w * i as f64).sin()) as f32)
        .collect()
}

fn energy_db(x: &[f32]) -> f64 {
    10.0 * x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().log10()
}

/// Renders `main` (one signal per main channel) with `key` on both sidechain channels through
/// a fresh, activated instance of `plugin` in `layout` with `settings`; returns the main
/// outputs.
fn render(
    plugin: &str,
    layout: &str,
    settings: &[(&str, &str)],
    main: &[f32],
    key: &[f32],
) -> Result<Vec<Vec<f32>>> {
    let (_bundle, mut inst) = instantiate(&release_bundle(plugin))?;
    battery::select_layout_named(&mut inst, layout)?;
    inst.set_typed(settings)?;
    inst.activate(RATE, BLOCK as u32)?;
    let main = vec![main.to_vec(); inst.ports()?.inputs[0] as usize];
    let key = vec![key.to_vec(), key.to_vec()];
    battery::render_signals(&mut inst, &[&main, &key], BLOCK)
}

fn ports(inst: &mut Instance, layout: &str, main_in: u32) -> Result<()> {
    battery::select_layout_named(inst, layout)?;
    let ports = inst.ports()?;
    assert_eq!(
        ports.inputs,
        [main_in, 2],
        "{layout}: main input and a stereo sidechain"
    );
    assert_eq!(ports.outputs, [2], "{layout}: stereo out");
    assert_eq!(inst.port_names(true)?[1], "Sidechain", "{layout}");
    Ok(())
}

#[test]
fn both_layouts_have_a_stereo_sidechain() -> Result<()> {
    for plugin in ["delay", "reverb"] {
        let (_bundle, mut inst) = instantiate(&release_bundle(plugin))?;
        ports(&mut inst, "Stereo", 2)?;
        ports(&mut inst, "Mono to Stereo", 1)?;
    }
    let (_bundle, mut inst) = instantiate(&release_bundle("eq"))?;
    ports(&mut inst, "Stereo", 2)?;
    battery::select_layout_named(&mut inst, "Mono")?;
    let p = inst.ports()?;
    assert_eq!(
        (p.inputs, p.outputs),
        (vec![1, 2], vec![1]),
        "Mono: mono in and out, a stereo sidechain"
    );
    Ok(())
}

/// Amplitude of the `freq` component of `x` (least-squares fit of a sine and a cosine).
fn amplitude(x: &[f32], freq: f64) -> f64 {
    let w = core::f64::consts::TAU * freq / RATE;
    let (mut ss, mut cc, mut sc, mut xs, mut xc) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let (s, c) = (w * i as f64).sin_cos();
        (ss, cc, sc) = (ss + s * s, cc + c * c, sc + s * c);
        (xs, xc) = (xs + v as f64 * s, xc + v as f64 * c);
    }
    let det = ss * cc - sc * sc;
    ((xs * cc - xc * sc) / det).hypot((xc * ss - xs * sc) / det)
}

/// A dynamic bell at 2.5 kHz keyed externally, range −9 dB, threshold −30 dB: a quiet
/// 2.5 kHz tone on the EQ's own input is cut by the full range while a −12 dBFS key at the
/// band frequency plays (18 dB over), and left alone when the key is silent although the
/// input is far over the threshold; in both layouts.
#[test]
fn eq_dynamic_band_follows_the_key() -> Result<()> {
    let n = RATE as usize / 2;
    let settings = [
        ("Band 4 On", "On"),
        ("Band 4 Type", "Bell"),
        ("Band 4 Frequency", "2.5 kHz"),
        ("Band 4 Gain", "0 dB"),
        ("Band 4 Q", "1"),
        ("Band 4 Dynamic", "On"),
        ("Band 4 Key", "External"),
        ("Band 4 Threshold", "-30 dB"),
        ("Band 4 Range", "-9 dB"),
        ("Band 4 Attack", "5 ms"),
    ];
    let last = n - 4_800..n;
    for layout in ["Stereo", "Mono"] {
        for (input_db, key_db, expected) in [(-40.0, -12.0, -9.0), (-6.0, f64::NEG_INFINITY, 0.0)] {
            let tone = sine(input_db, 2_500.0, n);
            let key = if key_db.is_finite() {
                sine(key_db, 2_500.0, n)
            } else {
                vec![0.0; n]
            };
            let out = render("eq", layout, &settings, &tone, &key)?;
            for (c, y) in out.iter().enumerate() {
                let gain = 20.0
                    * (amplitude(&y[last.clone()], 2_500.0)
                        / amplitude(&tone[last.clone()], 2_500.0))
                    .log10();
                println!("eq {layout} ch {c}: input {input_db} dB, key {key_db} dB: {gain:+.3} dB");
                assert!(
                    (gain - expected).abs() < 0.2,
                    "{layout} {c}: {gain} dB, expected {expected}"
                );
            }
        }
    }
    Ok(())
}

/// A 100 ms echo of a steady −6 dBFS tone: with a −6 dBFS key (fully ducking: −20 dBFS and
/// up) the echo is `AMOUNT_DB` down; with the key silent it is not ducked at all, although
/// the input is loud enough to duck it with the Internal key.
#[test]
fn delay_ducks_from_the_key() -> Result<()> {
    let n = RATE as usize;
    let tone = sine(-6.0, 1_000.0, n);
    let key = sine(-6.0, 300.0, n);
    let silent = vec![0.0f32; n];
    let settings = [
        ("Tempo Sync", "Off"),
        ("Time L", "100 ms"),
        ("Link L/R", "On"),
        ("Feedback", "0 %"),
        ("Dry", "-inf"),
        ("Wet", "0 dB"),
        ("Ducking", "12 dB"),
        ("Duck Release", "100 ms"),
        ("Duck Key", "External"),
    ];
    let last = n - 4_800..n;
    for layout in ["Stereo", "Mono to Stereo"] {
        let keyed = render("delay", layout, &settings, &tone, &key)?;
        let free = render("delay", layout, &settings, &tone, &silent)?;
        for c in 0..2 {
            let ducked = energy_db(&keyed[c][last.clone()]) - energy_db(&tone[last.clone()]);
            let open = energy_db(&free[c][last.clone()]) - energy_db(&tone[last.clone()]);
            println!("delay {layout} ch {c}: echo {ducked:+.3} dB keyed, {open:+.3} dB key silent");
            assert!(
                (ducked + AMOUNT_DB).abs() < 0.5,
                "{layout} {c}: {ducked} dB"
            );
            assert!(open.abs() < 0.1, "{layout} {c}: {open} dB");
        }
    }
    Ok(())
}

/// A reverb at 100 % wet on steady noise: a key 24 dB over the threshold lowers the wet by
/// `AMOUNT_DB`; a silent key leaves it as with no ducking, although the input is that loud.
#[test]
fn reverb_ducks_from_the_key() -> Result<()> {
    let n = 2 * RATE as usize;
    let mut noise = host_tests::signals::Noise::new(5);
    let mut input = vec![0.0f32; n];
    noise.fill(&mut input, 0.5);
    let key = sine(-6.0, 300.0, n);
    let silent = vec![0.0f32; n];
    let with = |duck: &'static str| {
        [
            ("Mix", "100 %"),
            ("Decay", "1 s"),
            ("Mod Depth", "0 %"),
            ("Ducking", duck),
            ("Duck Threshold", "-30 dB"),
            ("Duck Key", "External"),
        ]
    };
    let last = n - RATE as usize / 2..n;
    for layout in ["Stereo", "Mono to Stereo"] {
        let plain = render("reverb", layout, &with("0 dB"), &input, &key)?;
        let keyed = render("reverb", layout, &with("12 dB"), &input, &key)?;
        let free = render("reverb", layout, &with("12 dB"), &input, &silent)?;
        for c in 0..2 {
            let e = |y: &[Vec<f32>]| energy_db(&y[c][last.clone()]);
            let ducked = e(&keyed) - e(&plain);
            let open = e(&free) - e(&plain);
            println!("reverb {layout} ch {c}: wet {ducked:+.3} dB keyed, {open:+.3} dB key silent");
            assert!(
                (ducked + AMOUNT_DB).abs() < 0.5,
                "{layout} {c}: {ducked} dB"
            );
            assert!(open.abs() < 0.01, "{layout} {c}: {open} dB");
        }
    }
    Ok(())
}
