//! Dynamics: the compressor now, the limiter and the channel strip's dynamics later.
//!
//! Each stage is its own small type so that the other dynamics processors can take what they
//! need (a limiter wants the lookahead delay, the link, gain smoothing and the meter, but its
//! own peak-hold gain computation):
//!
//! | module | what it does |
//! |---|---|
//! | [`detector`] | level in dB per sample (peak or RMS) |
//! | [`stereo`] | stereo link, mid/side matrix |
//! | [`sidechain`] | the detector's 12 dB/oct high pass |
//! | [`gain_computer`] | the static curve: threshold, ratio, quadratic soft knee (log domain) |
//! | [`ballistics`] | attack/release smoothing of the gain reduction in dB; auto release |
//! | [`lookahead`] | the audio delay that lets the gain move before a transient |
//! | [`meter`] | gain reduction shared lock-free with editors |
//! | [`fast_db`] | dB ↔ gain at audio rate |
//! | [`compressor`] | all of the above as one stereo processor |

pub mod ballistics;
pub mod compressor;
pub mod detector;
pub mod fast_db;
pub mod gain_computer;
pub mod lookahead;
pub mod meter;
pub mod sidechain;
pub mod stereo;

#[cfg(test)]
mod compressor_tests;

pub use compressor::{ChannelMode, Compressor, Settings, SidechainSource};
pub use meter::GainReductionMeter;
