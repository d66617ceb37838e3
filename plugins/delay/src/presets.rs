//! The factory presets: one file each in `presets/`, in the order a browser lists them.
plugin_kit::factory_presets! {
    plugin: crate::MixwerkDelay,
    params: crate::params::DelayParams,
    files: [],
}
