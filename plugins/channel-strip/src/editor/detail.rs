//! The selected channel in full: every control of its filters, gate, EQ (with the curve the
//! EQ module computes for the cut filters and the four bands) and compressor, with gain
//! reduction. A strip's compact sections expand into this panel; the section asked for is
//! outlined.

use nice_plug::prelude::Param;
use shared_dsp::strip::ConsoleSettings;
use shared_ui::egui::{self, Color32, CornerRadius, Stroke, vec2};
use shared_ui::theme;
use shared_ui::widgets::{self, Axis, Controls, KnobSize, Plot};

use super::{Console, Section};

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

impl Console {
    pub(super) fn detail(
        &mut self,
        ui: &mut egui::Ui,
        k: &Controls,
        settings: &ConsoleSettings,
        sample_rate: f32,
    ) {
        let c = self.selected;
        let p = self.params.clone();
        let ch = &p.channels[c];
        let focus = self.focus;
        ui.horizontal(|ui| {
            ui.label(
                egui::RichText::new(format!("CH {}", c + 1))
                    .size(14.0)
                    .color(theme::ACCENT),
            );
            ui.label(
                egui::RichText::new(self.names[c].as_str())
                    .size(14.0)
                    .color(theme::TEXT),
            );
            ui.label(
                egui::RichText::new(
                    "in full: filters, gate, EQ and compressor of the selected channel",
                )
                .small()
                .color(theme::TEXT_DIM),
            );
            self.masking_toggle(ui);
        });
        ui.horizontal_top(|ui| {
            ui.spacing_mut().item_spacing.x = 8.0;
            section(ui, "INPUT · FILTERS", focus == Section::Input, |ui| {
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
            section(ui, "GATE / EXPANDER", focus == Section::Gate, |ui| {
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
                    gr_meter(ui, self.meters.gate_db[c], 40.0, GR_HEIGHT);
                });
            });
            section(
                ui,
                "EQ (cut filters shown too)",
                focus == Section::Eq,
                |ui| {
                    ui.horizontal_top(|ui| {
                        self.eq_plot(ui, settings, sample_rate, c);
                        ui.vertical(|ui| {
                            let ch = &p.channels[c];
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
            section(ui, "COMPRESSOR", focus == Section::Compressor, |ui| {
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
                            k.knob_sized(
                                ui,
                                "Lookahead",
                                &ch.comp_lookahead,
                                KNOB.with_width(56.0),
                            )
                            .on_hover_text(LOOKAHEAD_HINT);
                        });
                    });
                    gr_meter(ui, self.meters.comp_db[c], 24.0, GR_HEIGHT);
                });
            });
        });
    }

    /// The combined response of the channel's cut filters and EQ bands (the EQ module's own
    /// curve), with a node per band where its frequency and gain are.
    fn eq_plot(
        &mut self,
        ui: &mut egui::Ui,
        settings: &ConsoleSettings,
        sample_rate: f32,
        c: usize,
    ) {
        let s = &settings.channels[c];
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
        let curve = self.curves[c].get(s, sample_rate);
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
        if let Some((marked, hz)) = self.eq_marker
            && marked == c
        {
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
}

/// A vertical gain-reduction meter over 0…`range_db`, `height` points, with its label and
/// figure (the detail panel's gate and compressor, the master's glue and limiter).
pub(super) fn gr_meter(ui: &mut egui::Ui, db: f32, range_db: f32, height: f32) {
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
