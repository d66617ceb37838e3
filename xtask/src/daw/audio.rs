//! The audio side of `cargo xtask daw-test`: the test signal, WAV files, and the judgement
//! of Ardour's exports against the input and what each plugin's defaults must do.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// Session sample rate (the scripts create 48 kHz sessions).
pub(super) const RATE: u32 = 48_000;
/// Length of the input: 3 s of programme, then 1 s of silence for tails.
const PROGRAMME: usize = 3 * RATE as usize;
const LENGTH: usize = 4 * RATE as usize;

/// What a plugin with its default settings must do to the input, judged on the export
/// (Ardour compensates the latency the plugin reports, so no shift is applied here: a
/// plugin whose latency Ardour did not read would fail the sample-wise checks).
#[derive(Clone, Copy, Debug)]
pub(super) enum Expect {
    /// The export equals the input within `tol` (largest absolute sample difference).
    Identity { tol: f32 },
    /// A compressor without make-up: no sample louder than the input's (gain ≤ 1), and the
    /// level lower by between `min_db` and `max_db`.
    Compresses { min_db: f64, max_db: f64 },
    /// Dry at unity, echoes `wet_db` below it after `delay` samples: the export equals the
    /// input until the first echo, which arrives at `delay` ± 1 ms with its gain.
    Echoes { delay: usize, wet_db: f64 },
    /// A reverb mixed in: the level within ±3 dB of the input's, audibly different from
    /// it, and a tail in the final second of silence.
    Reverberates,
    /// A modulated delay mixed in (chorus): the level within ±3 dB of the input's, audibly
    /// different from it, and silence (below −80 dB) from 100 ms into the final second: its
    /// delay lines ring for milliseconds, not seconds.
    Modulates,
    /// Latency compensation: the plugin's track plus a dry track with the same region sum
    /// to twice the input within `tol` (any misalignment would comb-filter the sum).
    TwiceTheInput { tol: f32 },
}

/// 3 s of programme (white noise, a logarithmic sine sweep 20 Hz → 20 kHz, and drum-like
/// hits every 250 ms: a decaying 60 Hz body and a noise burst), peaking at −6 dBFS, then
/// 1 s of digital silence. Left and right differ (the sweep is inverted on the right, the
/// noise is independent), so a channel swap or a mono fold would show.
pub(crate) fn test_signal() -> [Vec<f32>; 2] {
    test_signal_at(RATE)
}

/// [`test_signal`] for a session at `rate`: the same sweep and hits in seconds, but the same
/// number of samples as at [`RATE`] (the programme is then 3 s × 48 kHz / `rate` long), so
/// that [`judge`], which counts samples, judges it unchanged.
pub(super) fn test_signal_at(rate: u32) -> [Vec<f32>; 2] {
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let fs = f64::from(rate);
    let (f0, f1, dur) = (20.0_f64, 20_000.0_f64, PROGRAMME as f64 / fs);
    let k = (f1 / f0).ln() / dur;
    let mut out = [vec![0.0f32; LENGTH], vec![0.0f32; LENGTH]];
    let [left, right] = &mut out;
    for (i, (l, r)) in left
        .iter_mut()
        .zip(right.iter_mut())
        .take(PROGRAMME)
        .enumerate()
    {
        let t = i as f64 / fs;
        let sweep = 0.25 * (std::f64::consts::TAU * f0 * ((k * t).exp() - 1.0) / k).sin();
        let hit_t = (i % (rate as usize / 4)) as f64 / fs;
        let body = (-hit_t / 0.03).exp() * (std::f64::consts::TAU * 60.0 * hit_t).sin();
        let burst = (-hit_t / 0.005).exp();
        let (nl, nr, nb) = (noise(), noise(), noise());
        *l = (0.1 * nl + sweep + 0.5 * body + 0.3 * burst * nb) as f32;
        *r = (0.1 * nr - sweep + 0.5 * body + 0.3 * burst * nb) as f32;
    }
    let peak = out.iter().flatten().fold(0.0f32, |m, x| m.max(x.abs()));
    for x in out.iter_mut().flatten() {
        *x *= 0.5 / peak;
    }
    out
}

pub(crate) fn write_wav(path: &Path, signal: &[Vec<f32>; 2]) -> Result<()> {
    write_wav_at(path, signal, RATE)
}

pub(super) fn write_wav_at(path: &Path, signal: &[Vec<f32>; 2], rate: u32) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec)?;
    for (&l, &r) in signal[0].iter().zip(&signal[1]) {
        w.write_sample(l)?;
        w.write_sample(r)?;
    }
    w.finalize()?;
    Ok(())
}

pub(super) fn read_wav(path: &Path) -> Result<Vec<Vec<f32>>> {
    read_wav_at(path, RATE)
}

pub(super) fn read_wav_at(path: &Path, rate: u32) -> Result<Vec<Vec<f32>>> {
    let mut r =
        hound::WavReader::open(path).with_context(|| format!("no export at {}", path.display()))?;
    let spec = r.spec();
    if spec.sample_format != hound::SampleFormat::Float || spec.sample_rate != rate {
        bail!(
            "{}: expected 32-bit float at {rate} Hz, got {spec:?}",
            path.display()
        );
    }
    let channels = usize::from(spec.channels);
    let mut out = vec![Vec::new(); channels];
    for (i, s) in r.samples::<f32>().enumerate() {
        out[i % channels].push(s?);
    }
    Ok(out)
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

/// Checks one export against the input; returns the measured figures.
pub(super) fn judge(input: &[Vec<f32>; 2], export: &[Vec<f32>], expect: Expect) -> Result<String> {
    judge_at(input, export, expect, RATE)
}

/// [`judge`] for a session at `rate` (its input from [`test_signal_at`], as many samples as
/// at [`RATE`]): `rate` only sets the ±1 ms of the echo's onset and the times reported.
pub(super) fn judge_at(
    input: &[Vec<f32>; 2],
    export: &[Vec<f32>],
    expect: Expect,
    rate: u32,
) -> Result<String> {
    if export.len() != 2 {
        bail!("the export has {} channels, expected 2", export.len());
    }
    if export[0].len() != LENGTH {
        bail!(
            "the export is {} samples long, expected {LENGTH}",
            export[0].len()
        );
    }
    if let Some(i) = export.iter().flatten().position(|x| !x.is_finite()) {
        bail!("the export has a non-finite sample at {}", i / 2);
    }
    let level_in = rms(&[&input[0][..PROGRAMME], &input[1][..PROGRAMME]].concat());
    let level_out = rms(&[&export[0][..PROGRAMME], &export[1][..PROGRAMME]].concat());
    if level_out < 1e-6 {
        bail!(
            "the export is silent (RMS {level_out:e}; input {:.1} dBFS)",
            db(level_in)
        );
    }
    let level = format!("level {:+.2} dB re input", db(level_out / level_in));
    let max_diff = |range: std::ops::Range<usize>| {
        (0..2)
            .flat_map(|c| range.clone().map(move |i| (c, i)))
            .map(|(c, i)| (export[c][i] - input[c][i]).abs())
            .fold(0.0f32, f32::max)
    };
    match expect {
        Expect::Identity { tol } => {
            let err = max_diff(0..LENGTH);
            if err > tol {
                bail!("differs from the input by up to {err:e} (tolerance {tol:e}); {level}");
            }
            Ok(format!(
                "equals the input within {err:e} (tolerance {tol:e}); {level}"
            ))
        }
        Expect::Compresses { min_db, max_db } => {
            let mut worst = 0.0f32;
            for c in 0..2 {
                for i in 0..LENGTH {
                    worst = worst.max(export[c][i].abs() - input[c][i].abs() * (1.0 + 1e-5));
                }
            }
            if worst > 1e-6 {
                bail!("a sample is louder than the input's by {worst:e} (gain above 1)");
            }
            let reduction = -db(level_out / level_in);
            if !(min_db..=max_db).contains(&reduction) {
                bail!("level down {reduction:.2} dB, expected {min_db} … {max_db} dB");
            }
            Ok(format!(
                "never louder than the input sample for sample; {level}"
            ))
        }
        Expect::Echoes { delay, wet_db } => {
            let ms = rate as usize / 1000;
            let before = max_diff(0..delay - ms);
            if before > 1e-6 {
                bail!("differs from the input by {before:e} before the first echo is due");
            }
            // The first echo: where the export starts to differ from the input.
            let onset = (0..LENGTH)
                .find(|&i| (0..2).any(|c| (export[c][i] - input[c][i]).abs() > 1e-3))
                .context("no echo at all")?;
            if onset.abs_diff(delay) > ms {
                bail!("first echo at {onset} samples, expected {delay} ± {ms}");
            }
            // Its gain: least squares of (export − input) against the delayed input, over
            // the first echo only (before the second arrives).
            let (mut xy, mut xx) = (0.0f64, 0.0f64);
            for c in 0..2 {
                for i in delay + ms..2 * delay - ms {
                    let x = f64::from(input[c][i - delay]);
                    xy += (f64::from(export[c][i]) - f64::from(input[c][i])) * x;
                    xx += x * x;
                }
            }
            let gain = db(xy / xx);
            if (gain - wet_db).abs() > 0.5 {
                bail!("first echo {gain:.2} dB, expected {wet_db} ± 0.5 dB");
            }
            Ok(format!(
                "equals the input until the first echo at {:.1} ms, echo {gain:.2} dB; {level}",
                onset as f64 * 1000.0 / f64::from(rate)
            ))
        }
        Expect::TwiceTheInput { tol } => {
            let mut err = 0.0f32;
            for c in 0..2 {
                for i in 0..LENGTH {
                    err = err.max((export[c][i] - 2.0 * input[c][i]).abs());
                }
            }
            // What the check would see if one track were a single sample late: the input
            // plus itself one sample later, against twice the input.
            let mut one_sample = 0.0f32;
            for channel in input {
                for pair in channel.windows(2) {
                    one_sample = one_sample.max((pair[0] - pair[1]).abs());
                }
            }
            if err > tol {
                bail!("differs from twice the input by up to {err:e} (tolerance {tol:e}); {level}");
            }
            Ok(format!(
                "equals twice the input within {err:e} (tolerance {tol:e}; one sample of \
                 misalignment would differ by {one_sample:.2}); {level}"
            ))
        }
        Expect::Reverberates => {
            let wet = mixed_in(export, input, level_in, level_out, &level)?;
            let tail =
                db(rms(&[&export[0][PROGRAMME..], &export[1][PROGRAMME..]].concat()) / level_in);
            if tail < -60.0 {
                bail!("no tail after the input stops ({tail:.1} dB re input)");
            }
            Ok(format!(
                "differs from the input by {wet:.1} dB, tail {tail:.1} dB in the last second; {level}"
            ))
        }
        Expect::Modulates => {
            let wet = mixed_in(export, input, level_in, level_out, &level)?;
            let after = PROGRAMME + RATE as usize / 10;
            let rest = db(rms(&[&export[0][after..], &export[1][after..]].concat()) / level_in);
            if rest > -80.0 {
                bail!("still sounds {rest:.1} dB re input 100 ms after the input stops");
            }
            Ok(format!(
                "differs from the input by {wet:.1} dB, {rest:.1} dB from 100 ms after the end; {level}"
            ))
        }
    }
}

/// An effect mixed into the input (reverb, chorus): the level within ±3 dB of the input's
/// (`level` describes it), and the export audibly different from the input; returns by how
/// much (dB re input).
fn mixed_in(
    export: &[Vec<f32>],
    input: &[Vec<f32>],
    level_in: f64,
    level_out: f64,
    level: &str,
) -> Result<f64> {
    let change = db(level_out / level_in);
    if change.abs() > 3.0 {
        bail!("{level}, expected within ±3 dB");
    }
    let diff: Vec<f32> = (0..2)
        .flat_map(|c| (0..PROGRAMME).map(move |i| export[c][i] - input[c][i]))
        .collect();
    let wet = db(rms(&diff) / level_in);
    if wet < -30.0 {
        bail!("hardly differs from the input ({wet:.1} dB): no effect?");
    }
    Ok(wet)
}
