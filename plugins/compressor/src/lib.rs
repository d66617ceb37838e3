//! Mixwerk Compressor: a stereo compressor from transparent (soft knee, RMS, auto release) to
//! punchy (peak, hard knee, fast attack), with an external sidechain, lookahead and parallel
//! mix. The DSP is `shared_dsp::dynamics` (the limiter and the channel strip share it); this
//! crate is the plugin glue.
//!
//! Layouts: stereo in/out and mono in/out, both with a stereo aux input named "Sidechain".
//! The mono layout keeps the sidechain because keying a mono track (a vocal ducking under a
//! stereo music bus, a bass under a kick) is as common as keying a stereo one; the louder key
//! channel drives the gain, so a host that feeds the port only one channel works as well.
//! With "Sidechain: External" and nothing connected, hosts deliver silence on the port and the
//! compressor does not reduce the gain at all (unity plus make-up), like a hardware unit with
//! nothing patched into its key input.

use std::sync::Arc;

use nice_plug::prelude::*;
use nice_plug_egui::RepaintNotifier;
use plugin_kit::frame::Frame;
use plugin_kit::identity;
use plugin_kit::latency::ReportedLatency;
use shared_dsp::analysis::{HistoryBuffer, HistoryWriter, SharedMax};
use shared_dsp::bypass;
use shared_dsp::dynamics::{Compressor, GainReductionMeter, Settings};

mod editor;
mod params;
mod presets;
use params::CompressorParams;

/// The gain-reduction history: this many seconds, one point per `HISTORY_SECONDS /
/// HISTORY_POINTS` (10 ms, finer than any release worth watching).
const HISTORY_SECONDS: f32 = 6.0;
const HISTORY_POINTS: usize = 600;

pub struct MixwerkCompressor {
    params: Arc<CompressorParams>,
    compressor: Compressor,
    /// Editor state, input width and the standalone demo (`plugin_kit::frame`).
    frame: Frame,
    analysis: editor::Analysis,
    history: HistoryWriter,
    latency: ReportedLatency,
}

impl Default for MixwerkCompressor {
    fn default() -> Self {
        let analysis = editor::Analysis {
            gain_reduction: Arc::new(GainReductionMeter::new()),
            level: Arc::new(SharedMax::new()),
            history: Arc::new(HistoryBuffer::new(HISTORY_SECONDS, HISTORY_POINTS)),
            repaint: RepaintNotifier::new(),
        };
        Self {
            params: Arc::new(CompressorParams::default()),
            compressor: Compressor::new(48_000.0, 512),
            frame: Frame::new(shared_ui::window::default_state::<editor::Compressor>()),
            history: HistoryWriter::new(analysis.history.clone(), 48_000.0),
            analysis,
            latency: ReportedLatency::default(),
        }
    }
}

impl MixwerkCompressor {
    /// Bypass is one more set of settings to glide to: the dry signal, still delayed by the
    /// lookahead so that the track does not move in time, with no click either way.
    fn target(&self) -> Settings {
        bypass::target(self.params.settings(), self.params.bypass.value())
    }
}

impl Plugin for MixwerkCompressor {
    plugin_kit::plugin_identity!("Mixwerk Compressor");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        identity::with_sidechain(identity::STEREO),
        identity::with_sidechain(identity::MONO),
    ];

    // Threshold rides and mix moves drawn in the host land where they are drawn.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    shared_ui::plugin_editor!(editor::Compressor { params, analysis }, repaint: analysis.repaint);

    fn activate(
        &mut self,
        layout: &AudioIOLayout,
        config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.frame.activate(layout, config.sample_rate);
        // The only allocation: delay lines for the longest lookahead at this rate.
        self.compressor = Compressor::new(config.sample_rate, config.max_buffer_size as usize);
        self.compressor.update_immediately(&self.target());
        self.history = HistoryWriter::new(self.analysis.history.clone(), config.sample_rate);
        self.latency
            .activate(self.compressor.latency_samples(), context);
        true
    }

    fn reset(&mut self) {
        self.compressor.update_immediately(&self.target());
        self.compressor.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        // With sample-accurate automation nice-plug calls us once per stretch between
        // parameter changes, so one update per call follows automation to the sample.
        self.compressor.update(&self.target());
        self.latency
            .update(self.compressor.latency_samples(), context);

        let key = plugin_kit::frame::sidechain(aux).map(|[l, r]| (l, r));
        let samples = buffer.samples();
        match buffer.as_slice() {
            [left, right, ..] => {
                // The standalone demo keys itself.
                let key = if self.frame.demo(left, right) {
                    None
                } else {
                    key
                };
                match key {
                    Some((kl, kr)) => self.compressor.process_with_sidechain(left, right, kl, kr),
                    None => self.compressor.process(left, right),
                }
            }
            [mono] => self.compressor.process_mono(mono, key),
            [] => {}
        }
        // Metering costs nothing while nobody looks.
        if self.frame.editor_open() {
            let gr = self.compressor.gain_reduction_db();
            self.analysis.gain_reduction.record(gr);
            self.analysis.level.record(shared_dsp::gain::db_to_gain(
                self.compressor.detector_level_db(),
            ));
            self.history.push(gr[0].max(gr[1]), samples);
            self.analysis.repaint.request_repaint();
        }
        ProcessStatus::Normal
    }
}

plugin_kit::export_plugin!(
    MixwerkCompressor,
    clap_id: "org.mixwerk.compressor",
    description: "Stereo compressor with soft knee, external sidechain, lookahead and parallel mix",
    clap_features: [AudioEffect, Compressor, Stereo],
    // Never change once released: hosts identify the plugin in saved sessions by it.
    vst3_class_id: b"MixwerkComprsV01",
    vst3_subcategories: [Fx, Dynamics],
);
