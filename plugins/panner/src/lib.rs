//! Mixwerk Panner: places a source in the stereo field. Pan laws for mono sources, balance or
//! stereo panning for stereo ones, width, mono, swap and polarity, all automatable and
//! glitch-free (the DSP glides one gain matrix; see `shared_dsp::pan`).

use std::sync::Arc;

use nice_plug::prelude::*;
use nice_plug_egui::RepaintNotifier;
use plugin_kit::frame::Frame;
use plugin_kit::identity;
use shared_dsp::analysis::{CorrelationMeter, ScopeBuffer, ScopeWriter, SharedF32};
use shared_dsp::bypass;
use shared_dsp::pan::{Input, Panner, Settings};

mod editor;
mod params;
mod presets;
use params::PannerParams;

/// Scope points kept for the editor (about 85 ms of output at 48 kHz with decimation 4).
const SCOPE_POINTS: usize = 1024;
const SCOPE_DECIMATION: usize = 4;

pub struct MixwerkPanner {
    params: Arc<PannerParams>,
    panner: Panner,
    /// Editor state, input width and the standalone demo (`plugin_kit::frame`).
    frame: Frame,
    analysis: editor::Analysis,
    scope: ScopeWriter,
    correlation: CorrelationMeter,
}

impl Default for MixwerkPanner {
    fn default() -> Self {
        let analysis = editor::Analysis {
            scope: Arc::new(ScopeBuffer::new(SCOPE_POINTS)),
            correlation: Arc::new(SharedF32::new(0.0)),
            repaint: RepaintNotifier::new(),
        };
        Self {
            params: Arc::new(PannerParams::default()),
            panner: Panner::new(48_000.0, Input::Stereo),
            frame: Frame::new(shared_ui::window::default_state::<editor::Panner>()),
            scope: ScopeWriter::new(analysis.scope.clone(), SCOPE_DECIMATION),
            correlation: CorrelationMeter::new(48_000.0, 300.0, analysis.correlation.clone()),
            analysis,
        }
    }
}

impl MixwerkPanner {
    /// Bypass is one more target for the matrix glide, so switching it never clicks: a stereo
    /// input passes as it is, a mono input goes to both sides at unity.
    fn target(&self) -> Settings {
        bypass::target(self.params.settings(), self.params.bypass.value())
    }
}

impl Plugin for MixwerkPanner {
    plugin_kit::plugin_identity!("Mixwerk Panner");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] =
        &[identity::STEREO, identity::MONO_TO_STEREO];

    // Pan sweeps drawn in the host land where they are drawn, not at the next block.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    shared_ui::plugin_editor!(editor::Panner { params, analysis }, repaint: analysis.repaint);

    fn activate(
        &mut self,
        layout: &AudioIOLayout,
        config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.frame.activate(layout, config.sample_rate);
        let input = match self.frame.mono_input() {
            true => Input::Mono,
            false => Input::Stereo,
        };
        self.panner = Panner::new(config.sample_rate, input);
        self.panner.update_immediately(&self.target());
        self.correlation =
            CorrelationMeter::new(config.sample_rate, 300.0, self.analysis.correlation.clone());
        true
    }

    fn reset(&mut self) {
        self.panner.update_immediately(&self.target());
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        // With sample-accurate automation nice-plug calls us once per stretch between
        // parameter changes, so one update per call follows automation to the sample.
        self.panner.update(&self.target());
        let [left, right, ..] = buffer.as_slice() else {
            return ProcessStatus::Normal;
        };
        // A mono input is the left channel alone: the panner's mono matrix reads only that
        // and writes both, so the right one needs no copy of it.
        self.frame.demo(left, right);
        self.panner.process(left, right);
        // Metering costs nothing while nobody looks.
        if self.frame.editor_open() {
            self.scope.push(left, right);
            self.correlation.process(left, right);
            self.analysis.repaint.request_repaint();
        }
        ProcessStatus::Normal
    }
}

plugin_kit::export_plugin!(
    MixwerkPanner,
    clap_id: "org.mixwerk.panner",
    description: "Pan laws, balance and stereo panning, width, mono, swap and polarity",
    clap_features: [AudioEffect, Utility, Stereo],
    // Never change once released: hosts identify the plugin in saved sessions by it.
    vst3_class_id: b"MixwerkPannerV01",
    vst3_subcategories: [Fx, Spatial],
);
