//! The factory presets: one file each in `presets/`, in the order a browser lists them.
plugin_kit::factory_presets! {
    plugin: crate::MixwerkLimiter,
    params: crate::params::LimiterParams,
    files: [
        // Mastering
        "streaming-master-14-lufs",
        "apple-music-master-16-lufs",
        "loud-master-9-lufs",
        "gentle-master-acoustic",
        "cd-master-16-bit",
        // Broadcast
        "broadcast-ebu-r128",
        "broadcast-atsc-a85",
        "podcast-16-lufs",
        // Vocals
        "vocal-peak-limiter",
        // Drums
        "drum-bus-peak-shave",
        // Bass
        "bass-peak-control",
        // Utility
        "safety-limiter-1-dbtp",
        "master-ab-loudness-matched",
    ],
}
