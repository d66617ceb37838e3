//! `cargo xtask`: build, bundle, install, test and benchmark the Mixwerk plugins.
//!
//! Bundling itself is nice-plug-xtask's job; this wrapper adds the workspace-level commands
//! (every plugin at once, install, test, bench) and refuses unknown commands and crate names
//! with a list of the valid ones before anything is built.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

mod cross;
mod daw;
mod screenshots;
mod validate;

pub(crate) const USAGE: &str = "\
Usage:
  cargo xtask bundle <crate> [--release]            build and bundle one plugin
  cargo xtask bundle -p <a> -p <b> ... [--release]  build and bundle several plugins
  cargo xtask bundle-all [--release]                build and bundle every plugin
  cargo xtask install [--release]                   bundle-all, then copy the bundles into
                                                    this user's CLAP and VST3 folders
  cargo xtask test [<cargo test args>...]           bundle-all --release, build the
                                                    allocation-checking variants and the
                                                    panic test plugin, then
                                                    cargo test --workspace
  cargo xtask bench [<plugin>...]                   bundle --release, then time every (or
                                                    each named) plugin through the CLAP
                                                    host harness, and the LV2 peers
  cargo xtask validate [--vst3-runs N] [--seeds N] [--require] [<plugin>...]
                                                    bundle-all --release, then run
                                                    clap-validator, Steinberg's VST3
                                                    validator (-e, N runs) and pluginval
                                                    (strictness 10, N seeds) on the bundles;
                                                    validators from $MIXWERK_VALIDATORS or
                                                    ../shared/bin
  cargo xtask fuzz [--minutes N] [--seed S] [--format clap|vst3|both] [--alloc-check]
                   [<plugin>...]                    bundle-all --release, then the hostile
                                                    host's random cases for N minutes per
                                                    plugin and format; prints failing seeds
  cargo xtask screenshots [<plugin>...]             build each (or each named) plugin's
                                                    standalone app, run it under Xvfb with a
                                                    demo signal, save docs/screenshots/<crate>.png
  cargo xtask daw-test [--bundles <dir>] [<name>...]
                                                    every VST3 in headless Ardour (ardour7-lua):
                                                    load, process, export; exports checked
  cargo xtask cross-test                            clippy for macOS (Apple Silicon, Intel)
                                                    and Windows, every plugin built for
                                                    Windows, the link's tests run on them
                                                    under Wine (Debian's rustc-web; see
                                                    xtask/src/cross.rs)

Bundles land in target/bundled/<Name>.clap and <Name>.vst3 (names from bundler.toml).";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<()> {
    let root = workspace_root()?;
    std::env::set_current_dir(&root).context("cannot enter the workspace root")?;
    let plugins = plugin_crates(&root)?;
    let Some((command, rest)) = args.split_first() else {
        bail!(
            "missing command\n\n{USAGE}\n\nPlugin crates: {}",
            plugins.join(", ")
        );
    };
    match command.as_str() {
        "bundle" => bundle(&plugins, rest),
        "bundle-all" => bundle_all(&plugins, rest),
        "install" => install(&root, &plugins, rest),
        "test" => test(&plugins, rest),
        "bench" => bench(&plugins, rest),
        "screenshots" => screenshots::run(&root, &plugins, rest),
        "validate" => validate::run(&root, &plugins, rest),
        "fuzz" => fuzz(&plugins, rest),
        "daw-test" => daw::run(&root, &plugins, rest),
        "cross-test" => cross::run(&root, &plugins, rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}\n\nPlugin crates: {}", plugins.join(", "));
            Ok(())
        }
        other => bail!(
            "unknown command '{other}'\n\nValid commands: bundle, bundle-all, install, test, \
             bench, validate, fuzz, screenshots, daw-test, cross-test, help\n\n{USAGE}"
        ),
    }
}

/// The xtask binary lives in `<root>/xtask`, so the root is its manifest's parent.
pub(crate) fn workspace_root() -> Result<PathBuf> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .context("the xtask crate has no parent directory")
}

/// Every directory under `plugins/` with a `Cargo.toml` is a plugin crate named after it.
fn plugin_crates(root: &Path) -> Result<Vec<String>> {
    let dir = root.join("plugins");
    let mut names = Vec::new();
    for entry in
        std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?
    {
        let path = entry?.path();
        if path.join("Cargo.toml").is_file()
            && let Some(name) = path.file_name().and_then(|n| n.to_str())
        {
            names.push(name.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Checks every crate named in `bundle`'s arguments (`<crate>` or `-p <crate>`) before
/// nice-plug-xtask runs cargo, so that a typo gets our list instead of cargo's error.
fn bundle(plugins: &[String], args: &[String]) -> Result<()> {
    let mut named = Vec::new();
    let mut iter = args.iter().peekable();
    let mut first = true;
    while let Some(arg) = iter.next() {
        if arg == "-p" || arg == "--package" {
            let name = iter.next().context("'-p' needs a crate name")?;
            named.push(name.clone());
        } else if first && !arg.starts_with('-') {
            named.push(arg.clone());
        } else if !is_known_build_flag(arg) {
            bail!("unknown argument '{arg}' for bundle\n\n{USAGE}");
        }
        first = false;
    }
    if named.is_empty() {
        bail!(
            "bundle needs a crate name\n\n{USAGE}\n\nPlugin crates: {}",
            plugins.join(", ")
        );
    }
    for name in &named {
        check_plugin(plugins, name)?;
    }
    let mut xtask_args = vec!["bundle".to_owned()];
    for name in &named {
        xtask_args.extend(["-p".to_owned(), name.clone()]);
    }
    xtask_args.extend(args.iter().filter(|a| is_known_build_flag(a)).cloned());
    nice_plug_xtask::main_with_args("cargo xtask", xtask_args)
}

fn is_known_build_flag(arg: &str) -> bool {
    arg == "--release"
}

pub(crate) fn check_plugin(plugins: &[String], name: &str) -> Result<()> {
    if plugins.iter().any(|p| p == name) {
        Ok(())
    } else {
        bail!(
            "unknown plugin crate '{name}'\n\nValid plugin crates: {}",
            plugins.join(", ")
        )
    }
}

pub(crate) fn bundle_all(plugins: &[String], args: &[String]) -> Result<()> {
    for arg in args {
        if !is_known_build_flag(arg) {
            bail!("unknown argument '{arg}' for bundle-all\n\n{USAGE}");
        }
    }
    let mut xtask_args = vec!["bundle".to_owned()];
    for name in plugins {
        xtask_args.extend(["-p".to_owned(), name.clone()]);
    }
    xtask_args.extend(args.iter().cloned());
    nice_plug_xtask::main_with_args("cargo xtask", xtask_args)
}

/// Where this user's hosts look for plugins. Per-user folders everywhere, so installing
/// never needs administrator rights; every major host scans them.
fn plugin_folders() -> Result<(PathBuf, PathBuf)> {
    if cfg!(target_os = "windows") {
        // CLAP and VST3 specs: %LOCALAPPDATA%\Programs\Common\{CLAP,VST3}.
        let base = std::env::var_os("LOCALAPPDATA").context("LOCALAPPDATA is not set")?;
        let common = PathBuf::from(base).join("Programs").join("Common");
        Ok((common.join("CLAP"), common.join("VST3")))
    } else {
        let home = PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?);
        if cfg!(target_os = "macos") {
            let plugins = home.join("Library/Audio/Plug-Ins");
            Ok((plugins.join("CLAP"), plugins.join("VST3")))
        } else {
            Ok((home.join(".clap"), home.join(".vst3")))
        }
    }
}

fn install(root: &Path, plugins: &[String], args: &[String]) -> Result<()> {
    bundle_all(plugins, args)?;
    let (clap_dir, vst3_dir) = plugin_folders()?;
    let bundled = target_dir(root).join("bundled");
    for name in bundle_names(root, plugins)? {
        for (ext, dest_dir) in [("clap", &clap_dir), ("vst3", &vst3_dir)] {
            let from = bundled.join(format!("{name}.{ext}"));
            let to = dest_dir.join(format!("{name}.{ext}"));
            std::fs::create_dir_all(dest_dir)
                .with_context(|| format!("cannot create {}", dest_dir.display()))?;
            copy_replacing(&from, &to)?;
            println!("installed {} -> {}", from.display(), to.display());
        }
    }
    Ok(())
}

/// The bundle names from `bundler.toml` (`[crate] name = "…"`), in crate order.
pub(crate) fn bundle_names(root: &Path, plugins: &[String]) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(root.join("bundler.toml")).context("cannot read bundler.toml")?;
    let mut section = String::new();
    let mut names = std::collections::HashMap::new();
    for line in text.lines().map(str::trim) {
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.trim().to_owned();
        } else if let Some(value) = line.strip_prefix("name").map(str::trim)
            && let Some(value) = value.strip_prefix('=')
        {
            names.insert(section.clone(), value.trim().trim_matches('"').to_owned());
        }
    }
    plugins
        .iter()
        .map(|p| {
            names
                .get(p)
                .cloned()
                .with_context(|| format!("bundler.toml has no name for '{p}'"))
        })
        .collect()
}

/// Bundles are files (Linux/Windows CLAP) or directories (VST3, macOS); replace either.
fn copy_replacing(from: &Path, to: &Path) -> Result<()> {
    if to.is_dir() {
        std::fs::remove_dir_all(to).with_context(|| format!("cannot replace {}", to.display()))?;
    } else if to.exists() {
        std::fs::remove_file(to).with_context(|| format!("cannot replace {}", to.display()))?;
    }
    copy_recursively(from, to)
}

fn copy_recursively(from: &Path, to: &Path) -> Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_recursively(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else {
        std::fs::copy(from, to)
            .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

pub(crate) fn cargo(args: &[&str]) -> Result<()> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(args)
        .status()
        .with_context(|| format!("cannot run cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}

/// The plugins built with nice-plug's `assert_process_allocs` in the `alloc-check` profile
/// (debug assertions on), into `target/alloc-check/`, for the harness to load besides the
/// release bundles: any allocation on the audio thread then aborts the test.
fn build_alloc_check_variants(plugins: &[String]) -> Result<()> {
    let mut args = vec![
        "build".to_owned(),
        "--profile".to_owned(),
        "alloc-check".to_owned(),
    ];
    let mut features = Vec::new();
    for name in plugins {
        args.extend(["-p".to_owned(), name.clone()]);
        features.push(format!("{name}/assert_process_allocs"));
    }
    args.extend(["--features".to_owned(), features.join(",")]);
    cargo(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn test(plugins: &[String], args: &[String]) -> Result<()> {
    bundle_all(plugins, &["--release".to_owned()])?;
    build_alloc_check_variants(plugins)?;
    // The test-only plugin that panics on demand (tests/tests/panic_safety.rs): a plain release
    // library, never bundled. Not an alloc-check build: raising a panic allocates.
    cargo(&["build", "--release", "-p", "panic-plugin"])?;
    let mut cargo_args = vec!["test", "--workspace"];
    cargo_args.extend(args.iter().map(String::as_str));
    // Tests that cannot run on this machine (an AVX2 comparison on a CPU without AVX2) record
    // themselves here (shared-dsp's `test_support::skip_without_avx2`) instead of passing
    // quietly; the list is printed after the run.
    let skip_log = target_dir(&workspace_root()?).join("test-skips.log");
    let _ = std::fs::remove_file(&skip_log);
    // SAFETY: set before any thread of ours starts; the child processes inherit it.
    unsafe { std::env::set_var("MIXWERK_SKIP_LOG", &skip_log) };
    let result = cargo(&cargo_args);
    match std::fs::read_to_string(&skip_log) {
        Ok(skipped) if !skipped.trim().is_empty() => {
            let lines: Vec<&str> = skipped.lines().collect();
            println!(
                "\n!!!!!!!! {} test(s) SKIPPED on this machine (not passed):\n  {}\n",
                lines.len(),
                lines.join("\n  ")
            );
        }
        _ => println!("cargo xtask test: no test skipped on this machine"),
    }
    result
}

fn bench(plugins: &[String], args: &[String]) -> Result<()> {
    for arg in args {
        if arg.starts_with('-') {
            bail!("unknown argument '{arg}' for bench\n\n{USAGE}");
        }
        check_plugin(plugins, arg)?;
    }
    let named = if args.is_empty() { plugins } else { args };
    bundle_all(named, &["--release".to_owned()])?;
    let mut cargo_args = [
        "run",
        "--release",
        "--package",
        "host-tests",
        "--bin",
        "bench",
        "--",
    ]
    .map(str::to_owned)
    .to_vec();
    cargo_args.extend(args.iter().cloned());
    cargo(&cargo_args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The long run of the hostile host (`tests/src/adversarial.rs`): arguments are checked by
/// the fuzz binary itself, which refuses unknown ones before anything runs.
fn fuzz(plugins: &[String], args: &[String]) -> Result<()> {
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--minutes" | "--seed" | "--format" => {
                it.next()
                    .with_context(|| format!("'{arg}' needs a value\n\n{USAGE}"))?;
            }
            "--alloc-check" => {}
            name if !name.starts_with('-') => check_plugin(plugins, name)?,
            other => bail!("unknown argument '{other}' for fuzz\n\n{USAGE}"),
        }
    }
    bundle_all(plugins, &["--release".to_owned()])?;
    if args.iter().any(|a| a == "--alloc-check") {
        build_alloc_check_variants(plugins)?;
    }
    cargo(&[
        "build",
        "--release",
        "--package",
        "host-tests",
        "--bin",
        "fuzz",
    ])?;
    // A panic on a plugin's own threads (its background worker) does not reach the fuzz
    // binary: the plugin has its own panic hook, which prints to stderr. So stderr is read
    // here, passed on, and any panic in it fails the run.
    let exe = target_dir(&workspace_root()?).join("release").join("fuzz");
    let mut child = Command::new(&exe)
        .args(args)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    let mut panics = 0;
    if let Some(stderr) = child.stderr.take() {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(|l| l.ok())
        {
            if line.contains(" panicked at ") {
                panics += 1;
            }
            eprintln!("{line}");
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("fuzz failed ({status}); the last case printed above is the one that failed");
    }
    if panics > 0 {
        bail!("fuzz: {panics} panics were printed by plugin threads (see above)");
    }
    Ok(())
}
