//! The factory presets: one file each in `presets/`, in the order a browser lists them.
plugin_kit::factory_presets! {
    plugin: crate::MixwerkChannelStrip,
    params: crate::params::StripParams,
    files: [
        // Consoles
        "band-console",
        "podcast-console",
        "electronic-console",
        "hip-hop-console",
        "singer-songwriter-console",
        "live-stream-console",
        // Drums
        "drum-kit-console",
        // Vocals
        "vocal-stack-console",
        // Mastering
        "stem-master",
        "stereo-mix-finish",
        // Utility
        "clean-summing",
    ],
}
