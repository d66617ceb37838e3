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
    /// VST3 subcategories as the factory reports them ("Fx|Eq").
    pub vst3_subcategories: &'static str,
}

pub const VENDOR: &str = "Mixwerk";

pub const EXPECTED: &[Expected] = &[
    Expected {
        crate_name: "eq",
        name: "Mixwerk EQ",
        clap_id: "org.mixwerk.eq",
        features: &["audio-effect", "equalizer", "stereo"],
        vst3_subcategories: "Fx|EQ",
    },
    Expected {
        crate_name: "compressor",
        name: "Mixwerk Compressor",
        clap_id: "org.mixwerk.compressor",
        features: &["audio-effect", "compressor", "stereo"],
        vst3_subcategories: "Fx|Dynamics",
    },
    Expected {
        crate_name: "limiter",
        name: "Mixwerk Limiter",
        clap_id: "org.mixwerk.limiter",
        features: &["audio-effect", "limiter", "mastering", "stereo"],
        vst3_subcategories: "Fx|Dynamics|Mastering",
    },
    Expected {
        crate_name: "reverb",
        name: "Mixwerk Reverb",
        clap_id: "org.mixwerk.reverb",
        features: &["audio-effect", "reverb", "stereo"],
        vst3_subcategories: "Fx|Reverb",
    },
    Expected {
        crate_name: "delay",
        name: "Mixwerk Delay",
        clap_id: "org.mixwerk.delay",
        features: &["audio-effect", "delay", "stereo"],
        vst3_subcategories: "Fx|Delay",
    },
    Expected {
        crate_name: "panner",
        name: "Mixwerk Panner",
        clap_id: "org.mixwerk.panner",
        features: &["audio-effect", "utility", "stereo"],
        vst3_subcategories: "Fx|Spatial",
    },
    Expected {
        crate_name: "chorus",
        name: "Mixwerk Chorus",
        clap_id: "org.mixwerk.chorus",
        features: &["audio-effect", "chorus", "flanger", "stereo"],
        vst3_subcategories: "Fx|Modulation",
    },
    Expected {
        crate_name: "strip",
        name: "Mixwerk Strip",
        clap_id: "org.mixwerk.strip",
        features: &["audio-effect", "mixing", "stereo", "mono"],
        vst3_subcategories: "Fx|Tools",
    },
    Expected {
        crate_name: "channel-strip",
        name: "Mixwerk Channel Strip",
        clap_id: "org.mixwerk.channel-strip",
        features: &["audio-effect", "mixing", "stereo"],
        vst3_subcategories: "Fx|Tools",
    },
];

/// The workspace root (this crate lives in `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Clap,
    Vst3,
}

/// One plugin under test, in one format and one of its two builds.
#[derive(Debug, Clone)]
pub struct PluginUnderTest {
    pub expected: Expected,
    pub format: Format,
    /// The library to load: the `.clap` file (on Linux the bundle is the shared library
    /// itself), the `.so` inside a `.vst3` bundle, or the alloc-check build's library (which
    /// exports both formats' entry points).
    pub path: PathBuf,
    /// Whether this is the `assert_process_allocs` debug build rather than the release bundle.
    pub alloc_check: bool,
}

impl PluginUnderTest {
    pub fn label(&self) -> String {
        let format = match self.format {
            Format::Clap => "CLAP",
            Format::Vst3 => "VST3",
        };
        format!(
            "{} {format}{}",
            self.expected.name,
            if self.alloc_check {
                " (alloc-check build)"
            } else {
                ""
            }
        )
    }

    /// The same plugin and build in CLAP form (the alloc-check library is both).
    pub fn clap_twin(&self) -> PluginUnderTest {
        let path = if self.alloc_check {
            self.path.clone()
        } else {
            target_dir()
                .join("bundled")
                .join(format!("{}.clap", self.expected.name))
        };
        PluginUnderTest {
            format: Format::Clap,
            path,
            ..self.clone()
        }
    }
}

fn expected_for(crate_name: &str) -> Expected {
    EXPECTED
        .iter()
        .find(|e| e.crate_name == crate_name)
        .unwrap_or_else(|| {
            panic!("plugins/{crate_name} has no expected descriptor in tests/src/bundles.rs")
        })
        .clone()
}

/// The build of `crate_name` among `builds` (from [`release_bundles`], [`alloc_check_builds`]…).
pub fn build_of(builds: Vec<PluginUnderTest>, crate_name: &str) -> PluginUnderTest {
    builds
        .into_iter()
        .find(|p| p.expected.crate_name == crate_name)
        .unwrap_or_else(|| panic!("no {crate_name} build"))
}

/// The release CLAP bundle of `crate_name`.
pub fn release_bundle(crate_name: &str) -> PluginUnderTest {
    build_of(release_bundles(), crate_name)
}

/// One build of every plugin crate, as `format`, found where `path` (given the crate and its
/// descriptor) says. Panics naming the command to run (`how`) when one is missing: a missing
/// bundle is a failure, not a skip.
fn builds(
    format: Format,
    alloc_check: bool,
    how: &str,
    path: impl Fn(&str, &Expected) -> PathBuf,
) -> Vec<PluginUnderTest> {
    plugin_crates()
        .iter()
        .map(|c| {
            let expected = expected_for(c);
            let path = path(c, &expected);
            assert!(path.exists(), "{} is missing: run {how}", path.display());
            PluginUnderTest {
                expected,
                format,
                path,
                alloc_check,
            }
        })
        .collect()
}

/// What makes the release bundles.
const BUNDLE_ALL: &str = "`cargo xtask test` (or `cargo xtask bundle-all --release` first)";

/// The release bundles `cargo xtask bundle-all --release` made, one per plugin crate.
pub fn release_bundles() -> Vec<PluginUnderTest> {
    builds(Format::Clap, false, BUNDLE_ALL, |_, e| {
        target_dir()
            .join("bundled")
            .join(format!("{}.clap", e.name))
    })
}

/// The `.vst3` bundles `cargo xtask bundle-all --release` made (their shared libraries).
pub fn vst3_bundles() -> Vec<PluginUnderTest> {
    builds(Format::Vst3, false, BUNDLE_ALL, |_, e| {
        crate::vst3_host::library_path(
            &target_dir()
                .join("bundled")
                .join(format!("{}.vst3", e.name)),
        )
    })
}

/// The `assert_process_allocs` builds `cargo xtask test` makes in `target/alloc-check/`.
pub fn alloc_check_builds() -> Vec<PluginUnderTest> {
    builds(Format::Clap, true, "`cargo xtask test`", |c, _| {
        let lib = format!(
            "{}{}{}",
            std::env::consts::DLL_PREFIX,
            c.replace('-', "_"),
            std::env::consts::DLL_SUFFIX
        );
        target_dir().join("alloc-check").join(lib)
    })
}

/// The alloc-check builds loaded as VST3 modules.
pub fn vst3_alloc_check_builds() -> Vec<PluginUnderTest> {
    alloc_check_builds()
        .into_iter()
        .map(|p| PluginUnderTest {
            format: Format::Vst3,
            ..p
        })
        .collect()
}

/// Both CLAP builds of every plugin: the release bundles (what ships) and the
/// allocation-checking builds (which abort on any allocation inside `process`).
pub fn all_builds() -> Vec<PluginUnderTest> {
    let mut all = release_bundles();
    all.extend(alloc_check_builds());
    all
}
