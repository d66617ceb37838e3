//! The factory presets: one file each in `presets/`, in the order a browser lists them.
plugin_kit::factory_presets! {
    plugin: crate::MixwerkDelay,
    params: crate::params::DelayParams,
    files: [
        // Vocals
        "slapback-90-ms",
        "vocal-eighth-dotted-ducked",
        "vocal-throw-1-4",
        // Guitars
        "guitar-dotted-eighth",
        "stereo-doubler-15-23-ms",
        // Keys
        "ping-pong-eighth",
        "triplet-bounce-quarter",
        // Drums
        "snare-sixteenth-echo",
        // Creative
        "tape-echo-quarter",
        "dub-echo-3-16",
        "runaway-feedback",
        "ambient-half-dotted",
        // Utility
        "send-return-eighth",
        "short-room-echo-40-ms",
    ],
}
