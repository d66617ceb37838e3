//! Mixwerk Limiter: the last plugin on the master bus. A brickwall lookahead limiter whose
//! ceiling holds for samples and for the waveform between them (true peak), with an optional
//! dither to 16 or 24 bits, and an EBU R128 loudness meter on its output. The DSP is
//! `shared_dsp::dynamics::limiter` and `shared_dsp::meter`; this crate is the plugin glue.
//!
//! Layouts: stereo and mono. The lookahead plus the true-peak detector's delay (31 samples),
//! and with Oversampling the filters' and the safety stage's delay
//! (`shared_dsp::dynamics::oversampled_limiter`), is the plugin's latency, reported at
//! activation and whenever it changes; bypass keeps it, so bypassing never moves the track in
//! time.
//!
//! The editor (`editor.rs`) shows the gain reduction and its history, the output levels and
//! correlation, the loudness figures ([`LoudnessReadings`]: momentary, short-term, integrated,
//! range, true peak, and a reset request), all handed over lock-free, and the delivery target
//! with Learn (`learn.rs`: the editor asks, the audio thread runs the shadow limiters of
//! `shared_dsp::dynamics::learn` over the input and publishes the drive, the editor sets it).

use std::sync::Arc;

use nice_plug::prelude::*;
use nice_plug_egui::RepaintNotifier;
use plugin_kit::frame::Frame;
use plugin_kit::identity;
use plugin_kit::latency::ReportedLatency;
use shared_dsp::analysis::{
    CorrelationMeter, HistoryBuffer, HistoryWriter, LevelMeter, Levels, SharedF32,
};
use shared_dsp::bypass;
use shared_dsp::dynamics::GainReductionMeter;
use shared_dsp::dynamics::learn::DriveLearner;
use shared_dsp::dynamics::oversampled_limiter::{OversampledLimiter, Settings};
use shared_dsp::meter::matching::LoudnessMatch;
use shared_dsp::meter::target::Target;
use shared_dsp::meter::{LoudnessMeter, LoudnessReadings};

mod editor;
mod learn;
mod params;
mod presets;
use params::LimiterParams;

/// The gain-reduction history: this many seconds, one point per `HISTORY_SECONDS /
/// HISTORY_POINTS` (10 ms: a limiter's release is rarely shorter, and each point keeps the
/// largest reduction in it, so no peak is lost).
const HISTORY_SECONDS: f32 = 6.0;
const HISTORY_POINTS: usize = 600;
/// Time constant of the output RMS meter (the usual RMS/VU ballistics).
const RMS_TIME_MS: f32 = 300.0;
/// Time constant of the correlation meter (the usual meter ballistics).
const CORRELATION_MS: f32 = 300.0;
/// Standalone demo: the shared demo signal peaks near −6 dBFS; this much louder, the limiter
/// has peaks to catch at its default settings and the loudness figures read like a master.
const DEMO_GAIN: f32 = 4.0; // +12 dB

pub struct MixwerkLimiter {
    params: Arc<LimiterParams>,
    /// The limiter, plain or with its gain stage oversampled (the Oversampling parameter).
    limiter: OversampledLimiter,
    /// Meters the plugin's output (what leaves the master bus). Its integrated part runs
    /// whether the editor is open or not (it must cover the whole programme); the rest only
    /// while the editor is open.
    loudness_meter: LoudnessMeter,
    /// Output peak and RMS for the editor's meters (only while it is open).
    level_meter: LevelMeter,
    /// Output correlation for the editor (only while it is open).
    correlation: CorrelationMeter,
    /// Learn's shadow limiters (running only during a pass), and the target of that pass.
    learner: DriveLearner,
    learn_target: Target,
    /// Loudness Match: what is heard, after the meters.
    matching: LoudnessMatch,
    /// Editor state, input width and the standalone demo (`plugin_kit::frame`).
    frame: Frame,
    /// Shared with the editor; kept across activations (the meters are rebuilt for each rate).
    analysis: editor::Analysis,
    history: HistoryWriter,
    latency: ReportedLatency,
}

impl Default for MixwerkLimiter {
    fn default() -> Self {
        let analysis = editor::Analysis {
            gain_reduction: Arc::new(GainReductionMeter::new()),
            history: Arc::new(HistoryBuffer::new(HISTORY_SECONDS, HISTORY_POINTS)),
            levels: Arc::new(Levels::new()),
            loudness: Arc::new(LoudnessReadings::new()),
            correlation: Arc::new(SharedF32::new(0.0)),
            learn: Arc::new(learn::LearnShared::default()),
            repaint: RepaintNotifier::new(),
        };
        Self {
            params: Arc::new(LimiterParams::default()),
            limiter: OversampledLimiter::new(48_000.0, 512),
            loudness_meter: LoudnessMeter::with_readings(48_000.0, 2, analysis.loudness.clone()),
            level_meter: LevelMeter::new(48_000.0, RMS_TIME_MS, analysis.levels.clone()),
            correlation: CorrelationMeter::new(
                48_000.0,
                CORRELATION_MS,
                analysis.correlation.clone(),
            ),
            learner: DriveLearner::new(48_000.0, 2),
            matching: LoudnessMatch::new(48_000.0, 2),
            learn_target: Target {
                lufs: -14.0,
                dbtp: -1.0,
            },
            frame: Frame::new(shared_ui::window::default_state::<editor::Limiter>())
                .with_demo_gain(DEMO_GAIN),
            history: HistoryWriter::new(analysis.history.clone(), 48_000.0),
            analysis,
            latency: ReportedLatency::default(),
        }
    }
}

impl MixwerkLimiter {
    /// What the limiter runs: the parameters, or their bypassed form.
    fn target(&self) -> Settings {
        bypass::target(
            self.params.oversampled_settings(),
            self.params.bypass.value(),
        )
    }
}

impl MixwerkLimiter {
    /// Starts or ends a Learn pass when the editor asks: the shadows get the limiter's
    /// settings and the target's ceiling; the outcome is published for the editor to apply.
    fn serve_learn(&mut self) {
        let shared = &self.analysis.learn;
        match shared.take_request() {
            Some(learn::Request::Start) => {
                if let Some(target) = self.params.target() {
                    self.learn_target = target;
                    self.learner.start(&self.params.settings(), target.dbtp);
                    shared.set_learning(true);
                }
            }
            Some(learn::Request::Stop) if self.learner.is_active() => {
                self.learner.stop();
                let t = self.learn_target;
                shared.publish(self.learner.result(t.lufs), t.dbtp);
                shared.set_learning(false);
            }
            _ => {}
        }
    }
}

impl Plugin for MixwerkLimiter {
    plugin_kit::plugin_identity!("Mixwerk Limiter");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[identity::STEREO, identity::MONO];

    // Ceiling and drive rides drawn in the host land where they are drawn.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    shared_ui::plugin_editor!(editor::Limiter { params, analysis }, repaint: analysis.repaint);

    fn activate(
        &mut self,
        layout: &AudioIOLayout,
        config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let channels = layout.main_output_channels.map_or(2, |c| c.get() as usize);
        self.frame.activate(layout, config.sample_rate);
        // The only allocations: delay lines for the longest lookahead and the meter's
        // buffers, at this rate.
        self.limiter = OversampledLimiter::new(config.sample_rate, config.max_buffer_size as usize);
        self.limiter.update_immediately(&self.target());
        self.loudness_meter = LoudnessMeter::with_readings(
            config.sample_rate,
            channels,
            self.analysis.loudness.clone(),
        );
        self.level_meter = LevelMeter::new(
            config.sample_rate,
            RMS_TIME_MS,
            self.analysis.levels.clone(),
        );
        self.correlation = CorrelationMeter::new(
            config.sample_rate,
            CORRELATION_MS,
            self.analysis.correlation.clone(),
        );
        self.history = HistoryWriter::new(self.analysis.history.clone(), config.sample_rate);
        // Allocated here so that a pass never allocates; an activation ends any pass.
        self.learner = DriveLearner::new(config.sample_rate, channels);
        self.matching = LoudnessMatch::new(config.sample_rate, channels);
        self.matching.set(self.params.output.loudness_match.value());
        self.analysis.learn.set_learning(false);
        self.latency
            .activate(self.limiter.latency_samples(), context);
        true
    }

    fn reset(&mut self) {
        self.limiter.update_immediately(&self.target());
        self.limiter.reset();
        // A restarted stream is a new measurement.
        self.loudness_meter.reset();
        self.level_meter.reset();
        self.correlation.reset();
        self.matching.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        // With sample-accurate automation nice-plug calls us once per stretch between
        // parameter changes, so one update per call follows automation to the sample.
        self.limiter.update(&self.target());
        self.latency.update(self.limiter.latency_samples(), context);
        self.serve_learn();
        self.matching.set(self.params.output.loudness_match.value());
        let samples = buffer.samples();
        // Metering for the editor costs nothing while nobody looks; the loudness meter keeps
        // only its integrated part up then (see `shared_dsp::meter::loudness`).
        let metering = self.frame.editor_open();
        self.loudness_meter.set_observed(metering);
        match buffer.as_slice() {
            [left, right, ..] => {
                self.frame.demo(left, right);
                self.learner.process(left, right);
                self.matching.measure_input(left, right);
                self.limiter.process(left, right);
                self.loudness_meter.process(left, right);
                if metering {
                    self.level_meter.process(left, right);
                    self.correlation.process(left, right);
                }
                self.matching.apply(left, right);
            }
            [mono] => {
                self.learner.process_mono(mono);
                self.matching.measure_input(mono, mono);
                self.limiter.process_mono(mono);
                self.loudness_meter.process_mono(mono);
                if metering {
                    self.level_meter.process(mono, mono);
                }
                self.matching.apply_mono(mono);
            }
            [] => {}
        }
        if metering {
            let gr = self.limiter.gain_reduction_db();
            self.analysis.gain_reduction.record(gr);
            self.history.push(gr[0].max(gr[1]), samples);
            self.analysis.repaint.request_repaint();
        }
        ProcessStatus::Normal
    }
}

plugin_kit::export_plugin!(
    MixwerkLimiter,
    clap_id: "org.mixwerk.limiter",
    description: "True-peak lookahead limiter with dither and EBU R128 loudness metering",
    clap_features: [AudioEffect, Limiter, Mastering, Stereo],
    // Never change once released: hosts identify the plugin in saved sessions by it.
    vst3_class_id: b"MixwerkLimitrV01",
    vst3_subcategories: [Fx, Dynamics, Mastering],
);
