//! Gain reduction for meters, shared lock-free between the audio thread and an editor.
//!
//! The audio thread [`record`](GainReductionMeter::record)s the largest gain reduction of each
//! block per channel; a reader [`take`](GainReductionMeter::take)s the largest since its last
//! read and resets it. Readers polling at 30–60 Hz therefore never miss a short peak that
//! happened between two frames, and several blocks between reads cost nothing more.
//!
//! Each value is an f32 in an `AtomicU32`: for non-negative floats the bit patterns order
//! exactly like the values, so "keep the larger" is a single wait-free `fetch_max` on the
//! bits. No lock, no allocation, and no dependency (std atomics only).

use std::sync::atomic::{AtomicU32, Ordering};

/// Per-channel peak gain reduction in dB (≥ 0) since the last read.
#[derive(Debug, Default)]
pub struct GainReductionMeter {
    channels: [AtomicU32; 2],
}

impl GainReductionMeter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Raises each channel's held value to `db` if larger (audio thread; wait-free).
    /// Negative and NaN values count as 0 dB.
    pub fn record(&self, db: [f32; 2]) {
        for (slot, v) in self.channels.iter().zip(db) {
            // `max(0.0)` also maps NaN to 0, so only non-negative bit patterns are stored.
            slot.fetch_max(v.max(0.0).to_bits(), Ordering::Relaxed);
        }
    }

    /// The held values without resetting them.
    pub fn peek(&self) -> [f32; 2] {
        self.channels
            .each_ref()
            .map(|c| f32::from_bits(c.load(Ordering::Relaxed)))
    }

    /// The held values, resetting them to 0 dB (reader side).
    pub fn take(&self) -> [f32; 2] {
        self.channels
            .each_ref()
            .map(|c| f32::from_bits(c.swap(0, Ordering::Relaxed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_the_largest_value_until_taken() {
        let m = GainReductionMeter::new();
        assert_eq!(m.peek(), [0.0, 0.0]);
        m.record([3.5, 0.25]);
        m.record([1.0, 12.0]);
        m.record([f32::NAN, -4.0]);
        assert_eq!(m.peek(), [3.5, 12.0]);
        assert_eq!(m.take(), [3.5, 12.0]);
        assert_eq!(m.take(), [0.0, 0.0]);
        m.record([0.1, 100.0]);
        assert_eq!(m.take(), [0.1, 100.0]);
    }

    #[test]
    fn concurrent_writers_and_a_reader_never_lose_the_peak() {
        let m = std::sync::Arc::new(GainReductionMeter::new());
        let writer = {
            let m = m.clone();
            std::thread::spawn(move || {
                for i in 0..100_000 {
                    m.record([
                        (i % 1000) as f32 * 0.01,
                        if i == 77_777 { 42.0 } else { 1.0 },
                    ]);
                }
            })
        };
        let mut seen = [0.0f32; 2];
        while !writer.is_finished() {
            let v = m.take();
            seen = [seen[0].max(v[0]), seen[1].max(v[1])];
        }
        writer.join().unwrap();
        let v = m.take();
        seen = [seen[0].max(v[0]), seen[1].max(v[1])];
        assert_eq!(seen, [999.0f32 * 0.01, 42.0]);
    }
}
