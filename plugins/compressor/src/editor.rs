//! The compressor's editor: the transfer curve with the live detector level on it, a
//! gain-reduction meter and a scrolling gain-reduction history, and every control in the
//! host's groups (compression, detector, sidechain with listen, output).
//!
//! The curve is the DSP's own gain computer (`GainComputer::output_db`) at the current
//! threshold, ratio and knee, so it is the curve the audio goes through, not a drawing of it.
//! Levels, gain reduction and history come from the audio thread through atomics
//! (`shared_dsp::analysis`, `GainReductionMeter`), written only while this editor is open.

use std::sync::Arc;

use nice_plug::prelude::Plugin;
use nice_plug_egui::RepaintNotifier;
use shared_dsp::analysis::{HistoryBuffer, SharedMax};
use shared_dsp::dynamics::GainReductionMeter;
use shared_dsp::dynamics::gain_computer::GainComputer;
use shared_ui::egui::{self, Color32, Stroke, Vec2, pos2, vec2};
use shared_ui::widgets::{Axis, Controls, Plot};
use shared_ui::window::{self, View};
use shared_ui::{theme, widgets};

use crate::params::CompressorParams;

/// The transfer curve's range (input and output level, dBFS).
const CURVE_MIN_DB: f32 = -60.0;
const CURVE_MAX_DB: f32 = 0.0;
/// Full scale of the gain-reduction meter and history, dB.
const GR_RANGE_DB: f32 = 24.0;

/// What the editor reads from the audio thread.
#[derive(Clone)]
pub struct Analysis {
    /// Largest gain reduction per channel since the last frame.
    pub gain_reduction: Arc<GainReductionMeter>,
    /// Largest detector level since the last frame (linear amplitude).
    pub level: Arc<SharedMax>,
    /// Gain reduction over the last seconds (as many as the buffer spans).
    pub history: Arc<HistoryBuffer>,
    pub repaint: RepaintNotifier,
}

pub struct Compressor {
    params: Arc<CompressorParams>,
    analysis: Analysis,
    /// Reused every frame so drawing never allocates once warmed up.
    history: Vec<f32>,
    /// Meter readings with their fall-back applied.
    gr_db: f32,
    level_db: f32,
}

impl Compressor {
    pub fn new(params: Arc<CompressorParams>, analysis: Analysis) -> Self {
        Self {
            params,
            analysis,
            history: Vec::new(),
            gr_db: 0.0,
            level_db: f32::NEG_INFINITY,
        }
    }
}

impl View for Compressor {
    const TITLE: &'static str = crate::MixwerkCompressor::NAME;
    const SIZE: Vec2 = vec2(940.0, 600.0);

    fn ui(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let dt = ui.input(|i| i.stable_dt);
        let gr = self.analysis.gain_reduction.take();
        self.gr_db =
            widgets::meter_release(self.gr_db, gr[0].max(gr[1]), dt, widgets::RELEASE_DB_PER_S);
        let level_db = widgets::amplitude_db(self.analysis.level.take());
        self.level_db = widgets::meter_release(
            self.level_db,
            level_db.max(-120.0),
            dt,
            widgets::RELEASE_DB_PER_S,
        );
        self.analysis.history.snapshot(&mut self.history);

        let p = &self.params;
        let (c, d, s, o) = (&p.compression, &p.detector, &p.sidechain, &p.output);
        let readout = format!(
            "GR {:.1} dB    detector {}",
            self.gr_db,
            level_text(self.level_db)
        );
        let readout = egui::RichText::new(readout).color(theme::TEXT_DIM);
        window::heading(ui, Self::TITLE, Some(readout));
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                self.transfer_curve(ui);
            });
            ui.vertical(|ui| {
                ui.label(egui::RichText::new("GR").small().color(theme::TEXT_DIM));
                widgets::gain_reduction_meter(ui, self.gr_db, 300.0);
                ui.label(
                    egui::RichText::new(format!("{GR_RANGE_DB:.0}"))
                        .small()
                        .color(theme::TEXT_DIM),
                );
            });
            ui.vertical(|ui| {
                ui.horizontal_top(|ui| {
                    theme::section(ui, "COMPRESSION", |ui| {
                        ui.horizontal(|ui| {
                            k.knob(ui, "Threshold", &c.threshold);
                            k.knob(ui, "Ratio", &c.ratio);
                            k.knob(ui, "Knee", &c.knee);
                        });
                        ui.horizontal(|ui| {
                            k.knob(ui, "Attack", &c.attack);
                            k.knob(ui, "Release", &c.release);
                            theme::lowered(ui, 34.0, |ui| {
                                k.toggle(ui, "Auto Release", &c.auto_release)
                            });
                        });
                    });
                    theme::section(ui, "DETECTOR", |ui| {
                        ui.horizontal(|ui| {
                            k.selector_width(ui, "Detector", &d.detector, 100.0);
                            k.selector_width(ui, "Channels", &d.channels, 100.0);
                        });
                        ui.horizontal(|ui| {
                            k.knob(ui, "RMS Window", &d.rms_window);
                            k.knob(ui, "Stereo Link", &d.link);
                            k.knob(ui, "Lookahead", &d.lookahead);
                        });
                    });
                });
                ui.horizontal_top(|ui| {
                    theme::section(ui, "SIDECHAIN", |ui| {
                        k.selector_width(ui, "Source", &s.source, 100.0);
                        ui.horizontal(|ui| {
                            k.knob(ui, "HP Freq", &s.hpf_freq);
                            theme::lowered(ui, 14.0, |ui| {
                                k.toggle(ui, "SC High Pass", &s.hpf);
                                k.toggle(ui, "SC Listen", &s.listen);
                            });
                        });
                    });
                    theme::section(ui, "OUTPUT", |ui| {
                        ui.horizontal(|ui| {
                            k.knob(ui, "Makeup", &o.makeup);
                            k.knob(ui, "Mix", &o.mix);
                            k.knob(ui, "Output", &o.output);
                        });
                        ui.horizontal(|ui| {
                            k.toggle(ui, "Auto Makeup", &o.auto_makeup);
                            k.toggle(ui, "Bypass", &p.bypass);
                        });
                    });
                });
            });
        });
        ui.add_space(2.0);
        let width = ui.available_width();
        widgets::history_strip(
            ui,
            &self.history,
            self.analysis.history.seconds(),
            GR_RANGE_DB,
            vec2(width, 130.0),
            theme::WARN,
        );
    }
}

fn level_text(db: f32) -> String {
    if db <= widgets::FIGURE_FLOOR_DB {
        "-inf dB".to_owned()
    } else {
        format!("{db:.1} dB")
    }
}

impl Compressor {
    /// Input level → output level of the static curve (before make-up), with the 1:1 line,
    /// the threshold, and the detector's level as a dot on the curve.
    fn transfer_curve(&self, ui: &mut egui::Ui) {
        let settings = self.params.settings();
        let curve = GainComputer::new(settings.threshold_db, settings.ratio, settings.knee_db);
        let axis = Axis::linear(CURVE_MIN_DB, CURVE_MAX_DB);
        let plot = Plot::show(
            ui,
            vec2(330.0, 318.0),
            axis,
            axis,
            |v| format!("{v:.0}"),
            |v| format!("{v:.0}"),
        );
        plot.line(
            [(CURVE_MIN_DB, CURVE_MIN_DB), (CURVE_MAX_DB, CURVE_MAX_DB)],
            Stroke::new(1.0, theme::TRACK.gamma_multiply(1.6)),
        );
        // The threshold and the knee's extent.
        let t = curve.threshold_db();
        let half_knee = 0.5 * curve.knee_db();
        if half_knee > 0.0 {
            let (a, b) = (
                plot.to_screen(t - half_knee, CURVE_MAX_DB),
                plot.to_screen(t + half_knee, CURVE_MIN_DB),
            );
            plot.painter.with_clip_rect(plot.rect).rect_filled(
                egui::Rect::from_two_pos(a, b),
                0.0,
                theme::ACCENT.gamma_multiply(0.07),
            );
        }
        let x = plot.x_to_screen(t);
        if x >= plot.rect.left() && x <= plot.rect.right() {
            plot.painter.line_segment(
                [pos2(x, plot.rect.top()), pos2(x, plot.rect.bottom())],
                Stroke::new(1.0, theme::ACCENT.gamma_multiply(0.35)),
            );
        }
        // One point per pixel column of the curve.
        let columns = plot.width().max(2.0) as usize;
        let points = (0..=columns).map(|k| {
            let input = axis.value(k as f32 / columns as f32);
            (input, curve.output_db(input))
        });
        plot.line(points, Stroke::new(2.0, theme::ACCENT));
        // Where the signal is.
        if self.level_db > CURVE_MIN_DB {
            let input = self.level_db.min(CURVE_MAX_DB);
            let at = plot.to_screen(input, curve.output_db(input));
            plot.painter.line_segment(
                [pos2(at.x, plot.rect.bottom()), at],
                Stroke::new(1.0, theme::SIGNAL.gamma_multiply(0.5)),
            );
            plot.painter.circle_filled(at, 5.0, theme::SIGNAL);
            plot.painter
                .circle_stroke(at, 5.0, Stroke::new(1.0, Color32::BLACK));
        }
        plot.caption(false, "output (dB)", theme::TEXT_DIM);
        plot.caption(true, "input (dB)", theme::TEXT_DIM);
    }
}
