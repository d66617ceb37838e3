//! Presets: factory presets shipped in the binary, user presets in the platform's preset
//! folder, and what the editor does with them (A/B, undo/redo).
//!
//! - `file`: the preset file format (TOML, one file per preset, a format version) and its
//!   errors, which always name the file's problem in words a user can act on;
//! - `resolve`: a file made into complete settings against the plugin's real parameters
//!   (unlisted parameters at their defaults; unknown ids, unreadable text or values out of
//!   range refused, never half-applied), and the settings read back from live parameters;
//! - `migrate`: renamed and added parameters, so that presets and saved states written today
//!   still load the same after a parameter changes (applied to both: `Plugin::filter_state`
//!   and preset files);
//! - `factory`: the `factory_presets!` macro that embeds a plugin's preset files and hands
//!   them to the host (`Plugin::factory_presets`) and the editor;
//! - `user`: user presets, one readable file each in the per-user folder;
//! - `model`: the editor's preset state (current preset and its modified mark, A/B, undo and
//!   redo), testable without a display.

pub mod factory;
pub mod file;
pub mod migrate;
pub mod model;
pub mod resolve;
pub mod user;

#[cfg(test)]
mod tests;

pub use file::{PresetError, PresetFile};
pub use migrate::Migration;
pub use resolve::{Preset, Settings};
