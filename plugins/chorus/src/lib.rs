//! Mixwerk Chorus: chorus, string ensemble, flanger and vibrato, the modulation effects of a
//! mix. The DSP is `shared_dsp::chorus`; this crate maps parameters, the host's tempo and its
//! song position onto it.

use std::sync::Arc;

use nice_plug::prelude::*;
use nice_plug_egui::RepaintNotifier;
use plugin_kit::frame::Frame;
use plugin_kit::identity;
use plugin_kit::latency::ReportedLatency;
use shared_dsp::analysis::SharedF32;
use shared_dsp::bypass;
use shared_dsp::chorus::{Chorus, MAX_RATE_HZ, Rate, Settings};
use shared_dsp::delay::DEFAULT_BPM;

mod editor;
mod params;
mod presets;
use params::ChorusParams;

/// A synced LFO further than this (in cycles) from where the song position puts it has been
/// moved by the transport (a start, a locate, a loop): it jumps there. Closer, it is already
/// following: the DSP advances at exactly the tempo's rate, and small corrections would only
/// add steps to the delay time.
const RESYNC_CYCLES: f64 = 0.01;

pub struct MixwerkChorus {
    params: Arc<ChorusParams>,
    chorus: Chorus,
    /// Editor state, input width and the standalone demo (`plugin_kit::frame`).
    frame: Frame,
    analysis: editor::Analysis,
    latency: ReportedLatency,
    /// No block processed since activation or reset: the first one jumps to the settings
    /// and the host's tempo instead of gliding there.
    fresh: bool,
}

impl Default for MixwerkChorus {
    fn default() -> Self {
        Self {
            params: Arc::new(ChorusParams::default()),
            chorus: Chorus::new(48_000.0, 512),
            frame: Frame::new(shared_ui::window::default_state::<editor::ChorusView>()),
            analysis: editor::Analysis {
                phase: Arc::new(SharedF32::new(0.0)),
                repaint: RepaintNotifier::new(),
            },
            latency: ReportedLatency::default(),
            fresh: true,
        }
    }
}

impl MixwerkChorus {
    /// Bypass is one more target for the DSP's glides, so switching it never clicks: the wet
    /// signal fades out and the dry one stays (delayed as before in a through-zero flanger,
    /// so the host's latency compensation still holds).
    fn target(&self) -> Settings {
        bypass::target(self.params.settings(), self.params.bypass.value())
    }

    /// A tempo-synced LFO follows the song position while the transport plays, so that the
    /// sweep lands on the same beat in every playback and render.
    /// `song_beats`: the song position while the transport plays.
    fn follow_song_position(&mut self, settings: &Settings, song_beats: Option<f64>, bpm: f64) {
        let (Rate::Note(note), Some(beats)) = (settings.rate, song_beats) else {
            return;
        };
        // A note too short for the LFO at this tempo plays at the fastest rate instead, and
        // has no phase to follow.
        if settings.rate_hz(bpm) >= MAX_RATE_HZ as f64 {
            return;
        }
        let want = (beats / note.quarters()).rem_euclid(1.0);
        let off = (want - self.chorus.phase() + 0.5).rem_euclid(1.0) - 0.5;
        if off.abs() > RESYNC_CYCLES {
            self.chorus.set_phase(want);
        }
    }
}

impl Plugin for MixwerkChorus {
    plugin_kit::plugin_identity!("Mixwerk Chorus");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] =
        &[identity::STEREO, identity::MONO_TO_STEREO];

    // Rate and depth moves drawn in the host land where they are drawn.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    shared_ui::plugin_editor!(editor::ChorusView { params, analysis }, repaint: analysis.repaint);

    fn activate(
        &mut self,
        layout: &AudioIOLayout,
        config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.frame.activate(layout, config.sample_rate);
        // The only allocation: the delay lines for the longest delay at this rate.
        self.chorus = Chorus::new(config.sample_rate, config.max_buffer_size as usize);
        self.chorus.update_immediately(&self.target());
        self.fresh = true;
        self.latency
            .activate(self.chorus.latency_samples(), context);
        true
    }

    fn reset(&mut self) {
        self.chorus.reset();
        self.fresh = true;
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let transport = context.transport();
        let bpm = transport.tempo.unwrap_or(DEFAULT_BPM);
        let song_beats = transport.playing.then(|| transport.pos_beats()).flatten();
        self.chorus.set_tempo(bpm);
        let target = self.target();
        if self.fresh {
            self.chorus.update_immediately(&target);
            self.fresh = false;
        } else {
            // With sample-accurate automation nice-plug calls us once per stretch between
            // parameter changes, so one update per call follows automation to the sample.
            self.chorus.update(&target);
        }
        self.follow_song_position(&target, song_beats, bpm);
        self.params.show_tempo(bpm);
        // Through zero delays the dry path: the host hears of it when it is switched.
        self.latency.update(self.chorus.latency_samples(), context);
        if let Some((left, right)) = self.frame.stereo(buffer) {
            self.chorus.process(left, right);
        }
        if self.frame.editor_open() {
            self.analysis.phase.store(self.chorus.phase() as f32);
            self.analysis.repaint.request_repaint();
        }
        // The delay lines (and a flanger's feedback) ring on after the input stops.
        ProcessStatus::Tail(self.chorus.tail_samples())
    }
}

plugin_kit::export_plugin!(
    MixwerkChorus,
    clap_id: "org.mixwerk.chorus",
    description: "Chorus, ensemble, flanger and vibrato: the modulation effects of a mix",
    clap_features: [AudioEffect, Chorus, Flanger, Stereo],
    // Never change once released: hosts identify the plugin in saved sessions by it.
    vst3_class_id: b"MixwerkChorusV01",
    vst3_subcategories: [Fx, Modulation],
);
