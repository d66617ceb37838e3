//! The masking map across the linked tracks (`shared_ui::masking`): where two tracks carry
//! energy in the same band at the same time, after their faders. Each strip's ring is written
//! by its own audio thread while a console is open; the spectra run here, only while shown.

use std::sync::atomic::Ordering;

use shared_dsp::analysis::spectrum::SampleRing;
use shared_ui::egui;
use shared_ui::masking::MaskingView;
use shared_ui::theme;

use super::{StripView, display_name};

impl StripView {
    /// The switch between the selected strip and the masking map.
    pub(super) fn masking_toggle(&mut self, ui: &mut egui::Ui) {
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let text = if self.show_masking {
                "Back to the strip"
            } else {
                "Masking map"
            };
            if ui
                .selectable_label(self.show_masking, text)
                .on_hover_text("Where the linked tracks cover each other in frequency")
                .clicked()
            {
                self.show_masking = !self.show_masking;
            }
        });
    }

    pub(super) fn masking_panel(&mut self, ui: &mut egui::Ui, dt: f32) {
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new("MASKING").size(14.0).color(theme::ACCENT));
            ui.label(
                egui::RichText::new(
                    "where two linked tracks carry energy in the same band at the same time, after their faders",
                )
                .small()
                .color(theme::TEXT_DIM),
            );
            self.masking_toggle(ui);
        });
        // The linked Strips (or this one alone), in the console's order.
        let own = self.analysis.id;
        let strips: Vec<_> = self
            .linked
            .members()
            .iter()
            .map(|m| (m.clone(), m.params.clone()))
            .collect();
        let rate = self.analysis.shared.sample_rate.load().max(8_000.0);
        if self
            .masking
            .as_ref()
            .is_none_or(|m| m.sample_rate() != rate || m.buses() != strips.len())
        {
            self.masking = Some(MaskingView::new(strips.len(), rate, "TR"));
        }
        let rings: Vec<&SampleRing> = strips.iter().map(|(m, _)| &*m.shared.signal).collect();
        let active: Vec<bool> = strips
            .iter()
            .map(|(m, p)| {
                m.shared.active.load(Ordering::Relaxed)
                    && !p.strip().mute.value()
                    && !m.shared.solo_muted.load(Ordering::Relaxed)
            })
            .collect();
        let names: Vec<String> = strips
            .iter()
            .enumerate()
            .map(|(i, (m, p))| {
                let track = if Some(m.id) == own {
                    self.track.clone()
                } else {
                    m.track()
                };
                display_name(&track, i, &**p)
            })
            .collect();
        let Some(view) = &mut self.masking else {
            return;
        };
        view.update(&rings, &active, dt);
        if let Some((c, hz)) = view.ui(ui, &names) {
            let id = strips[c].0.id;
            self.selected = (Some(id) != own).then_some(id);
            self.eq_marker = Some((id, hz));
            self.show_masking = false;
        }
    }
}
