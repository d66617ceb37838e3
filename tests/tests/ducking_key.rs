//! Ducking keyed by another track, through the CLAP bundles: Mixwerk Delay's echoes and
//! Mixwerk Reverb's wet signal step back by the set amount while the "Sidechain" input plays
//! (the vocal's track), whatever the plugin's own input does, in both layouts.
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
