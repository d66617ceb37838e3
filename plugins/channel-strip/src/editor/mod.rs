//! The Channel Strip's editor: a console view.
//!
//! ```text
//! ┌ title ───────────────────────────────────────────────────────────────────────┐
//! │ 8 strips: name, trim/Ø, HP/LP, compact gate/EQ/comp, │ master: returns A and B │
//! │ sends A/B with pre, pan/width, fader + meter, M/S    │ glue, limiter, loudness, │
//! │                                                      │ master fader, output     │
//! ├ the selected channel in full: input and filters, gate, EQ with its curve, comp ┤
//! ```
//!
//! A strip's compact gate, EQ and compressor sections *expand* into the panel at the bottom,
//! which shows every control of one channel (the strip's number or an expand arrow selects
//! it). Meters come from the console (`shared_dsp::strip::meters`: each channel after its
//! fader, gate and compressor reduction, returns, glue, limiter, output) through atomics,
//! written only while this editor is open; the loudness figures are the meter's own, which
//! runs always (the integrated loudness covers the whole programme). The EQ curves are the EQ
//! module's own response ([`Curve`]) for the channel's cut filters and four bands.

mod detail;
mod linked;
mod master;
mod strip;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use nice_plug::prelude::Plugin;
use nice_plug_egui::RepaintNotifier;
use shared_dsp::analysis::{Levels, SharedF32};
use shared_dsp::meter::LoudnessReadings;
use shared_dsp::strip::CHANNELS;
use shared_dsp::strip::meters::ConsoleMeters;
use shared_ui::egui::{self, Vec2, vec2};
use shared_ui::masking::MaskingView;
use shared_ui::strip::{CurveCache, Section};
use shared_ui::theme;
use shared_ui::widgets::{self, Controls, StereoLevels};
use shared_ui::window::{self, View};

use crate::params::StripParams;

/// What the editor reads from the audio thread.
#[derive(Clone)]
pub struct Analysis {
    pub meters: Arc<ConsoleMeters>,
    pub loudness: Arc<LoudnessReadings>,
    /// The session's rate, for the EQ curves.
    pub sample_rate: Arc<SharedF32>,
    /// How many buses the host's layout brings in (4 or 8); the other strips are drawn dim.
    pub buses: Arc<AtomicUsize>,
    pub repaint: RepaintNotifier,
    /// This instance's channels' ids in the link (empty when linking is off).
    pub linked_ids: Arc<Vec<u64>>,
}

/// How many buses `layout` brings in: a stereo pair each, on the main input and the aux ports.
pub fn buses(layout: &nice_plug::prelude::AudioIOLayout) -> usize {
    let main = layout
        .main_input_channels
        .map_or(0, |c| c.get() as usize / 2);
    (main + layout.aux_input_ports.len()).min(CHANNELS)
}

/// Every meter of the console, once per frame.
#[derive(Default)]
pub struct MeterState {
    pub channels: [StereoLevels; CHANNELS],
    pub gate_db: [f32; CHANNELS],
    pub comp_db: [f32; CHANNELS],
    pub returns: [StereoLevels; 2],
    pub glue_db: f32,
    pub limiter_db: f32,
    pub output: StereoLevels,
}

impl MeterState {
    fn update(&mut self, m: &ConsoleMeters, dt: f32) {
        let gr = |shown: f32, max: &shared_dsp::analysis::SharedMax| {
            widgets::meter_release(shown, max.take(), dt, widgets::RELEASE_DB_PER_S)
        };
        let levels = |state: &mut StereoLevels, levels: &Levels| {
            state.update(levels.take_peaks(), levels.rms(), dt);
        };
        for c in 0..CHANNELS {
            levels(&mut self.channels[c], &m.channels[c]);
            self.gate_db[c] = gr(self.gate_db[c], &m.gate[c]);
            self.comp_db[c] = gr(self.comp_db[c], &m.compressor[c]);
        }
        for (state, l) in self.returns.iter_mut().zip(&m.returns) {
            levels(state, l);
        }
        self.glue_db = gr(self.glue_db, &m.glue);
        self.limiter_db = gr(self.limiter_db, &m.limiter);
        levels(&mut self.output, &m.output);
    }
}

pub struct Console {
    params: Arc<StripParams>,
    analysis: Analysis,
    meters: MeterState,
    /// The channel names as typed (written to the parameters' persisted names as they change).
    names: [String; CHANNELS],
    curves: [CurveCache; CHANNELS],
    /// The channel the bottom panel shows, and the section asked for.
    selected: usize,
    focus: Section,
    /// Standalone demo: when (egui time, s) to restart the loudness measurement, once the demo
    /// mix has settled (so the figures measure it, not the switch-over to it).
    reset_loudness_at: Option<f64>,
    /// What the bottom panel shows; the masking view's analysis runs only while shown, and
    /// the frequency a click there marked on a channel's EQ curve.
    panel: Panel,
    masking: Option<MaskingView>,
    eq_marker: Option<(usize, f32)>,
    /// The other linked strips (Mixwerk Strips on other tracks, other Channel Strips'
    /// channels), for the linked panel.
    linked: shared_ui::linked::LinkedConsole,
}

/// The bottom panel: one channel in full, the masking map, or the linked tracks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Panel {
    Channel,
    Masking,
    Linked,
}

impl Console {
    pub fn new(params: Arc<StripParams>, analysis: Analysis) -> Self {
        Self {
            params,
            analysis,
            meters: MeterState::default(),
            names: Default::default(),
            curves: Default::default(),
            selected: 0,
            focus: Section::Eq,
            reset_loudness_at: None,
            panel: Panel::Channel,
            masking: None,
            eq_marker: None,
            linked: Default::default(),
        }
    }
}

impl View for Console {
    const TITLE: &'static str = crate::MixwerkChannelStrip::NAME;
    const SIZE: Vec2 = vec2(1440.0, 828.0);

    fn opened(&mut self, ctx: &egui::Context, k: &Controls) {
        // Back to where the panel was; the linked tracks meter again if it shows them.
        self.show(self.panel);
        #[cfg(feature = "standalone")]
        if crate::demo::wanted() {
            crate::demo::apply_mix(&self.params, k.setter());
            self.reset_loudness_at = Some(ctx.input(|i| i.time) + 1.0);
            // `cargo xtask screenshots` photographs the masking map and the linked tracks
            // this way.
            match crate::demo::view().as_deref() {
                Some("masking") => self.show(Panel::Masking),
                Some("linked") => self.show(Panel::Linked),
                _ => {}
            }
        }
        #[cfg(not(feature = "standalone"))]
        let _ = (ctx, k);
    }

    fn ui(&mut self, ui: &mut egui::Ui, k: &Controls) {
        let dt = ui.input(|i| i.stable_dt);
        self.meters.update(&self.analysis.meters, dt);
        let settings = self.params.settings();
        let sample_rate = self.analysis.sample_rate.load();
        if let Some(at) = self.reset_loudness_at
            && ui.input(|i| i.time) >= at
        {
            self.analysis.loudness.request_reset();
            self.reset_loudness_at = None;
        }

        let hint = "meters after the fader · a strip's › or number opens it in full below · click a value to type";
        let hint = egui::RichText::new(hint).small().color(theme::TEXT_DIM);
        window::heading(ui, Self::TITLE, Some(hint));
        ui.horizontal_top(|ui| {
            ui.spacing_mut().item_spacing.x = 4.0;
            for c in 0..CHANNELS {
                ui.push_id(("strip", c), |ui| {
                    self.strip_frame(c).show(ui, |ui| {
                        ui.vertical(|ui| self.strip(ui, k, &settings, sample_rate, c));
                    });
                });
            }
            ui.add_space(6.0);
            ui.spacing_mut().item_spacing.x = theme::SPACING;
            self.master(ui, k, &settings);
        });
        ui.add_space(2.0);
        match self.panel {
            Panel::Channel => self.detail(ui, k, &settings, sample_rate),
            Panel::Masking => self.masking_panel(ui, &settings, sample_rate, dt),
            Panel::Linked => self.linked_panel(ui, k, dt),
        }
    }

    fn closed(&mut self) {
        self.linked.close();
    }
}

impl Console {
    /// Keeps the typed name in step with the persisted one (a loaded session may change it).
    fn sync_name(&mut self, c: usize) {
        if let Ok(name) = self.params.channels[c].name.read()
            && *name != self.names[c]
        {
            self.names[c].clone_from(&name);
        }
    }

    fn set_name(&self, c: usize) {
        if let Ok(mut name) = self.params.channels[c].name.write() {
            name.clone_from(&self.names[c]);
        }
    }

    /// Whether the host's layout brings a bus into channel `c`.
    fn has_input(&self, c: usize) -> bool {
        c < self.analysis.buses.load(Ordering::Relaxed)
    }

    fn select(&mut self, c: usize, focus: Section) {
        self.selected = c;
        self.focus = focus;
    }

    /// The bottom panel's switches (the selected channel, the masking map, the linked
    /// tracks), at the right of its header.
    fn panel_toggles(&mut self, ui: &mut egui::Ui) {
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let mut pick = |ui: &mut egui::Ui, panel: Panel, text: &str, hover: &str| {
                let on = self.panel == panel;
                if ui.selectable_label(on, text).on_hover_text(hover).clicked() {
                    self.show(if on { Panel::Channel } else { panel });
                }
            };
            pick(
                ui,
                Panel::Linked,
                "Linked tracks",
                "Mixwerk Strips on other tracks of this session, as a console",
            );
            pick(
                ui,
                Panel::Masking,
                "Masking map",
                "Where the buses cover each other in frequency",
            );
        });
    }

    /// Shows `panel` below the strips; the linked strips meter only while theirs is shown.
    fn show(&mut self, panel: Panel) {
        self.panel = panel;
        if panel == Panel::Linked {
            self.linked.open();
        } else {
            self.linked.close();
        }
    }

    /// The bottom panel as the masking view (`shared_ui::masking`).
    fn masking_panel(
        &mut self,
        ui: &mut egui::Ui,
        settings: &shared_dsp::strip::ConsoleSettings,
        sample_rate: f32,
        dt: f32,
    ) {
        ui.horizontal(|ui| {
            ui.label(
                egui::RichText::new("MASKING")
                    .size(14.0)
                    .color(theme::ACCENT),
            );
            ui.label(
                egui::RichText::new(
                    "where two buses carry energy in the same band at the same time, after their faders",
                )
                .small()
                .color(theme::TEXT_DIM),
            );
            self.panel_toggles(ui);
        });
        let rate = sample_rate.max(8_000.0);
        if self
            .masking
            .as_ref()
            .is_none_or(|m| m.sample_rate() != rate)
        {
            self.masking = Some(MaskingView::new(CHANNELS, rate, "CH"));
        }
        let active: [bool; CHANNELS] =
            core::array::from_fn(|c| self.has_input(c) && !settings.channels[c].mute);
        let Some(view) = &mut self.masking else {
            return;
        };
        let rings: Vec<&shared_dsp::analysis::spectrum::SampleRing> = self
            .analysis
            .meters
            .signals
            .0
            .iter()
            .map(|r| &**r)
            .collect();
        view.update(&rings, &active, dt);
        if let Some((c, hz)) = view.ui(ui, &self.names) {
            self.select(c, Section::Eq);
            self.eq_marker = Some((c, hz));
            self.show(Panel::Channel);
        }
    }
}
