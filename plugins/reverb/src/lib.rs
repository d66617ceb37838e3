//! Mixwerk Reverb: an algorithmic feedback-delay-network reverb whose decay is exactly what it
//! says, and zero-latency convolution with impulse-response files or built-in impulse
//! responses, all automatable and glitch-free (the DSP is `shared_dsp::reverb`; this crate is
//! the plugin glue and the IR loader, see `ir.rs`).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use nice_plug::prelude::*;
use nice_plug_egui::RepaintNotifier;
use plugin_kit::frame::Frame;
use plugin_kit::identity;
use shared_dsp::bypass;
use shared_dsp::reverb::{Reverb, Settings};

mod editor;
pub mod ir;
mod params;
mod presets;
use ir::{IrShared, IrTask};
use params::{ModeParam, ReverbParams};

pub struct MixwerkReverb {
    params: Arc<ReverbParams>,
    reverb: Reverb,
    ir: ir::Shared,
    /// Editor state, input width and the standalone demo (`plugin_kit::frame`).
    frame: Frame,
    repaint: RepaintNotifier,
    /// The path's change counter as the audio thread last saw it (a change asks for a load).
    seen_path: u32,
    /// The host renders offline (a bounce): IR loads are waited for (see `ir.rs`).
    offline: bool,
}

impl Default for MixwerkReverb {
    fn default() -> Self {
        let params = Arc::new(ReverbParams::default());
        let ir = Arc::new(IrShared::default());
        ir.sample_rate.store(48_000.0, Ordering::Release);
        // Standalone builds: `MIXWERK_DEMO_IR` preloads an impulse response, as a session would.
        #[cfg(feature = "standalone")]
        if let Some(path) = std::env::var_os("MIXWERK_DEMO_IR") {
            params.ir_path.set(path.to_string_lossy().into_owned());
        }
        Self {
            seen_path: params.ir_path.generation(),
            params,
            reverb: Reverb::new(48_000.0, 512),
            ir,
            frame: Frame::new(shared_ui::window::default_state::<editor::Reverb>()),
            repaint: RepaintNotifier::new(),
            offline: false,
        }
    }
}

impl MixwerkReverb {
    /// Bypass is one more target for the DSP's glides (dry at unity, no wet), so switching it
    /// never clicks; the tail keeps running underneath, so un-bypassing is seamless too.
    fn target(&self) -> Settings {
        bypass::target(self.params.settings(), self.params.bypass.value())
    }

    /// Whether the Mode parameter is Convolution now (any thread: an atomic read).
    fn convolution(params: &ReverbParams) -> bool {
        params.space.mode.value() == ModeParam::Convolution
    }
}

impl Plugin for MixwerkReverb {
    plugin_kit::plugin_identity!("Mixwerk Reverb");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        identity::with_sidechain(identity::STEREO),
        identity::with_sidechain(identity::MONO_TO_STEREO),
    ];

    // Automation lands where it is drawn, not at the next block.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    shared_ui::plugin_editor!(editor::Reverb { params, ir }, repaint: repaint, background: IrTask);

    fn task_executor(&mut self) -> TaskExecutor<Self> {
        let (ir, params) = (self.ir.clone(), self.params.clone());
        Box::new(move |task| ir.run(task, &params.ir_path, Self::convolution(&params)))
    }

    fn activate(
        &mut self,
        layout: &AudioIOLayout,
        config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.frame.activate(layout, config.sample_rate);
        self.ir
            .sample_rate
            .store(config.sample_rate, Ordering::Release);
        self.reverb = Reverb::new(config.sample_rate, config.max_buffer_size as usize);
        self.offline = config.process_mode == ProcessMode::Offline;
        // Load the session's IR here, on the main thread, so that a session (or an offline
        // render) has it from the first sample; later changes load in the background.
        self.seen_path = self.params.ir_path.generation();
        let convolution = Self::convolution(&self.params);
        if let Some(engine) = self.ir.load_now(&self.params.ir_path, convolution) {
            self.reverb.install_ir(engine);
        }
        self.reverb.update_immediately(&self.target());
        true
    }

    fn reset(&mut self) {
        self.reverb.update_immediately(&self.target());
        self.reverb.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        // A load when the path changed, or when convolution mode wants the default built-in
        // that was left unloaded while the plugin was algorithmic.
        let generation = self.params.ir_path.generation();
        let deferred = Self::convolution(&self.params) && self.ir.take_deferred();
        if generation != self.seen_path || deferred {
            self.seen_path = generation;
            let request = self.ir.engines.request();
            context.execute_background(IrTask::Load(request));
            if self.offline {
                // A bounce plays the new IR from this block, however fast it runs.
                self.ir.wait_for(request, || {
                    context.execute_background(IrTask::Load(request));
                });
            }
        }
        if self.reverb.exchange_ir(self.ir.engines.mailbox()) {
            context.execute_background(IrTask::Collect);
        }
        // With sample-accurate automation nice-plug calls us once per stretch between
        // parameter changes, so one update per call follows automation to the sample.
        self.reverb.update(&self.target());
        // Ducking keyed by the Sidechain input (another track) when asked to.
        let key = self
            .params
            .keyed()
            .then(|| plugin_kit::frame::sidechain(aux))
            .flatten();
        if let Some((left, right)) = self.frame.stereo(buffer) {
            self.reverb.process_keyed(left, right, key);
        }
        // The editor draws from the parameters and the loader's status: show their changes.
        if self.frame.editor_open() {
            self.repaint.request_repaint();
        }
        match self.reverb.tail_samples() {
            Some(samples) => ProcessStatus::Tail(samples),
            None => ProcessStatus::KeepAlive,
        }
    }
}

plugin_kit::export_plugin!(
    MixwerkReverb,
    clap_id: "org.mixwerk.reverb",
    description: "Algorithmic FDN reverb with accurate decay, and zero-latency convolution with impulse responses",
    clap_features: [AudioEffect, Reverb, Stereo],
    // Never change once released: hosts identify the plugin in saved sessions by it.
    vst3_class_id: b"MixwerkReverbV01",
    vst3_subcategories: [Fx, Reverb],
);
