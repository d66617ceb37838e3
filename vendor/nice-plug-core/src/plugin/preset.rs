//! Mixwerk extension: factory presets a host can list and load (VST3 program lists, CLAP preset
//! discovery and `preset-load`). The plugin names them once, as complete states; the wrappers
//! enumerate them for the host and load one exactly as they load a saved state, so a preset
//! goes through the same `filter_state` migrations, rollback on failure and parameter rescan.

use super::PluginState;

/// One factory preset: what a host's browser shows and the state it loads.
#[derive(Debug, Clone)]
pub struct FactoryPreset {
    /// Unique within the plugin and kept across versions: the CLAP load key and what a host
    /// stores to find the preset again. Lower-case words joined by `-` ("vocal-presence").
    pub id: String,
    /// The name a browser shows ("Vocal presence").
    pub name: String,
    /// The browser's folder for it ("Vocals", "Drums", "Mastering").
    pub category: String,
    /// The whole state the preset stands for: every parameter (those the preset leaves out at
    /// their defaults) and the persisted fields.
    pub state: PluginState,
}
