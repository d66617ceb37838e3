//! Mixwerk Channel Strip: a bus-summing console in one plugin. Up to eight stereo buses come
//! in, each runs through its own strip (trim, polarity, high/low pass, gate, 4-band EQ,
//! compressor, pan/width, fader, mute/solo, two sends), they are summed with a reverb and a
//! delay return, and one mastered stereo mix (glue compressor, master fader, true-peak limiter,
//! loudness meter) comes out. The DSP is `shared_dsp::strip`; this crate is the plugin glue.
//!
//! Layouts, in this order:
//! 1. **8 Buses**: the main stereo input ("Bus 1") plus seven stereo aux inputs ("Bus 2" …
//!    "Bus 8") → stereo. For hosts that route other tracks into aux/sidechain inputs.
//! 2. **16 Channels**: one 16-channel main input, eight stereo pairs, for hosts that prefer
//!    wide tracks (Reaper) → stereo. Published nice-plug 0.4.2 cannot give a plugin more main
//!    inputs than main outputs; our vendored copy can (`vendor/nice-plug/MIXWERK.md`, fix 4):
//!    the main buffer then has all 16 channels, the first two of which are the outputs.
//! 3. **4 Buses**: main stereo plus three stereo aux inputs → stereo.
//!
//! Ports the host leaves unconnected arrive as silence (nice-plug fills them with zeros), and
//! a silent channel adds nothing. Parameter ids are the same in every layout; in the 4-bus
//! layout channels 5–8 simply have no input.
//!
//! The editor (`editor/`) is a console view: the eight strips, the selected channel in full,
//! and the master section, with meters the console writes lock-free
//! (`shared_dsp::strip::meters`) only while the editor is open.
//!
//! Each channel also joins the link of linked strips (`plugin_kit::link`, `linked.rs`): a
//! Mixwerk Strip's console shows the eight channels beside the Strips (their meters are the
//! console's own, written while either looks), edits them through this instance's host
//! connection, and solo works across: a soloed Strip mutes the channels that are not
//! soloed, and a soloed channel mutes the Strips.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use nice_plug::prelude::*;
use nice_plug_egui::RepaintNotifier;
use plugin_kit::frame::Frame;
use plugin_kit::latency::ReportedLatency;
use plugin_kit::link::{self, Link};
use shared_dsp::analysis::SharedF32;
use shared_dsp::bypass;
use shared_dsp::delay::DEFAULT_BPM;
use shared_dsp::meter::LoudnessReadings;
use shared_dsp::strip::console::Input;
use shared_dsp::strip::meters::{ConsoleMeters, MeterWriter};
use shared_dsp::strip::{CHANNELS, Console, ConsoleSettings};

#[cfg(feature = "standalone")]
mod demo;
mod editor;
mod linked;
mod params;
mod presets;
use params::StripParams;

pub struct MixwerkChannelStrip {
    params: Arc<StripParams>,
    /// Boxed, and built in frames of their own (see `Default`): hosts create and activate
    /// plugins on threads with small stacks (Ardour: its audio-engine thread).
    console: Box<Console>,
    /// The editor state (`plugin_kit::frame`); the standalone demo is per bus (`demo.rs`).
    frame: Frame,
    /// Shared with the editor (meters, loudness, sample rate); kept across activations.
    analysis: editor::Analysis,
    /// Standalone builds only: the demo signal on every bus when `MIXWERK_DEMO_SIGNAL` is set.
    #[cfg(feature = "standalone")]
    demo: Option<demo::DemoBuses>,
    /// Standalone builds only: linked demo tracks for the Linked tracks panel's screenshot.
    #[cfg(feature = "standalone")]
    demo_tracks: Option<plugin_kit::link::demo::DemoPeers>,
    /// A copy of the main input pair (channel 1): the main buffer is also the output.
    scratch: [Vec<f32>; 2],
    /// The first block after activation applies the settings without glides.
    fresh: bool,
    latency: ReportedLatency,
    /// Each channel's membership of the link (empty with `MIXWERK_LINK=off`).
    links: Vec<Link>,
}

impl Default for MixwerkChannelStrip {
    fn default() -> Self {
        let params = new_params();
        let meters = ConsoleMeters::new();
        let links = linked::join(&params, &meters);
        let analysis = editor::Analysis {
            meters: Arc::new(meters),
            loudness: Arc::new(LoudnessReadings::new()),
            sample_rate: Arc::new(SharedF32::new(48_000.0)),
            buses: Arc::new(AtomicUsize::new(CHANNELS)),
            repaint: RepaintNotifier::new(),
            linked_ids: Arc::new(links.iter().map(Link::id).collect()),
        };
        Self {
            params,
            console: Console::boxed(48_000.0, 512, analysis.loudness.clone()),
            frame: Frame::new(shared_ui::window::default_state::<editor::Console>()),
            analysis,
            #[cfg(feature = "standalone")]
            demo: None,
            #[cfg(feature = "standalone")]
            demo_tracks: None,
            scratch: [Vec::new(), Vec::new()],
            fresh: true,
            latency: ReportedLatency::default(),
            links,
        }
    }
}

/// The parameters (eight channels' worth, 60 kB) built in this frame, not in the caller's:
/// `Default` then needs no room for them while it builds the console.
#[inline(never)]
fn new_params() -> Arc<StripParams> {
    Arc::new(StripParams::default())
}

impl MixwerkChannelStrip {
    /// What the console runs: the parameters, with bypass, and each channel muted while a
    /// linked strip elsewhere is soloed and it is not.
    fn target(&mut self) -> ConsoleSettings {
        let mut s = self.params.settings();
        for (channel, link) in s.channels.iter_mut().zip(&mut self.links) {
            if link.solo(channel.solo) {
                channel.mute = true;
            }
        }
        bypass::target(s, self.params.bypass.value())
    }
}

/// A layout of stereo buses into the stereo mix: "Bus 1" on the main pair, the others on
/// stereo aux inputs named `aux_names`.
const fn buses(name: &'static str, aux_names: &'static [&'static str]) -> AudioIOLayout {
    /// Enough stereo ports for the widest bus layout.
    const STEREO_PORTS: &[NonZeroU32] = &[new_nonzero_u32(2); CHANNELS - 1];
    AudioIOLayout {
        main_input_channels: NonZeroU32::new(2),
        main_output_channels: NonZeroU32::new(2),
        aux_input_ports: STEREO_PORTS.split_at(aux_names.len()).0,
        names: PortNames {
            layout: Some(name),
            main_input: Some("Bus 1"),
            aux_inputs: aux_names,
            main_output: Some("Mix"),
            ..PortNames::const_default()
        },
        ..AudioIOLayout::const_default()
    }
}

/// Samples `start..end` of a host buffer, or as much of them as it has (a shorter buffer
/// counts as silence after its end; see `Console::process`).
fn piece(buffer: &[f32], start: usize, end: usize) -> &[f32] {
    &buffer[start.min(buffer.len())..end.min(buffer.len())]
}

impl Plugin for MixwerkChannelStrip {
    plugin_kit::plugin_identity!("Mixwerk Channel Strip");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        buses(
            "8 Buses",
            &[
                "Bus 2", "Bus 3", "Bus 4", "Bus 5", "Bus 6", "Bus 7", "Bus 8",
            ],
        ),
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(16),
            main_output_channels: NonZeroU32::new(2),
            names: PortNames {
                layout: Some("16 Channels"),
                main_input: Some("Buses 1-8"),
                main_output: Some("Mix"),
                ..PortNames::const_default()
            },
            ..AudioIOLayout::const_default()
        },
        buses("4 Buses", &["Bus 2", "Bus 3", "Bus 4"]),
    ];

    // Fader rides drawn in the host land where they are drawn.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    shared_ui::plugin_editor!(editor::Console { params, analysis }, repaint: analysis.repaint);

    fn host_context(&mut self, context: nice_plug::context::gui::GuiContext) {
        for link in &self.links {
            link.set_context(context.clone());
        }
    }

    fn activate(
        &mut self,
        layout: &AudioIOLayout,
        config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let max = config.max_buffer_size as usize;
        // The only allocations: eight strips, both returns, the master chain, the meter, and
        // a copy of the main input pair, at this rate.
        self.console = Console::boxed(config.sample_rate, max, self.analysis.loudness.clone());
        let meters = MeterWriter::new(config.sample_rate, self.analysis.meters.clone());
        self.console.attach_meters(meters);
        self.analysis.sample_rate.store(config.sample_rate);
        linked::activate(&self.links, config.sample_rate, true);
        self.analysis
            .buses
            .store(editor::buses(layout), Ordering::Relaxed);
        #[cfg(feature = "standalone")]
        {
            self.demo = demo::DemoBuses::from_env(config.sample_rate);
            self.demo_tracks = demo::linked_tracks(config.sample_rate, max);
        }
        let target = self.target();
        self.console.update_immediately(&target);
        self.scratch = [vec![0.0; max], vec![0.0; max]];
        self.fresh = true;
        self.latency
            .activate(self.console.latency_samples(), context);
        true
    }

    fn deactivate(&mut self) {
        linked::activate(&self.links, self.analysis.sample_rate.load(), false);
    }

    fn reset(&mut self) {
        let target = self.target();
        self.console.update_immediately(&target);
        self.console.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let bpm = context.transport().tempo.unwrap_or(DEFAULT_BPM);
        self.console.set_tempo(bpm);
        self.params.show_tempo(bpm);
        let target = self.target();
        if self.fresh {
            self.console.update_immediately(&target);
            self.fresh = false;
        } else {
            // With sample-accurate automation nice-plug calls us once per stretch between
            // parameter changes, so one update per call follows automation to the sample.
            self.console.update(&target);
        }
        self.latency.update(self.console.latency_samples(), context);
        // Meters cost nothing while nobody looks (this editor, or a linked strip's console).
        let metering = self.frame.editor_open() || (!self.links.is_empty() && link::metering());
        self.console.set_metering(metering);
        #[cfg(feature = "standalone")]
        if let Some(demo) = &mut self.demo {
            demo.fill(buffer, aux);
        }
        #[cfg(feature = "standalone")]
        if let Some(tracks) = &mut self.demo_tracks {
            tracks.process(buffer.samples(), metering);
        }

        let samples = buffer.samples();
        let main = buffer.as_slice();
        if main.len() < 2 {
            return ProcessStatus::Normal;
        }
        let (out, rest) = main.split_at_mut(2);
        let [out_l, out_r] = out else {
            return ProcessStatus::Normal;
        };
        // Bus 1 comes in on the main pair, which is also the output: it is copied first, in
        // pieces of the scratch's length (the maximum block announced at activation), so a
        // host that sends a longer block still gets all of it processed.
        let piece_len = self.scratch[0].len().max(1);
        for start in (0..samples).step_by(piece_len) {
            let end = (start + piece_len).min(samples);
            let n = end - start;
            let [s0, s1] = &mut self.scratch;
            s0[..n].copy_from_slice(&out_l[start..end]);
            s1[..n].copy_from_slice(&out_r[start..end]);
            let mut inputs: [Input<'_>; CHANNELS] = [None; CHANNELS];
            inputs[0] = Some((&s0[..n], &s1[..n]));
            if rest.is_empty() {
                // Bus layouts: channel k + 1 is aux port k.
                for (input, port) in inputs[1..].iter_mut().zip(aux.inputs.iter()) {
                    if let [l, r, ..] = port.as_slice_immutable() {
                        *input = Some((piece(l, start, end), piece(r, start, end)));
                    }
                }
            } else {
                // The wide layout: channel k + 1 is main channels 2k + 2, 2k + 3 (0-based),
                // the input channels past the two outputs (never written back to the host).
                for (input, pair) in inputs[1..].iter_mut().zip(rest.chunks_exact(2)) {
                    *input = Some((piece(pair[0], start, end), piece(pair[1], start, end)));
                }
            }
            self.console
                .process(&inputs, &mut out_l[start..end], &mut out_r[start..end]);
        }
        if metering {
            self.analysis.repaint.request_repaint();
        }

        // The returns ring on once something is sent to them.
        let sending = target
            .channels
            .iter()
            .any(|c| c.sends.iter().any(|s| s.level_db > f32::NEG_INFINITY));
        if !sending {
            return ProcessStatus::Normal;
        }
        match self.console.tail_samples() {
            Some(samples) => ProcessStatus::Tail(samples),
            None => ProcessStatus::KeepAlive,
        }
    }
}

plugin_kit::export_plugin!(
    MixwerkChannelStrip,
    clap_id: "org.mixwerk.channel-strip",
    description: "Eight-bus console: a channel strip per bus, reverb and delay returns, glue compressor, limiter and loudness meter",
    clap_features: [AudioEffect, Mixing, Stereo],
    // Never change once released: hosts identify the plugin in saved sessions by it.
    vst3_class_id: b"MixwerkChStripV1",
    // VST3 has no "Mixing" subcategory; "Tools" is the predefined one closest to a console.
    vst3_subcategories: [Fx, Tools],
    clap_items: {
        /// One page per channel and one for the master section, for controller surfaces.
        fn remote_controls(&self, context: &mut impl RemoteControlsContext) {
            for (i, ch) in self.params.channels.iter().enumerate() {
                let name = format!("Ch {}", i + 1);
                context.add_section(name.clone(), |section| {
                    section.add_page(name, |page| {
                        page.add_param(&ch.fader);
                        page.add_param(&ch.pan);
                        page.add_param(&ch.trim);
                        page.add_param(&ch.width);
                        page.add_param(&ch.gate_threshold);
                        page.add_param(&ch.comp_threshold);
                        page.add_param(&ch.send_a);
                        page.add_param(&ch.send_b);
                    });
                });
            }
            let m = &self.params.master;
            context.add_section("Master", |section| {
                section.add_page("Master", |page| {
                    page.add_param(&m.master);
                    page.add_param(&m.return_a);
                    page.add_param(&m.return_b);
                    page.add_param(&m.glue_threshold);
                    page.add_param(&m.glue_mix);
                    page.add_param(&m.limiter_ceiling);
                    page.add_param(&m.reverb_decay);
                    page.add_param(&m.delay_feedback);
                });
            });
        }
    },
);
