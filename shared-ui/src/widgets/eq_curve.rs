//! An equaliser's response editor: one node per band on a log-Hz / dB plot. Drag a node for
//! frequency and gain (one host gesture on both, begun and ended together), scroll over it
//! for Q, double-click empty space to switch on the nearest switched-off band there,
//! double-click a node to switch it off. What those do to the parameters is plain logic
//! ([`NodeDrag`], [`scroll_q`], [`nearest_disabled`], [`enable_at`]) tested without a
//! display; the drawing helpers only paint.

use egui::{self, Align2, Color32, FontId, Pos2, Stroke, pos2};
use nice_plug::prelude::{FloatParam, Param};

use super::plot::{Axis, Plot};
use crate::control::{Bound, Control, set_once};
use crate::theme;

/// One colour per band, the same in the curve, the nodes and the band buttons.
pub const BAND_COLOURS: [Color32; 8] = [
    Color32::from_rgb(0xff, 0x6b, 0x6b),
    Color32::from_rgb(0xff, 0xa9, 0x4d),
    Color32::from_rgb(0xf5, 0xd7, 0x4a),
    Color32::from_rgb(0x8c, 0xe0, 0x5c),
    Color32::from_rgb(0x4d, 0xd8, 0xc4),
    Color32::from_rgb(0x5a, 0xa8, 0xff),
    Color32::from_rgb(0xa7, 0x8b, 0xff),
    Color32::from_rgb(0xf0, 0x7c, 0xd8),
];

/// The frequency axis of a response plot (the audible band).
pub const FREQ_AXIS: (f32, f32) = (20.0, 20_000.0);
/// Scroll points per wheel notch (egui's line scroll) and the Q ratio per notch.
pub const SCROLL_POINTS_PER_NOTCH: f32 = 50.0;
pub const Q_RATIO_PER_NOTCH: f32 = 1.122_462; // 2^(1/6): six notches per doubling
/// How close (points) the pointer must be to a node to grab it.
pub const NODE_GRAB_RADIUS: f32 = 12.0;

/// A continuous parameter in its plain units as well (Hz, dB, Q), for widgets that place
/// values on a plot rather than along a knob's travel.
pub trait PlainControl: Control {
    fn plain(&self) -> f32;
    /// The normalised value of `plain` under the parameter's own range and skew.
    fn normalized_of(&self, plain: f32) -> f32;
}

impl PlainControl for Bound<'_, FloatParam> {
    fn plain(&self) -> f32 {
        self.param.unmodulated_plain_value()
    }
    fn normalized_of(&self, plain: f32) -> f32 {
        self.param.preview_normalized(plain)
    }
}

/// The parameters of one band that the curve moves.
pub struct BandControls<'a> {
    pub on: &'a dyn Control,
    pub freq: &'a dyn PlainControl,
    pub gain: &'a dyn PlainControl,
    pub q: &'a dyn PlainControl,
    /// Whether the band's type has a gain (vertical drags set it; cuts and notches stay on
    /// the 0 dB line).
    pub uses_gain: bool,
}

impl BandControls<'_> {
    pub fn enabled(&self) -> bool {
        self.on.normalized() > 0.5
    }
}

/// A node drag: frequency and gain of one band as one gesture each, begun together when the
/// drag starts and ended together when it stops (or when another drag starts), so hosts
/// record the move as one automation edit per parameter.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeDrag {
    band: Option<usize>,
    uses_gain: bool,
}

impl NodeDrag {
    /// The band being dragged.
    pub fn band(&self) -> Option<usize> {
        self.band
    }

    pub fn begin(&mut self, bands: &[BandControls], band: usize) {
        self.end(bands);
        if let Some(b) = bands.get(band) {
            self.band = Some(band);
            self.uses_gain = b.uses_gain;
            b.freq.begin();
            if self.uses_gain {
                b.gain.begin();
            }
        }
    }

    /// Moves the band to `freq_hz` and (if it has a gain) `gain_db`, clamped to their ranges.
    pub fn drag_to(&self, bands: &[BandControls], freq_hz: f32, gain_db: f32) {
        if let Some(b) = self.band.and_then(|i| bands.get(i)) {
            b.freq
                .set_normalized(b.freq.normalized_of(freq_hz).clamp(0.0, 1.0));
            if self.uses_gain {
                b.gain
                    .set_normalized(b.gain.normalized_of(gain_db).clamp(0.0, 1.0));
            }
        }
    }

    pub fn end(&mut self, bands: &[BandControls]) {
        if let Some(b) = self.band.take().and_then(|i| bands.get(i)) {
            b.freq.end();
            if self.uses_gain {
                b.gain.end();
            }
        }
    }
}

/// Scrolls a band's Q by `notches` wheel notches (up = narrower): one gesture.
pub fn scroll_q(q: &dyn PlainControl, notches: f32) {
    if notches != 0.0 && notches.is_finite() {
        let target = q.plain() * Q_RATIO_PER_NOTCH.powf(notches);
        set_once(q, q.normalized_of(target));
    }
}

/// The switched-off band whose frequency is nearest to `freq_hz` (in octaves), if any.
pub fn nearest_disabled(bands: &[BandControls], freq_hz: f32) -> Option<usize> {
    bands
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.enabled())
        .min_by(|(_, a), (_, b)| {
            let d = |c: &BandControls| (c.freq.plain() / freq_hz).log2().abs();
            d(a).total_cmp(&d(b))
        })
        .map(|(i, _)| i)
}

/// Switches `band` on at `freq_hz` and (if it has a gain) `gain_db`: a gesture each.
pub fn enable_at(band: &BandControls, freq_hz: f32, gain_db: f32) {
    set_once(band.freq, band.freq.normalized_of(freq_hz));
    if band.uses_gain {
        set_once(band.gain, band.gain.normalized_of(gain_db));
    }
    set_once(band.on, 1.0);
}

/// The node nearest to `at` within [`NODE_GRAB_RADIUS`] (`nodes`: screen positions of the
/// bands that have a node).
pub fn nearest_node(nodes: &[Option<Pos2>], at: Pos2) -> Option<usize> {
    nodes
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|p| (i, p.distance(at))))
        .filter(|(_, d)| *d <= NODE_GRAB_RADIUS)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// Paints a response plot's frame: log Hz across ([`FREQ_AXIS`]), ±`db_range` dB up.
pub fn response_plot(ui: &mut egui::Ui, size: egui::Vec2, db_range: f32) -> Plot {
    Plot::show(
        ui,
        size,
        Axis::log(FREQ_AXIS.0, FREQ_AXIS.1),
        Axis::linear(-db_range, db_range),
        |hz| {
            if hz >= 1_000.0 {
                format!("{:.0}k", hz / 1_000.0)
            } else {
                format!("{hz:.0}")
            }
        },
        |db| {
            if db > 0.0 {
                format!("+{db:.0}")
            } else {
                format!("{db:.0}")
            }
        },
    )
}

/// The area between a curve (`(Hz, dB)` points, increasing in Hz) and 0 dB, filled with
/// `fill`, and the curve itself with `stroke`.
pub fn band_curve(plot: &Plot, points: &[(f32, f32)], fill: Color32, stroke: Stroke) {
    let painter = plot.painter.with_clip_rect(plot.rect);
    let zero = plot
        .y_to_screen(0.0)
        .clamp(plot.rect.top(), plot.rect.bottom());
    for pair in points.windows(2) {
        let (a, b) = (
            plot.to_screen(pair[0].0, pair[0].1),
            plot.to_screen(pair[1].0, pair[1].1),
        );
        let quad = vec![a, b, pos2(b.x, zero), pos2(a.x, zero)];
        painter.add(egui::Shape::convex_polygon(quad, fill, Stroke::NONE));
    }
    plot.line(points.iter().copied(), stroke);
}

/// A band's node: a filled circle with its number; a ring when selected; hollow when off.
pub fn node(plot: &Plot, at: Pos2, colour: Color32, number: usize, enabled: bool, selected: bool) {
    let painter = plot.painter.with_clip_rect(plot.rect.expand(10.0));
    let r = 8.0;
    if enabled {
        painter.circle_filled(at, r, colour);
        painter.circle_stroke(at, r, Stroke::new(1.0, Color32::BLACK));
    } else {
        painter.circle_filled(at, r, theme::BACKGROUND.gamma_multiply(0.8));
        painter.circle_stroke(at, r, Stroke::new(1.5, colour.gamma_multiply(0.6)));
    }
    if selected {
        painter.circle_stroke(at, r + 3.5, Stroke::new(1.5, theme::TEXT));
    }
    let text = if enabled {
        Color32::BLACK
    } else {
        colour.gamma_multiply(0.8)
    };
    painter.text(
        at,
        Align2::CENTER_CENTER,
        number.to_string(),
        FontId::proportional(10.5),
        text,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::mock::{Log, MockParam, Travel, paired};

    struct Band {
        on: MockParam,
        freq: MockParam,
        gain: MockParam,
        q: MockParam,
        uses_gain: bool,
    }

    fn band(freq: f32, on: bool, uses_gain: bool, events: &Log) -> Band {
        Band {
            on: MockParam::new("on", if on { 1.0 } else { 0.0 }, 0.0, 1.0, Travel::Linear)
                .logging_to(events),
            freq: MockParam::new("freq", freq, 10.0, 30_000.0, Travel::Log).logging_to(events),
            gain: MockParam::new("gain", 0.0, -30.0, 30.0, Travel::Linear).logging_to(events),
            q: MockParam::new("q", 0.707, 0.025, 40.0, Travel::Log).logging_to(events),
            uses_gain,
        }
    }

    fn controls(bands: &[Band]) -> Vec<BandControls<'_>> {
        bands
            .iter()
            .map(|b| BandControls {
                on: &b.on,
                freq: &b.freq,
                gain: &b.gain,
                q: &b.q,
                uses_gain: b.uses_gain,
            })
            .collect()
    }

    #[test]
    fn a_node_drag_is_one_paired_gesture_on_frequency_and_gain() {
        let events = Log::default();
        let bands = [
            band(100.0, true, true, &events),
            band(1_000.0, true, false, &events),
        ];
        let c = controls(&bands);
        let mut drag = NodeDrag::default();
        drag.begin(&c, 0);
        drag.drag_to(&c, 200.0, 6.0);
        drag.drag_to(&c, 400.0, -12.0);
        // Dragging past the ends clamps to the range.
        drag.drag_to(&c, 1e6, 99.0);
        assert!((bands[0].freq.plain() - 30_000.0).abs() < 1.0);
        assert!((bands[0].gain.plain() - 30.0).abs() < 1e-4);
        drag.drag_to(&c, 400.0, -12.0);
        // Starting another drag ends this one first.
        drag.begin(&c, 1);
        drag.drag_to(&c, 2_000.0, 9.0);
        drag.end(&c);
        drag.end(&c);
        let e = events.borrow().clone();
        assert!(paired(&e), "{e:?}");
        assert_eq!(
            e.iter().filter(|x| x.starts_with("begin")).count(),
            3,
            "{e:?}"
        );
        assert!((bands[0].freq.plain() - 400.0).abs() < 0.01);
        assert!((bands[0].gain.plain() + 12.0).abs() < 1e-4);
        // A band without gain moves in frequency only.
        assert!((bands[1].freq.plain() - 2_000.0).abs() < 0.05);
        assert_eq!(bands[1].gain.plain(), 0.0);
        assert!(
            !e.iter()
                .skip_while(|x| *x != "end gain")
                .any(|x| x == "set gain"),
            "{e:?}"
        );
    }

    #[test]
    fn scrolling_scales_q_by_a_sixth_octave_per_notch_and_clamps() {
        let events = Log::default();
        let b = band(1_000.0, true, true, &events);
        scroll_q(&b.q, 6.0);
        assert!((b.q.plain() / 1.414 - 1.0).abs() < 1e-3, "{}", b.q.plain());
        scroll_q(&b.q, -12.0);
        assert!((b.q.plain() / 0.3535 - 1.0).abs() < 1e-3, "{}", b.q.plain());
        scroll_q(&b.q, 1_000.0);
        assert!((b.q.plain() - 40.0).abs() < 1e-3);
        scroll_q(&b.q, 0.0);
        scroll_q(&b.q, f32::NAN);
        let e = events.borrow().clone();
        assert!(paired(&e) && e.len() == 9, "{e:?}");
    }

    #[test]
    fn double_click_enables_the_nearest_disabled_band_there() {
        let events = Log::default();
        let bands = [
            band(50.0, false, true, &events),
            band(250.0, true, true, &events), // on: never chosen
            band(700.0, false, true, &events),
            band(5_000.0, false, false, &events),
        ];
        let c = controls(&bands);
        // 300 Hz: 250 is on; 700 is 1.2 octaves away, 50 is 2.6.
        assert_eq!(nearest_disabled(&c, 300.0), Some(2));
        assert_eq!(nearest_disabled(&c, 60.0), Some(0));
        enable_at(&c[2], 320.0, 4.5);
        assert!(c[2].enabled());
        assert!((bands[2].freq.plain() - 320.0).abs() < 0.01);
        assert!((bands[2].gain.plain() - 4.5).abs() < 1e-4);
        // A cut is placed by frequency only.
        enable_at(&c[3], 8_000.0, 4.5);
        assert_eq!(bands[3].gain.plain(), 0.0);
        assert!(paired(&events.borrow()));
        assert_eq!(nearest_disabled(&c, 300.0), Some(0));
        let all_on = [band(100.0, true, true, &events)];
        assert_eq!(nearest_disabled(&controls(&all_on), 100.0), None);
    }

    #[test]
    fn nodes_are_grabbed_only_near_and_the_nearest_wins() {
        let nodes = [Some(pos2(100.0, 100.0)), None, Some(pos2(108.0, 100.0))];
        assert_eq!(nearest_node(&nodes, pos2(105.0, 101.0)), Some(2));
        assert_eq!(nearest_node(&nodes, pos2(97.0, 100.0)), Some(0));
        assert_eq!(
            nearest_node(&nodes, pos2(100.0, 100.0 + NODE_GRAB_RADIUS + 1.0)),
            None
        );
    }
}
