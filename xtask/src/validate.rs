//! `cargo xtask validate`: the validators plugin developers run before a release, on every
//! bundle: the CLAP project's clap-validator on each `.clap`, Steinberg's VST3 validator
//! (extensive mode) several times on each `.vst3` (its parameter tests randomise, so one
//! clean run proves little), and Tracktion's pluginval at strictness 10 with several random
//! seeds on each `.vst3` (it opens the editors, so it runs under `xvfb-run` when there is no
//! display). Then a memory check: each CLAP rendered through our own host under Valgrind's
//! memcheck ([`memcheck`]).
//!
//! The validators are not part of the project: they are found in `$MIXWERK_VALIDATORS`, else
//! in `../shared/bin` beside the workspace. A missing one is reported plainly as skipped, and
//! with `--require` it is an error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::{USAGE, bundle_all, bundle_names, check_plugin, target_dir};

mod memcheck;

struct Options {
    vst3_runs: usize,
    seeds: usize,
    require: bool,
    plugins: Vec<String>,
}

fn parse(plugins: &[String], args: &[String]) -> Result<Options> {
    let mut o = Options {
        vst3_runs: 3,
        seeds: 2,
        require: false,
        plugins: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut count = |name: &str| -> Result<usize> {
            let v = it
                .next()
                .with_context(|| format!("'{name}' needs a number\n\n{USAGE}"))?;
            v.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .with_context(|| format!("'{name}': '{v}' is not a positive whole number"))
        };
        match arg.as_str() {
            "--vst3-runs" => o.vst3_runs = count("--vst3-runs")?,
            "--seeds" => o.seeds = count("--seeds")?,
            "--require" => o.require = true,
            name if !name.starts_with('-') => {
                check_plugin(plugins, name)?;
                o.plugins.push(name.to_owned());
            }
            other => bail!("unknown argument '{other}' for validate\n\n{USAGE}"),
        }
    }
    if o.plugins.is_empty() {
        o.plugins = plugins.to_vec();
    }
    Ok(o)
}

/// Where the validators are: `$MIXWERK_VALIDATORS`, else `../shared/bin`.
fn validator_dir(root: &Path) -> PathBuf {
    std::env::var_os("MIXWERK_VALIDATORS")
        .map_or_else(|| root.join("..").join("shared").join("bin"), PathBuf::from)
}

fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    let path = dir.join(name);
    path.is_file().then_some(path)
}

fn run_tool(cmd: &mut Command) -> Result<Output> {
    let shown = format!("{cmd:?}");
    cmd.output().with_context(|| format!("cannot run {shown}"))
}

/// Both output streams as text, without terminal colour codes (clap-validator colours its
/// report whatever `NO_COLOR` says).
fn text(out: &Output) -> String {
    let raw = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut plain = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC '[' parameters, ended by a letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// clap-validator's report as (test name, status) pairs: a test opens with `┌─ <name>` and
/// closes with `└─… <STATUS> ─ <time>`; the boxes of its details carry neither.
fn clap_statuses(output: &str) -> Vec<(String, String)> {
    let mut name = None;
    let mut statuses = Vec::new();
    for line in output.lines() {
        if let Some((_, rest)) = line.split_once("┌─ ")
            && !rest.trim().is_empty()
        {
            name = Some(rest.trim().to_owned());
        } else if line.contains("└─")
            && let Some(status) = ["PASSED", "FAILED", "WARNING", "SKIPPED", "CRASHED"]
                .into_iter()
                .find(|s| line.contains(s))
            && let Some(n) = name.take()
        {
            statuses.push((n, status.to_owned()));
        }
    }
    statuses
}

/// The report without clap-validator's progress log (its `INFO` lines).
fn clap_report(output: &str) -> String {
    output
        .lines()
        .filter(|l| !l.contains(" INFO "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The test whose warning does not measure the plugin: clap-validator times the making of its
/// subnormal input (random numbers in the subnormal range, on its own thread, without
/// flush-to-zero) together with 50 blocks of processing, so with a fast plugin its own
/// arithmetic decides the ratio (a plugin that only copies its input draws the warning too).
/// What it is after, the plugin's own cost on subnormal input, is measured by
/// `tests/tests/denormals.rs` from the plugin's thread CPU time.
const TIMING_OF_THE_VALIDATOR: &str = "process-audio-denormals";

/// The tests clap-validator 0.4.1 cannot finish on a plugin with factory presets: its metadata
/// receiver holds its result lock in `begin_preset` while `flush_preset` takes it again, so the
/// second preset of any location deadlocks the validator (vendor/nice-plug/MIXWERK.md 11; with
/// that lock released they pass). `tests/tests/host_presets.rs` covers what they check.
const HANGING_IN_THE_VALIDATOR: &str = "preset-discovery-(crawl|load)";

pub fn run(root: &Path, plugins: &[String], args: &[String]) -> Result<()> {
    let o = parse(plugins, args)?;
    let dir = validator_dir(root);
    let clap_validator = find(&dir, "clap-validator");
    let vst3_validator = find(&dir, "vst3-validator");
    let pluginval = find(&dir, "pluginval");
    let mut missing = Vec::new();
    for (name, tool) in [
        ("clap-validator", &clap_validator),
        ("vst3-validator", &vst3_validator),
        ("pluginval", &pluginval),
    ] {
        if tool.is_none() {
            missing.push(name);
            println!(
                "SKIPPED: {name} not found in {} (set MIXWERK_VALIDATORS to the folder that holds it)",
                dir.display()
            );
        }
    }
    if o.require && !missing.is_empty() {
        bail!("validators missing: {}", missing.join(", "));
    }
    if missing.len() == 3 {
        println!("validate: no validator found; only the memory check runs");
    }

    bundle_all(plugins, &["--release".to_owned()])?;
    let bundled = target_dir(root).join("bundled");
    let names = bundle_names(root, plugins)?;
    let selected: Vec<&String> = plugins
        .iter()
        .zip(&names)
        .filter(|(c, _)| o.plugins.contains(c))
        .map(|(_, n)| n)
        .collect();
    let mut failures = Vec::new();

    if let Some(tool) = &clap_validator {
        for name in &selected {
            let bundle = bundled.join(format!("{name}.clap"));
            let start = Instant::now();
            let out = run_tool(
                Command::new(tool)
                    .arg("validate")
                    .arg("--hide-output")
                    .args(["--exclude", HANGING_IN_THE_VALIDATOR])
                    .arg(&bundle),
            )?;
            let all = text(&out);
            let statuses = clap_statuses(&all);
            let bad: Vec<String> = statuses
                .iter()
                .filter(|(n, s)| {
                    s == "FAILED"
                        || s == "CRASHED"
                        || (s == "WARNING" && n.as_str() != TIMING_OF_THE_VALIDATOR)
                })
                .map(|(n, s)| format!("{n}: {s}"))
                .collect();
            let passed = statuses.iter().filter(|(_, s)| s == "PASSED").count();
            if !bad.is_empty() {
                println!("{}", clap_report(&all));
                failures.push(format!("clap-validator {name}: {}", bad.join(", ")));
            } else if statuses.is_empty() || !out.status.success() {
                println!("{all}");
                failures.push(format!(
                    "clap-validator {name}: no test results ({})",
                    out.status
                ));
            } else {
                let timing = statuses
                    .iter()
                    .any(|(n, s)| n == TIMING_OF_THE_VALIDATOR && s == "WARNING");
                println!(
                    "clap-validator {name}: {passed} passed, 0 failed, 0 warnings{} ({:.1} s)",
                    if timing {
                        " (and its own-timing warning on process-audio-denormals, see validate.rs)"
                    } else {
                        ""
                    },
                    start.elapsed().as_secs_f64()
                );
            }
        }
    }

    if let Some(tool) = &vst3_validator {
        for name in &selected {
            let bundle = bundled.join(format!("{name}.vst3"));
            let start = Instant::now();
            let mut clean = 0;
            for run in 1..=o.vst3_runs {
                let out = run_tool(Command::new(tool).arg("-e").arg(&bundle))?;
                let all = text(&out);
                let result = all.lines().rev().find(|l| l.starts_with("Result:"));
                if out.status.success() && result.is_some_and(|l| l.contains(" 0 tests failed")) {
                    clean += 1;
                } else {
                    let failed: Vec<&str> = all
                        .lines()
                        .filter(|l| l.contains("[Failed]") || l.contains("ERROR"))
                        .collect();
                    println!("{}", failed.join("\n"));
                    failures.push(format!(
                        "vst3-validator {name}: run {run}: {} ({})",
                        result.unwrap_or("no result line"),
                        out.status
                    ));
                    break;
                }
            }
            println!(
                "vst3-validator -e {name}: {clean}/{} clean runs ({:.1} s)",
                o.vst3_runs,
                start.elapsed().as_secs_f64()
            );
        }
    }

    if let Some(tool) = &pluginval {
        let display = std::env::var_os("DISPLAY").is_some();
        for name in &selected {
            let bundle = bundled.join(format!("{name}.vst3"));
            for seed in 1..=o.seeds {
                let start = Instant::now();
                let mut cmd = if display {
                    Command::new(tool)
                } else {
                    let mut c = Command::new("xvfb-run");
                    c.arg("-a").arg(tool);
                    c
                };
                cmd.args(["--strictness-level", "10", "--random-seed"])
                    .arg(seed.to_string())
                    .arg("--validate")
                    .arg(&bundle);
                let out = match run_tool(&mut cmd) {
                    Ok(out) => out,
                    Err(e) if !display => {
                        failures.push(format!(
                            "pluginval {name}: {e:#} (pluginval opens the editors; it needs a display or xvfb-run)"
                        ));
                        break;
                    }
                    Err(e) => return Err(e),
                };
                if out.status.success() {
                    println!(
                        "pluginval {name} (strictness 10, seed {seed}): passed ({:.1} s)",
                        start.elapsed().as_secs_f64()
                    );
                } else {
                    let all = text(&out);
                    let tail: Vec<&str> = all.lines().rev().take(40).collect();
                    println!("{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
                    failures.push(format!("pluginval {name} seed {seed}: {}", out.status));
                }
            }
        }
    }

    memcheck::run(&bundled, &selected, o.require, &mut failures)?;

    if failures.is_empty() {
        println!("validate: every validator found passed on every bundle");
        Ok(())
    } else {
        bail!("validation failed:\n  {}", failures.join("\n  "))
    }
}
