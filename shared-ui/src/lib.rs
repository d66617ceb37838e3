//! What every Mixwerk plugin shows the user, in one visual and textual language.
//!
//! For now this is the parameter text (`text`): how values read in a host's generic editor
//! and automation lanes, and how typed values are understood. The egui theme and widgets
//! join it in the editors issue.

pub mod text;
