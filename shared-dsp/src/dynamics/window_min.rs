//! Sliding-window minimum: the smallest of the last `window` values, in O(1) per sample
//! without a data-dependent branch, for a limiter's peak hold (the smallest gain any sample
//! in the lookahead needs).
//!
//! **van Herk / Gil–Werman**: time is cut into segments of `window` values. The minimum of
//! the last `window` values is then the minimum of two things known at every push: the
//! running minimum of the current segment so far (its first `k` values), and the minimum of
//! the previous segment's last `window − k` values, a suffix minimum computed once per
//! segment, in one backward pass, when that segment completes. Three comparisons per value
//! whatever the window, and no branch that depends on the data: the monotonic deque this
//! replaces (Lemire 2006) was as cheap on paper, but on a limiter's noisy gains it
//! mispredicted its pop loop on most samples (measured standalone on such gains: 12–14 ns per
//! value against 4–5 here).
//!
//! Everything lives in preallocated buffers (no allocation after [`new`](WindowMin::new)),
//! and a ring keeps the raw history so that the window can be changed on the fly
//! ([`set_window`](WindowMin::set_window) restarts the segments from it).

use crate::gain::within;

#[derive(Clone, Debug)]
pub struct WindowMin {
    /// `suffix[j]`: the smallest of the previous segment's values j…window − 1;
    /// `suffix[window]` is +∞.
    suffix: Box<[f32]>,
    /// The smallest value of the current segment so far, and how many it has.
    prefix: f32,
    filled: usize,
    /// The raw values: `history[(now − k) & history_mask]` is k pushes ago (k ≥ 1).
    history: Box<[f32]>,
    history_mask: usize,
    /// Pushes so far (wrapping).
    now: u32,
    window: usize,
    max_window: usize,
}

#[inline(always)]
fn min(a: f32, b: f32) -> f32 {
    if a < b { a } else { b }
}

/// The prefix minima of eight values, in three steps (Hillis–Steele): `x[k]` becomes the
/// smallest of `x[0..=k]`. The steps do not depend on each other's lanes, so they run side
/// by side instead of as a chain of seven dependent `min`s.
#[inline(always)]
fn scan8(x: &mut [f32; 8]) {
    for step in [1, 2, 4] {
        let prev = *x;
        for k in step..8 {
            x[k] = min(prev[k - step], prev[k]);
        }
    }
}

/// `out[k]` becomes the smallest of `carry` and `x[0..=k]`; returns the smallest of all (the
/// carry for what follows). In blocks of eight through [`scan8`], so that only one scalar
/// `min` per block waits on the block before: the plain running minimum is a chain of
/// dependent `min`s, one latency (about four cycles) per value. From one slice into another,
/// not in place: [`scan8`]'s shifted loads right after a store to the same place would stall.
/// Exact: a minimum does not depend on the order it is taken in.
#[inline(always)]
fn running_min(x: &[f32], out: &mut [f32], mut carry: f32) -> f32 {
    let n = x.len().min(out.len());
    let whole = n - n % 8;
    for (b, o) in x[..whole]
        .chunks_exact(8)
        .zip(out[..whole].chunks_exact_mut(8))
    {
        let mut a: [f32; 8] = b.try_into().unwrap_or([f32::INFINITY; 8]);
        scan8(&mut a);
        for (o, &m) in o.iter_mut().zip(&a) {
            *o = min(carry, m);
        }
        carry = min(carry, a[7]);
    }
    for (o, &v) in out[whole..n].iter_mut().zip(&x[whole..n]) {
        carry = min(carry, v);
        *o = carry;
    }
    carry
}

/// `out[j]` becomes the smallest of `carry` and `x[j..]`: [`running_min`] from the end.
#[inline(always)]
fn running_min_backwards(x: &[f32], out: &mut [f32], mut carry: f32) -> f32 {
    let n = x.len().min(out.len());
    let part = n % 8;
    for (b, o) in x[part..n]
        .rchunks_exact(8)
        .zip(out[part..n].rchunks_exact_mut(8))
    {
        let mut a = [f32::INFINITY; 8];
        for (a, &v) in a.iter_mut().zip(b.iter().rev()) {
            *a = v;
        }
        scan8(&mut a);
        for (o, &m) in o.iter_mut().rev().zip(&a) {
            *o = min(carry, m);
        }
        carry = min(carry, a[7]);
    }
    for (o, &v) in out[..part].iter_mut().zip(&x[..part]).rev() {
        carry = min(carry, v);
        *o = carry;
    }
    carry
}

impl WindowMin {
    /// Room for windows up to `max_window` values and a history of at least `history`
    /// values for [`min_of_last`](Self::min_of_last). The only allocation. The history
    /// starts at 1.0 and counts as earlier values.
    pub fn new(max_window: usize, history: usize) -> Self {
        let max_window = max_window.max(1);
        let hist = history.max(max_window).next_power_of_two();
        let mut w = Self {
            suffix: vec![f32::INFINITY; max_window + 1].into_boxed_slice(),
            prefix: f32::INFINITY,
            filled: 0,
            history: vec![1.0; hist].into_boxed_slice(),
            history_mask: hist - 1,
            now: 0,
            window: max_window,
            max_window,
        };
        w.set_window(max_window);
        w
    }

    pub fn window(&self) -> usize {
        self.window
    }

    /// Forgets everything; the history reads `fill` (what "nothing happened" means to the
    /// caller: a gain of 1 for a limiter).
    pub fn reset(&mut self, fill: f32) {
        self.history.fill(fill);
        self.set_window(self.window);
    }

    /// Changes the window length (clamped to 1…max) and restarts the segments from the
    /// history, so the next minimum already covers the new window. O(window).
    pub fn set_window(&mut self, window: usize) {
        self.window = within(window, 1, self.max_window);
        // The last `window` values (as far as the history reaches) become a completed
        // segment; the current one starts empty.
        self.close_segment();
    }

    /// The smallest of the last `n` values pushed (as far as the history reaches). O(n).
    pub fn min_of_last(&self, n: usize) -> f32 {
        let n = within(n, 1, self.history.len());
        (1..=n)
            .map(|k| self.history[self.now.wrapping_sub(k as u32) as usize & self.history_mask])
            .fold(f32::INFINITY, f32::min)
    }

    /// The last `window` values pushed become the previous segment: their suffix minima.
    #[inline(always)]
    fn close_segment(&mut self) {
        let w = self.window;
        // Value j of the segment was pushed w − j pushes ago (the history holds at least
        // `max_window` ≥ w values): a backward running minimum over the ring's at most two
        // runs, the newer first.
        let start = self.now.wrapping_sub(w as u32) as usize & self.history_mask;
        let first = w.min(self.history.len() - start);
        self.suffix[w] = f32::INFINITY;
        let (older, newer) = self.suffix[..w].split_at_mut(first);
        let carry = running_min_backwards(&self.history[..w - first], newer, f32::INFINITY);
        running_min_backwards(&self.history[start..start + first], older, carry);
        self.prefix = f32::INFINITY;
        self.filled = 0;
    }

    /// [`push`](Self::push) over a block, with exactly its results and state: `out[i]` is the
    /// minimum after pushing `values[i]` (lengths beyond the shorter slice are left alone).
    /// The running minimum of each segment goes through [`running_min`] instead of one
    /// `min` per value waiting on the last, and the history is written in runs. Inlined, so
    /// that the limiter's AVX2 build vectorises it.
    #[inline(always)]
    pub fn process(&mut self, values: &[f32], out: &mut [f32]) {
        let n = values.len().min(out.len());
        let mut i = 0;
        while i < n {
            if self.filled == self.window {
                self.close_segment();
            }
            // To the end of the segment or of the block.
            let m = (n - i).min(self.window - self.filled);
            let (v, o) = (&values[i..i + m], &mut out[i..i + m]);
            self.record(v);
            self.prefix = running_min(v, o, self.prefix);
            let suffix = &self.suffix[self.filled + 1..self.filled + 1 + m];
            for (o, &s) in o.iter_mut().zip(suffix) {
                *o = min(s, *o);
            }
            self.filled += m;
            i += m;
        }
    }

    /// Appends `values` to the history ring (in at most two runs).
    #[inline(always)]
    fn record(&mut self, values: &[f32]) {
        let mut rest = values;
        while !rest.is_empty() {
            let at = self.now as usize & self.history_mask;
            let m = rest.len().min(self.history.len() - at);
            self.history[at..at + m].copy_from_slice(&rest[..m]);
            self.now = self.now.wrapping_add(m as u32);
            rest = &rest[m..];
        }
    }

    /// Pushes `v` (not NaN) and returns the minimum of the last `window` values, `v`
    /// included.
    #[inline(always)]
    pub fn push(&mut self, v: f32) -> f32 {
        if self.filled == self.window {
            self.close_segment();
        }
        self.history[self.now as usize & self.history_mask] = v;
        self.now = self.now.wrapping_add(1);
        self.prefix = min(self.prefix, v);
        self.filled += 1;
        // The current segment's `filled` values and the previous one's last
        // `window − filled`.
        min(self.suffix[self.filled], self.prefix)
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

    /// [`WindowMin::process`] is [`WindowMin::push`] over a block, bit for bit and state for
    /// state: blocks of every length (1, odd, across segment ends), window changes between
    /// them, the history wrapping.
    #[test]
    fn blocks_equal_pushes() {
        let mut rng = XorShift::new(5);
        let x: Vec<f32> = (0..30_000).map(|_| rng.uniform() + 1.0).collect();
        let mut pushes = WindowMin::new(500, 1_000);
        let mut blocks = pushes.clone();
        let (mut at, mut round) = (0, 0);
        let lens = [1usize, 7, 64, 3, 500, 8, 9, 17, 1_000, 2];
        while at < x.len() {
            if round % 3 == 0 {
                let window = [1usize, 24, 72, 500, 5, 96][round / 3 % 6];
                pushes.set_window(window);
                blocks.set_window(window);
            }
            let len = lens[round % lens.len()].min(x.len() - at);
            let want: Vec<f32> = x[at..at + len].iter().map(|&v| pushes.push(v)).collect();
            let mut got = vec![0.0; len];
            blocks.process(&x[at..at + len], &mut got);
            assert_eq!(got, want, "block at {at}, round {round}");
            assert_eq!(blocks.min_of_last(700), pushes.min_of_last(700));
            at += len;
            round += 1;
        }
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
