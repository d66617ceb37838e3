//! The EQ's editor: the response curve with a node per band over a pre/post spectrum
//! analyser, the selected band's controls and the output section.
//!
//! The curve is the DSP's own analytic response (`shared_dsp::eq::response::Curve`): the
//! matched sections' magnitude in zero-latency mode, the target the FIR realises in linear
//! phase; each enabled band's own curve is drawn faintly under the combined one. On the
//! curve: drag a node (frequency and gain, one host gesture each), scroll over it (Q),
//! double-click empty space (switch on the nearest switched-off band there), double-click a
//! node (switch it off), right-click a node (its type). The logic is
//! `shared_ui::widgets::eq_curve`, tested there without a display.
//!
//! The analyser: the audio thread copies the input (pre) and output (post) into lock-free
//! rings only while this editor is open; the FFTs (`shared_dsp::analysis::spectrum`) run
//! here, once per frame, on the newest samples.

use std::sync::Arc;

use nice_plug::prelude::Plugin;
use nice_plug_egui::RepaintNotifier;
use shared_dsp::analysis::SharedF32;
use shared_dsp::analysis::spectrum::{SampleRing, Spectrum};
use shared_dsp::eq::dynamic::can_be_dynamic;
use shared_dsp::eq::response::{Curve, auto_gain_db};
use shared_dsp::eq::{BANDS, BandSettings};
use shared_ui::control::{Control, set_once};
use shared_ui::egui::{self, Align2, Color32, FontId, Pos2, Sense, Stroke, Vec2, pos2, vec2};
use shared_ui::theme;
use shared_ui::widgets::eq_curve::{
    self, BAND_COLOURS, BandControls, NodeDrag, SCROLL_POINTS_PER_NOTCH,
};
use shared_ui::widgets::{self, Controls, Plot};
use shared_ui::window::{self, View};

use crate::params::{EqParams, ModeParam};

/// The curve's gain axis, ±dB: the gain parameter's whole range, so every node can be
/// dragged anywhere its gain can go.
const CURVE_DB: f32 = 30.0;
/// The analyser's level range, dBFS at the bottom and the top of the plot.
const ANALYSER_RANGE: (f32, f32) = (-96.0, 0.0);
/// Analyser smoothing: a sixth of an octave across, 250 ms averaging over time.
const ANALYSER_OCTAVES: f32 = 1.0 / 6.0;
const ANALYSER_TIME_CONSTANT: f32 = 0.25;
/// Pixels per point of the curves and the analyser.
const CURVE_STEP_PX: f32 = 2.0;

/// What the editor reads from the audio thread.
#[derive(Clone)]
pub struct Analysis {
    /// The input and the output (mid of a stereo signal), written only while the editor is open.
    pub pre: Arc<SampleRing>,
    pub post: Arc<SampleRing>,
    pub sample_rate: Arc<SharedF32>,
    /// The latency the plugin reports (linear-phase mode), in samples.
    pub latency_samples: Arc<SharedF32>,
    /// Each band's dynamic gain change now (dB), written while the editor is open.
    pub dynamic_db: Arc<[SharedF32; BANDS]>,
    pub repaint: RepaintNotifier,
}

/// The cached response: rebuilt only when a band or the rate changes (designing costs tens
/// of microseconds per band, evaluating it per pixel is cheap).
struct CachedCurve {
    bands: [BandSettings; BANDS],
    sample_rate: f32,
    curve: Curve,
    auto_gain_db: f32,
    /// Dynamic bands: the curve with every dynamic band at gain + range (the reach drawn
    /// as a dashed line), and the live curve (the dynamic gains now, to 0.05 dB).
    reach: Option<Curve>,
    live: Option<(Curve, [i32; BANDS])>,
    dynamic: [Option<f64>; BANDS],
}

/// The pre and post analysers and their sample buffer, made for one sample rate.
struct Analyser {
    sample_rate: f32,
    pre: Spectrum,
    post: Spectrum,
    samples: Vec<f32>,
    /// Ring positions at the last analysis (nothing new: nothing to do).
    seen: (u64, u64),
    /// One `(Hz, dBFS)` per drawn column, reused every frame.
    pre_points: Vec<(f32, f32)>,
    post_points: Vec<(f32, f32)>,
}

impl Analyser {
    fn new(sample_rate: f32) -> Self {
        let size = Spectrum::size_for_rate(sample_rate);
        Self {
            sample_rate,
            pre: Spectrum::new(size, sample_rate, ANALYSER_TIME_CONSTANT),
            post: Spectrum::new(size, sample_rate, ANALYSER_TIME_CONSTANT),
            samples: vec![0.0; size],
            seen: (0, 0),
            pre_points: Vec::new(),
            post_points: Vec::new(),
        }
    }

    /// Analyses whatever arrived since the last frame, `dt` seconds ago.
    fn update(&mut self, analysis: &Analysis, dt: f32) {
        let written = (analysis.pre.written(), analysis.post.written());
        if written.0 != self.seen.0 {
            analysis.pre.latest(&mut self.samples);
            self.pre.analyse(&self.samples, dt);
        }
        if written.1 != self.seen.1 {
            analysis.post.latest(&mut self.samples);
            self.post.analyse(&self.samples, dt);
        }
        self.seen = written;
    }
}

pub struct Eq {
    params: Arc<EqParams>,
    analysis: Analysis,
    /// The band whose controls are shown below the curve.
    selected: usize,
    drag: NodeDrag,
    /// Node centre minus pointer when the drag began, so a node never jumps to the pointer.
    grab_offset: egui::Vec2,
    /// The type menu: which band, where.
    menu: Option<(usize, Pos2)>,
    curve: Option<CachedCurve>,
    analyser: Option<Analyser>,
}

impl Eq {
    pub fn new(params: Arc<EqParams>, analysis: Analysis) -> Self {
        // The standalone demo opens on its dynamic band (the screenshot shows its controls).
        #[cfg(feature = "standalone")]
        let selected = if plugin_kit::demo::wanted() {
            params
                .bands()
                .iter()
                .position(|b| b.dynamic.value())
                .unwrap_or(0)
        } else {
            0
        };
        #[cfg(not(feature = "standalone"))]
        let selected = 0;
        Self {
            params,
            analysis,
            selected,
            drag: NodeDrag::default(),
            grab_offset: egui::Vec2::ZERO,
            menu: None,
            curve: None,
            analyser: None,
        }
    }
}

impl View for Eq {
    const TITLE: &'static str = crate::MixwerkEq::NAME;
    const SIZE: Vec2 = vec2(1280.0, 640.0);

    fn ui(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let dt = ui.input(|i| i.stable_dt);
        let sample_rate = self.analysis.sample_rate.load().max(8_000.0);
        if self
            .analyser
            .as_ref()
            .is_none_or(|a| a.sample_rate != sample_rate)
        {
            self.analyser = Some(Analyser::new(sample_rate));
        }
        if let Some(a) = &mut self.analyser {
            a.update(&self.analysis, dt);
        }
        self.refresh_curve(sample_rate);

        let p = self.params.clone();
        let bands = p.bands();
        let bound: Vec<_> = bands
            .iter()
            .map(|b| {
                (
                    k.bind(&b.on),
                    k.bind(&b.freq),
                    k.bind(&b.gain),
                    k.bind(&b.q),
                )
            })
            .collect();
        let controls: Vec<BandControls> = (0..BANDS)
            .map(|i| BandControls {
                on: &bound[i].0,
                freq: &bound[i].1,
                gain: &bound[i].2,
                q: &bound[i].3,
                uses_gain: bands[i].settings(false).kind.uses_gain(),
            })
            .collect();

        let readout = egui::RichText::new(self.readout()).color(theme::TEXT_DIM);
        window::heading(ui, Self::TITLE, Some(readout));
        let width = ui.available_width();
        self.response_curve(ui, k, &controls, vec2(width, 418.0));
        ui.add_space(2.0);
        ui.horizontal_top(|ui| {
            self.band_section(ui, k);
            theme::section(ui, "OUTPUT", |ui| {
                ui.horizontal_top(|ui| {
                    k.knob(ui, "Output", &p.output_gain);
                    theme::lowered(ui, 4.0, |ui| {
                        k.toggle(ui, "Auto Gain", &p.auto_gain);
                        k.toggle(ui, "Bypass", &p.bypass);
                    });
                });
                k.selector_width(ui, "Mode", &p.mode, 150.0);
            });
        });
    }
}

impl Eq {
    /// The header's line: mode (and latency), auto-gain, bypass.
    fn readout(&self) -> String {
        let p = &self.params;
        let mut text = match p.mode.value() {
            ModeParam::ZeroLatency => "Zero Latency".to_owned(),
            ModeParam::LinearPhase => {
                let ms = 1_000.0 * self.analysis.latency_samples.load()
                    / self.analysis.sample_rate.load().max(1.0);
                format!("Linear Phase, latency {ms:.1} ms")
            }
        };
        if p.auto_gain.value()
            && let Some(c) = &self.curve
        {
            text += &format!("    auto gain {:+.1} dB", c.auto_gain_db);
        }
        if p.bypass.value() {
            text += "    BYPASSED";
        }
        text
    }

    fn refresh_curve(&mut self, sample_rate: f32) {
        let bands: [BandSettings; BANDS] = self.params.bands().map(|b| b.settings(false));
        let linear = self.params.mode.value() == ModeParam::LinearPhase;
        // Dynamic bands (zero latency only): their range.
        let dynamic: [Option<f64>; BANDS] = self.params.bands().map(|b| {
            let d = b.dynamics();
            let s = b.settings(false);
            (d.enabled && s.enabled && can_be_dynamic(s.kind) && !linear).then_some(d.range_db)
        });
        let sr = sample_rate as f64;
        let fresh = !self.curve.as_ref().is_some_and(|c| {
            c.bands == bands && c.sample_rate == sample_rate && c.dynamic == dynamic
        });
        if fresh {
            let reach = dynamic.iter().any(Option::is_some).then(|| {
                let mut b = bands;
                for (band, range) in b.iter_mut().zip(dynamic) {
                    band.gain_db += range.unwrap_or(0.0);
                }
                Curve::new(&b, sr)
            });
            self.curve = Some(CachedCurve {
                bands,
                sample_rate,
                curve: Curve::new(&bands, sr),
                auto_gain_db: auto_gain_db(&bands, sr) as f32,
                reach,
                live: None,
                dynamic,
            });
        }
        // The live curve, when some dynamic band has moved (redesigned only when a gain
        // changes by 0.05 dB).
        let Some(c) = &mut self.curve else { return };
        let steps: [i32; BANDS] = core::array::from_fn(|i| match c.dynamic[i] {
            Some(_) => (self.analysis.dynamic_db[i].load() / 0.05).round() as i32,
            None => 0,
        });
        if steps == [0; BANDS] {
            c.live = None;
        } else if c.live.as_ref().is_none_or(|(_, s)| *s != steps) {
            let mut b = c.bands;
            for (band, step) in b.iter_mut().zip(steps) {
                band.gain_db += f64::from(step) * 0.05;
            }
            c.live = Some((Curve::new(&b, sr), steps));
        }
    }

    /// Where band `i`'s node sits (frequency, and gain or 0 dB for types without gain).
    fn node_pos(&self, plot: &Plot, controls: &[BandControls], i: usize) -> Pos2 {
        let c = &controls[i];
        let db = if c.uses_gain { c.gain.plain() } else { 0.0 };
        plot.to_screen(c.freq.plain(), db)
    }

    fn response_curve(
        &mut self,
        ui: &mut egui::Ui,
        ctl: &Controls,
        controls: &[BandControls],
        size: egui::Vec2,
    ) {
        let plot = eq_curve::response_plot(ui, size, CURVE_DB);
        let rect = plot.rect;
        let response = ui.interact(
            rect,
            ui.scope_id().with("eq-curve"),
            Sense::click_and_drag(),
        );
        let linear = self.params.mode.value() == ModeParam::LinearPhase;
        let bypassed = self.params.bypass.value();

        // The analyser, behind everything.
        let columns = (rect.width() / CURVE_STEP_PX).max(2.0) as usize;
        let freq_at = |k: usize| plot.x.value(k as f32 / columns as f32);
        if let Some(a) = &mut self.analyser {
            a.pre_points.clear();
            a.post_points.clear();
            for k in 0..=columns {
                let f = freq_at(k);
                a.pre_points.push((f, a.pre.band_db(f, ANALYSER_OCTAVES)));
                a.post_points.push((f, a.post.band_db(f, ANALYSER_OCTAVES)));
            }
            widgets::spectrum(
                &plot,
                &a.pre_points,
                ANALYSER_RANGE,
                Some(theme::TEXT_DIM.gamma_multiply(0.16)),
                Stroke::new(1.0, theme::TEXT_DIM.gamma_multiply(0.5)),
            );
            widgets::spectrum(
                &plot,
                &a.post_points,
                ANALYSER_RANGE,
                Some(theme::SIGNAL.gamma_multiply(0.10)),
                Stroke::new(1.2, theme::SIGNAL.gamma_multiply(0.75)),
            );
        }
        // The analyser's level scale, at the right edge.
        let scale = theme::SIGNAL.gamma_multiply(0.55);
        for db in [-20.0f32, -40.0, -60.0, -80.0] {
            let y = rect.bottom()
                - rect.height() * (db - ANALYSER_RANGE.0) / (ANALYSER_RANGE.1 - ANALYSER_RANGE.0);
            plot.painter.line_segment(
                [pos2(rect.right() - 5.0, y), pos2(rect.right(), y)],
                Stroke::new(1.0, scale),
            );
            plot.painter.text(
                pos2(rect.right() - 7.0, y),
                Align2::RIGHT_CENTER,
                format!("{db:.0}"),
                FontId::proportional(9.5),
                scale,
            );
        }

        // Each enabled band's own curve, faintly (live, for dynamic bands), then the
        // combined curve; a dynamic band's reach dashed.
        if let Some(cached) = &self.curve {
            if let Some(reach) = &cached.reach {
                for (i, range) in cached.dynamic.iter().enumerate() {
                    if range.is_none() {
                        continue;
                    }
                    let points: Vec<Pos2> = (0..=columns)
                        .map(|k| {
                            let f = freq_at(k);
                            plot.to_screen(f, reach.band_magnitude_db(i, f as f64) as f32)
                        })
                        .collect();
                    let painter = plot.painter.with_clip_rect(rect);
                    for pair in points.chunks(4) {
                        if let [a, b, ..] = pair {
                            painter.line_segment(
                                [*a, *b],
                                Stroke::new(1.2, BAND_COLOURS[i].gamma_multiply(0.8)),
                            );
                        }
                    }
                }
            }
            let curve = cached.live.as_ref().map_or(&cached.curve, |(c, _)| c);
            for (i, c) in controls.iter().enumerate() {
                if !c.enabled() {
                    continue;
                }
                let points: Vec<(f32, f32)> = (0..=columns)
                    .map(|k| {
                        let f = freq_at(k) as f64;
                        let db = if linear {
                            curve.band_target_db(i, f)
                        } else {
                            curve.band_magnitude_db(i, f)
                        };
                        (f as f32, db as f32)
                    })
                    .collect();
                let colour = BAND_COLOURS[i];
                let alpha = if i == self.selected { 0.22 } else { 0.10 };
                eq_curve::band_curve(
                    &plot,
                    &points,
                    colour.gamma_multiply(alpha),
                    Stroke::new(1.0, colour.gamma_multiply(0.6)),
                );
            }
            let combined = (0..=columns).map(|k| {
                let f = freq_at(k) as f64;
                let db = if linear {
                    curve.target_db(f)
                } else {
                    curve.magnitude_db(f)
                };
                (f as f32, db as f32)
            });
            let colour = if bypassed {
                theme::TEXT_DIM
            } else {
                theme::TEXT
            };
            plot.line(combined, Stroke::new(2.2, colour));
        }

        // Nodes: every enabled band, and the selected one (hollow) when it is off.
        let nodes: Vec<Option<Pos2>> = (0..BANDS)
            .map(|i| {
                (controls[i].enabled() || i == self.selected)
                    .then(|| self.node_pos(&plot, controls, i))
            })
            .collect();
        let pointer = response.interact_pointer_pos().or(response.hover_pos());
        let under = pointer.and_then(|at| eq_curve::nearest_node(&nodes, at));
        self.interact(&response, &plot, controls, &nodes, under);
        // A dynamic band's gain now: a bar from its node to where the gain has gone.
        if let Some(cached) = &self.curve {
            for (i, at) in nodes.iter().enumerate() {
                if let (Some(at), Some(_)) = (at, cached.dynamic[i]) {
                    let db = self.analysis.dynamic_db[i].load();
                    let to = pos2(at.x, plot.to_screen(1.0, controls[i].gain.plain() + db).y);
                    plot.painter
                        .line_segment([*at, to], Stroke::new(4.0, BAND_COLOURS[i]));
                    plot.painter
                        .circle_stroke(to, 4.0, Stroke::new(1.5, BAND_COLOURS[i]));
                }
            }
        }
        for (i, at) in nodes.iter().enumerate() {
            if let Some(at) = at {
                eq_curve::node(
                    &plot,
                    *at,
                    BAND_COLOURS[i],
                    i + 1,
                    controls[i].enabled(),
                    i == self.selected,
                );
            }
        }
        if let Some(i) = under.or(self.drag.band()) {
            self.hover_label(&plot, controls, i, nodes[i].unwrap_or(rect.center()));
        }
        plot.legend(&[("pre", theme::TEXT_DIM), ("post", theme::SIGNAL)]);
        plot.caption(false, "dB  (analyser: dBFS, right)", theme::TEXT_DIM);
        self.type_menu(ui, ctl);
    }

    /// Mouse gestures on the curve (see the module's doc).
    fn interact(
        &mut self,
        response: &egui::Response,
        plot: &Plot,
        controls: &[BandControls],
        nodes: &[Option<Pos2>],
        under: Option<usize>,
    ) {
        let rect = plot.rect;
        let value_at = |at: Pos2| {
            let f = plot.x.value((at.x - rect.left()) / rect.width());
            let db = plot.y.value((rect.bottom() - at.y) / rect.height());
            (f, db)
        };
        // A drag starts once the pointer has moved a little: grab what was under the press.
        let pressed_at = response.ctx.input(|i| i.pointer.press_origin());
        if response.drag_started()
            && let Some(at) = pressed_at
            && let Some(i) = eq_curve::nearest_node(nodes, at)
            && controls[i].enabled()
        {
            self.selected = i;
            self.drag.begin(controls, i);
            self.grab_offset = nodes[i].map_or(egui::Vec2::ZERO, |n| n - at);
        }
        if response.dragged()
            && self.drag.band().is_some()
            && let Some(at) = response.interact_pointer_pos()
        {
            let (f, db) = value_at(at + self.grab_offset);
            self.drag.drag_to(controls, f, db);
        }
        if response.drag_stopped() || (!response.dragged() && self.drag.band().is_some()) {
            self.drag.end(controls);
        }
        if response.clicked()
            && let Some(i) = under
        {
            self.selected = i;
        }
        if response.double_clicked() {
            match under {
                Some(i) if controls[i].enabled() => set_once(controls[i].on, 0.0),
                _ => {
                    if let Some(at) = response.interact_pointer_pos() {
                        let (f, db) = value_at(at);
                        if let Some(i) = eq_curve::nearest_disabled(controls, f) {
                            eq_curve::enable_at(&controls[i], f, db);
                            self.selected = i;
                        }
                    }
                }
            }
        }
        if response.secondary_clicked()
            && let (Some(i), Some(at)) = (under, response.interact_pointer_pos())
        {
            self.selected = i;
            self.menu = Some((i, at));
        }
        if response.hovered() {
            let scroll = response.ctx.input(|i| i.smooth_scroll_delta.y);
            let band = under.or(self.drag.band());
            if scroll != 0.0
                && let Some(i) = band
            {
                eq_curve::scroll_q(controls[i].q, scroll / SCROLL_POINTS_PER_NOTCH);
            }
        }
    }

    /// The hovered or dragged band's values, next to its node.
    fn hover_label(&self, plot: &Plot, controls: &[BandControls], i: usize, at: Pos2) {
        let b = self.params.bands()[i];
        let c = &controls[i];
        let mut text = format!("{}  {}", b.kind, c.freq.text());
        if c.uses_gain {
            text += &format!("  {}", c.gain.text());
        }
        text += &format!("  Q {}", c.q.text());
        let font = FontId::proportional(11.0);
        let galley = plot.painter.layout_no_wrap(text, font, theme::TEXT);
        let size = galley.size();
        // Above the node, kept inside the plot.
        let x =
            (at.x - size.x * 0.5).clamp(plot.rect.left() + 4.0, plot.rect.right() - size.x - 4.0);
        let y = if at.y - 16.0 - size.y > plot.rect.top() + 2.0 {
            at.y - 16.0 - size.y
        } else {
            at.y + 16.0
        };
        let r = egui::Rect::from_min_size(pos2(x, y), size).expand(3.0);
        plot.painter
            .rect_filled(r, 3.0, theme::PANEL.gamma_multiply(0.95));
        plot.painter.rect_stroke(
            r,
            3.0,
            Stroke::new(1.0, BAND_COLOURS[i]),
            egui::StrokeKind::Inside,
        );
        plot.painter.galley(pos2(x, y), galley, theme::TEXT);
    }

    /// The right-click menu of a node: its type.
    fn type_menu(&mut self, ui: &mut egui::Ui, ctl: &Controls) {
        let Some((i, at)) = self.menu else { return };
        let params = self.params.clone();
        let kind = ctl.bind(&params.bands()[i].kind);
        let steps = kind.step_count().unwrap_or(1).max(1);
        let mut close = false;
        let area = egui::Area::new(ui.scope_id().with("eq-type-menu"))
            .order(egui::Order::Foreground)
            .fixed_pos(at)
            .show(ui.ctx(), |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.label(
                        egui::RichText::new(format!("Band {} type", i + 1))
                            .small()
                            .color(BAND_COLOURS[i]),
                    );
                    for k in 0..=steps {
                        let n = k as f32 / steps as f32;
                        let current = (kind.normalized() - n).abs() < 0.5 / steps as f32;
                        if ui.selectable_label(current, kind.text_for(n)).clicked() {
                            if !current {
                                set_once(&kind, n);
                            }
                            close = true;
                        }
                    }
                });
            });
        let clicked_outside = ui.input(|i| i.pointer.any_pressed())
            && ui
                .input(|i| i.pointer.interact_pos())
                .is_some_and(|p| !area.response.rect.contains(p) && p.distance(at) > 2.0);
        if close || clicked_outside || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            self.menu = None;
        }
    }

    /// The band buttons and the selected band's controls.
    fn band_section(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let bands = self.params.bands();
        let i = self.selected;
        let b = bands[i];
        egui::Frame::new()
            .fill(theme::PANEL)
            .corner_radius(4)
            .inner_margin(8)
            .show(ui, |ui| {
                ui.vertical(|ui| {
                    ui.horizontal(|ui| {
                        ui.label(
                            egui::RichText::new(format!("BAND {}", i + 1))
                                .small()
                                .color(BAND_COLOURS[i]),
                        );
                        ui.add_space(8.0);
                        for (n, band) in bands.iter().enumerate() {
                            let on = band.on.value();
                            let colour = BAND_COLOURS[n];
                            let text = egui::RichText::new((n + 1).to_string()).color(if on {
                                Color32::BLACK
                            } else {
                                colour
                            });
                            let stroke = if n == i {
                                Stroke::new(1.5, theme::TEXT)
                            } else {
                                Stroke::new(1.0, colour.gamma_multiply(0.5))
                            };
                            let button = egui::Button::new(text)
                                .fill(if on { colour } else { theme::TRACK })
                                .stroke(stroke)
                                .min_size(vec2(26.0, 20.0));
                            if ui
                                .add(button)
                                .on_hover_text(format!("Band {}: {}", n + 1, band.kind))
                                .clicked()
                            {
                                self.selected = n;
                            }
                        }
                    });
                    ui.horizontal_top(|ui| {
                        ui.vertical(|ui| {
                            k.toggle(ui, "On", &b.on);
                            k.selector_width(ui, "Type", &b.kind, 100.0);
                        });
                        k.knob(ui, "Frequency", &b.freq);
                        k.knob(ui, "Gain", &b.gain);
                        k.knob(ui, "Q", &b.q);
                        ui.vertical(|ui| {
                            k.selector_width(ui, "Slope", &b.slope, 100.0);
                            k.selector_width(ui, "Placement", &b.placement, 100.0);
                        });
                        ui.separator();
                        // Dynamics (bells and shelves, zero-latency mode).
                        ui.add_enabled_ui(can_be_dynamic(b.settings(false).kind), |ui| {
                            ui.vertical(|ui| {
                                k.toggle(ui, "Dynamic", &b.dynamic);
                                k.selector_width(ui, "Direction", &b.direction, 90.0);
                                k.selector_width(ui, "Key", &b.key, 90.0);
                            });
                            ui.vertical(|ui| {
                                ui.add_enabled_ui(!b.auto_threshold.value(), |ui| {
                                    k.knob(ui, "Threshold", &b.threshold);
                                });
                                k.toggle(ui, "Auto", &b.auto_threshold);
                            });
                            k.knob(ui, "Range", &b.range);
                            k.knob(ui, "Attack", &b.attack);
                            k.knob(ui, "Release", &b.release);
                        });
                    });
                });
            });
    }
}
