//! Mixwerk Limiter: the last plugin on the master bus. A brickwall lookahead limiter whose
//! ceiling holds for samples and for the waveform between them (true peak), with an optional
//! dither to 16 or 24 bits, and an EBU R128 loudness meter on its output. The DSP is
//! `shared_dsp::dynamics::limiter` and `shared_dsp::meter`; this crate is the plugin glue.
//!
//! Layouts: stereo and mono. The lookahead is the plugin's latency, reported at activation and
//! whenever it changes; bypass keeps it, so bypassing never moves the track in time.
//!
//! For the editor (next issue): the gain reduction per channel ([`GainReductionMeter`]) and
//! the loudness figures ([`LoudnessReadings`]: momentary, short-term, integrated, range, true
//! peak, and a reset request), all lock-free.

use std::sync::Arc;

use nice_plug::prelude::*;
use shared_dsp::dynamics::{GainReductionMeter, Limiter};
use shared_dsp::meter::{LoudnessMeter, LoudnessReadings};

mod params;
use params::LimiterParams;

pub struct MixwerkLimiter {
    params: Arc<LimiterParams>,
    limiter: Limiter,
    /// Meters the plugin's output (what leaves the master bus).
    loudness_meter: LoudnessMeter,
    /// Shared with the editor; kept across activations (the meter is rebuilt for each rate).
    loudness: Arc<LoudnessReadings>,
    gain_reduction: Arc<GainReductionMeter>,
    /// The latency last reported to the host, in samples.
    reported_latency: u32,
}

impl Default for MixwerkLimiter {
    fn default() -> Self {
        let loudness = Arc::new(LoudnessReadings::new());
        Self {
            params: Arc::new(LimiterParams::default()),
            limiter: Limiter::new(48_000.0, 512),
            loudness_meter: LoudnessMeter::with_readings(48_000.0, 2, loudness.clone()),
            loudness,
            gain_reduction: Arc::new(GainReductionMeter::new()),
            reported_latency: 0,
        }
    }
}

impl MixwerkLimiter {
    /// Tells the host when the lookahead (the plugin's whole latency) changes. nice-plug
    /// passes this on as a latency change plus a restart request, as CLAP and VST3 require.
    fn report_latency(&mut self, set: impl FnOnce(u32)) {
        let latency = self.limiter.latency_samples() as u32;
        if latency != self.reported_latency {
            self.reported_latency = latency;
            set(latency);
        }
    }
}

impl Plugin for MixwerkLimiter {
    const NAME: &'static str = "Mixwerk Limiter";
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
            main_output_channels: NonZeroU32::new(1),
            names: PortNames { layout: Some("Mono"), ..PortNames::const_default() },
            ..AudioIOLayout::const_default()
        },
    ];

    // Ceiling and drive rides drawn in the host land where they are drawn.
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
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let channels = layout.main_output_channels.map_or(2, |c| c.get() as usize);
        // The only allocations: delay lines for the longest lookahead and the meter's
        // buffers, at this rate.
        self.limiter = Limiter::new(config.sample_rate, config.max_buffer_size as usize);
        self.limiter.update_immediately(&self.params.settings());
        self.loudness_meter = LoudnessMeter::with_readings(config.sample_rate, channels, self.loudness.clone());
        // Always report at activation: the host may hold a value from another instance state.
        self.reported_latency = u32::MAX;
        self.report_latency(|l| context.set_latency_samples(l));
        true
    }

    fn reset(&mut self) {
        self.limiter.update_immediately(&self.params.settings());
        self.limiter.reset();
        // A restarted stream is a new measurement.
        self.loudness_meter.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        // With sample-accurate automation nice-plug calls us once per stretch between
        // parameter changes, so one update per call follows automation to the sample.
        self.limiter.update(&self.params.settings());
        self.report_latency(|l| context.set_latency_samples(l));
        match buffer.as_slice() {
            [left, right, ..] => {
                self.limiter.process(left, right);
                self.loudness_meter.process(left, right);
            }
            [mono] => {
                self.limiter.process_mono(mono);
                self.loudness_meter.process_mono(mono);
            }
            [] => {}
        }
        self.gain_reduction.record(self.limiter.gain_reduction_db());
        ProcessStatus::Normal
    }
}

impl ClapPlugin for MixwerkLimiter {
    const CLAP_ID: &'static str = "org.mixwerk.limiter";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("True-peak lookahead limiter with dither and EBU R128 loudness metering");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] =
        &[ClapFeature::AudioEffect, ClapFeature::Limiter, ClapFeature::Mastering, ClapFeature::Stereo];
}

impl Vst3Plugin for MixwerkLimiter {
    // Never change once released: hosts identify the plugin in saved sessions by it.
    const VST3_CLASS_ID: [u8; 16] = *b"MixwerkLimitrV01";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Dynamics, Vst3SubCategory::Mastering];
}

nice_export_clap!(MixwerkLimiter);
nice_export_vst3!(MixwerkLimiter);
