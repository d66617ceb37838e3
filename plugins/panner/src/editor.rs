//! The panner's editor: the controls, a vectorscope of the output and a correlation meter.
//! The scope and meter data come from the audio thread through `shared_dsp::analysis`
//! (atomics only); they are computed only while this editor is open.

use std::sync::Arc;

use nice_plug::context::gui::GuiContext;
use nice_plug_egui::{
    EguiEditor, EguiEditorState, NiceEguiApp, RepaintNotifier, create_egui_editor,
};
use shared_dsp::analysis::{ScopeBuffer, SharedF32};
use shared_ui::control::Bound;
use shared_ui::egui;
use shared_ui::{theme, widgets};

use crate::params::PannerParams;

pub const WIDTH: f32 = 640.0;
pub const HEIGHT: f32 = 360.0;

/// What the editor reads from the audio thread.
#[derive(Clone)]
pub struct Analysis {
    pub scope: Arc<ScopeBuffer>,
    pub correlation: Arc<SharedF32>,
    pub repaint: RepaintNotifier,
}

pub fn default_state() -> Arc<EguiEditorState> {
    shared_ui::window::default_state(shared_ui::egui::vec2(WIDTH, HEIGHT))
}

pub fn create(
    params: Arc<PannerParams>,
    state: Arc<EguiEditorState>,
    analysis: Analysis,
) -> Option<EguiEditor<PannerApp>> {
    let settings =
        shared_ui::window::settings("Mixwerk Panner", shared_ui::egui::vec2(WIDTH, HEIGHT));
    let repaint = analysis.repaint.clone();
    create_egui_editor(
        state,
        repaint,
        settings,
        PannerApp {
            params,
            analysis,
            gui: None,
            pairs: Vec::new(),
        },
    )
}

pub struct PannerApp {
    params: Arc<PannerParams>,
    analysis: Analysis,
    gui: Option<GuiContext>,
    /// Reused every frame so drawing never allocates once warmed up.
    pairs: Vec<(f32, f32)>,
}

impl NiceEguiApp for PannerApp {
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
        let Some(gui) = &self.gui else { return };
        let setter = gui.param_setter();
        let p = &self.params;
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading("Mixwerk Panner");
            });
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    theme::section(ui, "PLACEMENT", |ui| {
                        ui.horizontal(|ui| {
                            widgets::knob(
                                ui,
                                "Pan",
                                &Bound {
                                    param: &p.pan,
                                    setter: &setter,
                                },
                            );
                            widgets::knob(
                                ui,
                                "Width",
                                &Bound {
                                    param: &p.width,
                                    setter: &setter,
                                },
                            );
                            widgets::knob(
                                ui,
                                "Output",
                                &Bound {
                                    param: &p.gain,
                                    setter: &setter,
                                },
                            );
                        });
                        ui.horizontal(|ui| {
                            widgets::selector(
                                ui,
                                "Pan Law",
                                &Bound {
                                    param: &p.law,
                                    setter: &setter,
                                },
                            );
                            widgets::selector(
                                ui,
                                "Pan Mode",
                                &Bound {
                                    param: &p.mode,
                                    setter: &setter,
                                },
                            );
                        });
                    });
                    theme::section(ui, "CHANNELS", |ui| {
                        ui.horizontal(|ui| {
                            widgets::toggle(
                                ui,
                                "Mono",
                                &Bound {
                                    param: &p.mono,
                                    setter: &setter,
                                },
                            );
                            widgets::toggle(
                                ui,
                                "Swap L/R",
                                &Bound {
                                    param: &p.swap,
                                    setter: &setter,
                                },
                            );
                        });
                        ui.horizontal(|ui| {
                            widgets::toggle(
                                ui,
                                "Ø Left",
                                &Bound {
                                    param: &p.invert_left,
                                    setter: &setter,
                                },
                            );
                            widgets::toggle(
                                ui,
                                "Ø Right",
                                &Bound {
                                    param: &p.invert_right,
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
                ui.vertical(|ui| {
                    self.analysis.scope.snapshot(&mut self.pairs);
                    widgets::vectorscope(ui, &self.pairs, 230.0);
                    ui.label(
                        egui::RichText::new("Correlation")
                            .small()
                            .color(theme::TEXT_DIM),
                    );
                    widgets::correlation_meter(ui, self.analysis.correlation.load(), 230.0);
                });
            });
        });
    }
}
