//! The master section: return A (the reverb) and return B (the delay) with their key settings,
//! levels and meters; the glue compressor with its gain reduction; the limiter with its gain
//! reduction; the pan law and mode every strip uses; the loudness figures (EBU R128) with a
//! reset and the output's correlation; the master fader with the output meters; the mono
//! check; bypass.

use shared_dsp::strip::ConsoleSettings;
use shared_ui::egui::{self, vec2};
use shared_ui::theme;
use shared_ui::widgets::{self, Controls, KnobSize};

use super::Console;
use shared_ui::strip::{FADER_MARKS, draw_levels, fader_and_meter, gr_meter};

/// The master section's knobs: a little larger than a strip's, with room for "2.50 s".
const KNOB: KnobSize = KnobSize {
    diameter: 30.0,
    width: 50.0,
    font: 10.0,
    gap: 1.0,
};
/// Height of the returns' meters and of the gain-reduction meters beside the knobs.
const SIDE_METER: f32 = 58.0;
/// Full scale of the glue's and limiter's gain-reduction meters, dB.
const GLUE_RANGE_DB: f32 = 12.0;
const LIMITER_RANGE_DB: f32 = 12.0;
/// The master fader's travel plus cap.
const MASTER_FADER: f32 = 496.0;
/// Toggles stacked beside knobs.
const TOGGLE: egui::Vec2 = egui::vec2(62.0, 18.0);

impl Console {
    pub(super) fn master(&mut self, ui: &mut egui::Ui, k: &Controls, _settings: &ConsoleSettings) {
        let p = self.params.clone();
        let m = &p.master;
        ui.vertical(|ui| {
            ui.spacing_mut().item_spacing = vec2(6.0, 6.0);
            theme::section(ui, "RETURN A · REVERB", |ui| {
                ui.horizontal_top(|ui| {
                    theme::lowered(ui, 6.0, |ui| {
                        k.selector_width(ui, "Character", &m.reverb_character, 72.0)
                    });
                    k.knob_sized(ui, "Decay", &m.reverb_decay, KNOB);
                    k.knob_sized(ui, "Pre-Delay", &m.reverb_predelay, KNOB);
                    k.knob_sized(ui, "Size", &m.reverb_size, KNOB);
                    k.knob_sized(ui, "HF Decay", &m.reverb_hf_decay, KNOB);
                    k.knob_sized(ui, "Level", &m.return_a, KNOB);
                    draw_levels(ui, &self.meters.returns[0], SIDE_METER);
                });
            });
            theme::section(ui, "RETURN B · DELAY", |ui| {
                ui.horizontal_top(|ui| {
                    theme::lowered(ui, 10.0, |ui| {
                        k.toggle_sized(ui, "Sync", &m.delay_sync, TOGGLE, theme::ACCENT)
                            .on_hover_text("Note values at the host's tempo");
                        k.toggle_sized(ui, "Ping-Pong", &m.delay_ping_pong, TOGGLE, theme::ACCENT);
                    });
                    if m.delay_sync.value() {
                        k.knob_sized(ui, "Note", &m.delay_note, KNOB.with_width(96.0));
                    } else {
                        k.knob_sized(ui, "Time", &m.delay_time, KNOB.with_width(96.0));
                    }
                    k.knob_sized(ui, "Feedback", &m.delay_feedback, KNOB);
                    k.knob_sized(ui, "High Cut", &m.delay_high_cut, KNOB);
                    k.knob_sized(ui, "Level", &m.return_b, KNOB);
                    draw_levels(ui, &self.meters.returns[1], SIDE_METER);
                });
            });
            theme::section(ui, "GLUE COMPRESSOR", |ui| {
                ui.horizontal_top(|ui| {
                    theme::lowered(ui, 10.0, |ui| {
                        k.toggle_sized(ui, "Glue", &m.glue_on, TOGGLE, theme::ACCENT);
                        k.toggle_sized(ui, "Auto Rel", &m.glue_auto_release, TOGGLE, theme::ACCENT)
                            .on_hover_text("Program-dependent release");
                    });
                    k.knob_sized(ui, "Ratio", &m.glue_ratio, KNOB);
                    k.knob_sized(ui, "Threshold", &m.glue_threshold, KNOB);
                    k.knob_sized(ui, "Attack", &m.glue_attack, KNOB);
                    k.knob_sized(ui, "Release", &m.glue_release, KNOB);
                    k.knob_sized(ui, "Makeup", &m.glue_makeup, KNOB);
                    k.knob_sized(ui, "Mix", &m.glue_mix, KNOB);
                    gr_meter(ui, self.meters.glue_db, GLUE_RANGE_DB, SIDE_METER - 14.0);
                });
            });
            ui.horizontal_top(|ui| {
                theme::section(ui, "LIMITER", |ui| {
                    ui.horizontal_top(|ui| {
                        theme::lowered(ui, 20.0, |ui| {
                            k.toggle_sized(ui, "Limiter", &m.limiter_on, TOGGLE, theme::ACCENT)
                                .on_hover_text(
                                    "True-peak limiter (adds 2.1 ms latency at 48 kHz while on)",
                                )
                        });
                        k.knob_sized(ui, "Ceiling", &m.limiter_ceiling, KNOB);
                        k.knob_sized(ui, "Release", &m.limiter_release, KNOB);
                        gr_meter(
                            ui,
                            self.meters.limiter_db,
                            LIMITER_RANGE_DB,
                            SIDE_METER - 14.0,
                        );
                    });
                });
                theme::section(ui, "PANNING", |ui| {
                    k.selector_width(ui, "Pan Law", &m.pan_law, 150.0);
                    k.selector_width(ui, "Pan Mode", &m.pan_mode, 150.0);
                });
            });
            self.loudness(ui);
        });
        theme::section(ui, "MASTER", |ui| {
            let levels = &self.meters.output;
            let hint = "Output peak (held 1.5 s), dBFS";
            let marks = &FADER_MARKS;
            fader_and_meter(
                ui,
                k,
                "master",
                &m.master,
                levels,
                MASTER_FADER,
                hint,
                marks,
            );
            ui.add_space(4.0);
            k.toggle_sized(ui, "Mono", &m.mono_check, vec2(82.0, 22.0), theme::WARN)
                .on_hover_text(
                    "The mono sum on both outputs, as a phone or a mono speaker plays it",
                );
            k.toggle_sized(ui, "Bypass", &p.bypass, vec2(82.0, 22.0), theme::ACCENT)
                .on_hover_text("The plain sum of the inputs, time-aligned");
        });
    }

    /// The output's EBU R128 figures and the reset of the integrated measurement.
    fn loudness(&self, ui: &mut egui::Ui) {
        let lr = &self.analysis.loudness;
        let ceiling = self.params.master.limiter_ceiling.value();
        let true_peak = lr.true_peak.load();
        let figure = |v: f32| widgets::figure_text(v, widgets::FIGURE_FLOOR_DB);
        theme::section(ui, "LOUDNESS OF THE OUTPUT (EBU R128)", |ui| {
            const SIZE: f32 = 17.0;
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = 14.0;
                widgets::readout_sized(
                    ui,
                    "Momentary",
                    &figure(lr.momentary.load()),
                    "LUFS",
                    theme::TEXT,
                    SIZE,
                );
                widgets::readout_sized(
                    ui,
                    "Short-term",
                    &figure(lr.short_term.load()),
                    "LUFS",
                    theme::TEXT,
                    SIZE,
                );
                widgets::readout_sized(
                    ui,
                    "Integrated",
                    &figure(lr.integrated.load()),
                    "LUFS",
                    theme::SIGNAL,
                    SIZE,
                );
            });
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = 14.0;
                widgets::readout_sized(
                    ui,
                    "Range",
                    &format!("{:.1}", lr.range.load().max(0.0)),
                    "LU",
                    theme::TEXT,
                    SIZE,
                );
                // Over the ceiling only while the limiter is off (or set lower since).
                let over = (self.params.master.limiter_on.value() && true_peak > ceiling + 0.05)
                    || true_peak > 0.0;
                widgets::readout_sized(
                    ui,
                    "True Peak",
                    &figure(true_peak),
                    "dBTP",
                    if over { theme::HOT } else { theme::TEXT },
                    SIZE,
                );
                theme::lowered(ui, 10.0, |ui| {
                    if widgets::loudness_reset(ui, vec2(52.0, 22.0)) {
                        lr.request_reset();
                    }
                });
                ui.vertical(|ui| {
                    ui.label(
                        egui::RichText::new("Correlation")
                            .small()
                            .color(theme::TEXT_DIM),
                    );
                    widgets::correlation_meter(ui, self.analysis.meters.correlation.load(), 110.0);
                });
            });
        });
    }
}
