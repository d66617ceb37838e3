//! The selected channel in full (`shared_ui::strip::detail`): every control of its filters,
//! gate, EQ and compressor, with gain reduction. A strip's compact sections expand into this
//! panel; the section asked for is outlined.

use shared_dsp::strip::ConsoleSettings;
use shared_ui::egui;
use shared_ui::strip;
use shared_ui::theme;
use shared_ui::widgets::Controls;

use super::Console;

impl Console {
    pub(super) fn detail(
        &mut self,
        ui: &mut egui::Ui,
        k: &Controls,
        settings: &ConsoleSettings,
        sample_rate: f32,
    ) {
        let c = self.selected;
        let p = self.params.clone();
        let ch = &p.channels[c];
        ui.horizontal(|ui| {
            ui.label(
                egui::RichText::new(format!("CH {}", c + 1))
                    .size(14.0)
                    .color(theme::ACCENT),
            );
            ui.label(
                egui::RichText::new(self.names[c].as_str())
                    .size(14.0)
                    .color(theme::TEXT),
            );
            ui.label(
                egui::RichText::new(
                    "in full: filters, gate, EQ and compressor of the selected channel",
                )
                .small()
                .color(theme::TEXT_DIM),
            );
            self.panel_toggles(ui);
        });
        let s = &settings.channels[c];
        let marker = self
            .eq_marker
            .and_then(|(marked, hz)| (marked == c).then_some(hz));
        let meters = [self.meters.gate_db[c], self.meters.comp_db[c]];
        let curve = self.curves[c].get(s, sample_rate);
        strip::detail(ui, k, ch, s, curve, meters, Some(self.focus), marker);
    }
}
