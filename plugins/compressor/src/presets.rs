//! The factory presets: one file each in `presets/`, in the order a browser lists them.
plugin_kit::factory_presets! {
    plugin: crate::MixwerkCompressor,
    params: crate::params::CompressorParams,
    files: [],
}
