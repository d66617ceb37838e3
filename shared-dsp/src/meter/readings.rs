//! The meter's figures for an editor: plain values in atomics (no lock, no allocation on
//! either side; the audio thread never waits for a reader), plus the editor's request to
//! start a new integrated measurement.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::analysis::SharedF32;

/// What the loudness meter last published. Loudness values are −∞ while there is nothing to
/// measure yet (silence, or less than a window of audio).
#[derive(Debug)]
pub struct LoudnessReadings {
    /// LUFS over the last 400 ms.
    pub momentary: SharedF32,
    /// LUFS over the last 3 s.
    pub short_term: SharedF32,
    /// Gated LUFS since the last reset.
    pub integrated: SharedF32,
    /// Loudness range in LU since the last reset (EBU Tech 3342).
    pub range: SharedF32,
    /// Largest true peak of any channel since the last reset, dBTP.
    pub true_peak: SharedF32,
    reset: AtomicBool,
}

impl Default for LoudnessReadings {
    fn default() -> Self {
        let silent = || SharedF32::new(f32::NEG_INFINITY);
        Self {
            momentary: silent(),
            short_term: silent(),
            integrated: silent(),
            range: SharedF32::new(0.0),
            true_peak: silent(),
            reset: AtomicBool::new(false),
        }
    }
}

impl LoudnessReadings {
    pub fn new() -> Self {
        Self::default()
    }

    /// Editor: start the integrated loudness, range and true peak afresh (the audio thread
    /// acts on it at its next block).
    pub fn request_reset(&self) {
        self.reset.store(true, Ordering::Release);
    }

    /// Audio thread: whether a reset was requested since the last call (and clears it).
    pub fn take_reset_request(&self) -> bool {
        self.reset.swap(false, Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_requests_are_taken_once() {
        let r = LoudnessReadings::new();
        assert!(!r.take_reset_request());
        r.request_reset();
        r.request_reset();
        assert!(r.take_reset_request());
        assert!(!r.take_reset_request());
        assert_eq!(r.integrated.load(), f32::NEG_INFINITY);
    }
}
