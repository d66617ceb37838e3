//! Meters: level (peak bar, RMS bar, peak hold), gain reduction (hanging from the top), and
//! stereo correlation (−1 … +1). They only draw what they are given; the values come from the
//! audio thread through atomics (`shared_dsp::analysis`).

use egui::{self, Align2, Color32, CornerRadius, FontId, Rect, Sense, Stroke, Ui, pos2, vec2};

use crate::theme;

/// Width of a [`level_meter`] and of a [`level_scale`], points (to align labels with them).
pub const METER_WIDTH: f32 = 14.0;
pub const LEVEL_SCALE_WIDTH: f32 = 22.0;

/// Maps dBFS to 0…1 over −60…+6 dB (the scale of [`level_meter`] and [`level_scale`]).
pub fn meter_fraction(db: f32) -> f32 {
    ((db + 60.0) / 66.0).clamp(0.0, 1.0)
}

/// A vertical level meter: `peak_db`, `rms_db` and `hold_db` in dBFS.
pub fn level_meter(ui: &mut Ui, peak_db: f32, rms_db: f32, hold_db: f32, height: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(METER_WIDTH, height), Sense::hover());
    let p = ui.painter_at(rect);
    p.rect_filled(rect, CornerRadius::same(2), theme::TRACK);
    let bar = |fraction: f32, color: Color32, inset: f32| {
        let top = rect.bottom() - rect.height() * fraction;
        p.rect_filled(
            Rect::from_min_max(
                pos2(rect.left() + inset, top),
                pos2(rect.right() - inset, rect.bottom()),
            ),
            CornerRadius::ZERO,
            color,
        );
    };
    bar(
        meter_fraction(peak_db),
        theme::SIGNAL.gamma_multiply(0.45),
        0.0,
    );
    bar(
        meter_fraction(rms_db),
        if rms_db > -0.1 {
            theme::HOT
        } else {
            theme::SIGNAL
        },
        3.0,
    );
    let y = rect.bottom() - rect.height() * meter_fraction(hold_db);
    p.line_segment(
        [pos2(rect.left(), y), pos2(rect.right(), y)],
        Stroke::new(
            2.0,
            if hold_db > -0.1 {
                theme::HOT
            } else {
                theme::TEXT
            },
        ),
    );
}

/// Gain reduction in dB (positive numbers), drawn down from the top over 0…24 dB.
pub fn gain_reduction_meter(ui: &mut Ui, reduction_db: f32, height: f32) {
    gain_reduction_meter_range(ui, reduction_db, 24.0, height);
}

/// [`gain_reduction_meter`] over 0…`range_db` (a limiter's few dB need a finer scale).
pub fn gain_reduction_meter_range(ui: &mut Ui, reduction_db: f32, range_db: f32, height: f32) {
    gain_reduction_track(ui, reduction_db, range_db, vec2(14.0, height), true);
}

/// Gain reduction as a horizontal bar growing from the left over 0…`range_db` (a console
/// strip's compact gate and compressor sections).
pub fn gain_reduction_bar(ui: &mut Ui, reduction_db: f32, range_db: f32, size: egui::Vec2) {
    gain_reduction_track(ui, reduction_db, range_db, size, false);
}

/// A track of `size` filled over `reduction_db` of `range_db` from its top edge down
/// (`vertical`) or from its left edge to the right.
fn gain_reduction_track(
    ui: &mut Ui,
    reduction_db: f32,
    range_db: f32,
    size: egui::Vec2,
    vertical: bool,
) {
    let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
    let p = ui.painter_at(rect);
    p.rect_filled(rect, CornerRadius::same(2), theme::TRACK);
    let fraction = (reduction_db / range_db.max(0.1)).clamp(0.0, 1.0);
    let end = if vertical {
        pos2(rect.right(), rect.top() + rect.height() * fraction)
    } else {
        pos2(rect.left() + rect.width() * fraction, rect.bottom())
    };
    p.rect_filled(
        Rect::from_min_max(rect.min, end),
        CornerRadius::ZERO,
        theme::WARN,
    );
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
    p.rect_filled(
        Rect::from_min_max(
            pos2(x0.min(x1), rect.top() + 3.0),
            pos2(x0.max(x1), rect.bottom() - 3.0),
        ),
        CornerRadius::ZERO,
        color,
    );
    p.line_segment(
        [pos2(x0, rect.top()), pos2(x0, rect.bottom())],
        Stroke::new(1.0, theme::TEXT_DIM),
    );
    let font = FontId::proportional(10.0);
    p.text(
        pos2(rect.left() + 3.0, rect.center().y),
        Align2::LEFT_CENTER,
        "-1",
        font.clone(),
        theme::TEXT_DIM,
    );
    p.text(
        pos2(rect.right() - 3.0, rect.center().y),
        Align2::RIGHT_CENTER,
        "+1",
        font,
        theme::TEXT_DIM,
    );
}

/// The dB figures [`level_scale`] labels: 6 dB apart near the top, where a mix lives.
const SCALE_TICKS_DB: [f32; 9] = [6.0, 0.0, -6.0, -12.0, -18.0, -24.0, -36.0, -48.0, -60.0];

/// The dB scale for [`level_meter`]s of the same `height`, labels right-aligned.
pub fn level_scale(ui: &mut Ui, height: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(LEVEL_SCALE_WIDTH, height), Sense::hover());
    let p = ui.painter_at(rect.expand2(vec2(0.0, 6.0)));
    let font = FontId::proportional(10.0);
    for db in SCALE_TICKS_DB {
        let y = rect.bottom() - rect.height() * meter_fraction(db);
        let text = if db > 0.0 {
            format!("+{db:.0}")
        } else {
            format!("{db:.0}")
        };
        p.text(
            pos2(rect.right() - 2.0, y),
            Align2::RIGHT_CENTER,
            text,
            font.clone(),
            theme::TEXT_DIM,
        );
    }
}

/// A peak-hold marker's ballistics: holds the largest peak for `hold_s`, then falls at
/// `rate` dB per second (a new larger peak restarts the hold). Per-frame, editor side.
#[derive(Clone, Copy, Debug)]
pub struct PeakHold {
    pub db: f32,
    held_s: f32,
}

impl Default for PeakHold {
    fn default() -> Self {
        Self {
            db: f32::NEG_INFINITY,
            held_s: 0.0,
        }
    }
}

impl PeakHold {
    /// Seconds a peak stays put, and the fall afterwards in dB/s (as most DAW meters).
    pub const HOLD_S: f32 = 1.5;
    pub const FALL_DB_PER_S: f32 = 20.0;

    /// Takes this frame's peak (dB) after `dt` seconds; returns the marker's position.
    pub fn update(&mut self, peak_db: f32, dt: f32) -> f32 {
        let dt = dt.clamp(0.0, 1.0);
        if peak_db >= self.db || !self.db.is_finite() {
            if !peak_db.is_nan() {
                self.db = peak_db;
                self.held_s = 0.0;
            }
        } else {
            self.held_s += dt;
            let over = self.held_s - Self::HOLD_S;
            if over > 0.0 {
                self.db -= Self::FALL_DB_PER_S * over.min(dt);
                if peak_db > self.db {
                    self.db = peak_db;
                }
            }
        }
        self.db
    }
}

/// A stereo level meter's readings with the ballistics of every editor's level meters: the
/// peaks fall back at [`RELEASE_DB_PER_S`], each channel has its [`PeakHold`], the RMS is shown
/// as it comes. Fed once per frame with the linear peaks and RMS the audio thread left.
#[derive(Clone, Copy, Debug)]
pub struct StereoLevels {
    pub peak_db: [f32; 2],
    pub rms_db: [f32; 2],
    pub hold: [PeakHold; 2],
}

impl Default for StereoLevels {
    fn default() -> Self {
        Self {
            peak_db: [f32::NEG_INFINITY; 2],
            rms_db: [f32::NEG_INFINITY; 2],
            hold: [PeakHold::default(); 2],
        }
    }
}

impl StereoLevels {
    /// Takes this frame's `peaks` and `rms` (linear, left and right) after `dt` seconds.
    pub fn update(&mut self, peaks: [f32; 2], rms: [f32; 2], dt: f32) {
        for ((shown, hold), peak) in self.peak_db.iter_mut().zip(&mut self.hold).zip(peaks) {
            let peak = amplitude_db(peak).max(-120.0);
            *shown = meter_release(*shown, peak, dt, RELEASE_DB_PER_S);
            hold.update(peak, dt);
        }
        self.rms_db = rms.map(amplitude_db);
    }

    /// The larger held peak, as a figure.
    pub fn hold_text(&self) -> String {
        figure_text(self.hold[0].db.max(self.hold[1].db), FIGURE_FLOOR_DB)
    }

    /// The left and right [`level_meter`]s, `height` tall, in the current layout.
    pub fn draw(&self, ui: &mut Ui, height: f32) {
        for c in 0..2 {
            level_meter(ui, self.peak_db[c], self.rms_db[c], self.hold[c].db, height);
        }
    }
}

/// A linear level in dBFS for a meter: −∞ for silence (and for NaN, which a meter ignores).
pub fn amplitude_db(amplitude: f32) -> f32 {
    if amplitude > 0.0 {
        20.0 * amplitude.log10()
    } else {
        f32::NEG_INFINITY
    }
}

/// A labelled figure: small label above, the value large, the unit small beside it (loudness
/// readouts). `value` is already formatted; `color` marks figures over a target.
pub fn readout(ui: &mut Ui, label: &str, value: &str, unit: &str, color: Color32) {
    readout_sized(ui, label, value, unit, color, 22.0);
}

/// [`readout`] with the value `size` points high.
pub fn readout_sized(ui: &mut Ui, label: &str, value: &str, unit: &str, color: Color32, size: f32) {
    ui.vertical(|ui| {
        ui.spacing_mut().item_spacing.y = 1.0;
        ui.label(egui::RichText::new(label).small().color(theme::TEXT_DIM));
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 4.0;
            ui.label(
                egui::RichText::new(value)
                    .size(size)
                    .monospace()
                    .color(color),
            );
            ui.label(egui::RichText::new(unit).small().color(theme::TEXT_DIM));
        });
    });
}

/// The button under loudness figures that starts the integrated loudness, the loudness range
/// and the true peak afresh, at least `size` points; whether it was clicked.
pub fn loudness_reset(ui: &mut Ui, size: egui::Vec2) -> bool {
    ui.add(egui::Button::new("Reset").min_size(size))
        .on_hover_text("Start the integrated loudness, range and true peak afresh")
        .clicked()
}

/// Meter fall-back for [`meter_release`], dB per second (a peak-programme meter's return);
/// every editor's level and gain-reduction meters fall at this rate.
pub const RELEASE_DB_PER_S: f32 = 20.0;

/// The usual `floor` of [`figure_text`]: level and loudness figures below it read "-inf"
/// (well under the loudness gate at −70 LUFS).
pub const FIGURE_FLOOR_DB: f32 = -99.0;

/// A loudness or level figure for a readout: one decimal, "-inf" below `floor`.
pub fn figure_text(value: f32, floor: f32) -> String {
    if value.is_nan() || value <= floor {
        "-inf".to_owned()
    } else {
        format!("{value:.1}")
    }
}

/// Meter ballistics for values an editor reads once per frame (levels in dB, gain reduction
/// in dB): rises at once to a new peak, falls back at `rate` units per second (normally
/// [`RELEASE_DB_PER_S`]), so a peak stays readable for a moment instead of flickering with the frame rate.
pub fn meter_release(shown: f32, incoming: f32, dt: f32, rate: f32) -> f32 {
    let fallen = if shown.is_finite() {
        shown - rate * dt.clamp(0.0, 1.0)
    } else {
        incoming
    };
    if incoming.is_nan() {
        fallen
    } else {
        incoming.max(fallen)
    }
}

#[cfg(test)]
mod tests {
    use super::{PeakHold, StereoLevels, amplitude_db, figure_text, meter_fraction, meter_release};

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

    #[test]
    fn peak_hold_holds_then_falls_and_restarts_on_a_new_peak() {
        let mut h = PeakHold::default();
        assert_eq!(h.update(-6.0, 0.016), -6.0);
        // Lower peaks during the hold leave the marker where it is.
        let mut t = 0.0;
        while t + 0.1 <= PeakHold::HOLD_S {
            assert_eq!(h.update(-30.0, 0.1), -6.0);
            t += 0.1;
        }
        // Past the hold it falls at 20 dB/s: 0.5 s after the hold ends, 10 dB down.
        let mut shown = -6.0;
        for _ in 0..(((PeakHold::HOLD_S - t) + 0.5) / 0.05).round() as usize {
            shown = h.update(-60.0, 0.05);
        }
        assert!((shown + 16.0).abs() < 0.6, "{shown}");
        // …never below the current peak, and a louder peak restarts the hold.
        assert_eq!(h.update(-12.0, 0.05), -12.0);
        assert_eq!(h.update(-3.0, 0.05), -3.0);
        assert_eq!(h.update(-40.0, 1.0), -3.0);
        assert_eq!(h.update(f32::NAN, 0.1), -3.0);
    }

    #[test]
    fn stereo_levels_fall_back_and_hold_per_channel() {
        let mut s = StereoLevels::default();
        s.update([0.5, 0.0], [0.25, f32::NAN], 0.016);
        assert!((s.peak_db[0] - amplitude_db(0.5)).abs() < 1e-6);
        assert_eq!(
            s.peak_db[1], -120.0,
            "silence is floored for the ballistics"
        );
        assert_eq!(s.rms_db[1], f32::NEG_INFINITY);
        assert_eq!(s.hold_text(), "-6.0");
        // Half a second later, with nothing: the peak has fallen 10 dB, the hold has not.
        s.update([0.0, 0.0], [0.0, 0.0], 0.5);
        assert!((s.peak_db[0] - (amplitude_db(0.5) - 10.0)).abs() < 1e-4);
        assert!((s.hold[0].db - amplitude_db(0.5)).abs() < 1e-6);
    }

    #[test]
    fn figures_read_like_a_loudness_meter() {
        assert_eq!(figure_text(-14.04, -99.0), "-14.0");
        assert_eq!(figure_text(-0.96, -99.0), "-1.0");
        assert_eq!(figure_text(f32::NEG_INFINITY, -99.0), "-inf");
        assert_eq!(figure_text(-120.0, -99.0), "-inf");
        assert_eq!(figure_text(f32::NAN, -99.0), "-inf");
        assert_eq!(figure_text(3.24, 0.0), "3.2");
    }
}
