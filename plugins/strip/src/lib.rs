//! Mixwerk Strip: one channel strip for any track (trim, polarity, high/low pass, gate, 4-band
//! EQ, compressor, pan/width, fader, mute/solo), the same DSP as one channel of the Channel
//! Strip (`shared_dsp::strip::ChannelStrip`), so the DAW sums the tracks as usual.
//!
//! Every Mixwerk Strip in the host process joins one registry (`plugin_kit::link`), so any
//! Strip's editor shows all of them as a console, edits reach each track's own host
//! connection, and Solo works across tracks (solo in place: a soloed strip mutes every linked
//! strip that is not soloed). Layouts: Stereo, and Mono to Stereo.

use std::sync::Arc;

use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::*;
use plugin_kit::frame::Frame;
use plugin_kit::identity;
use plugin_kit::latency::ReportedLatency;
use plugin_kit::link::{self, Link};
use shared_dsp::analysis::LevelMeter;
use shared_dsp::bypass;
use shared_dsp::strip::meters::RMS_TIME_MS;
use shared_dsp::strip::{ChannelSettings, ChannelStrip};

#[cfg(feature = "standalone")]
mod demo;
mod editor;
mod params;
mod presets;
pub mod probe;
use params::StripParams;

pub struct MixwerkStrip {
    params: Arc<StripParams>,
    /// Boxed: hosts build plugins on threads with small stacks.
    strip: Box<ChannelStrip>,
    frame: Frame,
    /// The registry membership (`None` with `MIXWERK_LINK=off`).
    link: Option<Link>,
    /// Shared with the editor: this strip's meters (the link's block, or a private one).
    analysis: editor::Analysis,
    meter: LevelMeter,
    latency: ReportedLatency,
    /// The first block after activation applies the settings without glides.
    fresh: bool,
    /// Standalone builds only: this strip's demo voice and seven demo tracks beside it, when
    /// `MIXWERK_DEMO_SIGNAL` is set (`demo.rs`).
    #[cfg(feature = "standalone")]
    demo: Option<(shared_dsp::demo::DemoSignal, demo::DemoPeers)>,
}

impl Default for MixwerkStrip {
    fn default() -> Self {
        let params = Arc::new(StripParams::default());
        let link = Link::join(params.clone());
        let analysis = editor::Analysis::new(link.as_ref().map(Link::id), link.as_ref());
        Self {
            strip: Box::new(ChannelStrip::new(48_000.0, 512)),
            frame: Frame::new(shared_ui::window::default_state::<editor::StripView>()),
            meter: LevelMeter::new(48_000.0, RMS_TIME_MS, analysis.shared.levels.clone()),
            link,
            analysis,
            params,
            latency: ReportedLatency::default(),
            fresh: true,
            #[cfg(feature = "standalone")]
            demo: None,
        }
    }
}

impl MixwerkStrip {
    /// What the strip runs: the parameters, with bypass, and muted while another linked strip
    /// is soloed and this one is not.
    fn target(&mut self) -> ChannelSettings {
        let mut s = self.params.settings();
        if let Some(link) = &mut self.link
            && link.solo(s.solo)
        {
            s.mute = true;
        }
        bypass::target(s, self.params.bypass.value())
    }
}

impl Plugin for MixwerkStrip {
    plugin_kit::plugin_identity!("Mixwerk Strip");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] =
        &[identity::STEREO, identity::MONO_TO_STEREO];

    // Fader rides drawn in the host land where they are drawn.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    shared_ui::plugin_editor!(editor::StripView { params, analysis }, repaint: analysis.repaint);

    fn host_context(&mut self, context: GuiContext) {
        if let Some(link) = &self.link {
            link.set_context(context);
        }
    }

    fn activate(
        &mut self,
        layout: &AudioIOLayout,
        config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.frame.activate(layout, config.sample_rate);
        let max = config.max_buffer_size as usize;
        *self.strip = ChannelStrip::new(config.sample_rate, max);
        let target = self.target();
        self.strip.update_immediately(&target);
        let shared = &self.analysis.shared;
        self.meter = LevelMeter::new(config.sample_rate, RMS_TIME_MS, shared.levels.clone());
        shared.sample_rate.store(config.sample_rate);
        shared
            .active
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.fresh = true;
        #[cfg(feature = "standalone")]
        {
            self.demo = demo::peers(config.sample_rate, max)
                .map(|peers| (demo::own_voice(config.sample_rate), peers));
        }
        self.latency.activate(self.strip.latency_samples(), context);
        true
    }

    fn deactivate(&mut self) {
        self.analysis
            .shared
            .active
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }

    fn reset(&mut self) {
        let target = self.target();
        self.strip.update_immediately(&target);
        self.strip.reset();
        self.meter.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let target = self.target();
        if self.fresh {
            self.strip.update_immediately(&target);
            self.fresh = false;
        } else {
            // With sample-accurate automation nice-plug calls us once per stretch between
            // parameter changes, so one update per call follows automation to the sample.
            self.strip.update(&target);
        }
        self.latency.update(self.strip.latency_samples(), context);
        let Some((left, right)) = self.frame.stereo(buffer) else {
            return ProcessStatus::Normal;
        };
        #[cfg(feature = "standalone")]
        if let Some((voice, _)) = &mut self.demo {
            voice.fill(left, right);
        }
        self.strip.process(left, right);
        // Meters cost nothing while no console and no own editor looks.
        let metering = link::metering() || self.frame.editor_open();
        #[cfg(feature = "standalone")]
        if let Some((_, peers)) = &mut self.demo {
            peers.process(left.len(), metering);
        }
        if metering {
            let shared = &self.analysis.shared;
            self.meter.process(left, right);
            let (gate, compressor) = self.strip.gain_reduction_db();
            shared.gate.record(gate);
            shared.compressor.record(compressor[0].max(compressor[1]));
            shared.signal.push_mid(left, right);
            self.analysis.repaint.request_repaint();
        }
        ProcessStatus::Normal
    }
}

plugin_kit::export_plugin!(
    MixwerkStrip,
    clap_id: "org.mixwerk.strip",
    description: "Channel strip for every track (filters, gate, EQ, compressor, pan, fader), linked with the others into one console",
    clap_features: [AudioEffect, Mixing, Stereo, Mono],
    // Never change once released: hosts identify the plugin in saved sessions by it.
    vst3_class_id: b"MixwerkStripV001",
    // VST3 has no "Mixing" subcategory; "Tools" is the predefined one closest to a strip.
    vst3_subcategories: [Fx, Tools],
    clap_items: {
        /// The strip's controls on one page, for controller surfaces.
        fn remote_controls(&self, context: &mut impl RemoteControlsContext) {
            let s = &self.params.strip;
            context.add_section("Strip", |section| {
                section.add_page("Strip", |page| {
                    page.add_param(&s.fader);
                    page.add_param(&s.pan);
                    page.add_param(&s.trim);
                    page.add_param(&s.width);
                    page.add_param(&s.high_pass);
                    page.add_param(&s.gate_threshold);
                    page.add_param(&s.comp_threshold);
                    page.add_param(&s.comp_makeup);
                });
            });
        }
    },
);
