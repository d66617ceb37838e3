//! The reverb's editor: the decay shape (early reflections, then the late energy at 250 Hz
//! and 8 kHz) predicted from the settings, or a loaded impulse response's energy decay curve
//! in convolution mode; an impulse-response browser; and every control.
//!
//! **Choosing an IR.** A menu lists the built-in impulse responses
//! (`shared_dsp::reverb::builtin`), and a browser drawn with egui (no native dialog, no dialog
//! library) the WAV files. Either only sets the persisted `ir-path` (`IrPath::set`, the same
//! entry point a session load uses; a built-in as `builtin:<id>`): the audio thread sees the
//! new generation, asks the background loader for it, and swaps the engine in with a
//! crossfade. The editor never loads anything itself and never touches the audio thread; it
//! shows the loader's status, including the refusal message for a bad file (the IR in use
//! then keeps playing, and the editor says which).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use nice_plug::prelude::{Param, Plugin};
use plugin_kit::text;
use shared_dsp::reverb::builtin::{self, Builtin};
use shared_dsp::reverb::decay_shape::DecayShape;
use shared_dsp::reverb::{Mode, Settings};
use shared_ui::control::set_once;
use shared_ui::egui::{self, RichText, Stroke, Vec2, pos2, vec2};
use shared_ui::widgets::{Axis, Controls, FileBrowser, Plot};
use shared_ui::window::{self, View};
use shared_ui::{theme, widgets};

use crate::ir::{IrShared, IrStatus};
use crate::params::{ModeParam, ReverbParams};

/// The decay display's level range, dB.
const FLOOR_DB: f32 = -70.0;
/// The bands the late decay is drawn for (the legend names them): well below and well above
/// the usual crossovers.
const LOW_HZ: f32 = 250.0;
const HIGH_HZ: f32 = 8_000.0;
/// Where the browser starts when no IR is set (an IR library, say); else the home folder.
const IR_DIR_ENV: &str = "MIXWERK_IR_DIR";

pub struct Reverb {
    params: Arc<ReverbParams>,
    ir: Arc<IrShared>,
    /// Created when the editor first draws (it reads the file system).
    browser: Option<FileBrowser>,
    /// The loaded IR's decay curve, reused between frames.
    curve: Vec<(f32, f32)>,
}

impl Reverb {
    pub fn new(params: Arc<ReverbParams>, ir: Arc<IrShared>) -> Self {
        Self {
            params,
            ir,
            browser: None,
            curve: Vec::new(),
        }
    }
}

impl View for Reverb {
    const TITLE: &'static str = crate::MixwerkReverb::NAME;
    const SIZE: Vec2 = vec2(960.0, 600.0);

    fn ui(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let settings = self.params.settings();
        let summary = match settings.mode {
            Mode::Algorithmic => format!(
                "{:?}, decay {}",
                settings.character,
                text::ms_to_text(settings.decay_s * 1000.0)
            ),
            Mode::Convolution => format!("Convolution, {}", ir_name(&self.params.ir_path.get())),
        };
        window::heading(
            ui,
            Self::TITLE,
            Some(RichText::new(summary).color(theme::TEXT_DIM)),
        );
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(540.0);
                match settings.mode {
                    Mode::Algorithmic => self.decay_display(ui, &settings),
                    Mode::Convolution => self.ir_display(ui),
                }
            });
            self.ir_panel(ui, k);
        });
        let (s, o) = (&self.params.space, &self.params.output);
        // The algorithmic engine's controls fade in convolution mode (still adjustable).
        let algorithmic_only = |ui: &mut egui::Ui| {
            if settings.mode == Mode::Convolution {
                ui.multiply_opacity(0.45);
            }
        };
        ui.horizontal_top(|ui| {
            theme::section(ui, "SPACE", |ui| {
                ui.horizontal(|ui| {
                    k.knob(ui, "Pre-Delay", &s.predelay);
                    algorithmic_only(ui);
                    k.knob(ui, "Decay", &s.decay);
                    k.knob(ui, "Size", &s.size);
                    k.knob(ui, "HF Decay", &s.hf_decay);
                    k.knob(ui, "HF Crossover", &s.crossover);
                });
            });
            theme::section(ui, "ENGINE", |ui| {
                k.selector_width(ui, "Mode", &s.mode, 110.0);
                algorithmic_only(ui);
                k.selector_width(ui, "Character", &s.character, 110.0);
                k.toggle(ui, "Freeze", &s.freeze);
            });
            theme::section(ui, "TEXTURE", |ui| {
                algorithmic_only(ui);
                ui.horizontal(|ui| {
                    k.knob(ui, "Diffusion", &s.diffusion);
                    k.knob(ui, "Mod Depth", &s.mod_depth);
                    k.knob(ui, "Mod Rate", &s.mod_rate);
                });
            });
        });
        theme::section(ui, "OUTPUT", |ui| {
            ui.horizontal(|ui| {
                ui.scope(|ui| {
                    algorithmic_only(ui);
                    k.knob(ui, "Early/Late", &s.early_late);
                });
                k.knob(ui, "Width", &o.width);
                k.knob(ui, "Low Cut", &o.low_cut);
                k.knob(ui, "High Cut", &o.high_cut);
                k.knob(ui, "Ducking", &o.duck);
                k.knob(ui, "Duck Threshold", &o.duck_threshold);
                theme::lowered(ui, 10.0, |ui| {
                    k.selector_width(ui, "Duck Key", &o.duck_key, 76.0)
                });
                k.knob(ui, "Mix", &o.mix);
                k.knob(ui, "Output", &o.gain);
                theme::lowered(ui, 34.0, |ui| k.toggle(ui, "Bypass", &self.params.bypass));
            });
        });
    }
}

fn seconds_text(s: f32) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.1} s")
    }
}

/// Level (dB, down to [`FLOOR_DB`]) over the first `span` seconds: the decay display of both
/// engines.
fn decay_plot(ui: &mut egui::Ui, span: f32) -> Plot {
    Plot::show(
        ui,
        vec2(540.0, 250.0),
        Axis::linear(0.0, span),
        Axis::linear(FLOOR_DB, 0.0),
        seconds_text,
        |db| format!("{db:.0}"),
    )
}

impl Reverb {
    /// Early reflections as bars, the late energy at 250 Hz and 8 kHz as lines, over time.
    fn decay_display(&self, ui: &mut egui::Ui, settings: &Settings) {
        let fs = self.ir.sample_rate.load(Ordering::Acquire);
        let shape = DecayShape::new(settings, fs);
        let span = shape.span_s();
        let plot = decay_plot(ui, span);
        // Pre-delay: nothing arrives before it.
        if shape.predelay_s > 0.0 {
            let (a, b) = (
                plot.to_screen(0.0, 0.0),
                plot.to_screen(shape.predelay_s, FLOOR_DB),
            );
            plot.painter.with_clip_rect(plot.rect).rect_filled(
                egui::Rect::from_two_pos(a, b),
                0.0,
                theme::TRACK.gamma_multiply(0.35),
            );
        }
        for &(t, db) in &shape.reflections {
            if db > FLOOR_DB {
                plot.bar(t, FLOOR_DB, db, 2.0, theme::TEXT.gamma_multiply(0.7));
            }
        }
        let bands = [(LOW_HZ, theme::ACCENT), (HIGH_HZ, theme::WARN)];
        let columns = plot.width().max(2.0) as usize;
        for (hz, color) in bands {
            let points = (0..=columns).filter_map(|k| {
                let t =
                    shape.late_onset_s + (span - shape.late_onset_s) * k as f32 / columns as f32;
                shape
                    .late_level_db(t, hz)
                    .map(|db| (t, db.max(FLOOR_DB - 1.0)))
            });
            plot.line(points, Stroke::new(2.0, color));
        }
        let rt = |hz: f32| {
            let t = shape.t60_at(hz);
            if t.is_finite() {
                text::ms_to_text(t * 1000.0)
            } else {
                "frozen".to_owned()
            }
        };
        let low = format!("250 Hz: RT60 {}", rt(LOW_HZ));
        let high = format!("8 kHz: RT60 {}", rt(HIGH_HZ));
        plot.legend(&[
            (&low, theme::ACCENT),
            (&high, theme::WARN),
            ("early reflections", theme::TEXT.gamma_multiply(0.7)),
        ]);
    }

    /// In convolution mode: the loaded IR's energy decay curve.
    fn ir_display(&mut self, ui: &mut egui::Ui) {
        self.ir.decay_into(&mut self.curve);
        let span = self.curve.last().map_or(1.0, |p| p.0).max(0.1);
        let plot = decay_plot(ui, span);
        if self.curve.is_empty() {
            plot.caption(
                false,
                "the impulse response loads when Convolution is on",
                theme::WARN,
            );
            return;
        }
        plot.line(
            self.curve
                .iter()
                .map(|&(t, db)| (t, db.max(FLOOR_DB - 1.0))),
            Stroke::new(2.0, theme::ACCENT),
        );
        // T30 would be the acoustician's number; the −60 dB point is the one people read.
        if let Some(&(t60, _)) = self.curve.iter().find(|p| p.1 <= -60.0) {
            let x = plot.x_to_screen(t60);
            plot.painter.line_segment(
                [pos2(x, plot.rect.top()), pos2(x, plot.rect.bottom())],
                Stroke::new(1.0, theme::ACCENT.gamma_multiply(0.4)),
            );
            plot.legend(&[(
                &format!("energy decay curve, -60 dB at {}", seconds_text(t60)),
                theme::ACCENT,
            )]);
        } else {
            plot.legend(&[("energy decay curve", theme::ACCENT)]);
        }
    }

    /// The IR in use, the built-in menu, the loader's status and the browser.
    fn ir_panel(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let path = self.params.ir_path.get();
        let status = self.ir.status();
        let mut chosen = None;
        theme::section(ui, "IMPULSE RESPONSE", |ui| {
            ui.set_width(360.0);
            ui.horizontal(|ui| {
                let current = builtin::parse(&path).and_then(Result::ok);
                egui::ComboBox::from_id_salt("builtin-ir")
                    .selected_text(current.map_or("Built-in...", Builtin::name))
                    .width(120.0)
                    .show_ui(ui, |ui| {
                        for b in Builtin::ALL {
                            if ui.selectable_label(current == Some(b), b.label()).clicked() {
                                chosen = Some(b.path());
                            }
                        }
                    });
                ui.label(RichText::new(ir_name(&path)).strong());
                if !path.is_empty()
                    && ui
                        .small_button("Clear")
                        .on_hover_text(format!(
                            "Back to the default, the built-in {}",
                            Builtin::DEFAULT.label()
                        ))
                        .clicked()
                {
                    chosen = Some(String::new());
                }
            });
            let (line, color) = match &status {
                IrStatus::None => (
                    format!(
                        "No file chosen: the built-in {} plays in Convolution mode.",
                        Builtin::DEFAULT.label()
                    ),
                    theme::TEXT_DIM,
                ),
                IrStatus::Loading(_) => ("Loading...".to_owned(), theme::TEXT_DIM),
                IrStatus::Loaded(what) => (format!("Loaded: {what}"), theme::SIGNAL),
                IrStatus::Failed(why) => {
                    let playing = self.ir.playing();
                    let keep = if playing.is_empty() {
                        String::new()
                    } else {
                        format!(" Still playing: {playing}")
                    };
                    (format!("{why}.{keep}"), theme::HOT)
                }
            };
            ui.add(egui::Label::new(RichText::new(line).small().color(color)).wrap());
            if self.params.space.mode.value() == ModeParam::Algorithmic {
                ui.label(
                    RichText::new("Heard in Convolution mode (choosing one switches to it).")
                        .small()
                        .color(theme::TEXT_DIM),
                );
            }
            let browser = self
                .browser
                .get_or_insert_with(|| FileBrowser::new(&start_dir(&path), &["wav", "wave"]));
            let current = is_file(&path).then(|| PathBuf::from(&path));
            if let Some(picked) =
                widgets::file_browser(ui, browser, current.as_deref(), 360.0, 120.0)
            {
                chosen = Some(picked.to_string_lossy().into_owned());
            }
        });
        if let Some(path) = chosen {
            let clear = path.is_empty();
            self.params.ir_path.set(path);
            // A file or built-in is chosen to be heard: switch to convolution (clearing only
            // goes back to the default).
            let mode = &self.params.space.mode;
            if !clear && mode.value() != ModeParam::Convolution {
                let convolution = mode.preview_normalized(ModeParam::Convolution);
                set_once(&k.bind(mode), convolution);
            }
        }
    }
}

/// Whether the IR path names a file (not empty, not a built-in).
fn is_file(path: &str) -> bool {
    !path.trim().is_empty() && builtin::parse(path).is_none()
}

/// What the IR path names, for the panel and the title: a file's name, a built-in's label, or
/// the default built-in.
fn ir_name(path: &str) -> String {
    match builtin::parse(path) {
        Some(Ok(b)) => format!("Built-in: {}", b.label()),
        // An unknown built-in: show the name as saved (the status says why it is refused).
        Some(Err(_)) => path.trim().to_owned(),
        None if path.trim().is_empty() => {
            format!("Default: {}", Builtin::DEFAULT.label())
        }
        None => Path::new(path)
            .file_name()
            .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned()),
    }
}

/// Where the browser opens: the current IR file's folder, else `MIXWERK_IR_DIR`, else home.
fn start_dir(current: &str) -> PathBuf {
    if is_file(current) {
        return PathBuf::from(current);
    }
    std::env::var_os(IR_DIR_ENV)
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .or_else(widgets::home_dir)
        .unwrap_or_else(|| PathBuf::from("/"))
}
