//! "Tape" time changes: the read head glides to the new delay time, and the pitch bends while
//! it moves, as when the capstan speed of a tape echo is turned.
//!
//! The read position follows its target with a one-pole (exponential) glide of time constant
//! [`GLIDE_MS`], whose speed is limited to [`MAX_SPEED`] samples of delay per sample. While
//! the delay changes at a rate d' (samples per sample), what was recorded at rate 1 plays
//! back at rate 1 − d', so the pitch is scaled by 1 − d': the limit keeps it between ×0.5 and
//! ×1.5 (an octave down, a fifth up) however far the time jumps, and the output never runs
//! backwards through the buffer. The read position is continuous and read with cubic
//! interpolation, so nothing clicks; a long jump (10 ms → 1 s) becomes a dive of about
//! two seconds, a tempo change from 120 to 90 BPM on a 1/4 delay (500 → 667 ms) about a
//! third of a second at 48 kHz — the sound of a tape delay following the tempo.
//!
//! The glide is evaluated once per control chunk (see the module docs of `delay`) and the
//! read position interpolated linearly within the chunk, so the pitch is constant over a
//! chunk (0.7 ms at 44.1 kHz) and the law costs nothing per sample.

/// Time constant of the exponential approach: after 100 ms, 63 % of a small change is done.
pub const GLIDE_MS: f64 = 100.0;

/// Largest rate of change of the delay, in samples per sample (pitch between ×0.5 and ×1.5).
pub const MAX_SPEED: f64 = 0.5;

/// Distance (samples) below which the glide lands exactly on its target, so that a settled
/// delay reads at exactly the set time (integer times read exact samples).
const SNAP_SAMPLES: f64 = 1e-4;

/// The glide law, evaluated per chunk.
#[derive(Clone, Debug)]
pub struct TapeGlide {
    /// Decay of the remaining distance over one chunk: exp(−chunk / (τ·fs)).
    coef: f64,
    /// Largest move over one chunk.
    max_step: f64,
}

impl TapeGlide {
    pub fn new(sample_rate: f64, chunk: usize) -> Self {
        let tau = GLIDE_MS * 1e-3 * sample_rate.max(1.0);
        Self {
            coef: (-(chunk as f64) / tau).exp(),
            max_step: MAX_SPEED * chunk as f64,
        }
    }

    /// Where a read head at `pos` is one chunk later when heading for `target`.
    #[inline]
    pub fn next(&self, pos: f64, target: f64) -> f64 {
        let remaining = pos - target;
        if remaining.abs() <= SNAP_SAMPLES {
            return target;
        }
        let step = (-remaining * (1.0 - self.coef)).clamp(-self.max_step, self.max_step);
        let next = pos + step;
        if (next - target).abs() <= SNAP_SAMPLES {
            target
        } else {
            next
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_changes_glide_with_the_time_constant() {
        // 10 samples of change at 48 kHz: far below the speed limit, so a pure exponential;
        // after τ (4800 samples = 150 chunks of 32) 1 − 1/e of the way is covered.
        let glide = TapeGlide::new(48_000.0, 32);
        let mut pos = 1_000.0;
        for _ in 0..150 {
            pos = glide.next(pos, 1_010.0);
        }
        let covered = (pos - 1_000.0) / 10.0;
        assert!(
            (covered - (1.0 - (-1.0f64).exp())).abs() < 1e-9,
            "{covered}"
        );
    }

    #[test]
    fn large_jumps_are_speed_limited_and_land_exactly() {
        let glide = TapeGlide::new(48_000.0, 32);
        let (from, to) = (480.0, 48_000.0); // 10 ms → 1 s
        let mut pos = from;
        let mut chunks = 0;
        while pos != to {
            let next = glide.next(pos, to);
            // Never faster than the limit: pitch stays within ×0.5 … ×1.5.
            assert!((next - pos).abs() <= MAX_SPEED * 32.0 + 1e-9);
            assert!(next <= to, "overshoot");
            pos = next;
            chunks += 1;
            assert!(chunks < 100_000, "never arrived");
        }
        // At least as long as the speed limit allows: (to − from) / 0.5 samples.
        assert!(chunks as f64 * 32.0 >= (to - from) / MAX_SPEED);
        println!(
            "tape glide 10 ms → 1 s at 48 kHz: {:.2} s",
            chunks as f64 * 32.0 / 48_000.0
        );
    }
}
