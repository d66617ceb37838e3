//! Meters: level (peak bar, RMS bar, peak hold), gain reduction (hanging from the top), and
//! stereo correlation (−1 … +1). They only draw what they are given; the values come from the
//! audio thread through atomics (`shared_dsp::analysis`).

use egui::{self, Align2, Color32, CornerRadius, FontId, Rect, Sense, Stroke, Ui, pos2, vec2};

use crate::theme;

/// Maps dBFS to 0…1 over −60…+6 dB.
fn meter_fraction(db: f32) -> f32 {
    ((db + 60.0) / 66.0).clamp(0.0, 1.0)
}

/// A vertical level meter: `peak_db`, `rms_db` and `hold_db` in dBFS.
pub fn level_meter(ui: &mut Ui, peak_db: f32, rms_db: f32, hold_db: f32, height: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(14.0, height), Sense::hover());
    let p = ui.painter_at(rect);
    p.rect_filled(rect, CornerRadius::same(2), theme::TRACK);
    let bar = |fraction: f32, color: Color32, inset: f32| {
        let top = rect.bottom() - rect.height() * fraction;
        p.rect_filled(Rect::from_min_max(pos2(rect.left() + inset, top), pos2(rect.right() - inset, rect.bottom())), CornerRadius::ZERO, color);
    };
    bar(meter_fraction(peak_db), theme::SIGNAL.gamma_multiply(0.45), 0.0);
    bar(meter_fraction(rms_db), if rms_db > -0.1 { theme::HOT } else { theme::SIGNAL }, 3.0);
    let y = rect.bottom() - rect.height() * meter_fraction(hold_db);
    p.line_segment([pos2(rect.left(), y), pos2(rect.right(), y)], Stroke::new(2.0, if hold_db > -0.1 { theme::HOT } else { theme::TEXT }));
}

/// Gain reduction in dB (positive numbers), drawn down from the top over 0…24 dB.
pub fn gain_reduction_meter(ui: &mut Ui, reduction_db: f32, height: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(14.0, height), Sense::hover());
    let p = ui.painter_at(rect);
    p.rect_filled(rect, CornerRadius::same(2), theme::TRACK);
    let fraction = (reduction_db / 24.0).clamp(0.0, 1.0);
    p.rect_filled(Rect::from_min_max(rect.min, pos2(rect.right(), rect.top() + rect.height() * fraction)), CornerRadius::ZERO, theme::WARN);
}

/// A horizontal correlation meter: −1 (left) … 0 … +1 (right).
pub fn correlation_meter(ui: &mut Ui, correlation: f32, width: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(width, 18.0), Sense::hover());
    let p = ui.painter_at(rect);
    p.rect_filled(rect, CornerRadius::same(2), theme::TRACK);
    let c = correlation.clamp(-1.0, 1.0);
    let x0 = rect.center().x;
    let x1 = rect.left() + rect.width() * (c + 1.0) * 0.5;
    let color = if c < 0.0 { theme::HOT } else { theme::SIGNAL };
    p.rect_filled(Rect::from_min_max(pos2(x0.min(x1), rect.top() + 3.0), pos2(x0.max(x1), rect.bottom() - 3.0)), CornerRadius::ZERO, color);
    p.line_segment([pos2(x0, rect.top()), pos2(x0, rect.bottom())], Stroke::new(1.0, theme::TEXT_DIM));
    let font = FontId::proportional(10.0);
    p.text(pos2(rect.left() + 3.0, rect.center().y), Align2::LEFT_CENTER, "-1", font.clone(), theme::TEXT_DIM);
    p.text(pos2(rect.right() - 3.0, rect.center().y), Align2::RIGHT_CENTER, "+1", font, theme::TEXT_DIM);
}

/// Meter ballistics for values an editor reads once per frame (levels in dB, gain reduction
/// in dB): rises at once to a new peak, falls back at `rate` units per second, so a peak
/// stays readable for a moment instead of flickering with the frame rate.
pub fn meter_release(shown: f32, incoming: f32, dt: f32, rate: f32) -> f32 {
    let fallen = if shown.is_finite() { shown - rate * dt.clamp(0.0, 1.0) } else { incoming };
    if incoming.is_nan() { fallen } else { incoming.max(fallen) }
}

#[cfg(test)]
mod tests {
    use super::{meter_fraction, meter_release};

    #[test]
    fn meters_rise_at_once_and_fall_at_their_rate() {
        assert_eq!(meter_release(-30.0, -6.0, 0.016, 20.0), -6.0);
        assert!((meter_release(-6.0, -40.0, 0.5, 20.0) + 16.0).abs() < 1e-6);
        // A frame gap of seconds (editor hidden) falls at most one second's worth.
        assert!((meter_release(-6.0, -90.0, 30.0, 20.0) + 26.0).abs() < 1e-6);
        assert_eq!(meter_release(f32::NEG_INFINITY, -12.0, 0.016, 20.0), -12.0);
        assert_eq!(meter_release(-12.0, f32::NAN, 0.0, 20.0), -12.0);
    }

    #[test]
    fn meter_scale_ends() {
        assert_eq!(meter_fraction(-60.0), 0.0);
        assert_eq!(meter_fraction(6.0), 1.0);
        assert_eq!(meter_fraction(f32::NEG_INFINITY), 0.0);
        assert!((meter_fraction(-27.0) - 0.5).abs() < 1e-6);
    }
}
