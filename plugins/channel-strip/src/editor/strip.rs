//! One console strip: name, trim and polarity, the cut filters, compact gate, EQ and
//! compressor sections (each expands into the bottom panel), two sends with pre/post, pan and
//! width, the fader with the channel's meter (after the fader), mute and solo.

use shared_dsp::strip::ConsoleSettings;
use shared_ui::egui::{self, CornerRadius, FontId, Stroke, vec2};
use shared_ui::strip::{
    FADER_HEIGHT, FADER_MARKS, HALF, STRIP_WIDTH, Section, compact_row, fader_and_meter,
    half_toggle, short_hz, small_knob, thumbnail,
};
use shared_ui::theme;
use shared_ui::widgets::Controls;

use super::Console;

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
        if thumbnail(ui, curve, on, "EQ and filters: click to open in full below").clicked() {
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
        let (salt, marks) = (("fader", c), &FADER_MARKS);
        fader_and_meter(ui, k, salt, &ch.fader, levels, FADER_HEIGHT, hint, marks);
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
