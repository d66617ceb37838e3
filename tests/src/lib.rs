//! The Mixwerk host harness: loads the built bundles through real host code and checks every
//! plugin the same way (see `tests/clap_battery.rs`); `bench` times them.

pub mod adversarial;
pub mod battery;
pub mod bundles;
pub mod cli;
pub mod cpu_time;
pub mod host;
pub mod hosted;
pub mod main_loop;
pub mod panic_plugin;
pub mod presets;
pub mod reverb_files;
pub mod signals;
pub mod vst3_host;
