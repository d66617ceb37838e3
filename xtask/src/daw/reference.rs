//! The reference check of `cargo xtask daw-test`: Ardour's export of each VST3, with settings
//! that make the plugin work, against the same input rendered through the same plugin's CLAP
//! build by our own host (`tests/src/bin/clap_render.rs`) with the same settings.
//!
//! The two renders share nothing but the plugin's code: a different host (Ardour's VST3
//! host, freewheeling export, its own latency compensation, parameter handling and buffer
//! management against `clack-host` driven by our harness) and a different format wrapper
//! (nice-plug's VST3 against its CLAP). So a sample-wise match proves that what a user
//! bounces in a DAW is what our CLAP tests measure: parameters set by name land on the same
//! values (both hosts' read-backs are compared too), the latency Ardour reads is the one our
//! host reads, and Ardour's compensation of it lines the export up exactly.
//!
//! The settings are given once, in Ardour's units (tests/daw/lib.lua, `set_params`): the
//! plain value of the VST3 controller (`normalizedParamToPlain`), for nice-plug the
//! parameter's own unit (dB, ms, %, an enum's index). `clap_render` maps them to the
//! normalised value with the same controller call Ardour makes and sets that on the CLAP. The CLAP render runs at Ardour's
//! block size (1024 samples, what the Dummy backend runs; `Session:get_block_size()`), so a
//! plugin whose output depends on block boundaries would still match if Ardour's export cut
//! its blocks at the same samples.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};

use super::audio::{RATE, read_wav};
use super::{Check, Ctx};

/// Ardour's Dummy backend runs 1024-sample cycles (read from a loaded session with
/// `Session:get_block_size()`); the CLAP reference is rendered in blocks of the same size.
const BLOCK: u32 = 1024;
/// Ardour sets the parameters on the running plugin (render.lua: inserted, activated, then
/// set) and exports a good second later; the CLAP render does the same: the settings as
/// events in the first block of this much silence, then the input. Setting them before
/// activation instead is not the same for every plugin: the Reverb's Size, changed on a
/// running instance, settles (after 1.25–1.5 s, measured) to a state that renders up to
/// −28 dB re peak away from an instance that started with that Size.
const PREROLL: usize = 2 * RATE as usize;

/// One plugin's reference session: settings that make it do real work, and how far the
/// export may be from the CLAP render (largest absolute sample difference), with why.
struct Reference {
    plugin: &'static str,
    settings: &'static [&'static str],
    tol: f32,
}

/// Both renders run the same code on the same samples with the same parameter values in the
/// same block sizes, so they are expected to agree bit for bit (tolerance 0); a plugin with
/// a reason to differ says so here, with what was measured.
const REFERENCES: [Reference; 9] = [
    // Band 4 a +9 dB bell at 1.25 kHz (Q 2.5), band 7 a −6 dB high shelf, linear phase: the
    // FIR's 4096-sample latency, reported and compensated.
    Reference {
        plugin: "Mixwerk EQ",
        settings: &[
            "Band 4 On=1",
            "Band 4 Gain=9",
            "Band 4 Frequency=1250",
            "Band 4 Q=2.5",
            "Band 7 On=1",
            "Band 7 Gain=-6",
            "Mode=1",
        ],
        // Not bit-exact: the linear-phase FIR runs in a non-uniformly partitioned FFT
        // convolution whose partitions start where the instance's sample count since its
        // last reset puts them, so the FFTs' rounding depends on how long the plugin ran
        // before (in Ardour: wall-clock waits before the export). Measured: 0 against a
        // CLAP render without a pre-roll, 1.3e-7 … 1.8e-7 (−133 dB re peak) with pre-rolls
        // of 2 s ± a block. A wrong gain or a misalignment would be 1e-3 and up.
        tol: 1e-6,
    },
    // Threshold −36 dB, 20:1, attack 0.7 ms, release 10 ms, +12 dB make-up: hard gain riding.
    Reference {
        plugin: "Mixwerk Compressor",
        settings: &[
            "Threshold=-36",
            "Ratio=20",
            "Attack=0.7",
            "Release=10",
            "Makeup=12",
        ],
        tol: 0.0,
    },
    // +18 dB drive into the −1 dB true-peak ceiling, 8 ms release: limiting all the time.
    Reference {
        plugin: "Mixwerk Limiter",
        settings: &["Drive=18", "Release=8"],
        tol: 0.0,
    },
    // 50 % mix, 2.5 s decay, 70 % size, 5 ms pre-delay.
    Reference {
        plugin: "Mixwerk Reverb",
        settings: &[
            "Mix=50",
            "Decay=2.5",
            "Size=70",
            "Pre-Delay=5",
            "Mod Depth=0",
        ],
        tol: 0.0,
    },
    // Tempo sync at Ardour's 120 BPM, a 1/8 note (250 ms), 70 % feedback, wet −3 dB.
    Reference {
        plugin: "Mixwerk Delay",
        settings: &["Note L=10", "Feedback=70", "Wet=-3"],
        tol: 0.0,
    },
    // Flanger synced to a 1/4 note (one sweep per beat at 120 BPM), 50 % feedback, analog
    // on: Ardour's song position sets the LFO's phase, the render host's none (it starts at
    // reset), and both start at beat 0. Not bit for bit: the phase Ardour's transport sets
    // and the one the LFO reaches by itself round differently in their last bit (measured
    // 1.5·10⁻⁸, −147 dB, from the second beat on).
    Reference {
        plugin: "Mixwerk Chorus",
        settings: &["Mode=2", "Tempo Sync=1", "Feedback=50", "Analog=1"],
        tol: 1e-6,
    },
    // 40 % left, width 60 %.
    Reference {
        plugin: "Mixwerk Panner",
        settings: &["Pan=-40", "Width=60"],
        tol: 0.0,
    },
    // Bus 1: high pass on, EQ on (+7 dB mid 1, −5 dB high shelf), compressor on at −30 dB,
    // panned 30 % left.
    Reference {
        plugin: "Mixwerk Channel Strip",
        settings: &[
            "Ch 1 High Pass=1",
            "Ch 1 EQ=1",
            "Ch 1 Mid 1 Gain=7",
            "Ch 1 High Shelf Gain=-5",
            "Ch 1 Compressor=1",
            "Ch 1 Comp Threshold=-30",
            "Ch 1 Pan=-30",
        ],
        tol: 0.0,
    },
    // The same channel as a Strip of its own, polarity inverted and a little narrower.
    Reference {
        plugin: "Mixwerk Strip",
        settings: &[
            "High Pass=1",
            "EQ=1",
            "Mid 1 Gain=7",
            "High Shelf Gain=-5",
            "Compressor=1",
            "Comp Threshold=-30",
            "Pan=-30",
            "Polarity Invert=1",
            "Width=80",
        ],
        tol: 0.0,
    },
];

/// One check per selected plugin: its Ardour export against its CLAP render.
pub(super) fn checks(plugins: &[&'static str]) -> Vec<Check> {
    REFERENCES
        .iter()
        .filter(|r| plugins.contains(&r.plugin))
        .map(|r| {
            Check::new(
                format!("{} = CLAP render ({})", r.plugin, r.settings.join(", ")),
                move |ctx, dir| r.run(ctx, dir),
            )
        })
        .collect()
}

/// Builds `clap_render` (release, as `cargo xtask fuzz` builds its binary) once per run.
pub(crate) fn clap_render() -> Result<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let build = || -> Result<PathBuf> {
                crate::cargo(&[
                    "build",
                    "--release",
                    "--package",
                    "host-tests",
                    "--bin",
                    "clap_render",
                ])?;
                Ok(crate::target_dir(&crate::workspace_root()?)
                    .join("release")
                    .join("clap_render"))
            };
            build().map_err(|e| format!("{e:#}"))
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// What `clap_render` printed: the latency and each parameter's value read back.
struct ClapRender {
    latency: usize,
    read_back: Vec<(String, f64)>,
}

/// `SET <name> = <value> … reads back <value> …` lines (both renderers print them).
fn read_backs(log: &str) -> Vec<(String, f64)> {
    log.lines()
        .filter_map(|line| {
            let (name, rest) = line.strip_prefix("SET ")?.split_once(" = ")?;
            let value = rest
                .split_once("reads back ")?
                .1
                .split_whitespace()
                .next()?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// The settings the reference check gives `plugin` ("Mixwerk EQ"…): ones that make it
/// work (also what `cargo xtask validate`'s memory check renders).
pub(crate) fn settings(plugin: &str) -> &'static [&'static str] {
    REFERENCES
        .iter()
        .find(|r| r.plugin == plugin)
        .map_or(&[], |r| r.settings)
}

impl Reference {
    fn run(&self, ctx: &Ctx, dir: &Path) -> Result<String> {
        std::fs::create_dir_all(dir)?;
        let clap = self.render_clap(ctx, dir)?;

        let latency_file = dir.join("latency.txt");
        let mut args = vec![
            self.plugin.as_ref(),
            ctx.input.as_os_str(),
            dir.as_os_str(),
            latency_file.as_os_str(),
        ];
        args.extend(self.settings.iter().map(std::ffi::OsStr::new));
        ctx.ardour
            .session(dir, RATE, &["in"], "render.lua", &args)?;

        // The same values in both hosts: Ardour's read-back from the VST3 (printed with %g,
        // six digits) against ours from the CLAP.
        let ardour_log = std::fs::read_to_string(dir.join("render.lua.log"))?;
        let ardour_values = read_backs(&ardour_log);
        for (name, ours) in &clap.read_back {
            let Some((_, theirs)) = ardour_values.iter().find(|(n, _)| n == name) else {
                bail!("Ardour's log has no read-back of {name}");
            };
            if (theirs - ours).abs() > 1e-5 * ours.abs().max(1.0) {
                bail!(
                    "{name}: Ardour reads back {theirs} from the VST3, our host {ours} from the CLAP"
                );
            }
        }
        let ardour_latency: usize = std::fs::read_to_string(&latency_file)
            .context("render.lua wrote no latency file")?
            .lines()
            .find_map(|l| l.strip_prefix("plugin="))
            .and_then(|v| v.trim().parse().ok())
            .context("no plugin latency in render.lua's latency file")?;
        if ardour_latency != clap.latency {
            bail!(
                "Ardour reads a latency of {ardour_latency} samples from the VST3, our host {} from the CLAP",
                clap.latency
            );
        }

        let export = read_wav(&dir.join("export").join("daw-test.wav"))?;
        let reference = read_wav(&dir.join("clap.wav"))?;
        compare(&export, &reference, clap.latency, self.tol)
    }

    /// Renders the input through the CLAP bundle beside the VST3 one into `<dir>/clap.wav`.
    fn render_clap(&self, ctx: &Ctx, dir: &Path) -> Result<ClapRender> {
        let exe = clap_render()?;
        let bundle = ctx.bundles.join(format!("{}.clap", self.plugin));
        let out = Command::new(&exe)
            .arg(&bundle)
            .arg(&ctx.input)
            .arg(dir.join("clap.wav"))
            .args(["--block", &BLOCK.to_string()])
            .args(["--live", "--preroll", &PREROLL.to_string()])
            .args(self.settings)
            .output()
            .with_context(|| format!("cannot run {}", exe.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        std::fs::write(dir.join("clap_render.log"), &*stdout)?;
        if !out.status.success() {
            bail!(
                "clap_render failed ({}): {}{}",
                out.status,
                stdout,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let latency = stdout
            .lines()
            .find_map(|l| l.strip_prefix("LATENCY "))
            .and_then(|v| v.trim().parse().ok())
            .context("clap_render printed no latency")?;
        let read_back = read_backs(&stdout);
        if read_back.len() != self.settings.len() {
            bail!(
                "clap_render read back {} of {} settings",
                read_back.len(),
                self.settings.len()
            );
        }
        Ok(ClapRender { latency, read_back })
    }
}

/// The export against the CLAP render with its first `latency` samples removed (Ardour
/// compensates the reported latency in its export), sample by sample.
fn compare(
    export: &[Vec<f32>],
    reference: &[Vec<f32>],
    latency: usize,
    tol: f32,
) -> Result<String> {
    if export.len() != 2 || reference.len() != 2 {
        bail!(
            "expected stereo, the export has {} channels, the CLAP render {}",
            export.len(),
            reference.len()
        );
    }
    let len = export[0].len();
    if reference[0].len() != len + latency {
        bail!(
            "the CLAP render is {} samples long, expected the export's {len} + the latency {latency}",
            reference[0].len()
        );
    }
    let aligned = |c: usize, lag: usize| &reference[c][lag..lag + len];
    let max_err = |lag: usize, range: std::ops::Range<usize>| {
        (0..2)
            .flat_map(|c| {
                let r = aligned(c, lag);
                range.clone().map(move |i| (export[c][i] - r[i]).abs())
            })
            .fold(0.0f32, f32::max)
    };
    let peak = (0..2)
        .flat_map(|c| aligned(c, latency).iter())
        .fold(0.0f32, |m, x| m.max(x.abs()));
    if peak < 1e-3 {
        bail!("the CLAP render is (nearly) silent: peak {peak:e}");
    }
    let err = max_err(latency, 0..len);
    let db = 20.0 * f64::from(err / peak).log10();
    let figures = format!(
        "max difference {err:e} ({db:.1} dB re the render's peak {:.2} dBFS; tolerance {tol:e}), \
         latency {latency} samples removed from the CLAP render, the same in Ardour",
        20.0 * f64::from(peak).log10()
    );
    if err <= tol {
        return Ok(figures);
    }
    // Why not: where it starts, and whether another alignment fits better.
    let first = (0..len)
        .find(|&i| (0..2).any(|c| (export[c][i] - aligned(c, latency)[i]).abs() > tol))
        .unwrap_or(0);
    let window = first..(first + RATE as usize / 10).min(len);
    let lags = -(BLOCK as isize)..=(latency + BLOCK as usize) as isize;
    let best = lags
        .map(|lag| {
            let err = (0..2)
                .flat_map(|c| window.clone().map(move |i| (c, i)))
                .filter_map(|(c, i)| {
                    let j = usize::try_from(i as isize + lag).ok()?;
                    Some((export[c][i] - reference[c].get(j)?).abs())
                })
                .fold(0.0f32, f32::max);
            (lag, err)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((latency as isize, err));
    bail!(
        "{figures}: first beyond the tolerance at sample {first} (block {} at {BLOCK}, {} in it); \
         over the 100 ms from there the best alignment is a latency of {} samples (max difference {:e})",
        first / BLOCK as usize,
        first % BLOCK as usize,
        best.0,
        best.1
    )
}
