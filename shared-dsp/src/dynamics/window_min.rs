//! Sliding-window minimum: the smallest of the last `window` values, in O(1) amortised per
//! sample, for a limiter's peak hold (the smallest gain any sample in the lookahead needs).
//!
//! The classic monotonic deque (Lemire 2006, "Streaming maximum-minimum filter using no more
//! than three comparisons per element"): candidates are kept in increasing order of value
//! and time; a new value removes every older candidate that is not smaller (they can never
//! be the minimum again while it is in the window), and the front leaves once it is older
//! than the window. Each value enters and leaves once, so a block costs O(block) whatever
//! the window. The deque lives in a preallocated power-of-two ring (no allocation after
//! [`new`](WindowMin::new)), and a second ring keeps the raw history so that the window can
//! be changed on the fly ([`set_window`](WindowMin::set_window) rebuilds the deque from it).

use crate::gain::within;

#[derive(Clone, Debug)]
pub struct WindowMin {
    /// Deque of candidates (value, time), ring-indexed by `head..tail`.
    values: Box<[f32]>,
    times: Box<[u32]>,
    mask: usize,
    head: usize,
    tail: usize,
    /// The raw values, for rebuilding: `history[(now − k) & history_mask]` is k pushes ago
    /// (k ≥ 1).
    history: Box<[f32]>,
    history_mask: usize,
    /// Pushes so far (wrapping).
    now: u32,
    window: usize,
    max_window: usize,
}

impl WindowMin {
    /// Room for windows up to `max_window` values and a history of at least `history`
    /// values for [`min_of_last`](Self::min_of_last). The only allocation.
    pub fn new(max_window: usize, history: usize) -> Self {
        let max_window = max_window.max(1);
        let cap = (max_window + 1).next_power_of_two();
        let hist = history.max(max_window).next_power_of_two();
        Self {
            values: vec![0.0; cap].into_boxed_slice(),
            times: vec![0; cap].into_boxed_slice(),
            mask: cap - 1,
            head: 0,
            tail: 0,
            history: vec![1.0; hist].into_boxed_slice(),
            history_mask: hist - 1,
            now: 0,
            window: max_window,
            max_window,
        }
    }

    pub fn window(&self) -> usize {
        self.window
    }

    /// Forgets everything; the history reads `fill` (what "nothing happened" means to the
    /// caller: a gain of 1 for a limiter).
    pub fn reset(&mut self, fill: f32) {
        self.head = 0;
        self.tail = 0;
        self.history.fill(fill);
    }

    /// Changes the window length (clamped to 1…max) and rebuilds the deque from the history,
    /// so the next minimum already covers the new window. O(window).
    pub fn set_window(&mut self, window: usize) {
        self.window = within(window, 1, self.max_window);
        self.head = 0;
        self.tail = 0;
        let n = self.window.min(self.history.len());
        let now = self.now;
        for k in (1..=n).rev() {
            let t = now.wrapping_sub(k as u32);
            let v = self.history[t as usize & self.history_mask];
            self.insert(v, t);
        }
    }

    /// The smallest of the last `n` values pushed (as far as the history reaches). O(n).
    pub fn min_of_last(&self, n: usize) -> f32 {
        let n = within(n, 1, self.history.len());
        (1..=n)
            .map(|k| self.history[self.now.wrapping_sub(k as u32) as usize & self.history_mask])
            .fold(f32::INFINITY, f32::min)
    }

    #[inline(always)]
    fn insert(&mut self, v: f32, t: u32) {
        while self.tail != self.head && self.values[self.tail.wrapping_sub(1) & self.mask] >= v {
            self.tail = self.tail.wrapping_sub(1);
        }
        let i = self.tail & self.mask;
        self.values[i] = v;
        self.times[i] = t;
        self.tail = self.tail.wrapping_add(1);
    }

    /// Pushes `v` (not NaN) and returns the minimum of the last `window` values, `v`
    /// included.
    #[inline(always)]
    pub fn push(&mut self, v: f32) -> f32 {
        let t = self.now;
        self.history[t as usize & self.history_mask] = v;
        self.insert(v, t);
        // Leave when older than the window: t − time ≥ window. At most one candidate can
        // expire per push, but a window change may have left several.
        while t.wrapping_sub(self.times[self.head & self.mask]) as usize >= self.window {
            self.head = self.head.wrapping_add(1);
        }
        self.now = t.wrapping_add(1);
        self.values[self.head & self.mask]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::XorShift;

    /// Against the definition, computed directly, for several windows and a window change.
    #[test]
    fn equals_the_direct_minimum() {
        let mut rng = XorShift::new(3);
        let x: Vec<f32> = (0..20_000).map(|_| rng.uniform()).collect();
        for window in [1usize, 2, 7, 64, 500] {
            let mut w = WindowMin::new(500, 1_000);
            w.set_window(window);
            for (n, &v) in x.iter().enumerate() {
                let got = w.push(v);
                let lo = (n + 1).saturating_sub(window);
                // Before the history fills, the reset history (1.0) counts as earlier values.
                let want = x[lo..=n]
                    .iter()
                    .copied()
                    .fold(if n + 1 < window { 1.0 } else { f32::INFINITY }, f32::min);
                assert_eq!(got, want, "window {window}, sample {n}");
            }
        }
        // Growing and shrinking the window mid-stream: the next minimum covers the new one.
        let mut w = WindowMin::new(500, 1_000);
        w.set_window(10);
        for (n, &v) in x.iter().enumerate() {
            if n == 5_000 {
                w.set_window(300);
            }
            if n == 9_000 {
                w.set_window(3);
            }
            let window = if n >= 9_000 {
                3
            } else if n >= 5_000 {
                300
            } else {
                10
            };
            let got = w.push(v);
            if n + 1 < window {
                continue;
            }
            let want = x[n + 1 - window..=n]
                .iter()
                .copied()
                .fold(f32::INFINITY, f32::min);
            assert_eq!(got, want, "sample {n}");
        }
        assert_eq!(
            w.min_of_last(4),
            x[x.len() - 4..]
                .iter()
                .copied()
                .fold(f32::INFINITY, f32::min)
        );
    }

    /// Monotonic input is the worst case for the deque's size: still exact, no overflow.
    #[test]
    fn survives_monotonic_input_and_wrapping_time() {
        let mut w = WindowMin::new(64, 64);
        w.now = u32::MAX - 100; // the sample counter wraps during the test
        w.set_window(64);
        for n in 0..1_000u32 {
            let v = n as f32;
            assert_eq!(w.push(v), (n.saturating_sub(63)) as f32, "rising, {n}");
        }
        for n in 0..1_000u32 {
            let v = -(n as f32);
            assert_eq!(w.push(v), v, "falling, {n}");
        }
    }
}
