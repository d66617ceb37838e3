//! Where the built plugins are, and what each one must say about itself.
//!
//! The expected descriptors are written here from `DESIGN.md`'s table, independently of the
//! plugin crates, so a wrong id or feature in a plugin fails the battery. Every crate under
//! `plugins/` must have an entry: a new plugin joins the battery by existing.

use std::path::{Path, PathBuf};

/// What a plugin's factory must report (CLAP side).
#[derive(Debug, Clone)]
pub struct Expected {
    pub crate_name: &'static str,
    pub name: &'static str,
    pub clap_id: &'static str,
    pub features: &'static [&'static str],
}

pub const VENDOR: &str = "Mixwerk";

pub const EXPECTED: &[Expected] = &[
    Expected { crate_name: "eq", name: "Mixwerk EQ", clap_id: "org.mixwerk.eq", features: &["audio-effect", "equalizer", "stereo"] },
    Expected { crate_name: "compressor", name: "Mixwerk Compressor", clap_id: "org.mixwerk.compressor", features: &["audio-effect", "compressor", "stereo"] },
    Expected { crate_name: "limiter", name: "Mixwerk Limiter", clap_id: "org.mixwerk.limiter", features: &["audio-effect", "limiter", "mastering", "stereo"] },
    Expected { crate_name: "reverb", name: "Mixwerk Reverb", clap_id: "org.mixwerk.reverb", features: &["audio-effect", "reverb", "stereo"] },
    Expected { crate_name: "delay", name: "Mixwerk Delay", clap_id: "org.mixwerk.delay", features: &["audio-effect", "delay", "stereo"] },
    Expected { crate_name: "panner", name: "Mixwerk Panner", clap_id: "org.mixwerk.panner", features: &["audio-effect", "utility", "stereo"] },
    Expected { crate_name: "channel-strip", name: "Mixwerk Channel Strip", clap_id: "org.mixwerk.channel-strip", features: &["audio-effect", "mixing", "stereo"] },
];

/// The workspace root (this crate lives in `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

/// The plugin crates that exist, by directory name under `plugins/`.
pub fn plugin_crates() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace_root().join("plugins"))
        .expect("plugins/ is readable")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// One plugin under test, in one of its two builds.
#[derive(Debug, Clone)]
pub struct PluginUnderTest {
    pub expected: Expected,
    /// The `.clap` file (on Linux the bundle is the shared library itself).
    pub path: PathBuf,
    /// Whether this is the `assert_process_allocs` debug build rather than the release bundle.
    pub alloc_check: bool,
}

impl PluginUnderTest {
    pub fn label(&self) -> String {
        format!("{}{}", self.expected.name, if self.alloc_check { " (alloc-check build)" } else { "" })
    }
}

fn expected_for(crate_name: &str) -> Expected {
    EXPECTED
        .iter()
        .find(|e| e.crate_name == crate_name)
        .unwrap_or_else(|| panic!("plugins/{crate_name} has no expected descriptor in tests/src/bundles.rs"))
        .clone()
}

/// The release bundles `cargo xtask bundle-all --release` made, one per plugin crate.
/// Panics with the command to run when one is missing: a missing bundle is a failure, not a skip.
pub fn release_bundles() -> Vec<PluginUnderTest> {
    plugin_crates()
        .iter()
        .map(|c| {
            let expected = expected_for(c);
            let path = target_dir().join("bundled").join(format!("{}.clap", expected.name));
            assert!(path.exists(), "{} is missing: run `cargo xtask test` (or `cargo xtask bundle-all --release` first)", path.display());
            PluginUnderTest { expected, path, alloc_check: false }
        })
        .collect()
}

/// The `assert_process_allocs` builds `cargo xtask test` makes in `target/alloc-check/`.
pub fn alloc_check_builds() -> Vec<PluginUnderTest> {
    plugin_crates()
        .iter()
        .map(|c| {
            let expected = expected_for(c);
            let lib = format!("{}{}{}", std::env::consts::DLL_PREFIX, c.replace('-', "_"), std::env::consts::DLL_SUFFIX);
            let path = target_dir().join("alloc-check").join(lib);
            assert!(path.exists(), "{} is missing: run `cargo xtask test`", path.display());
            PluginUnderTest { expected, path, alloc_check: true }
        })
        .collect()
}

/// Both builds of every plugin: the release bundles (what ships) and the allocation-checking
/// builds (which abort on any allocation inside `process`).
pub fn all_builds() -> Vec<PluginUnderTest> {
    let mut all = release_bundles();
    all.extend(alloc_check_builds());
    all
}
