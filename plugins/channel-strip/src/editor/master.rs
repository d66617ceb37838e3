//! The master section: return A (the reverb) and return B (the delay) with their key settings,
//! levels and meters; the glue compressor with its gain reduction; the limiter with its gain
//! reduction; the pan law and mode every strip uses; the loudness figures (EBU R128) with a
//! reset; the master fader with the output meters; bypass.

use nice_plug::prelude::ParamSetter;
use shared_dsp::strip::ConsoleSettings;
use shared_ui::control::Bound;
use shared_ui::egui::{self, vec2};
use shared_ui::theme;
use shared_ui::widgets::{self, KnobSize};

use super::ConsoleApp;
use super::detail::gr_meter;
use super::strip::FADER_MARKS;

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

impl ConsoleApp {
    pub(super) fn master(
        &mut self,
        ui: &mut egui::Ui,
        setter: &ParamSetter,
        _settings: &ConsoleSettings,
    ) {
        let p = self.params.clone();
        let m = &p.master;
        ui.vertical(|ui| {
            ui.spacing_mut().item_spacing = vec2(6.0, 6.0);
            theme::section(ui, "RETURN A · REVERB", |ui| {
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.add_space(6.0);
                        widgets::selector_width(
                            ui,
                            "Character",
                            &Bound::new(&m.reverb_character, setter),
                            72.0,
                        );
                    });
                    widgets::knob_sized(ui, "Decay", &Bound::new(&m.reverb_decay, setter), KNOB);
                    widgets::knob_sized(
                        ui,
                        "Pre-Delay",
                        &Bound::new(&m.reverb_predelay, setter),
                        KNOB,
                    );
                    widgets::knob_sized(ui, "Size", &Bound::new(&m.reverb_size, setter), KNOB);
                    widgets::knob_sized(
                        ui,
                        "HF Decay",
                        &Bound::new(&m.reverb_hf_decay, setter),
                        KNOB,
                    );
                    widgets::knob_sized(ui, "Level", &Bound::new(&m.return_a, setter), KNOB);
                    self.meters.returns[0].draw(ui, SIDE_METER);
                });
            });
            theme::section(ui, "RETURN B · DELAY", |ui| {
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.add_space(10.0);
                        widgets::toggle_sized(
                            ui,
                            "Sync",
                            &Bound::new(&m.delay_sync, setter),
                            TOGGLE,
                            theme::ACCENT,
                        )
                        .on_hover_text("Note values at the host's tempo");
                        widgets::toggle_sized(
                            ui,
                            "Ping-Pong",
                            &Bound::new(&m.delay_ping_pong, setter),
                            TOGGLE,
                            theme::ACCENT,
                        );
                    });
                    if m.delay_sync.value() {
                        widgets::knob_sized(
                            ui,
                            "Note",
                            &Bound::new(&m.delay_note, setter),
                            KNOB.with_width(96.0),
                        );
                    } else {
                        widgets::knob_sized(
                            ui,
                            "Time",
                            &Bound::new(&m.delay_time, setter),
                            KNOB.with_width(96.0),
                        );
                    }
                    widgets::knob_sized(
                        ui,
                        "Feedback",
                        &Bound::new(&m.delay_feedback, setter),
                        KNOB,
                    );
                    widgets::knob_sized(
                        ui,
                        "High Cut",
                        &Bound::new(&m.delay_high_cut, setter),
                        KNOB,
                    );
                    widgets::knob_sized(ui, "Level", &Bound::new(&m.return_b, setter), KNOB);
                    self.meters.returns[1].draw(ui, SIDE_METER);
                });
            });
            theme::section(ui, "GLUE COMPRESSOR", |ui| {
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.add_space(10.0);
                        widgets::toggle_sized(
                            ui,
                            "Glue",
                            &Bound::new(&m.glue_on, setter),
                            TOGGLE,
                            theme::ACCENT,
                        );
                        widgets::toggle_sized(
                            ui,
                            "Auto Rel",
                            &Bound::new(&m.glue_auto_release, setter),
                            TOGGLE,
                            theme::ACCENT,
                        )
                        .on_hover_text("Program-dependent release");
                    });
                    widgets::knob_sized(ui, "Ratio", &Bound::new(&m.glue_ratio, setter), KNOB);
                    widgets::knob_sized(
                        ui,
                        "Threshold",
                        &Bound::new(&m.glue_threshold, setter),
                        KNOB,
                    );
                    widgets::knob_sized(ui, "Attack", &Bound::new(&m.glue_attack, setter), KNOB);
                    widgets::knob_sized(ui, "Release", &Bound::new(&m.glue_release, setter), KNOB);
                    widgets::knob_sized(ui, "Makeup", &Bound::new(&m.glue_makeup, setter), KNOB);
                    widgets::knob_sized(ui, "Mix", &Bound::new(&m.glue_mix, setter), KNOB);
                    gr_meter(ui, self.meters.glue_db, GLUE_RANGE_DB, SIDE_METER - 14.0);
                });
            });
            ui.horizontal_top(|ui| {
                theme::section(ui, "LIMITER", |ui| {
                    ui.horizontal_top(|ui| {
                        ui.vertical(|ui| {
                            ui.add_space(20.0);
                            widgets::toggle_sized(
                                ui,
                                "Limiter",
                                &Bound::new(&m.limiter_on, setter),
                                TOGGLE,
                                theme::ACCENT,
                            )
                            .on_hover_text(
                                "True-peak limiter (adds 2.1 ms latency at 48 kHz while on)",
                            );
                        });
                        widgets::knob_sized(
                            ui,
                            "Ceiling",
                            &Bound::new(&m.limiter_ceiling, setter),
                            KNOB,
                        );
                        widgets::knob_sized(
                            ui,
                            "Release",
                            &Bound::new(&m.limiter_release, setter),
                            KNOB,
                        );
                        gr_meter(
                            ui,
                            self.meters.limiter_db,
                            LIMITER_RANGE_DB,
                            SIDE_METER - 14.0,
                        );
                    });
                });
                theme::section(ui, "PANNING", |ui| {
                    widgets::selector_width(ui, "Pan Law", &Bound::new(&m.pan_law, setter), 150.0);
                    widgets::selector_width(
                        ui,
                        "Pan Mode",
                        &Bound::new(&m.pan_mode, setter),
                        150.0,
                    );
                });
            });
            self.loudness(ui);
        });
        theme::section(ui, "MASTER", |ui| {
            ui.horizontal_top(|ui| {
                ui.spacing_mut().item_spacing.x = 6.0;
                widgets::fader(
                    ui,
                    "master",
                    &Bound::new(&m.master, setter),
                    &FADER_MARKS,
                    MASTER_FADER,
                );
                ui.vertical(|ui| {
                    ui.spacing_mut().item_spacing.y = 2.0;
                    self.meters.output.draw(ui, MASTER_FADER);
                    let hold = self.meters.output.hold_text();
                    ui.label(
                        egui::RichText::new(hold)
                            .size(10.0)
                            .monospace()
                            .color(theme::TEXT_DIM),
                    )
                    .on_hover_text("Output peak (held 1.5 s), dBFS");
                });
            });
            ui.add_space(4.0);
            widgets::toggle_sized(
                ui,
                "Bypass",
                &Bound::new(&p.bypass, setter),
                vec2(82.0, 22.0),
                theme::ACCENT,
            )
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
                ui.vertical(|ui| {
                    ui.add_space(10.0);
                    let reset = ui.add(egui::Button::new("Reset").min_size(vec2(52.0, 22.0)));
                    if reset
                        .on_hover_text("Start the integrated loudness, range and true peak afresh")
                        .clicked()
                    {
                        lr.request_reset();
                    }
                });
            });
        });
    }
}
