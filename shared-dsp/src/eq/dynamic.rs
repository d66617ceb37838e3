//! Dynamic bands: a bell or shelf whose gain follows the level in its own frequency range,
//! or in an external key's.
//!
//! # What a dynamic band does
//! The band's detector measures the level of the band's part of the signal (the input, or
//! the key, filtered around the band frequency, see [`DetectorBank`]); the static curve
//! ([`Dynamics::gain_change_db`]) turns the level into a gain change, which follows with the
//! attack and release time constants and is added to the band's own gain. The curve is
//! deliberately the simplest one engineers reason with: every dB the level goes past the
//! threshold (above it, or below it, as [`Direction`] says) moves the gain by one dB towards
//! Range, until Range is used up. Cutting above the threshold thus holds the band at the
//! threshold (a de-esser), boosting below it holds a quiet band up, and the opposite signs
//! expand.
//!
//! # Level
//! The detector filter is the band's shape reduced to what the band acts on: a band pass at
//! the band's frequency and Q for a bell (unity at the centre), a second-order Butterworth
//! low pass (high pass) at the corner for a low (high) shelf, and the full band for a tilt.
//! Its mean square is smoothed over `max(2 ms, 3 periods of the band frequency)` (a steady
//! tone's level ripples by about ±0.1 dB before the attack smoothing; attack and release
//! count this time in) and read as dB of a sine's
//! peak: a sine of peak −20 dBFS at the band frequency reads −20 dB. Stereo bands take the
//! mean of both channels' power; left, right, mid and side bands the one signal they act on.
//!
//! # Why a gain table
//! A band's sections are fitted to the analog prototype ([`matched`](super::matched)), a
//! least-squares iteration far too costly to repeat every few samples for eight moving
//! bands. While a dynamic band's own settings are still, its designs over the gains the
//! dynamics reach are made once, where it first goes ([`GainTable`], every whole dB, full
//! effort), and interpolated every control tick: at the table's points the band *is* the static
//! band at that gain, and between them the response stays within the bound its tests
//! measure. While the band's frequency, gain or Q glide, the glide's own redesigns include
//! the dynamic gain.
//!
//! # Linear phase
//! Dynamic bands act in zero-latency mode only: the linear-phase FIR is designed off the
//! audio thread for fixed bands, so there a dynamic band is its static band.

use super::matched::{self, Effort, Section};
use super::prototype::{MAX_GAIN_DB, MAX_SECTIONS, cascade, sane_band};
use super::{BANDS, BandSettings, BandType, Placement};
use crate::kernel::sanitize::finite_or_zero;

/// The largest gain change, either way (dB).
pub const MAX_RANGE_DB: f64 = 30.0;
/// Level a silent detector reads (dB).
pub const FLOOR_DB: f64 = -120.0;

/// Which side of the threshold the gain changes on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Direction {
    /// As the level rises above the threshold (a de-esser, a dynamic boost on loud notes).
    #[default]
    Above,
    /// As the level falls below the threshold (lift a band that gets lost when quiet).
    Below,
}

/// What the detector listens to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum KeySource {
    /// The band's own part of the input.
    #[default]
    Band,
    /// The external key (the plugin's Sidechain input), through the same band filter.
    External,
}

/// One band's dynamics, in real units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dynamics {
    pub enabled: bool,
    /// dB (sine-peak scale, see the [module docs](self)).
    pub threshold_db: f64,
    /// dB, −30 … +30: the most the gain moves (cut if negative, boost if positive).
    pub range_db: f64,
    /// Time constant of a growing gain change (ms).
    pub attack_ms: f64,
    /// Time constant of a shrinking gain change (ms).
    pub release_ms: f64,
    pub direction: Direction,
    pub key: KeySource,
    /// The threshold follows the band: its level averaged over [`AUTO_SECONDS`], plus
    /// [`AUTO_MARGIN_DB`] (above) or minus it (below), so only what stands out of the band's
    /// own average is treated (`threshold_db` is then unused).
    pub auto_threshold: bool,
}

/// Averaging time of the automatic threshold (s): a few bars, so a resonance that rings for
/// a note stands out of it and a louder chorus raises it within seconds.
pub const AUTO_SECONDS: f64 = 3.0;
/// How far past the band's average level the automatic threshold sits (dB).
pub const AUTO_MARGIN_DB: f64 = 3.0;

impl Default for Dynamics {
    fn default() -> Self {
        Self {
            enabled: false,
            threshold_db: -20.0,
            range_db: -6.0,
            attack_ms: 10.0,
            release_ms: 150.0,
            direction: Direction::Above,
            key: KeySource::Band,
            auto_threshold: false,
        }
    }
}

impl Dynamics {
    /// The static curve: the gain change (dB) at a steady detector level (dB). One dB of
    /// gain per dB past the threshold, up to Range.
    pub fn gain_change_db(&self, level_db: f64) -> f64 {
        let past = match self.direction {
            Direction::Above => level_db - self.threshold_db,
            Direction::Below => self.threshold_db - level_db,
        };
        let range = self.range();
        if past.is_nan() || past <= 0.0 || range == 0.0 {
            return 0.0;
        }
        past.min(range.abs()).copysign(range)
    }

    /// Range, finite and within ±[`MAX_RANGE_DB`].
    fn range(&self) -> f64 {
        if self.range_db.is_finite() {
            self.range_db.clamp(-MAX_RANGE_DB, MAX_RANGE_DB)
        } else {
            0.0
        }
    }

    /// Attack and release coefficients of a one-pole step every `period` seconds, after a
    /// detector averaging over `detector` seconds: the detector's time and half a step are
    /// taken off each time constant, so that the gain change as a whole follows the times
    /// set (down to those two, which are the shortest it can take).
    fn coefficients(&self, period: f64, detector: f64) -> (f64, f64) {
        let coef = |ms: f64| {
            let tau = if ms.is_finite() {
                ms.clamp(0.05, 10_000.0)
            } else {
                10.0
            } * 1e-3;
            let tau = (tau - detector - 0.5 * period).max(0.05e-3);
            (-period / tau).exp()
        };
        (coef(self.attack_ms), coef(self.release_ms))
    }
}

/// The detector's averaging time constant for a band at `freq` (s): long enough that a
/// steady tone's level ripples by about ±0.1 dB.
pub fn detector_seconds(freq: f64) -> f64 {
    (3.0 / freq).max(2e-3)
}

/// Whether a band of this type can be dynamic (it has a gain to move).
pub const fn can_be_dynamic(kind: BandType) -> bool {
    kind.uses_gain()
}

type V = [f32; BANDS];
/// What a detector lane was set for: frequency, Q, type, placement, key.
type DetectorFor = (f32, f32, BandType, Placement, KeySource);

/// Every band's detector, side by side: lane j is band j, so that one sample of all eight
/// detectors is a handful of vector operations (the bank runs every sample while any band
/// is dynamic).
#[derive(Clone, Debug)]
pub struct DetectorBank {
    /// SVF recursion (Simper's TPT form).
    a1: V,
    a2: V,
    a3: V,
    /// Output mix: cx·x + cb·band + cl·low.
    cx: V,
    cb: V,
    cl: V,
    /// p = pl·l + pr·r + kl·key_l + kr·key_r, and q likewise: the signals filtered.
    pl: V,
    pr: V,
    pkl: V,
    pkr: V,
    ql: V,
    qr: V,
    qkl: V,
    qkr: V,
    /// Power = wp·p_f² + wq·q_f².
    wp: V,
    wq: V,
    /// States and the smoothed mean square.
    p1: V,
    p2: V,
    q1: V,
    q2: V,
    ms: V,
    /// Mean-square smoothing coefficient per sample.
    ms_c: V,
    /// What each lane's coefficients were made for (frequency, Q, type, placement, key).
    made_for: [Option<DetectorFor>; BANDS],
    /// Each lane's averaging time constant (s).
    seconds: [f64; BANDS],
    /// AVX2 available (checked once): the loop then runs as one 8-lane vector.
    avx2: bool,
}

/// The coefficients one sample needs, for the loop: the SVF as a state-space recursion
/// (s' = M·s + b·x, out = o·s + o0·x). The same filter as the TPT form, but each new state is
/// one multiply and one add away from the old ones (the TPT form chains five operations),
/// which is what limits a recursion's speed. (A detector's coefficients do not move while it
/// runs, and f32 keeps its poles to well within the accuracy a level needs.)
#[derive(Clone, Copy)]
struct Coefs {
    m11: V,
    m12: V,
    m21: V,
    m22: V,
    b1: V,
    b2: V,
    o1: V,
    o2: V,
    o0: V,
    wp: V,
    wq: V,
    ms_c: V,
}

/// One sample of every lane: both SVFs, the detector output's power, the mean square.
/// `st`: p's two states, q's two states, the mean square.
#[inline(always)]
fn tick(c: &Coefs, st: &mut [V; 5], p: &V, q: &V) {
    let [p1, p2, q1, q2, ms] = st;
    for j in 0..BANDS {
        let (s1, s2) = (p1[j], p2[j]);
        let pf = c.o1[j] * s1 + c.o2[j] * s2 + c.o0[j] * p[j];
        p1[j] = c.m11[j] * s1 + (c.m12[j] * s2 + c.b1[j] * p[j]);
        p2[j] = c.m22[j] * s2 + (c.m21[j] * s1 + c.b2[j] * p[j]);
        let (s1, s2) = (q1[j], q2[j]);
        let qf = c.o1[j] * s1 + c.o2[j] * s2 + c.o0[j] * q[j];
        q1[j] = c.m11[j] * s1 + (c.m12[j] * s2 + c.b1[j] * q[j]);
        q2[j] = c.m22[j] * s2 + (c.m21[j] * s1 + c.b2[j] * q[j]);
        let power = c.wp[j] * pf * pf + c.wq[j] * qf * qf;
        ms[j] += c.ms_c[j] * (power - ms[j]);
    }
}

impl Default for DetectorBank {
    fn default() -> Self {
        Self::new()
    }
}

impl DetectorBank {
    pub fn new() -> Self {
        let z = [0.0; BANDS];
        Self {
            a1: [1.0; BANDS],
            a2: z,
            a3: z,
            cx: z,
            cb: z,
            cl: z,
            pl: z,
            pr: z,
            pkl: z,
            pkr: z,
            ql: z,
            qr: z,
            qkl: z,
            qkr: z,
            wp: z,
            wq: z,
            p1: z,
            p2: z,
            q1: z,
            q2: z,
            ms: z,
            ms_c: z,
            made_for: [None; BANDS],
            seconds: [2e-3; BANDS],
            avx2: crate::kernel::simd::has_avx2(),
        }
    }

    /// Points lane `j` at `band` (as it sounds now) listening to `key`; cheap when nothing
    /// changed. The lane's states carry on (a glide moves the filter, it does not restart).
    pub fn set(&mut self, j: usize, band: &BandSettings, key: KeySource, fs: f64) {
        let made = (
            band.freq as f32,
            band.q as f32,
            band.kind,
            band.placement,
            key,
        );
        if self.made_for[j] == Some(made) {
            return;
        }
        self.made_for[j] = Some(made);
        let (g, k) = match band.kind {
            BandType::Bell => ((core::f64::consts::PI * band.freq / fs).tan(), 1.0 / band.q),
            _ => (
                (core::f64::consts::PI * band.freq / fs).tan(),
                core::f64::consts::SQRT_2,
            ),
        };
        let a1 = 1.0 / (1.0 + g * (g + k));
        self.a1[j] = a1 as f32;
        self.a2[j] = (g * a1) as f32;
        self.a3[j] = (g * g * a1) as f32;
        (self.cx[j], self.cb[j], self.cl[j]) = match band.kind {
            BandType::Bell => (0.0, k as f32, 0.0),
            BandType::LowShelf => (0.0, 0.0, 1.0),
            BandType::HighShelf => (1.0, -k as f32, -1.0),
            _ => (1.0, 0.0, 0.0),
        };
        // (l, r) → (p, q) and the weight of each in the power.
        let (p, q, wp, wq) = match band.placement {
            Placement::Stereo => ((1.0, 0.0), (0.0, 1.0), 0.5, 0.5),
            Placement::Left => ((1.0, 0.0), (0.0, 0.0), 1.0, 0.0),
            Placement::Right => ((0.0, 1.0), (0.0, 0.0), 1.0, 0.0),
            Placement::Mid => ((0.5, 0.5), (0.0, 0.0), 1.0, 0.0),
            Placement::Side => ((0.5, -0.5), (0.0, 0.0), 1.0, 0.0),
        };
        let external = key == KeySource::External;
        let (main, keyed) = if external { (0.0, 1.0) } else { (1.0, 0.0) };
        (self.pl[j], self.pr[j]) = (p.0 * main, p.1 * main);
        (self.pkl[j], self.pkr[j]) = (p.0 * keyed, p.1 * keyed);
        (self.ql[j], self.qr[j]) = (q.0 * main, q.1 * main);
        (self.qkl[j], self.qkr[j]) = (q.0 * keyed, q.1 * keyed);
        (self.wp[j], self.wq[j]) = (wp, wq);
        self.seconds[j] = detector_seconds(band.freq);
        self.ms_c[j] = (1.0 - (-1.0 / (self.seconds[j] * fs)).exp()) as f32;
    }

    /// Every lane's filter states and mean square.
    fn states_mut(&mut self) -> [&mut V; 5] {
        [
            &mut self.p1,
            &mut self.p2,
            &mut self.q1,
            &mut self.q2,
            &mut self.ms,
        ]
    }

    /// Silences lane `j` (a band that is not dynamic): it reads the floor.
    pub fn clear(&mut self, j: usize) {
        for v in self.states_mut() {
            v[j] = 0.0;
        }
    }

    crate::kernel::simd::avx2_dispatch! {
        /// Runs every lane over one stretch of input (`key`: the external key, or silence).
        pub fn run(&mut self, l: &[f32], r: &[f32], key: Option<(&[f32], &[f32])>) = run_any;
        avx2 if self.avx2: fn run_avx2;
    }

    /// The loop, on local copies of the states (so that the eight lanes of one sample are
    /// plain vector operations), with the key's terms only when there is a key.
    #[inline(always)]
    fn run_any(&mut self, l: &[f32], r: &[f32], key: Option<(&[f32], &[f32])>) {
        let n = l.len().min(r.len());
        let (l, r) = (&l[..n], &r[..n]);
        let c = self.state_space();
        let (pl, pr, ql, qr) = (self.pl, self.pr, self.ql, self.qr);
        let mut st = [self.p1, self.p2, self.q1, self.q2, self.ms];
        let keyed = match key {
            Some((kl, kr)) if kl.len() >= n && kr.len() >= n => Some((&kl[..n], &kr[..n])),
            _ => None,
        };
        match keyed {
            Some((kl, kr)) => {
                let (pkl, pkr, qkl, qkr) = (self.pkl, self.pkr, self.qkl, self.qkr);
                for i in 0..n {
                    let (x, y) = (l[i], r[i]);
                    let (kl, kr) = (finite_or_zero(kl[i]), finite_or_zero(kr[i]));
                    let p: V =
                        core::array::from_fn(|j| pl[j] * x + pr[j] * y + pkl[j] * kl + pkr[j] * kr);
                    let q: V =
                        core::array::from_fn(|j| ql[j] * x + qr[j] * y + qkl[j] * kl + qkr[j] * kr);
                    tick(&c, &mut st, &p, &q);
                }
            }
            None => {
                for i in 0..n {
                    let (x, y) = (l[i], r[i]);
                    let p: V = core::array::from_fn(|j| pl[j] * x + pr[j] * y);
                    let q: V = core::array::from_fn(|j| ql[j] * x + qr[j] * y);
                    tick(&c, &mut st, &p, &q);
                }
            }
        }
        [self.p1, self.p2, self.q1, self.q2, self.ms] = st;
    }

    /// The TPT coefficients as a state-space recursion (see [`Coefs`]). With v3 = x − s2,
    /// v1 = a1·s1 + a2·v3, v2 = s2 + a2·s1 + a3·v3, s1' = 2·v1 − s1, s2' = 2·v2 − s2 and the
    /// output cx·x + cb·v1 + cl·v2, written out in s1, s2 and x.
    fn state_space(&self) -> Coefs {
        let (a1, a2, a3) = (self.a1, self.a2, self.a3);
        let f = |g: &dyn Fn(usize) -> f32| -> V { core::array::from_fn(g) };
        Coefs {
            m11: f(&|j| 2.0 * a1[j] - 1.0),
            m12: f(&|j| -2.0 * a2[j]),
            b1: f(&|j| 2.0 * a2[j]),
            m21: f(&|j| 2.0 * a2[j]),
            m22: f(&|j| 1.0 - 2.0 * a3[j]),
            b2: f(&|j| 2.0 * a3[j]),
            o1: f(&|j| self.cb[j] * a1[j] + self.cl[j] * a2[j]),
            o2: f(&|j| -self.cb[j] * a2[j] + self.cl[j] * (1.0 - a3[j])),
            o0: f(&|j| self.cx[j] + self.cb[j] * a2[j] + self.cl[j] * a3[j]),
            wp: self.wp,
            wq: self.wq,
            ms_c: self.ms_c,
        }
    }

    /// Lane `j`'s level (dB, sine-peak scale), at least [`FLOOR_DB`].
    pub fn level_db(&self, j: usize) -> f64 {
        // f32's log10 is exact to ~1e-6 dB here, and a fraction of f64's cost.
        let ms = 2.0 * self.ms[j];
        if ms > 1e-12 {
            f64::from(10.0 * ms.log10())
        } else {
            FLOOR_DB
        }
    }

    /// Lane `j`'s averaging time constant (s), as last set.
    pub fn seconds(&self, j: usize) -> f64 {
        self.seconds[j]
    }

    /// Once per block: lanes a non-finite (or absurd) key or input reached start again from
    /// rest; tiny states are flushed.
    pub fn sanitize(&mut self) {
        for j in 0..BANDS {
            let states = [self.p1[j], self.p2[j], self.q1[j], self.q2[j], self.ms[j]];
            if states.iter().any(|s| !s.is_finite() || s.abs() > 1e12) {
                self.clear(j);
            }
            for v in self.states_mut() {
                v[j] = crate::kernel::sanitize::flush_denormal(v[j]);
            }
        }
    }
}

/// A band's designs at the gains its dynamics reach (see the [module docs](self)).
///
/// The knots are every whole dB from −[`MAX_GAIN_DB`] to +[`MAX_GAIN_DB`], designed when
/// first needed (so a band's dynamics cost designs only where its gain goes, at most four
/// per control tick, and none once it has been there), and the static gain itself, designed
/// exactly. Changing Range or the threshold costs nothing; moving the band's frequency, Q,
/// type or slope starts afresh. A knot at 0 dB, where a design's parameters have a kink (a
/// bell's or shelf's poles and zeros trade places between boost and cut), is never reached
/// across by the cubic.
#[derive(Clone, Debug)]
pub struct GainTable {
    grid: [Section; GRID],
    /// Bit k: `grid[k]` (gain k − MAX_GAIN_DB) is designed.
    made: u64,
    /// The exact design at the static gain.
    base: Section,
    base_db: f64,
    /// The band the designs are for (its gain aside), and the rate.
    band: Option<BandSettings>,
    fs: f64,
}

/// Whole-dB knots from −[`MAX_GAIN_DB`] to +[`MAX_GAIN_DB`].
const GRID: usize = 2 * MAX_GAIN_DB as usize + 1;

impl Default for GainTable {
    fn default() -> Self {
        Self {
            grid: [Section::IDENTITY; GRID],
            made: 0,
            base: Section::IDENTITY,
            base_db: f64::NAN,
            band: None,
            fs: 0.0,
        }
    }
}

impl GainTable {
    /// Points the table at `band` (its static gain included) at `fs`. Designs the static
    /// gain exactly if that changed, and forgets every knot if the rest of the band did.
    /// Returns whether anything changed.
    pub fn prepare(&mut self, band: &BandSettings, fs: f64) -> bool {
        let band = sane_band(band, fs);
        let shape = BandSettings {
            gain_db: 0.0,
            ..band
        };
        let mut changed = false;
        if self.band != Some(shape) || self.fs != fs {
            self.band = Some(shape);
            self.fs = fs;
            self.made = 0;
            self.base_db = f64::NAN;
            changed = true;
        }
        if self.base_db != band.gain_db {
            self.base_db = band.gain_db;
            self.base = self.design(band.gain_db);
            changed = true;
        }
        changed
    }

    fn design(&self, gain_db: f64) -> Section {
        let Some(band) = self.band else {
            return Section::IDENTITY;
        };
        let b = BandSettings { gain_db, ..band };
        let mut out = [Section::IDENTITY; MAX_SECTIONS];
        let w0 = core::f64::consts::TAU * b.freq / self.fs;
        matched::design_band(&cascade(&b), w0, Effort::FULL, &mut out);
        out[0]
    }

    /// The knot at `x` dB (the static gain, or a whole dB), designed if it was not yet.
    fn knot(&mut self, x: f64) -> Section {
        if x == self.base_db {
            return self.base;
        }
        let k = (x + MAX_GAIN_DB) as usize;
        if self.made & (1 << k) == 0 {
            self.grid[k] = self.design(x);
            self.made |= 1 << k;
        }
        self.grid[k]
    }

    /// The knots nearest `gain_db`: up to two at or below it and two above it, in order
    /// (`None` past the ends of the range).
    fn knots_around(&self, gain_db: f64) -> [Option<f64>; 4] {
        let base = self.base_db;
        let floor = gain_db.floor();
        // Whole dB below and above, with the static gain slotted in where it falls.
        let mut below = [None; 2];
        let mut above = [None; 2];
        let (mut k, mut n) = (floor, 0);
        // A whole-dB static gain is its grid knot already.
        let whole = base.fract() == 0.0;
        let mut base_used = whole || base > gain_db;
        while n < 2 && k >= -MAX_GAIN_DB {
            if !base_used && base > k {
                below[n] = Some(base);
                base_used = true;
            } else {
                below[n] = Some(k);
                k -= 1.0;
            }
            n += 1;
        }
        if !base_used && n < 2 {
            below[n] = Some(base);
        }
        let (mut k, mut n) = (floor + 1.0, 0);
        let mut base_used = whole || base <= gain_db;
        while n < 2 && k <= MAX_GAIN_DB {
            if !base_used && base < k {
                above[n] = Some(base);
                base_used = true;
            } else {
                above[n] = Some(k);
                k += 1.0;
            }
            n += 1;
        }
        if !base_used && n < 2 {
            above[n] = Some(base);
        }
        [below[1], below[0], above[0], above[1]]
    }

    /// The band at `gain_db` (within ±[`MAX_GAIN_DB`]): the designs around it, interpolated
    /// by a cubic Hermite curve in every parameter of the section (tangents from the
    /// neighbouring knots, one-sided at the ends and at 0 dB). Designs at most four knots.
    pub fn at(&mut self, gain_db: f64) -> Section {
        if self.band.is_none() {
            return Section::IDENTITY;
        }
        let gain_db = if gain_db.is_finite() {
            gain_db.clamp(-MAX_GAIN_DB, MAX_GAIN_DB)
        } else {
            self.base_db
        };
        if gain_db == self.base_db {
            return self.base;
        }
        let [x0, x1, x2, x3] = self.knots_around(gain_db);
        let (Some(xj), Some(xk)) = (x1, x2) else {
            // At an end of the range: the end knot.
            return self.knot(x1.or(x2).unwrap_or(self.base_db));
        };
        let (sj, sk) = (self.knot(xj), self.knot(xk));
        let h = xk - xj;
        let t = (gain_db - xj) / h;
        if t <= 0.0 {
            return sj;
        }
        // Next to 0 dB the design is degenerate (any poles serve H = 1): keep the other
        // end's poles and mix its numerator with the flat one, H = 1 + u·(H_end − 1), which
        // is what a gain a fraction u of the way there sounds like, to within the tests'
        // bound.
        if xj == 0.0 || xk == 0.0 {
            let (end, u) = if xj == 0.0 { (&sk, t) } else { (&sj, 1.0 - t) };
            let flat = |m: f64, one: f64| one + u * (m - one);
            return Section {
                m0: flat(end.m0, 1.0),
                m1: flat(end.m1, end.k),
                m2: flat(end.m2, 1.0),
                ..*end
            };
        }
        let (pj, pk) = (params(&sj), params(&sk));
        let secant: [f64; 5] = core::array::from_fn(|m| (pk[m] - pj[m]) / h);
        // Tangents from the neighbours (one-sided at an end of the range or at 0 dB).
        let mut tangent = |x: f64, before: Option<f64>, after: Option<f64>| -> [f64; 5] {
            match (before, after) {
                (Some(a), Some(b)) if x != 0.0 && a != 0.0 && b != 0.0 => {
                    let (pa, pb) = (params(&self.knot(a)), params(&self.knot(b)));
                    core::array::from_fn(|m| (pb[m] - pa[m]) / (b - a))
                }
                _ => secant,
            }
        };
        let mj = tangent(xj, x0, Some(xk));
        let mk = tangent(xk, Some(xj), x3);
        let (t2, t3) = (t * t, t * t * t);
        let (h00, h10, h01, h11) = (
            2.0 * t3 - 3.0 * t2 + 1.0,
            t3 - 2.0 * t2 + t,
            -2.0 * t3 + 3.0 * t2,
            t3 - t2,
        );
        let v: [f64; 5] =
            core::array::from_fn(|m| h00 * pj[m] + h10 * h * mj[m] + h01 * pk[m] + h11 * h * mk[m]);
        Section {
            g: v[0],
            k: v[1],
            m0: v[2],
            m1: v[3],
            m2: v[4],
        }
    }
}

fn params(s: &Section) -> [f64; 5] {
    [s.g, s.k, s.m0, s.m1, s.m2]
}

/// One band's dynamic state in the engine.
#[derive(Clone, Debug, Default)]
pub struct DynamicState {
    pub settings: Dynamics,
    /// The gain change now (dB) and the one the lanes were last set to.
    pub gain_db: f64,
    pub applied_db: f64,
    pub table: GainTable,
    /// Attack and release coefficients, and the (attack, release, period, detector) they
    /// were computed for: two `exp` per band per tick would cost as much as the audio.
    coefficients: (f64, f64),
    coefficients_for: Option<(f64, f64, f64, f64)>,
    /// The band's average power for the automatic threshold (0: nothing heard yet), and its
    /// per-tick smoothing coefficient.
    average: f64,
    average_c: f64,
}

impl DynamicState {
    /// One control tick: the gain change follows the detector's level with the attack or
    /// release time constant (`period`: seconds per tick). Returns the new gain change.
    pub fn follow(&mut self, level_db: f64, period: f64, detector: f64, active: bool) -> f64 {
        let mut settings = self.settings;
        if settings.auto_threshold {
            let power = 10f64.powf(level_db / 10.0);
            if self.average <= 0.0 {
                self.average = power;
            }
            self.average += self.average_c * (power - self.average);
            let margin = match settings.direction {
                Direction::Above => AUTO_MARGIN_DB,
                Direction::Below => -AUTO_MARGIN_DB,
            };
            settings.threshold_db = 10.0 * self.average.max(1e-12).log10() + margin;
        }
        let target = if active {
            settings.gain_change_db(level_db)
        } else {
            0.0
        };
        let asked = (
            self.settings.attack_ms,
            self.settings.release_ms,
            period,
            detector,
        );
        if self.coefficients_for != Some(asked) {
            self.coefficients = self.settings.coefficients(period, detector);
            self.coefficients_for = Some(asked);
            self.average_c = 1.0 - (-period / AUTO_SECONDS).exp();
        }
        let (attack, release) = self.coefficients;
        let a = if target.abs() > self.gain_db.abs() {
            attack
        } else {
            release
        };
        self.gain_db = target + a * (self.gain_db - target);
        if !self.gain_db.is_finite() || (target == 0.0 && self.gain_db.abs() < 1e-4) {
            self.gain_db = target;
        }
        self.gain_db
    }

    /// From rest (activation): no gain change, no average.
    pub fn reset(&mut self) {
        self.gain_db = 0.0;
        self.applied_db = f64::NAN;
        self.average = 0.0;
    }
}
