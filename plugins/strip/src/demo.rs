//! Standalone builds only (`--features standalone`, for `cargo xtask screenshots` and for
//! trying the console without a host): with `MIXWERK_DEMO_SIGNAL` set, this strip plays the
//! "Vocal" demo voice, and the seven other demo tracks of `plugin_kit::link::demo` join the
//! link beside it, processed inside this instance's `process`.

use nice_plug::prelude::*;
use plugin_kit::link::demo::{TRACKS, set, track_info};
use shared_dsp::demo::DemoSignal;

use crate::params::StripParams;

pub use plugin_kit::demo::wanted;
pub use plugin_kit::link::demo::DemoPeers;

/// This strip's demo track: the last.
const OWN: usize = TRACKS.len() - 1;

/// This strip's demo track.
pub fn own_track() -> TrackInfo {
    track_info(OWN)
}

/// The other demo tracks, beside this strip.
pub fn peers(sample_rate: f32, max_block: usize) -> Option<DemoPeers> {
    DemoPeers::from_env(sample_rate, max_block, 0..OWN)
}

/// This strip's own voice.
pub fn own_voice(sample_rate: f32) -> DemoSignal {
    DemoSignal::voice(sample_rate, OWN)
}

/// This strip's own demo settings ("Vocal"), set through the editor's gestures.
pub fn apply_own_mix(params: &StripParams, setter: &ParamSetter) {
    let s = &params.strip;
    set(setter, &s.high_pass_on, true);
    set(setter, &s.high_pass, 90.0);
    set(setter, &s.eq_on, true);
    set(setter, &s.mid1_freq, 250.0);
    set(setter, &s.mid1_gain, -2.0);
    set(setter, &s.mid2_freq, 4_000.0);
    set(setter, &s.mid2_gain, 2.5);
    set(setter, &s.high_shelf_gain, 4.0);
    set(setter, &s.comp_on, true);
    set(setter, &s.comp_threshold, -28.0);
    set(setter, &s.fader, 1.5);
}
