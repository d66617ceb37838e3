//! A scrolling history strip: the last few seconds of a value (gain reduction), newest at the
//! right, hanging from the top like the gain-reduction meter. The values come from a
//! `shared_dsp::analysis::HistoryBuffer`; squeezing them into pixel columns keeps each
//! column's largest value ([`columns`]), so a short peak never disappears between pixels.

use egui::{self, Color32, Pos2, Stroke, Ui, pos2};

use super::plot::{Axis, Plot};
use crate::theme;

/// `values` resampled to `count` columns: each column is the largest of the values that fall
/// in it (several values per column), or the value it falls in (fewer values than columns).
pub fn columns(values: &[f32], count: usize) -> impl Iterator<Item = f32> + '_ {
    let n = values.len();
    (0..count).map(move |c| {
        if n == 0 {
            return 0.0;
        }
        let start = (c * n / count).min(n - 1);
        let end = ((c + 1) * n / count).clamp(start + 1, n);
        values[start..end]
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max)
    })
}

/// Draws `values` (oldest first, one per `seconds / values.len()`), 0 … `max_db` downwards,
/// over a time axis of the last `seconds`.
pub fn history_strip(
    ui: &mut Ui,
    values: &[f32],
    seconds: f32,
    max_db: f32,
    size: egui::Vec2,
    color: Color32,
) {
    let plot = Plot::show(
        ui,
        size,
        Axis::linear(-seconds, 0.0),
        Axis::linear(-max_db, 0.0),
        |t| {
            if t == 0.0 {
                "now".to_owned()
            } else if t.fract() == 0.0 {
                format!("{t:.0} s")
            } else {
                format!("{t:.1} s")
            }
        },
        |db| format!("{:.0}", db.abs()),
    );
    let rect = plot.rect;
    let count = rect.width().floor().max(1.0) as usize;
    let top = rect.top();
    let mut outline: Vec<Pos2> = Vec::with_capacity(count);
    for (c, v) in columns(values, count).enumerate() {
        let x = rect.left() + c as f32 + 0.5;
        let y = plot.y_to_screen(-v.clamp(0.0, max_db));
        if y > top + 0.5 {
            plot.painter.line_segment(
                [pos2(x, top), pos2(x, y)],
                Stroke::new(1.0, color.gamma_multiply(0.55)),
            );
        }
        outline.push(pos2(x, y));
    }
    plot.painter
        .add(egui::Shape::line(outline, Stroke::new(1.5, color)));
    // At the bottom: the reduction hangs from the top and would cover it there.
    plot.caption_bottom(false, "gain reduction (dB)", theme::TEXT_DIM);
}

#[cfg(test)]
mod tests {
    use super::columns;

    #[test]
    fn more_values_than_columns_keeps_every_peak() {
        let mut v = vec![0.0f32; 400];
        v[7] = 5.0; // a one-point peak
        v[399] = 2.0;
        let c: Vec<f32> = columns(&v, 100).collect();
        assert_eq!(c.len(), 100);
        assert_eq!(c[1], 5.0); // values 4..8
        assert_eq!(c[99], 2.0);
        assert_eq!(c.iter().filter(|x| **x > 0.0).count(), 2);
    }

    #[test]
    fn fewer_values_than_columns_stretch_in_order() {
        let v = [1.0f32, 2.0, 3.0];
        let c: Vec<f32> = columns(&v, 6).collect();
        assert_eq!(c, vec![1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
        assert_eq!(columns(&[], 3).collect::<Vec<_>>(), vec![0.0; 3]);
        assert_eq!(columns(&v, 3).collect::<Vec<_>>(), v.to_vec());
    }
}
