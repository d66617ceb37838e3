//! What every Mixwerk plugin shows the user, in one visual and textual language.
//!
//! - `text`: how values read in a host's generic editor and automation lanes, and how typed
//!   values are understood (shared by every parameter of every plugin);
//! - `control`: what a widget does to a parameter, as host gestures, testable without a display;
//! - `theme` and `widgets`: the egui look and the knobs, switches, meters and scopes the
//!   editors are built from;
//! - `window`: the editor window's size, resizing by the host and scaling to fit;
//! - `identity`: the vendor and the common audio layouts every plugin declares to the host.

pub mod control;
pub mod identity;
pub mod text;
pub mod theme;
pub mod widgets;
pub mod window;

pub use egui;
pub use nice_plug_egui;
