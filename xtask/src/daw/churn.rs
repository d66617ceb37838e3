//! The crash check of `cargo xtask daw-test` (part 6): each plugin inserted, removed and
//! inserted again while the engine runs, at 44.1, 48 and 96 kHz.
//!
//! Users add and remove plugins during playback; a plugin that frees what its audio thread
//! still uses, or that leaves a sample-rate dependent buffer sized for 48 kHz, crashes the
//! host there and not in an offline render. `tests/daw/churn.lua` does it with the transport
//! rolling over the audio; a crash fails the check with Ardour's log (and the crashing
//! thread's backtrace when gdb is installed). The new instance must then process: the
//! export is judged like the default-settings check (the plugin's entry in `PLUGINS`, with
//! the Delay's echo at half a second at the session's rate).

use std::ffi::OsStr;

use super::audio::{Expect, judge_at, read_wav_at, test_signal_at, write_wav_at};
use super::{Check, PLUGINS};

const RATES: [u32; 3] = [44_100, 48_000, 96_000];
/// Process cycles between the steps: with the Dummy backend's 1024-sample buffers, 10 cycles
/// are about 0.2 s at 48 kHz, so the whole churn fits in the region at 96 kHz.
const CYCLES: &str = "10";

pub(super) fn checks(plugins: &[&'static str]) -> Vec<Check> {
    let mut checks = Vec::new();
    for &(plugin, expect) in PLUGINS.iter().filter(|(p, _)| plugins.contains(p)) {
        for rate in RATES {
            let expect = match expect {
                Expect::Echoes { wet_db, .. } => Expect::Echoes {
                    delay: rate as usize / 2,
                    wet_db,
                },
                other => other,
            };
            let label = format!(
                "{plugin}: inserted, removed, re-inserted while rolling at {} kHz",
                f64::from(rate) / 1000.0
            );
            checks.push(Check::new(label, move |ctx, dir| {
                std::fs::create_dir_all(dir)?;
                let signal = test_signal_at(rate);
                let input = dir.join("input.wav");
                write_wav_at(&input, &signal, rate)?;
                let args: [&OsStr; 4] = [
                    plugin.as_ref(),
                    input.as_os_str(),
                    dir.as_os_str(),
                    CYCLES.as_ref(),
                ];
                if let Err(err) = ctx.ardour.session(dir, rate, &["in"], "churn.lua", &args) {
                    return Err(never_retried(err, &dir.join("churn.lua.log")));
                }
                let export = read_wav_at(&dir.join("export").join("daw-test.wav"), rate)?;
                let rolled = std::fs::read_to_string(dir.join("churn.lua.log"))
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| l.starts_with("ROLLING at "))
                    .filter_map(|l| l.split_whitespace().nth(2).map(str::to_owned))
                    .collect::<Vec<_>>()
                    .join("/");
                Ok(format!(
                    "no crash, churned at samples {rolled}; the new instance: {}",
                    judge_at(&signal, &export, expect, rate)?
                ))
            }));
        }
    }
    checks
}

/// A crash while the plugin is being inserted and removed is what this check looks for:
/// such a crash is never run again as one of Ardour's own (see `with_retries`), even when no
/// plugin frame is on the crashing thread's stack (a freed instance's memory used later by
/// Ardour). Crashes before the churn (making the session) or after it (Ardour's export
/// teardown, see lib.lua) are left to the usual policy.
fn never_retried(err: anyhow::Error, log: &std::path::Path) -> anyhow::Error {
    let log = std::fs::read_to_string(log).unwrap_or_default();
    if !log.contains("ROLLING at ") || log.contains("RESTARTED ") {
        return err;
    }
    let text = format!("{err:#}")
        .replace("(SIGSEGV)", "[SIGSEGV]")
        .replace("(SIGABRT)", "[SIGABRT]");
    anyhow::anyhow!("crashed during the churn (not retried): {text}")
}
