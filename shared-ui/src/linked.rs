//! The console of linked strips (`plugin_kit::link`), as any linked editor draws it: Mixwerk
//! Strip's row of every linked strip, and the Channel Strip's row of the linked tracks
//! beside its own eight channels.
//!
//! [`LinkedConsole`] keeps what a view needs between frames: the registry snapshot in the
//! host's mixer order, each column's meters (peak hold and release) and EQ curve, and the
//! [`Watch`] that makes every linked strip meter while the view is open. A column's controls
//! drive *its* instance's parameters through *its* instance's host context
//! ([`with_controls`]), so the host records an edit made here on the right track.

use std::collections::HashMap;

use egui::{CornerRadius, Stroke, vec2};
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::TrackInfo;
use plugin_kit::link::{self, Channel, Member, Shared, Watch};
use shared_dsp::analysis::{MaxCursor, SharedMax};

use crate::strip::{
    CurveCache, FADER_HEIGHT, FADER_MARKS, HALF, STRIP_WIDTH, compact_row, fader_and_meter,
    small_knob, thumbnail,
};

/// A short column's fader: its height and its marks (where a panel has little height).
const SHORT_FADER_HEIGHT: f32 = 96.0;
const SHORT_MARKS: [&str; 4] = ["+12", "0", "-12", "-inf"];
use crate::theme;
use crate::widgets::{self, Controls, StereoLevels};

/// One column's meters, as drawn (peak hold and release), and this view's place in the
/// strip's published peaks: the strip's own editor and every other console read them too,
/// each its own peaks since its own last look.
#[derive(Default)]
pub struct Meters {
    pub levels: StereoLevels,
    pub gate_db: f32,
    pub comp_db: f32,
    peaks: [MaxCursor; 2],
    gate: MaxCursor,
    comp: MaxCursor,
}

impl Meters {
    /// Reads what the strip's audio thread published since this view's last frame.
    pub fn update(&mut self, shared: &Shared, dt: f32) {
        let gr = |shown: f32, max: &SharedMax, cursor: &mut MaxCursor| {
            widgets::meter_release(shown, max.read(cursor), dt, widgets::RELEASE_DB_PER_S)
        };
        let peaks = shared.levels.read_peaks(&mut self.peaks);
        self.levels.update(peaks, shared.levels.rms(), dt);
        self.gate_db = gr(self.gate_db, &shared.gate, &mut self.gate);
        self.comp_db = gr(self.comp_db, &shared.compressor, &mut self.comp);
    }
}

/// A view's state of the linked strips (see the [module docs](self)).
#[derive(Default)]
pub struct LinkedConsole {
    /// The registry as last seen, and the generation it was taken at.
    members: Vec<Member>,
    generation: Option<u64>,
    meters: HashMap<u64, Meters>,
    curves: HashMap<u64, CurveCache>,
    /// Held while the view is open: every linked strip meters meanwhile.
    watch: Option<Watch>,
}

impl LinkedConsole {
    /// The view opened: linked strips meter from now on.
    pub fn open(&mut self) {
        self.watch = Some(Watch::new());
        self.generation = None;
    }

    /// The view closed: they may stop.
    pub fn close(&mut self) {
        self.watch = None;
    }

    /// A new snapshot of the registry when someone joined or left, in the mixer's order as
    /// the host says it now. Returns whether the members changed.
    pub fn refresh(&mut self) -> bool {
        let generation = link::generation();
        link::in_mixer_order(&mut self.members);
        if self.generation == Some(generation) {
            return false;
        }
        self.members = link::members();
        self.generation = Some(generation);
        let ids: Vec<u64> = self.members.iter().map(|m| m.id).collect();
        self.meters.retain(|id, _| ids.contains(id));
        self.curves.retain(|id, _| ids.contains(id));
        true
    }

    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Column `id`'s meters (made on first use).
    pub fn meters(&mut self, id: u64) -> &mut Meters {
        self.meters.entry(id).or_default()
    }

    /// Column `id`'s EQ curve cache (made on first use).
    pub fn curve(&mut self, id: u64) -> &mut CurveCache {
        self.curves.entry(id).or_default()
    }

    /// The rate member `id` runs at (its meters' block says), for its curve; 48 kHz if
    /// unknown.
    pub fn sample_rate_of(&self, id: u64) -> f32 {
        self.members
            .iter()
            .find(|m| m.id == id)
            .map_or(48_000.0, |m| m.shared.sample_rate.load())
            .max(8_000.0)
    }

    /// One linked strip, compact: name (a click selects it), EQ thumbnail (the same), gate
    /// and compressor with gain reduction, pan and width, fader with meter, mute and solo.
    /// `k` drives the strip's own instance. Returns whether the name or the curve was
    /// clicked.
    #[allow(clippy::too_many_arguments)]
    pub fn column(
        &mut self,
        ui: &mut egui::Ui,
        k: &Controls,
        params: &dyn Channel,
        id: u64,
        name: &str,
        color: Option<egui::Color32>,
        highlight: bool,
        sample_rate: f32,
    ) -> bool {
        ui.set_width(STRIP_WIDTH);
        ui.spacing_mut().item_spacing = vec2(4.0, 4.0);
        let label = egui::RichText::new(name).size(12.0).color(if highlight {
            theme::ACCENT
        } else {
            color.unwrap_or(theme::TEXT)
        });
        let mut clicked = ui
            .add(egui::Button::new(label).frame(false).truncate())
            .on_hover_text(format!("{name}: show in full below"))
            .clicked();
        let ch = params.strip();
        let settings = params.settings();
        let curve = self.curve(id).get(&settings, sample_rate);
        clicked |= thumbnail(
            ui,
            curve,
            settings.eq[0].enabled,
            "EQ and filters: click for this strip in full below",
        )
        .clicked();
        let meters = self.meters(id);
        let (gate_db, comp_db) = (meters.gate_db, meters.comp_db);
        compact_row(ui, "GATE", &k.bind(&ch.gate_on), Some(gate_db));
        compact_row(ui, "COMP", &k.bind(&ch.comp_on), Some(comp_db));
        ui.horizontal_top(|ui| {
            small_knob(ui, k, "Pan", &ch.pan);
            small_knob(ui, k, "Width", &ch.width);
        });
        let meters = &self.meters[&id];
        fader_and_meter(
            ui,
            k,
            ("fader", id),
            &ch.fader,
            &meters.levels,
            FADER_HEIGHT,
            "Peak (held 1.5 s), dBFS, after the fader",
            &FADER_MARKS,
        );
        ui.horizontal(|ui| {
            k.toggle_sized(ui, "MUTE", &ch.mute, HALF, theme::HOT);
            k.toggle_sized(ui, "SOLO", &ch.solo, HALF, theme::WARN)
                .on_hover_text("Solo in place: every linked strip that is not soloed is muted");
        });
        clicked
    }

    /// A linked strip, short, for a panel with little height: name, fader with meter, and
    /// beside them pan, mute and solo.
    fn short_column(
        &mut self,
        ui: &mut egui::Ui,
        k: &Controls,
        params: &dyn Channel,
        id: u64,
        name: &str,
        color: Option<egui::Color32>,
    ) {
        ui.set_width(STRIP_WIDTH + HALF.x + 8.0);
        ui.spacing_mut().item_spacing = vec2(4.0, 4.0);
        ui.label(
            egui::RichText::new(name)
                .size(12.0)
                .color(color.unwrap_or(theme::TEXT)),
        );
        let ch = params.strip();
        ui.horizontal_top(|ui| {
            fader_and_meter(
                ui,
                k,
                ("fader", id),
                &ch.fader,
                &self.meters(id).levels,
                SHORT_FADER_HEIGHT,
                "Peak (held 1.5 s), dBFS, after the fader",
                &SHORT_MARKS,
            );
            ui.vertical(|ui| {
                small_knob(ui, k, "Pan", &ch.pan);
                k.toggle_sized(ui, "MUTE", &ch.mute, HALF, theme::HOT);
                k.toggle_sized(ui, "SOLO", &ch.solo, HALF, theme::WARN)
                    .on_hover_text("Solo in place: every linked strip that is not soloed is muted");
            });
        });
    }

    /// Another instance's column, whole: its frame in its track's colour, the column through
    /// that instance's host context (or a note while the host has not given one), and "muted
    /// by solo" under it; `short` for the short column. `index` is its place in the console
    /// (for its name when the host gives none). Returns whether the name or the curve was
    /// clicked.
    #[allow(clippy::too_many_arguments)]
    pub fn member_column(
        &mut self,
        ui: &mut egui::Ui,
        k: &Controls,
        member: &Member,
        index: usize,
        highlight: bool,
        short: bool,
        dt: f32,
    ) -> bool {
        let track = member.track();
        let name = link::display_name(&track, index, member.channel());
        let color = track_color(&track);
        self.meters(member.id).update(&member.shared, dt);
        let muted_by_solo = member
            .shared
            .solo_muted
            .load(std::sync::atomic::Ordering::Relaxed);
        let rate = self.sample_rate_of(member.id);
        let mut clicked = false;
        ui.push_id(member.id, |ui| {
            column_frame(highlight, color).show(ui, |ui| {
                ui.vertical(|ui| {
                    let drawn = with_controls(k, false, member.context.as_ref(), |c| {
                        let params = member.channel();
                        if short {
                            self.short_column(ui, c, params, member.id, &name, color);
                        } else {
                            clicked = self
                                .column(ui, c, params, member.id, &name, color, highlight, rate);
                        }
                    });
                    if drawn.is_none() {
                        ui.set_width(STRIP_WIDTH);
                        ui.label(egui::RichText::new(&name).small());
                        ui.label(
                            egui::RichText::new("waiting for its host")
                                .small()
                                .color(theme::TEXT_DIM),
                        );
                    }
                    muted_note(ui, muted_by_solo);
                });
            });
        });
        clicked
    }
}

/// "muted by solo" under a column whose strip another strip's solo mutes.
pub fn muted_note(ui: &mut egui::Ui, muted_by_solo: bool) {
    if muted_by_solo {
        ui.label(
            egui::RichText::new("muted by solo")
                .small()
                .color(theme::WARN),
        );
    }
}

/// Draws with the controls of the instance a column belongs to: `own` for the view's own
/// instance, or a controls object on `context` (another instance's host context). Nothing
/// is drawn for a member whose context the host has not given yet.
pub fn with_controls<R>(
    own: &Controls,
    is_own: bool,
    context: Option<&GuiContext>,
    draw: impl FnOnce(&Controls) -> R,
) -> Option<R> {
    if is_own {
        return Some(draw(own));
    }
    let context = context?;
    let setter = context.param_setter();
    Some(draw(&Controls::new(&setter)))
}

/// A column's panel: the track's colour along its edge, outlined when highlighted.
pub fn column_frame(highlight: bool, color: Option<egui::Color32>) -> egui::Frame {
    let stroke = match (highlight, color) {
        (true, _) => Stroke::new(1.5, theme::ACCENT.gamma_multiply(0.8)),
        (false, Some(c)) => Stroke::new(1.0, c.gamma_multiply(0.6)),
        (false, None) => Stroke::NONE,
    };
    egui::Frame::new()
        .fill(theme::PANEL)
        .stroke(stroke)
        .corner_radius(CornerRadius::same(4))
        .inner_margin(egui::Margin::symmetric(3, 5))
}

/// The host's track colour, if it gave one.
pub fn track_color(track: &TrackInfo) -> Option<egui::Color32> {
    track.color().map(|c| {
        let (r, g, b, _) = c.rgba();
        egui::Color32::from_rgb(r, g, b)
    })
}
