//! The factory presets: one file each in `presets/`, in the order a browser lists them.
plugin_kit::factory_presets! {
    plugin: crate::MixwerkStrip,
    params: crate::params::StripParams,
    files: [
        // Drums
        "kick-punch",
        "snare-crack",
        "overheads-air",
        // Bass
        "bass-solid",
        // Guitars
        "acoustic-guitar-clear",
        "electric-guitar-bite",
        // Keys
        "piano-open",
        // Vocals
        "lead-vocal-upfront",
        "backing-vocals-tucked",
        // Utility
        "clean-gain-stage",
    ],
}
