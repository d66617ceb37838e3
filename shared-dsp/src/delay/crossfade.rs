//! "Clean" time changes: instead of moving the read head (which bends the pitch, see
//! `tape`), a second read head starts at the new time and the output crossfades from the old
//! head to the new one. Nothing is resampled, so the echoes keep their pitch; during the fade
//! both the old and the new echo are heard.
//!
//! Why a linear fade: the two heads read the same recording at two times, so for small time
//! changes they are strongly correlated and gains summing to one keep the level exactly; for
//! large changes they are unrelated and the middle of the fade dips by 3 dB for a few tens of
//! milliseconds, which is inaudible next to the jump itself. A linear fade also has the
//! smallest largest slope of any fade of the same length, and that slope is what a fade adds
//! to the output's sample-to-sample steps: with both heads at most A in amplitude,
//! |Δy| ≤ max(|Δa|, |Δb|) + 2A / [`FADE_MS`]·fs. That bound is the margin the click test
//! allows.
//!
//! A time change that arrives during a fade waits for the fade to finish, then fades again to
//! the latest time: an automation ramp becomes a chain of fades that ends exactly on the
//! final time. Fades start on control-chunk boundaries and last a whole number of chunks, so
//! the fade state only changes between chunks.

/// Length of one crossfade. Long enough that the fade's own slope (2/1440 of full scale per
/// sample at 48 kHz) is far below any audible step, short enough to follow automation.
pub const FADE_MS: f64 = 30.0;

/// Two read positions (samples of delay) per channel and the fade between them.
#[derive(Clone, Debug)]
pub struct Crossfade {
    /// The heads currently heard (fading out while a fade runs).
    pub from: [f64; 2],
    /// The heads fading in.
    pub to: [f64; 2],
    /// Samples of the running fade still to go (0: no fade).
    left: usize,
    /// Fade length in samples, a whole number of chunks.
    len: usize,
}

impl Crossfade {
    pub fn new(sample_rate: f64, chunk: usize, initial: [f64; 2]) -> Self {
        let chunks = (FADE_MS * 1e-3 * sample_rate / chunk as f64)
            .round()
            .max(1.0) as usize;
        Self {
            from: initial,
            to: initial,
            left: 0,
            len: chunks * chunk,
        }
    }

    pub fn is_fading(&self) -> bool {
        self.left > 0
    }

    /// Per-sample increment of the fade gain.
    pub fn step(&self) -> f32 {
        1.0 / self.len as f32
    }

    /// Gain of the incoming heads at the start of the current chunk (0 when not fading).
    pub fn gain(&self) -> f32 {
        if self.left == 0 {
            0.0
        } else {
            (self.len - self.left) as f32 / self.len as f32
        }
    }

    /// At a chunk boundary: starts a fade to `target` if the heads are not there and no fade
    /// is running. Returns whether a fade is running in the coming chunk.
    pub fn begin_chunk(&mut self, target: [f64; 2]) -> bool {
        if self.left == 0 && self.from != target {
            self.to = target;
            self.left = self.len;
        }
        self.left > 0
    }

    /// After a chunk of `n` samples: counts the fade down; when it is done, the new heads
    /// become the current ones.
    pub fn end_chunk(&mut self, n: usize) {
        if self.left > 0 {
            self.left = self.left.saturating_sub(n);
            if self.left == 0 {
                self.from = self.to;
            }
        }
    }

    /// Jumps to `pos` without a fade (reset, activation).
    pub fn jump(&mut self, pos: [f64; 2]) {
        self.from = pos;
        self.to = pos;
        self.left = 0;
    }

    /// The tape mode moves the current heads itself; a fade must not be running then.
    pub fn set_from(&mut self, pos: [f64; 2]) {
        if self.left == 0 {
            self.from = pos;
            self.to = pos;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fades_take_whole_chunks_and_chain_to_the_latest_target() {
        let mut x = Crossfade::new(48_000.0, 32, [100.0, 100.0]);
        // 30 ms at 48 kHz = 1440 samples = 45 chunks.
        assert!(!x.begin_chunk([100.0, 100.0]));
        assert!(x.begin_chunk([200.0, 100.0]));
        let mut gains = vec![];
        for k in 0..45 {
            // A newer target during the fade does not restart it.
            assert!(x.begin_chunk(if k < 20 {
                [200.0, 100.0]
            } else {
                [300.0, 100.0]
            }));
            gains.push(x.gain());
            x.end_chunk(32);
        }
        assert!(!x.is_fading());
        assert_eq!(x.from, [200.0, 100.0]);
        // The gain rises linearly by one chunk's worth per chunk.
        for (k, g) in gains.iter().enumerate() {
            assert!((g - k as f32 * 32.0 / 1440.0).abs() < 1e-6);
        }
        assert!((x.step() - 1.0 / 1440.0).abs() < 1e-9);
        // Then the pending target gets its own fade.
        assert!(x.begin_chunk([300.0, 100.0]));
        assert_eq!(x.to, [300.0, 100.0]);
    }
}
