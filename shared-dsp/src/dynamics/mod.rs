//! Dynamics: the compressor, the limiter and the channel strip's gate.
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
//! | [`true_peak`] | peak estimation between samples (BS.1770-4 Annex 2 and a centred sinc) |
//! | [`window_min`] | sliding-window minimum: the limiter's peak hold |
//! | [`moving_average`] | exact cascaded box filters: smoothing that cannot overshoot |
//! | [`dither`] | TPDF dither to 16 or 24 bits |
//! | [`limiter`] | the brickwall true-peak lookahead limiter |
//! | [`grouped_gain`] | the limiter's sample-peak gain path, once per group of 16 samples |
//! | [`dry_path`] | the limiter's bypass: the delayed input and the glide to it |
//! | [`oversampling`] | linear-phase 2×/4×/8× half-band up- and downsampling |
//! | [`oversampled_limiter`] | the limiter with its gain stage at 2, 4 or 8 times the rate |
//! | [`learn`] | the limiter's Learn: the drive that lands the output on a loudness target |
//! | [`gate`] | gate / expander with range, hysteresis and hold (the channel strip's) |

pub mod ballistics;
pub mod compressor;
pub mod detector;
pub mod dither;
pub mod dry_path;
pub mod fast_db;
pub mod gain_computer;
pub mod gate;
pub mod grouped_gain;
pub mod learn;
pub mod limiter;
pub mod lookahead;
pub mod meter;
pub mod moving_average;
pub mod oversampled_limiter;
pub mod oversampling;
pub mod sidechain;
pub mod stereo;
pub mod true_peak;
pub mod window_min;

#[cfg(test)]
mod compressor_tests;
#[cfg(test)]
mod limiter_tests;
#[cfg(test)]
mod oversampled_limiter_tests;

pub use compressor::{ChannelMode, Compressor, Settings, SidechainSource};
pub use gate::Gate;
pub use limiter::Limiter;
pub use meter::GainReductionMeter;
