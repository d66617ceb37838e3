//! One console strip: name, trim and polarity, the cut filters, compact gate, EQ and
//! compressor sections (each expands into the bottom panel), two sends with pre/post, pan and
//! width, the fader with the channel's meter (after the fader), mute and solo.

use nice_plug::prelude::Param;
use shared_dsp::eq::response::Curve;
use shared_dsp::strip::ConsoleSettings;
use shared_ui::egui::{self, Align2, Color32, CornerRadius, FontId, Sense, Stroke, pos2, vec2};
use shared_ui::theme;
use shared_ui::widgets::{self, Controls, KnobSize, StereoLevels};

use super::{Console, Section, draw_levels};

/// Width of a strip's contents (the frame adds its margin).
pub const STRIP_WIDTH: f32 = 94.0;
/// Fader travel plus cap.
const FADER_HEIGHT: f32 = 196.0;
/// The fader's scale, as the fader parameter reads it.
pub const FADER_MARKS: [&str; 9] = ["+12", "+6", "0", "-6", "-12", "-20", "-30", "-50", "-inf"];
/// Full scale of the compact gain-reduction bars, dB.
const GR_RANGE_DB: f32 = 24.0;
/// The EQ thumbnail's gain range, ±dB.
const THUMB_RANGE_DB: f32 = 18.0;
/// Half-size toggles that fit two to a strip.
const HALF: egui::Vec2 = egui::vec2(44.0, 18.0);

impl Console {
    /// A strip's panel: outlined when it is the selected channel.
    pub(super) fn strip_frame(&self, c: usize) -> egui::Frame {
        let stroke = if self.selected == c {
            Stroke::new(1.0, theme::ACCENT.gamma_multiply(0.7))
        } else {
            Stroke::NONE
        };
        // A strip the layout brings no bus into (4 Buses: 5–8) is drawn on the background.
        let fill = if self.has_input(c) {
            theme::PANEL
        } else {
            theme::BACKGROUND
        };
        egui::Frame::new()
            .fill(fill)
            .stroke(stroke)
            .corner_radius(CornerRadius::same(4))
            .inner_margin(egui::Margin::symmetric(3, 5))
    }

    /// Channel `c`'s strip, inside its [`strip_frame`](Self::strip_frame).
    pub(super) fn strip(
        &mut self,
        ui: &mut egui::Ui,
        k: &Controls,
        settings: &ConsoleSettings,
        sample_rate: f32,
        c: usize,
    ) {
        ui.set_width(STRIP_WIDTH);
        ui.spacing_mut().item_spacing = vec2(4.0, 4.0);
        self.header(ui, c);
        let ch = &self.params.channels[c];
        // Input.
        ui.horizontal_top(|ui| {
            small_knob(ui, k, "Trim", &ch.trim);
            theme::lowered(ui, 14.0, |ui| {
                half_toggle(ui, k, "Ø", &ch.invert).on_hover_text("Polarity invert")
            });
        });
        ui.horizontal(|ui| {
            let hp = format!("HP {}", short_hz(ch.high_pass.value()));
            half_toggle(ui, k, &hp, &ch.high_pass_on)
                .on_hover_text("High pass (frequency and slope below, in full)");
            let lp = format!("LP {}", short_hz(ch.low_pass.value()));
            half_toggle(ui, k, &lp, &ch.low_pass_on).on_hover_text("Low pass");
        });
        // Compact dynamics and EQ; the arrows expand them below.
        let gate_db = self.meters.gate_db[c];
        if compact_row(ui, "GATE", &k.bind(&ch.gate_on), Some(gate_db)) {
            self.select(c, Section::Gate);
        }
        let ch = &self.params.channels[c];
        if compact_row(ui, "EQ", &k.bind(&ch.eq_on), None) {
            self.select(c, Section::Eq);
        }
        let on = settings.channels[c].eq[0].enabled;
        let curve = self.curves[c].get(&settings.channels[c], sample_rate);
        if thumbnail(ui, curve, on).clicked() {
            self.select(c, Section::Eq);
        }
        let ch = &self.params.channels[c];
        let comp_db = self.meters.comp_db[c];
        if compact_row(ui, "COMP", &k.bind(&ch.comp_on), Some(comp_db)) {
            self.select(c, Section::Compressor);
        }
        let ch = &self.params.channels[c];
        // Sends, pan.
        ui.horizontal_top(|ui| {
            small_knob(ui, k, "Send A", &ch.send_a).on_hover_text("To return A (reverb)");
            small_knob(ui, k, "Send B", &ch.send_b).on_hover_text("To return B (delay)");
        });
        ui.horizontal(|ui| {
            half_toggle(ui, k, "Pre A", &ch.send_a_pre).on_hover_text("Send A before the fader");
            half_toggle(ui, k, "Pre B", &ch.send_b_pre).on_hover_text("Send B before the fader");
        });
        ui.horizontal_top(|ui| {
            small_knob(ui, k, "Pan", &ch.pan);
            small_knob(ui, k, "Width", &ch.width);
        });
        // Fader and meter.
        let levels = &self.meters.channels[c];
        let hint = "Peak (held 1.5 s), dBFS";
        fader_and_meter(ui, k, ("fader", c), &ch.fader, levels, FADER_HEIGHT, hint);
        ui.horizontal(|ui| {
            k.toggle_sized(ui, "MUTE", &ch.mute, HALF, theme::HOT);
            k.toggle_sized(ui, "SOLO", &ch.solo, HALF, theme::WARN)
                .on_hover_text("Solo in place: the other channels are muted");
        });
    }

    /// The channel's number (selects it for the panel below) and its editable name.
    fn header(&mut self, ui: &mut egui::Ui, c: usize) {
        self.sync_name(c);
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 3.0;
            let selected = self.selected == c;
            let number = egui::RichText::new(format!("{}", c + 1))
                .size(12.0)
                .color(if selected {
                    theme::BACKGROUND
                } else {
                    theme::TEXT
                });
            let button = egui::Button::new(number)
                .fill(if selected {
                    theme::ACCENT
                } else {
                    theme::TRACK
                })
                .min_size(vec2(20.0, 20.0));
            let hint = if self.has_input(c) {
                "Show this channel in full below"
            } else {
                "No bus comes into this channel in the host's layout (4 Buses); click to show it in full below"
            };
            if ui.add(button).on_hover_text(hint).clicked()
            {
                self.select(c, self.focus);
            }
            let edit = egui::TextEdit::singleline(&mut self.names[c])
                .id_salt(("name", c))
                .char_limit(24)
                .desired_width(STRIP_WIDTH - 32.0)
                .font(FontId::proportional(12.0));
            if ui
                .add(edit)
                .on_hover_text("Channel name (saved with the session)")
                .changed()
            {
                self.set_name(c);
            }
        });
    }
}

/// A fader `height` tall on `param` with the meter after it beside it and, below, the held peak
/// (`peak_hint` says whose): a channel's, and the master's.
pub(super) fn fader_and_meter<P: Param>(
    ui: &mut egui::Ui,
    k: &Controls,
    salt: impl std::hash::Hash + std::fmt::Debug,
    param: &P,
    levels: &StereoLevels,
    height: f32,
    peak_hint: &str,
) {
    ui.horizontal_top(|ui| {
        ui.spacing_mut().item_spacing.x = 6.0;
        k.fader(ui, salt, param, &FADER_MARKS, height);
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
fn small_knob<P: Param>(ui: &mut egui::Ui, k: &Controls, label: &str, param: &P) -> egui::Response {
    k.knob_sized(ui, label, param, KnobSize::COMPACT)
}

/// A half-width toggle on `param` in the accent colour, two side by side in a strip.
fn half_toggle<P: Param>(
    ui: &mut egui::Ui,
    k: &Controls,
    label: &str,
    param: &P,
) -> egui::Response {
    k.toggle_sized(ui, label, param, HALF, theme::ACCENT)
}

/// A frequency in few characters ("80", "1.2k", "12k") for the cut filters' buttons.
fn short_hz(hz: f32) -> String {
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
fn compact_row(
    ui: &mut egui::Ui,
    name: &str,
    switch: &dyn shared_ui::control::Control,
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
fn thumbnail(ui: &mut egui::Ui, curve: &Curve, eq_on: bool) -> egui::Response {
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
    response.on_hover_text("EQ and filters: click to open in full below")
}
