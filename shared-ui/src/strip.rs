//! A channel strip as the Channel Strip's console and Mixwerk Strip draw it: the compact
//! strip's parts (fader with meter, EQ thumbnail, compact sections, small knobs and toggles)
//! and the channel in full (every control of its filters, gate, EQ with its curve, and
//! compressor). Both plugins have the same parameters (`plugin_kit::strip`), so one drawing
//! serves both.

use nice_plug::prelude::Param;
use plugin_kit::strip::ChannelParams;
use shared_dsp::eq::response::Curve;
use shared_dsp::eq::{BANDS, BandSettings};
use shared_dsp::strip::ChannelSettings;
use shared_dsp::strip::channel::cut_settings;

use crate::egui::{self, Align2, Color32, CornerRadius, FontId, Sense, Stroke, pos2, vec2};
use crate::theme;
use crate::widgets::{self, Axis, Controls, KnobSize, Plot, StereoLevels};

/// Width of a strip's contents (the frame adds its margin).
pub const STRIP_WIDTH: f32 = 94.0;
/// Fader travel plus cap.
pub const FADER_HEIGHT: f32 = 196.0;
/// The fader's scale, as the fader parameter reads it.
pub const FADER_MARKS: [&str; 9] = ["+12", "+6", "0", "-6", "-12", "-20", "-30", "-50", "-inf"];
/// Full scale of the compact gain-reduction bars, dB.
const GR_RANGE_DB: f32 = 24.0;
/// The EQ thumbnail's gain range, ±dB.
const THUMB_RANGE_DB: f32 = 18.0;
/// Half-size toggles that fit two to a strip.
pub const HALF: egui::Vec2 = egui::vec2(44.0, 18.0);

/// A part of a channel the bottom panel can be asked to show (highlighted there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Input,
    Gate,
    Eq,
    Compressor,
}

/// Left and right meters, `height` tall, close together.
pub fn draw_levels(ui: &mut egui::Ui, levels: &StereoLevels, height: f32) {
    ui.horizontal_top(|ui| {
        ui.spacing_mut().item_spacing.x = 2.0;
        levels.draw(ui, height);
    });
}

/// The bands a channel's curve shows: its cut filters (the EQ module's bands 1 and 2 as the
/// strip sets them) and its four EQ bands.
pub fn curve_bands(s: &ChannelSettings) -> [BandSettings; BANDS] {
    let mut bands = cut_settings(s).bands;
    bands[2..6].copy_from_slice(&s.eq);
    bands
}

/// A channel's EQ curve, designed again only when its bands or the rate change.
#[derive(Default)]
pub struct CurveCache {
    key: Option<([BandSettings; BANDS], f32)>,
    curve: Option<Curve>,
}

impl CurveCache {
    pub fn get(&mut self, s: &ChannelSettings, sample_rate: f32) -> &Curve {
        let key = (curve_bands(s), sample_rate);
        if self.key != Some(key) || self.curve.is_none() {
            self.curve = Some(Curve::new(&key.0, sample_rate as f64));
            self.key = Some(key);
        }
        self.curve
            .get_or_insert_with(|| Curve::new(&key.0, sample_rate as f64))
    }
}

/// A fader `height` tall on `param`, with `marks` ([`FADER_MARKS`], or fewer on a short one),
/// the meter after it beside it and, below, the held peak (`peak_hint` says whose): a
/// channel's, and the master's.
#[allow(clippy::too_many_arguments)]
pub fn fader_and_meter<P: Param>(
    ui: &mut egui::Ui,
    k: &Controls,
    salt: impl std::hash::Hash + std::fmt::Debug,
    param: &P,
    levels: &StereoLevels,
    height: f32,
    peak_hint: &str,
    marks: &[&str],
) {
    ui.horizontal_top(|ui| {
        ui.spacing_mut().item_spacing.x = 6.0;
        k.fader(ui, salt, param, marks, height);
        ui.vertical(|ui| {
            ui.spacing_mut().item_spacing.y = 2.0;
            draw_levels(ui, levels, height);
            ui.label(
                egui::RichText::new(levels.hold_text())
                    .size(10.0)
                    .monospace()
                    .color(theme::TEXT_DIM),
            )
            .on_hover_text(peak_hint);
        });
    });
}

/// A compact knob on `param`: every knob of a strip is this size.
pub fn small_knob<P: Param>(
    ui: &mut egui::Ui,
    k: &Controls,
    label: &str,
    param: &P,
) -> egui::Response {
    k.knob_sized(ui, label, param, KnobSize::COMPACT)
}

/// A half-width toggle on `param` in the accent colour, two side by side in a strip.
pub fn half_toggle<P: Param>(
    ui: &mut egui::Ui,
    k: &Controls,
    label: &str,
    param: &P,
) -> egui::Response {
    k.toggle_sized(ui, label, param, HALF, theme::ACCENT)
}

/// A frequency in few characters ("80", "1.2k", "12k") for the cut filters' buttons.
pub fn short_hz(hz: f32) -> String {
    if hz >= 10_000.0 {
        format!("{:.0}k", hz / 1000.0)
    } else if hz >= 1_000.0 {
        format!("{:.1}k", hz / 1000.0)
    } else {
        format!("{hz:.0}")
    }
}

/// A compact section: its switch, its gain reduction (if any) and the arrow that expands it.
/// Returns whether the arrow was clicked.
pub fn compact_row(
    ui: &mut egui::Ui,
    name: &str,
    switch: &dyn crate::control::Control,
    reduction_db: Option<f32>,
) -> bool {
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        widgets::toggle_sized(ui, name, switch, HALF, theme::ACCENT);
        match reduction_db {
            Some(db) => {
                ui.vertical(|ui| {
                    ui.add_space(5.0);
                    widgets::gain_reduction_bar(
                        ui,
                        db,
                        GR_RANGE_DB,
                        vec2(STRIP_WIDTH - HALF.x - 24.0, 8.0),
                    );
                })
                .response
                .on_hover_text(format!("Gain reduction {db:.1} dB"));
            }
            None => {
                ui.add_space(STRIP_WIDTH - HALF.x - 24.0);
            }
        }
        let arrow = egui::Button::new(egui::RichText::new("›").size(14.0))
            .min_size(vec2(12.0, 18.0))
            .frame(false);
        ui.add(arrow)
            .on_hover_text(format!("{name} in full below"))
            .clicked()
    })
    .inner
}

/// The channel's EQ and filter curve, small (−18…+18 dB over 20 Hz…20 kHz); dim when the EQ is
/// off (the filters still act).
pub fn thumbnail(ui: &mut egui::Ui, curve: &Curve, eq_on: bool, hint: &str) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(vec2(STRIP_WIDTH, 26.0), Sense::click());
    let p = ui.painter_at(rect);
    p.rect_filled(rect, CornerRadius::same(2), widgets::plot::PLOT_BACKGROUND);
    p.line_segment(
        [
            pos2(rect.left(), rect.center().y),
            pos2(rect.right(), rect.center().y),
        ],
        Stroke::new(1.0, theme::TRACK),
    );
    let columns = rect.width() as usize;
    let points: Vec<egui::Pos2> = (0..=columns)
        .map(|k| {
            let u = k as f32 / columns as f32;
            let hz = 20.0 * 1000f64.powf(u as f64);
            let db = (curve.magnitude_db(hz) as f32).clamp(-THUMB_RANGE_DB, THUMB_RANGE_DB);
            pos2(
                rect.left() + u * rect.width(),
                rect.center().y - db / THUMB_RANGE_DB * (rect.height() * 0.5 - 2.0),
            )
        })
        .collect();
    let color: Color32 = if eq_on {
        theme::ACCENT
    } else {
        theme::TEXT_DIM
    };
    p.add(egui::Shape::line(points, Stroke::new(1.5, color)));
    if response.hovered() {
        p.text(
            rect.right_top() + vec2(-3.0, 2.0),
            Align2::RIGHT_TOP,
            "›",
            FontId::proportional(11.0),
            theme::TEXT,
        );
    }
    response.on_hover_text(hint)
}

const KNOB: KnobSize = KnobSize::COMPACT.with_width(48.0);
/// Gain range of the EQ plot, ±dB (the bands' ±18 dB, and grid lines at ±20).
const EQ_RANGE_DB: f32 = 20.0;
/// Height of the gain-reduction meters.
const GR_HEIGHT: f32 = 100.0;
/// The filters' switches (the other switches are a knob wide).
const TOGGLE_WIDTH: f32 = 56.0;
const LOOKAHEAD_HINT: &str =
    "Delays this channel; every other channel is delayed with it, so the mix stays aligned";
/// Colours of the four bands' nodes on the curve: low shelf, mid 1, mid 2, high shelf.
const BAND_COLORS: [Color32; 4] = [
    Color32::from_rgb(0xff, 0x8a, 0x65),
    Color32::from_rgb(0xff, 0xd5, 0x4f),
    Color32::from_rgb(0x81, 0xc7, 0x84),
    Color32::from_rgb(0xba, 0x68, 0xc8),
];

/// A titled group like `theme::section`, outlined when it is the section a strip expanded.
fn section<R>(
    ui: &mut egui::Ui,
    title: &str,
    focused: bool,
    add: impl FnOnce(&mut egui::Ui) -> R,
) -> R {
    let stroke = if focused {
        Stroke::new(1.0, theme::ACCENT)
    } else {
        Stroke::NONE
    };
    egui::Frame::new()
        .fill(theme::PANEL)
        .stroke(stroke)
        .corner_radius(CornerRadius::same(4))
        .inner_margin(egui::Margin::same(7))
        .show(ui, |ui| {
            ui.vertical(|ui| {
                ui.spacing_mut().item_spacing.y = 3.0;
                let color = if focused {
                    theme::ACCENT
                } else {
                    theme::TEXT_DIM
                };
                ui.label(egui::RichText::new(title).small().color(color));
                add(ui)
            })
            .inner
        })
        .inner
}

/// A switch `width` wide beside compact knobs, level with them.
fn switch<P: Param>(ui: &mut egui::Ui, k: &Controls, label: &str, param: &P, width: f32) {
    theme::lowered(ui, 14.0, |ui| {
        k.toggle_sized(ui, label, param, vec2(width, 18.0), theme::ACCENT)
    });
}

fn hz_label(v: f32) -> String {
    if v >= 1000.0 {
        format!("{:.0}k", v / 1000.0)
    } else {
        format!("{v:.0}")
    }
}

/// Every control of one channel in titled sections: input and filters, gate, EQ (with the
/// curve of the cut filters and the four bands, and `marker` drawn at a frequency if given),
/// and compressor, with their gain reductions. `focus` outlines the section a compact strip
/// expanded.
#[allow(clippy::too_many_arguments)]
pub fn detail(
    ui: &mut egui::Ui,
    k: &Controls,
    ch: &ChannelParams,
    s: &ChannelSettings,
    curve: &Curve,
    [gate_db, comp_db]: [f32; 2],
    focus: Option<Section>,
    marker: Option<f32>,
) {
    ui.horizontal_top(|ui| {
        ui.spacing_mut().item_spacing.x = 8.0;
        section(ui, "INPUT · FILTERS", focus == Some(Section::Input), |ui| {
            ui.horizontal_top(|ui| {
                k.knob_sized(ui, "Trim", &ch.trim, KNOB);
                switch(ui, k, "High Pass", &ch.high_pass_on, TOGGLE_WIDTH);
                k.knob_sized(ui, "HP Freq", &ch.high_pass, KNOB);
                k.selector_width(ui, "HP Slope", &ch.high_pass_slope, 66.0);
            });
            ui.horizontal_top(|ui| {
                switch(ui, k, "Ø Invert", &ch.invert, KNOB.width);
                switch(ui, k, "Low Pass", &ch.low_pass_on, TOGGLE_WIDTH);
                k.knob_sized(ui, "LP Freq", &ch.low_pass, KNOB);
                k.selector_width(ui, "LP Slope", &ch.low_pass_slope, 66.0);
            });
        });
        section(ui, "GATE / EXPANDER", focus == Some(Section::Gate), |ui| {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.horizontal_top(|ui| {
                        k.knob_sized(ui, "Threshold", &ch.gate_threshold, KNOB);
                        k.knob_sized(ui, "Range", &ch.gate_range, KNOB);
                        k.knob_sized(ui, "Hold", &ch.gate_hold, KNOB);
                    });
                    ui.horizontal_top(|ui| {
                        k.knob_sized(ui, "Attack", &ch.gate_attack, KNOB);
                        k.knob_sized(ui, "Release", &ch.gate_release, KNOB);
                        switch(ui, k, "Gate", &ch.gate_on, KNOB.width);
                    });
                });
                gr_meter(ui, gate_db, 40.0, GR_HEIGHT);
            });
        });
        section(
            ui,
            "EQ (cut filters shown too)",
            focus == Some(Section::Eq),
            |ui| {
                ui.horizontal_top(|ui| {
                    eq_plot(ui, s, curve, marker);
                    ui.vertical(|ui| {
                        ui.horizontal_top(|ui| {
                            k.knob_sized(ui, "Low Freq", &ch.low_shelf_freq, KNOB);
                            k.knob_sized(ui, "Mid 1 Freq", &ch.mid1_freq, KNOB);
                            k.knob_sized(ui, "Mid 1 Q", &ch.mid1_q, KNOB);
                            k.knob_sized(ui, "Mid 2 Freq", &ch.mid2_freq, KNOB);
                            k.knob_sized(ui, "Mid 2 Q", &ch.mid2_q, KNOB);
                            k.knob_sized(ui, "High Freq", &ch.high_shelf_freq, KNOB);
                        });
                        ui.horizontal_top(|ui| {
                            k.knob_sized(ui, "Low Gain", &ch.low_shelf_gain, KNOB);
                            k.knob_sized(ui, "Mid 1 Gain", &ch.mid1_gain, KNOB);
                            switch(ui, k, "EQ", &ch.eq_on, KNOB.width);
                            k.knob_sized(ui, "Mid 2 Gain", &ch.mid2_gain, KNOB);
                            ui.add_space(KNOB.width);
                            k.knob_sized(ui, "High Gain", &ch.high_shelf_gain, KNOB);
                        });
                    });
                });
            },
        );
        section(ui, "COMPRESSOR", focus == Some(Section::Compressor), |ui| {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.horizontal_top(|ui| {
                        k.knob_sized(ui, "Threshold", &ch.comp_threshold, KNOB);
                        k.knob_sized(ui, "Ratio", &ch.comp_ratio, KNOB);
                        k.knob_sized(ui, "Makeup", &ch.comp_makeup, KNOB);
                        switch(ui, k, "Comp", &ch.comp_on, KNOB.width);
                    });
                    ui.horizontal_top(|ui| {
                        k.knob_sized(ui, "Attack", &ch.comp_attack, KNOB);
                        k.knob_sized(ui, "Release", &ch.comp_release, KNOB);
                        k.knob_sized(ui, "Lookahead", &ch.comp_lookahead, KNOB.with_width(56.0))
                            .on_hover_text(LOOKAHEAD_HINT);
                    });
                });
                gr_meter(ui, comp_db, 24.0, GR_HEIGHT);
            });
        });
    });
}

/// The combined response of the channel's cut filters and EQ bands (the EQ module's own
/// curve), with a node per band where its frequency and gain are.
fn eq_plot(ui: &mut egui::Ui, s: &ChannelSettings, curve: &Curve, marker: Option<f32>) {
    let eq_on = s.eq[0].enabled;
    let x = Axis::log(20.0, 20_000.0);
    let y = Axis::linear(-EQ_RANGE_DB, EQ_RANGE_DB);
    let plot = Plot::show(
        ui,
        vec2(290.0, 2.0 * KNOB.height() + 4.0),
        x,
        y,
        hz_label,
        |v| {
            if v == 0.0 {
                "0".to_owned()
            } else {
                format!("{v:+.0}")
            }
        },
    );
    plot.line(
        [(20.0, 0.0), (20_000.0, 0.0)],
        Stroke::new(1.0, theme::TRACK.gamma_multiply(1.6)),
    );
    let columns = plot.width().max(2.0) as usize;
    let points: Vec<(f32, f32)> = (0..=columns)
        .map(|k| {
            let hz = x.value(k as f32 / columns as f32);
            (hz, curve.magnitude_db(hz as f64) as f32)
        })
        .collect();
    let color = if eq_on {
        theme::ACCENT
    } else {
        theme::TEXT_DIM
    };
    plot.line(points, Stroke::new(2.0, color));
    // Where the masking view found this channel covered, when it was opened from there.
    if let Some(hz) = marker {
        plot.line(
            [(hz, -EQ_RANGE_DB), (hz, EQ_RANGE_DB)],
            Stroke::new(1.5, Color32::from_rgb(0xff, 0x70, 0x30)),
        );
    }
    for (band, node) in s.eq.iter().zip(BAND_COLORS) {
        let at = plot.to_screen(band.freq as f32, band.gain_db as f32);
        let fill = if eq_on {
            node
        } else {
            node.gamma_multiply(0.35)
        };
        plot.painter.circle_filled(at, 4.5, fill);
        plot.painter
            .circle_stroke(at, 4.5, Stroke::new(1.0, Color32::BLACK));
    }
    plot.caption(
        false,
        if eq_on {
            "EQ on"
        } else {
            "EQ off (filters only)"
        },
        theme::TEXT_DIM,
    );
}

/// A vertical gain-reduction meter over 0…`range_db`, `height` points, with its label and
/// figure (the detail panel's gate and compressor, the master's glue and limiter).
pub fn gr_meter(ui: &mut egui::Ui, db: f32, range_db: f32, height: f32) {
    ui.vertical(|ui| {
        ui.spacing_mut().item_spacing.y = 2.0;
        ui.label(egui::RichText::new("GR").size(10.0).color(theme::TEXT_DIM));
        widgets::gain_reduction_meter_range(ui, db, range_db, height);
        ui.label(
            egui::RichText::new(format!("{db:.1}"))
                .size(9.5)
                .monospace()
                .color(theme::TEXT_DIM),
        );
    })
    .response
    .on_hover_text(format!("Gain reduction, dB (full scale {range_db:.0} dB)"));
}
