//! Demo tracks for the standalone builds (`cargo xtask screenshots`, and trying a console
//! without a host): with `MIXWERK_DEMO_SIGNAL` set, strips join the link as other tracks
//! would (Drums, Bass, Keys, Sub, Hats, Guitar, Pad, Vocal), each with its own
//! `shared_dsp::demo` voice, settings and track colour, processed inside the instance that
//! made them. Their host context is [`DemoContext`], which sets their parameters directly, as
//! a host would on their tracks. Mixwerk Strip shows seven of them beside its own "Vocal";
//! the Channel Strip all eight in its Linked tracks panel.

use std::sync::Arc;

use nice_plug::context::PluginApi;
use nice_plug::context::gui::{GuiContext, GuiContextInner, ParamSetter};
use nice_plug::params::internals::ParamPtr;
use nice_plug::prelude::*;
use shared_dsp::analysis::LevelMeter;
use shared_dsp::demo::DemoSignal;
use shared_dsp::strip::ChannelStrip;
use shared_dsp::strip::meters::RMS_TIME_MS;

use super::{Channel, Link};
use crate::choices::{LawParam, PanModeParam};
use crate::strip::ChannelParams;

/// The demo tracks: name and colour; track k plays `shared_dsp::demo`'s voice k.
pub const TRACKS: [(&str, [u8; 3]); 8] = [
    ("Drums", [0xe0, 0x5a, 0x47]),
    ("Bass", [0xe8, 0x9f, 0x3a]),
    ("Keys", [0xd9, 0xc8, 0x3c]),
    ("Sub", [0x8b, 0x5c, 0xd6]),
    ("Hats", [0x4f, 0xc0, 0xd0]),
    ("Guitar", [0x5c, 0xbf, 0x6a]),
    ("Pad", [0x6f, 0x8d, 0xe8]),
    ("Vocal", [0xe8, 0x6f, 0xb0]),
];

/// Demo track `k` as its host would name and colour it.
pub fn track_info(k: usize) -> TrackInfo {
    let (name, [r, g, b]) = TRACKS[k];
    TrackInfo::new(name, Some(TrackColor::new(r, g, b, 255)))
}

/// A demo track's "host": parameter changes land at once (there is no host to ask), and the
/// track name and colour are the demo's.
struct DemoContext {
    track: TrackInfo,
}

impl GuiContextInner for DemoContext {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Standalone
    }

    unsafe fn raw_begin_set_parameter(&self, _param: ParamPtr) {}

    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        // SAFETY: `param` points into the demo track's parameters, which its peer keeps.
        unsafe {
            param._internal_set_normalized_value(normalized);
        }
    }

    unsafe fn raw_end_set_parameter(&self, _param: ParamPtr) {}

    fn get_state(&self) -> PluginState {
        PluginState::default()
    }

    fn set_state(&self, _state: PluginState) {}

    fn request_restart(&self) {}

    fn track_info(&self) -> TrackInfo {
        self.track.clone()
    }
}

/// A demo track's parameters: a Mixwerk Strip's, as its console sees them.
#[derive(Params)]
pub struct DemoTrackParams {
    #[nested]
    pub strip: ChannelParams,
    #[id = "pan_law"]
    pub pan_law: EnumParam<LawParam>,
    #[id = "pan_mode"]
    pub pan_mode: EnumParam<PanModeParam>,
}

impl Default for DemoTrackParams {
    fn default() -> Self {
        Self {
            strip: ChannelParams::new(str::to_owned),
            pan_law: EnumParam::new("Pan Law", LawParam::ZeroDb),
            pan_mode: EnumParam::new("Pan Mode", PanModeParam::Balance),
        }
    }
}

impl Channel for DemoTrackParams {
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

/// One demo track: its parameters, link membership, DSP and voice.
struct Peer {
    params: Arc<DemoTrackParams>,
    link: Link,
    strip: Box<ChannelStrip>,
    meter: LevelMeter,
    voice: DemoSignal,
}

/// Demo tracks beside an instance, processed inside its `process`.
pub struct DemoPeers {
    peers: Vec<Peer>,
    scratch: [Vec<f32>; 2],
}

impl DemoPeers {
    /// Joins demo tracks `tracks` (indices into [`TRACKS`]), with their mix set, at
    /// `sample_rate` for blocks up to `max_block` (main thread). `None` without the demo or
    /// with linking off.
    pub fn from_env(
        sample_rate: f32,
        max_block: usize,
        tracks: core::ops::Range<usize>,
    ) -> Option<Self> {
        if !crate::demo::wanted() {
            return None;
        }
        let mut peers = Vec::new();
        for k in tracks.start..tracks.end.min(TRACKS.len()) {
            let params = Arc::new(DemoTrackParams::default());
            let link = Link::join(params.clone())?;
            let context = GuiContext::new(Arc::new(DemoContext {
                track: track_info(k),
            }));
            apply_mix(k, &params, &context.param_setter());
            link.set_context(context);
            // Playing, as a track the host processes.
            link.shared()
                .active
                .store(true, std::sync::atomic::Ordering::Relaxed);
            let mut strip = Box::new(ChannelStrip::new(sample_rate, max_block));
            strip.update_immediately(&params.settings());
            peers.push(Peer {
                meter: LevelMeter::new(sample_rate, RMS_TIME_MS, link.shared().levels.clone()),
                voice: DemoSignal::voice(sample_rate, k),
                strip,
                params,
                link,
            });
        }
        Some(Self {
            peers,
            scratch: [vec![0.0; max_block], vec![0.0; max_block]],
        })
    }

    /// Runs every demo track for `samples` samples and meters it while `metering`.
    pub fn process(&mut self, samples: usize, metering: bool) {
        let n = samples.min(self.scratch[0].len());
        let [l, r] = &mut self.scratch;
        let (l, r) = (&mut l[..n], &mut r[..n]);
        for peer in &mut self.peers {
            let mut settings = peer.params.settings();
            if peer.link.solo(settings.solo) {
                settings.mute = true;
            }
            peer.strip.update(&settings);
            peer.voice.fill(l, r);
            peer.strip.process(l, r);
            if metering {
                let shared = peer.link.shared();
                peer.meter.process(l, r);
                let (gate, compressor) = peer.strip.gain_reduction_db();
                shared.gate.record(gate);
                shared.compressor.record(compressor[0].max(compressor[1]));
                shared.signal.push_mid(l, r);
            }
        }
    }
}

/// Sets `param` to `value` as one gesture.
pub fn set<P: Param>(setter: &ParamSetter, param: &P, value: P::Plain) {
    setter.begin_set_parameter(param);
    setter.set_parameter(param, value);
    setter.end_set_parameter(param);
}

/// Demo track `k`'s settings, as an engineer would set them on that track.
fn apply_mix(k: usize, params: &DemoTrackParams, setter: &ParamSetter) {
    let s = &params.strip;
    match TRACKS[k].0 {
        "Drums" => {
            set(setter, &s.gate_on, true);
            set(setter, &s.gate_threshold, -9.0);
            set(setter, &s.gate_range, 12.0);
            set(setter, &s.high_pass_on, true);
            set(setter, &s.high_pass, 40.0);
            set(setter, &s.eq_on, true);
            set(setter, &s.low_shelf_gain, 4.0);
            set(setter, &s.mid1_freq, 420.0);
            set(setter, &s.mid1_gain, -5.0);
            set(setter, &s.mid2_freq, 3_500.0);
            set(setter, &s.mid2_gain, 3.0);
            set(setter, &s.comp_on, true);
            set(setter, &s.comp_threshold, -26.0);
        }
        "Bass" => {
            set(setter, &s.comp_on, true);
            set(setter, &s.comp_threshold, -30.0);
            set(setter, &s.comp_ratio, 6.0);
            set(setter, &s.fader, -2.0);
        }
        "Keys" => {
            set(setter, &s.pan, -45.0);
            set(setter, &s.eq_on, true);
            set(setter, &s.mid1_freq, 300.0);
            set(setter, &s.mid1_gain, -3.0);
        }
        "Sub" => {
            set(setter, &s.low_pass_on, true);
            set(setter, &s.low_pass, 2_000.0);
            set(setter, &s.fader, -4.5);
        }
        "Hats" => {
            set(setter, &s.high_pass_on, true);
            set(setter, &s.high_pass, 400.0);
            set(setter, &s.pan, 30.0);
            set(setter, &s.fader, -3.0);
        }
        "Guitar" => {
            set(setter, &s.pan, 55.0);
            set(setter, &s.eq_on, true);
            set(setter, &s.high_shelf_gain, 3.0);
        }
        _ => {
            set(setter, &s.width, 160.0);
            set(setter, &s.fader, -6.0);
        }
    }
}
