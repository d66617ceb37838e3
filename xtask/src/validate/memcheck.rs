//! The memory check of `cargo xtask validate`: every CLAP bundle renders the DAW test's
//! programme (noise, a sweep, drum hits; 4 s) through our own host (`clap_render`) under
//! Valgrind's memcheck, once at its defaults and once with the settings of the DAW test's
//! reference check, and must come out with no error: no read or write outside a block, no
//! use of uninitialised memory, no invalid free, on the audio thread or the plugin's own.
//!
//! Why: Ardour 7.3 corrupts its own heap while exporting (tests/daw/lib.lua), and glibc
//! sometimes notices while one of our plugins frees memory, so the DAW test retries such a
//! crash. That is only fair if our plugins are shown not to corrupt memory themselves; this
//! check shows it, and would catch a plugin that did (an overrun in a SIMD kernel, a bad
//! index in a ring buffer) far more reliably than a crash in a host.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::daw::audio::{test_signal, write_wav};
use crate::daw::reference;

/// Valgrind's exit status when it found errors (`--error-exitcode`).
const ERRORS: i32 = 99;

pub(super) fn run(
    bundled: &Path,
    names: &[&String],
    require: bool,
    failures: &mut Vec<String>,
) -> Result<()> {
    let Some(valgrind) = which("valgrind") else {
        if require {
            bail!("valgrind not found: the memory check needs it (apt-get install valgrind)");
        }
        println!("SKIPPED: memcheck (valgrind not found; apt-get install valgrind)");
        return Ok(());
    };
    let render = reference::clap_render()?;
    let dir = bundled.join("..").join("memcheck");
    std::fs::create_dir_all(&dir)?;
    let input = dir.join("input.wav");
    write_wav(&input, &test_signal())?;
    let output = dir.join("output.wav");
    for name in names {
        let bundle = bundled.join(format!("{name}.clap"));
        for settings in [&[][..], reference::settings(name)] {
            let start = Instant::now();
            let out = Command::new(&valgrind)
                .args(["--tool=memcheck", "--error-exitcode=99", "--quiet"])
                .args(["--trace-children=no", "--num-callers=24"])
                .arg(&render)
                .arg(&bundle)
                .arg(&input)
                .arg(&output)
                .args(settings)
                .output()
                .with_context(|| format!("cannot run {}", valgrind.display()))?;
            let what = if settings.is_empty() {
                "defaults".to_owned()
            } else {
                settings.join(", ")
            };
            match out.status.code() {
                Some(0) => println!(
                    "memcheck {name} ({what}): no error ({:.1} s)",
                    start.elapsed().as_secs_f64()
                ),
                Some(ERRORS) => {
                    println!("{}", String::from_utf8_lossy(&out.stderr));
                    failures.push(format!("memcheck {name} ({what}): Valgrind found errors"));
                }
                _ => {
                    println!(
                        "{}{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    );
                    failures.push(format!("memcheck {name} ({what}): {}", out.status));
                }
            }
        }
    }
    Ok(())
}

fn which(tool: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}
