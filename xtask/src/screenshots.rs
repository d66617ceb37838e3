//! `cargo xtask screenshots`: every plugin's editor, photographed as a user would see it.
//!
//! Each plugin crate with a `standalone` feature is built as a standalone application
//! (release, in `target/standalone/` so the bundles are untouched), started under a private
//! Xvfb display with nice-plug's dummy audio backend and `MIXWERK_DEMO_SIGNAL` set (the
//! plugin then feeds itself `shared_dsp::demo`; the Channel Strip feeds one of its eight
//! voices into each bus and its editor sets a demo mix), given a few seconds to draw, and captured
//! with `xwd` + ImageMagick, trimmed to the window. A window that never appears or a picture
//! with hardly any colours (a blank or black editor) fails the command.
//!
//! Two generated impulse responses (decaying noise, written to
//! `target/standalone/impulse-responses/`) give the reverb's file browser something to list:
//! `MIXWERK_IR_DIR` points its browser there and `MIXWERK_DEMO_IR` preloads one (both are
//! ignored by the other plugins).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The first Xvfb display number tried; far from the usual :0/:1 of a desktop session. A
/// number whose lock file exists (another run, another user) is skipped.
const FIRST_DISPLAY: u32 = 97;
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
    std::fs::read_to_string(root.join("plugins").join(krate).join("Cargo.toml")).is_ok_and(|t| {
        t.lines()
            .any(|l| l.trim_start().starts_with("standalone ="))
    })
}

/// A display number nobody holds (no X lock file or socket for it).
fn free_display() -> Result<String> {
    (FIRST_DISPLAY..FIRST_DISPLAY + 100)
        .find(|n| {
            !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
        })
        .map(|n| format!(":{n}"))
        .context("no free X display number for Xvfb")
}

/// A stereo 16-bit WAV of exponentially decaying noise reaching −60 dB after `rt60` seconds.
fn write_demo_ir(path: &Path, seconds: f64, rt60: f64, seed: u32) -> Result<()> {
    const RATE: u32 = 48_000;
    let frames = (seconds * RATE as f64) as usize;
    let data_len = (frames * 4) as u32;
    let mut b = Vec::with_capacity(44 + data_len as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    for v in [
        16u32.to_le_bytes().as_slice(),
        &1u16.to_le_bytes(),
        &2u16.to_le_bytes(),
        &RATE.to_le_bytes(),
        &(RATE * 4).to_le_bytes(),
        &4u16.to_le_bytes(),
        &16u16.to_le_bytes(),
    ] {
        b.extend_from_slice(v);
    }
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    let mut state = seed.max(1);
    let mut noise = || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as f64 / u32::MAX as f64 * 2.0 - 1.0
    };
    for i in 0..frames {
        let envelope = 10f64.powf(-3.0 * i as f64 / RATE as f64 / rt60);
        for _ in 0..2 {
            let v = (noise() * envelope * 0.5 * i16::MAX as f64) as i16;
            b.extend_from_slice(&v.to_le_bytes());
        }
    }
    std::fs::write(path, b).with_context(|| format!("cannot write {}", path.display()))
}

/// The demo impulse responses' folder, and the one to preload.
fn demo_impulse_responses(root: &Path) -> Result<(PathBuf, PathBuf)> {
    let dir = root.join("target/standalone/impulse-responses");
    std::fs::create_dir_all(&dir)?;
    write_demo_ir(&dir.join("Demo Room.wav"), 0.8, 0.6, 7)?;
    let hall = dir.join("Demo Hall.wav");
    write_demo_ir(&hall, 2.6, 2.2, 11)?;
    Ok((dir, hall))
}

fn need(tool: &str, package: &str) -> Result<()> {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()?
        .success();
    if !found {
        bail!("'{tool}' is missing: install the Debian package '{package}' (see .ci/run)");
    }
    Ok(())
}

pub fn run(root: &Path, plugins: &[String], args: &[String]) -> Result<()> {
    // Plugin crates to photograph (all of them when none is named).
    if let Some(arg) = args.iter().find(|a| !plugins.contains(a)) {
        bail!(
            "unknown argument '{arg}' for screenshots (plugin crates: {})",
            plugins.join(", ")
        );
    }
    let plugins = if args.is_empty() { plugins } else { args };
    need("Xvfb", "xvfb")?;
    need("xwd", "x11-apps")?;
    need("convert", "imagemagick")?;
    let with_editor: Vec<&String> = plugins.iter().filter(|p| has_standalone(root, p)).collect();
    if with_editor.is_empty() {
        bail!("no plugin crate has a `standalone` feature");
    }
    let mut build = vec![
        "build".to_owned(),
        "--release".into(),
        "--target-dir".into(),
        "target/standalone".into(),
        "--bins".into(),
    ];
    let mut features = Vec::new();
    for p in &with_editor {
        build.extend(["-p".to_owned(), (*p).clone()]);
        features.push(format!("{p}/standalone"));
    }
    build.extend(["--features".to_owned(), features.join(",")]);
    crate::cargo(&build.iter().map(String::as_str).collect::<Vec<_>>())?;

    let out_dir = root.join("docs/screenshots");
    std::fs::create_dir_all(&out_dir)?;
    let irs = demo_impulse_responses(root)?;
    let display = free_display()?;
    let _xvfb = Killed(
        Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1600x1200x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start Xvfb")?,
    );
    std::thread::sleep(Duration::from_secs(1));
    let mut failures = Vec::new();
    for p in with_editor {
        let views = VIEWS
            .iter()
            .filter(|(krate, _)| krate == p)
            .map(|(_, view)| Some(*view));
        for view in std::iter::once(None).chain(views) {
            let name = shot_name(p, view);
            match shoot(root, p, view, &out_dir, &display, &irs) {
                Ok(colours) => println!("{p}: docs/screenshots/{name}.png ({colours} colours)"),
                Err(e) => {
                    println!("{name}: FAILED: {e:#}");
                    failures.push(name);
                }
            }
        }
    }
    if !failures.is_empty() {
        bail!("no usable screenshot for: {}", failures.join(", "));
    }
    Ok(())
}

/// Further views photographed besides an editor's first one: (crate, view). The standalone
/// opens `view` when `MIXWERK_DEMO_VIEW` names it; the picture is `<crate>-<view>.png`.
const VIEWS: &[(&str, &str)] = &[
    ("channel-strip", "masking"),
    ("channel-strip", "linked"),
    ("strip", "masking"),
];

fn shot_name(krate: &str, view: Option<&str>) -> String {
    match view {
        Some(v) => format!("{krate}-{v}"),
        None => krate.to_owned(),
    }
}

fn shoot(
    root: &Path,
    krate: &str,
    view: Option<&str>,
    out_dir: &Path,
    display: &str,
    (ir_dir, ir): &(PathBuf, PathBuf),
) -> Result<usize> {
    let binary = root
        .join("target/standalone/release")
        .join(format!("mixwerk-{krate}"));
    let log = std::fs::File::create(root.join(format!("target/standalone/{krate}.log")))?;
    let mut app = Killed(
        Command::new(&binary)
            .args(["--backend", "dummy"])
            .env("DISPLAY", display)
            .env("MIXWERK_DEMO_SIGNAL", "1")
            .env("MIXWERK_IR_DIR", ir_dir)
            .env("MIXWERK_DEMO_IR", ir)
            .env("MIXWERK_DEMO_VIEW", view.unwrap_or(""))
            // As in a host: Mixwerk Strips link (cargo's config unlinks what cargo runs).
            .env("MIXWERK_LINK", "on")
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?,
    );
    std::thread::sleep(SETTLE);
    if let Some(status) = app.0.try_wait()? {
        bail!("the standalone exited early ({status}); see target/standalone/{krate}.log");
    }
    let png = out_dir.join(format!("{}.png", shot_name(krate, view)));
    let status = Command::new("sh")
        .args([
            "-c",
            &format!(
                "xwd -root -silent -display {display} | convert xwd:- -trim +repage '{}'",
                png.display()
            ),
        ])
        .status()?;
    if !status.success() {
        bail!("capturing the screen failed");
    }
    drop(app);
    let colours = Command::new("convert")
        .args([
            png.as_os_str(),
            "-format".as_ref(),
            "%k".as_ref(),
            "info:".as_ref(),
        ])
        .output()?;
    let colours: usize = String::from_utf8_lossy(&colours.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    if colours < MIN_COLOURS {
        bail!("the picture has only {colours} colours: the editor did not render");
    }
    Ok(colours)
}
