//! The bottom panel's linked tracks: every strip linked with this console
//! (`plugin_kit::link`) that is not one of its own channels, as a row of compact columns
//! (`shared_ui::linked`). A column's controls change that strip's own instance, through its
//! host connection, so the host records the edit on that track.

use shared_ui::egui;
use shared_ui::theme;
use shared_ui::widgets::Controls;

use super::Console;

impl Console {
    pub(super) fn linked_panel(&mut self, ui: &mut egui::Ui, k: &Controls, dt: f32) {
        // Other strips' meters move even when this console's audio does not ask for frames.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(33));
        self.linked.refresh();
        let own = self.analysis.linked_ids.clone();
        let others: Vec<_> = self
            .linked
            .members()
            .iter()
            .enumerate()
            .filter(|(_, m)| !own.contains(&m.id))
            .map(|(i, m)| (i, m.clone()))
            .collect();
        ui.horizontal(|ui| {
            ui.label(
                egui::RichText::new("LINKED TRACKS")
                    .size(14.0)
                    .color(theme::ACCENT),
            );
            let what = match (own.is_empty(), others.len()) {
                (true, _) => "linking is off in this process (MIXWERK_LINK=off)".to_owned(),
                (false, 0) => "no Mixwerk Strip on another track of this process (a host that \
                     runs each plugin in its own process, a sandbox, links none)"
                    .to_owned(),
                (false, n) => format!(
                    "{n} strips on other tracks: edits go to those tracks, solo works across"
                ),
            };
            ui.label(egui::RichText::new(what).small().color(theme::TEXT_DIM));
            self.panel_toggles(ui);
        });
        egui::ScrollArea::horizontal()
            .id_salt("linked")
            .show(ui, |ui| {
                ui.horizontal_top(|ui| {
                    ui.spacing_mut().item_spacing.x = 4.0;
                    for (index, member) in &others {
                        self.linked
                            .member_column(ui, k, member, *index, false, true, dt);
                    }
                });
            });
    }
}
