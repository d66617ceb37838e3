//! The test-only plugin `tests/panic-plugin` (panics on demand, probes the float mode), which
//! `tests/panic_safety.rs` and `tests/denormals.rs` load through both harnesses. It is one
//! shared library exporting the CLAP and the VST3 entry points; the harnesses load it
//! directly (a `.vst3` bundle directory only tells a DAW where that library is).

use std::path::PathBuf;

use crate::bundles::target_dir;
use crate::host::{self, ParamChange, Result};
use crate::vst3_host;

pub const CLAP_ID: &str = "org.mixwerk.test.panic";
/// The plugin's name, which is also its VST3 class name.
pub const NAME: &str = "Panic Test";

/// Stereo blocks as both harnesses take them: `[port][channel][sample]`.
pub type Block = Vec<Vec<Vec<f32>>>;

/// The release build `cargo build --release -p panic-plugin` makes (`cargo xtask test` does).
/// Not an `assert_process_allocs` build: raising a panic allocates its payload, which such a
/// build treats as a real-time violation in `process` itself and aborts.
pub fn library() -> PathBuf {
    let path = target_dir().join("release").join(format!(
        "{}panic_plugin{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --release -p panic-plugin` (`cargo xtask test` does)",
        path.display()
    );
    path
}

pub fn clap_instance() -> host::Instance {
    host::Bundle::load(&library())
        .expect("the panic plugin loads as CLAP")
        .instantiate(CLAP_ID)
        .expect("instantiate")
}

pub fn vst3_instance() -> vst3_host::Instance {
    let module = vst3_host::Module::load(&library()).expect("the panic plugin loads as VST3");
    let classes = module.classes().expect("classes");
    let class = classes
        .iter()
        .find(|c| c.name == NAME)
        .expect("a VST3 class named Panic Test");
    module.instantiate(&class.cid).expect("instantiate")
}

/// A CLAP instance active at `rate` for blocks of up to `block`, and the id of its
/// parameter `name`.
pub fn active_clap(name: &str, rate: f64, block: usize) -> (host::Instance, u32) {
    let mut plugin = clap_instance();
    let id = host::param_id(&plugin.params().expect("params"), name);
    plugin.activate(rate, block as u32).expect("activate");
    (plugin, id)
}

/// A VST3 instance active at `rate` for blocks of up to `block`, and the id of its
/// parameter `name`.
pub fn active_vst3(name: &str, rate: f64, block: usize) -> (vst3_host::Instance, u32) {
    let mut plugin = vst3_instance();
    let id = vst3_param(&plugin, name);
    plugin.activate(rate, block as i32).expect("activate");
    (plugin, id)
}

/// The VST3 id of the parameter titled `title`.
pub fn vst3_param(plugin: &vst3_host::Instance, title: &str) -> u32 {
    plugin
        .params()
        .expect("params")
        .into_iter()
        .find(|p| p.title == title)
        .unwrap_or_else(|| panic!("no VST3 parameter {title:?}"))
        .id
}

/// One format's process call, so that a scenario is written once for both harnesses.
pub trait ProcessBlock {
    fn process_block(
        &mut self,
        input: &mut Block,
        output: &mut Block,
        changes: &[ParamChange],
    ) -> Result<()>;
}

impl ProcessBlock for host::Instance {
    fn process_block(
        &mut self,
        input: &mut Block,
        output: &mut Block,
        changes: &[ParamChange],
    ) -> Result<()> {
        self.process(input, output, changes).map(|_| ())
    }
}

impl ProcessBlock for vst3_host::Instance {
    fn process_block(
        &mut self,
        input: &mut Block,
        output: &mut Block,
        changes: &[ParamChange],
    ) -> Result<()> {
        self.process(input, output, changes, None)
    }
}

/// A change of parameter `id` to `value` at sample `offset`.
pub fn set(id: u32, offset: u32, value: f64) -> [ParamChange; 1] {
    [ParamChange { offset, id, value }]
}
