//! Loudness metering per EBU R128 / ITU-R BS.1770-4: momentary, short-term and integrated
//! loudness (LUFS), loudness range (LU) and true peak (dBTP), measured on the audio thread
//! and read lock-free by an editor.
//!
//! | module | what it does |
//! |---|---|
//! | [`loudness`] | the meter: K-weighting and gating (the `ebur128` crate), true peak (the limiter's detector), published every 100 ms |
//! | [`readings`] | the published figures, shared lock-free with the editor (and its reset button) |
//! | [`matching`] | loudness-matched audition: the output at the input's short-term loudness |
//! | [`target`] | delivery targets (streaming, broadcast) and how each service plays a master |
//!
//! **Why `ebur128`**: it is the Rust port of libebur128 (the meter in ffmpeg and GStreamer),
//! kept by GStreamer's maintainer, and in `Mode::HISTOGRAM` it keeps the gating blocks in two
//! fixed 1000-bin histograms instead of growing queues, so an hour of audio costs no more
//! memory than a second. Everything it allocates, it allocates in `new`; feeding it blocks
//! allocates nothing (tested with a counting allocator in `tests/no_alloc.rs`, and through
//! the plugin in the harness's allocation-checking builds), so it runs on the audio thread
//! and needs no ring buffer to another thread. The integrated loudness and range are
//! computed from the histograms (1000 bins: microseconds) when published.

pub mod loudness;
pub mod matching;
pub mod readings;
pub mod target;

pub use loudness::LoudnessMeter;
pub use readings::LoudnessReadings;
