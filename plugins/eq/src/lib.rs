//! Mixwerk EQ: eight parametric bands matched to their analog prototypes, with stereo
//! placement per band, output gain and auto-gain, in zero-latency or linear-phase mode. The
//! DSP is `shared_dsp::eq`; this crate is the plugin glue (parameters, the background design
//! of linear-phase kernels in `design.rs`, latency reporting) and the editor (`editor.rs`),
//! whose analyser gets its samples from `process` only while it is open.

use std::sync::Arc;

use nice_plug::prelude::*;
use nice_plug_egui::RepaintNotifier;
use plugin_kit::frame::Frame;
use plugin_kit::identity;
use plugin_kit::latency::ReportedLatency;
use shared_dsp::analysis::SharedF32;
use shared_dsp::analysis::spectrum::SampleRing;
use shared_dsp::bypass;
use shared_dsp::eq::{Eq, Settings};

mod design;
mod editor;
mod params;
mod presets;
use design::{Designer, EqTask};
use editor::Analysis;
use params::EqParams;

pub struct MixwerkEq {
    params: Arc<EqParams>,
    eq: Eq,
    designer: Arc<Designer>,
    /// The latency last reported to the host (it depends on the mode and the rate only).
    latency: ReportedLatency,
    /// The host renders offline (a bounce): designs are waited for (see `design.rs`).
    offline: bool,
    /// Editor state, input width and the standalone demo (`plugin_kit::frame`).
    frame: Frame,
    analysis: editor::Analysis,
}

/// Samples kept for the analyser: the largest FFT it uses (32768 at 192 kHz).
const ANALYSER_SAMPLES: usize = 32_768;

impl Default for MixwerkEq {
    fn default() -> Self {
        // Standalone builds with the demo signal start with a few bands on (see `params::DEMO`).
        #[cfg(feature = "standalone")]
        let params = if plugin_kit::demo::wanted() {
            EqParams::demo()
        } else {
            EqParams::default()
        };
        #[cfg(not(feature = "standalone"))]
        let params = EqParams::default();
        Self {
            params: Arc::new(params),
            eq: Eq::new(48_000.0, 512),
            designer: Arc::new(Designer::default()),
            latency: ReportedLatency::default(),
            offline: false,
            frame: Frame::new(shared_ui::window::default_state::<editor::Eq>()),
            analysis: editor::Analysis {
                pre: Arc::new(SampleRing::new(ANALYSER_SAMPLES)),
                post: Arc::new(SampleRing::new(ANALYSER_SAMPLES)),
                sample_rate: Arc::new(SharedF32::new(48_000.0)),
                latency_samples: Arc::new(SharedF32::new(0.0)),
                dynamic_db: Arc::new(core::array::from_fn(|_| SharedF32::new(0.0))),
                repaint: RepaintNotifier::new(),
            },
        }
    }
}

impl MixwerkEq {
    /// What the EQ runs: the parameters, or their bypassed form.
    fn target(&self) -> Settings {
        bypass::target(
            self.params.settings(self.frame.mono_input()),
            self.params.bypass.value(),
        )
    }
}

impl Plugin for MixwerkEq {
    plugin_kit::plugin_identity!("Mixwerk EQ");

    // The Sidechain input keys dynamic bands set to External (another track: duck the
    // guitar's 2 kHz while the vocal sings).
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        identity::with_sidechain(identity::STEREO),
        identity::with_sidechain(identity::MONO),
    ];

    // Automation lands where it is drawn; the DSP glides from there.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    shared_ui::plugin_editor!(editor::Eq { params, analysis }, repaint: analysis.repaint, background: EqTask);

    fn task_executor(&mut self) -> TaskExecutor<Self> {
        let designer = self.designer.clone();
        Box::new(move |task| designer.run(task))
    }

    fn activate(
        &mut self,
        layout: &AudioIOLayout,
        config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.frame.activate(layout, config.sample_rate);
        let max = config.max_buffer_size as usize;
        self.eq = Eq::new(config.sample_rate, max);
        self.offline = config.process_mode == ProcessMode::Offline;
        self.eq.set_offline(self.offline);
        self.eq.update_immediately(&self.target());
        self.designer.design_now(&mut self.eq);
        self.latency.activate(self.eq.latency_samples(), context);
        self.analysis.sample_rate.store(config.sample_rate);
        self.analysis
            .latency_samples
            .store(self.latency.samples() as f32);
        true
    }

    fn reset(&mut self) {
        self.eq.update_immediately(&self.target());
        self.eq.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        // Sample-accurate automation splits the block at parameter changes, so one update per
        // call follows automation to the sample.
        self.eq.update(&self.target());
        // A mode change changes the latency (the EQ fades across the switch); the host then
        // restarts the plugin to realign.
        let latency = self.eq.latency_samples();
        if self.latency.update(latency, context) {
            self.analysis.latency_samples.store(latency as f32);
        }
        // The analyser costs one copy per sample while the editor is open, nothing otherwise.
        let analyse = self.frame.editor_open();
        let Analysis { pre, post, .. } = &self.analysis;
        let key = plugin_kit::frame::sidechain(aux);
        match buffer.as_slice() {
            [left, right, ..] => {
                self.frame.demo(left, right);
                if analyse {
                    pre.push_mid(left, right);
                }
                self.designer
                    .process(&mut self.eq, left, right, key, self.offline, context);
                if analyse {
                    post.push_mid(left, right);
                }
            }
            [mono] => {
                if analyse {
                    pre.push(mono);
                }
                // The EQ runs stereo: the same signal on the right, in pieces on the stack
                // (as `shared_dsp::processor::mono_through_stereo` does), so any block length
                // works without a buffer sized at activation.
                let mut right = [0.0f32; 256];
                for (i, piece) in mono.chunks_mut(right.len()).enumerate() {
                    let right = &mut right[..piece.len()];
                    right.copy_from_slice(piece);
                    let range = i * 256..i * 256 + piece.len();
                    let key = key.and_then(|[l, r]| Some([l.get(range.clone())?, r.get(range)?]));
                    self.designer
                        .process(&mut self.eq, piece, right, key, self.offline, context);
                }
                if analyse {
                    post.push(mono);
                }
            }
            [] => {
                // No audio, but kernels still come and go.
                self.designer
                    .process(&mut self.eq, &mut [], &mut [], None, self.offline, context);
            }
        }
        if analyse {
            for (shown, db) in self
                .analysis
                .dynamic_db
                .iter()
                .zip(self.eq.dynamic_gain_db())
            {
                shown.store(db as f32);
            }
            self.analysis.repaint.request_repaint();
        }
        ProcessStatus::Normal
    }
}

plugin_kit::export_plugin!(
    MixwerkEq,
    clap_id: "org.mixwerk.eq",
    description: "8-band parametric EQ matched to the analog prototypes",
    clap_features: [AudioEffect, Equalizer, Stereo],
    // Never change once released: hosts identify the plugin in saved sessions by it.
    vst3_class_id: b"MixwerkEqualiz01",
    vst3_subcategories: [Fx, Eq],
);
