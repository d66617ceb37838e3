//! Mixwerk Strip's parameters: one channel of the Channel Strip (`plugin_kit::strip`, the same
//! ranges, texts and ids without the channel number) and the pan law and mode the console sets
//! for all its channels. Ids are stable forever (`tests/contracts/strip.params`).

use nice_plug::prelude::*;
use plugin_kit::choices::{LawParam, PanModeParam};
use plugin_kit::link::Channel;
use plugin_kit::params::switch;
use plugin_kit::strip::ChannelParams;
use shared_dsp::strip::ChannelSettings;

#[derive(Params)]
pub struct StripParams {
    #[nested]
    pub strip: ChannelParams,
    #[id = "pan_law"]
    pub pan_law: EnumParam<LawParam>,
    #[id = "pan_mode"]
    pub pan_mode: EnumParam<PanModeParam>,
    #[id = "bypass"]
    pub bypass: BoolParam,
}

impl Default for StripParams {
    fn default() -> Self {
        Self {
            strip: ChannelParams::new(str::to_owned),
            pan_law: EnumParam::new("Pan Law", LawParam::ZeroDb),
            pan_mode: EnumParam::new("Pan Mode", PanModeParam::Balance),
            bypass: switch("Bypass", false).make_bypass(),
        }
    }
}

impl StripParams {
    /// The strip these parameters describe right now (bypass and linked solo are the
    /// caller's).
    pub fn settings(&self) -> ChannelSettings {
        Channel::settings(self)
    }
}

/// What a console (this Strip's or another's) draws and edits.
impl Channel for StripParams {
    fn strip(&self) -> &ChannelParams {
        &self.strip
    }
    fn pan_law(&self) -> &EnumParam<LawParam> {
        &self.pan_law
    }
    fn pan_mode(&self) -> &EnumParam<PanModeParam> {
        &self.pan_mode
    }
}
