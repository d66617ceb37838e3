//! The factory presets: one file each in `presets/`, in the order a browser lists them.
plugin_kit::factory_presets! {
    plugin: crate::MixwerkCompressor,
    params: crate::params::CompressorParams,
    files: [
        // Vocals
        "vocal-level",
        "vocal-upfront",
        "vocal-peak-catcher",
        "voice-over-smooth",
        // Drums
        "kick-punch",
        "snare-snap",
        "drum-bus-glue",
        "drum-parallel-smash",
        "room-mics-crush",
        // Bass
        "bass-even",
        // Guitars
        "acoustic-guitar-gentle",
        // Keys
        "piano-smooth",
        // Bus
        "bus-glue-2-db",
        // Mastering
        "mix-bus-gentle-1-db",
        "mid-side-glue",
        // Creative
        "sidechain-pump",
        // Utility
        "voice-over-ducker",
        "peak-stopper",
    ],
}
