//! Standalone builds only (`--features standalone`, for `cargo xtask screenshots` and for
//! trying the console without a host): with `MIXWERK_DEMO_SIGNAL` set, every bus plays one of
//! `shared_dsp::demo`'s eight voices instead of its (silent) input, and the editor sets a demo
//! mix when it opens (channel names, a few gates, EQs, compressors and sends, glue and limiter
//! on), as a user would, through the host gestures. The standalone wrapper's audio backends
//! offer the aux inputs but nothing to connect to them; this is the test hook that fills them.
//! With `MIXWERK_DEMO_VIEW=linked` as well, the eight demo tracks of `plugin_kit::link::demo`
//! join the link beside it, as Mixwerk Strips on other tracks would, for the Linked tracks
//! panel's screenshot.

use nice_plug::prelude::*;
use shared_dsp::demo::DemoSignal;
use shared_dsp::strip::CHANNELS;

use crate::params::{GlueRatioParam, StripParams};

/// One demo voice per bus.
pub struct DemoBuses {
    voices: [DemoSignal; CHANNELS],
}

pub use plugin_kit::demo::wanted;
use plugin_kit::link::demo::{DemoPeers, TRACKS};

/// The view `cargo xtask screenshots` asks the editor to open (`MIXWERK_DEMO_VIEW`).
pub fn view() -> Option<String> {
    std::env::var("MIXWERK_DEMO_VIEW").ok().filter(|_| wanted())
}

/// Linked demo tracks beside the console, when its Linked tracks panel is to be shown.
pub fn linked_tracks(sample_rate: f32, max_block: usize) -> Option<DemoPeers> {
    if view().as_deref() != Some("linked") {
        return None;
    }
    DemoPeers::from_env(sample_rate, max_block, 0..TRACKS.len())
}

impl DemoBuses {
    pub fn from_env(sample_rate: f32) -> Option<Self> {
        wanted().then(|| Self {
            voices: core::array::from_fn(|k| DemoSignal::voice(sample_rate, k)),
        })
    }

    /// Overwrites every bus's input with its voice: the main pair is bus 1, then the aux ports
    /// (8 and 4 Buses) or the further pairs of the wide main input (16 Channels).
    pub fn fill(&mut self, buffer: &mut Buffer, aux: &mut AuxiliaryBuffers) {
        let mut voices = self.voices.iter_mut();
        for pair in buffer.as_slice().chunks_exact_mut(2) {
            if let (Some(voice), [l, r]) = (voices.next(), pair) {
                voice.fill(l, r);
            }
        }
        for port in aux.inputs.iter_mut() {
            if let (Some(voice), [l, r, ..]) = (voices.next(), port.as_slice()) {
                voice.fill(l, r);
            }
        }
    }
}

/// Sets `param` to `value` as one gesture.
fn set<P: Param>(setter: &ParamSetter, param: &P, value: P::Plain) {
    setter.begin_set_parameter(param);
    setter.set_parameter(param, value);
    setter.end_set_parameter(param);
}

/// The demo mix the editor sets when it opens in a demo standalone.
pub fn apply_mix(params: &StripParams, setter: &ParamSetter) {
    const NAMES: [&str; CHANNELS] = [
        "Drums", "Bass", "Keys", "Sub", "Hats", "Guitar", "Pad", "Vocal",
    ];
    for (ch, name) in params.channels.iter().zip(NAMES) {
        if let Ok(mut n) = ch.name.write() {
            *n = name.to_owned();
        }
    }
    let [drums, bass, keys, sub, hats, guitar, pad, vocal] = &params.channels;
    // Drums: gated, shaped, compressed, some room.
    set(setter, &drums.gate_on, true);
    set(setter, &drums.gate_threshold, -9.0);
    set(setter, &drums.gate_range, 12.0);
    set(setter, &drums.high_pass_on, true);
    set(setter, &drums.high_pass, 40.0);
    set(setter, &drums.eq_on, true);
    set(setter, &drums.low_shelf_gain, 4.0);
    set(setter, &drums.mid1_freq, 420.0);
    set(setter, &drums.mid1_gain, -5.0);
    set(setter, &drums.mid1_q, 1.6);
    set(setter, &drums.mid2_freq, 3_500.0);
    set(setter, &drums.mid2_gain, 3.0);
    set(setter, &drums.high_shelf_gain, 2.5);
    set(setter, &drums.comp_on, true);
    set(setter, &drums.comp_threshold, -26.0);
    set(setter, &drums.send_a, -16.0);
    // Bass: compressed hard, centred.
    set(setter, &bass.comp_on, true);
    set(setter, &bass.comp_threshold, -30.0);
    set(setter, &bass.comp_ratio, 6.0);
    set(setter, &bass.fader, -2.0);
    // Keys and guitar apart, with reverb and delay.
    set(setter, &keys.pan, -45.0);
    set(setter, &keys.send_a, -10.0);
    set(setter, &guitar.pan, 55.0);
    set(setter, &guitar.send_b, -9.0);
    set(setter, &guitar.send_b_pre, true);
    set(setter, &sub.low_pass_on, true);
    set(setter, &sub.low_pass, 2_000.0);
    set(setter, &sub.fader, -4.5);
    set(setter, &hats.high_pass_on, true);
    set(setter, &hats.high_pass, 400.0);
    set(setter, &hats.pan, 30.0);
    set(setter, &hats.send_b, -18.0);
    set(setter, &pad.width, 160.0);
    set(setter, &pad.fader, -6.0);
    set(setter, &pad.send_a, -4.0);
    set(setter, &vocal.eq_on, true);
    set(setter, &vocal.high_shelf_gain, 4.0);
    set(setter, &vocal.comp_on, true);
    set(setter, &vocal.comp_threshold, -28.0);
    set(setter, &vocal.send_a, -12.0);
    set(setter, &vocal.send_b, -16.0);
    set(setter, &vocal.fader, 1.5);
    // Master: glue and limiter working.
    let m = &params.master;
    set(setter, &m.glue_on, true);
    set(setter, &m.glue_threshold, -20.0);
    set(setter, &m.glue_ratio, GlueRatioParam::Four);
    set(setter, &m.glue_auto_release, true);
    set(setter, &m.limiter_on, true);
    set(setter, &m.master, 12.0);
}
