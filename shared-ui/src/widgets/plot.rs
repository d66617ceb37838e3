//! A plot area with a linear or logarithmic axis each way (dB over dB for a transfer curve,
//! dB over time for a decay, dB over log Hz for a response), a labelled grid, and the mapping
//! between values and screen points. The mapping and the grid's tick values are plain
//! functions ([`Axis`]), tested without a display; [`Plot::show`] only paints.

use egui::{
    self, Align, Align2, Color32, CornerRadius, FontId, Pos2, Rect, Sense, Stroke, Ui, pos2, vec2,
};

use crate::theme;

/// The background of every plot and scope.
pub const PLOT_BACKGROUND: Color32 = Color32::from_rgb(0x12, 0x13, 0x16);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Linear,
    /// Equal ratios take equal space (frequency); both ends must be positive.
    Log,
}

/// One axis: the value range it shows and how values are spread over it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Axis {
    pub min: f32,
    pub max: f32,
    pub scale: Scale,
}

impl Axis {
    pub fn linear(min: f32, max: f32) -> Self {
        Self {
            min,
            max,
            scale: Scale::Linear,
        }
    }

    /// A logarithmic axis; non-positive ends are raised to a tiny positive value.
    pub fn log(min: f32, max: f32) -> Self {
        Self {
            min: min.max(f32::MIN_POSITIVE),
            max: max.max(f32::MIN_POSITIVE),
            scale: Scale::Log,
        }
    }

    /// Where `value` sits along the axis: 0 at `min`, 1 at `max`, outside for values outside
    /// (the caller decides whether to clamp).
    pub fn unit(&self, value: f32) -> f32 {
        let (a, b, v) = match self.scale {
            Scale::Linear => (self.min, self.max, value),
            Scale::Log => (
                self.min.ln(),
                self.max.ln(),
                value.max(f32::MIN_POSITIVE).ln(),
            ),
        };
        if b == a { 0.0 } else { (v - a) / (b - a) }
    }

    /// The value at `unit` along the axis (the inverse of [`unit`](Self::unit)).
    pub fn value(&self, unit: f32) -> f32 {
        match self.scale {
            Scale::Linear => self.min + (self.max - self.min) * unit,
            Scale::Log => (self.min.ln() + (self.max.ln() - self.min.ln()) * unit).exp(),
        }
    }

    /// Grid values inside the range, at most about `max_ticks` of them. Linear: multiples of
    /// 1, 2 or 5 × 10ⁿ; log: the decades, with 2× and 5× added while that stays within
    /// `max_ticks` (20, 50, 100, 200, 500, 1k … for an audio band).
    pub fn ticks(&self, max_ticks: usize) -> Vec<f32> {
        let (lo, hi) = (self.min.min(self.max), self.min.max(self.max));
        let max_ticks = max_ticks.max(2);
        if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
            return Vec::new();
        }
        match self.scale {
            Scale::Linear => {
                let step = nice_step((hi - lo) / max_ticks as f32);
                let first = (lo / step).ceil() as i64;
                let last = (hi / step).floor() as i64;
                (first..=last).map(|k| k as f32 * step).collect()
            }
            Scale::Log => {
                let decades = |mantissas: &[f32]| -> Vec<f32> {
                    let (d0, d1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
                    let mut out = Vec::new();
                    for d in d0..=d1 {
                        for m in mantissas {
                            let v = m * 10f32.powi(d);
                            // A relative tolerance, so the ends count although rounded.
                            if v >= lo * (1.0 - 1e-5) && v <= hi * (1.0 + 1e-5) {
                                out.push(v);
                            }
                        }
                    }
                    out
                };
                let fine = decades(&[1.0, 2.0, 5.0]);
                if fine.len() <= max_ticks {
                    fine
                } else {
                    decades(&[1.0])
                }
            }
        }
    }
}

/// The smallest of 1, 2, 5 × 10ⁿ that is at least `raw`.
fn nice_step(raw: f32) -> f32 {
    let raw = raw.max(f32::MIN_POSITIVE);
    let magnitude = 10f32.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * (1.0 - 1e-6))
        .unwrap_or(10.0 * magnitude)
}

/// A painted plot: its data area and axes, for mapping values to points.
pub struct Plot {
    /// The data area (inside the labels).
    pub rect: Rect,
    pub x: Axis,
    pub y: Axis,
    pub painter: egui::Painter,
}

/// Space for the y labels on the left and the x labels below the data area.
const LEFT_MARGIN: f32 = 34.0;
const BOTTOM_MARGIN: f32 = 15.0;
const LABEL_FONT: f32 = 10.0;

impl Plot {
    /// Allocates `size` (labels included), paints the background and a grid with labels
    /// (`x_text`, `y_text` format a tick value), and returns the plot to draw into.
    pub fn show(
        ui: &mut Ui,
        size: egui::Vec2,
        x: Axis,
        y: Axis,
        x_text: impl Fn(f32) -> String,
        y_text: impl Fn(f32) -> String,
    ) -> Self {
        let (outer, _) = ui.allocate_exact_size(size, Sense::hover());
        let painter = ui.painter_at(outer);
        painter.rect_filled(outer, CornerRadius::same(4), PLOT_BACKGROUND);
        let rect = Rect::from_min_max(
            pos2(outer.left() + LEFT_MARGIN, outer.top() + 6.0),
            pos2(outer.right() - 8.0, outer.bottom() - BOTTOM_MARGIN),
        );
        let plot = Self {
            rect,
            x,
            y,
            painter,
        };
        let grid = Stroke::new(1.0, theme::TRACK.gamma_multiply(0.7));
        let font = FontId::proportional(LABEL_FONT);
        let x_ticks = x.ticks(((rect.width() / 55.0) as usize).max(2));
        for v in x_ticks {
            let px = plot.x_to_screen(v);
            plot.painter
                .line_segment([pos2(px, rect.top()), pos2(px, rect.bottom())], grid);
            // Labels at the ends are pulled inside so they are never cut.
            let align = if px - rect.left() < 10.0 {
                Align2::LEFT_TOP
            } else if rect.right() - px < 10.0 {
                Align2::RIGHT_TOP
            } else {
                Align2::CENTER_TOP
            };
            plot.painter.text(
                pos2(px, rect.bottom() + 2.0),
                align,
                x_text(v),
                font.clone(),
                theme::TEXT_DIM,
            );
        }
        let y_ticks = y.ticks(((rect.height() / 28.0) as usize).max(2));
        for v in y_ticks {
            let py = plot.y_to_screen(v);
            plot.painter
                .line_segment([pos2(rect.left(), py), pos2(rect.right(), py)], grid);
            let align = if rect.bottom() - py < 6.0 {
                Align2::RIGHT_BOTTOM
            } else if py - rect.top() < 6.0 {
                Align2::RIGHT_TOP
            } else {
                Align2::RIGHT_CENTER
            };
            plot.painter.text(
                pos2(rect.left() - 4.0, py),
                align,
                y_text(v),
                font.clone(),
                theme::TEXT_DIM,
            );
        }
        plot.painter.rect_stroke(
            rect,
            CornerRadius::ZERO,
            Stroke::new(1.0, theme::TRACK),
            egui::StrokeKind::Inside,
        );
        plot
    }

    pub fn x_to_screen(&self, x: f32) -> f32 {
        self.rect.left() + self.rect.width() * self.x.unit(x)
    }

    pub fn y_to_screen(&self, y: f32) -> f32 {
        self.rect.bottom() - self.rect.height() * self.y.unit(y)
    }

    /// The point for (`x`, `y`), clamped to the data area.
    pub fn to_screen(&self, x: f32, y: f32) -> Pos2 {
        let p = pos2(self.x_to_screen(x), self.y_to_screen(y));
        pos2(
            p.x.clamp(self.rect.left(), self.rect.right()),
            p.y.clamp(self.rect.top(), self.rect.bottom()),
        )
    }

    /// A polyline through `points` (values, not pixels), clipped to the data area.
    pub fn line(&self, points: impl IntoIterator<Item = (f32, f32)>, stroke: Stroke) {
        let pts: Vec<Pos2> = points
            .into_iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|(x, y)| self.to_screen(x, y))
            .collect();
        if pts.len() >= 2 {
            self.painter
                .with_clip_rect(self.rect)
                .add(egui::Shape::line(pts, stroke));
        }
    }

    /// A vertical bar at `x` from `y0` to `y1` (values), `width` pixels wide.
    pub fn bar(&self, x: f32, y0: f32, y1: f32, width: f32, color: Color32) {
        let (a, b) = (self.to_screen(x, y0), self.to_screen(x, y1));
        let r = Rect::from_min_max(
            pos2(a.x - width * 0.5, a.y.min(b.y)),
            pos2(a.x + width * 0.5, a.y.max(b.y)),
        );
        self.painter
            .with_clip_rect(self.rect)
            .rect_filled(r, CornerRadius::ZERO, color);
    }

    /// A small caption in the data area's top-left or top-right corner.
    pub fn caption(&self, right: bool, text: &str, color: Color32) {
        self.corner_caption(right, false, text, color);
    }

    /// A small caption in the data area's bottom-left or bottom-right corner (for data that
    /// hangs from the top, such as gain reduction, and would cover a caption at the top).
    pub fn caption_bottom(&self, right: bool, text: &str, color: Color32) {
        self.corner_caption(right, true, text, color);
    }

    /// A small caption in one corner of the data area, 4 px in and 3 px down (or up).
    fn corner_caption(&self, right: bool, bottom: bool, text: &str, color: Color32) {
        let (x, h) = if right {
            (self.rect.right() - 4.0, Align::RIGHT)
        } else {
            (self.rect.left() + 4.0, Align::LEFT)
        };
        let (y, v) = if bottom {
            (self.rect.bottom() - 3.0, Align::BOTTOM)
        } else {
            (self.rect.top() + 3.0, Align::TOP)
        };
        self.painter.text(
            pos2(x, y),
            Align2([h, v]),
            text,
            FontId::proportional(LABEL_FONT + 1.0),
            color,
        );
    }

    /// Legend entries stacked below the top-right corner: a short line in each colour.
    pub fn legend(&self, entries: &[(&str, Color32)]) {
        let font = FontId::proportional(LABEL_FONT + 1.0);
        for (k, (text, color)) in entries.iter().enumerate() {
            let y = self.rect.top() + 9.0 + 14.0 * k as f32;
            let x = self.rect.right() - 6.0;
            let galley = self
                .painter
                .layout_no_wrap((*text).to_owned(), font.clone(), *color);
            let tx = x - galley.size().x;
            self.painter
                .galley(pos2(tx, y - galley.size().y * 0.5), galley, *color);
            self.painter.line_segment(
                [pos2(tx - 18.0, y), pos2(tx - 4.0, y)],
                Stroke::new(2.0, *color),
            );
        }
    }

    /// The data area's size in points (for callers sampling a curve once per pixel).
    pub fn width(&self) -> f32 {
        self.rect.width()
    }
}

/// The size a plot needs so that its data area is `data` (labels around it).
pub fn plot_size(data: egui::Vec2) -> egui::Vec2 {
    vec2(data.x + LEFT_MARGIN + 8.0, data.y + BOTTOM_MARGIN + 6.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_mapping_round_trips_and_extrapolates() {
        let a = Axis::linear(-60.0, 0.0);
        assert_eq!(a.unit(-60.0), 0.0);
        assert_eq!(a.unit(0.0), 1.0);
        assert!((a.unit(-15.0) - 0.75).abs() < 1e-6);
        assert!((a.unit(6.0) - 1.1).abs() < 1e-6);
        for u in [0.0f32, 0.3, 0.5, 1.0] {
            assert!((a.unit(a.value(u)) - u).abs() < 1e-6);
        }
        // A reversed axis works too (time running right to left, say).
        let r = Axis::linear(10.0, 0.0);
        assert!((r.unit(2.5) - 0.75).abs() < 1e-6);
        // A degenerate one does not divide by zero.
        assert_eq!(Axis::linear(1.0, 1.0).unit(5.0), 0.0);
    }

    #[test]
    fn log_mapping_gives_equal_ratios_equal_space() {
        let a = Axis::log(20.0, 20_000.0);
        assert!(a.unit(20.0).abs() < 1e-6);
        assert!((a.unit(20_000.0) - 1.0).abs() < 1e-6);
        // Three decades: each a third of the axis.
        assert!((a.unit(200.0) - 1.0 / 3.0).abs() < 1e-5);
        assert!((a.unit(2_000.0) - 2.0 / 3.0).abs() < 1e-5);
        assert!((a.value(0.5) - (20.0f32 * 20_000.0).sqrt()).abs() < 0.01);
        // Zero and negative values map far left instead of to NaN.
        assert!(a.unit(0.0).is_finite() && a.unit(0.0) < 0.0);
    }

    #[test]
    fn linear_ticks_are_round_and_inside() {
        assert_eq!(
            Axis::linear(-60.0, 0.0).ticks(6),
            vec![-60.0, -50.0, -40.0, -30.0, -20.0, -10.0, 0.0]
        );
        assert_eq!(
            Axis::linear(-60.0, 0.0).ticks(4),
            vec![-60.0, -40.0, -20.0, 0.0]
        );
        assert_eq!(
            Axis::linear(0.0, 2.2).ticks(5),
            vec![0.0, 0.5, 1.0, 1.5, 2.0]
        );
        let t = Axis::linear(0.13, 0.97).ticks(8);
        assert!(t.iter().all(|v| *v >= 0.13 && *v <= 0.97), "{t:?}");
        assert_eq!(t.len(), 4);
        assert!(Axis::linear(1.0, 1.0).ticks(5).is_empty());
        assert!(Axis::linear(0.0, f32::NAN).ticks(5).is_empty());
    }

    #[test]
    fn log_ticks_are_decades_with_two_and_five_when_they_fit() {
        let fine = Axis::log(20.0, 20_000.0).ticks(10);
        let want = [
            20.0, 50.0, 100.0, 200.0, 500.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0, 20_000.0,
        ];
        assert_eq!(fine.len(), want.len(), "{fine:?}");
        for (a, b) in fine.iter().zip(want) {
            assert!((a / b - 1.0).abs() < 1e-5, "{fine:?}");
        }
        let coarse = Axis::log(20.0, 20_000.0).ticks(4);
        assert_eq!(coarse.len(), 3, "{coarse:?}"); // 100, 1k, 10k
        assert!((coarse[1] - 1_000.0).abs() < 0.01);
    }
}
