//! Mixwerk's one visual language: a dark console look with one accent colour per role, sizes
//! in points so everything scales with the host's DPI factor (egui multiplies by it).

use egui::{self, Color32, CornerRadius, FontId, Stroke, TextStyle, Visuals};

pub const BACKGROUND: Color32 = Color32::from_rgb(0x1c, 0x1e, 0x22);
pub const PANEL: Color32 = Color32::from_rgb(0x26, 0x29, 0x2e);
pub const TRACK: Color32 = Color32::from_rgb(0x3a, 0x3e, 0x45);
pub const TEXT: Color32 = Color32::from_rgb(0xd8, 0xdc, 0xe2);
pub const TEXT_DIM: Color32 = Color32::from_rgb(0x8a, 0x90, 0x99);
/// Values the user sets (knob arcs, active switches).
pub const ACCENT: Color32 = Color32::from_rgb(0x4f, 0xb3, 0xff);
/// Signal and levels.
pub const SIGNAL: Color32 = Color32::from_rgb(0x6c, 0xe0, 0x8a);
/// Warnings, gain reduction, clipping.
pub const WARN: Color32 = Color32::from_rgb(0xff, 0xb4, 0x4f);
pub const HOT: Color32 = Color32::from_rgb(0xff, 0x5a, 0x4f);

pub const KNOB_SIZE: f32 = 52.0;
pub const SPACING: f32 = 8.0;

/// Applies the theme to an editor's context (call once when the editor opens).
pub fn apply(ctx: &egui::Context) {
    let mut visuals = Visuals::dark();
    visuals.panel_fill = BACKGROUND;
    visuals.window_fill = PANEL;
    visuals.extreme_bg_color = Color32::from_rgb(0x14, 0x15, 0x18);
    visuals.override_text_color = Some(TEXT);
    visuals.selection.bg_fill = ACCENT.gamma_multiply(0.5);
    visuals.selection.stroke = Stroke::new(1.0, ACCENT);
    visuals.widgets.inactive.bg_fill = TRACK;
    visuals.widgets.inactive.weak_bg_fill = TRACK;
    visuals.widgets.hovered.weak_bg_fill = TRACK.gamma_multiply(1.3);
    visuals.widgets.active.weak_bg_fill = ACCENT.gamma_multiply(0.6);
    for w in [
        &mut visuals.widgets.inactive,
        &mut visuals.widgets.hovered,
        &mut visuals.widgets.active,
    ] {
        w.corner_radius = CornerRadius::same(3);
    }
    ctx.set_visuals(visuals);
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(SPACING, SPACING * 0.75);
        for (text_style, size) in [
            (TextStyle::Heading, 17.0),
            (TextStyle::Body, 13.0),
            (TextStyle::Small, 11.0),
            (TextStyle::Button, 13.0),
        ] {
            style
                .text_styles
                .insert(text_style, FontId::proportional(size));
        }
    });
}

/// A titled group with the panel colour, for a section of controls. Its contents stack top
/// to bottom whatever the surrounding layout, so sections can sit side by side.
pub fn section<R>(ui: &mut egui::Ui, title: &str, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    egui::Frame::new()
        .fill(PANEL)
        .corner_radius(CornerRadius::same(4))
        .inner_margin(egui::Margin::same(8))
        .show(ui, |ui| {
            ui.vertical(|ui| {
                ui.label(egui::RichText::new(title).small().color(TEXT_DIM));
                add(ui)
            })
            .inner
        })
        .inner
}

/// `add` in a column pushed down `drop` points: a switch or a selector beside knobs, level
/// with the knobs rather than with their labels.
pub fn lowered<R>(ui: &mut egui::Ui, drop: f32, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    ui.vertical(|ui| {
        ui.add_space(drop);
        add(ui)
    })
    .inner
}
