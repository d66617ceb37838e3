//! Editor windows: resizable by the host, following its DPI scale, the same for every editor.
//!
//! **DPI**: nice-plug-egui takes the scale factor from the system (baseview) or from the host
//! (CLAP `gui.set_scale`, VST3 content scale) and egui draws points at that factor; every
//! size in the editors is in points, so they follow it with nothing more to do.
//!
//! **Resizing**: each editor is laid out for one base size in points. The host may resize the
//! window, keeping the aspect ratio, from [`MIN_SCALE`] to [`MAX_SCALE`] of the base; [`fit`]
//! then sets egui's zoom so that the base size fills the window, and the whole editor (text,
//! knobs, plots) scales with it rather than leaving empty space or cutting controls off. This
//! is what mix engineers expect from a plugin window: bigger, not rearranged.
//!
//! **One window for every editor**: a plugin's editor is a [`View`] (its title, base size and
//! what it draws); [`create`] makes it the nice-plug editor, and [`App`] does what every editor
//! window does around it: the theme when it opens, [`fit`] every frame, the central panel, and
//! the parameter setter as [`Controls`].

use std::sync::Arc;

use egui::Vec2;
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::ResizeHint;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::prelude::TrackInfo;
use nice_plug_egui::{
    EguiEditor, EguiEditorState, EguiNiceSettings, NiceEguiApp, RepaintNotifier, create_egui_editor,
};

use crate::presets::{PresetBar, Recorder};
use crate::theme;
use crate::widgets::Controls;

/// The smallest and largest window, as a factor of the base size.
pub const MIN_SCALE: f32 = 0.6;
pub const MAX_SCALE: f32 = 3.0;

/// The editor state for the editor `V` (opens at its base size, zoom 1), which the plugin
/// keeps (the host's size, whether it is open) and passes to [`create`].
pub fn default_state<V: View>() -> Arc<EguiEditorState> {
    let base = V::SIZE;
    EguiEditorState::from_size(LogicalSize::new(base.x as f64, base.y as f64), 1.0)
}

/// The window settings every editor uses: `title`, and resizable by the host with the aspect
/// ratio of `base` kept, between [`MIN_SCALE`] and [`MAX_SCALE`] of it.
pub fn settings(title: &str, base: Vec2) -> EguiNiceSettings {
    EguiNiceSettings::new()
        .with_tile(title)
        .with_resize_hint(resize_hint(base))
}

/// The resize hint for an editor laid out at `base` points (sizes in logical pixels, before
/// the DPI factor).
pub fn resize_hint(base: Vec2) -> ResizeHint {
    let size = |k: f32| Some(LogicalSize::new(base.x * k, base.y * k));
    let mut hint = ResizeHint::RESIZABLE
        .with_min_max_logical_size(size(MIN_SCALE), size(MAX_SCALE))
        .with_aspect_ratio(
            base.x.round().max(1.0) as u32,
            base.y.round().max(1.0) as u32,
        );
    hint.preserve_aspect_ratio = true;
    hint
}

/// The zoom at which `base` points fill a `window` (logical pixels) without overflowing it.
pub fn fit_zoom(window: Vec2, base: Vec2) -> f32 {
    let zoom = (window.x / base.x).min(window.y / base.y);
    if zoom.is_finite() {
        zoom.clamp(MIN_SCALE, MAX_SCALE)
    } else {
        1.0
    }
}

/// Call first in every frame: zooms the editor so that its `base` size fills the window.
///
/// egui-baseview keeps the window's size in points when the zoom changes (it resizes the
/// window by the zoom ratio, which is right for a user's Ctrl+/- but would undo a host's
/// resize). So in the first frame at a new zoom this asks for the window size it already
/// has, in the new points, and the window stays as the host made it.
pub fn fit(ctx: &egui::Context, base: Vec2) {
    let zoom = ctx.zoom_factor();
    let points = ctx.content_rect().size();
    let id = egui::Id::unique("mixwerk-window-zoom");
    let last: Option<f32> = ctx.data(|d| d.get_temp(id));
    if last.is_some_and(|l| l != zoom) {
        ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(points));
    }
    ctx.data_mut(|d| d.insert_temp(id, zoom));
    let want = fit_zoom(points * zoom, base);
    if (want - zoom).abs() > 1e-3 * zoom {
        ctx.set_zoom_factor(want);
    }
}

/// A plugin's editor, as [`App`] runs it.
pub trait View: Send + 'static {
    /// The window's title and the editor's heading: the plugin's name.
    const TITLE: &'static str;
    /// The size the editor is laid out for, in points.
    const SIZE: Vec2;

    /// When the window opens, after the theme is applied.
    fn opened(&mut self, ctx: &egui::Context, controls: &Controls) {
        let _ = (ctx, controls);
    }

    /// One frame, drawn into the window's central panel.
    fn ui(&mut self, ui: &mut egui::Ui, controls: &Controls);

    /// When the window has closed (it may open again later).
    fn closed(&mut self) {}

    /// The host's name and colour for the plugin's track: when the window opens, and whenever
    /// the host changes them while it is open.
    fn track_info(&mut self, info: TrackInfo) {
        let _ = info;
    }
}

/// A [`View`] in an editor window (the `NiceEguiApp` nice-plug-egui runs), with the preset
/// bar at its top right.
pub struct App<V> {
    view: V,
    bar: PresetBar,
    open: Option<Open>,
}

/// What an open window talks to: the host's context for the preset bar, and the recording
/// one the view's widgets use (so that undo sees the editor's own gestures).
struct Open {
    host: GuiContext,
    recorder: Arc<Recorder>,
    view: GuiContext,
}

/// The editor a plugin returns for `view`.
pub type Editor<V> = EguiEditor<App<V>>;

/// The editor for `view`: its window titled and sized by the view (see [`settings`]),
/// repainted when the audio thread asks through `repaint`.
pub fn create<V: View>(
    state: Arc<EguiEditorState>,
    repaint: RepaintNotifier,
    view: V,
    bar: PresetBar,
) -> Option<Editor<V>> {
    let app = App {
        view,
        bar,
        open: None,
    };
    create_egui_editor(state, repaint, settings(V::TITLE, V::SIZE), app)
}

impl<V: View> NiceEguiApp for App<V> {
    fn build(
        &mut self,
        ctx: egui::Context,
        gui: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        theme::apply(&ctx);
        self.view.track_info(gui.track_info());
        let recorder = Recorder::new(gui.clone());
        let view = GuiContext::new(recorder.clone());
        self.view.opened(&ctx, &Controls::new(&view.param_setter()));
        self.bar.rescan();
        self.open = Some(Open {
            host: gui,
            recorder,
            view,
        });
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        fit(ui.ctx(), V::SIZE);
        let Some(open) = &self.open else { return };
        let setter = open.view.param_setter();
        let controls = Controls::new(&setter);
        egui::CentralPanel::default().show(ui, |ui| self.view.ui(ui, &controls));
        self.bar.observe(&open.recorder);
        let bar = &mut self.bar;
        egui::Area::new(egui::Id::unique("mixwerk-preset-bar"))
            .anchor(egui::Align2::RIGHT_TOP, egui::vec2(-10.0, 7.0))
            .show(ui.ctx(), |ui| {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    bar.ui(ui, &open.host)
                })
            });
    }

    fn editor_closed(&mut self) {
        self.open = None;
        self.view.closed();
    }

    fn track_info_changed(&mut self, info: TrackInfo) {
        self.view.track_info(info);
    }
}

/// The editor's first line: its heading (the plugin's name) and, after it, `status` (what the
/// editor sums up of the settings or the signal), if any.
pub fn heading(ui: &mut egui::Ui, title: &str, status: Option<egui::RichText>) {
    ui.horizontal(|ui| {
        ui.heading(title);
        if let Some(status) = status {
            ui.add_space(16.0);
            ui.label(status);
        }
    });
}

/// The editor half of a Mixwerk plugin's `impl Plugin`, written inside it: `type Editor` (the
/// window around the view `$view`), no SysEx, the background task (`()` unless given),
/// `params()` handing out `self.params`, and `editor()` opening the view with
/// `$view::new(self.field.clone(), …)` over the listed fields, repainted through
/// `self.$repaint`, with the preset bar over the plugin's `presets` module. Every plugin keeps
/// its editor state in `self.frame` (`plugin_kit::frame`).
///
/// ```text
/// shared_ui::plugin_editor!(editor::Delay { params, analysis }, repaint: analysis.repaint);
/// ```
// `crate::presets` is the plugin's own module, where the macro is used.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! plugin_editor {
    (
        $view:ty { $($field:ident),+ $(,)? },
        repaint: $($repaint:ident).+
        $(, background: $task:ty)? $(,)?
    ) => {
        type Editor = $crate::window::Editor<$view>;
        type SysExMessage = ();
        type BackgroundTask = $crate::plugin_editor!(@task $($task)?);

        fn params(&self) -> ::std::sync::Arc<dyn ::nice_plug::prelude::Params> {
            self.params.clone()
        }

        fn editor(
            &mut self,
            _executor: ::nice_plug::prelude::AsyncExecutor<Self>,
        ) -> Option<Self::Editor> {
            $crate::window::create(
                self.frame.editor_state(),
                self.$($repaint).+.clone(),
                <$view>::new($(self.$field.clone()),+),
                $crate::presets::PresetBar::new(crate::presets::library(), self.params.clone()),
            )
        }
    };
    (@task) => { () };
    (@task $task:ty) => { $task };
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::vec2;

    #[test]
    fn the_base_size_fills_the_window() {
        let base = vec2(900.0, 560.0);
        assert_eq!(fit_zoom(base, base), 1.0);
        assert!((fit_zoom(base * 1.5, base) - 1.5).abs() < 1e-6);
        // A window of another shape: the base fits the narrower way, nothing is cut off.
        assert!((fit_zoom(vec2(1800.0, 700.0), base) - 1.25).abs() < 1e-6);
        assert!((fit_zoom(vec2(1000.0, 1200.0), base) - 1000.0 / 900.0).abs() < 1e-6);
        // Clamped to the sizes the hint allows; degenerate sizes read as 1.
        assert_eq!(fit_zoom(vec2(10.0, 10.0), base), MIN_SCALE);
        assert_eq!(fit_zoom(vec2(1e5, 1e5), base), MAX_SCALE);
        assert_eq!(fit_zoom(vec2(500.0, 500.0), vec2(0.0, 0.0)), 1.0);
    }

    #[test]
    fn the_hint_keeps_the_aspect_ratio_within_limits() {
        use nice_plug::editor::SizeConstraints;
        let hint = resize_hint(vec2(900.0, 560.0));
        assert!(hint.can_resize && hint.can_resize_horizontally && hint.can_resize_vertically);
        assert!(hint.preserve_aspect_ratio);
        assert_eq!(
            (hint.aspect_ratio_width, hint.aspect_ratio_height),
            (900, 560)
        );
        let SizeConstraints::Logical {
            min_size: Some(min),
            max_size: Some(max),
        } = hint.size_constraints
        else {
            panic!("logical limits expected")
        };
        assert_eq!((min.width, min.height), (540.0, 336.0));
        assert_eq!((max.width, max.height), (2700.0, 1680.0));
    }
}
