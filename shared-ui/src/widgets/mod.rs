//! Widgets bound to nice-plug parameters (through `control::Control`, so every change is a
//! host gesture), meters and plots, in the theme's look.

mod controls;
pub mod eq_curve;
mod fader;
mod file_browser;
mod history;
mod knob;
mod meter;
pub mod plot;
mod scope;
mod spectrum;
mod switch;

pub use controls::Controls;
pub use fader::{FADER_WIDTH, fader, fader_marks};
pub use file_browser::{Entry, FileBrowser, file_browser, home_dir, shorten_left};
pub use history::{columns, history_strip};
pub use knob::{KnobSize, knob, knob_sized};
pub use meter::{
    FIGURE_FLOOR_DB, LEVEL_SCALE_WIDTH, METER_WIDTH, PeakHold, RELEASE_DB_PER_S, StereoLevels,
    amplitude_db, correlation_meter, figure_text, gain_reduction_bar, gain_reduction_meter,
    gain_reduction_meter_range, level_meter, level_scale, loudness_reset, meter_fraction,
    meter_release, readout, readout_sized,
};
pub use plot::{Axis, Plot, Scale, plot_size};
pub use scope::vectorscope;
pub use spectrum::spectrum;
pub use switch::{selector, selector_width, toggle, toggle_sized};
