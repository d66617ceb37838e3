//! Widgets bound to nice-plug parameters (through `control::Control`, so every change is a
//! host gesture), meters and plots, in the theme's look.

mod knob;
mod meter;
mod scope;
mod switch;

pub use knob::knob;
pub use meter::{correlation_meter, gain_reduction_meter, level_meter};
pub use scope::vectorscope;
pub use switch::{selector, toggle};
