//! A rotary knob: vertical drag (Shift for fine), double-click resets, the value below is a
//! click-to-type field that uses the parameter's own parser.

use egui::{self, Align2, FontId, Sense, Stroke, Ui, pos2, vec2};

use crate::control::{Control, Drag, enter_text, reset};
use crate::theme;

/// Sweep of the knob: 270° starting at the bottom left.
const START: f32 = std::f32::consts::PI * 0.75;
const SWEEP: f32 = std::f32::consts::PI * 1.5;

pub fn knob(ui: &mut Ui, label: &str, control: &dyn Control) -> egui::Response {
    let id = ui.scope_id().with(("knob", label));
    let size = vec2(theme::KNOB_SIZE + 28.0, theme::KNOB_SIZE + 44.0);
    ui.allocate_ui_with_layout(size, egui::Layout::top_down(egui::Align::Center), |ui| {
        ui.set_width(size.x);
        ui.label(egui::RichText::new(label).small().color(theme::TEXT_DIM));
        let (rect, response) = ui.allocate_exact_size(vec2(theme::KNOB_SIZE, theme::KNOB_SIZE), Sense::click_and_drag());

        let mut drag: Drag = ui.data(|d| d.get_temp(id).unwrap_or_default());
        if response.double_clicked() {
            drag.end(control);
            reset(control);
        } else if response.dragged() {
            let fine = ui.input(|i| i.modifiers.shift);
            drag.drag(control, -response.drag_delta().y, fine);
        }
        if response.drag_stopped() || (!response.dragged() && drag.is_active()) {
            drag.end(control);
        }
        ui.data_mut(|d| d.insert_temp(id, drag));

        let painter = ui.painter_at(rect.expand(2.0));
        let center = rect.center();
        let radius = rect.width() * 0.5 - 4.0;
        let value = control.normalized();
        let arc = |from: f32, to: f32| -> Vec<egui::Pos2> {
            let steps = 48;
            (0..=steps)
                .map(|k| {
                    let a = START + SWEEP * (from + (to - from) * k as f32 / steps as f32);
                    pos2(center.x + radius * a.cos(), center.y + radius * a.sin())
                })
                .collect()
        };
        painter.add(egui::Shape::line(arc(0.0, 1.0), Stroke::new(4.0, theme::TRACK)));
        // Bipolar parameters (default in the middle) draw from the centre.
        let origin: f32 = if (control.default_normalized() - 0.5).abs() < 1e-3 { 0.5 } else { 0.0 };
        painter.add(egui::Shape::line(arc(origin.min(value), origin.max(value)), Stroke::new(4.0, theme::ACCENT)));
        let a = START + SWEEP * value;
        let tip = pos2(center.x + (radius - 9.0) * a.cos(), center.y + (radius - 9.0) * a.sin());
        painter.line_segment([center, tip], Stroke::new(2.0, theme::TEXT));
        if response.hovered() {
            painter.circle_stroke(center, radius + 2.0, Stroke::new(1.0, theme::TEXT_DIM));
        }
        value_field(ui, id, control);
        response
    })
    .inner
}

/// The value as text; click to type a new one (Enter applies, Escape cancels).
fn value_field(ui: &mut Ui, id: egui::Id, control: &dyn Control) {
    let edit_id = id.with("edit");
    let mut editing: Option<String> = ui.data(|d| d.get_temp(edit_id));
    match editing.as_mut() {
        Some(text) => {
            let response = ui.add(egui::TextEdit::singleline(text).desired_width(theme::KNOB_SIZE + 20.0).align(egui::Align2::CENTER_CENTER));
            response.request_focus();
            let (enter, escape) = ui.input(|i| (i.key_pressed(egui::Key::Enter), i.key_pressed(egui::Key::Escape)));
            if enter || response.lost_focus() {
                if !escape {
                    enter_text(control, text);
                }
                editing = None;
            }
        }
        None => {
            let text = control.text();
            let galley_size = ui.fonts_mut(|f| f.layout_no_wrap(text.clone(), FontId::proportional(12.0), theme::TEXT).size());
            let (rect, response) = ui.allocate_exact_size(vec2(galley_size.x.max(40.0), galley_size.y + 2.0), Sense::click());
            ui.painter().text(rect.center(), Align2::CENTER_CENTER, text.clone(), FontId::proportional(12.0), theme::TEXT);
            if response.clicked() {
                editing = Some(text);
            }
        }
    }
    ui.data_mut(|d| match editing {
        Some(t) => {
            d.insert_temp(edit_id, t);
        }
        None => d.remove::<String>(edit_id),
    });
}
