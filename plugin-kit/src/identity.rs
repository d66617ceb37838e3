//! What every Mixwerk plugin tells the host about itself: the vendor's name and addresses,
//! and the audio layouts most plugins offer, named the same way in every host's menu.
//! (Each plugin keeps its own `VERSION`, which `env!` must read in that plugin's crate.)

use nice_plug::prelude::{AudioIOLayout, PortNames};
use std::num::NonZeroU32;

pub const VENDOR: &str = "Mixwerk";
pub const URL: &str = "https://mixwerk.org";
pub const EMAIL: &str = "info@mixwerk.org";

/// A layout with a main input and output and nothing else, named for the host's menu.
pub const fn layout(name: &'static str, inputs: u32, outputs: u32) -> AudioIOLayout {
    AudioIOLayout {
        main_input_channels: NonZeroU32::new(inputs),
        main_output_channels: NonZeroU32::new(outputs),
        names: PortNames {
            layout: Some(name),
            ..PortNames::const_default()
        },
        ..AudioIOLayout::const_default()
    }
}

pub const STEREO: AudioIOLayout = layout("Stereo", 2, 2);
pub const MONO: AudioIOLayout = layout("Mono", 1, 1);
pub const MONO_TO_STEREO: AudioIOLayout = layout("Mono to Stereo", 1, 2);
