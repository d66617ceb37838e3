//! The zero-latency EQ's sections as one staggered chain, eight sections side by side.
//!
//! # Why staggered
//! A section's recursion is a chain of dependent multiply-adds (~15 cycles of latency per
//! sample), and in a cascade each section needs the previous one's output *for the same
//! sample*: run naively, eight bells cost eight latencies per sample, and SIMD has nothing
//! to work on. Staggering breaks the dependency: in iteration n, lane j (section j of the
//! chain) processes sample n − j, whose input lane j − 1 produced in iteration n − 1. All
//! lanes of one iteration are then independent and run as one vector operation per step
//! of the recursion (eight f32 lanes: two SSE registers, or one AVX register), which turns
//! a latency-bound chain into throughput-bound work.
//!
//! # Exact, and without latency
//! Each section still sees exactly its input sequence, with the same arithmetic, so the
//! output is the serial cascade's. The skew is primed at the start of a segment (iteration
//! k runs lanes 0…k) and drained at its end (the last lanes finish the last samples with no
//! new input): every output sample of a block is written within that block, so nothing is
//! delayed. A segment is a block, or part of one when the chain's layout changes (a band
//! switched on or off, or a new section count); priming and draining cost `lanes − 1`
//! masked iterations per segment.
//!
//! # What a lane computes
//! Two TPT SVFs with the section's coefficients run on two signals p, q formed from the
//! stereo input (l, r): p = l, q = r for stereo, left and right placement; p = mid,
//! q = side for mid/side placement (the *routed* kernel, used only when some band needs
//! it). Each adds its change Δ = (m0 − 1)·x + m1·band + m2·low, scaled by the band's
//! wet amount, back onto the channels it belongs to; a placement that leaves a channel
//! alone gives it Δ = 0, so that channel passes bit-exactly (left/right) or untouched
//! (mid/side on a pure side/mid signal: the filtered part is exactly zero).
//!
//! # Moving parameters
//! Coefficients step linearly every sample (per lane, only when the lane processes a
//! sample) towards the targets the engine sets every control tick; a lane reaches them the
//! same number of samples after the tick as it lags, so trajectories stay continuous.

use super::matched::Section;
use crate::kernel::simd::{avx2_dispatch, has_avx2};
use crate::processor::Paired;

/// Lanes per vector.
pub const WIDTH: usize = 8;
/// Most sections a chain holds: eight bands of up to eight sections.
pub const MAX_LANES: usize = super::BANDS * super::prototype::MAX_SECTIONS;
const GROUPS: usize = MAX_LANES / WIDTH;

type V = [f32; WIDTH];

/// The coefficients that step while parameters move: the SVF's recursion and both
/// signals' change Δ = e·x + f1·s1 + f2·s2 (see [`kernel`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Coefs {
    /// s1' = c11·s1 + c12·v3, s2' = s2 + (c12·s1 + c22·v3), v3 = x − s2.
    c11: V,
    c12: V,
    c22: V,
    /// Δ of p.
    pe: V,
    pf1: V,
    pf2: V,
    /// Δ of q.
    qe: V,
    qf1: V,
    qf2: V,
}

impl Coefs {
    /// Every array, in [`lane_coefs`]'s order.
    fn arrays(&self) -> [&V; 9] {
        [
            &self.c11, &self.c12, &self.c22, &self.pe, &self.pf1, &self.pf2, &self.qe, &self.qf1,
            &self.qf2,
        ]
    }

    /// [`arrays`](Self::arrays), to write.
    fn arrays_mut(&mut self) -> [&mut V; 9] {
        [
            &mut self.c11,
            &mut self.c12,
            &mut self.c22,
            &mut self.pe,
            &mut self.pf1,
            &mut self.pf2,
            &mut self.qe,
            &mut self.qf1,
            &mut self.qf2,
        ]
    }
}

/// Mid/side routing (fixed within a segment, or changed while the lane adds nothing).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Routing {
    /// p = pl·l + pr·r, q = ql·l + qr·r.
    pl: V,
    pr: V,
    ql: V,
    qr: V,
    /// l' = l + Δp + lq·Δq, r' = r + rp·Δp + rq·Δq.
    lq: V,
    rp: V,
    rq: V,
}

impl Default for Routing {
    fn default() -> Self {
        Self {
            pl: [1.0; WIDTH],
            pr: [0.0; WIDTH],
            ql: [0.0; WIDTH],
            qr: [1.0; WIDTH],
            lq: [0.0; WIDTH],
            rp: [0.0; WIDTH],
            rq: [1.0; WIDTH],
        }
    }
}

/// Integrator states of both SVFs, and each lane's last output (the next lane's input).
#[derive(Clone, Copy, Debug, Default)]
struct State {
    p1: V,
    p2: V,
    q1: V,
    q2: V,
    out_l: V,
    out_r: V,
}

/// What a lane is set to at a control tick.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LaneTarget {
    pub section: Section,
    /// Wet amount (0 = the lane passes its input, 1 = the section's full effect).
    pub wet: f32,
    pub routing: LaneRouting,
}

/// Which signal a lane filters and where its change goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneRouting {
    Stereo,
    Left,
    Right,
    Mid,
    Side,
}

impl LaneRouting {
    fn routed(self) -> bool {
        matches!(self, Self::Mid | Self::Side)
    }
}

/// The chain: `len` lanes in use, in processing order.
#[derive(Clone, Debug)]
pub struct Chain {
    coefs: [Coefs; GROUPS],
    steps: [Coefs; GROUPS],
    routing: [Routing; GROUPS],
    state: [State; GROUPS],
    len: usize,
    /// Any lane mid/side (then the routed kernel runs).
    routed: bool,
    /// Any non-zero step.
    moving: bool,
    /// Samples pushed into the current segment, and where it starts in the buffers.
    pushed: usize,
    start: usize,
    /// AVX2 available (checked once, at construction): two four-lane chains then share one
    /// 256-bit register in [`Chain::push_pair`].
    avx2: bool,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    pub fn new() -> Self {
        let mut c = Self {
            coefs: [Coefs::default(); GROUPS],
            steps: [Coefs::default(); GROUPS],
            routing: [Routing::default(); GROUPS],
            state: [State::default(); GROUPS],
            len: 0,
            routed: false,
            moving: false,
            pushed: 0,
            start: 0,
            avx2: has_avx2(),
        };
        for j in 0..MAX_LANES {
            c.set_now(j, &IDLE);
        }
        c
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Lanes in use (only between segments). Lanes beyond are set to pass their input.
    pub fn set_len(&mut self, len: usize) {
        let len = len.min(MAX_LANES);
        for j in len..self.len {
            self.set_now(j, &IDLE);
            self.clear(j);
        }
        self.len = len;
    }

    /// Sets lane `j` to `t` at once (no ramp).
    pub fn set_now(&mut self, j: usize, t: &LaneTarget) {
        let (g, i) = (j / WIDTH, j % WIDTH);
        let c = lane_coefs(t);
        for (v, x) in self.coefs[g].arrays_mut().into_iter().zip(c) {
            v[i] = x;
        }
        for v in self.steps[g].arrays_mut() {
            v[i] = 0.0;
        }
        self.set_routing(j, t.routing);
    }

    /// Ramps lane `j` from where it is to `t` over `n` of its samples. The routing switches
    /// at once (callers change it only while the lane adds nothing).
    pub fn ramp_to(&mut self, j: usize, t: &LaneTarget, n: usize) {
        let (g, i) = (j / WIDTH, j % WIDTH);
        let c = lane_coefs(t);
        let inv = 1.0 / n.max(1) as f32;
        let from = self.coefs[g].arrays().map(|v| v[i]);
        for ((v, to), from) in self.steps[g].arrays_mut().into_iter().zip(c).zip(from) {
            v[i] = (to - from) * inv;
        }
        self.set_routing(j, t.routing);
    }

    /// Recomputes whether anything steps or routes (after a round of `set_now`/`ramp_to`).
    pub fn refresh(&mut self) {
        let groups = self.len.div_ceil(WIDTH);
        self.moving = self.steps[..groups].iter().any(|s| *s != Coefs::default());
        self.routed = (0..self.len).any(|j| {
            let (g, i) = (j / WIDTH, j % WIDTH);
            self.routing[g].pl[i] != 1.0 || self.routing[g].lq[i] != 0.0
        });
    }

    fn set_routing(&mut self, j: usize, r: LaneRouting) {
        let (g, i) = (j / WIDTH, j % WIDTH);
        let ro = &mut self.routing[g];
        let (pl, pr, ql, qr, lq, rp, rq) = if r.routed() {
            (0.5, 0.5, 0.5, -0.5, 1.0, 1.0, -1.0)
        } else {
            (1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0)
        };
        (
            ro.pl[i], ro.pr[i], ro.ql[i], ro.qr[i], ro.lq[i], ro.rp[i], ro.rq[i],
        ) = (pl, pr, ql, qr, lq, rp, rq);
    }

    /// Clears lane `j`'s filter state.
    pub fn clear(&mut self, j: usize) {
        let (g, i) = (j / WIDTH, j % WIDTH);
        let s = &mut self.state[g];
        (s.p1[i], s.p2[i], s.q1[i], s.q2[i]) = (0.0, 0.0, 0.0, 0.0);
    }

    /// Clears every lane's state.
    pub fn reset(&mut self) {
        self.state = [State::default(); GROUPS];
    }

    /// Moves lane `from`'s section (coefficients, steps, routing, state) to lane `to`
    /// (only between segments, when every lane has processed the same samples).
    pub fn move_lane(&mut self, from: usize, to: usize) {
        if from == to {
            return;
        }
        let (gf, f) = (from / WIDTH, from % WIDTH);
        let (gt, t) = (to / WIDTH, to % WIDTH);
        macro_rules! mv {
            ($arr:ident, $($field:ident),+) => {
                $( let v = self.$arr[gf].$field[f]; self.$arr[gt].$field[t] = v; )+
            };
        }
        mv!(coefs, c11, c12, c22, pe, pf1, pf2, qe, qf1, qf2);
        mv!(steps, c11, c12, c22, pe, pf1, pf2, qe, qf1, qf2);
        mv!(routing, pl, pr, ql, qr, lq, rp, rq);
        mv!(state, p1, p2, q1, q2);
    }

    /// Starts a segment at buffer index `start`.
    pub fn begin(&mut self, start: usize) {
        self.pushed = 0;
        self.start = start;
    }

    /// Pushes `left[from..to]`/`right[from..to]` into the segment (in place: the output of
    /// sample i is written to index i − (len − 1) once it leaves the last lane; the
    /// segment's last `len − 1` outputs are written by [`drain`](Self::drain)).
    pub fn push(&mut self, left: &mut [f32], right: &mut [f32], from: usize, to: usize) {
        let to = to.min(left.len()).min(right.len());
        if self.len == 0 || from >= to {
            return;
        }
        match (self.routed, self.moving) {
            (false, false) => self.run::<false, false>(left, right, from, to),
            (false, true) => self.run::<false, true>(left, right, from, to),
            (true, false) => self.run::<true, false>(left, right, from, to),
            (true, true) => self.run::<true, true>(left, right, from, to),
        }
    }

    /// Finishes the segment: the last lanes process the samples still in flight.
    pub fn drain(&mut self, left: &mut [f32], right: &mut [f32]) {
        match (self.routed, self.moving) {
            (false, false) => self.drain_with::<false, false>(left, right),
            (false, true) => self.drain_with::<false, true>(left, right),
            (true, false) => self.drain_with::<true, false>(left, right),
            (true, true) => self.drain_with::<true, true>(left, right),
        }
        self.pushed = 0;
    }

    #[inline(always)]
    fn run<const ROUTED: bool, const MOVING: bool>(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        from: usize,
        to: usize,
    ) {
        let groups = self.len.div_ceil(WIDTH);
        // Priming: lanes beyond the samples pushed so far wait.
        let i = self.prime::<ROUTED, MOVING>(left, right, from, to);
        if i >= to {
            return;
        }
        // Steady state: every lane runs (only the lower half of the vector for up to four
        // sections, a single SSE register).
        match groups {
            1 if self.len <= WIDTH / 2 => {
                self.steady::<ROUTED, MOVING, 1, { WIDTH / 2 }>(left, right, i, to)
            }
            1 => self.steady::<ROUTED, MOVING, 1, WIDTH>(left, right, i, to),
            2 => self.steady::<ROUTED, MOVING, 2, WIDTH>(left, right, i, to),
            3 => self.steady::<ROUTED, MOVING, 3, WIDTH>(left, right, i, to),
            4 => self.steady::<ROUTED, MOVING, 4, WIDTH>(left, right, i, to),
            5 => self.steady::<ROUTED, MOVING, 5, WIDTH>(left, right, i, to),
            6 => self.steady::<ROUTED, MOVING, 6, WIDTH>(left, right, i, to),
            7 => self.steady::<ROUTED, MOVING, 7, WIDTH>(left, right, i, to),
            _ => self.steady::<ROUTED, MOVING, 8, WIDTH>(left, right, i, to),
        }
    }

    /// The steady-state loop with `G` groups, on local copies of the state so that it lives
    /// in registers (the one-lane shift between iterations is then a register shuffle, not
    /// a store and a misaligned reload, which would stall store forwarding every sample).
    #[inline(always)]
    fn steady<const ROUTED: bool, const MOVING: bool, const G: usize, const N: usize>(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        from: usize,
        to: usize,
    ) {
        let last = self.len - 1;
        let (g_last, i_last) = (last / WIDTH, last % WIDTH);
        let mut state: [State; G] = core::array::from_fn(|g| self.state[g]);
        let mut coefs: [Coefs; G] = core::array::from_fn(|g| self.coefs[g]);
        let steps: [Coefs; G] = core::array::from_fn(|g| self.steps[g]);
        let routing: [Routing; G] = core::array::from_fn(|g| self.routing[g]);
        // Output index of the sample pushed at `from`.
        let lag = self.start + self.pushed - last;
        for n in from..to {
            let (xl, xr) = (left[n], right[n]);
            for g in (0..G).rev() {
                let (carry_l, carry_r) = if g == 0 {
                    (xl, xr)
                } else {
                    (state[g - 1].out_l[WIDTH - 1], state[g - 1].out_r[WIDTH - 1])
                };
                let s = &mut state[g];
                let in_l = shift_in::<N>(&s.out_l, carry_l);
                let in_r = shift_in::<N>(&s.out_r, carry_r);
                kernel::<ROUTED, N>(&coefs[g], &routing[g], s, &in_l, &in_r);
                if MOVING {
                    step::<N>(&mut coefs[g], &steps[g]);
                }
            }
            let out = lag + (n - from);
            left[out] = state[g_last].out_l[i_last];
            right[out] = state[g_last].out_r[i_last];
        }
        self.pushed += to - from;
        self.state[..G].copy_from_slice(&state);
        if MOVING {
            self.coefs[..G].copy_from_slice(&coefs);
        }
    }

    /// Whether [`push_pair`](Self::push_pair) can advance this chain in the fused loop: the
    /// common settled case (no mid/side, nothing stepping, up to four lanes), with AVX2.
    fn pairable(&self) -> bool {
        self.avx2 && self.len > 0 && !self.routed && !self.moving && self.len <= WIDTH / 2
    }

    /// [`push`](Self::push) for two independent chains over the same range of their own
    /// buffers. Each chain's recursion is latency-bound (every sample waits for the last),
    /// so alone it leaves the CPU mostly idle; advancing two in one loop body lets their
    /// dependency chains overlap. Each chain does exactly the arithmetic it does alone (same
    /// kernel, same lanes, same order), so the output is [`push`](Self::push)'s bit for bit.
    /// Only the settled, non-routed case of up to four lanes each (a channel strip's four
    /// bands) with AVX2 is fused; anything else is two pushes.
    pub fn push_pair(a: Paired<'_, Self>, b: Paired<'_, Self>, from: usize, to: usize) {
        let (a, a_left, a_right) = a.parts();
        let (b, b_left, b_right) = b.parts();
        let to = to
            .min(a_left.len())
            .min(a_right.len())
            .min(b_left.len())
            .min(b_right.len());
        if !(a.pairable() && b.pairable()) || from >= to {
            a.push(a_left, a_right, from, to);
            b.push(b_left, b_right, from, to);
            return;
        }
        // Priming is per chain (masked iterations); the chain that finishes it first runs
        // alone until the other catches up (a steady loop splits anywhere, exactly).
        let ia = a.prime::<false, false>(a_left, a_right, from, to);
        let ib = b.prime::<false, false>(b_left, b_right, from, to);
        let both = ia.max(ib);
        if ia < both {
            a.push(a_left, a_right, ia, both);
        }
        if ib < both {
            b.push(b_left, b_right, ib, both);
        }
        if both >= to {
            return;
        }
        // Pairable chains have AVX2 (detected at run time), so the fallback is off x86-64 only.
        avx2_dispatch!(
            if a.avx2 && b.avx2 =>
                steady_pair_avx2(
                    Paired::new(a, a_left, a_right),
                    Paired::new(b, b_left, b_right),
                    both,
                    to,
                ),
            else {
                a.push(a_left, a_right, both, to);
                b.push(b_left, b_right, both, to);
            }
        );
    }

    /// The priming part of [`run`](Self::run): returns where the steady state starts.
    fn prime<const ROUTED: bool, const MOVING: bool>(
        &mut self,
        left: &[f32],
        right: &[f32],
        from: usize,
        to: usize,
    ) -> usize {
        let last = self.len - 1;
        let groups = self.len.div_ceil(WIDTH);
        let mut i = from;
        while i < to && self.pushed < last {
            let k = self.pushed;
            self.iterate_masked::<ROUTED, MOVING>(groups, left[i], right[i], 0, k);
            self.pushed += 1;
            i += 1;
        }
        i
    }

    #[inline(never)]
    fn drain_with<const ROUTED: bool, const MOVING: bool>(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        if self.len == 0 || self.pushed == 0 {
            return;
        }
        let last = self.len - 1;
        let groups = self.len.div_ceil(WIDTH);
        let (g_last, i_last) = (last / WIDTH, last % WIDTH);
        let pushed = self.pushed;
        for k in pushed..pushed + last {
            // Lane j processes sample k − j: active while 0 ≤ k − j < pushed.
            let lo = k + 1 - pushed;
            let hi = k.min(last);
            self.iterate_masked::<ROUTED, MOVING>(groups, 0.0, 0.0, lo, hi);
            if k >= last {
                let out = self.start + k - last;
                left[out] = self.state[g_last].out_l[i_last];
                right[out] = self.state[g_last].out_r[i_last];
            }
        }
    }

    /// One iteration in which only lanes `lo..=hi` run (priming and draining): all run,
    /// and the others' states (and coefficients) are put back, lane-wise selects.
    #[inline(never)]
    fn iterate_masked<const ROUTED: bool, const MOVING: bool>(
        &mut self,
        groups: usize,
        xl: f32,
        xr: f32,
        lo: usize,
        hi: usize,
    ) {
        for g in (0..groups).rev() {
            let (carry_l, carry_r) = if g == 0 {
                (xl, xr)
            } else {
                (
                    self.state[g - 1].out_l[WIDTH - 1],
                    self.state[g - 1].out_r[WIDTH - 1],
                )
            };
            let before = self.state[g];
            let coefs_before = self.coefs[g];
            let in_l = shift_in::<WIDTH>(&before.out_l, carry_l);
            let in_r = shift_in::<WIDTH>(&before.out_r, carry_r);
            kernel::<ROUTED, WIDTH>(
                &self.coefs[g],
                &self.routing[g],
                &mut self.state[g],
                &in_l,
                &in_r,
            );
            if MOVING {
                step::<WIDTH>(&mut self.coefs[g], &self.steps[g]);
            }
            let active: [bool; WIDTH] =
                core::array::from_fn(|i| (lo..=hi).contains(&(g * WIDTH + i)));
            let keep = |now: &mut V, was: &V| {
                for i in 0..WIDTH {
                    now[i] = if active[i] { now[i] } else { was[i] };
                }
            };
            let s = &mut self.state[g];
            keep(&mut s.p1, &before.p1);
            keep(&mut s.p2, &before.p2);
            keep(&mut s.q1, &before.q1);
            keep(&mut s.q2, &before.q2);
            keep(&mut s.out_l, &before.out_l);
            keep(&mut s.out_r, &before.out_r);
            if MOVING {
                let now = self.coefs[g].arrays_mut();
                for (c, b) in now.into_iter().zip(coefs_before.arrays()) {
                    keep(c, b);
                }
            }
        }
    }

    /// Once per block: lanes a non-finite value reached start from rest, tiny states are
    /// flushed (denormals). Returns whether any lane was reset.
    pub fn sanitize(&mut self) -> bool {
        let groups = self.len.div_ceil(WIDTH);
        let mut any = false;
        for s in &mut self.state[..groups] {
            for i in 0..WIDTH {
                let vals = [s.p1[i], s.p2[i], s.q1[i], s.q2[i], s.out_l[i], s.out_r[i]];
                if vals.iter().all(|v| v.is_finite()) {
                    s.p1[i] = crate::kernel::sanitize::flush_denormal(s.p1[i]);
                    s.p2[i] = crate::kernel::sanitize::flush_denormal(s.p2[i]);
                    s.q1[i] = crate::kernel::sanitize::flush_denormal(s.q1[i]);
                    s.q2[i] = crate::kernel::sanitize::flush_denormal(s.q2[i]);
                } else {
                    (s.p1[i], s.p2[i], s.q1[i], s.q2[i], s.out_l[i], s.out_r[i]) =
                        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
                    any = true;
                }
            }
        }
        any
    }
}

/// The fused steady loop of [`Chain::push_pair`], for two chains of up to four lanes with
/// AVX2: chain `a`'s lanes in the low half of each 256-bit register, `b`'s in the high half, so both advance with the
/// instructions one chain needs (and their state fits in the sixteen registers, where two
/// chains' SSE registers would not: a plain two-chain SSE loop spilled state to the stack
/// and gained little). `vpslldq` shifts within each 128-bit half, which is
/// each chain's one-lane shift. Per lane the same multiplies and adds in the same order as
/// [`kernel`] (no fused multiply-add), so each chain's output is its own loop's, bit for bit.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn steady_pair_avx2(a: Paired<'_, Chain>, b: Paired<'_, Chain>, from: usize, to: usize) {
    let (a, a_left, a_right) = a.parts();
    let (b, b_left, b_right) = b.parts();
    use core::arch::x86_64::*;
    let (ca, cb) = (&a.coefs[0], &b.coefs[0]);
    // SAFETY (all loads and stores below): unaligned, within 8-lane arrays; AVX2 is enabled.
    let join = |x: &V, y: &V| unsafe {
        _mm256_set_m128(_mm_loadu_ps(y.as_ptr()), _mm_loadu_ps(x.as_ptr()))
    };
    let (c11, c12, c22) = (
        join(&ca.c11, &cb.c11),
        join(&ca.c12, &cb.c12),
        join(&ca.c22, &cb.c22),
    );
    let (pe, pf1, pf2) = (
        join(&ca.pe, &cb.pe),
        join(&ca.pf1, &cb.pf1),
        join(&ca.pf2, &cb.pf2),
    );
    let (qe, qf1, qf2) = (
        join(&ca.qe, &cb.qe),
        join(&ca.qf1, &cb.qf1),
        join(&ca.qf2, &cb.qf2),
    );
    let (sa, sb) = (&a.state[0], &b.state[0]);
    let (mut p1, mut p2) = (join(&sa.p1, &sb.p1), join(&sa.p2, &sb.p2));
    let (mut q1, mut q2) = (join(&sa.q1, &sb.q1), join(&sa.q2, &sb.q2));
    let (mut out_l, mut out_r) = (join(&sa.out_l, &sb.out_l), join(&sa.out_r, &sb.out_r));
    // The last lanes' outputs, moved to lanes 0 (a) and 1 (b) for extraction.
    let pick = _mm256_setr_epi32((a.len - 1) as i32, (4 + b.len - 1) as i32, 0, 0, 0, 0, 0, 0);
    let lag_a = (a.start + a.pushed - (a.len - 1)).wrapping_sub(from);
    let lag_b = (b.start + b.pushed - (b.len - 1)).wrapping_sub(from);
    let shift = |v: __m256, xa: f32, xb: f32| {
        let moved = _mm256_castsi256_ps(_mm256_slli_si256::<4>(_mm256_castps_si256(v)));
        _mm256_blend_ps::<0x11>(moved, _mm256_set_m128(_mm_set_ss(xb), _mm_set_ss(xa)))
    };
    // One side's SVF pair (p on the left, q on the right) on input `x`, `kernel`'s arithmetic
    // in its order: returns the change e·x + f1·s1 + f2·s2 and advances the states.
    let svf =
        |x: __m256, (e, f1, f2): (__m256, __m256, __m256), s1: &mut __m256, s2: &mut __m256| {
            let d = _mm256_add_ps(
                _mm256_mul_ps(e, x),
                _mm256_add_ps(_mm256_mul_ps(f1, *s1), _mm256_mul_ps(f2, *s2)),
            );
            let v3 = _mm256_sub_ps(x, *s2);
            let n1 = _mm256_add_ps(_mm256_mul_ps(c11, *s1), _mm256_mul_ps(c12, v3));
            *s2 = _mm256_add_ps(
                *s2,
                _mm256_add_ps(_mm256_mul_ps(c12, *s1), _mm256_mul_ps(c22, v3)),
            );
            *s1 = n1;
            d
        };
    for n in from..to {
        let l = shift(out_l, a_left[n], b_left[n]);
        let r = shift(out_r, a_right[n], b_right[n]);
        let dp = svf(l, (pe, pf1, pf2), &mut p1, &mut p2);
        let dq = svf(r, (qe, qf1, qf2), &mut q1, &mut q2);
        out_l = _mm256_add_ps(l, dp);
        out_r = _mm256_add_ps(r, dq);
        let ol = _mm256_permutevar8x32_ps(out_l, pick);
        let or = _mm256_permutevar8x32_ps(out_r, pick);
        let (ol, or) = (_mm256_castps256_ps128(ol), _mm256_castps256_ps128(or));
        a_left[lag_a.wrapping_add(n)] = _mm_cvtss_f32(ol);
        a_right[lag_a.wrapping_add(n)] = _mm_cvtss_f32(or);
        b_left[lag_b.wrapping_add(n)] = _mm_cvtss_f32(_mm_movehdup_ps(ol));
        b_right[lag_b.wrapping_add(n)] = _mm_cvtss_f32(_mm_movehdup_ps(or));
    }
    let split = |v: __m256, x: &mut V, y: &mut V| unsafe {
        _mm_storeu_ps(x.as_mut_ptr(), _mm256_castps256_ps128(v));
        _mm_storeu_ps(y.as_mut_ptr(), _mm256_extractf128_ps::<1>(v));
    };
    let (sa, sb) = (&mut a.state[0], &mut b.state[0]);
    split(p1, &mut sa.p1, &mut sb.p1);
    split(p2, &mut sa.p2, &mut sb.p2);
    split(q1, &mut sa.q1, &mut sb.q1);
    split(q2, &mut sa.q2, &mut sb.q2);
    split(out_l, &mut sa.out_l, &mut sb.out_l);
    split(out_r, &mut sa.out_r, &mut sb.out_r);
    a.pushed += to - from;
    b.pushed += to - from;
}

/// `v` moved up one lane, `first` in lane 0. Written with SSE2 byte shifts on x86-64
/// (always available there): LLVM otherwise does this through memory, a store and a
/// misaligned reload, which stalls store forwarding every sample.
/// Only the first `N` lanes (4 or 8) are meaningful.
#[inline(always)]
fn shift_in<const N: usize>(v: &V, first: f32) -> V {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86-64 baseline; the loads and stores are unaligned
        // ones within the 8-lane arrays.
        unsafe {
            let lo = _mm_loadu_ps(v.as_ptr());
            let mut out = [0.0; WIDTH];
            if N > 4 {
                let hi = _mm_loadu_ps(v.as_ptr().add(4));
                let carry = _mm_castsi128_ps(_mm_srli_si128::<12>(_mm_castps_si128(lo)));
                let hi = _mm_or_ps(
                    _mm_castsi128_ps(_mm_slli_si128::<4>(_mm_castps_si128(hi))),
                    carry,
                );
                _mm_storeu_ps(out.as_mut_ptr().add(4), hi);
            }
            let lo = _mm_move_ss(
                _mm_castsi128_ps(_mm_slli_si128::<4>(_mm_castps_si128(lo))),
                _mm_set_ss(first),
            );
            _mm_storeu_ps(out.as_mut_ptr(), lo);
            out
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut out = [0.0; WIDTH];
        out[0] = first;
        out[1..N].copy_from_slice(&v[..N - 1]);
        out
    }
}

/// A lane that passes its input.
const IDLE: LaneTarget = LaneTarget {
    section: Section::IDENTITY,
    wet: 0.0,
    routing: LaneRouting::Stereo,
};

/// The nine stepped coefficients of a lane target, computed in f64.
///
/// With Simper's a1 = 1/(1 + g(g + k)), a2 = g·a1, a3 = g·a2 and the mix of the SVF's
/// outputs y = m0·x + m1·band + m2·low written as x + Δ with Δ = d0·x + d1·v1 + d2·v2
/// (d0 = m0 − 1, d1 = m1 − k·m0, d2 = m2 − m0, all × wet), substituting
/// v1 = a1·s1 + a2·v3 and v2 = s2 + a2·s1 + a3·v3 (v3 = x − s2) gives
/// Δ = e·x + f1·s1 + f2·s2 with e = d0 + d1·a2 + d2·a3, f1 = d1·a1 + d2·a2,
/// f2 = d2·(1 − a3) − d1·a2. The output then waits for the input only through one multiply
/// and two adds (the state part is ready a whole sample earlier), which is what bounds a
/// staggered chain's speed.
fn lane_coefs(t: &LaneTarget) -> [f32; 9] {
    let Section { g, k, m0, m1, m2 } = t.section;
    let den = 1.0 + g * (g + k);
    let a1 = 1.0 / den;
    let a2 = g * a1;
    let a3 = g * a2;
    let wet = f64::from(t.wet);
    let (d0, d1, d2) = ((m0 - 1.0) * wet, (m1 - k * m0) * wet, (m2 - m0) * wet);
    let d = [
        d0 + d1 * a2 + d2 * a3,
        d1 * a1 + d2 * a2,
        d2 * (1.0 - a3) - d1 * a2,
    ];
    let (p, q) = match t.routing {
        LaneRouting::Stereo => (d, d),
        LaneRouting::Left | LaneRouting::Mid => (d, [0.0; 3]),
        LaneRouting::Right | LaneRouting::Side => ([0.0; 3], d),
    };
    // 2a1 − 1 = (1 − g(g + k))/(1 + g(g + k)), exact for small g.
    let c11 = (1.0 - g * (g + k)) / den;
    let c = [c11, 2.0 * a2, 2.0 * a3, p[0], p[1], p[2], q[0], q[1], q[2]];
    c.map(|v| if v.is_finite() { v as f32 } else { 0.0 })
}

#[inline(always)]
fn step<const N: usize>(c: &mut Coefs, d: &Coefs) {
    for i in 0..N {
        c.c11[i] += d.c11[i];
        c.c12[i] += d.c12[i];
        c.c22[i] += d.c22[i];
        c.pe[i] += d.pe[i];
        c.pf1[i] += d.pf1[i];
        c.pf2[i] += d.pf2[i];
        c.qe[i] += d.qe[i];
        c.qf1[i] += d.qf1[i];
        c.qf2[i] += d.qf2[i];
    }
}

/// Every lane of a group on its input: two TPT SVFs (Simper's recursion, regrouped; see
/// [`lane_coefs`]) and their changes added back.
#[inline(always)]
fn kernel<const ROUTED: bool, const N: usize>(
    c: &Coefs,
    r: &Routing,
    s: &mut State,
    in_l: &V,
    in_r: &V,
) {
    for i in 0..N {
        let (l, rr) = (in_l[i], in_r[i]);
        let (p, q) = if ROUTED {
            (r.pl[i] * l + r.pr[i] * rr, r.ql[i] * l + r.qr[i] * rr)
        } else {
            (l, rr)
        };
        let (s1, s2) = (s.p1[i], s.p2[i]);
        let dp = c.pe[i] * p + (c.pf1[i] * s1 + c.pf2[i] * s2);
        let v3 = p - s2;
        s.p1[i] = c.c11[i] * s1 + c.c12[i] * v3;
        s.p2[i] = s2 + (c.c12[i] * s1 + c.c22[i] * v3);
        let (t1, t2) = (s.q1[i], s.q2[i]);
        let dq = c.qe[i] * q + (c.qf1[i] * t1 + c.qf2[i] * t2);
        let w3 = q - t2;
        s.q1[i] = c.c11[i] * t1 + c.c12[i] * w3;
        s.q2[i] = t2 + (c.c12[i] * t1 + c.c22[i] * w3);
        if ROUTED {
            s.out_l[i] = l + dp + r.lq[i] * dq;
            s.out_r[i] = rr + r.rp[i] * dp + r.rq[i] * dq;
        } else {
            s.out_l[i] = l + dp;
            s.out_r[i] = rr + dq;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eq::matched::{Effort, design_band};
    use crate::eq::prototype::{Cascade, MAX_SECTIONS, Proto};

    /// Sections of real designs (bells, shelves, a steep cut's), `count` of them.
    fn sections(count: usize) -> Vec<Section> {
        let protos = [
            Proto::Bell { q: 1.5, a: 1.5 },
            Proto::LowShelf2 {
                q: 0.7,
                a: 0.7,
                scale: 1.0,
            },
            Proto::HighPass2 { q: 2.0 },
            Proto::Notch2 { q: 3.0 },
            Proto::HighShelf1 { g: 2.0, scale: 1.0 },
        ];
        (0..count)
            .map(|i| {
                let mut c = Cascade {
                    protos: [Proto::LowPass1; MAX_SECTIONS],
                    len: 1,
                };
                c.protos[0] = protos[i % protos.len()];
                let mut out = [Section::IDENTITY; MAX_SECTIONS];
                design_band(&c, 0.02 + 0.09 * i as f64, Effort::FULL, &mut out);
                out[0]
            })
            .collect()
    }

    /// The same arithmetic as a lane, one section after the other for every sample.
    fn serial(targets: &[LaneTarget], left: &mut [f32], right: &mut [f32]) {
        let mut st = vec![[0.0f32; 4]; targets.len()];
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            for (t, s) in targets.iter().zip(&mut st) {
                let [c11, c12, c22, pe, pf1, pf2, qe, qf1, qf2] = lane_coefs(t);
                let routed = t.routing.routed();
                let (p, q) = if routed {
                    (0.5 * *l + 0.5 * *r, 0.5 * *l - 0.5 * *r)
                } else {
                    (*l, *r)
                };
                let dp = pe * p + (pf1 * s[0] + pf2 * s[1]);
                let v3 = p - s[1];
                (s[0], s[1]) = (c11 * s[0] + c12 * v3, s[1] + (c12 * s[0] + c22 * v3));
                let dq = qe * q + (qf1 * s[2] + qf2 * s[3]);
                let w3 = q - s[3];
                (s[2], s[3]) = (c11 * s[2] + c12 * w3, s[3] + (c12 * s[2] + c22 * w3));
                if routed {
                    (*l, *r) = (*l + dp + dq, *r + dp - dq);
                } else {
                    (*l, *r) = (*l + dp, *r + dq);
                }
            }
        }
    }

    fn noise(n: usize, seed: u64) -> Vec<f32> {
        let mut r = crate::test_support::XorShift::new(seed);
        (0..n).map(|_| 0.5 * r.uniform()).collect()
    }

    /// The staggered chain (primed and drained per segment, up to three groups of lanes,
    /// segments shorter than the chain) gives the serial cascade's output bit for bit.
    #[test]
    fn staggered_chain_is_the_serial_cascade_exactly() {
        let routings = [
            LaneRouting::Stereo,
            LaneRouting::Left,
            LaneRouting::Mid,
            LaneRouting::Side,
            LaneRouting::Right,
        ];
        for count in [1, 3, 4, 5, 8, 9, 13, 24] {
            for routed in [false, true] {
                let targets: Vec<LaneTarget> = sections(count)
                    .into_iter()
                    .enumerate()
                    .map(|(i, section)| LaneTarget {
                        section,
                        wet: 1.0,
                        routing: if routed {
                            routings[i % routings.len()]
                        } else {
                            LaneRouting::Stereo
                        },
                    })
                    .collect();
                let (l0, r0) = (noise(3000, 1), noise(3000, 2));
                let (mut el, mut er) = (l0.clone(), r0.clone());
                serial(&targets, &mut el, &mut er);
                for segment in [1, 2, 7, 100, 3000] {
                    let mut chain = Chain::new();
                    chain.set_len(count);
                    for (j, t) in targets.iter().enumerate() {
                        chain.set_now(j, t);
                    }
                    chain.refresh();
                    let (mut l, mut r) = (l0.clone(), r0.clone());
                    let mut start = 0;
                    while start < l.len() {
                        let end = (start + segment).min(l.len());
                        chain.begin(start);
                        // Pushed in two pieces, as between control ticks.
                        let mid = (start + end) / 2;
                        chain.push(&mut l, &mut r, start, mid);
                        chain.push(&mut l, &mut r, mid, end);
                        chain.drain(&mut l, &mut r);
                        start = end;
                    }
                    let same = l
                        .iter()
                        .zip(&el)
                        .chain(r.iter().zip(&er))
                        .all(|(a, b)| a.to_bits() == b.to_bits());
                    assert!(
                        same,
                        "{count} lanes, routed {routed}, segments of {segment}"
                    );
                }
            }
        }
    }
}
