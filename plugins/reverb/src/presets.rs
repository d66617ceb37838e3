//! The factory presets: one file each in `presets/`, in the order a browser lists them.
plugin_kit::factory_presets! {
    plugin: crate::MixwerkReverb,
    params: crate::params::ReverbParams,
    files: [
        // Vocals
        "vocal-plate-1-2-s",
        "vocal-hall-2-4-s",
        "vocal-ambience-0-6-s",
        "vocal-plate-ir-1-6-s",
        // Drums
        "drum-room-0-8-s",
        "snare-plate-1-6-s",
        "drum-ambience-insert",
        "small-room-ir-0-5-s",
        // Guitars
        "acoustic-chamber-1-4-s",
        "guitar-spring-ir",
        "studio-room-ir-0-8-s",
        // Keys
        "piano-hall-2-2-s",
        // Orchestral
        "strings-hall-ir-2-2-s",
        "chamber-ir-1-2-s",
        // Creative
        "ambient-wash-8-s",
        "cathedral-ir-4-s",
    ],
}
