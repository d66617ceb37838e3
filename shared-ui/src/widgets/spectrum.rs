//! A spectrum drawn under a response plot: its own level scale (dBFS, bottom to top of the
//! plot) so that it shares the frequency axis but not the curve's dB axis, the way analysers
//! sit behind an equaliser's curve.

use egui::{self, Color32, Pos2, Stroke, pos2};

use super::plot::{Axis, Plot};

/// Draws `points` (`(Hz, dBFS)`, increasing in Hz) with `range` (dBFS at the bottom and top
/// of the plot), filled down to the bottom with `fill` when given, outlined with `stroke`.
pub fn spectrum(
    plot: &Plot,
    points: &[(f32, f32)],
    range: (f32, f32),
    fill: Option<Color32>,
    stroke: Stroke,
) {
    let level = Axis::linear(range.0, range.1);
    let rect = plot.rect;
    let to_screen = |(hz, db): (f32, f32)| -> Pos2 {
        let x = plot.x_to_screen(hz).clamp(rect.left(), rect.right());
        let y = rect.bottom() - rect.height() * level.unit(db).clamp(0.0, 1.0);
        pos2(x, y)
    };
    let painter = plot.painter.with_clip_rect(rect);
    let line: Vec<Pos2> = points
        .iter()
        .filter(|(h, d)| h.is_finite() && d.is_finite())
        .map(|&p| to_screen(p))
        .collect();
    if let Some(fill) = fill {
        for pair in line.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let quad = vec![a, b, pos2(b.x, rect.bottom()), pos2(a.x, rect.bottom())];
            painter.add(egui::Shape::convex_polygon(quad, fill, Stroke::NONE));
        }
    }
    if line.len() >= 2 {
        painter.add(egui::Shape::line(line, stroke));
    }
}
