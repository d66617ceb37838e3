//! The panner's editor: the controls, a vectorscope of the output and a correlation meter.
//! The scope and meter data come from the audio thread through `shared_dsp::analysis`
//! (atomics only); they are computed only while this editor is open.

use std::sync::Arc;

use nice_plug::prelude::Plugin;
use nice_plug_egui::RepaintNotifier;
use shared_dsp::analysis::{ScopeBuffer, SharedF32};
use shared_ui::egui::{self, Vec2, vec2};
use shared_ui::widgets::Controls;
use shared_ui::window::{self, View};
use shared_ui::{theme, widgets};

use crate::params::PannerParams;

/// What the editor reads from the audio thread.
#[derive(Clone)]
pub struct Analysis {
    pub scope: Arc<ScopeBuffer>,
    pub correlation: Arc<SharedF32>,
    pub repaint: RepaintNotifier,
}

pub struct Panner {
    params: Arc<PannerParams>,
    analysis: Analysis,
    /// Reused every frame so drawing never allocates once warmed up.
    pairs: Vec<(f32, f32)>,
}

impl Panner {
    pub fn new(params: Arc<PannerParams>, analysis: Analysis) -> Self {
        Self {
            params,
            analysis,
            pairs: Vec::new(),
        }
    }
}

impl View for Panner {
    const TITLE: &'static str = crate::MixwerkPanner::NAME;
    const SIZE: Vec2 = vec2(640.0, 360.0);

    fn ui(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let p = &self.params;
        window::heading(ui, Self::TITLE, None);
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                theme::section(ui, "PLACEMENT", |ui| {
                    ui.horizontal(|ui| {
                        k.knob(ui, "Pan", &p.pan);
                        k.knob(ui, "Width", &p.width);
                        k.knob(ui, "Output", &p.gain);
                    });
                    ui.horizontal(|ui| {
                        k.selector(ui, "Pan Law", &p.law);
                        k.selector(ui, "Pan Mode", &p.mode);
                    });
                });
                theme::section(ui, "CHANNELS", |ui| {
                    ui.horizontal(|ui| {
                        k.toggle(ui, "Mono", &p.mono);
                        k.toggle(ui, "Swap L/R", &p.swap);
                    });
                    ui.horizontal(|ui| {
                        k.toggle(ui, "Ø Left", &p.invert_left);
                        k.toggle(ui, "Ø Right", &p.invert_right);
                        k.toggle(ui, "Bypass", &p.bypass);
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
    }
}
