//! Part 4 of the DAW test: routing through Ardour's sidechain inputs
//! (`tests/daw/routing.lua`).
//!
//! - **Console**: Mixwerk Channel Strip on an audio bus, fed by eight tracks: the first
//!   through the bus's input (the strip's bus 1), the other seven through the sidechain
//!   input Ardour adds to the plugin (its seven stereo aux inputs, buses 2 … 8). Each track
//!   plays its own noise (left and right independent) and each bus has its own fader, so
//!   the export must equal Σ gᵢ·xᵢ sample for sample: a bus missing, swapped with another,
//!   or with its channels swapped would show at once.
//! - **Sidechain**: Mixwerk Compressor on a track of steady tone, its detector keyed
//!   (Sidechain External) by another track that is silent, then loud, then silent: the
//!   output is the tone untouched while the key is silent and turned down by the static
//!   curve for the key's level while it plays; the key itself never reaches the mix.
//!
//! The Channel Strip's 16-channel layout cannot be reached from Ardour 7.3: its VST3 host
//! sets the bus arrangements from the plugin's default one and never asks for another, so
//! that layout is covered by the host tests (`tests/`), not here.

use std::f64::consts::{SQRT_2, TAU};
use std::path::Path;

use anyhow::{Result, bail, ensure};

use super::audio::{RATE, read_wav, write_wav};
use super::{Check, Ctx};

pub(super) fn checks(plugins: &[&'static str]) -> Vec<Check> {
    super::for_plugins(
        &[
            (
                "Mixwerk Channel Strip",
                "eight tracks into its eight buses",
                console,
            ),
            ("Mixwerk Compressor", "keyed by another track", sidechain),
        ],
        plugins,
    )
}

/// Runs routing.lua in `mode` with `inputs` (written as WAV files in `dir`); returns the export.
pub(super) fn render(
    ctx: &Ctx,
    dir: &Path,
    mode: &str,
    routes: &[&str],
    inputs: &[[Vec<f32>; 2]],
    settings: &[String],
) -> Result<Vec<Vec<f32>>> {
    let leading = [mode.to_owned(), dir.display().to_string()];
    render_tracks(ctx, dir, "routing.lua", &leading, routes, inputs, settings)
}

/// Runs `script` in a new session of `routes` in `dir` with the arguments `leading`, then one
/// WAV file per input (written to `dir`), then `trailing`; returns the session's export,
/// checked to be stereo, as long as the inputs and finite.
pub(super) fn render_tracks(
    ctx: &Ctx,
    dir: &Path,
    script: &str,
    leading: &[String],
    routes: &[&str],
    inputs: &[[Vec<f32>; 2]],
    trailing: &[String],
) -> Result<Vec<Vec<f32>>> {
    std::fs::create_dir_all(dir)?;
    let mut args = leading.to_vec();
    for (i, input) in inputs.iter().enumerate() {
        let wav = dir.join(format!("input{}.wav", i + 1));
        write_wav(&wav, input)?;
        args.push(wav.display().to_string());
    }
    args.extend(trailing.iter().cloned());
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    ctx.ardour.session(dir, RATE, routes, script, &args)?;
    let export = read_wav(&dir.join("export").join("daw-test.wav"))?;
    ensure!(
        export.len() == 2 && export[0].len() == inputs[0][0].len(),
        "the export has {} channels of {} samples, expected 2 of {}",
        export.len(),
        export.first().map_or(0, Vec::len),
        inputs[0][0].len()
    );
    if let Some(i) = export.iter().flatten().position(|x| !x.is_finite()) {
        bail!("the export has a non-finite sample at {}", i / 2);
    }
    Ok(export)
}

/// Independent white noise on each channel, `seconds` long, at `amplitude` peak.
pub(super) fn noise(seed: u64, seconds: f64, amplitude: f32) -> [Vec<f32>; 2] {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32 * amplitude
    };
    let n = (seconds * f64::from(RATE)) as usize;
    let left = (0..n).map(|_| next()).collect();
    let right = (0..n).map(|_| next()).collect();
    [left, right]
}

fn db(x: f64) -> f64 {
    20.0 * x.max(1e-30).log10()
}

/// Bus i's fader at −2·(i − 1) dB: the export must be Σ gᵢ·xᵢ.
fn console(ctx: &Ctx, dir: &Path) -> Result<String> {
    let inputs: Vec<[Vec<f32>; 2]> = (1..=8).map(|i| noise(i, 2.0, 0.1)).collect();
    let fader_db = |i: usize| -2.0 * (i as f64 - 1.0);
    let settings: Vec<String> = (1..=8)
        .map(|i| format!("Ch {i} Fader={}", fader_db(i)))
        .collect();
    let routes = ["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "bus:mix"];
    let export = render(ctx, dir, "console", &routes, &inputs, &settings)?;
    let gains: Vec<f64> = (1..=8).map(|i| 10f64.powf(fader_db(i) / 20.0)).collect();
    let (mut err, mut peak, mut at) = (0.0f64, 0.0f64, (0, 0));
    for c in 0..2 {
        for n in 0..export[c].len() {
            let expected: f64 = inputs
                .iter()
                .zip(&gains)
                .map(|(x, g)| g * f64::from(x[c][n]))
                .sum();
            peak = peak.max(expected.abs());
            let e = (f64::from(export[c][n]) - expected).abs();
            if e > err {
                (err, at) = (e, (c, n));
            }
        }
    }
    // A bus's contribution measured by correlation, to name what is wrong if anything is.
    let contribution = |i: usize| {
        let (mut xy, mut xx) = (0.0, 0.0);
        for c in 0..2 {
            for (y, x) in export[c].iter().zip(&inputs[i][c]) {
                xy += f64::from(*y) * f64::from(*x);
                xx += f64::from(*x) * f64::from(*x);
            }
        }
        db(xy / xx)
    };
    let tol = 1e-5;
    if err > tol {
        let heard: Vec<String> = (0..8)
            .map(|i| {
                format!(
                    "bus {} {:.2} dB (fader {} dB)",
                    i + 1,
                    contribution(i),
                    fader_db(i + 1)
                )
            })
            .collect();
        bail!(
            "differs from Σ gain·input by {err:.2e} at sample {} of channel {} (tolerance {tol:e}); \
             each bus as heard: {}",
            at.1,
            at.0,
            heard.join(", ")
        );
    }
    Ok(format!(
        "the mix equals Σ fader·input of all eight tracks within {err:.1e} (tolerance {tol:e}, \
         peak {peak:.2}); bus 8 heard at {:.2} dB by correlation (fader −14 dB)",
        contribution(7)
    ))
}

/// A 1 kHz tone of −9.03 dB RMS on "in"; the key on "key": silent for 1 s, a 300 Hz tone at
/// the same level for 1.5 s, silent again for 1.5 s. RMS detector (10 ms window), threshold
/// −30 dB, 4:1, 6 dB knee: the static curve turns the tone down by 20.97·(1 − 1/4) =
/// 15.73 dB while the key plays, and not at all while it is silent.
fn sidechain(ctx: &Ctx, dir: &Path) -> Result<String> {
    let fs = f64::from(RATE);
    let n = (4.0 * fs) as usize;
    let amplitude = 0.5;
    let tone: Vec<f32> = (0..n)
        .map(|i| (amplitude * (TAU * 1000.0 * i as f64 / fs).sin()) as f32)
        .collect();
    let key: Vec<f32> = (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            if (1.0..2.5).contains(&t) {
                (amplitude * (TAU * 300.0 * t).sin()) as f32
            } else {
                0.0
            }
        })
        .collect();
    let settings: Vec<String> = ["Sidechain=1", "Threshold=-30"]
        .iter()
        .chain(&super::COMPRESSOR_RMS_4_TO_1)
        .map(|s| s.to_string())
        .collect();
    let inputs = [[tone.clone(), tone.clone()], [key.clone(), key]];
    let export = render(ctx, dir, "sidechain", &["in", "key"], &inputs, &settings)?;
    let rms =
        |x: &[f32]| (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
    let level = |from: f64, to: f64| {
        let r = (from * fs) as usize..(to * fs) as usize;
        db(rms(&export[0][r.clone()]).max(rms(&export[1][r])) / (amplitude / SQRT_2))
    };
    let expected = -(20.97 * 0.75);
    let before = level(0.2, 0.9);
    let keyed = level(1.5, 2.4);
    let after = level(3.5, 4.0);
    ensure!(
        before.abs() < 0.01 && after.abs() < 0.01,
        "with the key silent the tone is at {before:+.3} dB (before) and {after:+.3} dB (after), \
         expected 0"
    );
    ensure!(
        (keyed - expected).abs() < 0.3,
        "with the key playing the tone is at {keyed:+.2} dB, expected {expected:+.2} dB (tolerance \
         0.3 dB)"
    );
    // The key must not leak into the mix: its 300 Hz has no place in the output.
    let r = (1.5 * fs) as usize..(2.4 * fs) as usize;
    let (mut c, mut s) = (0.0, 0.0);
    for i in r.clone() {
        let ph = TAU * 300.0 * i as f64 / fs;
        c += f64::from(export[0][i]) * ph.cos();
        s += f64::from(export[0][i]) * ph.sin();
    }
    let leak = db(2.0 * c.hypot(s) / r.len() as f64 / amplitude);
    ensure!(leak < -100.0, "the key leaks into the mix at {leak:.1} dB");
    Ok(format!(
        "the tone at {before:+.3} dB with the key silent, {keyed:+.2} dB while it plays (static \
         curve {expected:+.2} dB, tolerance 0.3 dB), {after:+.3} dB after; the key's own tone in \
         the mix {leak:.0} dB"
    ))
}
