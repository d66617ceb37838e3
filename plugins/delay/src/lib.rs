//! Mixwerk Delay: a tempo-synced stereo delay with ping-pong, filters and saturation in the
//! feedback loop, tape-style modulation, ducking and freeze. The DSP is
//! `shared_dsp::delay`; this crate maps parameters and the host's tempo onto it.

use std::sync::Arc;

use nice_plug::prelude::*;
use nice_plug_egui::RepaintNotifier;
use plugin_kit::frame::Frame;
use plugin_kit::identity;
use shared_dsp::analysis::SharedF32;
use shared_dsp::bypass;
use shared_dsp::delay::{DEFAULT_BPM, Delay, Settings};

mod editor;
mod params;
mod presets;
use params::DelayParams;

pub struct MixwerkDelay {
    params: Arc<DelayParams>,
    delay: Delay,
    /// Editor state, input width and the standalone demo (`plugin_kit::frame`).
    frame: Frame,
    analysis: editor::Analysis,
    /// No block processed since activation or reset: the first one jumps to the host's tempo
    /// instead of gliding there from the default.
    fresh: bool,
}

impl Default for MixwerkDelay {
    fn default() -> Self {
        Self {
            params: Arc::new(DelayParams::default()),
            delay: Delay::new(48_000.0, 512),
            frame: Frame::new(shared_ui::window::default_state::<editor::Delay>()),
            analysis: editor::Analysis {
                sample_rate: Arc::new(SharedF32::new(48_000.0)),
                repaint: RepaintNotifier::new(),
            },
            fresh: true,
        }
    }
}

impl MixwerkDelay {
    /// Bypass is one more target for the DSP's glides, so switching it never clicks: the
    /// input passes at unity and the echoes fade out (the loop keeps running, so they are
    /// still there when the bypass is lifted).
    fn target(&self) -> Settings {
        bypass::target(self.params.settings(), self.params.bypass.value())
    }
}

impl Plugin for MixwerkDelay {
    plugin_kit::plugin_identity!("Mixwerk Delay");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        identity::with_sidechain(identity::STEREO),
        identity::with_sidechain(identity::MONO_TO_STEREO),
    ];

    // Time and feedback moves drawn in the host land where they are drawn.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    shared_ui::plugin_editor!(editor::Delay { params, analysis }, repaint: analysis.repaint);

    fn activate(
        &mut self,
        layout: &AudioIOLayout,
        config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.frame.activate(layout, config.sample_rate);
        // The only allocation: the delay lines, for 4 s at this rate.
        self.delay = Delay::new(config.sample_rate, config.max_buffer_size as usize);
        self.delay.update_immediately(&self.target());
        self.fresh = true;
        self.analysis.sample_rate.store(config.sample_rate);
        true
    }

    fn reset(&mut self) {
        self.delay.reset();
        self.fresh = true;
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        // The host's tempo for synced times (120 BPM when it gives none). A change glides
        // like any other time change, except on the first block, which starts at it.
        let bpm = context.transport().tempo.unwrap_or(DEFAULT_BPM);
        self.delay.set_tempo(bpm);
        if self.fresh {
            self.delay.update_immediately(&self.target());
            self.fresh = false;
        } else {
            // With sample-accurate automation nice-plug calls us once per stretch between
            // parameter changes, so one update per call follows automation to the sample.
            self.delay.update(&self.target());
        }
        self.params.show_tempo(self.delay.tempo());
        // Ducking keyed by the Sidechain input (another track) when asked to.
        let key = self
            .params
            .keyed()
            .then(|| plugin_kit::frame::sidechain(aux))
            .flatten();
        if let Some((left, right)) = self.frame.stereo(buffer) {
            self.delay.process_keyed(left, right, key);
        }
        // The editor draws from the parameters and the tempo: show their changes.
        if self.frame.editor_open() {
            self.analysis.repaint.request_repaint();
        }
        match self.delay.tail_samples() {
            Some(samples) => ProcessStatus::Tail(samples),
            None => ProcessStatus::KeepAlive,
        }
    }
}

plugin_kit::export_plugin!(
    MixwerkDelay,
    clap_id: "org.mixwerk.delay",
    description: "Tempo-synced stereo delay with ping-pong, feedback filtering, modulation and ducking",
    clap_features: [AudioEffect, Delay, Stereo],
    // Never change once released: hosts identify the plugin in saved sessions by it.
    vst3_class_id: b"MixwerkDelay_V01",
    vst3_subcategories: [Fx, Delay],
);
