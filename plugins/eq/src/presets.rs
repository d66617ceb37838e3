//! The factory presets: one file each in `presets/`, in the order a browser lists them.
plugin_kit::factory_presets! {
    plugin: crate::MixwerkEq,
    params: crate::params::EqParams,
    files: [
        // Vocals
        "vocal-presence",
        "vocal-de-harsh",
        "vocal-air",
        "podcast-voice",
        // Drums
        "kick-punch",
        "snare-body-crack",
        "overheads-clean",
        // Bass
        "bass-definition",
        // Guitars
        "electric-guitar-fit",
        "acoustic-guitar-sparkle",
        // Keys
        "piano-clarity",
        "pad-tuck-behind-vocal",
        // Mastering
        "master-polish",
        "master-tilt-brighter",
        "mono-bass-120-hz",
        "wider-top-side-shelf",
        // Creative
        "telephone-voice",
        // Utility
        "rumble-cut-30-hz",
        "hum-removal-50-hz",
        "hum-removal-60-hz",
    ],
}
