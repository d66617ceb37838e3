//! A rotary knob: vertical drag (Shift for fine), double-click resets, the value below is a
//! click-to-type field that uses the parameter's own parser. [`KnobSize::COMPACT`] is the
//! same knob for dense layouts (a console strip).

use egui::{self, Align2, FontId, Sense, Stroke, Ui, pos2, vec2};

use crate::control::{Control, DRAG_PIXELS_FULL_RANGE, Drag, enter_text, reset};
use crate::theme;

/// Sweep of the knob: 270° starting at the bottom left.
const START: f32 = std::f32::consts::PI * 0.75;
const SWEEP: f32 = std::f32::consts::PI * 1.5;

/// A knob's dimensions, points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KnobSize {
    /// Of the knob itself.
    pub diameter: f32,
    /// Of the whole cell (label and value text are centred in it).
    pub width: f32,
    /// Of the label and the value text.
    pub font: f32,
    /// Between label, knob and value.
    pub gap: f32,
}

impl KnobSize {
    /// The knob of the plugin editors.
    pub const NORMAL: Self = Self {
        diameter: theme::KNOB_SIZE,
        width: theme::KNOB_SIZE + 28.0,
        font: 12.0,
        gap: theme::SPACING * 0.75,
    };
    /// Two side by side in a console strip a hundred points wide.
    pub const COMPACT: Self = Self {
        diameter: 28.0,
        width: 45.0,
        font: 10.0,
        gap: 1.0,
    };

    /// The same knob in a cell `width` wide (for long value texts).
    pub const fn with_width(self, width: f32) -> Self {
        Self { width, ..self }
    }

    /// The cell's height: label, knob, value.
    pub fn height(&self) -> f32 {
        self.diameter + 2.0 * (self.font + 4.0) + 2.0 * self.gap
    }
}

pub fn knob(ui: &mut Ui, label: &str, control: &dyn Control) -> egui::Response {
    knob_sized(ui, label, control, KnobSize::NORMAL)
}

/// [`knob`] at `size`.
pub fn knob_sized(
    ui: &mut Ui,
    label: &str,
    control: &dyn Control,
    size: KnobSize,
) -> egui::Response {
    let id = ui.scope_id().with(("knob", label));
    let cell = vec2(size.width, size.height());
    ui.allocate_ui_with_layout(cell, egui::Layout::top_down(egui::Align::Center), |ui| {
        ui.set_width(cell.x);
        ui.spacing_mut().item_spacing.y = size.gap;
        let label_font = if size == KnobSize::NORMAL {
            FontId::proportional(11.0)
        } else {
            FontId::proportional(size.font)
        };
        ui.label(
            egui::RichText::new(label)
                .font(label_font)
                .color(theme::TEXT_DIM),
        );
        let (rect, response) =
            ui.allocate_exact_size(vec2(size.diameter, size.diameter), Sense::click_and_drag());

        vertical_drag(ui, id, &response, control, DRAG_PIXELS_FULL_RANGE);

        let painter = ui.painter_at(rect.expand(2.0));
        let center = rect.center();
        let track = (size.diameter / 13.0).clamp(2.5, 4.0);
        let radius = rect.width() * 0.5 - track;
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
        painter.add(egui::Shape::line(
            arc(0.0, 1.0),
            Stroke::new(track, theme::TRACK),
        ));
        // Bipolar parameters (default in the middle) draw from the centre.
        let origin: f32 = if (control.default_normalized() - 0.5).abs() < 1e-3 {
            0.5
        } else {
            0.0
        };
        painter.add(egui::Shape::line(
            arc(origin.min(value), origin.max(value)),
            Stroke::new(track, theme::ACCENT),
        ));
        let a = START + SWEEP * value;
        let inner = radius - 9.0 * size.diameter / theme::KNOB_SIZE;
        let tip = pos2(center.x + inner * a.cos(), center.y + inner * a.sin());
        painter.line_segment([center, tip], Stroke::new(2.0, theme::TEXT));
        if response.hovered() {
            painter.circle_stroke(center, radius + 2.0, Stroke::new(1.0, theme::TEXT_DIM));
        }
        value_field(ui, id, control, size.font, size.width - 6.0);
        response
    })
    .inner
}

/// The drag gesture of a knob or fader, kept in egui's memory under `id` between frames:
/// dragging up `travel` points sweeps the whole range (Shift for fine), a double-click resets,
/// and the host's gesture ends with the drag. Returns the gesture as it stands after this frame.
pub(crate) fn vertical_drag(
    ui: &Ui,
    id: egui::Id,
    response: &egui::Response,
    control: &dyn Control,
    travel: f32,
) -> Drag {
    let mut drag: Drag = ui.data(|d| d.get_temp(id).unwrap_or_default());
    if response.double_clicked() {
        drag.end(control);
        reset(control);
    } else if response.dragged() {
        let fine = ui.input(|i| i.modifiers.shift);
        drag.drag_over(control, -response.drag_delta().y, fine, travel);
    }
    if response.drag_stopped() || (!response.dragged() && drag.is_active()) {
        drag.end(control);
    }
    ui.data_mut(|d| d.insert_temp(id, drag));
    drag
}

/// The value as text in a `font`-point font; click to type a new one (Enter applies, Escape
/// cancels) in a field `width` wide.
pub(crate) fn value_field(ui: &mut Ui, id: egui::Id, control: &dyn Control, font: f32, width: f32) {
    let edit_id = id.with("edit");
    let mut editing: Option<String> = ui.data(|d| d.get_temp(edit_id));
    match editing.as_mut() {
        Some(text) => {
            let response = ui.add(
                egui::TextEdit::singleline(text)
                    .desired_width(width)
                    .font(FontId::proportional(font))
                    .align(egui::Align2::CENTER_CENTER),
            );
            response.request_focus();
            let (enter, escape) = ui.input(|i| {
                (
                    i.key_pressed(egui::Key::Enter),
                    i.key_pressed(egui::Key::Escape),
                )
            });
            if enter || response.lost_focus() {
                if !escape {
                    enter_text(control, text);
                }
                editing = None;
            }
        }
        None => {
            let text = control.text();
            let galley_size = ui.fonts_mut(|f| {
                f.layout_no_wrap(text.clone(), FontId::proportional(font), theme::TEXT)
                    .size()
            });
            let (rect, response) = ui.allocate_exact_size(
                vec2(galley_size.x.max(width.min(40.0)), galley_size.y + 2.0),
                Sense::click(),
            );
            ui.painter().text(
                rect.center(),
                Align2::CENTER_CENTER,
                text.clone(),
                FontId::proportional(font),
                theme::TEXT,
            );
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
