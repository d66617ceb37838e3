//! The console row (one column per linked strip) and the selected strip in full.
//!
//! Each column edits its own instance: [`with_controls`] hands the drawing code the
//! [`Controls`] of the instance the column belongs to, the editor's own for this strip and
//! the member's host context for the others.

use nice_plug::context::gui::GuiContext;
use shared_dsp::strip::ChannelSettings;
use shared_ui::egui::{self, CornerRadius, Stroke, vec2};
use shared_ui::strip::{
    self, FADER_HEIGHT, HALF, STRIP_WIDTH, compact_row, fader_and_meter, small_knob, thumbnail,
};
use shared_ui::theme;
use shared_ui::widgets::Controls;

use plugin_kit::link::Channel;

use super::{Meters, StripView, display_name, track_color};

/// Draws with the controls of the instance `params` belong to: `own` for this strip, or a
/// controls object on `context` (another instance's host context). Nothing is drawn for a
/// member whose context the host has not given yet.
fn with_controls<R>(
    own: &Controls,
    is_own: bool,
    context: Option<&GuiContext>,
    draw: impl FnOnce(&Controls) -> R,
) -> Option<R> {
    if is_own {
        return Some(draw(own));
    }
    let context = context?;
    let setter = context.param_setter();
    Some(draw(&Controls::new(&setter)))
}

impl StripView {
    /// One column per linked strip, in the host's mixer order where it says (else join
    /// order), this one outlined.
    pub(super) fn console(&mut self, ui: &mut egui::Ui, k: &Controls, dt: f32) {
        let own_id = self.analysis.id;
        if own_id.is_none() {
            // Unlinked: this strip alone.
            let shared = self.analysis.shared.clone();
            let meters = self.meters.entry(0).or_default();
            meters.update(&shared, dt);
            let params = self.params.clone();
            let track = self.track.clone();
            let name = display_name(&track, 0, &*params);
            self.column_frame(true, track_color(&track)).show(ui, |ui| {
                ui.vertical(|ui| self.column(ui, k, &*params, 0, &name, None, true));
            });
            return;
        }
        egui::ScrollArea::horizontal()
            .id_salt("console")
            .show(ui, |ui| {
                ui.horizontal_top(|ui| {
                    ui.spacing_mut().item_spacing.x = 4.0;
                    for (index, member) in self.members.clone().iter().enumerate() {
                        let params = member.params.clone();
                        let is_own = Some(member.id) == own_id;
                        let track = if is_own {
                            self.track.clone()
                        } else {
                            member.track()
                        };
                        self.meters
                            .entry(member.id)
                            .or_default()
                            .update(&member.shared, dt);
                        let name = display_name(&track, index, &*params);
                        let muted_by_solo = member
                            .shared
                            .solo_muted
                            .load(std::sync::atomic::Ordering::Relaxed);
                        let frame = self.column_frame(is_own, track_color(&track));
                        ui.push_id(member.id, |ui| {
                            frame.show(ui, |ui| {
                                ui.vertical(|ui| {
                                    let ctx = member.context.as_ref();
                                    let drawn = with_controls(k, is_own, ctx, |c| {
                                        let color = track_color(&track);
                                        self.column(
                                            ui, c, &*params, member.id, &name, color, is_own,
                                        )
                                    });
                                    if drawn.is_none() {
                                        ui.set_width(STRIP_WIDTH);
                                        ui.label(egui::RichText::new(&name).small());
                                        ui.label(
                                            egui::RichText::new("waiting for its host")
                                                .small()
                                                .color(theme::TEXT_DIM),
                                        );
                                    }
                                    if muted_by_solo {
                                        ui.label(
                                            egui::RichText::new("muted by solo")
                                                .small()
                                                .color(theme::WARN),
                                        );
                                    }
                                });
                            });
                        });
                    }
                });
            });
    }

    /// A column's panel: the track's colour along its top edge, outlined for this strip or
    /// the one shown in full.
    fn column_frame(&self, highlight: bool, color: Option<egui::Color32>) -> egui::Frame {
        let stroke = match (highlight, color) {
            (true, _) => Stroke::new(1.5, theme::ACCENT.gamma_multiply(0.8)),
            (false, Some(c)) => Stroke::new(1.0, c.gamma_multiply(0.6)),
            (false, None) => Stroke::NONE,
        };
        egui::Frame::new()
            .fill(theme::PANEL)
            .stroke(stroke)
            .corner_radius(CornerRadius::same(4))
            .inner_margin(egui::Margin::symmetric(3, 5))
    }

    /// One linked strip, compact: name (selects it for the panel below), EQ thumbnail, gate
    /// and compressor with gain reduction, pan and width, fader with meter, mute and solo.
    #[allow(clippy::too_many_arguments)]
    fn column(
        &mut self,
        ui: &mut egui::Ui,
        k: &Controls,
        params: &dyn Channel,
        id: u64,
        name: &str,
        color: Option<egui::Color32>,
        is_own: bool,
    ) {
        ui.set_width(STRIP_WIDTH);
        ui.spacing_mut().item_spacing = vec2(4.0, 4.0);
        let selected = self.selected == Some(id) || (self.selected.is_none() && is_own);
        let label = egui::RichText::new(name).size(12.0).color(if selected {
            theme::ACCENT
        } else {
            color.unwrap_or(theme::TEXT)
        });
        if ui
            .add(egui::Button::new(label).frame(false).truncate())
            .on_hover_text(format!("{name}: show in full below"))
            .clicked()
        {
            self.selected = if is_own { None } else { Some(id) };
        }
        let ch = params.strip();
        let settings = params.settings();
        let sample_rate = self.sample_rate_of(id, is_own);
        let curve = self
            .curves
            .entry(id)
            .or_default()
            .get(&settings, sample_rate);
        if thumbnail(
            ui,
            curve,
            settings.eq[0].enabled,
            "EQ and filters: click for this strip in full below",
        )
        .clicked()
        {
            self.selected = if is_own { None } else { Some(id) };
        }
        let meters = self.meters.entry(id).or_default();
        let (gate_db, comp_db) = (meters.gate_db, meters.comp_db);
        compact_row(ui, "GATE", &k.bind(&ch.gate_on), Some(gate_db));
        compact_row(ui, "COMP", &k.bind(&ch.comp_on), Some(comp_db));
        ui.horizontal_top(|ui| {
            small_knob(ui, k, "Pan", &ch.pan);
            small_knob(ui, k, "Width", &ch.width);
        });
        let meters = &self.meters[&id];
        fader_and_meter(
            ui,
            k,
            ("fader", id),
            &ch.fader,
            &meters.levels,
            FADER_HEIGHT,
            "Peak (held 1.5 s), dBFS, after the fader",
        );
        ui.horizontal(|ui| {
            k.toggle_sized(ui, "MUTE", &ch.mute, HALF, theme::HOT);
            k.toggle_sized(ui, "SOLO", &ch.solo, HALF, theme::WARN)
                .on_hover_text("Solo in place: every linked strip that is not soloed is muted");
        });
    }

    /// The rate a member runs at (its meters' block says).
    fn sample_rate_of(&self, id: u64, is_own: bool) -> f32 {
        let shared = if is_own {
            Some(&self.analysis.shared)
        } else {
            self.members.iter().find(|m| m.id == id).map(|m| &m.shared)
        };
        shared
            .map_or(48_000.0, |s| s.sample_rate.load())
            .max(8_000.0)
    }

    /// The selected strip in full (this one unless a column was clicked).
    pub(super) fn detail(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let member = self
            .selected
            .and_then(|id| self.members.iter().find(|m| m.id == id).cloned());
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
        let index = self.members.iter().position(|m| m.id == id).unwrap_or(0);
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
        let meters = self
            .meters
            .get(&id)
            .map_or([0.0; 2], |m: &Meters| [m.gate_db, m.comp_db]);
        let curve = self
            .curves
            .entry(id)
            .or_default()
            .get(&settings, sample_rate)
            .clone();
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
