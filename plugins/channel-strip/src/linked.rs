//! The Channel Strip's channels in the link of linked strips (`plugin_kit::link`): each joins
//! as a strip of its own, described by [`ChannelOf`], and publishes the meters the console
//! already keeps for it (`ConsoleMeters`: the same `Arc`s, so nothing is measured twice).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use nice_plug::prelude::*;
use plugin_kit::choices::{LawParam, PanModeParam};
use plugin_kit::link::{Channel, Link, Shared};
use plugin_kit::strip::ChannelParams;
use shared_dsp::strip::meters::ConsoleMeters;

use crate::params::StripParams;

/// Channel `index` of a Channel Strip, as a console draws and edits it.
pub struct ChannelOf {
    params: Arc<StripParams>,
    index: usize,
}

impl Channel for ChannelOf {
    fn strip(&self) -> &ChannelParams {
        &self.params.channels[self.index].strip
    }
    fn pan_law(&self) -> &EnumParam<LawParam> {
        &self.params.master.pan_law
    }
    fn pan_mode(&self) -> &EnumParam<PanModeParam> {
        &self.params.master.pan_mode
    }
    /// The channel's name in this console ("Drums"), or its number.
    fn label(&self) -> Option<String> {
        let name = self.params.channels[self.index]
            .name
            .read()
            .map(|n| n.trim().to_owned())
            .unwrap_or_default();
        Some(if name.is_empty() {
            format!("Ch {}", self.index + 1)
        } else {
            name
        })
    }
}

/// Every channel joins, with the meters `meters` keeps for it (none with linking off).
/// Main thread.
pub fn join(params: &Arc<StripParams>, meters: &ConsoleMeters) -> Vec<Link> {
    (0..params.channels.len())
        .map_while(|index| {
            let shared = Shared::with_meters(
                meters.channels[index].clone(),
                meters.gate[index].clone(),
                meters.compressor[index].clone(),
                meters.signals.0[index].clone(),
            );
            let channel = ChannelOf {
                params: params.clone(),
                index,
            };
            Link::join_with(Arc::new(channel), Arc::new(shared))
        })
        .collect()
}

/// Tells the link the channels' rate and whether the host processes them.
pub fn activate(links: &[Link], sample_rate: f32, active: bool) {
    for link in links {
        link.shared().sample_rate.store(sample_rate);
        link.shared().active.store(active, Ordering::Relaxed);
    }
}
