//! Ducking: the echoes step back while the input plays and come up in its gaps, so a vocal
//! stays clear and the delay fills the pauses. Only the wet output is ducked; the loop keeps
//! running, so the echoes are all there when the gain comes back.
//!
//! The input's peak level over each control chunk sets how deep to duck, between none at
//! [`FLOOR_DBFS`] and all of `amount` at [`FULL_DBFS`] (proportional in dB in between): any
//! part that is clearly playing ducks fully, silence and room noise not at all, without a
//! threshold to set. That depth goes through an [`EnvelopeFollower`] (peak mode) with a fixed
//! [`ATTACK_MS`] and the user's release, and the wet gain is `−amount × depth` dB. The gain is
//! computed once per chunk and ramped linearly across the next one.
//!
//! The release is the follower's time constant: after the input stops, the reduction falls to
//! 1/e of `amount` (in dB) after `release_ms`.

use crate::envelope::{Detector, EnvelopeFollower};
use crate::gain::db_to_gain;
use crate::kernel::sanitize::finite_clamped_or;

/// Input peak level (dBFS) below which nothing is ducked.
pub const FLOOR_DBFS: f32 = -50.0;
/// Input peak level (dBFS) from which the full amount is ducked.
pub const FULL_DBFS: f32 = -20.0;
/// How fast the echoes step back when the input starts: quick enough to clear the first
/// syllable, slow enough not to modulate the echoes audibly.
pub const ATTACK_MS: f32 = 5.0;
/// Deepest ducking.
pub const MAX_AMOUNT_DB: f32 = 40.0;

#[derive(Clone, Debug)]
pub struct Ducker {
    follower: EnvelopeFollower<f32>,
    amount_db: f32,
}

impl Ducker {
    /// `chunk_rate` is the rate at which [`Ducker::next_gain`] is called (fs / chunk).
    pub fn new(chunk_rate: f32, amount_db: f32, release_ms: f32) -> Self {
        let mut d = Self {
            follower: EnvelopeFollower::new(chunk_rate, ATTACK_MS, release_ms, Detector::Peak),
            amount_db: 0.0,
        };
        d.set(amount_db, release_ms);
        d
    }

    pub fn set(&mut self, amount_db: f32, release_ms: f32) {
        self.amount_db = finite_clamped_or(amount_db, 0.0, MAX_AMOUNT_DB, 0.0);
        self.follower.set_release_ms(release_ms);
    }

    pub fn reset(&mut self) {
        self.follower.reset();
    }

    /// How deep the input at `peak` (linear) asks to duck, 0 … 1.
    #[inline]
    pub fn depth(peak: f32) -> f32 {
        if peak.is_nan() || peak <= 0.0 {
            return 0.0;
        }
        let db = 20.0 * peak.log10();
        ((db - FLOOR_DBFS) / (FULL_DBFS - FLOOR_DBFS)).clamp(0.0, 1.0)
    }

    /// Feeds one chunk's input peak and returns the wet gain (linear) to reach by the end of
    /// the next chunk.
    #[inline]
    pub fn next_gain(&mut self, peak: f32) -> f32 {
        if self.amount_db == 0.0 {
            // Off: no detector work (it catches up within the attack time when switched on).
            return 1.0;
        }
        let depth = self.follower.process_sample(Self::depth(peak));
        db_to_gain(-self.amount_db * depth)
    }

    /// The gain for the current state, without feeding anything (after a reset: 1).
    pub fn gain(&self) -> f32 {
        db_to_gain(-self.amount_db * self.follower.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_law() {
        let at = |dbfs: f32| Ducker::depth(10f32.powf(dbfs / 20.0));
        assert_eq!(at(-60.0), 0.0);
        assert!(at(-50.0).abs() < 1e-5);
        assert!((at(-35.0) - 0.5).abs() < 1e-5);
        assert!((at(-20.0) - 1.0).abs() < 1e-5);
        assert_eq!(at(0.0), 1.0);
        assert_eq!(Ducker::depth(0.0), 0.0);
        assert_eq!(Ducker::depth(f32::NAN), 0.0);
        assert_eq!(Ducker::depth(f32::INFINITY), 1.0);
    }
}
