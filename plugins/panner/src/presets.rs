//! The factory presets: one file each in `presets/`, in the order a browser lists them.
plugin_kit::factory_presets! {
    plugin: crate::MixwerkPanner,
    params: crate::params::PannerParams,
    files: [
        // Drums
        "hi-hat-30-right",
        "overheads-narrowed-80",
        // Bass
        "bass-mono-centre",
        // Guitars
        "guitar-double-left",
        "guitar-double-right",
        // Keys
        "piano-stereo-70",
        "pad-stereo-pan-left",
        // Vocals
        "backing-vocals-wide",
        // Creative
        "super-wide-180",
        // Utility
        "mono-check",
        "swap-left-right",
        "polarity-flip-both",
        "fix-inverted-right",
        "trim-minus-6-db",
    ],
}
