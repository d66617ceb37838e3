//! The compressor's editor: the transfer curve with the live detector level on it, a
//! gain-reduction meter and a scrolling gain-reduction history, and every control in the
//! host's groups (compression, detector, sidechain with listen, output).
//!
//! The curve is the DSP's own gain computer (`GainComputer::output_db`) at the current
//! threshold, ratio and knee, so it is the curve the audio goes through, not a drawing of it.
//! Levels, gain reduction and history come from the audio thread through atomics
//! (`shared_dsp::analysis`, `GainReductionMeter`), written only while this editor is open.

use std::sync::Arc;

use nice_plug::context::gui::GuiContext;
use nice_plug_egui::{
    EguiEditor, EguiEditorState, NiceEguiApp, RepaintNotifier, create_egui_editor,
};
use shared_dsp::analysis::{HistoryBuffer, SharedMax};
use shared_dsp::dynamics::GainReductionMeter;
use shared_dsp::dynamics::gain_computer::GainComputer;
use shared_ui::control::Bound;
use shared_ui::egui::{self, Color32, Stroke, pos2, vec2};
use shared_ui::widgets::{Axis, Plot};
use shared_ui::{theme, widgets};

use crate::params::CompressorParams;

pub const WIDTH: f32 = 940.0;
pub const HEIGHT: f32 = 600.0;

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
    /// Gain reduction over the last `history_seconds`.
    pub history: Arc<HistoryBuffer>,
    pub history_seconds: f32,
    pub repaint: RepaintNotifier,
}

pub fn default_state() -> Arc<EguiEditorState> {
    shared_ui::window::default_state(shared_ui::egui::vec2(WIDTH, HEIGHT))
}

pub fn create(
    params: Arc<CompressorParams>,
    state: Arc<EguiEditorState>,
    analysis: Analysis,
) -> Option<EguiEditor<CompressorApp>> {
    let settings =
        shared_ui::window::settings("Mixwerk Compressor", shared_ui::egui::vec2(WIDTH, HEIGHT));
    let repaint = analysis.repaint.clone();
    let app = CompressorApp {
        params,
        analysis,
        gui: None,
        history: Vec::new(),
        gr_db: 0.0,
        level_db: f32::NEG_INFINITY,
    };
    create_egui_editor(state, repaint, settings, app)
}

pub struct CompressorApp {
    params: Arc<CompressorParams>,
    analysis: Analysis,
    gui: Option<GuiContext>,
    /// Reused every frame so drawing never allocates once warmed up.
    history: Vec<f32>,
    /// Meter readings with their fall-back applied.
    gr_db: f32,
    level_db: f32,
}

impl NiceEguiApp for CompressorApp {
    fn build(
        &mut self,
        ctx: egui::Context,
        gui: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        theme::apply(&ctx);
        self.gui = Some(gui);
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        shared_ui::window::fit(ui.ctx(), shared_ui::egui::vec2(WIDTH, HEIGHT));
        let Some(gui) = self.gui.clone() else { return };
        let setter = gui.param_setter();
        let dt = ui.input(|i| i.stable_dt);
        let gr = self.analysis.gain_reduction.take();
        self.gr_db =
            widgets::meter_release(self.gr_db, gr[0].max(gr[1]), dt, widgets::RELEASE_DB_PER_S);
        let level = self.analysis.level.take();
        let level_db = if level > 0.0 {
            20.0 * level.log10()
        } else {
            f32::NEG_INFINITY
        };
        self.level_db = widgets::meter_release(
            self.level_db,
            level_db.max(-120.0),
            dt,
            widgets::RELEASE_DB_PER_S,
        );
        self.analysis.history.snapshot(&mut self.history);

        let p = &self.params;
        let (c, d, s, o) = (&p.compression, &p.detector, &p.sidechain, &p.output);
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Mixwerk Compressor");
                ui.add_space(16.0);
                let readout = format!(
                    "GR {:.1} dB    detector {}",
                    self.gr_db,
                    level_text(self.level_db)
                );
                ui.label(egui::RichText::new(readout).color(theme::TEXT_DIM));
            });
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
                                widgets::knob(
                                    ui,
                                    "Threshold",
                                    &Bound {
                                        param: &c.threshold,
                                        setter: &setter,
                                    },
                                );
                                widgets::knob(
                                    ui,
                                    "Ratio",
                                    &Bound {
                                        param: &c.ratio,
                                        setter: &setter,
                                    },
                                );
                                widgets::knob(
                                    ui,
                                    "Knee",
                                    &Bound {
                                        param: &c.knee,
                                        setter: &setter,
                                    },
                                );
                            });
                            ui.horizontal(|ui| {
                                widgets::knob(
                                    ui,
                                    "Attack",
                                    &Bound {
                                        param: &c.attack,
                                        setter: &setter,
                                    },
                                );
                                widgets::knob(
                                    ui,
                                    "Release",
                                    &Bound {
                                        param: &c.release,
                                        setter: &setter,
                                    },
                                );
                                ui.vertical(|ui| {
                                    ui.add_space(34.0);
                                    widgets::toggle(
                                        ui,
                                        "Auto Release",
                                        &Bound {
                                            param: &c.auto_release,
                                            setter: &setter,
                                        },
                                    );
                                });
                            });
                        });
                        theme::section(ui, "DETECTOR", |ui| {
                            ui.horizontal(|ui| {
                                widgets::selector_width(
                                    ui,
                                    "Detector",
                                    &Bound {
                                        param: &d.detector,
                                        setter: &setter,
                                    },
                                    100.0,
                                );
                                widgets::selector_width(
                                    ui,
                                    "Channels",
                                    &Bound {
                                        param: &d.channels,
                                        setter: &setter,
                                    },
                                    100.0,
                                );
                            });
                            ui.horizontal(|ui| {
                                widgets::knob(
                                    ui,
                                    "RMS Window",
                                    &Bound {
                                        param: &d.rms_window,
                                        setter: &setter,
                                    },
                                );
                                widgets::knob(
                                    ui,
                                    "Stereo Link",
                                    &Bound {
                                        param: &d.link,
                                        setter: &setter,
                                    },
                                );
                                widgets::knob(
                                    ui,
                                    "Lookahead",
                                    &Bound {
                                        param: &d.lookahead,
                                        setter: &setter,
                                    },
                                );
                            });
                        });
                    });
                    ui.horizontal_top(|ui| {
                        theme::section(ui, "SIDECHAIN", |ui| {
                            widgets::selector_width(
                                ui,
                                "Source",
                                &Bound {
                                    param: &s.source,
                                    setter: &setter,
                                },
                                100.0,
                            );
                            ui.horizontal(|ui| {
                                widgets::knob(
                                    ui,
                                    "HP Freq",
                                    &Bound {
                                        param: &s.hpf_freq,
                                        setter: &setter,
                                    },
                                );
                                ui.vertical(|ui| {
                                    ui.add_space(14.0);
                                    widgets::toggle(
                                        ui,
                                        "SC High Pass",
                                        &Bound {
                                            param: &s.hpf,
                                            setter: &setter,
                                        },
                                    );
                                    widgets::toggle(
                                        ui,
                                        "SC Listen",
                                        &Bound {
                                            param: &s.listen,
                                            setter: &setter,
                                        },
                                    );
                                });
                            });
                        });
                        theme::section(ui, "OUTPUT", |ui| {
                            ui.horizontal(|ui| {
                                widgets::knob(
                                    ui,
                                    "Makeup",
                                    &Bound {
                                        param: &o.makeup,
                                        setter: &setter,
                                    },
                                );
                                widgets::knob(
                                    ui,
                                    "Mix",
                                    &Bound {
                                        param: &o.mix,
                                        setter: &setter,
                                    },
                                );
                                widgets::knob(
                                    ui,
                                    "Output",
                                    &Bound {
                                        param: &o.output,
                                        setter: &setter,
                                    },
                                );
                            });
                            ui.horizontal(|ui| {
                                widgets::toggle(
                                    ui,
                                    "Auto Makeup",
                                    &Bound {
                                        param: &o.auto_makeup,
                                        setter: &setter,
                                    },
                                );
                                widgets::toggle(
                                    ui,
                                    "Bypass",
                                    &Bound {
                                        param: &p.bypass,
                                        setter: &setter,
                                    },
                                );
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
                self.analysis.history_seconds,
                GR_RANGE_DB,
                vec2(width, 130.0),
                theme::WARN,
            );
        });
    }
}

fn level_text(db: f32) -> String {
    if db <= widgets::FIGURE_FLOOR_DB {
        "-inf dB".to_owned()
    } else {
        format!("{db:.1} dB")
    }
}

impl CompressorApp {
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
