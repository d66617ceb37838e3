//! The factory presets: one file each in `presets/`, in the order a browser lists them.
plugin_kit::factory_presets! {
    plugin: crate::MixwerkChorus,
    params: crate::params::ChorusParams,
    files: [
        // Guitars
        "clean-guitar-chorus",
        "eighties-guitar-shimmer",
        // Keys
        "pad-ensemble-wide",
        "electric-piano-chorus",
        // Strings
        "string-ensemble",
        // Vocals
        "vocal-doubler-subtle",
        // Bass
        "bass-chorus-low-safe",
        // Drums
        "drum-bus-flanger-sweep",
        "jet-flanger-through-zero",
        // Creative
        "synth-vibrato-quarter",
        "tape-wobble-vibrato",
        "negative-flanger-metallic",
    ],
}
