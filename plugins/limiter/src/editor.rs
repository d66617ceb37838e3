//! The limiter's editor: a scrolling gain-reduction history with a gain-reduction meter,
//! output meters (peak, RMS, peak hold, per channel), the loudness figures of EBU R128
//! (momentary, short-term and integrated LUFS, loudness range, true peak) with a reset that
//! starts a new integrated measurement, the output's correlation, every control in the
//! host's groups, and the delivery target: Learn, the loudness against the target, the
//! true-peak margin and what each streaming service would do to the master.
//!
//! Gain reduction, history and output levels come from the audio thread through atomics
//! (`shared_dsp::analysis`, `GainReductionMeter`), written only while this editor is open.
//! The loudness figures are the meter's own ([`LoudnessReadings`]): the meter runs whether the
//! editor is open or not, so the integrated loudness covers the whole programme.

use std::sync::Arc;

use nice_plug::prelude::Plugin;
use nice_plug_egui::RepaintNotifier;
use shared_dsp::analysis::{HistoryBuffer, Levels, SharedF32};
use shared_dsp::dynamics::GainReductionMeter;
use shared_dsp::meter::LoudnessReadings;
use shared_ui::egui::{self, Vec2, vec2};
use shared_ui::widgets::{Controls, StereoLevels};
use shared_ui::window::{self, View};
use shared_ui::{theme, widgets};

use shared_dsp::dynamics::learn::{DRIVES, DriveLearner, Learned};
use shared_dsp::meter::target::SERVICES;

use crate::learn::{LearnShared, Request};
use crate::params::{LimiterParams, TargetParam};

/// Full scale of the gain-reduction meter and history, dB (a limiter working harder than
/// this is distorting anyway).
const GR_RANGE_DB: f32 = 12.0;
/// Height of the history and the meters beside it.
const METER_HEIGHT: f32 = 200.0;
/// The gap between the level scale and the meters.
const METER_GAP: f32 = 3.0;

/// What the editor reads from the audio thread.
#[derive(Clone)]
pub struct Analysis {
    /// Largest gain reduction per channel since the last frame.
    pub gain_reduction: Arc<GainReductionMeter>,
    /// Gain reduction over the last seconds (as many as the buffer spans).
    pub history: Arc<HistoryBuffer>,
    /// Output peak and RMS per channel.
    pub levels: Arc<Levels>,
    /// The loudness meter on the output, and its reset request.
    pub loudness: Arc<LoudnessReadings>,
    /// Output correlation, +1 … −1 (what a mono sum keeps or loses).
    pub correlation: Arc<SharedF32>,
    /// Learn's requests and outcomes.
    pub learn: Arc<LearnShared>,
    pub repaint: RepaintNotifier,
}

pub struct Limiter {
    params: Arc<LimiterParams>,
    analysis: Analysis,
    /// Reused every frame so drawing never allocates once warmed up.
    history: Vec<f32>,
    /// Meter readings with their fall-back applied.
    gr_db: f32,
    output: StereoLevels,
    /// The Learn outcome last applied (so each is applied once, and not again on reopening),
    /// and what the editor says about it.
    applied: u32,
    learn_message: String,
}

impl Limiter {
    pub fn new(params: Arc<LimiterParams>, analysis: Analysis) -> Self {
        Self {
            params,
            history: Vec::new(),
            gr_db: 0.0,
            output: StereoLevels::default(),
            applied: analysis.learn.outcome().generation,
            learn_message: String::new(),
            analysis,
        }
    }
}

impl View for Limiter {
    const TITLE: &'static str = crate::MixwerkLimiter::NAME;
    const SIZE: Vec2 = vec2(900.0, 640.0);

    fn ui(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let dt = ui.input(|i| i.stable_dt);
        let gr = self.analysis.gain_reduction.take();
        self.gr_db =
            widgets::meter_release(self.gr_db, gr[0].max(gr[1]), dt, widgets::RELEASE_DB_PER_S);
        let levels = &self.analysis.levels;
        self.output.update(levels.take_peaks(), levels.rms(), dt);
        self.analysis.history.snapshot(&mut self.history);

        let p = &self.params;
        let (l, r, d) = (&p.limiting, &p.release, &p.detection);
        let readout = format!("GR {:.1} dB    ceiling {}", self.gr_db, l.ceiling);
        let readout = egui::RichText::new(readout).color(theme::TEXT_DIM);
        window::heading(ui, Self::TITLE, Some(readout));
        ui.horizontal_top(|ui| {
            let width = ui.available_width() - 150.0;
            widgets::history_strip(
                ui,
                &self.history,
                self.analysis.history.seconds(),
                GR_RANGE_DB,
                vec2(width, METER_HEIGHT + 22.0),
                theme::WARN,
            );
            ui.vertical(|ui| {
                ui.label(egui::RichText::new("GR").small().color(theme::TEXT_DIM));
                widgets::gain_reduction_meter_range(ui, self.gr_db, GR_RANGE_DB, METER_HEIGHT);
            });
            self.output_meters(ui);
        });
        ui.add_space(2.0);
        self.loudness(ui);
        ui.add_space(2.0);
        ui.horizontal_top(|ui| {
            theme::section(ui, "LIMITING", |ui| {
                ui.horizontal(|ui| {
                    k.knob(ui, "Drive", &l.drive);
                    k.knob(ui, "Ceiling", &l.ceiling);
                    k.knob(ui, "Lookahead", &l.lookahead);
                });
            });
            theme::section(ui, "RELEASE", |ui| {
                ui.horizontal(|ui| {
                    k.knob(ui, "Release", &r.release);
                    theme::lowered(ui, 34.0, |ui| k.toggle(ui, "Auto Release", &r.auto_release));
                });
            });
            theme::section(ui, "DETECTION", |ui| {
                ui.horizontal(|ui| {
                    k.knob(ui, "Stereo Link", &d.link);
                    ui.vertical(|ui| {
                        ui.spacing_mut().item_spacing.y = 4.0;
                        k.selector_width(ui, "Detection", &d.detection, 110.0);
                        k.selector_width(ui, "Oversampling", &d.oversampling, 110.0);
                    });
                });
            });
            theme::section(ui, "OUTPUT", |ui| {
                const TOGGLE: Vec2 = vec2(118.0, 20.0);
                ui.spacing_mut().item_spacing.y = 4.0;
                k.selector_width(ui, "Dither", &p.output.dither, TOGGLE.x);
                k.toggle_sized(ui, "Mono Check", &p.output.mono_check, TOGGLE, theme::WARN)
                    .on_hover_text(
                        "Both outputs play the mono sum, as a phone or mono speaker does",
                    );
                k.toggle_sized(
                    ui,
                    "Loudness Match",
                    &p.output.loudness_match,
                    TOGGLE,
                    theme::WARN,
                )
                .on_hover_text("Hear the limiting at the input's loudness, not louder");
                k.toggle_sized(ui, "Bypass", &p.bypass, TOGGLE, theme::ACCENT);
            });
        });
        ui.add_space(2.0);
        self.apply_learned(k);
        self.target(ui, k);
    }
}

impl Limiter {
    /// Applies a new Learn outcome once: Drive and Ceiling set through the host, as an edit.
    fn apply_learned(&mut self, k: &Controls) {
        let outcome = self.analysis.learn.outcome();
        if outcome.generation == self.applied {
            return;
        }
        self.applied = outcome.generation;
        let l = &self.params.limiting;
        self.learn_message = match outcome.learned {
            Learned::Drive(drive_db) => {
                let setter = k.setter();
                for (param, value) in [(&l.drive, drive_db), (&l.ceiling, outcome.ceiling_dbtp)] {
                    setter.begin_set_parameter(param);
                    setter.set_parameter(param, value);
                    setter.end_set_parameter(param);
                }
                format!(
                    "Learned: Drive {}, Ceiling {}",
                    l.drive,
                    plugin_kit::text::dbtp_to_text(outcome.ceiling_dbtp)
                )
            }
            Learned::TooLoud(lu) => {
                format!("Too loud for the target by {lu:.1} LU even without drive: lower the input")
            }
            Learned::TooQuiet(lu) => format!(
                "{lu:.1} LU short of the target even at {:.0} dB of drive",
                DriveLearner::drive_db(DRIVES - 1)
            ),
            Learned::Nothing => "Nothing was heard while learning".to_owned(),
        };
    }

    /// The delivery target: its choice, Learn, and how the master measures against it and
    /// against each streaming service.
    fn target(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let t = &self.params.target;
        let target = self.params.target();
        let lr = &self.analysis.loudness;
        let (integrated, true_peak) = (lr.integrated.load(), lr.true_peak.load());
        theme::section(ui, "TARGET", |ui| {
            ui.set_min_width(ui.available_width());
            ui.horizontal_top(|ui| {
                ui.spacing_mut().item_spacing.x = 18.0;
                theme::lowered(ui, 6.0, |ui| {
                    k.selector_width(ui, "Target", &t.target, 170.0)
                });
                if t.target.value() == TargetParam::Custom {
                    k.knob(ui, "Loudness", &t.lufs);
                    k.knob(ui, "True Peak", &t.dbtp);
                }
                let Some(target) = target else {
                    ui.label(
                        egui::RichText::new("Choose a target to compare with and to learn")
                            .color(theme::TEXT_DIM),
                    );
                    return;
                };
                ui.vertical(|ui| {
                    let learning = self.analysis.learn.is_learning();
                    let label = if learning { "Stop learning" } else { "Learn" };
                    let button = egui::Button::new(label)
                        .selected(learning)
                        .min_size(vec2(110.0, 24.0));
                    if ui
                        .add(button)
                        .on_hover_text(
                            "Play the song once with Learn on, then stop: Drive and Ceiling are \
                             set so the output lands on the target",
                        )
                        .clicked()
                    {
                        let request = if learning {
                            Request::Stop
                        } else {
                            Request::Start
                        };
                        self.analysis.learn.request(request);
                    }
                    let message = if learning {
                        "Learning: play the song through"
                    } else {
                        &self.learn_message
                    };
                    ui.label(egui::RichText::new(message).small().color(theme::TEXT_DIM));
                });
                let figure = |v: f32| widgets::figure_text(v, widgets::FIGURE_FLOOR_DB);
                let off_target = integrated - target.lufs;
                let color = if off_target.abs() <= 0.5 {
                    theme::SIGNAL
                } else {
                    theme::WARN
                };
                let off = if integrated.is_finite() {
                    format!("{off_target:+.1}")
                } else {
                    "–".to_owned()
                };
                widgets::readout(ui, "vs Target", &off, "LU", color);
                // Within 0.05 dB is on the ceiling (the limiter aims a hair under it): "0.0".
                let margin = target.dbtp - true_peak;
                let on_ceiling = margin > -0.05;
                let margin_color = if on_ceiling { theme::TEXT } else { theme::HOT };
                let margin_text = if true_peak.is_finite() {
                    figure(if on_ceiling { margin.max(0.0) } else { margin })
                } else {
                    "–".to_owned()
                };
                widgets::readout(ui, "TP Margin", &margin_text, "dB", margin_color);
                ui.vertical(|ui| {
                    ui.label(
                        egui::RichText::new("Played back at")
                            .small()
                            .color(theme::TEXT_DIM),
                    );
                    egui::Grid::new("services")
                        .spacing(vec2(12.0, 2.0))
                        .show(ui, |ui| {
                            // Two services per row.
                            for (i, service) in SERVICES.iter().enumerate() {
                                let gain = service.playback_gain_db(integrated, true_peak);
                                let text = gain.map_or("–".to_owned(), |g| format!("{g:+.1} dB"));
                                ui.label(
                                    egui::RichText::new(service.name)
                                        .small()
                                        .color(theme::TEXT_DIM),
                                );
                                ui.label(
                                    egui::RichText::new(text)
                                        .small()
                                        .monospace()
                                        .color(theme::TEXT),
                                );
                                if i % 2 == 1 {
                                    ui.end_row();
                                }
                            }
                        });
                });
            });
        });
    }

    /// Left and right output level (peak bar, RMS bar, peak-hold line) on a dB scale, with the
    /// held peaks as figures below.
    fn output_meters(&self, ui: &mut egui::Ui) {
        ui.vertical(|ui| {
            // Labels over the scale and each meter, in the columns below.
            let (rect, _) = ui.allocate_exact_size(
                vec2(
                    widgets::LEVEL_SCALE_WIDTH + 2.0 * (METER_GAP + widgets::METER_WIDTH),
                    12.0,
                ),
                egui::Sense::hover(),
            );
            let font = egui::FontId::proportional(11.0);
            let painter = ui.painter();
            painter.text(
                rect.left_center(),
                egui::Align2::LEFT_CENTER,
                "OUT",
                font.clone(),
                theme::TEXT_DIM,
            );
            for (c, name) in ["L", "R"].into_iter().enumerate() {
                let x = rect.left()
                    + widgets::LEVEL_SCALE_WIDTH
                    + METER_GAP
                    + c as f32 * (widgets::METER_WIDTH + METER_GAP)
                    + 0.5 * widgets::METER_WIDTH;
                painter.text(
                    egui::pos2(x, rect.center().y),
                    egui::Align2::CENTER_CENTER,
                    name,
                    font.clone(),
                    theme::TEXT_DIM,
                );
            }
            ui.horizontal_top(|ui| {
                ui.spacing_mut().item_spacing.x = METER_GAP;
                widgets::level_scale(ui, METER_HEIGHT);
                self.output.draw(ui, METER_HEIGHT);
            });
            let hold =
                |c: usize| widgets::figure_text(self.output.hold[c].db, widgets::FIGURE_FLOOR_DB);
            ui.label(
                egui::RichText::new(format!("{} {}", hold(0), hold(1)))
                    .small()
                    .monospace()
                    .color(theme::TEXT_DIM),
            );
        });
    }

    /// The EBU R128 figures and the reset of the integrated measurement.
    fn loudness(&self, ui: &mut egui::Ui) {
        let lr = &self.analysis.loudness;
        let ceiling = self.params.limiting.ceiling.value();
        let true_peak = lr.true_peak.load();
        let figure = |v: f32| widgets::figure_text(v, widgets::FIGURE_FLOOR_DB);
        theme::section(ui, "LOUDNESS (EBU R128)", |ui| {
            ui.set_min_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = 30.0;
                widgets::readout(
                    ui,
                    "Momentary",
                    &figure(lr.momentary.load()),
                    "LUFS",
                    theme::TEXT,
                );
                widgets::readout(
                    ui,
                    "Short-term",
                    &figure(lr.short_term.load()),
                    "LUFS",
                    theme::TEXT,
                );
                widgets::readout(
                    ui,
                    "Integrated",
                    &figure(lr.integrated.load()),
                    "LUFS",
                    theme::SIGNAL,
                );
                widgets::readout(
                    ui,
                    "Range",
                    &format!("{:.1}", lr.range.load().max(0.0)),
                    "LU",
                    theme::TEXT,
                );
                // Over the ceiling only if the ceiling failed or detection is on samples only.
                let tp_color = if true_peak > ceiling + 0.05 {
                    theme::HOT
                } else {
                    theme::TEXT
                };
                widgets::readout(ui, "True Peak", &figure(true_peak), "dBTP", tp_color);
                ui.vertical(|ui| {
                    ui.label(
                        egui::RichText::new("Correlation")
                            .small()
                            .color(theme::TEXT_DIM),
                    );
                    widgets::correlation_meter(ui, self.analysis.correlation.load(), 120.0);
                });
                theme::lowered(ui, 12.0, |ui| {
                    if widgets::loudness_reset(ui, vec2(64.0, 24.0)) {
                        lr.request_reset();
                    }
                });
            });
        });
    }
}
