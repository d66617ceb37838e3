//! Part 2 of the DAW test: automation lanes written into an Ardour session and played from
//! its timeline (state Play), one session per plugin (`tests/daw/automate.lua`).
//!
//! Each session plays a steady signal through one plugin whose parameters follow lanes with
//! ramps and steps, and the export is held against the closed form of what the plugin does
//! at each lane value: the pan law, a bell's gain at its centre, the compressor's static
//! curve, the limiter's ceiling, a fader, a delay's echo ratio. Three figures per session:
//!
//! - **timing**: the lag that best aligns the measured level with the lane's closed form
//!   (searched over −30 … +60 ms). It holds Ardour's automation granularity and the plugin's
//!   own parameter glide. Measured: Ardour splits a process cycle at a lane's points (a step
//!   reaches the plugin within the 2 ms it spans) but holds a ramp's value for a whole cycle
//!   ([`PERIOD_MS`] with the Dummy backend), so ramps arrive as stairs, on average half a
//!   cycle late, which the plugins' glides smooth and delay a little more (lags of 20–26 ms).
//!   Tolerance [`LAG_MS`].
//! - **level**: the largest difference, at that lag, between the measured level of each 5 ms
//!   window and the closed form, away from the glides after steps. Tolerance per session.
//! - **clicks**: a steady sine obeys y[n] − 2·cos ω·y[n−1] + y[n−2] = 0 at any amplitude and
//!   phase; a gain change leaves a residue proportional to how fast the gain moves. An
//!   unsmoothed step of the same size would leave a residue of about the step itself (the
//!   report gives both); a glide over 10 ms of the same size leaves ~−60 dB. Every session's
//!   worst residue re the sine's amplitude must stay under [`CLICK_DB`].

use std::f64::consts::{SQRT_2, TAU};
use std::path::Path;

use anyhow::{Context, Result, bail, ensure};

use super::audio::{RATE, read_wav, write_wav};
use super::{Check, Ctx};

/// The Dummy backend's process cycle (1024 samples at 48 kHz, printed by automate.lua).
const PERIOD_MS: f64 = 1024.0 * 1000.0 / RATE as f64;
/// Largest accepted lag between a lane and the plugin's output: one process cycle (Ardour
/// evaluates automation per cycle) plus the longest glide of the plugins tested (20 ms).
const LAG_MS: f64 = PERIOD_MS + 20.0;
/// The lags [`follow`] tries, ms.
const LAGS_MS: std::ops::RangeInclusive<f64> = -30.0..=60.0;
/// Largest accepted click residue on the ramps, dB re the tone's amplitude (module doc).
const CLICK_DB: f64 = -50.0;
/// How far below an instant step's residue a step's glide must keep its worst residue. An
/// instant step of the gain by Δ leaves a residue of about Δ; a linear glide over 5 ms leaves
/// Δ·2·sin ω/240 (−59 dB re Δ), a one-pole glide with a 5 ms time constant −48 dB re Δ.
const STEP_MARGIN_DB: f64 = 40.0;
/// The test tone: 1 kHz, exactly 48 samples per period, so a 5 ms window holds 5 periods.
const TONE_HZ: f64 = 1000.0;
const WINDOW: usize = 240;
/// Programme length (the tone, with 50 ms raised-cosine fades), then silence.
const SECONDS: f64 = 5.0;
const TAIL_SECONDS: f64 = 0.5;
const FADE_SECONDS: f64 = 0.05;
/// How long a step of a lane takes (see [`Lane::step`]): 2 ms, 96 samples.
const STEP_S: f64 = 0.002;
/// Tolerance of the Panner's position, in pan units (−100 … 100): Ardour holds the lane's
/// value for a process cycle, during which the 4 s ramp moves 1.07 units.
const PAN_TOL: f64 = 1.5;

fn samples(seconds: f64) -> usize {
    (seconds * f64::from(RATE)).round() as usize
}

/// A lane: (time in s, plain value) points, linear in between, as Ardour plays them.
#[derive(Clone, Debug)]
pub(super) struct Lane {
    name: &'static str,
    pub(super) points: Vec<(f64, f64)>,
}

impl Lane {
    pub(super) fn new(name: &'static str) -> Self {
        Lane {
            name,
            points: Vec::new(),
        }
    }
    /// A point at `t`.
    pub(super) fn at(mut self, t: f64, v: f64) -> Self {
        self.points.push((t, v));
        self
    }
    /// A step at `t`: the old value until `t`, the new one [`STEP_S`] later. Not one
    /// sample later: Ardour's `ControlList::add` merges a point closer than 64 samples to
    /// the previous one into it (measured: the step's first point disappears, and the lane
    /// ramps from the point before).
    pub(super) fn step(mut self, t: f64, from: f64, to: f64) -> Self {
        self.points.push((t, from));
        self.points.push((t + STEP_S, to));
        self
    }
    /// The lane's value at `t` (constant before the first point and after the last).
    pub(super) fn value(&self, t: f64) -> f64 {
        let p = &self.points;
        if t <= p[0].0 {
            return p[0].1;
        }
        for w in p.windows(2) {
            let ((t0, v0), (t1, v1)) = (w[0], w[1]);
            if t <= t1 {
                return if t1 > t0 {
                    v0 + (v1 - v0) * (t - t0) / (t1 - t0)
                } else {
                    v1
                };
            }
        }
        p[p.len() - 1].1
    }
    /// The times where the lane jumps (see [`Lane::step`]).
    fn steps(&self) -> Vec<f64> {
        self.points
            .windows(2)
            .filter(|w| w[1].0 - w[0].0 <= STEP_S * 1.01 && w[1].1 != w[0].1)
            .map(|w| w[0].0)
            .collect()
    }
    /// The argument automate.lua takes: `name@sample:value,...`.
    pub(super) fn arg(&self) -> String {
        let points: Vec<String> = self
            .points
            .iter()
            .map(|&(t, v)| format!("{}:{v}", samples(t)))
            .collect();
        format!("{}@{}", self.name, points.join(","))
    }
}

/// One plugin's automation session and how its export is judged.
struct Session {
    plugin: &'static str,
    settings: &'static [&'static str],
    lanes: Vec<Lane>,
}

impl Session {
    /// Runs the session on `input` in `dir`; returns the export.
    fn render(&self, ctx: &Ctx, dir: &Path, input: &[Vec<f32>; 2]) -> Result<Vec<Vec<f32>>> {
        std::fs::create_dir_all(dir)?;
        let wav = dir.join("input.wav");
        write_wav(&wav, input)?;
        let mut args: Vec<String> = vec![
            self.plugin.to_owned(),
            wav.display().to_string(),
            dir.display().to_string(),
        ];
        args.extend(self.settings.iter().map(|s| (*s).to_owned()));
        args.extend(self.lanes.iter().map(Lane::arg));
        let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        ctx.ardour
            .session(dir, RATE, &["in"], "automate.lua", &args)?;
        let export = read_wav(&dir.join("export").join("daw-test.wav"))?;
        ensure!(
            export.len() == 2 && export[0].len() == input[0].len(),
            "the export has {} channels of {} samples, expected 2 of {}",
            export.len(),
            export.first().map_or(0, Vec::len),
            input[0].len()
        );
        if let Some(i) = export.iter().flatten().position(|x| !x.is_finite()) {
            bail!("the export has a non-finite sample at {}", i / 2);
        }
        Ok(export)
    }
}

/// The steady tone at `amplitude` on both channels, faded in and out, then silence.
fn tone(amplitude: f64) -> [Vec<f32>; 2] {
    let n = samples(SECONDS);
    let fade = samples(FADE_SECONDS);
    let mut x = vec![0.0f32; n + samples(TAIL_SECONDS)];
    for (i, v) in x.iter_mut().take(n).enumerate() {
        let edge = i.min(n - 1 - i);
        let env = if edge < fade {
            0.5 - 0.5 * (std::f64::consts::PI * edge as f64 / fade as f64).cos()
        } else {
            1.0
        };
        *v = (amplitude * env * (TAU * TONE_HZ * i as f64 / f64::from(RATE)).sin()) as f32;
    }
    [x.clone(), x]
}

fn db(x: f64) -> f64 {
    20.0 * x.max(1e-30).log10()
}

/// Per 5 ms window of each channel: (centre time in s, RMS in dB, peak in dB).
fn windows(export: &[Vec<f32>]) -> Vec<Vec<(f64, f64, f64)>> {
    export
        .iter()
        .map(|ch| {
            ch.chunks_exact(WINDOW)
                .enumerate()
                .map(|(k, w)| {
                    let t = (k as f64 + 0.5) * WINDOW as f64 / f64::from(RATE);
                    let ms = w.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / WINDOW as f64;
                    let peak = w.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                    (t, 10.0 * ms.max(1e-300).log10(), db(f64::from(peak)))
                })
                .collect()
        })
        .collect()
}

/// Each 5 ms window's RMS level re the tone's own (`amplitude` peak), in dB, per channel.
fn gain_db(w: &[Vec<(f64, f64, f64)>], amplitude: f64) -> Vec<Vec<(f64, f64)>> {
    let tone_db = db(amplitude / SQRT_2);
    w.iter()
        .map(|ch| ch.iter().map(|&(t, rms, _)| (t, rms - tone_db)).collect())
        .collect()
}

/// The worst click residues (see the module doc) in dB re `amplitude`, and where (s): on
/// the ramps, and in the 150 ms after each of `steps` (the steps' glides). The fades of the
/// tone are excluded.
struct Clicks {
    ramps: (f64, f64),
    steps: (f64, f64),
}

fn clicks(export: &[Vec<f32>], amplitude: f64, steps: &[f64]) -> Clicks {
    let c = 2.0 * (TAU * TONE_HZ / f64::from(RATE)).cos();
    let (from, to) = (samples(FADE_SECONDS) + 2, samples(SECONDS - FADE_SECONDS));
    let mut worst = Clicks {
        ramps: (f64::NEG_INFINITY, 0.0),
        steps: (f64::NEG_INFINITY, 0.0),
    };
    for ch in export {
        for n in from..to {
            let t = n as f64 / f64::from(RATE);
            let e = f64::from(ch[n]) - c * f64::from(ch[n - 1]) + f64::from(ch[n - 2]);
            let e = db(e.abs() / amplitude);
            let slot = if steps.iter().any(|&s| t > s - 0.005 && t < s + 0.15) {
                &mut worst.steps
            } else {
                &mut worst.ramps
            };
            if e > slot.0 {
                *slot = (e, t);
            }
        }
    }
    worst
}

/// How the measured level (dB, per window and channel) follows `expected(t, channel)`
/// (`None`: not judged at `t`): the best lag in ms and the largest error at it in dB.
fn follow(
    measured: &[Vec<(f64, f64)>],
    lags_ms: std::ops::RangeInclusive<f64>,
    expected: &dyn Fn(f64, usize) -> Option<f64>,
) -> Result<(f64, f64, f64)> {
    let error_at = |lag_ms: f64| {
        let (mut sum, mut n, mut worst, mut worst_t) = (0.0, 0usize, 0.0f64, 0.0);
        for (c, ch) in measured.iter().enumerate() {
            for &(t, m) in ch.iter().filter(|(t, _)| !in_fades(*t)) {
                if let Some(e) = expected(t - lag_ms * 1e-3, c) {
                    let d = m - e;
                    sum += d * d;
                    n += 1;
                    if d.abs() > worst {
                        worst = d.abs();
                        worst_t = t;
                    }
                }
            }
        }
        ((sum / n.max(1) as f64).sqrt(), worst, worst_t, n)
    };
    let mut best = (f64::INFINITY, 0.0, 0.0, 0.0);
    let mut lag = *lags_ms.start();
    while lag <= *lags_ms.end() {
        let (rms, worst, worst_t, n) = error_at(lag);
        ensure!(n > 100, "only {n} windows to judge");
        if rms < best.0 {
            best = (rms, lag, worst, worst_t);
        }
        lag += 0.5;
    }
    Ok((best.1, best.2, best.3))
}

/// Whether the closed form is not judged at lane time `t`: around a step (see
/// [`Lane::step`]), from 40 ms before it to `hold` + 70 ms after it, so that no window
/// straddling the transition is judged at any lag [`follow`] tries.
fn excluded(t: f64, steps: &[f64], hold: f64) -> bool {
    steps.iter().any(|&s| t > s - 0.04 && t < s + hold + 0.07)
}

/// Whether the window at `t` overlaps the tone's fades (never judged).
fn in_fades(t: f64) -> bool {
    let w = WINDOW as f64 / f64::from(RATE);
    t < FADE_SECONDS + w || t > SECONDS - FADE_SECONDS - w
}

/// Checks the click residues: on the ramps under [`CLICK_DB`]; after the steps at least
/// [`STEP_MARGIN_DB`] under `instant_db`, what an instant step of the same size would leave
/// (the output's amplitude change, dB re the tone's amplitude). Returns the figures.
fn judge_clicks(clicks: &Clicks, instant_db: f64) -> Result<String> {
    let (ramp, ramp_t) = clicks.ramps;
    let (step, step_t) = clicks.steps;
    ensure!(
        ramp <= CLICK_DB,
        "a click of {ramp:.1} dB re the tone at {ramp_t:.3} s (tolerance {CLICK_DB} dB)"
    );
    ensure!(
        step <= instant_db - STEP_MARGIN_DB,
        "a step clicks: {step:.1} dB re the tone at {step_t:.3} s, only {:.1} dB under an \
         instant step's {instant_db:.1} dB (at least {STEP_MARGIN_DB} dB required)",
        instant_db - step
    );
    Ok(format!(
        "worst click {ramp:.1} dB re the tone on the ramps (tolerance {CLICK_DB} dB), \
         {step:.1} dB after the steps: {:.1} dB under an instant step's (≥ {STEP_MARGIN_DB} dB)",
        instant_db - step
    ))
}

/// [`report`] for a level in dB held to its lane within 0.2 dB (`fit`: [`follow`]'s lag, error
/// and where), with the clicks of `export` judged against an instant step of `instant_db`.
fn report_db(
    (lag, err, at): (f64, f64, f64),
    export: &[Vec<f32>],
    amplitude: f64,
    steps: &[f64],
    instant_db: f64,
) -> Result<String> {
    let clicks = judge_clicks(&clicks(export, amplitude, steps), instant_db);
    report(lag, err, at, 0.2, "dB", clicks)
}

/// The figures of a level-following session, checked against their tolerances.
fn report(
    lag: f64,
    err: f64,
    at: f64,
    tol: f64,
    unit: &str,
    clicks: Result<String>,
) -> Result<String> {
    ensure!(
        lag.abs() <= LAG_MS,
        "the output follows the lanes {lag:+.1} ms late (tolerance ±{LAG_MS:.1} ms)"
    );
    ensure!(
        err <= tol,
        "the output is off the closed form by {err:.2} {unit} at {at:.3} s (tolerance {tol} {unit}, \
         lag {lag:+.1} ms)"
    );
    Ok(format!(
        "follows the lanes {lag:+.1} ms late (tolerance ±{LAG_MS:.1} ms), within {err:.3} {unit} \
         of the closed form (tolerance {tol} {unit}); {}",
        clicks?
    ))
}

/// What an instant step of the gain between `a_db` and `b_db` leaves as a click residue (the
/// output's amplitude change, dB re the tone's amplitude), for [`judge_clicks`].
fn instant_step_db(a_db: f64, b_db: f64) -> f64 {
    db(10f64.powf(a_db / 20.0) - 10f64.powf(b_db / 20.0))
}

/// Renders `session` (one lane, in dB) on a tone of `amplitude` and holds the output's gain to
/// the lane: 0.2 dB, away from 0.1 s after a step; clicks against `instant_db` (see
/// [`judge_clicks`]).
fn gain_follows_the_lane(
    ctx: &Ctx,
    dir: &Path,
    session: &Session,
    amplitude: f64,
    instant_db: f64,
) -> Result<String> {
    let lane = &session.lanes[0];
    let steps = lane.steps();
    let export = session.render(ctx, dir, &tone(amplitude))?;
    let measured = gain_db(&windows(&export), amplitude);
    let expected = |t: f64, _| (!excluded(t, &steps, 0.1)).then(|| lane.value(t));
    let fit = follow(&measured, LAGS_MS, &expected)?;
    report_db(fit, &export, amplitude, &steps, instant_db)
}

pub(super) fn checks(plugins: &[&'static str]) -> Vec<Check> {
    super::for_plugins(
        &[
            ("Mixwerk Panner", "automated Pan", panner),
            ("Mixwerk EQ", "automated band gain", eq),
            ("Mixwerk Compressor", "automated threshold", compressor),
            ("Mixwerk Limiter", "automated ceiling", limiter),
            ("Mixwerk Reverb", "automated output gain", reverb),
            ("Mixwerk Delay", "automated feedback", delay),
            ("Mixwerk Chorus", "automated output", chorus),
            (
                "Mixwerk Channel Strip",
                "automated fader and mute",
                |ctx, dir| {
                    strip(
                        ctx,
                        dir,
                        "Mixwerk Channel Strip",
                        ["Ch 1 Fader", "Ch 1 Mute"],
                    )
                },
            ),
            ("Mixwerk Strip", "automated fader and mute", |ctx, dir| {
                strip(ctx, dir, "Mixwerk Strip", ["Fader", "Mute"])
            }),
        ],
        plugins,
    )
}

/// Pan from hard left to hard right over 4 s in Balance mode with the constant-power law:
/// the far channel at √2·cos θ (left) or √2·sin θ (right), θ = (p + 1)·π/4, the near one
/// at unity (shared-dsp/src/pan.rs). A step back to the centre at 4.7 s glides (20 ms).
/// Judged as the pan position the output shows (the law inverted) against the lane, in the
/// lane's units (−100 … 100): in dB the far channel's level near hard left is too steep a
/// function of the position to say anything (1.3 dB per process cycle of the ramp at −30 dB).
fn panner(ctx: &Ctx, dir: &Path) -> Result<String> {
    let lane = Lane::new("Pan")
        .at(0.5, -100.0)
        .at(4.5, 100.0)
        .step(4.7, 100.0, 0.0);
    let steps = lane.steps();
    let session = Session {
        plugin: "Mixwerk Panner",
        settings: &["Pan Law=1", "Pan Mode=0"],
        lanes: vec![lane.clone()],
    };
    let amplitude = 0.5;
    let export = session.render(ctx, dir, &tone(amplitude))?;
    let input_db = db(amplitude / SQRT_2);
    // The pan position each window shows, from the law inverted on the far channel's gain.
    let w = windows(&export);
    let position: Vec<(f64, f64)> = w[0]
        .iter()
        .zip(&w[1])
        .map(|(&(t, l, _), &(_, r, _))| {
            let gain = |level: f64| 10f64.powf((level - input_db) / 20.0).min(SQRT_2) / SQRT_2;
            let p = if l < r {
                4.0 * gain(l).acos() / std::f64::consts::PI - 1.0
            } else {
                4.0 * gain(r).asin() / std::f64::consts::PI - 1.0
            };
            (t, 100.0 * p)
        })
        .collect();
    let expected = |t: f64, _| (!excluded(t, &steps, 0.03)).then(|| lane.value(t));
    let (lag, err, at) = follow(&[position], LAGS_MS, &expected)?;
    // Hard right (4.5 … 4.7 s) must be exactly silent on the left: the law snaps to 0.
    let hard = samples(4.5 + LAG_MS * 1e-3)..samples(4.7);
    let leak = export[0][hard].iter().fold(0.0f32, |m, v| m.max(v.abs()));
    ensure!(
        leak == 0.0,
        "hard right leaks {:.1} dB into the left",
        db(f64::from(leak))
    );
    Ok(format!(
        "{}; hard right leaves the left channel at exactly 0",
        report(
            lag,
            err,
            at,
            PAN_TOL,
            "pan units",
            // The step back to the centre takes the left channel from 0 to unity.
            judge_clicks(&clicks(&export, amplitude, &steps), 0.0)
        )?
    ))
}

/// A 1 kHz bell (Q 1) whose gain ramps 0 → +12 dB over 2 s and steps to −12 dB at 3.5 s:
/// at its centre a bell's gain is its Gain parameter exactly.
fn eq(ctx: &Ctx, dir: &Path) -> Result<String> {
    let lane = Lane::new("Band 1 Gain")
        .at(1.0, 0.0)
        .at(3.0, 12.0)
        .step(3.5, 12.0, -12.0);
    let session = Session {
        plugin: "Mixwerk EQ",
        settings: &[
            "Band 1 On=1",
            "Band 1 Type=0",
            "Band 1 Frequency=1000",
            "Band 1 Q=1",
        ],
        lanes: vec![lane],
    };
    gain_follows_the_lane(ctx, dir, &session, 0.1, instant_step_db(12.0, -12.0))
}

/// Threshold 0 dB, stepped to −30 dB at 1.5 s and to −10 dB at 3 s, on a tone of −9.03 dB
/// RMS through the RMS detector (10 ms window: ten whole periods, so no ripple), 4:1, 6 dB
/// knee: the static curve (Giannoulis et al.'s quadratic knee, shared-dsp's gain computer)
/// gives no reduction, then 20.97·(1 − 1/4) = 15.73 dB, then 0.75·(0.97 + 3)²/12 = 0.99 dB
/// inside the knee. The level is judged once the ballistics have settled (0.6 s after a
/// step: six release time constants); the lag is that of the first drop, which starts with
/// the attack. (The Peak detector squares each sample and lets the ballistics smooth the
/// gain, so on a tone it settles between the peak's and the average's reduction: no closed
/// form to hold it to.)
fn compressor(ctx: &Ctx, dir: &Path) -> Result<String> {
    let lane = Lane::new("Threshold")
        .step(1.5, 0.0, -30.0)
        .step(3.0, -30.0, -10.0);
    let steps = lane.steps();
    let session = Session {
        plugin: "Mixwerk Compressor",
        settings: &super::COMPRESSOR_RMS_4_TO_1,
        lanes: vec![lane.clone()],
    };
    let amplitude = 0.5;
    let export = session.render(ctx, dir, &tone(amplitude))?;
    // The tone's RMS level, what the RMS detector reads.
    let level_db = db(amplitude / SQRT_2);
    let reduction = |threshold: f64| {
        let over = level_db - threshold;
        if over <= -3.0 {
            0.0
        } else if over >= 3.0 {
            over * (1.0 - 1.0 / 4.0)
        } else {
            (1.0 - 1.0 / 4.0) * (over + 3.0).powi(2) / 12.0
        }
    };
    let measured = gain_db(&windows(&export), amplitude);
    let expected = |t: f64, _| (!excluded(t, &steps, 0.6)).then(|| -reduction(lane.value(t)));
    // No ramps to align: judged where the steps put the curve.
    let (_, err, at) = follow(&measured, 0.0..=0.0, &expected)?;
    // The lag of the first step: where the level has fallen half of the way.
    let drop = reduction(-30.0);
    let half = measured[0]
        .iter()
        .find(|&&(t, m)| t > 1.4 && m < -drop / 2.0)
        .map(|&(t, _)| t)
        .context("the level never falls after the threshold step")?;
    let lag = (half - 1.5) * 1e3;
    // What the attack alone takes to cover half of the drop in dB: ln 2 time constants.
    let attack_half = 10.0 * std::f64::consts::LN_2;
    ensure!(
        (-5.0..=PERIOD_MS + attack_half + 5.0).contains(&lag),
        "the threshold step shows {lag:+.1} ms after it is due (expected 0 … {:.1} ms: one \
         process cycle plus the attack's half-way time)",
        PERIOD_MS + attack_half + 5.0
    );
    ensure!(
        err <= 0.3,
        "the settled level is off the static curve by {err:.2} dB at {at:.2} s (tolerance 0.3 dB)"
    );
    // The larger of the two steps of the gain (its linear change).
    let gain = |threshold: f64| 10f64.powf(-reduction(threshold) / 20.0);
    let instant = db((gain(0.0) - gain(-30.0)).max(gain(-10.0) - gain(-30.0)));
    let clicks = judge_clicks(&clicks(&export, amplitude, &steps), instant)?;
    Ok(format!(
        "the step to −30 dB shows half its {drop:.2} dB {lag:.1} ms after it is due (attack \
         half-way {attack_half:.1} ms + up to one {PERIOD_MS:.1} ms cycle), settled levels within \
         {err:.3} dB of the static curve (tolerance 0.3 dB); {clicks}"
    ))
}

/// Ceiling −1 dB, ramped to −6 dB between 1 and 2 s and stepped to −3 dB at 3 s, on a tone
/// at 0 dBFS: the output's peak is the ceiling (sample peaks of a 1 kHz tone at 48 kHz
/// read the true peak within 0.02 dB), and never above it.
fn limiter(ctx: &Ctx, dir: &Path) -> Result<String> {
    let lane = Lane::new("Ceiling")
        .at(1.0, -1.0)
        .at(2.0, -6.0)
        .step(3.0, -6.0, -3.0);
    let steps = lane.steps();
    let session = Session {
        plugin: "Mixwerk Limiter",
        settings: &["Drive=0", "Release=100"],
        lanes: vec![lane.clone()],
    };
    let amplitude = 1.0;
    let export = session.render(ctx, dir, &tone(amplitude))?;
    let measured: Vec<Vec<(f64, f64)>> = windows(&export)
        .into_iter()
        .map(|ch| ch.into_iter().map(|(t, _, peak)| (t, peak)).collect())
        .collect();
    // After the step up the limiter releases towards the new ceiling (100 ms release).
    let expected = |t: f64, _| (!excluded(t, &steps, 0.6)).then(|| lane.value(t));
    let fit = follow(&measured, LAGS_MS, &expected)?;
    // Never over the ceiling in force (the lane at the window's time, allowing the lag).
    let mut over = (f64::NEG_INFINITY, 0.0);
    for ch in &measured {
        for &(t, peak) in ch {
            // Ardour holds a lane's value for a process cycle and the plugin may take the
            // lag to follow: the highest value the lane had within the last LAG_MS.
            let ceiling = (0..=LAG_MS as usize)
                .map(|ms| lane.value(t - ms as f64 * 1e-3))
                .fold(f64::NEG_INFINITY, f64::max);
            if peak - ceiling > over.0 {
                over = (peak - ceiling, t);
            }
        }
    }
    ensure!(
        over.0 <= 0.05,
        "the output peaks {:.2} dB over the automated ceiling at {:.3} s",
        over.0,
        over.1
    );
    Ok(format!(
        "{}; peaks at most {:+.3} dB re the ceiling in force",
        report_db(fit, &export, amplitude, &steps, instant_step_db(-3.0, -6.0))?,
        over.0
    ))
}

/// Mix 0 % (the dry signal only: the wet gain is sin 0 = 0, the dry cos 0 = 1) with the
/// Output Gain ramped 0 → −20 dB between 1 and 3 s and stepped back to −6 dB at 3.5 s: the
/// level is the lane in dB, and the step glides.
fn reverb(ctx: &Ctx, dir: &Path) -> Result<String> {
    let lane = Lane::new("Output Gain")
        .at(1.0, 0.0)
        .at(3.0, -20.0)
        .step(3.5, -20.0, -6.0);
    let session = Session {
        plugin: "Mixwerk Reverb",
        settings: &["Mix=0"],
        lanes: vec![lane],
    };
    gain_follows_the_lane(ctx, dir, &session, 0.5, instant_step_db(-6.0, -20.0))
}

/// Mix 0 % (the dry signal only) with the Output ramped 0 → −20 dB between 1 and 3 s and
/// stepped back to −6 dB at 3.5 s: the level is the lane in dB, and the step glides.
fn chorus(ctx: &Ctx, dir: &Path) -> Result<String> {
    let lane = Lane::new("Output")
        .at(1.0, 0.0)
        .at(3.0, -20.0)
        .step(3.5, -20.0, -6.0);
    let session = Session {
        plugin: "Mixwerk Chorus",
        settings: &["Mix=0"],
        lanes: vec![lane],
    };
    gain_follows_the_lane(ctx, dir, &session, 0.5, instant_step_db(-6.0, -20.0))
}

/// Feedback 0 % until 2 s, then 50 %, on single impulses at 1 s and 3 s through a 100 ms
/// delay (dry off, wet 0 dB): the first impulse gives one echo and nothing after it, the
/// second a train falling by 20·log10(0.5) = −6.02 dB per repeat.
fn delay(ctx: &Ctx, dir: &Path) -> Result<String> {
    let lane = Lane::new("Feedback").step(2.0, 0.0, 50.0);
    let session = Session {
        plugin: "Mixwerk Delay",
        settings: &[
            "Tempo Sync=0",
            "Time L=100",
            "Link L/R=1",
            "Dry=-80",
            "Wet=0",
        ],
        lanes: vec![lane],
    };
    let len = samples(SECONDS + TAIL_SECONDS);
    let mut x = vec![0.0f32; len];
    let amplitude = 0.5f32;
    for t in [1.0, 3.0] {
        x[samples(t)] = amplitude;
    }
    let export = session.render(ctx, dir, &[x.clone(), x])?;
    let d = samples(0.1);
    // Each echo: the largest sample within ±2 of where it is due (integer delay: exact).
    let echo = |at: usize| {
        (at - 2..=at + 2)
            .map(|i| f64::from(export[0][i].abs().max(export[1][i].abs())))
            .fold(0.0, f64::max)
    };
    let first = samples(1.0);
    let one = echo(first + d);
    let leftover = (2..8).map(|k| echo(first + k * d)).fold(0.0, f64::max);
    ensure!(
        (db(one / f64::from(amplitude))).abs() < 0.1,
        "the echo of the first impulse is at {:.2} dB, expected 0 dB",
        db(one / f64::from(amplitude))
    );
    ensure!(
        db(leftover / one) < -80.0,
        "with feedback 0 % a second echo comes back at {:.1} dB",
        db(leftover / one)
    );
    let second = samples(3.0);
    let train: Vec<f64> = (1..6).map(|k| echo(second + k * d)).collect();
    let mut worst = 0.0f64;
    for w in train.windows(2) {
        worst = worst.max((db(w[1] / w[0]) - db(0.5)).abs());
    }
    ensure!(
        worst < 0.1,
        "with feedback 50 % the repeats fall by {:?} dB, expected −6.02 each (tolerance 0.1 dB)",
        train
            .windows(2)
            .map(|w| db(w[1] / w[0]))
            .collect::<Vec<_>>()
    );
    Ok(format!(
        "feedback 0 %: one echo at {:+.2} dB, the next {:.1} dB below it; feedback 50 %: repeats \
         fall by −6.02 dB within {worst:.3} dB (tolerance 0.1 dB)",
        db(one / f64::from(amplitude)),
        db(leftover / one)
    ))
}

/// The fader (the Channel Strip's bus 1, or the Strip's own: `names` are the fader's and the
/// mute's) ramps 0 → −20 dB between 1 and 3 s; the mute switches on at 3.5 s and off at
/// 4.2 s, gliding: the level is the fader in dB, silence while muted (the mute glides down
/// exponentially and snaps to exact 0 near −120 dB: silent 150 ms after the step).
fn strip(
    ctx: &Ctx,
    dir: &Path,
    plugin: &'static str,
    [fader, mute]: [&'static str; 2],
) -> Result<String> {
    let fader = Lane::new(fader).at(1.0, 0.0).at(3.0, -20.0);
    let mute = Lane::new(mute).step(3.5, 0.0, 1.0).step(4.2, 1.0, 0.0);
    let steps = mute.steps();
    let session = Session {
        plugin,
        settings: &[],
        lanes: vec![fader.clone(), mute.clone()],
    };
    let amplitude = 0.5;
    let export = session.render(ctx, dir, &tone(amplitude))?;
    let w = windows(&export);
    let measured = gain_db(&w, amplitude);
    let expected =
        |t: f64, _| (!excluded(t, &steps, 0.1) && mute.value(t) < 0.5).then(|| fader.value(t));
    let (lag, err, at) = follow(&measured, LAGS_MS, &expected)?;
    // While muted (after the glide), silence.
    let muted = w[0]
        .iter()
        .zip(&w[1])
        .filter(|((t, ..), _)| *t > 3.5 + 0.15 && *t < 4.2)
        .map(|((_, a, _), (_, b, _))| a.max(*b))
        .fold(f64::NEG_INFINITY, f64::max);
    ensure!(
        muted < -120.0,
        "muted, the output is still at {muted:.1} dBFS"
    );
    Ok(format!(
        "{}; muted {muted:.0} dBFS",
        report(
            lag,
            err,
            at,
            0.2,
            "dB",
            // The mute takes the output from the fader's −20 dB to silence, and back.
            judge_clicks(&clicks(&export, amplitude, &steps), -20.0)
        )?
    ))
}
