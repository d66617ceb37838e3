//! Mixwerk Panner: places a source in the stereo field. Pan laws for mono sources, balance or
//! stereo panning for stereo ones, width, mono, swap and polarity, all automatable and
//! glitch-free (the DSP glides one gain matrix; see `shared_dsp::pan`).

use std::sync::Arc;

use nice_plug::prelude::*;
use shared_dsp::pan::{Input, Panner, Settings};

mod params;
use params::PannerParams;

pub struct MixwerkPanner {
    params: Arc<PannerParams>,
    panner: Panner,
}

impl Default for MixwerkPanner {
    fn default() -> Self {
        Self {
            params: Arc::new(PannerParams::default()),
            panner: Panner::new(48_000.0, Input::Stereo),
        }
    }
}

impl MixwerkPanner {
    /// Bypass is one more target for the matrix glide, so switching it never clicks: a stereo
    /// input passes as it is, a mono input goes to both sides at unity.
    fn target(&self) -> Settings {
        if self.params.bypass.value() { Settings::neutral() } else { self.params.settings() }
    }
}

impl Plugin for MixwerkPanner {
    const NAME: &'static str = "Mixwerk Panner";
    const VENDOR: &'static str = "Mixwerk";
    const URL: &'static str = "https://mixwerk.org";
    const EMAIL: &'static str = "info@mixwerk.org";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            names: PortNames { layout: Some("Stereo"), ..PortNames::const_default() },
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(2),
            names: PortNames { layout: Some("Mono to Stereo"), ..PortNames::const_default() },
            ..AudioIOLayout::const_default()
        },
    ];

    // Pan sweeps drawn in the host land where they are drawn, not at the next block.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = ();
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn activate(
        &mut self,
        layout: &AudioIOLayout,
        config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let input = match layout.main_input_channels.map(NonZeroU32::get) {
            Some(1) => Input::Mono,
            _ => Input::Stereo,
        };
        self.panner = Panner::new(config.sample_rate, input);
        self.panner.update_immediately(&self.target());
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
        if let [left, right, ..] = buffer.as_slice() {
            self.panner.process(left, right);
        }
        ProcessStatus::Normal
    }
}

impl ClapPlugin for MixwerkPanner {
    const CLAP_ID: &'static str = "org.mixwerk.panner";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Pan laws, balance and stereo panning, width, mono, swap and polarity");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] =
        &[ClapFeature::AudioEffect, ClapFeature::Utility, ClapFeature::Stereo];
}

impl Vst3Plugin for MixwerkPanner {
    // Never change once released: hosts identify the plugin in saved sessions by it.
    const VST3_CLASS_ID: [u8; 16] = *b"MixwerkPannerV01";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Spatial];
}

nice_export_clap!(MixwerkPanner);
nice_export_vst3!(MixwerkPanner);
