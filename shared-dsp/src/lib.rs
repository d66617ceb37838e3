//! Mixwerk's DSP: every processor of the suite, free of any plugin framework.
//!
//! Every processor has the same shape, written down as the traits of [`processor`]:
//! `new(sample_rate, max_block_len)` allocates all it will ever need; `update(&Settings)` is
//! cheap and never allocates; `process(left, right)` works in place on any length;
//! `reset()` clears state; `latency_samples()` says exactly how much it delays.

pub mod analysis;
pub mod bypass;
pub mod chorus;
pub mod convolution;
pub mod delay;
pub mod delay_line;
pub mod demo;
pub mod dynamics;
pub mod envelope;
pub mod eq;
pub mod exchange;
pub mod filter_shape;
pub mod gain;
pub mod heap;
pub mod kernel;
pub mod lane;
pub mod meter;
pub mod monitor;
pub mod pan;
pub mod processor;
pub mod reverb;
pub mod smoother;
pub mod strip;
pub mod svf;

#[cfg(test)]
mod robust_tests;
#[cfg(test)]
mod test_support;
