//! `cargo xtask fuzz`: the hostile host's cases (`host_tests::adversarial`) with fresh seeds,
//! for as long as asked, on the release bundles (and optionally the allocation-checking
//! builds), in both formats.
//!
//! Each case's seed is printed before it runs, so when a plugin takes the process down (an
//! abort, a segfault, an allocation caught in an alloc-check build) the last line names the
//! seed; `--seed N` replays exactly that case.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use host_tests::adversarial::{self, Budget};
use host_tests::bundles::{
    Format, PluginUnderTest, alloc_check_builds, plugin_crates, release_bundles,
    vst3_alloc_check_builds, vst3_bundles,
};
use host_tests::cli::Args;

const USAGE: &str = "\
Usage: fuzz [--minutes N] [--seed S] [--format clap|vst3|both] [--alloc-check] [<plugin>...]
  --minutes N    run for N minutes per plugin and format (default 1; fractions allowed)
  --seed S       run only seed S (replay a failure) instead of fresh seeds
  --format F     clap, vst3 or both (default both)
  --alloc-check  also run the allocation-checking builds (target/alloc-check/)
  <plugin>       plugin crates to fuzz (default: all)";

struct Options {
    minutes: f64,
    seed: Option<u64>,
    formats: Vec<Format>,
    alloc_check: bool,
    plugins: Vec<String>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let known = plugin_crates();
    let mut o = Options {
        minutes: 1.0,
        seed: None,
        formats: vec![Format::Clap, Format::Vst3],
        alloc_check: false,
        plugins: Vec::new(),
    };
    let mut args = Args::new(args);
    while let Some(arg) = args.next_arg() {
        match arg {
            "--minutes" => {
                o.minutes = args.number("--minutes", "a positive number", |m: &f64| {
                    m.is_finite() && *m > 0.0
                })?
            }
            "--seed" => o.seed = Some(args.number("--seed", "a whole number", |_| true)?),
            "--format" => {
                let v = args.value("--format")?;
                o.formats = match v.as_str() {
                    "clap" => vec![Format::Clap],
                    "vst3" => vec![Format::Vst3],
                    "both" => vec![Format::Clap, Format::Vst3],
                    _ => return Err(format!("--format: '{v}' is not clap, vst3 or both")),
                };
            }
            "--alloc-check" => o.alloc_check = true,
            name if !name.starts_with('-') && known.iter().any(|k| k == name) => {
                o.plugins.push(name.to_owned());
            }
            other => {
                return Err(format!(
                    "unknown argument '{other}'\n\n{USAGE}\n\nPlugin crates: {}",
                    known.join(", ")
                ));
            }
        }
    }
    if o.plugins.is_empty() {
        o.plugins = known;
    }
    Ok(o)
}

fn builds(o: &Options) -> Vec<PluginUnderTest> {
    let mut all = Vec::new();
    for f in &o.formats {
        match f {
            Format::Clap => {
                all.extend(release_bundles());
                if o.alloc_check {
                    all.extend(alloc_check_builds());
                }
            }
            Format::Vst3 => {
                all.extend(vst3_bundles());
                if o.alloc_check {
                    all.extend(vst3_alloc_check_builds());
                }
            }
        }
    }
    all.retain(|p| o.plugins.iter().any(|n| n == p.expected.crate_name));
    all
}

/// Seeds from the clock, so that every long run explores new cases.
fn first_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

/// One of the hostile host's cases: the bundle, the seed, the budget.
type Case = fn(&PluginUnderTest, u64, Budget) -> host_tests::host::Result<()>;

const CASES: [(&str, Case); 4] = [
    ("automation", adversarial::automation),
    ("poison", adversarial::poison),
    ("states", adversarial::states),
    ("lifecycle", adversarial::lifecycle),
];

fn main() -> ExitCode {
    let Some(o) = host_tests::cli::from_env(parse, "error: ") else {
        return ExitCode::FAILURE;
    };
    let per_build = Duration::from_secs_f64(o.minutes * 60.0);
    let mut failures = Vec::new();
    let mut next_seed = first_seed();
    for p in builds(&o) {
        let start = Instant::now();
        let mut runs = 0u64;
        loop {
            let seed = o.seed.unwrap_or_else(|| {
                next_seed = next_seed.wrapping_add(1);
                next_seed
            });
            for (name, case) in CASES {
                print!("{} seed {seed} {name} ... ", p.label());
                let _ = std::io::stdout().flush();
                match case(&p, seed, Budget::Long) {
                    Ok(()) => println!("ok"),
                    Err(e) => {
                        println!("FAILED");
                        let line = format!(
                            "{}: seed {seed} case {name}: {e}\n  replay: cargo xtask fuzz --seed {seed} --format {} {}{}",
                            p.label(),
                            match p.format {
                                Format::Clap => "clap",
                                Format::Vst3 => "vst3",
                            },
                            if p.alloc_check { "--alloc-check " } else { "" },
                            p.expected.crate_name
                        );
                        eprintln!("{line}");
                        failures.push(line);
                    }
                }
            }
            runs += 1;
            if o.seed.is_some() || start.elapsed() >= per_build {
                break;
            }
        }
        println!(
            "{}: {runs} seeds in {:.0} s",
            p.label(),
            start.elapsed().as_secs_f64()
        );
    }
    if failures.is_empty() {
        println!("fuzz: no failure");
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "\nfuzz: {} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
        ExitCode::FAILURE
    }
}
