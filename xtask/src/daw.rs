//! `cargo xtask daw-test`: every Mixwerk VST3 loaded, processing and exporting in a real DAW.
//!
//! Our host harness (`tests/`) is our own code; Ardour is not. This command drives Debian's
//! Ardour 7.3 headless (`ardour7-lua`, the Dummy audio backend) with the Lua scripts in
//! `tests/daw/`: per plugin, a new 48 kHz session, a generated stereo WAV as a region on a
//! stereo track, the plugin inserted with its default settings, the engine run, and the
//! session range exported with Ardour's own exporter (32-bit float WAV). The exports are then
//! judged here, against the input and what each plugin does at its defaults (see
//! [`Expect`]). A crash of Ardour (a plugin's SIGSEGV) fails the plugin with Ardour's log.
//!
//! Everything Ardour writes lives under `<target>/daw-test/` with `HOME` pointed there, so
//! the user's Ardour configuration and plugin cache are never read or touched. Ardour trusts
//! a VST3 scan cache entry (`~/.cache/ardour7/vst/*.v3i`) only when the module is older than
//! the entry, and `ardour7-lua` never scans by itself: the bundles are copied with an old
//! modification time and scanned with Ardour's scanner before any session runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};

/// Session sample rate (the scripts create 48 kHz sessions).
const RATE: u32 = 48_000;
/// Length of the input: 3 s of programme, then 1 s of silence for tails.
const PROGRAMME: usize = 3 * RATE as usize;
const LENGTH: usize = 4 * RATE as usize;
/// Set to skip (with a loud message) when Ardour is not installed; CI installs it.
const SKIP_ENV: &str = "MIXWERK_SKIP_DAW_TEST";
/// How often one session may run: Ardour 7.3 itself crashes now and then while exporting
/// (heap corruption in its export graph, also with no plugin at all; see render.lua). Such a
/// crash is retried, loudly; a crash with a plugin frame on the stack never is.
const ATTEMPTS: u32 = 3;
/// Override of the Lua session runner (default `ardour7-lua` on PATH).
const LUA_ENV: &str = "MIXWERK_ARDOUR_LUA";
const SCANNER: &str = "/usr/lib/ardour7/ardour-vst3-scanner";
const ARDOUR_LIBS: &str = "/usr/lib/ardour7";
/// The binary behind the `ardour7-lua` wrapper script, for reading its core dumps.
const LUASESSION: &str = "/usr/lib/ardour7/luasession";

/// What a plugin with its default settings must do to the input, judged on the export
/// (Ardour compensates the latency the plugin reports, so no shift is applied here: a
/// plugin whose latency Ardour did not read would fail the sample-wise checks).
#[derive(Clone, Copy, Debug)]
enum Expect {
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
    /// Latency compensation: the plugin's track plus a dry track with the same region sum
    /// to twice the input within `tol` (any misalignment would comb-filter the sum).
    TwiceTheInput { tol: f32 },
}

/// One Ardour session: a plugin ("-": none) with settings (Ardour's parameter names and
/// values), on the track "in", and with `reference` also the dry track "ref".
#[derive(Clone, Copy, Debug)]
struct Run {
    plugin: &'static str,
    settings: &'static [&'static str],
    reference: bool,
    expect: Expect,
}

/// The seven plugins, in the order they run, with what their defaults do (README tables).
const PLUGINS: [(&str, Expect); 7] = [
    // All bands off, output 0 dB, zero-latency mode: transparent.
    ("Mixwerk EQ", Expect::Identity { tol: 1e-6 }),
    // Threshold −18 dB, 4:1, 6 dB knee, no make-up; the input peaks at −6 dBFS.
    (
        "Mixwerk Compressor",
        Expect::Compresses {
            min_db: 0.5,
            max_db: 10.0,
        },
    ),
    // 0 dB drive, the input's true peak well under the default ceiling: a pure delay of the
    // reported lookahead, which Ardour compensates.
    ("Mixwerk Limiter", Expect::Identity { tol: 1e-6 }),
    // Mix 30 %.
    ("Mixwerk Reverb", Expect::Reverberates),
    // Tempo sync, a 1/4 note at Ardour's default 120 BPM = 500 ms; dry 0 dB, wet −6 dB,
    // no modulation, no ducking, loop filters off.
    (
        "Mixwerk Delay",
        Expect::Echoes {
            delay: RATE as usize / 2,
            wet_db: -6.0,
        },
    ),
    // Centre, width 100 %, 0 dB law: bit-transparent (README).
    ("Mixwerk Panner", Expect::Identity { tol: 0.0 }),
    // Nothing switched on, limiter off: the output is bus 1, the only connected input.
    ("Mixwerk Channel Strip", Expect::Identity { tol: 1e-6 }),
];

const USAGE: &str = "\
Usage: cargo xtask daw-test [--bundles <dir>] [--keep] [<plugin name>...]

  --bundles <dir>  use the .vst3 bundles in <dir> instead of building (bundle-all --release)
  --keep           keep the sessions, logs and exports in <target>/daw-test/
  <plugin name>    run only these (\"Mixwerk EQ\", \"EQ\", …); default: all seven

Needs Debian's `ardour` package (ardour7-lua); set MIXWERK_SKIP_DAW_TEST=1 to skip instead
of failing when it is not installed.";

pub fn run(root: &Path, plugins: &[String], args: &[String]) -> Result<()> {
    let mut bundles_dir = None;
    let mut keep = false;
    let mut only = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--bundles" => {
                bundles_dir = Some(PathBuf::from(iter.next().context("--bundles needs a dir")?))
            }
            "--keep" => keep = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            a if a.starts_with('-') => bail!("unknown argument '{a}' for daw-test\n\n{USAGE}"),
            name => only.push(name.to_owned()),
        }
    }
    let selected: Vec<(&'static str, Expect)> = if only.is_empty() {
        PLUGINS.to_vec()
    } else {
        only.iter()
            .map(|name| {
                PLUGINS
                    .iter()
                    .find(|(p, _)| {
                        p.eq_ignore_ascii_case(name) || p[8..].eq_ignore_ascii_case(name)
                    })
                    .copied()
                    .with_context(|| format!("unknown plugin '{name}'\n\n{USAGE}"))
            })
            .collect::<Result<_>>()?
    };

    let Some(lua) = find_ardour_lua() else {
        let msg = "ardour7-lua not found: the DAW test needs Debian's `ardour` package \
                   (apt-get install --no-install-recommends ardour; .ci/run installs it)";
        if std::env::var_os(SKIP_ENV).is_some() {
            eprintln!("\n!!!!!!!! daw-test SKIPPED ({SKIP_ENV} is set): {msg} !!!!!!!!\n");
            return Ok(());
        }
        bail!("{msg}; set {SKIP_ENV}=1 to skip instead");
    };
    if !Path::new(SCANNER).is_file() {
        bail!("Ardour's VST3 scanner {SCANNER} is missing (Debian's `ardour` package has it)");
    }

    let bundles_dir = match bundles_dir {
        Some(dir) => dir,
        None => {
            crate::bundle_all(plugins, &["--release".to_owned()])?;
            crate::target_dir(root).join("bundled")
        }
    };
    let work = crate::target_dir(root).join("daw-test");
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .with_context(|| format!("cannot clear {}", work.display()))?;
    }
    let home = work.join("home");
    stage(root, &bundles_dir, &home, &selected)?;
    let input = work.join("input.wav");
    let signal = test_signal();
    write_wav(&input, &signal)?;

    let scripts = root.join("tests").join("daw");
    let mut failures = Vec::new();
    let mut retries = 0;
    for run in runs(&selected) {
        let mut label = if run.plugin == "-" {
            "(no plugin: the harness itself)".to_owned()
        } else {
            run.plugin.to_owned()
        };
        if !run.settings.is_empty() {
            label += &format!(" {}", run.settings.join(" "));
        }
        if run.reference {
            label += " + a dry track";
        }
        let dir = work.join(label.replace([' ', '(', ')', ':', '='], "-"));
        let start = Instant::now();
        let mut attempt = 1;
        let result = loop {
            let result = render(&lua, &scripts, &home, &input, &dir, &run);
            match &result {
                Err(err) if attempt < ATTEMPTS => {
                    if let Some(why) = ardour_side_crash(&format!("{err:#}")) {
                        println!(
                            "daw-test RETRY {label}: attempt {attempt} of {ATTEMPTS} hit a crash \
                             inside Ardour, not the plugin ({why})"
                        );
                        // Kept beside the next attempt, with the log and the backtrace.
                        let mut failed = dir.clone().into_os_string();
                        failed.push(format!("-attempt{attempt}"));
                        std::fs::rename(&dir, &failed)?;
                        std::fs::write(
                            Path::new(&failed).join("failure.txt"),
                            format!("{err:#}\n"),
                        )?;
                        retries += 1;
                        attempt += 1;
                        continue;
                    }
                }
                _ => {}
            }
            break result.and_then(|(export, latency)| {
                judge(&signal, &export, run.expect).map(|m| (m, latency))
            });
        };
        let secs = start.elapsed().as_secs_f64();
        match result {
            Ok((measured, latency)) => {
                println!("daw-test PASS {label} [{secs:.1} s, {latency}]: {measured}")
            }
            Err(err) => {
                println!("daw-test FAIL {label} [{secs:.1} s]: {err:#}");
                failures.push(label);
            }
        }
    }
    if retries > 0 {
        println!(
            "daw-test: {retries} session(s) were run again after Ardour 7.3 crashed in its own \
             code (see tests/daw/render.lua)"
        );
    }
    if !keep && failures.is_empty() {
        let _ = std::fs::remove_dir_all(&work);
    } else {
        println!(
            "daw-test: sessions, logs and exports kept in {}",
            work.display()
        );
    }
    if !failures.is_empty() {
        bail!("daw-test failed for: {}", failures.join(", "));
    }
    Ok(())
}

/// The harness alone first (no plugin: the export must be the input, bit for bit), then each
/// selected plugin at its defaults, then the latency-compensation sessions of those selected.
fn runs(selected: &[(&'static str, Expect)]) -> Vec<Run> {
    let plain = |plugin, expect| Run {
        plugin,
        settings: &[],
        reference: false,
        expect,
    };
    let mut runs = vec![plain("-", Expect::Identity { tol: 0.0 })];
    runs.extend(selected.iter().map(|&(p, e)| plain(p, e)));
    let pdc = [
        // Linear phase, all bands off: a 4096-sample delay (the FIR's centre tap), reported.
        Run {
            plugin: "Mixwerk EQ",
            settings: &["Mode=1"],
            reference: true,
            expect: Expect::TwiceTheInput { tol: 1e-5 },
        },
        // The lookahead (1.5 ms, 72 samples at 48 kHz) at defaults, reported.
        Run {
            plugin: "Mixwerk Limiter",
            settings: &[],
            reference: true,
            expect: Expect::TwiceTheInput { tol: 1e-5 },
        },
    ];
    runs.extend(
        pdc.into_iter()
            .filter(|r| selected.iter().any(|(p, _)| *p == r.plugin)),
    );
    runs
}

fn find_ardour_lua() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(LUA_ENV) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("ardour7-lua"))
        .find(|p| p.is_file())
}

/// Copies the bundles into `<home>/.vst3` with an old modification time, scans each one with
/// Ardour's scanner into `<home>/.cache/ardour7/vst`, and installs the float export preset.
fn stage(root: &Path, bundles: &Path, home: &Path, selected: &[(&str, Expect)]) -> Result<()> {
    let vst3 = home.join(".vst3");
    let cache = home.join(".cache").join("ardour7").join("vst");
    let export = home.join(".config").join("ardour7").join("export");
    for dir in [&vst3, &cache, &export] {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    for entry in std::fs::read_dir(root.join("tests").join("daw").join("export"))? {
        let path = entry?.path();
        std::fs::copy(&path, export.join(path.file_name().unwrap()))?;
    }
    // Older than any scan: the cache entry written below is then trusted.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(946_684_800); // 2000-01-01
    for (name, _) in selected {
        let from = bundles.join(format!("{name}.vst3"));
        if !from.is_dir() {
            bail!(
                "{} is missing (build it, or pass --bundles)",
                from.display()
            );
        }
        let to = vst3.join(format!("{name}.vst3"));
        crate::copy_recursively(&from, &to)?;
        set_mtime_recursively(&to, old)?;
        let before = count_files(&cache)?;
        let out = Command::new(SCANNER)
            .args(["-f", "-q"])
            .arg(&to)
            .env("HOME", home)
            .env("LD_LIBRARY_PATH", ARDOUR_LIBS)
            .output()
            .with_context(|| format!("cannot run {SCANNER}"))?;
        if !out.status.success() || count_files(&cache)? != before + 1 {
            bail!(
                "Ardour's VST3 scanner failed on {} ({}): {}{}",
                to.display(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    Ok(())
}

fn set_mtime_recursively(path: &Path, time: SystemTime) -> Result<()> {
    if path.is_dir() {
        for entry in std::fs::read_dir(path)? {
            set_mtime_recursively(&entry?.path(), time)?;
        }
    }
    std::fs::File::open(path)
        .and_then(|f| f.set_modified(time))
        .with_context(|| format!("cannot set the modification time of {}", path.display()))
}

fn count_files(dir: &Path) -> Result<usize> {
    Ok(std::fs::read_dir(dir)?.count())
}

/// Runs the two scripts for one session; returns the export and the latency line. Core
/// dumps are enabled for Ardour, so that a crash comes with the crashing thread's backtrace
/// (when gdb is installed and the kernel writes `core` files to the working directory).
fn render(
    lua: &Path,
    scripts: &Path,
    home: &Path,
    input: &Path,
    dir: &Path,
    run: &Run,
) -> Result<(Vec<Vec<f32>>, String)> {
    std::fs::create_dir_all(dir)?;
    let latency_file = dir.join("latency.txt");
    let mut new_session = vec![dir.as_os_str()];
    if run.reference {
        new_session.push("ref".as_ref());
    }
    let mut render = vec![
        run.plugin.as_ref(),
        input.as_os_str(),
        dir.as_os_str(),
        latency_file.as_os_str(),
    ];
    render.extend(run.settings.iter().map(std::ffi::OsStr::new));
    for (script, args) in [("new_session.lua", new_session), ("render.lua", render)] {
        let log = dir.join(format!("{script}.log"));
        let status = Command::new("sh")
            .args(["-c", "ulimit -c unlimited 2>/dev/null; exec \"$@\"", "sh"])
            .arg(lua)
            .arg(scripts.join(script))
            .args(args)
            .env("HOME", home)
            .current_dir(dir)
            .stdout(std::fs::File::create(&log)?)
            .stderr(std::fs::File::create(dir.join(format!("{script}.err")))?)
            .status()
            .with_context(|| format!("cannot run {}", lua.display()))?;
        if !status.success() {
            let mut text = std::fs::read_to_string(&log).unwrap_or_default();
            text += &std::fs::read_to_string(dir.join(format!("{script}.err"))).unwrap_or_default();
            text += &backtrace(dir);
            let text: String = text
                .lines()
                .filter(|l| !l.contains("encoder is not available"))
                .collect::<Vec<_>>()
                .join("\n    ");
            bail!(
                "{script} {}; Ardour's log ({}):\n    {text}",
                describe(status),
                log.display()
            );
        }
    }
    let latency = std::fs::read_to_string(&latency_file)
        .context("render.lua wrote no latency file")?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let export = dir.join("export").join("daw-test.wav");
    Ok((read_wav(&export)?, format!("latency {latency}")))
}

/// Why a failed run is Ardour's own crash and worth running again, or None. Yes when the
/// crashing thread's backtrace (from the core dump) has no frame in a Mixwerk bundle, or,
/// without a backtrace, when glibc aborted on a corrupted heap (the crash seen in Ardour's
/// export with no plugin loaded). A plugin's crash (e.g. the Channel Strip's stack overflow
/// in `activate`) always has its own frames on the stack and is never retried.
fn ardour_side_crash(err: &str) -> Option<String> {
    if !err.contains("(SIGSEGV)") && !err.contains("(SIGABRT)") {
        return None;
    }
    let frames: Vec<&str> = err
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('#'))
        .collect();
    if !frames.is_empty() {
        if frames
            .iter()
            .any(|f| f.contains(".vst3") || f.contains("Mixwerk"))
        {
            return None;
        }
        // The first frame outside libc's abort path names the culprit.
        let culprit = frames
            .iter()
            .find(|f| {
                ![
                    "pthread_kill",
                    "raise",
                    "abort",
                    "libc_message",
                    "malloc",
                    "free",
                    "_int_",
                    "arena",
                    "unlink_chunk",
                    "_M_clear",
                    "operator new",
                ]
                .iter()
                .any(|n| f.contains(n))
            })
            .unwrap_or(&frames[0]);
        return Some(
            culprit
                .split(" in ")
                .nth(1)
                .unwrap_or(culprit)
                .chars()
                .take(120)
                .collect(),
        );
    }
    const HEAP: [&str; 4] = [
        "double free",
        "corrupted size",
        "free(): invalid",
        "malloc(): ",
    ];
    HEAP.iter()
        .find(|m| err.contains(*m))
        .map(|m| format!("glibc: \"{m}…\", no backtrace"))
}

/// The crashing thread's frames from a core file in `dir` (which is then deleted: a core of
/// Ardour is a few hundred MB), or nothing.
fn backtrace(dir: &Path) -> String {
    let Some(core) = std::fs::read_dir(dir).ok().and_then(|entries| {
        entries.filter_map(|e| e.ok().map(|e| e.path())).find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("core"))
        })
    }) else {
        return String::new();
    };
    let out = Command::new("gdb")
        .args(["-batch", "-ex", "bt 16", "-ex", "x/i $pc", LUASESSION])
        .arg(&core)
        .output();
    let _ = std::fs::remove_file(&core);
    match out {
        Ok(out) => {
            let frames: Vec<&str> = std::str::from_utf8(&out.stdout)
                .unwrap_or_default()
                .lines()
                .filter(|l| l.starts_with('#') || l.starts_with("=>"))
                .collect();
            format!(
                "\nbacktrace of the crashing thread (gdb, core dump):\n{}",
                frames.join("\n")
            )
        }
        Err(_) => "\n(a core dump was written; install gdb for its backtrace)".to_owned(),
    }
}

fn describe(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(11) => "crashed (SIGSEGV)".to_owned(),
        Some(6) => "aborted (SIGABRT)".to_owned(),
        Some(sig) => format!("killed by signal {sig}"),
        None => format!("failed ({status})"),
    }
}

/// 3 s of programme (white noise, a logarithmic sine sweep 20 Hz → 20 kHz, and drum-like
/// hits every 250 ms: a decaying 60 Hz body and a noise burst), peaking at −6 dBFS, then
/// 1 s of digital silence. Left and right differ (the sweep is inverted on the right, the
/// noise is independent), so a channel swap or a mono fold would show.
fn test_signal() -> [Vec<f32>; 2] {
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let fs = f64::from(RATE);
    let (f0, f1, dur) = (20.0_f64, 20_000.0_f64, PROGRAMME as f64 / fs);
    let k = (f1 / f0).ln() / dur;
    let mut out = [vec![0.0f32; LENGTH], vec![0.0f32; LENGTH]];
    for i in 0..PROGRAMME {
        let t = i as f64 / fs;
        let sweep = 0.25 * (std::f64::consts::TAU * f0 * ((k * t).exp() - 1.0) / k).sin();
        let hit_t = (i % (RATE as usize / 4)) as f64 / fs;
        let body = (-hit_t / 0.03).exp() * (std::f64::consts::TAU * 60.0 * hit_t).sin();
        let burst = (-hit_t / 0.005).exp();
        let (nl, nr, nb) = (noise(), noise(), noise());
        out[0][i] = (0.1 * nl + sweep + 0.5 * body + 0.3 * burst * nb) as f32;
        out[1][i] = (0.1 * nr - sweep + 0.5 * body + 0.3 * burst * nb) as f32;
    }
    let peak = out.iter().flatten().fold(0.0f32, |m, x| m.max(x.abs()));
    for x in out.iter_mut().flatten() {
        *x *= 0.5 / peak;
    }
    out
}

fn write_wav(path: &Path, signal: &[Vec<f32>; 2]) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec)?;
    for i in 0..signal[0].len() {
        w.write_sample(signal[0][i])?;
        w.write_sample(signal[1][i])?;
    }
    w.finalize()?;
    Ok(())
}

fn read_wav(path: &Path) -> Result<Vec<Vec<f32>>> {
    let mut r =
        hound::WavReader::open(path).with_context(|| format!("no export at {}", path.display()))?;
    let spec = r.spec();
    if spec.sample_format != hound::SampleFormat::Float || spec.sample_rate != RATE {
        bail!(
            "{}: expected 32-bit float at {RATE} Hz, got {spec:?}",
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
fn judge(input: &[Vec<f32>; 2], export: &[Vec<f32>], expect: Expect) -> Result<String> {
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
            let ms = RATE as usize / 1000;
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
                onset as f64 * 1000.0 / f64::from(RATE)
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
            for c in 0..2 {
                for i in 1..LENGTH {
                    one_sample = one_sample.max((input[c][i - 1] - input[c][i]).abs());
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
            let change = db(level_out / level_in);
            if change.abs() > 3.0 {
                bail!("{level}, expected within ±3 dB");
            }
            let diff: Vec<f32> = (0..2)
                .flat_map(|c| (0..PROGRAMME).map(move |i| export[c][i] - input[c][i]))
                .collect();
            let wet = db(rms(&diff) / level_in);
            if wet < -30.0 {
                bail!("hardly differs from the input ({wet:.1} dB): no reverb?");
            }
            let tail =
                db(rms(&[&export[0][PROGRAMME..], &export[1][PROGRAMME..]].concat()) / level_in);
            if tail < -60.0 {
                bail!("no tail after the input stops ({tail:.1} dB re input)");
            }
            Ok(format!(
                "differs from the input by {wet:.1} dB, tail {tail:.1} dB in the last second; {level}"
            ))
        }
    }
}
