//! A vertical fader bound to a parameter: the thumb follows the mouse (Shift for fine),
//! double-click resets, the value below is a click-to-type field, and the scale beside it is
//! placed through the parameter's own parser, so it follows the parameter's skew (a fader's
//! top 20 dB take most of its travel).

use egui::{self, Align2, CornerRadius, FontId, Rect, Sense, Stroke, Ui, pos2, vec2};

use super::knob::{value_field, vertical_drag};
use crate::control::Control;
use crate::theme;

/// Width of the scale labels and of the track, points.
const SCALE_WIDTH: f32 = 20.0;
const TRACK_WIDTH: f32 = 22.0;
/// The fader cap's height: the travel is the fader's height less this.
const CAP_HEIGHT: f32 = 12.0;

/// Width of a [`fader`] (scale and track).
pub const FADER_WIDTH: f32 = SCALE_WIDTH + TRACK_WIDTH;

/// The scale marks `marks` (texts the parameter parses: "+6", "0", "-inf") as (normalised
/// position, text), leaving out any the parameter does not understand.
pub fn fader_marks<'a>(control: &dyn Control, marks: &[&'a str]) -> Vec<(f32, &'a str)> {
    marks
        .iter()
        .filter_map(|m| control.parse(m).map(|n| (n, *m)))
        .collect()
}

/// A fader `height` points tall (cap travel plus the cap) with `marks` beside it (see
/// [`fader_marks`]) and its value below; `salt` tells faders with the same marks apart.
pub fn fader(
    ui: &mut Ui,
    salt: impl std::hash::Hash + std::fmt::Debug,
    control: &dyn Control,
    marks: &[&str],
    height: f32,
) -> egui::Response {
    let id = ui.make_persistent_id(("fader", salt));
    ui.vertical(|ui| {
        ui.spacing_mut().item_spacing.y = 2.0;
        let (rect, response) =
            ui.allocate_exact_size(vec2(FADER_WIDTH, height), Sense::click_and_drag());
        let track = Rect::from_min_max(pos2(rect.left() + SCALE_WIDTH, rect.top()), rect.max);
        let travel = (height - CAP_HEIGHT).max(1.0);
        let y_of = |n: f32| track.bottom() - 0.5 * CAP_HEIGHT - travel * n.clamp(0.0, 1.0);

        let drag = vertical_drag(ui, id, &response, control, travel);

        let painter = ui.painter_at(rect.expand2(vec2(0.0, 4.0)));
        let font = FontId::proportional(9.5);
        for (n, text) in fader_marks(control, marks) {
            let y = y_of(n);
            let color = if text == "0" {
                theme::TEXT
            } else {
                theme::TEXT_DIM
            };
            painter.text(
                pos2(rect.left() + SCALE_WIDTH - 3.0, y),
                Align2::RIGHT_CENTER,
                text,
                font.clone(),
                color,
            );
            painter.line_segment(
                [pos2(track.left() + 2.0, y), pos2(track.right() - 2.0, y)],
                Stroke::new(1.0, theme::TRACK),
            );
        }
        let slot =
            Rect::from_center_size(pos2(track.center().x, track.center().y), vec2(4.0, travel));
        painter.rect_filled(slot, CornerRadius::same(2), super::plot::PLOT_BACKGROUND);
        let value = control.normalized();
        let cap = Rect::from_center_size(
            pos2(track.center().x, y_of(value)),
            vec2(TRACK_WIDTH - 2.0, CAP_HEIGHT),
        );
        let lit = response.hovered() || drag.is_active();
        painter.rect_filled(
            cap,
            CornerRadius::same(2),
            if lit {
                theme::TEXT
            } else {
                theme::TEXT.gamma_multiply(0.8)
            },
        );
        painter.line_segment(
            [
                pos2(cap.left() + 2.0, cap.center().y),
                pos2(cap.right() - 2.0, cap.center().y),
            ],
            Stroke::new(2.0, theme::BACKGROUND),
        );
        value_field(ui, id, control, 10.0, FADER_WIDTH + 8.0);
        response
    })
    .inner
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::control::mock::{MockParam, Travel};

    /// A level from −80 dB (read "-inf") to +12 dB, skewed like the console's faders:
    /// normalised = ((dB + 80) / 92)^(1/2).
    fn level() -> MockParam {
        MockParam::new("level", -80.0, -80.0, 12.0, Travel::Sqrt)
    }

    #[test]
    fn marks_sit_where_the_parameter_puts_their_values() {
        let marks = fader_marks(&level(), &["+12", "0", "-20", "-inf", "loud"]);
        let want = [
            ("+12", 1.0),
            ("0", (80.0f32 / 92.0).sqrt()),
            ("-20", (60.0f32 / 92.0).sqrt()),
            ("-inf", 0.0),
        ];
        assert_eq!(marks.len(), want.len(), "the unparsable mark is left out");
        for ((n, text), (want_text, want_n)) in marks.into_iter().zip(want) {
            assert_eq!(text, want_text);
            assert!((n - want_n).abs() < 1e-6, "{text}: {n} vs {want_n}");
        }
    }
}
