//! `cargo xtask screenshots`: every plugin's editor, photographed as a user would see it.
//!
//! Each plugin crate with a `standalone` feature is built as a standalone application
//! (release, in `target/standalone/` so the bundles are untouched), started under a private
//! Xvfb display with nice-plug's dummy audio backend and `MIXWERK_DEMO_SIGNAL` set (the
//! plugin then feeds itself `shared_dsp::demo`), given a few seconds to draw, and captured
//! with `xwd` + ImageMagick, trimmed to the window. A window that never appears or a picture
//! with hardly any colours (a blank or black editor) fails the command.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The Xvfb display the screenshots use; far from the usual :0/:1 of a desktop session.
const DISPLAY: &str = ":97";
/// Time for the editor to open and the demo signal to fill its meters.
const SETTLE: Duration = Duration::from_secs(5);
/// A rendered editor has text, controls and meters: far more colours than this.
const MIN_COLOURS: usize = 64;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn has_standalone(root: &Path, krate: &str) -> bool {
    std::fs::read_to_string(root.join("plugins").join(krate).join("Cargo.toml"))
        .is_ok_and(|t| t.lines().any(|l| l.trim_start().starts_with("standalone =")))
}

fn need(tool: &str, package: &str) -> Result<()> {
    let found = Command::new("sh").args(["-c", &format!("command -v {tool}")]).stdout(Stdio::null()).status()?.success();
    if !found {
        bail!("'{tool}' is missing: install the Debian package '{package}' (see .ci/run)");
    }
    Ok(())
}

pub fn run(root: &Path, plugins: &[String], args: &[String]) -> Result<()> {
    if let Some(arg) = args.first() {
        bail!("unknown argument '{arg}' for screenshots");
    }
    need("Xvfb", "xvfb")?;
    need("xwd", "x11-apps")?;
    need("convert", "imagemagick")?;
    let with_editor: Vec<&String> = plugins.iter().filter(|p| has_standalone(root, p)).collect();
    if with_editor.is_empty() {
        bail!("no plugin crate has a `standalone` feature");
    }
    let mut build = vec!["build".to_owned(), "--release".into(), "--target-dir".into(), "target/standalone".into(), "--bins".into()];
    let mut features = Vec::new();
    for p in &with_editor {
        build.extend(["-p".to_owned(), (*p).clone()]);
        features.push(format!("{p}/standalone"));
    }
    build.extend(["--features".to_owned(), features.join(",")]);
    crate::cargo(&build.iter().map(String::as_str).collect::<Vec<_>>())?;

    let out_dir = root.join("docs/screenshots");
    std::fs::create_dir_all(&out_dir)?;
    let _xvfb = Killed(
        Command::new("Xvfb")
            .args([DISPLAY, "-screen", "0", "1600x1200x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start Xvfb")?,
    );
    std::thread::sleep(Duration::from_secs(1));
    let mut failures = Vec::new();
    for p in with_editor {
        match shoot(root, p, &out_dir) {
            Ok(colours) => println!("{p}: docs/screenshots/{p}.png ({colours} colours)"),
            Err(e) => {
                println!("{p}: FAILED: {e:#}");
                failures.push(p.clone());
            }
        }
    }
    if !failures.is_empty() {
        bail!("no usable screenshot for: {}", failures.join(", "));
    }
    Ok(())
}

fn shoot(root: &Path, krate: &str, out_dir: &Path) -> Result<usize> {
    let binary = root.join("target/standalone/release").join(format!("mixwerk-{krate}"));
    let log = std::fs::File::create(root.join(format!("target/standalone/{krate}.log")))?;
    let mut app = Killed(
        Command::new(&binary)
            .args(["--backend", "dummy"])
            .env("DISPLAY", DISPLAY)
            .env("MIXWERK_DEMO_SIGNAL", "1")
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?,
    );
    std::thread::sleep(SETTLE);
    if let Some(status) = app.0.try_wait()? {
        bail!("the standalone exited early ({status}); see target/standalone/{krate}.log");
    }
    let png = out_dir.join(format!("{krate}.png"));
    let status = Command::new("sh")
        .args(["-c", &format!("xwd -root -silent -display {DISPLAY} | convert xwd:- -trim +repage '{}'", png.display())])
        .status()?;
    if !status.success() {
        bail!("capturing the screen failed");
    }
    drop(app);
    let colours = Command::new("convert").args([png.as_os_str(), "-format".as_ref(), "%k".as_ref(), "info:".as_ref()]).output()?;
    let colours: usize = String::from_utf8_lossy(&colours.stdout).trim().parse().unwrap_or(0);
    if colours < MIN_COLOURS {
        bail!("the picture has only {colours} colours: the editor did not render");
    }
    Ok(colours)
}
