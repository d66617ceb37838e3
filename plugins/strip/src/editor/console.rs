//! The console row (one column per linked strip) and the selected strip in full.
//!
//! Each column edits its own instance (`shared_ui::linked::with_controls`): the editor's own
//! controls for this strip, the member's host context for the others.

use shared_dsp::strip::ChannelSettings;
use shared_ui::egui;
use shared_ui::linked::{column_frame, muted_note, track_color, with_controls};
use shared_ui::strip;
use shared_ui::theme;
use shared_ui::widgets::Controls;

use plugin_kit::link::Channel;

use super::{StripView, display_name};

impl StripView {
    /// One column per linked strip, in the host's mixer order where it says (else join
    /// order), this one outlined.
    pub(super) fn console(&mut self, ui: &mut egui::Ui, k: &Controls, dt: f32) {
        let own_id = self.analysis.id;
        if own_id.is_none() {
            // Unlinked: this strip alone.
            self.own_column(ui, k, 0, 0, dt);
            return;
        }
        egui::ScrollArea::horizontal()
            .id_salt("console")
            .show(ui, |ui| {
                ui.horizontal_top(|ui| {
                    ui.spacing_mut().item_spacing.x = 4.0;
                    let members = self.linked.members().to_vec();
                    for (index, member) in members.iter().enumerate() {
                        if Some(member.id) == own_id {
                            self.own_column(ui, k, member.id, index, dt);
                        } else {
                            let highlight = self.selected == Some(member.id);
                            if self
                                .linked
                                .member_column(ui, k, member, index, highlight, false, dt)
                            {
                                self.selected = Some(member.id);
                            }
                        }
                    }
                });
            });
    }

    /// This strip's column: its own track, its own controls (and undo), outlined while it is
    /// the one shown in full.
    fn own_column(&mut self, ui: &mut egui::Ui, k: &Controls, id: u64, index: usize, dt: f32) {
        let shared = self.analysis.shared.clone();
        self.linked.meters(id).update(&shared, dt);
        let params = self.params.clone();
        let track = self.track.clone();
        let name = display_name(&track, index, &*params);
        let color = track_color(&track);
        let rate = self.analysis.shared.sample_rate.load().max(8_000.0);
        let muted_by_solo = shared.solo_muted.load(std::sync::atomic::Ordering::Relaxed);
        let highlight = self.selected.is_none();
        ui.push_id(id, |ui| {
            column_frame(true, color).show(ui, |ui| {
                ui.vertical(|ui| {
                    if self
                        .linked
                        .column(ui, k, &*params, id, &name, color, highlight, rate)
                    {
                        self.selected = None;
                    }
                    muted_note(ui, muted_by_solo);
                });
            });
        });
    }

    /// The rate a member runs at (its meters' block says).
    fn sample_rate_of(&self, id: u64, is_own: bool) -> f32 {
        if is_own {
            self.analysis.shared.sample_rate.load().max(8_000.0)
        } else {
            self.linked.sample_rate_of(id)
        }
    }

    /// The selected strip in full (this one unless a column was clicked).
    pub(super) fn detail(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let member = self
            .selected
            .and_then(|id| self.linked.members().iter().find(|m| m.id == id).cloned());
        let (id, params, context, track, is_own): (_, std::sync::Arc<dyn Channel>, _, _, _) =
            match &member {
                Some(m) => (m.id, m.params.clone(), m.context.clone(), m.track(), false),
                None => (
                    self.analysis.id.unwrap_or(0),
                    self.params.clone(),
                    None,
                    self.track.clone(),
                    true,
                ),
            };
        let index = self
            .linked
            .members()
            .iter()
            .position(|m| m.id == id)
            .unwrap_or(0);
        let name = display_name(&track, index, &*params);
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new(name).size(14.0).color(theme::ACCENT));
            let what = if is_own {
                "this strip in full: filters, gate, EQ and compressor"
            } else {
                "another track's strip in full: edits go to that track"
            };
            ui.label(egui::RichText::new(what).small().color(theme::TEXT_DIM));
            self.masking_toggle(ui);
        });
        let settings: ChannelSettings = params.settings();
        let sample_rate = self.sample_rate_of(id, is_own);
        let meters = self.linked.meters(id);
        let meters = [meters.gate_db, meters.comp_db];
        let curve = self.linked.curve(id).get(&settings, sample_rate).clone();
        with_controls(k, is_own, context.as_ref(), |c| {
            let marker = self.eq_marker.and_then(|(m, hz)| (m == id).then_some(hz));
            strip::detail(
                ui,
                c,
                params.strip(),
                &settings,
                &curve,
                meters,
                None,
                marker,
            );
            ui.add_space(4.0);
            ui.horizontal(|ui| {
                c.selector_width(ui, "Pan Law", params.pan_law(), 150.0);
                c.selector_width(ui, "Pan Mode", params.pan_mode(), 110.0);
            });
        });
    }
}
