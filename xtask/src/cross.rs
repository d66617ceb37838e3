//! `cargo xtask cross-test`: macOS and Windows, from this Linux machine.
//!
//! rustup here has only the Linux standard library, and other targets' cannot be downloaded.
//! Debian's `rustc-web` with its source (`rust-web-src`) builds any target's standard library
//! (`-Zbuild-std`, which `RUSTC_BOOTSTRAP` allows on that stable compiler; only this command's
//! cargo processes get it). With it:
//! 1. **Lint for every system**: every crate's libraries and binaries through clippy, warnings
//!    denied, for macOS on Apple Silicon and on Intel and for Windows (MSVC). Code behind
//!    `cfg(target_os = …)` (the link's rendezvous on each system, nice-plug's event loops, the
//!    SIMD paths off x86-64) at least compiles and is clean there. macOS cannot be run here.
//! 2. **Windows builds**: every plugin for `x86_64-pc-windows-gnu` (linked by MinGW), release
//!    and alloc-check, laid out as Windows bundles (`<Name>.clap`, `<Name>.vst3/Contents/
//!    x86_64-win/<Name>.vst3`) in `target/cross/`, where the test harness finds them through
//!    `CARGO_TARGET_DIR`.
//! 3. **The host battery on Windows**: every test of `tests/` built as a Windows program and
//!    run under Wine (a prefix of its own in `target/cross/wine`) on those DLLs, the link's
//!    tests among them (CLAP and VST3 Strips and the Channel Strip, three libraries, in one
//!    console). Twice: with a desktop (Xvfb), and without one, where Windows refuses every
//!    window (nice-plug's hidden event-loop window included: MIXWERK.md 14).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{USAGE, bundle_names};

/// The targets linted; the first Windows one is also built and run.
const LINT_TARGETS: &[&str] = &[
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
];
const WINDOWS: &str = "x86_64-pc-windows-gnu";
const BUILD_STD: &str = "-Zbuild-std=std,panic_unwind,panic_abort";
/// The Debian packages this needs (bookworm: `rustc-web` is 1.96 in bookworm-security).
const PACKAGES: &str = "rustc-web rust-web-src rust-web-clippy gcc-mingw-w64-x86-64 wine64 xvfb";

pub(crate) fn run(root: &Path, plugins: &[String], args: &[String]) -> Result<()> {
    if let Some(arg) = args.first() {
        bail!("cross-test takes no arguments (got '{arg}')\n\n{USAGE}");
    }
    let tools = Tools::find()?;
    let dir = std::path::absolute(crate::target_dir(root).join("cross"))?;

    for target in LINT_TARGETS {
        println!("\n== clippy for {target}");
        tools.cargo(
            &dir,
            &[
                "clippy",
                BUILD_STD,
                "--target",
                target,
                "--workspace",
                "--lib",
                "--bins",
                "--",
                "-D",
                "warnings",
            ],
        )?;
    }

    println!("\n== every plugin for {WINDOWS}, release and alloc-check");
    let mut release = vec!["build", BUILD_STD, "--release", "--target", WINDOWS];
    let mut alloc_check = vec![
        "build",
        BUILD_STD,
        "--profile",
        "alloc-check",
        "--target",
        WINDOWS,
    ];
    let features: Vec<String> = plugins
        .iter()
        .map(|p| format!("{p}/assert_process_allocs"))
        .collect();
    let features = features.join(",");
    for p in plugins {
        release.extend(["-p", p]);
        alloc_check.extend(["-p", p]);
    }
    // The test-only plugin that panics on demand (tests/tests/panic_safety.rs).
    release.extend(["-p", "panic-plugin"]);
    alloc_check.extend(["--features", &features]);
    tools.cargo(&dir, &release)?;
    tools.cargo(&dir, &alloc_check)?;
    lay_out_bundles(root, &dir, plugins)?;

    println!("\n== the host battery as Windows programs under Wine");
    let battery = [
        "test",
        BUILD_STD,
        "--release",
        "--target",
        WINDOWS,
        "-p",
        "host-tests",
        "--tests",
    ];
    let mut build_only = battery.to_vec();
    build_only.push("--no-run");
    tools.cargo(&dir, &build_only)?;
    tools.wine_shim(&dir)?;
    println!("\n-- with a desktop (Xvfb)");
    tools.cargo_under_wine(&dir, true, &battery)?;
    println!("\n-- without a desktop (Windows refuses every window)");
    tools.cargo_under_wine(&dir, false, &battery)?;
    println!(
        "\ncross-test: clean on {}; the host battery passed on Windows (Wine), with and \
         without a desktop",
        LINT_TARGETS.join(", ")
    );
    Ok(())
}

/// Debian's Rust and the Windows tools, checked before anything is built.
struct Tools {
    /// The directory of Debian's `rustc` and `cargo` (first in the children's `PATH`, so that
    /// `cargo clippy` finds its own `clippy-driver`).
    bin: PathBuf,
    wine_version: String,
}

impl Tools {
    fn find() -> Result<Self> {
        let bin = PathBuf::from(
            std::env::var_os("MIXWERK_CROSS_BIN").unwrap_or_else(|| OsString::from("/usr/bin")),
        );
        let missing = |what: &str| {
            anyhow::anyhow!(
                "{what} is missing: cross-test needs Debian's `apt-get install {PACKAGES}` \
                 (or MIXWERK_CROSS_BIN pointing at a rustc, cargo and clippy with the Rust \
                 source)"
            )
        };
        for tool in ["rustc", "cargo", "cargo-clippy"] {
            if !bin.join(tool).is_file() {
                return Err(missing(&format!("{}", bin.join(tool).display())));
            }
        }
        let sysroot = output(Command::new(bin.join("rustc")).args(["--print", "sysroot"]))?;
        let src = Path::new(sysroot.trim()).join("lib/rustlib/src/rust");
        if !src.join("library/Cargo.lock").is_file() {
            // rust-web-src installs under /usr/src/rustc-<version>; build-std looks in the
            // sysroot.
            let version = output(Command::new(bin.join("rustc")).arg("--version"))?;
            let number = version.split_whitespace().nth(1).unwrap_or_default();
            let installed = PathBuf::from(format!("/usr/src/rustc-{number}"));
            if !installed.join("library/Cargo.lock").is_file() {
                return Err(missing(&format!("the Rust {number} source")));
            }
            #[cfg(unix)]
            let link = std::os::unix::fs::symlink;
            #[cfg(not(unix))]
            let link = |_: &Path, _: &Path| Err(std::io::Error::other("not on this system"));
            std::fs::create_dir_all(src.parent().expect("a parent"))
                .and_then(|()| link(&installed, &src))
                .with_context(|| {
                    format!(
                        "cannot link {} to {} (run as root, or make the link yourself)",
                        src.display(),
                        installed.display()
                    )
                })?;
        }
        for tool in ["x86_64-w64-mingw32-gcc", "wine", "xvfb-run"] {
            if Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .map(|o| !o.status.success())
                .unwrap_or(true)
            {
                return Err(missing(tool));
            }
        }
        let wine_version = output(Command::new("wine").arg("--version"))?;
        Ok(Self { bin, wine_version })
    }

    /// Debian's cargo with Debian's rustc, build-std allowed, MinGW as Windows' linker.
    fn command(&self, dir: &Path) -> Command {
        let mut path = OsString::from(&self.bin);
        if let Some(rest) = std::env::var_os("PATH") {
            path.push(":");
            path.push(rest);
        }
        let mut cmd = Command::new(self.bin.join("cargo"));
        cmd.env("PATH", path)
            .env("RUSTC", self.bin.join("rustc"))
            .env_remove("RUSTC_WRAPPER")
            .env_remove("CARGO")
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_DIR", dir)
            .env(
                "CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER",
                "x86_64-w64-mingw32-gcc",
            );
        cmd
    }

    fn cargo(&self, dir: &Path, args: &[&str]) -> Result<()> {
        run_status(self.command(dir).args(args))
    }

    /// `args` (a `cargo test`) with its Windows programs run by Wine, in a prefix of its own,
    /// with or without a desktop.
    fn cargo_under_wine(&self, dir: &Path, desktop: bool, args: &[&str]) -> Result<()> {
        let prefix = dir.join("wine");
        let mut cmd = self.command(dir);
        // A test program that hangs is stopped (and fails the run) after 15 minutes.
        cmd.env("WINEPREFIX", &prefix).env("WINEDEBUG", "-all").env(
            "CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER",
            if desktop {
                "timeout 900 xvfb-run -a wine"
            } else {
                "timeout 900 wine"
            },
        );
        if !desktop {
            cmd.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
        }
        let result = run_status(cmd.args(args));
        // The prefix's own processes (its desktop, services) end with the run.
        let _ = Command::new("wineserver")
            .arg("-k")
            .env("WINEPREFIX", &prefix)
            .status();
        result
    }

    /// Wine before 9.0 lacks `bcryptprimitives.dll` (see `tools/wine/bcryptprimitives.c`):
    /// the stand-in goes beside the test programs, where Windows looks first for the DLLs
    /// they and the plugins import.
    fn wine_shim(&self, dir: &Path) -> Result<()> {
        let major: u32 = self
            .wine_version
            .trim()
            .trim_start_matches("wine-")
            .split(['.', ' '])
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        if major >= 9 {
            return Ok(());
        }
        let source = crate::workspace_root()?.join("tools/wine/bcryptprimitives.c");
        let out = dir.join(WINDOWS).join("release/deps/bcryptprimitives.dll");
        run_status(
            Command::new("x86_64-w64-mingw32-gcc")
                .args(["-shared", "-O2", "-o"])
                .arg(&out)
                .arg(&source)
                .arg("-lbcrypt"),
        )
    }
}

/// Windows bundles of the built DLLs where the harness looks (`tests/src/bundles.rs`):
/// `bundled/<Name>.clap` (on Windows the CLAP bundle is the DLL itself),
/// `bundled/<Name>.vst3/Contents/x86_64-win/<Name>.vst3`, `alloc-check/<crate>.dll`, and the
/// panic test plugin in `release/`.
fn lay_out_bundles(root: &Path, dir: &Path, plugins: &[String]) -> Result<()> {
    let names = bundle_names(root, plugins)?;
    let bundled = dir.join("bundled");
    let alloc_check = dir.join("alloc-check");
    std::fs::create_dir_all(&alloc_check)?;
    for (crate_name, name) in plugins.iter().zip(&names) {
        let dll = format!("{}.dll", crate_name.replace('-', "_"));
        let built = dir.join(WINDOWS).join("release").join(&dll);
        let vst3 = bundled.join(format!("{name}.vst3/Contents/x86_64-win"));
        std::fs::create_dir_all(&vst3)?;
        copy(&built, &bundled.join(format!("{name}.clap")))?;
        copy(&built, &vst3.join(format!("{name}.vst3")))?;
        copy(
            &dir.join(WINDOWS).join("alloc-check").join(&dll),
            &alloc_check.join(&dll),
        )?;
    }
    // Where `tests/src/panic_plugin.rs` looks for it.
    std::fs::create_dir_all(dir.join("release"))?;
    copy(
        &dir.join(WINDOWS).join("release/panic_plugin.dll"),
        &dir.join("release/panic_plugin.dll"),
    )
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    Ok(())
}

fn run_status(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed ({})", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
