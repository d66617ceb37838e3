//! Mixwerk Strip on every track (`cargo xtask daw-test`, `tests/daw/strips.lua`): how the
//! Strip is meant to be used, one per track, the DAW summing the tracks.
//!
//! Eight stereo tracks, each playing its own noise (left and right independent, as the
//! console check in `routing.rs`), each through its own Strip with its own trim, polarity,
//! width, pan and fader, summed by Ardour's master bus. Everything else on the Strips is
//! off, so each one is a 2×2 gain matrix, written down here from the parameters' meaning
//! alone ([`Strip::matrix`]), and the export must be Σ Mᵢ·xᵢ sample for sample:
//!
//! - **summed by the master bus**: the export against Σ Mᵢ·xᵢ within float rounding.
//! - **= one Channel Strip**: the same eight inputs through one Mixwerk Channel Strip with
//!   the same settings on its eight buses (the console routing of `routing.rs`): both
//!   exports against Σ Mᵢ·xᵢ, and against each other.
//! - **a fader automated on one track**: track 3's Fader follows a lane (steps and a ramp);
//!   where the lane has held still for a while the export must be Σ Mᵢ·xᵢ with track 3 at
//!   the lane's value; everywhere, what is left after the other seven tracks' constant
//!   contributions are taken away must be track 3's own signal at one gain, within the
//!   range of gains its lane went through: the fader's glide moves that track only.
//! - **solo**: every Strip in one process is linked (`plugin_kit::link`), and soloing track
//!   3's mutes the seven others, whatever track they are on: the export is track 3 alone.

use std::path::Path;

use anyhow::{Result, bail, ensure};

use super::audio::RATE;
use super::automation::Lane;
use super::routing::{self, noise};
use super::{Check, Ctx};

const PLUGIN: &str = "Mixwerk Strip";
/// Each track's noise: its length and peak.
const SECONDS: f64 = 2.5;
const AMPLITUDE: f32 = 0.1;
/// Largest accepted difference between the export and Σ Mᵢ·xᵢ: float rounding (each Strip
/// works in f32, Ardour sums in f32; the sum peaks near 0.5).
const TOL: f64 = 1e-5;
/// The automated fader's track (1-based).
const AUTOMATED: usize = 3;
/// How long after the automated fader last moved its glide may still show: Ardour applies a
/// lane's value up to one process cycle (21.3 ms) late, and the Strip's fader glides with a
/// 10 ms time constant, snapping to its target at 1e-5 of the jump (11.5 τ = 115 ms).
const SETTLE_S: f64 = 0.2;
/// How long before a lane moves the output may already show it (a process cycle of margin:
/// Ardour never applies a lane early, see automation.rs).
const EARLY_S: f64 = 0.025;
/// The automated track's gain is judged only where its signal is at least this large (the
/// gain is a quotient, its rounding error grows as the signal shrinks).
const MIN_SIGNAL: f64 = 0.02;
/// Tolerance of the automated track's gain inside the range its lane went through.
const GAIN_TOL: f64 = 1e-4;

/// One track's Strip, in the units of its parameters.
#[derive(Clone, Copy, Debug)]
struct Strip {
    trim_db: f64,
    invert: bool,
    /// −100 (L) … 100 (R).
    pan: f64,
    /// Percent: 100 leaves the image alone, 0 is mono.
    width: f64,
    fader_db: f64,
}

const CENTRE: Strip = Strip {
    trim_db: 0.0,
    invert: false,
    pan: 0.0,
    width: 100.0,
    fader_db: 0.0,
};

/// The eight tracks' Strips: every fader its own, pans both ways up to hard left and right,
/// one inverted, one mono, one wider, one trimmed.
const STRIPS: [Strip; 8] = [
    CENTRE,
    Strip {
        pan: -30.0,
        fader_db: -2.0,
        ..CENTRE
    },
    Strip {
        pan: 45.0,
        fader_db: -4.5,
        ..CENTRE
    },
    Strip {
        pan: -100.0,
        fader_db: -6.0,
        ..CENTRE
    },
    Strip {
        invert: true,
        pan: 20.0,
        fader_db: 3.0,
        ..CENTRE
    },
    Strip {
        width: 0.0,
        fader_db: -10.0,
        ..CENTRE
    },
    Strip {
        pan: 70.0,
        width: 150.0,
        fader_db: -1.5,
        ..CENTRE
    },
    Strip {
        trim_db: 6.0,
        pan: 100.0,
        fader_db: -14.0,
        ..CENTRE
    },
];

/// A 2×2 gain matrix, `out[c] = Σ_d m[c][d]·in[d]`.
type Matrix = [[f64; 2]; 2];

impl Strip {
    /// The settings in Ardour's names (with `prefix`: "Ch 3 " for the Channel Strip's bus 3)
    /// and units; the ones at their defaults are left out.
    fn settings(&self, prefix: &str) -> Vec<String> {
        let mut s = vec![format!("{prefix}Fader={}", self.fader_db)];
        if self.trim_db != 0.0 {
            s.push(format!("{prefix}Trim={}", self.trim_db));
        }
        if self.invert {
            s.push(format!("{prefix}Polarity Invert=1"));
        }
        if self.pan != 0.0 {
            s.push(format!("{prefix}Pan={}", self.pan));
        }
        if self.width != 100.0 {
            s.push(format!("{prefix}Width={}", self.width));
        }
        s
    }

    /// What the Strip does at `fader_db`, written from what its parameters mean (their
    /// names and texts; the laws as shared-dsp's pan.rs documents them), not computed by
    /// its code: trim 10^(dB/20), negated by the polarity
    /// switch; width w as L' = L·(1+w)/2 + R·(1−w)/2 (and mirrored), so 1 is the identity
    /// and 0 mono; pan p = Pan/100 in Balance mode with the 0 dB law, the defaults: the
    /// near side at unity, the far side down linearly to silence at the hard side,
    /// left ·min(1, 1 − p), right ·min(1, 1 + p); the fader 10^(dB/20).
    fn matrix(&self, fader_db: f64) -> Matrix {
        let gain = |db: f64| 10f64.powf(db / 20.0);
        let sign = if self.invert { -1.0 } else { 1.0 };
        let g = sign * gain(self.trim_db) * gain(fader_db);
        let w = self.width / 100.0;
        let (a, b) = ((1.0 + w) / 2.0, (1.0 - w) / 2.0);
        let p = self.pan / 100.0;
        let (left, right) = ((1.0 - p).min(1.0), (1.0 + p).min(1.0));
        [[g * left * a, g * left * b], [g * right * b, g * right * a]]
    }
}

/// Applies `m` to sample `n` of `x`, channel `c`.
fn apply(m: &Matrix, x: &[Vec<f32>; 2], c: usize, n: usize) -> f64 {
    m[c][0] * f64::from(x[0][n]) + m[c][1] * f64::from(x[1][n])
}

/// The eight tracks' inputs: noise from the console check's generator (routing.rs), seeds 1 … 8.
fn inputs() -> Vec<[Vec<f32>; 2]> {
    (1..=8)
        .map(|i| noise(i as u64, SECONDS, AMPLITUDE))
        .collect()
}

pub(super) fn checks(plugins: &[&'static str]) -> Vec<Check> {
    let mut checks = Vec::new();
    if !plugins.contains(&PLUGIN) {
        return checks;
    }
    checks.push(Check::new(
        "Mixwerk Strip: eight tracks each with Mixwerk Strip summed on the master bus",
        summed,
    ));
    if plugins.contains(&"Mixwerk Channel Strip") {
        checks.push(Check::new(
            "Mixwerk Strip: eight tracks each with Mixwerk Strip = one Mixwerk Channel Strip",
            console,
        ));
    }
    checks.push(Check::new(
        "Mixwerk Strip: a fader automated on one track moves only that track",
        automated,
    ));
    checks.push(Check::new(
        "Mixwerk Strip: solo on one track mutes the other seven (linked strips)",
        soloed,
    ));
    checks
}

/// Runs strips.lua on `inputs` (one track each) with `args` (`t<i>:…`) in `dir`; returns the
/// export, checked to be stereo, as long as the inputs and finite.
fn render(
    ctx: &Ctx,
    dir: &Path,
    inputs: &[[Vec<f32>; 2]],
    args: &[String],
) -> Result<Vec<Vec<f32>>> {
    let routes: Vec<String> = (1..=inputs.len()).map(|i| format!("t{i}")).collect();
    let routes: Vec<&str> = routes.iter().map(String::as_str).collect();
    let leading = [dir.display().to_string()];
    routing::render_tracks(ctx, dir, "strips.lua", &leading, &routes, inputs, args)
}

/// Every Strip's settings as strips.lua's arguments.
fn strip_args() -> Vec<String> {
    STRIPS
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            s.settings("")
                .into_iter()
                .map(move |a| format!("t{}:{a}", i + 1))
        })
        .collect()
}

/// Σ Mᵢ·xᵢ with every Strip at its own fader.
fn mix(inputs: &[[Vec<f32>; 2]]) -> [Vec<f64>; 2] {
    mix_of(inputs, |_| true)
}

/// Σ Mᵢ·xᵢ over the tracks `heard` (0-based) lets through.
fn mix_of(inputs: &[[Vec<f32>; 2]], heard: impl Fn(usize) -> bool) -> [Vec<f64>; 2] {
    let len = inputs[0][0].len();
    let matrices: Vec<Matrix> = STRIPS.iter().map(|s| s.matrix(s.fader_db)).collect();
    [0, 1].map(|c| {
        (0..len)
            .map(|n| {
                (0..inputs.len())
                    .filter(|&i| heard(i))
                    .map(|i| apply(&matrices[i], &inputs[i], c, n))
                    .sum()
            })
            .collect()
    })
}

/// The largest difference between `export` and `expected`: (error, channel, sample), and the
/// expected signal's peak.
fn max_error(export: &[Vec<f32>], expected: &[Vec<f64>; 2]) -> ((f64, usize, usize), f64) {
    let (mut worst, mut peak) = ((0.0f64, 0, 0), 0.0f64);
    for c in 0..2 {
        for (n, (&y, &e)) in export[c].iter().zip(&expected[c]).enumerate() {
            peak = peak.max(e.abs());
            let d = (f64::from(y) - e).abs();
            if d > worst.0 {
                worst = (d, c, n);
            }
        }
    }
    (worst, peak)
}

/// Each track's gain matrix as the export shows it, by least squares over the whole export
/// (16 unknowns per output channel: every track's left and right input), against the
/// expected ones (0 for the tracks `audible` silences): names what is wrong when the mix is.
#[allow(clippy::needless_range_loop)] // linear algebra, indexed as written on paper
fn heard(export: &[Vec<f32>], inputs: &[[Vec<f32>; 2]], audible: &dyn Fn(usize) -> bool) -> String {
    let tracks = inputs.len();
    let k = 2 * tracks;
    let column = |j: usize, n: usize| f64::from(inputs[j / 2][j % 2][n]);
    let mut gram = vec![vec![0.0; k]; k];
    let mut rhs = vec![[0.0; 2]; k];
    for n in 0..export[0].len() {
        for a in 0..k {
            let xa = column(a, n);
            for b in a..k {
                gram[a][b] += xa * column(b, n);
            }
            for c in 0..2 {
                rhs[a][c] += xa * f64::from(export[c][n]);
            }
        }
    }
    for a in 0..k {
        for b in 0..a {
            gram[a][b] = gram[b][a];
        }
    }
    // Gaussian elimination (the Gram matrix of independent noises is well conditioned).
    for p in 0..k {
        for r in p + 1..k {
            let f = gram[r][p] / gram[p][p];
            for col in p..k {
                gram[r][col] -= f * gram[p][col];
            }
            for c in 0..2 {
                rhs[r][c] -= f * rhs[p][c];
            }
        }
    }
    let mut solved = vec![[0.0; 2]; k];
    for p in (0..k).rev() {
        for c in 0..2 {
            let known: f64 = (p + 1..k).map(|col| gram[p][col] * solved[col][c]).sum();
            solved[p][c] = (rhs[p][c] - known) / gram[p][p];
        }
    }
    (0..tracks)
        .map(|i| {
            let m = if audible(i) {
                STRIPS[i].matrix(STRIPS[i].fader_db)
            } else {
                [[0.0; 2]; 2]
            };
            let g = |c: usize, d: usize| solved[2 * i + d][c];
            format!(
                "track {} [{:+.4} {:+.4}; {:+.4} {:+.4}] (expected [{:+.4} {:+.4}; {:+.4} {:+.4}])",
                i + 1,
                g(0, 0),
                g(0, 1),
                g(1, 0),
                g(1, 1),
                m[0][0],
                m[0][1],
                m[1][0],
                m[1][1]
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The export of `what` against Σ Mᵢ·xᵢ over the tracks `audible` lets through; the error
/// and the expected peak on success.
fn judge_mix(
    what: &str,
    export: &[Vec<f32>],
    inputs: &[[Vec<f32>; 2]],
    audible: &dyn Fn(usize) -> bool,
) -> Result<(f64, f64)> {
    let ((err, c, n), peak) = max_error(export, &mix_of(inputs, audible));
    if err > TOL {
        bail!(
            "{what} differs from Σ strip·input by {err:.2e} at sample {n} of channel {c} \
             (tolerance {TOL:e}); each track as heard: {}",
            heard(export, inputs, audible)
        );
    }
    Ok((err, peak))
}

/// The eight Strips summed by Ardour's master bus against Σ Mᵢ·xᵢ.
fn summed(ctx: &Ctx, dir: &Path) -> Result<String> {
    let inputs = inputs();
    let export = render(ctx, dir, &inputs, &strip_args())?;
    let (err, peak) = judge_mix("the master bus", &export, &inputs, &|_| true)?;
    Ok(format!(
        "the master bus equals Σ strip·input of all eight tracks (faders −14 … +3 dB, pans \
         hard left … hard right, one inverted, widths 0/150 %, one trim) within {err:.1e} \
         (tolerance {TOL:e}, peak {peak:.2})"
    ))
}

/// The eight Strips, and one Channel Strip with the same settings on its eight buses.
fn console(ctx: &Ctx, dir: &Path) -> Result<String> {
    let inputs = inputs();
    let strips = render(ctx, &dir.join("strips"), &inputs, &strip_args())?;
    let (strips_err, _) = judge_mix("the eight Strips' mix", &strips, &inputs, &|_| true)?;
    let settings: Vec<String> = STRIPS
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.settings(&format!("Ch {} ", i + 1)))
        .collect();
    let routes = ["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "bus:mix"];
    let one = super::routing::render(
        ctx,
        &dir.join("console"),
        "console",
        &routes,
        &inputs,
        &settings,
    )?;
    let (one_err, _) = judge_mix("the Channel Strip's mix", &one, &inputs, &|_| true)?;
    let (mut diff, mut at) = (0.0f32, (0, 0));
    for c in 0..2 {
        for (n, (a, b)) in strips[c].iter().zip(&one[c]).enumerate() {
            if (a - b).abs() > diff {
                (diff, at) = ((a - b).abs(), (c, n));
            }
        }
    }
    ensure!(
        f64::from(diff) <= TOL,
        "the eight Strips' mix and the Channel Strip's differ by {diff:.2e} at sample {} of \
         channel {} (tolerance {TOL:e})",
        at.1,
        at.0
    );
    Ok(format!(
        "eight Strips on eight tracks and one Channel Strip fed by the same eight tracks export \
         the same mix within {diff:.1e} (tolerance {TOL:e}); each within {strips_err:.1e} and \
         {one_err:.1e} of Σ strip·input"
    ))
}

/// Track 3's Strip soloed: every Strip in the process is linked (plugin_kit::link), and a
/// soloed one mutes every other that is not (solo in place, across tracks): the export must be
/// track 3's contribution alone, the other seven exactly silent.
fn soloed(ctx: &Ctx, dir: &Path) -> Result<String> {
    let inputs = inputs();
    let k = AUTOMATED - 1;
    let mut args = strip_args();
    args.push(format!("t{AUTOMATED}:Solo=1"));
    let export = render(ctx, dir, &inputs, &args)?;
    let (err, peak) = judge_mix(
        &format!("with track {AUTOMATED} soloed, the master bus"),
        &export,
        &inputs,
        &|i| i == k,
    )?;
    // What the other seven would have added, for the report: how much the solo took away.
    let ((others, ..), _) = max_error(&export, &mix(&inputs));
    Ok(format!(
        "with track {AUTOMATED}'s Strip soloed the master bus is that track's own contribution \
         within {err:.1e} (tolerance {TOL:e}, peak {peak:.2}): the other seven Strips (up to \
         {others:.2} in the mix without the solo) are silent"
    ))
}

fn samples(seconds: f64) -> usize {
    (seconds * f64::from(RATE)).round() as usize
}

/// Track 3's Fader lane: −4.5 dB (its setting), a step to −30 dB at 0.5 s, a ramp to 0 dB
/// from 1.0 to 1.4 s, a step back to −4.5 dB at 1.8 s (ending where it started, so that the
/// roll before the export leaves the fader where the export starts).
fn fader_lane() -> Lane {
    let start = STRIPS[AUTOMATED - 1].fader_db;
    Lane::new("Fader")
        .step(0.5, start, -30.0)
        .at(1.0, -30.0)
        .at(1.4, 0.0)
        .step(1.8, 0.0, start)
}

/// The lane's lowest and highest value over `from … to` (s): a lane is linear between its
/// points, so at the ends or at a point.
fn lane_range(lane: &Lane, from: f64, to: f64) -> (f64, f64) {
    lane.points
        .iter()
        .map(|&(t, _)| t)
        .filter(|&t| t > from && t < to)
        .chain([from, to])
        .map(|t| lane.value(t))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
}

/// Track 3's Fader automated (see [`fader_lane`]), the other seven constant.
fn automated(ctx: &Ctx, dir: &Path) -> Result<String> {
    let inputs = inputs();
    let k = AUTOMATED - 1;
    let lane = fader_lane();
    let mut args: Vec<String> = strip_args()
        .into_iter()
        .filter(|a| !a.starts_with(&format!("t{AUTOMATED}:Fader=")))
        .collect();
    args.push(format!("t{AUTOMATED}:{}", lane.arg()));
    let export = render(ctx, dir, &inputs, &args)?;

    let len = export[0].len();
    let fs = f64::from(RATE);
    // The other seven tracks at their constant gains, and track 3 at a 0 dB fader.
    let others: Vec<Matrix> = STRIPS.iter().map(|s| s.matrix(s.fader_db)).collect();
    let unity = STRIPS[k].matrix(0.0);
    let gain = |db: f64| 10f64.powf(db / 20.0);

    // Where the lane has held still over the last SETTLE_S (and the next EARLY_S): the
    // export is Σ Mᵢ·xᵢ with track 3 at the lane's value. Elsewhere (the fader moving or
    // gliding): export − Σ_{i≠3} Mᵢ·xᵢ = h·M₃(0 dB)·x₃, one gain h for both channels, within
    // the range of gains the lane went through.
    let (mut still_err, mut still_at, mut still_n) = (0.0f64, 0, 0usize);
    let (mut orth, mut orth_at, mut moving_n) = (0.0f64, 0, 0usize);
    let (mut outside, mut outside_at) = (f64::NEG_INFINITY, (0, 0.0, 0.0, 0.0));
    // The first moment after the step down at 0.5 s where track 3's gain is half-way, and
    // the last moment after each change where the mix is off Σ Mᵢ·xᵢ at the lane's value.
    let half = (gain(STRIPS[k].fader_db) + gain(-30.0)) / 2.0;
    let mut half_at = None;
    let mut settled = [0.0f64; 3];
    let changes = [(0.5, 1.0), (1.4, 1.8), (1.8, SECONDS)];
    // Sample n of the export and of all eight inputs.
    #[allow(clippy::needless_range_loop)]
    for n in 0..len {
        let t = n as f64 / fs;
        let (lo, hi) = lane_range(&lane, t - SETTLE_S, t + EARLY_S);
        let rest: [f64; 2] = [0, 1].map(|c| {
            f64::from(export[c][n])
                - (0..8)
                    .filter(|&i| i != k)
                    .map(|i| apply(&others[i], &inputs[i], c, n))
                    .sum::<f64>()
        });
        let own = [0, 1].map(|c| apply(&unity, &inputs[k], c, n));
        let at_lane = gain(lane.value(t));
        let err = (0..2)
            .map(|c| (rest[c] - at_lane * own[c]).abs())
            .fold(0.0, f64::max);
        for (i, &(from, to)) in changes.iter().enumerate() {
            if t > from && t < to && err > TOL {
                settled[i] = t - from;
            }
        }
        if lo == hi {
            still_n += 1;
            if err > still_err {
                (still_err, still_at) = (err, n);
            }
            continue;
        }
        moving_n += 1;
        let yy = own[0] * own[0] + own[1] * own[1];
        let h = (rest[0] * own[0] + rest[1] * own[1]) / yy;
        let o = (0..2)
            .map(|c| (rest[c] - h * own[c]).abs())
            .fold(0.0, f64::max);
        if o > orth {
            (orth, orth_at) = (o, n);
        }
        if yy.sqrt() >= MIN_SIGNAL {
            let (glo, ghi) = (gain(lo), gain(hi));
            let off = (glo - h).max(h - ghi);
            if off > outside {
                outside = off;
                outside_at = (n, h, glo, ghi);
            }
            if half_at.is_none() && t > 0.5 && h < half {
                half_at = Some(t);
            }
        }
    }
    ensure!(
        still_n > samples(1.0),
        "only {still_n} samples where the lane holds still"
    );
    if still_err > TOL {
        bail!(
            "where the automated fader holds still, the mix differs from Σ strip·input (track \
             {AUTOMATED} at its lane's {:.1} dB) by {still_err:.2e} at {:.4} s (tolerance \
             {TOL:e}); each track as heard over the whole export: {}",
            lane.value(still_at as f64 / fs),
            still_at as f64 / fs,
            heard(&export, &inputs, &|_| true)
        );
    }
    ensure!(
        orth <= TOL,
        "while track {AUTOMATED}'s fader moves, the mix minus the other tracks is not track \
         {AUTOMATED}'s signal at one gain: {orth:.2e} left over at {:.4} s (tolerance {TOL:e}): \
         another track moves too",
        orth_at as f64 / fs
    );
    ensure!(
        outside <= GAIN_TOL,
        "at {:.4} s track {AUTOMATED} plays at a gain of {:.5}, outside the {:.5} … {:.5} its \
         lane went through in the last {SETTLE_S} s (tolerance {GAIN_TOL:e})",
        outside_at.0 as f64 / fs,
        outside_at.1,
        outside_at.2,
        outside_at.3
    );
    let half_ms = half_at.map_or(f64::NAN, |t| (t - 0.5) * 1e3);
    ensure!(
        (0.0..=SETTLE_S * 1e3).contains(&half_ms),
        "after the step to −30 dB at 0.5 s, track {AUTOMATED} never reaches half-way \
         ({half_ms:.1} ms)"
    );
    Ok(format!(
        "where the lane holds still ({:.2} s of {:.2} s) the mix equals Σ strip·input with track \
         {AUTOMATED} at the lane's value within {still_err:.1e} (tolerance {TOL:e}); while it \
         moves ({:.2} s), the mix minus the seven constant tracks is track {AUTOMATED}'s signal \
         at one gain within {orth:.1e} (tolerance {TOL:e}), that gain within the lane's range \
         (worst {:+.1e}, tolerance {GAIN_TOL:e}); the step to −30 dB half-way after \
         {half_ms:.1} ms; the mix exact again {:.0}, {:.0} and {:.0} ms after the step down, \
         the ramp's end and the step up",
        still_n as f64 / fs,
        len as f64 / fs,
        moving_n as f64 / fs,
        outside,
        settled[0] * 1e3,
        settled[1] * 1e3,
        settled[2] * 1e3
    ))
}
