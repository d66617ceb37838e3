//! What every Mixwerk plugin shows the user, in one visual and textual language.
//!
//! - `control`: what a widget does to a parameter, as host gestures, testable without a display;
//! - `theme` and `widgets`: the egui look and the knobs, switches, meters and scopes the
//!   editors are built from (`widgets::Controls` binds them to parameters);
//! - `presets`: the preset bar (presets, A/B, undo/redo) at the top right of every editor;
//! - `window`: the editor window every plugin's editor (a `window::View`) is drawn in: its
//!   size, resizing by the host and scaling to fit, theme and parameter setter.
//!
//! Parameter text and the plugins' identity live in `plugin-kit`.

pub mod control;
pub mod linked;
pub mod masking;
pub mod presets;
pub mod strip;
pub mod theme;
pub mod widgets;
pub mod window;

pub use egui;
pub use nice_plug_egui;
