//! Loudness metering per EBU R128 / ITU-R BS.1770-4: momentary, short-term and integrated
//! loudness (LUFS), loudness range (LU) and true peak (dBTP), measured on the audio thread
//! and read lock-free by an editor.
//!
//! | module | what it does |
//! |---|---|
//! | [`loudness`] | the meter: momentary, short-term, integrated, range and true peak, published every 100 ms; only the integrated part works while nobody reads it |
//! | [`k_weighting`] | BS.1770's K-weighting filter and the K-weighted energy of a block |
//! | [`gating`] | the gated statistics (integrated loudness, loudness range) in fixed histograms |
//! | [`readings`] | the published figures, shared lock-free with the editor (and its reset button) |
//! | [`matching`] | loudness-matched audition: the output at the input's short-term loudness |
//! | [`target`] | delivery targets (streaming, broadcast) and how each service plays a master |
//!
//! **Why our own and not the `ebur128` crate** (which the meter used until issue 18): the
//! crate is correct and allocation-free in its histogram mode, but slow where a master
//! meter runs for every sample: its K-weighting is one 4th-order direct form per channel in
//! turn, and it sums the squared samples again for every window it reports. The loudness
//! meter cost as much as the whole sample-peak limiter. Here the K-weighted energy is summed
//! once per 100 ms hop and everything else is built from those sums; the crate stays in the
//! tests as the independent reference (integrated loudness equal within 0.02 LU at 44.1, 48
//! and 96 kHz, plus EBU Tech 3341/3342's own cases). Nothing allocates after `new` (tested
//! with a counting allocator in `tests/no_alloc.rs`, and through the plugins in the
//! harness's allocation-checking builds).

pub mod gating;
pub mod k_weighting;
pub mod loudness;
pub mod matching;
pub mod readings;
pub mod target;

pub use loudness::LoudnessMeter;
pub use readings::LoudnessReadings;
