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

pub(crate) mod audio;
mod automation;
mod churn;
mod crash;
pub(crate) mod reference;
mod routing;
mod sessions;
mod strips;

use audio::{Expect, RATE, judge, read_wav, test_signal, write_wav};
use crash::{ardour_side_crash, backtrace, describe, wait_or_kill};

/// Set to skip (with a loud message) when Ardour is not installed; CI installs it.
const SKIP_ENV: &str = "MIXWERK_SKIP_DAW_TEST";
/// How often one session may run: Ardour 7.3 itself crashes now and then at the end of an
/// export (heap corruption freeing its export graph, also with no plugin at all; one session
/// in ten to one in three, more on a loaded machine; see tests/daw/lib.lua). Such a crash is
/// retried, loudly; a crash with a plugin frame on the stack never is.
const ATTEMPTS: u32 = 5;
/// The longest one Ardour process may take (sessions here take 5–20 s): past it, it has hung
/// (Ardour 7.3's export once deadlocked in glibc's allocator freeing its graph), and it is
/// looked at (every thread's backtrace) and killed, so that a hang fails or retries like a
/// crash instead of stalling CI.
const SESSION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(180);
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

/// The plugins, in the order they run, with what their defaults do (README tables).
const PLUGINS: [(&str, Expect); 9] = [
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
    // Chorus, two voices a side, 50 % mix.
    ("Mixwerk Chorus", Expect::Modulates),
    // Nothing switched on, limiter off: the output is bus 1, the only connected input.
    ("Mixwerk Channel Strip", Expect::Identity { tol: 1e-6 }),
    // Unity trim and fader, centred at the 0 dB law, width 100 %, every module off:
    // transparent.
    ("Mixwerk Strip", Expect::Identity { tol: 1e-6 }),
];

const USAGE: &str = "\
Usage: cargo xtask daw-test [--bundles <dir>] [--keep] [<plugin name>...]

  --bundles <dir>  use the .vst3 bundles in <dir> instead of building (bundle-all --release)
  --keep           keep the sessions, logs and exports in <target>/daw-test/
  --check <text>   run only the checks whose name contains <text> (e.g. \"automated\")
  <plugin name>    run only these (\"Mixwerk EQ\", \"EQ\", …); default: all of them

Needs Debian's `ardour` package (ardour7-lua); set MIXWERK_SKIP_DAW_TEST=1 to skip instead
of failing when it is not installed.";

pub fn run(root: &Path, plugins: &[String], args: &[String]) -> Result<()> {
    let mut bundles_dir = None;
    let mut keep = false;
    let mut filter: Option<String> = None;
    let mut only = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--bundles" => {
                bundles_dir = Some(PathBuf::from(iter.next().context("--bundles needs a dir")?))
            }
            "--keep" => keep = true,
            "--check" => filter = Some(iter.next().context("--check needs a text")?.clone()),
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

    let ctx = Ctx {
        ardour: Ardour {
            lua,
            scripts: root.join("tests").join("daw"),
            home,
        },
        input,
        signal,
        bundles: bundles_dir,
    };
    let plugins: Vec<&'static str> = selected.iter().map(|(p, _)| *p).collect();
    let mut checks = plugin_checks(&selected);
    checks.extend(pdc_checks(&plugins));
    checks.extend(reference::checks(&plugins));
    checks.extend(automation::checks(&plugins));
    checks.extend(routing::checks(&plugins));
    checks.extend(sessions::checks(&plugins));
    checks.extend(strips::checks(&plugins));
    checks.extend(churn::checks(&plugins));
    if let Some(text) = &filter {
        checks.retain(|c| c.label.contains(text.as_str()));
        if checks.is_empty() {
            bail!("no check's name contains '{text}'");
        }
    }
    let mut failures = Vec::new();
    let mut retries = 0;
    for check in checks {
        let label = check.label;
        let dir = work.join(label.replace([' ', '(', ')', ':', '=', '/'], "-"));
        let start = Instant::now();
        let result = with_retries(&label, &dir, &mut retries, || (check.run)(&ctx, &dir));
        let secs = start.elapsed().as_secs_f64();
        match result {
            Ok(measured) => println!("daw-test PASS {label} [{secs:.1} s]: {measured}"),
            Err(err) => {
                println!("daw-test FAIL {label} [{secs:.1} s]: {err:#}");
                failures.push(label);
            }
        }
    }
    if retries > 0 {
        println!(
            "daw-test: {retries} session(s) were run again after Ardour 7.3 crashed in its own \
             code (see run_and_exit in tests/daw/lib.lua)"
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

/// What every check gets: Ardour, and the generated input (file and samples).
pub(super) struct Ctx {
    pub ardour: Ardour,
    pub input: PathBuf,
    pub signal: [Vec<f32>; 2],
    /// The bundles under test (the `.clap` of each plugin beside its `.vst3`).
    pub bundles: PathBuf,
}

/// A check's body: given the context and its directory, its measured figures.
pub(super) type CheckFn = dyn Fn(&Ctx, &Path) -> Result<String>;
/// A check's body that is a plain function.
type CheckBody = fn(&Ctx, &Path) -> Result<String>;

/// One named check of the DAW test: runs its Ardour sessions in the directory it is given
/// (fresh, under `<target>/daw-test/`) and returns what it measured, or why it failed. A
/// check that hits a crash inside Ardour's own code is run again (see [`with_retries`]).
pub(super) struct Check {
    pub label: String,
    pub run: Box<CheckFn>,
}

impl Check {
    pub(super) fn new(
        label: impl Into<String>,
        run: impl Fn(&Ctx, &Path) -> Result<String> + 'static,
    ) -> Self {
        Check {
            label: label.into(),
            run: Box::new(run),
        }
    }
}

/// The checks of `all` (plugin as a DAW lists it, what is checked, the check) whose plugin is
/// among `plugins`, in order, each labelled "<plugin>: <what>".
pub(super) fn for_plugins(all: &[(&str, &str, CheckBody)], plugins: &[&str]) -> Vec<Check> {
    all.iter()
        .filter(|(p, ..)| plugins.contains(p))
        .map(|&(p, what, run)| Check::new(format!("{p}: {what}"), run))
        .collect()
}

/// The Compressor's settings that the automation and the sidechain sessions hold to its
/// static curve: 4:1, 6 dB knee, attack 10 ms, release 100 ms, the RMS detector over 10 ms.
const COMPRESSOR_RMS_4_TO_1: [&str; 6] = [
    "Ratio=4",
    "Knee=6",
    "Attack=10",
    "Release=100",
    "Detector=1",
    "RMS Window=10",
];

/// The harness alone first (no plugin: the export must be the input, bit for bit), then each
/// selected plugin at its defaults.
fn plugin_checks(selected: &[(&'static str, Expect)]) -> Vec<Check> {
    let plain = |plugin, expect| Run {
        plugin,
        settings: &[],
        reference: false,
        expect,
    };
    std::iter::once(plain("-", Expect::Identity { tol: 0.0 }))
        .chain(selected.iter().map(|&(p, e)| plain(p, e)))
        .map(Run::check)
        .collect()
}

/// Latency compensation: the plugin's track and a dry one summed on the master.
fn pdc_checks(plugins: &[&str]) -> Vec<Check> {
    let pdc = [
        // Linear phase, all bands off: a 4096-sample delay (the FIR's centre tap), reported.
        Run {
            plugin: "Mixwerk EQ",
            settings: &["Mode=1"],
            reference: true,
            expect: Expect::TwiceTheInput { tol: 1e-5 },
        },
        // A 5 ms lookahead (240 samples at 48 kHz), reported; the threshold above the
        // input's peak with a hard knee, so the gain stays at unity and only the delay shows.
        Run {
            plugin: "Mixwerk Compressor",
            settings: &["Lookahead=5", "Threshold=0", "Knee=0"],
            reference: true,
            expect: Expect::TwiceTheInput { tol: 1e-5 },
        },
        // The lookahead (1.5 ms, 72 samples at 48 kHz) and the true-peak detector's 31
        // samples at defaults, 103 samples, reported.
        Run {
            plugin: "Mixwerk Limiter",
            settings: &[],
            reference: true,
            expect: Expect::TwiceTheInput { tol: 1e-5 },
        },
    ];
    pdc.into_iter()
        .filter(|r| plugins.contains(&r.plugin))
        .map(Run::check)
        .collect()
}

impl Run {
    fn check(self) -> Check {
        let mut label = if self.plugin == "-" {
            "(no plugin: the harness itself)".to_owned()
        } else {
            self.plugin.to_owned()
        };
        if !self.settings.is_empty() {
            label += &format!(" {}", self.settings.join(" "));
        }
        if self.reference {
            label += " + a dry track";
        }
        Check::new(label, move |ctx, dir| {
            let (export, latency) = render(&ctx.ardour, &ctx.input, dir, &self)?;
            Ok(format!(
                "{latency}; {}",
                judge(&ctx.signal, &export, self.expect)?
            ))
        })
    }
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

/// Where Ardour is and what each of its runs gets: the Lua runner, the scripts in
/// `tests/daw/`, and the `HOME` with the staged bundles, scan cache and export preset.
pub(super) struct Ardour {
    lua: PathBuf,
    scripts: PathBuf,
    home: PathBuf,
}

impl Ardour {
    /// Runs `new_session.lua` (a session at `rate` with `routes`, see there) and then
    /// `script` with `args`, each in its own `ardour7-lua` process, in `dir`; fails with
    /// Ardour's log (and the crashing thread's backtrace) when either fails. Core dumps are
    /// enabled for Ardour, so that a crash comes with its backtrace (when gdb is installed
    /// and the kernel writes `core` files to the working directory).
    pub(super) fn session(
        &self,
        dir: &Path,
        rate: u32,
        routes: &[&str],
        script: &str,
        args: &[&std::ffi::OsStr],
    ) -> Result<()> {
        std::fs::create_dir_all(dir)?;
        let rate = rate.to_string();
        let mut new_session = vec![dir.as_os_str(), rate.as_ref()];
        new_session.extend(routes.iter().map(std::ffi::OsStr::new));
        self.script(dir, "new_session.lua", &new_session)?;
        self.script(dir, script, args)
    }

    /// Runs one script in its own `ardour7-lua` process in `dir` (its log there).
    pub(super) fn script(&self, dir: &Path, script: &str, args: &[&std::ffi::OsStr]) -> Result<()> {
        let log = dir.join(format!("{script}.log"));
        let err_log = dir.join(format!("{script}.err"));
        // `exec`: the child is Ardour itself, so that a hang can be looked at and killed.
        let mut child = Command::new("sh")
            .args(["-c", "ulimit -c unlimited 2>/dev/null; exec \"$@\"", "sh"])
            .arg(&self.lua)
            .arg(self.scripts.join(script))
            .args(args)
            .env("HOME", &self.home)
            // A real host's process: Mixwerk Strips link (cargo's config turns it off for
            // what cargo runs, this xtask included).
            .env("MIXWERK_LINK", "on")
            .current_dir(dir)
            .stdout(std::fs::File::create(&log)?)
            .stderr(std::fs::File::create(&err_log)?)
            .spawn()
            .with_context(|| format!("cannot run {}", self.lua.display()))?;
        let (status, hang) = wait_or_kill(&mut child, SESSION_TIMEOUT)?;
        let mut text = std::fs::read_to_string(&log).unwrap_or_default();
        // A finished script kills itself after "DONE" (see run_and_exit in lib.lua).
        let done = text.lines().last() == Some("DONE");
        if hang.is_none() && (status.success() || (done && crash::signal(status) == Some(9))) {
            return Ok(());
        }
        text += &std::fs::read_to_string(&err_log).unwrap_or_default();
        text += &hang.unwrap_or_else(|| backtrace(dir));
        let text: String = text
            .lines()
            .filter(|l| !l.contains("encoder is not available"))
            .collect::<Vec<_>>()
            .join("\n    ");
        bail!(
            "{script} {}; Ardour's log ({}):\n    {text}",
            describe(status),
            log.display()
        )
    }
}

/// Runs `attempt` (one or more Ardour sessions in `dir`) until it succeeds or fails for a
/// reason other than a crash inside Ardour's own code, at most [`ATTEMPTS`] times. A failed
/// attempt's directory is kept beside the next, with its log, backtrace and `failure.txt`.
pub(super) fn with_retries<T>(
    label: &str,
    dir: &Path,
    retries: &mut u32,
    mut attempt: impl FnMut() -> Result<T>,
) -> Result<T> {
    let mut n = 1;
    loop {
        let result = attempt();
        let Err(err) = &result else { return result };
        let Some(why) = ardour_side_crash(&format!("{err:#}")) else {
            return result;
        };
        if n >= ATTEMPTS {
            return result;
        }
        println!(
            "daw-test RETRY {label}: attempt {n} of {ATTEMPTS} hit a crash or hang inside Ardour, not \
             the plugin ({why})"
        );
        let mut failed = dir.as_os_str().to_owned();
        failed.push(format!("-attempt{n}"));
        std::fs::rename(dir, &failed)?;
        std::fs::write(Path::new(&failed).join("failure.txt"), format!("{err:#}\n"))?;
        *retries += 1;
        n += 1;
    }
}

/// One plugin session of [`Run`]: returns the export and the latency line.
fn render(ardour: &Ardour, input: &Path, dir: &Path, run: &Run) -> Result<(Vec<Vec<f32>>, String)> {
    let latency_file = dir.join("latency.txt");
    let mut args = vec![
        run.plugin.as_ref(),
        input.as_os_str(),
        dir.as_os_str(),
        latency_file.as_os_str(),
    ];
    args.extend(run.settings.iter().map(std::ffi::OsStr::new));
    let routes: &[&str] = if run.reference {
        &["in", "ref"]
    } else {
        &["in"]
    };
    ardour.session(dir, RATE, routes, "render.lua", &args)?;
    let latency = std::fs::read_to_string(&latency_file)
        .context("render.lua wrote no latency file")?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let export = dir.join("export").join("daw-test.wav");
    Ok((read_wav(&export)?, format!("latency {latency}")))
}
