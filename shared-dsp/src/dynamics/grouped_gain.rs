//! The limiter's sample-peak gain path, one step per group of [`GROUP`] samples: the same
//! stages as the per-sample path (hold, release, link, two boxes), fed each group's loudest
//! sample and run at 1/16 of the rate, then drawn out to one gain per sample by linear
//! interpolation and applied to the audio while it waits in the lookahead.
//!
//! ```text
//! driven ─┬─ loudest |x| per group ─ required gain ─ window min ─ release ─ link ─ 2 boxes ─ A_j
//!         │                                            (W = S + 1)   (dB)            (span S)   │
//!         └─ ring (the lookahead) ── × linear from A_(j−1) to A_j over group j − S ────────────┴─ out, L later
//! ```
//!
//! **Why it cannot clip.** Let R_k be the smallest gain any sample of group k needs (the
//! group's smallest ceiling over its loudest sample). The hold over the last W = S + 1 groups
//! and the boxes over a span of S groups give, as in the per-sample path (see
//! [`limiter`](super::limiter)), a smoothed A_j ≤ R_k whenever every hold value the boxes
//! still average, j − S + 1 … j, had group k in its window: for j = k + S − 1 and, because the
//! hold is one group longer than the span, for j = k + S too. Group k's samples are multiplied
//! by the straight line from A_(k+S−1) to A_(k+S), which is never above the larger end, so
//! never above R_k: every sample leaves with a gain no larger than it needs. A_(k+S) is known
//! once group k + S is complete, (S + 1)·G − 1 samples after group k's first sample, so a
//! latency L ≥ (S + 1)·G − 1 is all the lookahead this needs; S is the set lookahead in whole
//! groups, rounded up, which the limiter's latency (lookahead plus the true-peak detector's
//! delay) always allows. Release and link only lower what the boxes see, and the boxes are
//! exact integer sums, as before.
//!
//! **Why groups.** The per-sample path spends most of its time in the hold, the release
//! recursion and the dB conversions, one chain of dependent steps per sample. Here they run
//! once per 16 samples, and what is left per sample (drive, the loudest sample, the ring, one
//! multiply) vectorises. The sound: the gain ramps over whole groups (the ramp starts up to
//! 15 samples earlier than the per-sample path's), the release is the same one-pole at the
//! group rate, and a peak holds its gain up to a group longer; each sample still gets exactly
//! the gain it needs at the peak itself (tested against the per-sample path, with figures).

use crate::lane::Stereo;

use super::ballistics::Ballistics;
use super::fast_db;
use super::limiter::AIM;
use super::moving_average::MovingAverage;
use super::stereo;
use super::window_min::WindowMin;

/// Samples per group.
pub const GROUP: usize = 16;

/// The most samples one [`GroupedGain::process`] call takes (the ring has room for them
/// beside the latency).
pub const MAX_BLOCK: usize = 64;

/// `p / GROUP` for p = 0…15: where each sample of a group sits on the line between two
/// group gains.
const STEPS: [f32; GROUP] = {
    let mut s = [0.0; GROUP];
    let mut p = 0;
    while p < GROUP {
        s[p] = p as f32 / GROUP as f32;
        p += 1;
    }
    s
};

#[inline(always)]
fn min(a: f32, b: f32) -> f32 {
    if a < b { a } else { b }
}

#[inline(always)]
fn max(a: f32, b: f32) -> f32 {
    if a > b { a } else { b }
}

/// `start` and `f` of each value folded by `pick` (a min or max), in eight lanes side by
/// side: one running fold is a chain of dependent steps, four cycles each.
#[inline(always)]
fn lanes(x: &[f32], start: f32, f: impl Fn(f32) -> f32, pick: impl Fn(f32, f32) -> f32) -> f32 {
    let mut acc = [start; 8];
    let mut blocks = x.chunks_exact(8);
    for b in &mut blocks {
        for (a, &v) in acc.iter_mut().zip(b) {
            *a = pick(*a, f(v));
        }
    }
    let rest = blocks.remainder().iter().fold(start, |m, &v| pick(m, f(v)));
    let [a, b, c, d, e, g, h, i] = acc;
    pick(
        pick(pick(rest, a), pick(b, c)),
        pick(pick(d, e), pick(pick(g, h), i)),
    )
}

/// `f` of each of a group's values folded by `pick` (a min or max) as a tree: halves, then
/// quarters, eighths, each level one vector operation.
#[inline(always)]
fn fold_group(x: &[f32], f: impl Fn(f32) -> f32, pick: impl Fn(f32, f32) -> f32) -> f32 {
    let x: &[f32; GROUP] = x.try_into().expect("a whole group");
    let half: [f32; GROUP / 2] = core::array::from_fn(|k| pick(f(x[k]), f(x[k + GROUP / 2])));
    let quarter: [f32; GROUP / 4] = core::array::from_fn(|k| pick(half[k], half[k + GROUP / 4]));
    pick(pick(quarter[0], quarter[2]), pick(quarter[1], quarter[3]))
}

/// The sample-peak gain path by groups (see the module docs). Holds the driven audio for the
/// latency and returns it limited.
#[derive(Clone, Debug)]
pub struct GroupedGain {
    windows: [WindowMin; 2],
    release: Ballistics<Stereo>,
    averages: [MovingAverage; 2],
    /// Per channel, the driven audio by input position (`now` counts them); a power of two
    /// long, a multiple of [`GROUP`], so a group never wraps; room for the latency, a call's
    /// input and a group.
    rings: [Box<[f32]>; 2],
    mask: usize,
    /// Input samples since the last [`restart`](Self::restart) (wrapping).
    now: usize,
    /// The current group so far: loudest |sample| per channel, smallest ceiling, samples.
    loudest: [f32; 2],
    lowest_ceiling: f32,
    filled: usize,
    /// The group gain before the newest: where the next group's line starts.
    last: [f32; 2],
    /// S, the span of the boxes in groups.
    span: usize,
    latency: usize,
    link: f32,
}

impl GroupedGain {
    /// Room for latencies up to `max_latency` samples at `sample_rate` (the only
    /// allocations).
    pub fn new(sample_rate: f32, max_latency: usize) -> Self {
        let max_span = max_latency / GROUP + 1;
        let len = (max_latency + MAX_BLOCK + GROUP).next_power_of_two();
        let window = || WindowMin::new(max_span + 1, max_span + 1);
        let mut g = Self {
            windows: [window(), window()],
            release: Ballistics::new(sample_rate / GROUP as f32, 0.0, 100.0),
            averages: [MovingAverage::new(max_span), MovingAverage::new(max_span)],
            rings: [(); 2].map(|_| vec![0.0; len].into_boxed_slice()),
            mask: len - 1,
            now: 0,
            loudest: [0.0; 2],
            lowest_ceiling: f32::INFINITY,
            filled: 0,
            last: [1.0; 2],
            span: 1,
            latency: GROUP,
            link: 1.0,
        };
        g.restart(GROUP + 1, 2 * GROUP);
        g
    }

    /// The boxes' span in groups for a lookahead of `lookahead` samples: rounded up to whole
    /// groups, and within what `latency` allows ((S + 1)·G − 1 ≤ L).
    pub fn span_for(lookahead: usize, latency: usize) -> usize {
        let most = ((latency + 1) / GROUP).saturating_sub(1).max(1);
        lookahead.div_ceil(GROUP).clamp(1, most)
    }

    pub fn set_release(&mut self, release_ms: f32, auto_release: bool) {
        self.release.set_release_ms(release_ms);
        self.release.set_auto_release(auto_release);
    }

    pub fn set_link(&mut self, link: f32) {
        self.link = link;
    }

    /// Starts afresh for a lookahead and a latency in samples (`latency` at least
    /// 2·[`GROUP`] − 1): gains at 1, nothing held, the ring silent. Audio that was in flight
    /// is gone, so the caller mutes the next `latency` output samples.
    pub fn restart(&mut self, lookahead: usize, latency: usize) {
        self.latency = latency;
        self.span = Self::span_for(lookahead, latency);
        for (w, a) in self.windows.iter_mut().zip(&mut self.averages) {
            w.set_window(self.span + 1);
            w.reset(1.0);
            a.set_span(self.span, 1.0);
        }
        self.release.reset();
        for r in &mut self.rings {
            r.fill(0.0);
        }
        self.now = 0;
        self.loudest = [0.0; 2];
        self.lowest_ceiling = f32::INFINITY;
        self.filled = 0;
        self.last = [1.0; 2];
    }

    /// Samples from the first one whose gain may move for a peak to that peak, at most
    /// (the ramp in whole groups, starting anywhere in a group).
    pub fn ramp_samples(&self) -> usize {
        (self.span + 1) * GROUP - 2
    }

    /// Takes `n` (at most [`MAX_BLOCK`]) driven samples per channel (channel 1 only when
    /// `stereo`; otherwise it follows channel 0) with the ceiling each is limited to, and
    /// writes the audio of `n` samples ago plus the latency, limited, to `out`. Returns the
    /// smallest group gain per channel.
    #[allow(clippy::needless_range_loop)] // the channels index several arrays alike
    #[inline(always)]
    pub fn process<const C: usize>(
        &mut self,
        driven: &[[f32; C]; 2],
        ceiling: &[f32],
        n: usize,
        stereo: bool,
        out: &mut [[f32; C]; 2],
    ) -> [f32; 2] {
        let n = n.min(MAX_BLOCK).min(C);
        let channels = if stereo { 2 } else { 1 };
        let mut closed = Closed::new();
        let mut i = 0;
        while i < n {
            // Up to the end of the current group: its part of the ring is contiguous.
            let take = (GROUP - self.filled).min(n - i);
            if take == GROUP {
                self.take_group(driven, ceiling, i, stereo);
            } else {
                self.take(driven, ceiling, i..i + take, channels);
            }
            if self.filled == GROUP {
                closed.add(self.loudest, self.lowest_ceiling, self.now, channels);
                self.loudest = [0.0; 2];
                self.lowest_ceiling = f32::INFINITY;
                self.filled = 0;
            }
            i += take;
        }
        let mut lowest = self.close_groups(&closed, channels);
        // The samples leaving now: each one's gain was applied when its group's line became
        // known, at the latest by the group completed with its own last sample (the
        // latency), so by now. The ring holds the latency and a call's input, so nothing
        // read here was overwritten by this call's input.
        let from = self.now.wrapping_sub(self.latency + n) & self.mask;
        let first = n.min(self.mask + 1 - from);
        for ch in 0..channels {
            out[ch][..first].copy_from_slice(&self.rings[ch][from..from + first]);
            out[ch][first..n].copy_from_slice(&self.rings[ch][..n - first]);
        }
        if !stereo {
            out[1] = out[0];
            lowest[1] = lowest[0];
        }
        lowest
    }

    /// [`take`](Self::take) for a whole group starting at `i` (the usual case), in fixed
    /// lengths: the folds are trees of vector operations. (The general loop, which LLVM
    /// vectorised across the channels, came out as gathers and data-dependent branches: an
    /// eighth of the limiter's time.)
    #[allow(clippy::needless_range_loop)] // the channels index the input and the rings alike
    #[inline(always)]
    fn take_group<const C: usize>(
        &mut self,
        driven: &[[f32; C]; 2],
        ceiling: &[f32],
        i: usize,
        stereo: bool,
    ) {
        let at = self.now & self.mask;
        for ch in 0..1 + stereo as usize {
            let x = &driven[ch][i..i + GROUP];
            self.rings[ch][at..at + GROUP].copy_from_slice(x);
            self.loudest[ch] = max(self.loudest[ch], fold_group(x, f32::abs, max));
        }
        let c = &ceiling[i..i + GROUP];
        self.lowest_ceiling = min(self.lowest_ceiling, fold_group(c, |c| c, min));
        self.now = self.now.wrapping_add(GROUP);
        self.filled += GROUP;
    }

    /// Adds `range` of the input to the ring and to the current group.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn take<const C: usize>(
        &mut self,
        driven: &[[f32; C]; 2],
        ceiling: &[f32],
        range: core::ops::Range<usize>,
        channels: usize,
    ) {
        let len = range.len();
        let at = self.now & self.mask;
        for ch in 0..channels {
            let x = &driven[ch][range.clone()];
            self.rings[ch][at..at + len].copy_from_slice(x);
            self.loudest[ch] = lanes(x, self.loudest[ch], |v| v.abs(), max);
        }
        self.lowest_ceiling = lanes(&ceiling[range], self.lowest_ceiling, |c| c, min);
        self.now = self.now.wrapping_add(len);
        self.filled += len;
    }

    /// The stages for the groups a call completed, and each one's gain line applied to the
    /// group S groups back. Returns the smallest new group gain per channel.
    ///
    /// Stage by stage over all of them, the channels' values side by side
    /// (`[channel 0's groups, channel 1's groups]`): the division and the two dB conversions
    /// are long chains of dependent steps, and one group's hardly overlap the next's across
    /// the sample loops between them; here the conversions of every group and channel are one
    /// pass of eight lanes. Only the hold, the release and the boxes, which carry state from
    /// group to group, go one group at a time. Each value is computed exactly as one group
    /// at a time would.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn close_groups(&mut self, closed: &Closed, channels: usize) -> [f32; 2] {
        const G: usize = MAX_GROUPS;
        let k = closed.count;
        let mut lowest = [1.0f32; 2];
        if k == 0 {
            return lowest;
        }
        // The gain each group needs (lanes of unused groups: a peak of 0, a gain of 1).
        let need: [f32; 2 * G] = core::array::from_fn(|i| {
            let (peak, aim) = (closed.loudest[i], closed.ceiling[i % G] * AIM);
            if peak > aim { aim / peak } else { 1.0 }
        });
        // Hold (mono: channel 1 repeats channel 0, its window left alone).
        let mut held = [1.0f32; 2 * G];
        for g in 0..k {
            held[g] = self.windows[0].push(need[g]);
            held[G + g] = if channels == 2 {
                self.windows[1].push(need[G + g])
            } else {
                held[g]
            };
        }
        let target: [f32; 2 * G] = core::array::from_fn(|i| -fast_db::gain_to_db(held[i]));
        // Release in dB, then link.
        let mut linked = [0.0f32; 2 * G];
        for g in 0..k {
            let reduction = self
                .release
                .process_sample(Stereo([target[g], target[G + g]]));
            let l = stereo::link(reduction, self.link);
            (linked[g], linked[G + g]) = (l.0[0], l.0[1]);
        }
        let smoothed: [f32; 2 * G] =
            core::array::from_fn(|i| min(fast_db::db_to_gain(-linked[i]), held[i]));
        // The boxes, and group j (ending at `end`) gives group j − S its line.
        for g in 0..k {
            let first = self.averages[0].push(smoothed[g]);
            let gain = if channels == 2 {
                [first, self.averages[1].push(smoothed[G + g])]
            } else {
                [first; 2]
            };
            let start = closed.end[g].wrapping_sub((self.span + 1) * GROUP) & self.mask;
            for ch in 0..channels {
                let (a, b) = (self.last[ch], gain[ch]);
                let group = &mut self.rings[ch][start..start + GROUP];
                for (x, t) in group.iter_mut().zip(STEPS) {
                    *x = crate::kernel::sanitize::flush_denormal(*x * (a + (b - a) * t));
                }
                self.last[ch] = b;
            }
            lowest = [min(lowest[0], gain[0]), min(lowest[1], gain[1])];
        }
        lowest
    }
}

/// The most groups one [`GroupedGain::process`] call completes: [`MAX_BLOCK`] samples, added
/// to at most GROUP − 1 of a group begun by an earlier call, complete at most
/// ⌊(GROUP − 1 + MAX_BLOCK) / GROUP⌋ = ⌈MAX_BLOCK / GROUP⌉.
const MAX_GROUPS: usize = MAX_BLOCK.div_ceil(GROUP);

/// The groups one call completed, waiting for the stages: each one's loudest sample per
/// channel (`[channel 0's groups, channel 1's groups]`; mono repeats channel 0), smallest
/// ceiling, and the input position it ended at.
struct Closed {
    loudest: [f32; 2 * MAX_GROUPS],
    ceiling: [f32; MAX_GROUPS],
    end: [usize; MAX_GROUPS],
    count: usize,
}

impl Closed {
    #[inline(always)]
    fn new() -> Self {
        Self {
            loudest: [0.0; 2 * MAX_GROUPS],
            ceiling: [f32::INFINITY; MAX_GROUPS],
            end: [0; MAX_GROUPS],
            count: 0,
        }
    }

    #[inline(always)]
    fn add(&mut self, loudest: [f32; 2], ceiling: f32, end: usize, channels: usize) {
        let g = self.count;
        self.loudest[g] = loudest[0];
        self.loudest[MAX_GROUPS + g] = if channels == 2 {
            loudest[1]
        } else {
            loudest[0]
        };
        self.ceiling[g] = ceiling;
        self.end[g] = end;
        self.count += 1;
    }
}
