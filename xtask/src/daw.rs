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

mod audio;
mod crash;

use audio::{Expect, RATE, judge, read_wav, test_signal, write_wav};
use crash::{ardour_side_crash, backtrace, describe};

/// Set to skip (with a loud message) when Ardour is not installed; CI installs it.
const SKIP_ENV: &str = "MIXWERK_SKIP_DAW_TEST";
/// How often one session may run: Ardour 7.3 itself crashes now and then at the end of an
/// export (heap corruption freeing its export graph, also with no plugin at all; one session
/// in ten to one in three, more on a loaded machine; see render.lua). Such a crash is
/// retried, loudly; a crash with a plugin frame on the stack never is.
const ATTEMPTS: u32 = 5;
/// Override of the Lua session runner (default `ardour7-lua` on PATH).
const LUA_ENV: &str = "MIXWERK_ARDOUR_LUA";
const SCANNER: &str = "/usr/lib/ardour7/ardour-vst3-scanner";
const ARDOUR_LIBS: &str = "/usr/lib/ardour7";

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
