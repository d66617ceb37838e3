//! On/off switches and enum selectors, each change one host gesture.

use egui::{self, Ui};

use crate::control::{Control, next_step, set_once};
use crate::theme;

/// A latching button for a two-state parameter.
pub fn toggle(ui: &mut Ui, label: &str, control: &dyn Control) -> egui::Response {
    toggle_sized(ui, label, control, egui::vec2(64.0, 22.0), theme::ACCENT)
}

/// [`toggle`] at least `size` points, lit in `on_color` (a console's mute and solo have
/// colours of their own); labels in a smaller font below 20 points of height.
pub fn toggle_sized(
    ui: &mut Ui,
    label: &str,
    control: &dyn Control,
    size: egui::Vec2,
    on_color: egui::Color32,
) -> egui::Response {
    let on = control.normalized() > 0.5;
    let mut text =
        egui::RichText::new(label).color(if on { theme::BACKGROUND } else { theme::TEXT });
    if size.y < 20.0 {
        text = text.size(11.0);
    }
    let button = egui::Button::new(text)
        .fill(if on { on_color } else { theme::TRACK })
        .min_size(size);
    let response = ui.add(button);
    if response.clicked() {
        set_once(control, next_step(control));
    }
    response
}

/// A drop-down over every step of an enum parameter, labelled with the parameter's own text.
pub fn selector(ui: &mut Ui, label: &str, control: &dyn Control) {
    selector_width(ui, label, control, 150.0);
}

/// [`selector`] `width` points wide, for short choices in tight sections.
pub fn selector_width(ui: &mut Ui, label: &str, control: &dyn Control, width: f32) {
    let steps = control.step_count().unwrap_or(1).max(1);
    ui.vertical(|ui| {
        ui.label(egui::RichText::new(label).small().color(theme::TEXT_DIM));
        egui::ComboBox::from_id_salt(("selector", label))
            .selected_text(control.text())
            .width(width)
            .show_ui(ui, |ui| {
                for k in 0..=steps {
                    let n = k as f32 / steps as f32;
                    let selected = (control.normalized() - n).abs() < 0.5 / steps as f32;
                    if ui.selectable_label(selected, control.text_for(n)).clicked() && !selected {
                        set_once(control, n);
                    }
                }
            });
    });
}
