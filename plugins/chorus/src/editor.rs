//! The chorus's editor: the delay time of every voice over two LFO cycles (left voices in
//! one colour, right in the other), with the LFO's position now, so the mode's topology is
//! visible (spread voices, the ensemble's two LFOs, a flanger's sweep through zero), and
//! every control in the host's groups.
//!
//! The curves come from `shared_dsp::chorus::voice_delays_ms`, the function the DSP itself
//! modulates with, so the display is exact and costs the audio thread nothing; only the
//! LFO's phase comes from the audio thread (one atomic, written while the editor is open).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use nice_plug::prelude::Plugin;
use nice_plug_egui::RepaintNotifier;
use plugin_kit::text;
use shared_dsp::analysis::SharedF32;
use shared_dsp::chorus::{Mode, Settings, voice_delays_ms};
use shared_ui::egui::{self, Color32, Stroke, Vec2, vec2};
use shared_ui::theme;
use shared_ui::widgets::{Axis, Controls, Plot};
use shared_ui::window::{self, View};

use crate::params::ChorusParams;

const LEFT: Color32 = theme::ACCENT;
const RIGHT: Color32 = theme::SIGNAL;
/// Points per curve over the two cycles shown.
const POINTS: usize = 240;

/// What the editor reads from the audio thread.
#[derive(Clone)]
pub struct Analysis {
    /// The LFO's phase in cycles (0 … 1).
    pub phase: Arc<SharedF32>,
    pub repaint: RepaintNotifier,
}

pub struct ChorusView {
    params: Arc<ChorusParams>,
    analysis: Analysis,
    /// Reused every frame so drawing never allocates once warmed up.
    curve: Vec<(f32, f32)>,
}

impl ChorusView {
    pub fn new(params: Arc<ChorusParams>, analysis: Analysis) -> Self {
        Self {
            params,
            analysis,
            curve: Vec::with_capacity(POINTS + 1),
        }
    }
}

impl View for ChorusView {
    const TITLE: &'static str = crate::MixwerkChorus::NAME;
    const SIZE: Vec2 = vec2(960.0, 540.0);

    fn ui(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let params = self.params.clone();
        let p = &params;
        let (m, f, t, o) = (&p.modulation, &p.flanger, &p.tone, &p.output);
        let bpm = f32::from_bits(p.tempo.load(Ordering::Relaxed)) as f64;
        let settings = p.settings();
        let rate_hz = settings.rate_hz(bpm);
        let info = format!(
            "LFO {}    at {bpm:.1} BPM",
            text::hz_to_text(rate_hz as f32)
        );
        let info = egui::RichText::new(info).color(theme::TEXT_DIM);
        window::heading(ui, Self::TITLE, Some(info));
        self.modulation_display(ui, &settings);
        let mode = settings.mode;
        ui.horizontal_top(|ui| {
            theme::section(ui, "MODULATION", |ui| {
                ui.horizontal(|ui| {
                    k.selector_width(ui, "Mode", &m.mode, 96.0);
                    k.toggle(ui, "Tempo Sync", &m.sync);
                    if m.sync.value() {
                        k.selector_width(ui, "Note", &m.note, 132.0);
                    }
                });
                ui.horizontal(|ui| {
                    ui.add_enabled_ui(!m.sync.value(), |ui| {
                        k.knob(ui, "Rate", &m.rate);
                    });
                    k.knob(ui, "Depth", &m.depth);
                    k.knob(ui, "Delay", &m.delay);
                    ui.add_enabled_ui(mode == Mode::Chorus, |ui| {
                        k.knob(ui, "Voices", &m.voices);
                    });
                    k.knob(ui, "Spread", &m.spread);
                });
            });
            ui.vertical(|ui| {
                theme::section(ui, "TONE", |ui| {
                    ui.horizontal(|ui| {
                        k.knob(ui, "Low Cut", &t.low_cut);
                        k.knob(ui, "High Cut", &t.high_cut);
                    });
                    k.toggle(ui, "Analog", &t.analog);
                });
                theme::section(ui, "FLANGER", |ui| {
                    ui.add_enabled_ui(mode == Mode::Flanger, |ui| {
                        ui.horizontal(|ui| {
                            k.knob(ui, "Feedback", &f.feedback);
                            theme::lowered(ui, 24.0, |ui| {
                                k.toggle(ui, "Through Zero", &f.through_zero);
                            });
                        });
                    });
                });
            });
            theme::section(ui, "OUTPUT", |ui| {
                ui.horizontal(|ui| {
                    k.knob(ui, "Width", &o.width);
                    k.knob(ui, "Mix", &o.mix);
                    k.knob(ui, "Output", &o.output);
                });
                k.toggle(ui, "Bypass", &p.bypass);
            });
        });
    }
}

impl ChorusView {
    /// Every voice's delay over two LFO cycles, and the LFO's position now.
    fn modulation_display(&mut self, ui: &mut egui::Ui, settings: &Settings) {
        let at = |phase: f64| voice_delays_ms(settings, phase);
        // The y range: the curves' extent over a cycle, with a little room.
        let (mut low, mut high) = (f32::INFINITY, f32::NEG_INFINITY);
        for i in 0..=POINTS / 2 {
            let d = at(i as f64 / (POINTS / 2) as f64);
            for &ms in d.left[..d.voices].iter().chain(&d.right[..d.voices]) {
                low = low.min(ms);
                high = high.max(ms);
            }
        }
        let pad = ((high - low) * 0.1).max(0.25);
        let (low, high) = ((low - pad).max(0.0), high + pad);
        let plot = Plot::show(
            ui,
            vec2(ui.available_width(), 190.0),
            Axis::linear(0.0, 2.0),
            Axis::linear(low, high),
            |cycles| format!("{cycles:.1}"),
            |ms| format!("{ms:.1}"),
        );
        let voices = at(0.0).voices;
        for (side, colour) in [(0, LEFT), (1, RIGHT)] {
            for v in 0..voices {
                self.curve.clear();
                self.curve.extend((0..=POINTS).map(|i| {
                    let x = 2.0 * i as f64 / POINTS as f64;
                    let d = at(x);
                    let ms = if side == 0 { d.left[v] } else { d.right[v] };
                    (x as f32, ms)
                }));
                plot.line(self.curve.iter().copied(), Stroke::new(1.5, colour));
            }
        }
        if settings.mode == Mode::Flanger && settings.through_zero {
            // The dry path's delay: where the wet crosses it, the sweep passes through zero.
            let dry = at(0.0).dry_ms;
            plot.line([(0.0, dry), (2.0, dry)], Stroke::new(1.0, theme::TEXT_DIM));
        }
        let phase = self.analysis.phase.load().rem_euclid(1.0);
        for x in [phase, phase + 1.0] {
            let px = plot.x_to_screen(x);
            plot.painter.line_segment(
                [
                    egui::pos2(px, plot.rect.top()),
                    egui::pos2(px, plot.rect.bottom()),
                ],
                Stroke::new(1.0, theme::WARN.gamma_multiply(0.8)),
            );
        }
        plot.legend(&[("left voices", LEFT), ("right voices", RIGHT)]);
        plot.caption_bottom(
            false,
            "delay of each voice (ms) over two LFO cycles",
            theme::TEXT_DIM,
        );
    }
}
