//! A vectorscope (goniometer): mid up, side across, so mono is a vertical line, a hard-left
//! signal leans left and out-of-phase material spreads horizontally.

use egui::{self, Align2, Color32, CornerRadius, FontId, Sense, Stroke, Ui, pos2, vec2};

use crate::theme;

/// Draws `pairs` (left, right) with the newest brightest; `size` is the square's side.
pub fn vectorscope(ui: &mut Ui, pairs: &[(f32, f32)], size: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(size, size), Sense::hover());
    let p = ui.painter_at(rect);
    p.rect_filled(
        rect,
        CornerRadius::same(4),
        Color32::from_rgb(0x12, 0x13, 0x16),
    );
    let c = rect.center();
    let r = size * 0.45;
    let grid = Stroke::new(1.0, theme::TRACK);
    p.line_segment(
        [pos2(c.x, rect.top() + 6.0), pos2(c.x, rect.bottom() - 6.0)],
        grid,
    );
    p.line_segment(
        [pos2(rect.left() + 6.0, c.y), pos2(rect.right() - 6.0, c.y)],
        grid,
    );
    // The L and R axes, at ±45°.
    let d = r * std::f32::consts::FRAC_1_SQRT_2;
    p.line_segment([pos2(c.x - d, c.y - d), pos2(c.x + d, c.y + d)], grid);
    p.line_segment([pos2(c.x + d, c.y - d), pos2(c.x - d, c.y + d)], grid);
    let font = FontId::proportional(11.0);
    p.text(
        pos2(c.x - d - 4.0, c.y - d - 4.0),
        Align2::RIGHT_BOTTOM,
        "L",
        font.clone(),
        theme::TEXT_DIM,
    );
    p.text(
        pos2(c.x + d + 4.0, c.y - d - 4.0),
        Align2::LEFT_BOTTOM,
        "R",
        font.clone(),
        theme::TEXT_DIM,
    );
    p.text(
        pos2(c.x, rect.top() + 4.0),
        Align2::CENTER_TOP,
        "M",
        font,
        theme::TEXT_DIM,
    );
    let n = pairs.len().max(1) as f32;
    for (i, &(l, r_)) in pairs.iter().enumerate() {
        let (mid, side) = (
            (l + r_) * std::f32::consts::FRAC_1_SQRT_2,
            (r_ - l) * std::f32::consts::FRAC_1_SQRT_2,
        );
        let x = c.x + (side * r).clamp(-r, r);
        let y = c.y - (mid * r).clamp(-r, r);
        let alpha = 0.15 + 0.85 * i as f32 / n;
        p.circle_filled(pos2(x, y), 1.2, theme::SIGNAL.gamma_multiply(alpha));
    }
}
