//! The reverb's impulse-response files and states, shared by its host tests
//! (`tests/reverb.rs`, `tests/offline.rs`): WAV files written from the format's definition,
//! random IRs, the loader's documented normalisation, states naming an IR path, the error
//! against direct convolution, and the reverberation time by Schroeder integration in octave
//! bands (ISO 3382-1), all independent of the plugin's own code.

use std::path::{Path, PathBuf};

use crate::battery::instantiate;
use crate::bundles::PluginUnderTest;
use crate::host::{ParamChange, Result, param_id};
use crate::signals::Noise;

/// The rate the random IRs are made at (and the tests run at).
pub const RATE: f64 = 48_000.0;

/// A fresh directory for this test process's files, under the system's temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mixwerk-reverb-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A 32-bit float WAV written byte by byte from the format's definition (RIFF, `fmt ` with
/// format 3 = IEEE float, `data`), independent of the plugin's reader.
pub fn write_float_wav(path: &Path, rate: u32, channels: &[Vec<f32>]) {
    let n = channels.len() as u16;
    let frames = channels[0].len();
    let data_len = (frames * n as usize * 4) as u32;
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&3u16.to_le_bytes());
    b.extend_from_slice(&n.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * n as u32 * 4).to_le_bytes());
    b.extend_from_slice(&(n * 4).to_le_bytes());
    b.extend_from_slice(&32u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..frames {
        for c in channels {
            b.extend_from_slice(&c[i].to_le_bytes());
        }
    }
    std::fs::write(path, b).expect("write wav");
}

/// A random stereo IR, `seconds` long, with an exponential envelope and a clear last sample.
pub fn random_ir(seed: u32, seconds: f64) -> Vec<Vec<f32>> {
    let mut noise = Noise::new(seed);
    let len = (seconds * RATE) as usize;
    (0..2)
        .map(|_| {
            let mut c: Vec<f32> = (0..len)
                .map(|i| noise.next_f32() * (-(i as f32) / 6_000.0).exp() + 0.0)
                .collect();
            c[len - 1] = 0.25;
            c
        })
        .collect()
}

/// The IR as the plugin must use it: scaled to unit mean energy (the loader's documented rule),
/// computed here from that definition.
pub fn normalised(ir: &[Vec<f32>]) -> Vec<Vec<f64>> {
    let energy: f64 = ir
        .iter()
        .flatten()
        .map(|&v| (v as f64).powi(2))
        .sum::<f64>()
        / ir.len() as f64;
    let g = 1.0 / energy.sqrt();
    ir.iter()
        .map(|c| c.iter().map(|&v| v as f64 * g).collect())
        .collect()
}

/// A JSON string literal for `s`.
pub fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `state` (nice-plug's CLAP state: a little-endian u64 length, then JSON) with its persisted
/// `ir-path` field set to `path`. Persisted fields are JSON strings holding JSON, so the path
/// is encoded twice.
pub fn with_ir_path(state: &[u8], path: &str) -> Vec<u8> {
    let json = std::str::from_utf8(&state[8..]).expect("JSON state");
    let empty = format!("\"ir-path\":{}", json_string("\"\""));
    assert!(
        json.contains(&empty),
        "the state has no empty ir-path field: {json}"
    );
    let json = json.replacen(
        &empty,
        &format!("\"ir-path\":{}", json_string(&json_string(path))),
        1,
    );
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(json.as_bytes());
    out
}

/// Convolution mode, all wet, no pre-delay, cuts off (everything else at its neutral default:
/// width 100 %, 0 dB), as a state with `path` as the IR.
pub fn convolution_state(p: &PluginUnderTest, path: &str) -> Result<Vec<u8>> {
    let (_bundle, mut inst) = instantiate(p)?;
    let params = inst.params()?;
    let changes: Vec<ParamChange> = [
        ("Mode", 1.0),
        ("Mix", 1.0),
        ("Pre-Delay", 0.0),
        ("Low Cut", 0.0),
        ("High Cut", 1.0),
    ]
    .into_iter()
    .map(|(name, value)| ParamChange {
        offset: 0,
        id: param_id(&params, name),
        value,
    })
    .collect();
    inst.flush(&changes)?;
    for cut in ["Low Cut", "High Cut"] {
        let v = inst.value(param_id(&params, cut))?;
        assert_eq!(inst.value_to_text(param_id(&params, cut), v)?, "Off");
    }
    let mix = inst.value(param_id(&params, "Mix"))?;
    assert_eq!(inst.value_to_text(param_id(&params, "Mix"), mix)?, "100 %");
    Ok(with_ir_path(&inst.save_state()?, path))
}

/// Error of `output` against direct convolution of `input` with `ir`, over samples `from..to`
/// (which must all lie at least one IR length after the input started, or count from 0).
pub fn error_db(
    input: &[Vec<f32>],
    output: &[Vec<f32>],
    ir: &[Vec<f64>],
    from: usize,
    to: usize,
) -> f64 {
    let (mut e, mut s) = (0.0, 0.0);
    for c in 0..2 {
        for n in from..to {
            let want: f64 = (0..=n.min(ir[c].len() - 1))
                .map(|m| ir[c][m] * input[c][n - m] as f64)
                .sum();
            e += (output[c][n] as f64 - want).powi(2);
            s += want * want;
        }
    }
    10.0 * (e / s).log10()
}

/// Zero-phase octave-band filtering: a 2nd-order band pass with 0 dB at `fc` and one
/// octave's bandwidth (RBJ Audio EQ Cookbook, Q = √2), run forward and then backward over `x`,
/// so the band is its squared magnitude and adds no delay.
pub fn octave_band(x: &[f32], fs: f64, fc: f64) -> Vec<f64> {
    let w0 = std::f64::consts::TAU * fc / fs;
    let alpha = w0.sin() / (2.0 * std::f64::consts::SQRT_2);
    let a0 = 1.0 + alpha;
    let (b0, b2) = (alpha / a0, -alpha / a0);
    let (a1, a2) = (-2.0 * w0.cos() / a0, (1.0 - alpha) / a0);
    let run = |v: &mut [f64]| {
        let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
        for s in v.iter_mut() {
            let y = b0 * *s + b2 * x2 - a1 * y1 - a2 * y2;
            (x2, x1, y2, y1) = (x1, *s, y1, y);
            *s = y;
        }
    };
    let mut y: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    run(&mut y);
    y.reverse();
    run(&mut y);
    y.reverse();
    y
}

/// T30 of an energy envelope at `fs` (ISO 3382-1): Schroeder's backward integral,
/// EDC(t) = ∫ₜ^∞ e / ∫₀^∞ e in dB, and the least-squares line through it between −5 and
/// −35 dB, extrapolated to 60 dB. `None` if the curve never spans that range.
pub fn schroeder_t30(energy: &[f64], fs: f64) -> Option<f64> {
    let total: f64 = energy.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut remaining = vec![0.0; energy.len() + 1];
    for i in (0..energy.len()).rev() {
        remaining[i] = remaining[i + 1] + energy[i];
    }
    let points: Vec<(f64, f64)> = remaining[..energy.len()]
        .iter()
        .enumerate()
        .map(|(i, r)| (i as f64 / fs, 10.0 * (r / total).log10()))
        .filter(|(_, db)| (-35.0..=-5.0).contains(db))
        .collect();
    if points.len() < 100 {
        return None;
    }
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x / n, b + y / n));
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(a, b), &(x, y)| {
        (a + (x - mx) * (y - my), b + (x - mx).powi(2))
    });
    Some(-60.0 / (sxy / sxx))
}

/// T_mid of a (multichannel) impulse response (ISO 3382-1): T30 of all channels' energy in the
/// 500 Hz and in the 1 kHz octave, averaged. `None` if either never decays by 35 dB.
pub fn t_mid(channels: &[Vec<f32>], fs: f64) -> Option<f64> {
    let band = |fc: f64| {
        let bands: Vec<Vec<f64>> = channels.iter().map(|c| octave_band(c, fs, fc)).collect();
        let len = bands.iter().map(Vec::len).min().unwrap_or(0);
        let energy: Vec<f64> = (0..len)
            .map(|i| bands.iter().map(|b| b[i] * b[i]).sum())
            .collect();
        schroeder_t30(&energy, fs)
    };
    Some(0.5 * (band(500.0)? + band(1_000.0)?))
}
