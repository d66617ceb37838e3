//! The delay's editor: the repeats a click would make with the current settings, drawn as
//! bars over a time axis (left and right side by side, so ping-pong and cross feedback are
//! visible), with every control in the host's groups. Note values show their length at the
//! host's tempo in the selector (the parameter's own text).
//!
//! The repeats come from `shared_dsp::delay::repeats`: the times from the delay's own time
//! computation (`Settings::times_ms` at the tempo the audio thread last saw), the levels
//! from the routing, the feedback and the loop filters' gain per trip. Nothing is measured
//! from the audio, so the display is exact and costs the audio thread nothing.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use nice_plug::prelude::Plugin;
use nice_plug_egui::RepaintNotifier;
use plugin_kit::text;
use shared_dsp::analysis::SharedF32;
use shared_dsp::delay::Settings;
use shared_dsp::delay::repeats::{Repeat, repeats, sustains};
use shared_ui::egui::{self, Color32, Stroke, Vec2, vec2};
use shared_ui::theme;
use shared_ui::widgets::{Axis, Controls, Plot};
use shared_ui::window::{self, View};

use crate::params::DelayParams;

/// The repeats display: levels from here to 0 dB, and at most this many seconds.
const FLOOR_DB: f32 = -60.0;
const MAX_SPAN_MS: f64 = 8_000.0;
/// The bars show the level at this frequency; with a loop filter on, dots show how the
/// repeats darken (high cut) or thin out (low cut).
const BODY_HZ: f64 = 1_000.0;
const HIGH_HZ: f64 = 8_000.0;
const LOW_HZ: f64 = 100.0;

const LEFT: Color32 = theme::ACCENT;
const RIGHT: Color32 = theme::SIGNAL;

/// What the editor reads from the audio thread.
#[derive(Clone)]
pub struct Analysis {
    /// The session's sample rate (the loop filters' response depends a little on it).
    pub sample_rate: Arc<SharedF32>,
    pub repaint: RepaintNotifier,
}

pub struct Delay {
    params: Arc<DelayParams>,
    analysis: Analysis,
}

impl Delay {
    pub fn new(params: Arc<DelayParams>, analysis: Analysis) -> Self {
        Self { params, analysis }
    }
}

impl View for Delay {
    const TITLE: &'static str = crate::MixwerkDelay::NAME;
    const SIZE: Vec2 = vec2(960.0, 590.0);

    fn ui(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let p = &self.params;
        let (t, f, m, d, o) = (&p.time, &p.feedback, &p.modulation, &p.ducking, &p.output);
        let bpm = f32::from_bits(p.tempo.load(Ordering::Relaxed)) as f64;
        let settings = p.settings();
        let [left_ms, right_ms] = settings.times_ms(bpm);
        let times = format!(
            "L {}    R {}    at {bpm:.1} BPM",
            text::ms_to_text(left_ms as f32),
            text::ms_to_text(right_ms as f32)
        );
        let times = egui::RichText::new(times).color(theme::TEXT_DIM);
        window::heading(ui, Self::TITLE, Some(times));
        self.repeats_display(ui, &settings, bpm);
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                theme::section(ui, "TIME", |ui| {
                    ui.horizontal(|ui| {
                        k.toggle(ui, "Tempo Sync", &t.sync);
                        k.toggle(ui, "Link L/R", &t.link);
                    });
                    let linked = t.link.value();
                    ui.horizontal_top(|ui| {
                        ui.vertical(|ui| {
                            if t.sync.value() {
                                k.selector_width(ui, "Note L", &t.note_left, 132.0);
                                ui.add_enabled_ui(!linked, |ui| {
                                    k.selector_width(ui, "Note R", &t.note_right, 132.0);
                                });
                            } else {
                                ui.horizontal(|ui| {
                                    k.knob(ui, "Time L", &t.time_left);
                                    ui.add_enabled_ui(!linked, |ui| {
                                        k.knob(ui, "Time R", &t.time_right);
                                    });
                                });
                            }
                        });
                        ui.add_enabled_ui(linked, |ui| {
                            k.knob(ui, "R Offset", &t.offset);
                        });
                    });
                    k.selector_width(ui, "Time Change", &t.time_change, 80.0);
                });
                theme::section(ui, "MODULATION", |ui| {
                    ui.horizontal(|ui| {
                        k.knob(ui, "Mod Rate", &m.rate);
                        k.knob(ui, "Mod Depth", &m.depth);
                    });
                });
            });
            ui.vertical(|ui| {
                theme::section(ui, "FEEDBACK", |ui| {
                    ui.horizontal(|ui| {
                        k.knob(ui, "Feedback", &f.feedback);
                        ui.add_enabled_ui(!f.ping_pong.value(), |ui| {
                            k.knob(ui, "Cross", &f.cross);
                        });
                        ui.add_enabled_ui(f.low_cut.value(), |ui| {
                            k.knob(ui, "Low Cut", &f.low_cut_freq);
                        });
                        ui.add_enabled_ui(f.high_cut.value(), |ui| {
                            k.knob(ui, "High Cut", &f.high_cut_freq);
                        });
                    });
                    ui.horizontal(|ui| {
                        k.toggle(ui, "Low Cut", &f.low_cut);
                        k.toggle(ui, "High Cut", &f.high_cut);
                        k.toggle(ui, "Freeze", &f.freeze);
                    });
                    ui.horizontal(|ui| {
                        k.toggle(ui, "Ping-Pong", &f.ping_pong);
                        ui.add_enabled_ui(f.ping_pong.value(), |ui| {
                            k.selector_width(ui, "Start", &f.ping_pong_start, 64.0);
                            k.selector_width(ui, "Input", &f.ping_pong_input, 64.0);
                        });
                    });
                });
                theme::section(ui, "DUCKING", |ui| {
                    ui.horizontal(|ui| {
                        k.knob(ui, "Ducking", &d.amount);
                        k.knob(ui, "Duck Release", &d.release);
                        theme::lowered(ui, 24.0, |ui| {
                            k.selector_width(ui, "Duck Key", &d.key, 80.0);
                        });
                    });
                });
            });
            theme::section(ui, "OUTPUT", |ui| {
                ui.horizontal(|ui| {
                    k.knob(ui, "Width", &o.width);
                    k.knob(ui, "Dry", &o.dry);
                    k.knob(ui, "Wet", &o.wet);
                });
                k.toggle(ui, "Bypass", &p.bypass);
            });
        });
    }
}

fn to_db(gain: f64) -> f32 {
    if gain.abs() > 0.0 {
        (20.0 * gain.abs().log10()) as f32
    } else {
        f32::NEG_INFINITY
    }
}

impl Delay {
    /// The repeats of a click as bars (level at 1 kHz, left and right side by side), with
    /// dots for 8 kHz / 100 Hz when a loop filter shapes them.
    fn repeats_display(&self, ui: &mut egui::Ui, settings: &Settings, bpm: f64) {
        let fs = self.analysis.sample_rate.load() as f64;
        let floor = 10f64.powf(FLOOR_DB as f64 / 20.0);
        let body = repeats(settings, bpm, BODY_HZ, fs, MAX_SPAN_MS, 64, floor);
        let [tl, tr] = settings.times_ms(bpm);
        // Until the repeats fade below the floor (a little past the last), at least four of
        // the longer time, at most the display's limit.
        let last = body.last().map_or(0.0, |r| r.time_ms);
        let span_ms = (last + tl.min(tr)).max(4.0 * tl.max(tr)).min(MAX_SPAN_MS);
        let seconds = span_ms >= 2_000.0;
        let width = ui.available_width();
        let plot = Plot::show(
            ui,
            vec2(width, 180.0),
            Axis::linear(0.0, span_ms as f32),
            Axis::linear(FLOOR_DB, 0.0),
            move |ms| {
                if seconds {
                    format!("{:.1} s", ms / 1_000.0)
                } else {
                    format!("{ms:.0} ms")
                }
            },
            |db| format!("{db:.0}"),
        );
        let bar = 3.0f32;
        // Two pixels either side of the time: left bar on the left, right bar on the right.
        let dx = |ms: f64, side: usize| {
            ms as f32 + (if side == 0 { -2.5 } else { 2.5 }) * span_ms as f32 / plot.width()
        };
        for r in &body {
            for side in 0..2 {
                let db = to_db(r.gain[side]);
                if db > FLOOR_DB {
                    plot.bar(
                        dx(r.time_ms, side),
                        FLOOR_DB,
                        db,
                        bar,
                        if side == 0 { LEFT } else { RIGHT },
                    );
                }
            }
        }
        let mut legend: Vec<(&str, Color32)> = vec![("left, 1 kHz", LEFT), ("right, 1 kHz", RIGHT)];
        let dots = |hz: f64, color: Color32| {
            for r in repeats(settings, bpm, hz, fs, span_ms, 64, floor * 0.01) {
                for side in 0..2 {
                    let db = to_db(r.gain[side]);
                    if db > FLOOR_DB {
                        plot.painter.with_clip_rect(plot.rect).circle_filled(
                            plot.to_screen(dx(r.time_ms, side), db),
                            2.2,
                            color,
                        );
                    }
                }
            }
        };
        if settings.high_cut_hz.is_some() && !settings.freeze {
            dots(HIGH_HZ, theme::WARN);
            legend.push(("8 kHz", theme::WARN));
        }
        if settings.low_cut_hz.is_some() && !settings.freeze {
            dots(LOW_HZ, theme::TEXT);
            legend.push(("100 Hz", theme::TEXT));
        }
        plot.legend(&legend);
        let note = if settings.freeze {
            "frozen: the loop holds what it has, no new repeats".to_owned()
        } else if sustains(settings) {
            "feedback at 100 % or more: the repeats sustain in the loop's saturation".to_owned()
        } else {
            let count = body
                .iter()
                .filter(|r: &&Repeat| to_db(r.gain[0].abs().max(r.gain[1].abs())) > FLOOR_DB)
                .count();
            format!("repeats of a click (dB), {count} above {FLOOR_DB:.0} dB")
        };
        plot.caption(false, &note, theme::TEXT_DIM);
        // The times themselves, as faint lines under the first repeat of each side.
        for (ms, color) in [(tl, LEFT), (tr, RIGHT)] {
            let x = plot.x_to_screen(ms as f32);
            plot.painter.line_segment(
                [
                    egui::pos2(x, plot.rect.top() + 16.0),
                    egui::pos2(x, plot.rect.bottom()),
                ],
                Stroke::new(1.0, color.gamma_multiply(0.25)),
            );
        }
    }
}
