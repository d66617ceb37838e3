//! The factory presets: one file each in `presets/`, in the order a browser lists them.
plugin_kit::factory_presets! {
    plugin: crate::MixwerkLimiter,
    params: crate::params::LimiterParams,
    files: [],
}
