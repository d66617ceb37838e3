//! Zero-latency designs: digital second-order sections whose magnitude is fitted to the
//! *unwarped* analog prototype (no cramping near Nyquist), realised as TPT state-variable
//! filters.
//!
//! # Why a fit, and why this one
//! A bilinear transform squeezes the analog response into 0…fs/2: a 10 kHz bell at 44.1 kHz
//! comes out several dB narrower and lower above fs/4. Oversampling only moves the problem
//! up and costs half-band filters with latency or phase error. Closed-form matched designs
//! fix three points of the response: Vicanek's ("Matched Second Order Digital Filters",
//! 2016) maps the poles by impulse invariance and matches the magnitude at DC, the band
//! frequency and Nyquist; Orfanidis' bell ("Digital Parametric Equalizer Design With
//! Prescribed Nyquist-Frequency Gain", JAES 1997) prescribes the Nyquist gain. Both are
//! excellent low in the band and both are off by tenths of a dB (bells) to several dB
//! (shelves and low-Q sections whose analog poles lie above Nyquist, where impulse
//! invariance has nothing to map them to) between those points when the band is high; the
//! issue asks for 0.1 dB below fs/4 and 1 dB up to 0.45·fs.
//!
//! So every section's squared magnitude is fitted as a whole. On the unit circle the
//! squared magnitude of any biquad is a ratio of two quadratics in
//! u = tan²(ω/2)/tan²(ω0/2) (the bilinear variable, normalised to the band frequency ω0),
//! and conversely every such ratio whose numerator and denominator are non-negative on
//! u ≥ 0 is the squared magnitude of exactly one stable, minimum-phase biquad (Fejér–Riesz).
//! The fit is done in v = u/(1 + u) ∈ [0, 1] (v = ½ at the band frequency, 1 at Nyquist),
//! where the same ratio of quadratics has bounded, well-conditioned coefficients:
//! |H|² = N(v)/D(v), D(0) = 1, unknowns: N's coefficients and D's two.
//! - **Linearised least squares, iterated** (Sanathanan–Koerner): minimise
//!   Σ wᵢ·(N(vᵢ) − Tᵢ·D(vᵢ))²/(Tᵢ·D_prev(vᵢ))², i.e. the relative error with the previous
//!   denominator standing in for the new one; a handful of passes converge.
//! - **Minimax by Lawson reweighting**: each point's weight grows with its error measured
//!   on the true response, so the largest errors shrink (the goal is a worst-case bound).
//! - **Realisability is kept, not hoped for**: the two linear bounds (N and D non-negative
//!   at Nyquist) are handled exactly by an active set (at most four small solves); the
//!   remaining conditions (no zero or pole crossing the unit circle) by stepping only part
//!   way from the last realisable design. The starting design (the bilinear transform
//!   pre-warped at the band frequency) is realisable, and the result is the best realisable
//!   iterate as measured on the grid, so the fit can only improve on it.
//! - **Targets and tolerances**: the grid clusters where the prototype changes (around the
//!   band, pole and zero frequencies, tighter for high Q) and covers the top of the band
//!   linearly; the tolerance is 0.1 dB below fs/4, 1 dB to 0.45·fs and, above that, only
//!   excess gain counts (3 dB at 0.475·fs, 6 dB at Nyquist, so nothing odd happens there; a
//!   dip is harmless).
//!   Where the *band's* response is deep in its stop band the tolerance widens
//!   (×(1 + 10⁻⁶·peak/|H|²): ×1.01 at −40 dB, ×2 at −60 dB), so the sections of a steep
//!   cut spend their freedom where it is heard.
//! - **Cascades are fitted jointly**: after each section of a cut is fitted to its own
//!   prototype, each is refitted to the band's target divided by the other sections'
//!   current responses, so their errors compensate instead of adding up.
//!
//! The measured worst cases over the a-priori domain are in the module tests
//! (`eq::tests`), and the README.
//!
//! # Realisation
//! The fitted section is kept in the SVF's own parameters (bilinear-domain form
//! H(s) = (m0·s² + m1·g·s + m2·g²)/(s² + k·g·s + g²), s = (1 − z⁻¹)/(1 + z⁻¹)): g is
//! G·tan(ω0/2) with G = O(1), so even a 20 Hz section at 192 kHz keeps full relative
//! precision in f32 (a direct form's a1 ≈ −2, a2 ≈ 1 would lose the design in its last
//! digits), and the states are integrator outputs, so coefficients may move every sample
//! while parameters glide.

use super::prototype::{Cascade, MAX_SECTIONS, Poles, Proto};
use crate::kernel::linalg::{cholesky_solve, least_squares};

/// Processing coefficients of one section: Simper's TPT SVF (see [`crate::svf`]) with the
/// output mix `m0·x + m1·band + m2·low`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SvfCoefs {
    pub a1: f32,
    pub a2: f32,
    pub a3: f32,
    pub m0: f32,
    pub m1: f32,
    pub m2: f32,
}

impl SvfCoefs {
    /// Passes the signal unchanged (m0 = 1, the integrators are never read).
    pub const IDENTITY: Self = Self {
        a1: 1.0,
        a2: 0.0,
        a3: 0.0,
        m0: 1.0,
        m1: 0.0,
        m2: 0.0,
    };

    pub fn is_finite(&self) -> bool {
        [self.a1, self.a2, self.a3, self.m0, self.m1, self.m2]
            .iter()
            .all(|v| v.is_finite())
    }
}

/// A designed section in the bilinear variable s = (1 − z⁻¹)/(1 + z⁻¹):
/// H(s) = (m0·s² + m1·g·s + m2·g²)/(s² + k·g·s + g²), in f64.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Section {
    pub g: f64,
    pub k: f64,
    pub m0: f64,
    pub m1: f64,
    pub m2: f64,
}

impl Section {
    /// H = 1.
    pub const IDENTITY: Self = Self {
        g: 1.0,
        k: 1.0,
        m0: 1.0,
        m1: 1.0,
        m2: 1.0,
    };

    /// The response at `w` rad/sample, as (re, im).
    pub fn response(&self, w: f64) -> (f64, f64) {
        // On the unit circle s = j·t, t = tan(ω/2); at Nyquist (t → ∞) H → m0.
        let t = (0.5 * w).tan();
        if !t.is_finite() || t.abs() > 1e150 {
            return (self.m0, 0.0);
        }
        let g = self.g;
        let (nr, ni) = (self.m2 * g * g - self.m0 * t * t, self.m1 * g * t);
        let (dr, di) = (g * g - t * t, self.k * g * t);
        let den = dr * dr + di * di;
        ((nr * dr + ni * di) / den, (ni * dr - nr * di) / den)
    }

    /// |H|² at `w` rad/sample.
    pub fn mag2(&self, w: f64) -> f64 {
        let (r, i) = self.response(w);
        r * r + i * i
    }

    /// The processing coefficients. The SVF's high output is x − k·band − low, so the mix
    /// `m0·high + m1·band + m2·low` becomes `m0·x + (m1 − k·m0)·band + (m2 − m0)·low`.
    pub fn svf(&self) -> SvfCoefs {
        let (g, k) = (self.g, self.k);
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;
        let c = SvfCoefs {
            a1: a1 as f32,
            a2: a2 as f32,
            a3: a3 as f32,
            m0: self.m0 as f32,
            m1: (self.m1 - k * self.m0) as f32,
            m2: (self.m2 - self.m0) as f32,
        };
        if c.is_finite() { c } else { SvfCoefs::IDENTITY }
    }
}

/// How much work a design may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effort {
    /// Least-squares passes per section fit.
    pub passes: usize,
    /// Joint refits of every section of a cascade (after the independent ones).
    pub sweeps: usize,
}

impl Effort {
    /// Settled parameters: the full design. (Four passes already reach the domain's
    /// accuracy; one joint sweep settles steep cuts at the top of the band.)
    pub const FULL: Self = Self {
        passes: 5,
        sweeps: 1,
    };
    /// While parameters glide, warm-started from the previous design a few milliseconds
    /// earlier, on a coarser grid (see [`redesign_band`]); the band lands on a
    /// [`FULL`](Self::FULL) design once settled.
    pub const GLIDE: Self = Self {
        passes: 1,
        sweeps: 0,
    };
}

/// Designs every section of `cascade` for band frequency `w0` (rad/sample) into
/// `out[..cascade.len]`. Does not allocate.
pub fn design_band(cascade: &Cascade, w0: f64, effort: Effort, out: &mut [Section; MAX_SECTIONS]) {
    design_sections(cascade, w0, effort, out, false);
}

/// [`design_band`] starting from the sections already in `out` (the design for nearby
/// parameters): what glides use.
pub fn redesign_band(
    cascade: &Cascade,
    w0: f64,
    effort: Effort,
    out: &mut [Section; MAX_SECTIONS],
) {
    design_sections(cascade, w0, effort, out, true);
}

fn design_sections(
    cascade: &Cascade,
    w0: f64,
    effort: Effort,
    out: &mut [Section; MAX_SECTIONS],
    warm: bool,
) {
    let len = cascade.len;
    for (o, p) in out.iter_mut().zip(cascade.sections()) {
        let start = warm.then_some(*o);
        *o = fit(p, None, cascade, w0, effort.passes, start);
    }
    if len > 1 {
        for _ in 0..effort.sweeps {
            for k in 0..len {
                let start = out[k];
                out[k] = fit(
                    &cascade.protos[k],
                    Some((&out[..len], k)),
                    cascade,
                    w0,
                    effort.passes,
                    Some(start),
                );
            }
        }
    }
}

/// Designs one section on its own (a band of one section, or for tests).
pub fn design(proto: &Proto, w0: f64) -> Section {
    let mut c = Cascade {
        protos: [Proto::LowPass1; MAX_SECTIONS],
        len: 1,
    };
    c.protos[0] = *proto;
    fit(proto, None, &c, w0, Effort::FULL.passes, None)
}

/// Grid points per fit (the grid below uses about 60).
const GRID: usize = 96;
/// Smallest denominator value at Nyquist (a pole pair may sit close to z = −1, not on it).
const D_NYQUIST_MIN: f64 = 1e-7;
/// Largest error (in tolerances) a grid point counts with; also the Lawson weights' cap.
const ERR_MAX: f64 = 1e6;
/// dB per natural-log unit of power.
const DB: f64 = 4.342_944_819_032_518;

/// What the numerator may be, in v: N(v) = Σ xⱼ·φⱼ(v).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Numerator {
    /// 1, v, v²: anything.
    General,
    /// v, v²: a zero at DC (band pass, first-order high pass).
    ZeroAtDc,
    /// v²: a double zero at DC (second-order high pass).
    DoubleZeroAtDc,
    /// (2v − 1)²: the notch's zeros exactly on the unit circle at the band frequency.
    Notch,
}

impl Numerator {
    fn of(proto: &Proto) -> Self {
        match proto {
            Proto::HighPass2 { .. } => Self::DoubleZeroAtDc,
            Proto::HighPass1 | Proto::BandPass2 { .. } => Self::ZeroAtDc,
            Proto::Notch2 { .. } => Self::Notch,
            _ => Self::General,
        }
    }

    fn dims(self) -> usize {
        match self {
            Self::General => 3,
            Self::ZeroAtDc => 2,
            Self::DoubleZeroAtDc | Self::Notch => 1,
        }
    }

    fn basis(self, v: f64) -> [f64; 3] {
        match self {
            Self::General => [1.0, v, v * v],
            Self::ZeroAtDc => [v, v * v, 0.0],
            Self::DoubleZeroAtDc => [v * v, 0.0, 0.0],
            Self::Notch => [(2.0 * v - 1.0) * (2.0 * v - 1.0), 0.0, 0.0],
        }
    }

    /// (N(0), N'(0)-ish, N(1)) as u-domain coefficients [n0, n1, n2] of N(u) = N(v)·(1 + u)².
    fn u_coefs(self, x: &[f64; 5]) -> [f64; 3] {
        let [a0, a1, a2] = match self {
            Self::General => [x[0], x[1], x[2]],
            Self::ZeroAtDc => [0.0, x[0], x[1]],
            Self::DoubleZeroAtDc => [0.0, 0.0, x[0]],
            Self::Notch => [x[0], -4.0 * x[0], 4.0 * x[0]],
        };
        // p0(1 − v)² + p1·v(1 − v) + p2·v² = P(v)  ⇔  P(u) = p0 + p1·u + p2·u².
        [a0, 2.0 * a0 + a1, a0 + a1 + a2]
    }

    /// The unknowns for a numerator given by its u-domain coefficients (inverse of
    /// [`u_coefs`](Self::u_coefs), projected onto the structure).
    fn unknowns_for(self, n: [f64; 3]) -> [f64; 3] {
        let (a0, a1, a2) = (n[0], n[1] - 2.0 * n[0], n[0] - n[1] + n[2]);
        match self {
            Self::General => [a0, a1, a2],
            Self::ZeroAtDc => [a1, a2, 0.0],
            Self::DoubleZeroAtDc => [a2, 0.0, 0.0],
            Self::Notch => [n[2].max(0.0), 0.0, 0.0],
        }
    }
}

/// The fit's grid and working arrays (on the stack).
struct Grid {
    n: usize,
    w: [f64; GRID],
    v: [f64; GRID],
    /// 1 − v, computed without cancellation (tan²(ω0/2)/(tan²(ω0/2) + tan²(ω/2))): for a low
    /// band at a high rate v is 1 − 10⁻⁸ over most of the grid, and evaluating N and D there
    /// from v alone loses every digit (see [`Grid::ratio`]).
    vc: [f64; GRID],
    /// Target |H|² of this section.
    target: [f64; GRID],
    /// Tolerance in dB (one-sided above 0.45·fs).
    tol: [f64; GRID],
}

const TOP: f64 = 0.9 * core::f64::consts::PI;

impl Grid {
    /// N(v) and D(v) of the unknowns `x` at point `i`, in the Bernstein form
    /// n0·(1 − v)² + n1·v·(1 − v) + n2·v² (the u-domain coefficients, which
    /// [`realise`] requires non-negative at the ends): no cancellation where v ≈ 1, so a
    /// realisable design is never evaluated as 0 or negative there by rounding.
    fn ratio(&self, num: Numerator, x: &[f64; 5], i: usize) -> (f64, f64) {
        let (v, vc) = (self.v[i], self.vc[i]);
        let [n0, n1, n2] = num.u_coefs(x);
        let (d1, d2) = (2.0 + x[3], 1.0 + x[3] + x[4]);
        (
            n0 * vc * vc + n1 * v * vc + n2 * v * v,
            vc * vc + d1 * v * vc + d2 * v * v,
        )
    }

    fn push(&mut self, w: f64) {
        if w > 0.0 && w <= core::f64::consts::PI && self.n < GRID {
            self.w[self.n] = w;
            self.n += 1;
        }
    }

    /// Points where the prototype changes: around the band, pole and zero frequencies
    /// (1/3 octave near them, octaves further out, closer around sharp resonances), and the
    /// top of the band linearly.
    /// `coarse` (glide steps, warm-started): about half the points.
    fn build(&mut self, proto: &Proto, w0: f64, coarse: bool) {
        use core::f64::consts::PI;
        let g = self;
        g.n = 0;
        let (wp, qp) = match proto.poles() {
            Poles::Second { wp, zeta } => (wp, 0.5 / zeta),
            Poles::First { wp } => (wp, 0.5),
        };
        // Centres with their sharpness: the poles, the band frequency (zeros of bells,
        // notches) and the shelves' zeros.
        let (wz, qz) = match *proto {
            Proto::Bell { q, a } => (1.0, q * a.max(1.0 / a)),
            Proto::Notch2 { q } => (1.0, q),
            Proto::LowShelf2 { q, a, .. } => (a.sqrt(), q),
            Proto::HighShelf2 { q, a, .. } => (1.0 / a.sqrt(), q),
            Proto::LowShelf1 { g, .. } => (g.sqrt(), 0.5),
            Proto::HighShelf1 { g, .. } => (1.0 / g.sqrt(), 0.5),
            _ => (1.0, 0.5),
        };
        let below_top = |w: f64| w > 0.0 && w < TOP;
        // 1/3 octave within four octaves of the band frequency (2/3 if coarse), octaves out
        // to 2^±10.
        const THIRD: f64 = 1.259_921_049_894_873_2; // 2^(1/3)
        let step = if coarse { THIRD * THIRD } else { THIRD };
        let mut w = w0 / 16.0;
        while w < w0 * 16.01 {
            if below_top(w) {
                g.push(w);
            }
            w *= step;
        }
        for i in [-10, -8, -7, -6, -5, 5, 6, 7, 8, 10] {
            let w = w0 * f64::powi(2.0, i);
            if below_top(w) {
                g.push(w);
            }
        }
        for (c, q) in [(wp, qp), (wz, qz)] {
            let wc = w0 * c;
            if below_top(wc) && c != 1.0 {
                g.push(wc);
            }
            if q > 0.7 {
                let fine: &[f64] = if coarse {
                    &[-1.0, -0.25, 0.25, 1.0]
                } else {
                    &[-1.0, -0.5, -0.25, -0.125, 0.125, 0.25, 0.5, 1.0]
                };
                for &d in fine {
                    let w = wc * (d / q).exp2();
                    if below_top(w) {
                        g.push(w);
                    }
                }
            }
        }
        let top: &[f64] = if coarse {
            &[0.3, 0.5, 0.6, 0.7, 0.8, 0.9]
        } else {
            &[0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9]
        };
        for &f in top {
            g.push(f * PI);
        }
        g.push(0.95 * PI);
        g.push(PI);
        let t0 = (0.5 * w0).tan().powi(2);
        for i in 0..g.n {
            let w = g.w[i];
            (g.v[i], g.vc[i]) = if w >= PI {
                (1.0, 0.0)
            } else {
                let t = (0.5 * w).tan().powi(2);
                (t / (t0 + t), t0 / (t0 + t))
            };
            g.tol[i] = if w <= 0.5 * PI + 1e-12 {
                0.1
            } else if w <= TOP + 1e-12 {
                1.0
            } else if w < PI {
                3.0
            } else {
                6.0
            };
        }
    }
}

/// Converts the fit's unknowns to a section, if realisable.
fn realise(num: Numerator, x: &[f64; 5], w0: f64, k_min: f64) -> Option<Section> {
    let [n0, n1, n2] = num.u_coefs(x);
    let (c1, c2) = (x[3], x[4]);
    let d1 = 2.0 + c1;
    let d2 = 1.0 + c1 + c2;
    // NaN (a failed fit) is rejected along with the unrealisable.
    if d2.is_nan() || d2 <= 0.0 || n0.is_nan() || n0 < 0.0 || n2.is_nan() || n2 < 0.0 {
        return None;
    }
    // D(u)/d2 = u² + (d1/d2)·u + 1/d2 = (G² − u)² + k²G²·u.
    let sd2 = d2.sqrt();
    let k2 = d1 / sd2 + 2.0;
    if k2.is_nan() || k2 <= k_min * k_min {
        return None;
    }
    let gg = 1.0 / sd2.sqrt(); // G
    let g2 = gg * gg;
    // N(u)/d2 = (m2·G² − m0·u)² + m1²·G²·u with m0, m2 ≥ 0 (minimum phase).
    let m0 = (n2 / d2).sqrt();
    let m2 = n0.sqrt();
    let m1sq = (n1 / d2 + 2.0 * m0 * m2 * g2) / g2;
    let scale = (n1.abs() / d2 + 2.0 * m0 * m2 * g2 + n0 + n2 / d2) / g2;
    if m1sq < -1e-9 * scale {
        return None;
    }
    let s = Section {
        g: gg * (0.5 * w0).tan(),
        k: k2.sqrt(),
        m0,
        m1: m1sq.max(0.0).sqrt(),
        m2,
    };
    [s.g, s.k, s.m0, s.m1, s.m2]
        .iter()
        .all(|v| v.is_finite())
        .then_some(s)
}

/// The fit's unknowns for an existing section (a warm start) at `w0`.
fn unknowns_of(num: Numerator, s: &Section, w0: f64) -> [f64; 5] {
    let t = (0.5 * w0).tan();
    let gg = s.g / t; // G
    let g2 = gg * gg;
    let g4 = g2 * g2;
    // D(u) = G⁴ + (k² − 2)G²·u + u², N(u) = m2²G⁴ + (m1² − 2m0m2)G²·u + m0²·u², both / G⁴.
    let d = [1.0, (s.k * s.k - 2.0) / g2, 1.0 / g4];
    let n = [
        s.m2 * s.m2,
        (s.m1 * s.m1 - 2.0 * s.m0 * s.m2) / g2,
        s.m0 * s.m0 / g4,
    ];
    from_polys(num, n, d)
}

/// The fit's unknowns for u-domain polynomials N, D (D normalised to D(0) = 1 here).
fn from_polys(num: Numerator, n: [f64; 3], d: [f64; 3]) -> [f64; 5] {
    let s = 1.0 / d[0];
    let (c1, c2) = ((d[1] - 2.0 * d[0]) * s, (d[0] - d[1] + d[2]) * s);
    let a = num.unknowns_for([n[0] * s, n[1] * s, n[2] * s]);
    let mut x = [0.0; 5];
    x[..3].copy_from_slice(&a);
    x[3] = c1;
    x[4] = c2;
    x
}

/// The bilinear transform of `proto` pre-warped at the band frequency (u = Ω²): the start.
/// First-order prototypes get a cancelling pole-zero pair at u = −1 so that the start is a
/// proper second-order section.
fn bilinear_start(proto: &Proto, num: Numerator) -> [f64; 5] {
    let (n, d) = analog_polys(proto);
    let (n, d) = if matches!(proto.poles(), Poles::First { .. }) {
        ([n[0], n[0] + n[1], n[1]], [d[0], d[0] + d[1], d[1]])
    } else {
        (n, d)
    };
    let mut x = from_polys(num, n, d);
    if num == Numerator::Notch {
        x[0] = 1.0; // DC gain 1
    }
    x
}

/// The analog section's numerator and denominator coefficients [c0, c1, c2] of
/// c2·s² + c1·s + c0 (s normalised to the band frequency).
fn analog_coefs(proto: &Proto) -> ([f64; 3], [f64; 3]) {
    match *proto {
        Proto::LowPass2 { q } => ([1.0, 0.0, 0.0], [1.0, 1.0 / q, 1.0]),
        Proto::HighPass2 { q } => ([0.0, 0.0, 1.0], [1.0, 1.0 / q, 1.0]),
        Proto::BandPass2 { q } => ([0.0, 1.0 / q, 0.0], [1.0, 1.0 / q, 1.0]),
        Proto::Notch2 { q } => ([1.0, 0.0, 1.0], [1.0, 1.0 / q, 1.0]),
        Proto::Bell { q, a } => ([1.0, a / q, 1.0], [1.0, 1.0 / (a * q), 1.0]),
        Proto::LowShelf2 { q, a, scale } => {
            let k = scale * a;
            ([k * a, k * a.sqrt() / q, k], [1.0, a.sqrt() / q, a])
        }
        Proto::HighShelf2 { q, a, scale } => {
            let k = scale * a;
            ([k, k * a.sqrt() / q, k * a], [a, a.sqrt() / q, 1.0])
        }
        Proto::LowPass1 => ([1.0, 0.0, 0.0], [1.0, 1.0, 0.0]),
        Proto::HighPass1 => ([0.0, 1.0, 0.0], [1.0, 1.0, 0.0]),
        Proto::LowShelf1 { g, scale } => {
            ([scale * g.sqrt(), scale, 0.0], [1.0 / g.sqrt(), 1.0, 0.0])
        }
        Proto::HighShelf1 { g, scale } => {
            ([scale, scale * g.sqrt(), 0.0], [1.0, 1.0 / g.sqrt(), 0.0])
        }
    }
}

/// |N(jΩ)|², |D(jΩ)|² of an analog section as polynomials in Ω².
fn analog_polys(proto: &Proto) -> ([f64; 3], [f64; 3]) {
    // |c2·s² + c1·s + c0|² at s = jΩ: (c0 − c2Ω²)² + c1²Ω².
    let sq = |c: [f64; 3]| [c[0] * c[0], c[1] * c[1] - 2.0 * c[0] * c[2], c[2] * c[2]];
    let (n, d) = analog_coefs(proto);
    (sq(n), sq(d))
}

/// The roots of an analog polynomial mapped by z = e^{s·ω0} (the matched-z transform), as
/// the z-polynomial 1 + c1·z⁻¹ + c2·z⁻² summarised by (P(1), P(−1), c2), computed without
/// cancellation for roots near z = 1. Roots at infinity go to z = −1. `None` if a complex
/// root lies beyond Nyquist (nothing to map it to).
fn matched_z(c: [f64; 3], w0: f64) -> Option<(f64, f64, f64)> {
    // One real root z = e^x: factor (1 − z·z⁻¹).
    let real = |x: f64| (-x.exp_m1(), 1.0 + x.exp(), -x.exp());
    let infinite = (2.0, 0.0, 1.0); // 1 + z⁻¹
    let [c0, c1, c2] = c;
    let pair = |a: (f64, f64, f64), b: (f64, f64, f64)| (a.0 * b.0, a.1 * b.1, a.2 * b.2);
    if c2 != 0.0 {
        let disc = c1 * c1 - 4.0 * c2 * c0;
        if disc < 0.0 {
            let sigma = -c1 / (2.0 * c2) * w0;
            let omega = (-disc).sqrt() / (2.0 * c2.abs()) * w0;
            if omega >= 0.98 * core::f64::consts::PI {
                return None;
            }
            let r = sigma.exp();
            let s2 = (0.5 * omega).sin().powi(2);
            let one_minus_r = -sigma.exp_m1();
            Some((
                one_minus_r * one_minus_r + 4.0 * r * s2,
                (1.0 + r) * (1.0 + r) - 4.0 * r * s2,
                r * r,
            ))
        } else {
            let sq = disc.sqrt();
            // Roots without cancellation: q = −(c1 + sign(c1)·√disc)/2, roots q/c2 and c0/q.
            let qv = -0.5 * (c1 + c1.signum() * sq);
            let (r1, r2) = if qv != 0.0 {
                (qv / c2, c0 / qv)
            } else {
                (0.0, 0.0)
            };
            let (a, b) = (real(r1 * w0), real(r2 * w0));
            Some((a.0 * b.0, a.1 * b.1, a.2 * b.2))
        }
    } else if c1 != 0.0 {
        Some(pair(real(-c0 / c1 * w0), infinite))
    } else {
        Some(pair(infinite, infinite))
    }
}

/// The matched-z transform of `proto` (poles and zeros mapped by z = e^{sT}) as a section,
/// with unit numerator gain (scaled by the caller). It puts sharp resonances where the
/// analog ones are, which a bilinear start (pre-warped at the band frequency only) does not.
fn matched_z_start(proto: &Proto, w0: f64) -> Option<Section> {
    let (n, d) = analog_coefs(proto);
    let (p0, p1, a2) = matched_z(d, w0)?;
    let (n1, nm1, c2) = matched_z(n, w0)?;
    if !(p0 > 0.0 && p1 > 0.0) {
        return None;
    }
    let g = (p0 / p1).sqrt();
    let k = 2.0 * (1.0 - a2) / (p1 * g);
    let dd = 4.0 / p1;
    let s = Section {
        g,
        k,
        m0: dd * nm1 / 4.0,
        m1: dd * (1.0 - c2) / (2.0 * g),
        m2: dd * n1 / (4.0 * g * g),
    };
    ([s.g, s.k, s.m0, s.m1, s.m2].iter().all(|v| v.is_finite()) && k > 0.0).then_some(s)
}

/// Fits one section. `others`: the band's current sections and this one's index, for a
/// joint refit (target = band target / the others' responses); `start`: a warm start.
fn fit(
    proto: &Proto,
    others: Option<(&[Section], usize)>,
    band: &Cascade,
    w0: f64,
    passes: usize,
    start: Option<Section>,
) -> Section {
    let num = Numerator::of(proto);
    // No resonance much sharper than the prototype's own poles (a sharp peak could hide
    // between grid points): k at least a quarter of the analog damping 2ζ (or of 1).
    let k_min = 0.25
        * match proto.poles() {
            Poles::Second { zeta, .. } => (2.0 * zeta).min(1.0),
            Poles::First { .. } => 1.0,
        };
    let mut g = Grid {
        n: 0,
        w: [0.0; GRID],
        v: [0.0; GRID],
        vc: [0.0; GRID],
        target: [0.0; GRID],
        tol: [0.0; GRID],
    };
    g.build(proto, w0, start.is_some());
    // Targets, and tolerances widened where the band is deep in its stop band.
    let mut band_peak = band.mag2(0.0);
    let mut band_mag = [0.0f64; GRID];
    for (m, &w) in band_mag.iter_mut().zip(&g.w).take(g.n) {
        *m = band.mag2(w / w0);
        band_peak = band_peak.max(*m);
    }
    let mut kept = 0;
    for (i, &mag) in band_mag.iter().enumerate().take(g.n) {
        let target = match others {
            None => proto.mag2(g.w[i] / w0),
            Some((secs, k)) => {
                let rest: f64 = secs
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != k)
                    .map(|(_, s)| s.mag2(g.w[i]))
                    .product();
                mag / rest
            }
        };
        // Zeros of the target (a notch's centre) are imposed by the structure, not fitted;
        // nor is anything 200 dB below the band's peak, where f64 rounding of the fit's own
        // polynomials is all there is (the centre of a notch comes out of its target formula
        // as 1e−30, not 0).
        if target.is_finite() && target > band_peak * 1e-20 && mag > band_peak * 1e-30 {
            g.w[kept] = g.w[i];
            g.v[kept] = g.v[i];
            g.vc[kept] = g.vc[i];
            g.target[kept] = target;
            g.tol[kept] = g.tol[i] * (1.0 + 1e-6 * band_peak / mag);
            kept += 1;
        }
    }
    g.n = kept;
    let n = g.n;
    let dims = num.dims() + 2;

    let mut err = [0.0f64; GRID];
    let worst_of = |x: &[f64; 5], err: &mut [f64; GRID]| -> f64 {
        let mut worst = 0.0f64;
        for (i, e_out) in err.iter_mut().enumerate().take(n) {
            let (nv, dv) = g.ratio(num, x, i);
            let db = DB * (nv / (dv * g.target[i])).ln();
            let db = if g.w[i] > TOP + 1e-9 {
                db.max(0.0)
            } else {
                db.abs()
            };
            // A zero of the fit on the unit circle (or a pole on it) where the target has
            // none: as bad as an error can be, but a number, so that the weights below stay
            // finite and ordered.
            let e = if db.is_finite() {
                (db / g.tol[i]).min(ERR_MAX)
            } else {
                ERR_MAX
            };
            *e_out = e;
            worst = worst.max(e);
        }
        worst
    };
    // Starts: a warm start if given; else the better of the bilinear transform and the
    // matched-z transform (gain set to the best log-average fit on the grid).
    let mut prev = bilinear_start(proto, num);
    let (mut best, mut best_err) = (Section::IDENTITY, f64::INFINITY);
    let consider = |x: [f64; 5], prev: &mut [f64; 5], best: &mut Section, best_err: &mut f64| {
        if let Some(s) = realise(num, &x, w0, k_min) {
            let e = worst_of(&x, &mut [0.0; GRID]);
            if e < *best_err {
                (*best, *best_err, *prev) = (s, e, x);
            }
        }
    };
    match start {
        Some(s) => consider(
            unknowns_of(num, &s, w0),
            &mut prev,
            &mut best,
            &mut best_err,
        ),
        None => {
            consider(
                bilinear_start(proto, num),
                &mut prev,
                &mut best,
                &mut best_err,
            );
            if let Some(mut s) = matched_z_start(proto, w0) {
                let (mut sum, mut weight) = (0.0, 0.0);
                for i in 0..n {
                    let m = s.mag2(g.w[i]);
                    if m > 0.0 && m.is_finite() {
                        let wi = 1.0 / (g.tol[i] * g.tol[i]);
                        sum += wi * (g.target[i] / m).ln();
                        weight += wi;
                    }
                }
                if weight > 0.0 {
                    let k = (0.5 * sum / weight).exp();
                    (s.m0, s.m1, s.m2) = (k * s.m0, k * s.m1, k * s.m2);
                    consider(
                        unknowns_of(num, &s, w0),
                        &mut prev,
                        &mut best,
                        &mut best_err,
                    );
                }
            }
        }
    }
    if best_err.is_infinite() {
        // No realisable start (guards odd warm starts): the bilinear one, unconditionally.
        prev = bilinear_start(proto, num);
        if let Some(s) = realise(num, &prev, w0, 0.0) {
            best = s;
        }
    }
    let mut wt = [0.0f64; GRID];
    for (w, &tol) in wt.iter_mut().zip(&g.tol).take(n) {
        *w = 1.0 / (tol * tol);
    }

    let mut rows = [[0.0f64; 5]; GRID];
    let mut rhs = [0.0f64; GRID];
    for _ in 0..passes {
        // Rows of the linearised problem: N(v) − T·(c1·v + c2·v²) = T, scaled by
        // √w/(T·D_prev(v)).
        for i in 0..n {
            let v = g.v[i];
            let t = g.target[i];
            let (_, dp) = g.ratio(num, &prev, i);
            let s = wt[i].sqrt() / (t * dp);
            let b = num.basis(v);
            let nd = num.dims();
            let mut r = [0.0; 5];
            r[..nd].copy_from_slice(&[s * b[0], s * b[1], s * b[2]][..nd]);
            r[nd] = -s * t * v;
            r[nd + 1] = -s * t * v * v;
            rows[i] = r;
            rhs[i] = s * t;
        }
        let candidate = constrained_solve(num, &rows[..n], &rhs[..n], dims);
        let mut next = candidate.and_then(|x| realise(num, &x, w0, k_min).map(|s| (x, s)));
        if next.is_none() {
            // The least-squares optimum is not realisable (typically a pole and a zero that
            // cancel on the unit circle): a Levenberg–Marquardt-damped step from the last
            // realisable design instead, as short as needed.
            next = damped_step(num, &rows[..n], &rhs[..n], dims, &prev, w0, k_min);
        }
        let Some((x, section)) = next else { break };
        prev = x;
        let worst = worst_of(&x, &mut err);
        if worst < best_err {
            best_err = worst;
            best = section;
        }
        // Lawson: weights grow with the error (floored so no point is forgotten).
        let mut total = 0.0;
        for i in 0..n {
            // (worst ≤ ERR_MAX, so the floor never exceeds the cap.)
            wt[i] *= err[i].max(1e-3 * worst).min(ERR_MAX);
            total += wt[i];
        }
        if !(total > 0.0 && total.is_finite()) {
            break;
        }
        for w in &mut wt[..n] {
            *w /= total;
        }
    }
    best
}

/// The step from `prev` minimising ‖A·x − b‖² + μ·‖D·(x − prev)‖² (D: the column norms)
/// for the smallest μ of a geometric ladder whose result is realisable.
fn damped_step(
    num: Numerator,
    rows: &[[f64; 5]],
    rhs: &[f64],
    dims: usize,
    prev: &[f64; 5],
    w0: f64,
    k_min: f64,
) -> Option<([f64; 5], Section)> {
    let nd = num.dims();
    // Unknown j of the reduced layout → slot in the fixed layout [numerator (3), c1, c2].
    let slot = |j: usize| if j < nd { j } else { j - nd + 3 };
    let mut ata = [[0.0f64; 5]; 5];
    let mut atr = [0.0f64; 5];
    for (r, &b) in rows.iter().zip(rhs) {
        let resid = b - (0..dims).map(|j| r[j] * prev[slot(j)]).sum::<f64>();
        for a in 0..dims {
            atr[a] += r[a] * resid;
            for c in 0..dims {
                ata[a][c] += r[a] * r[c];
            }
        }
    }
    let mut mu = 1e-4;
    for _ in 0..12 {
        let mut m = ata;
        for (a, row) in m.iter_mut().enumerate().take(dims) {
            row[a] *= 1.0 + mu;
        }
        if let Some(d) = cholesky_solve(&m, &atr, dims) {
            let mut x = *prev;
            for j in 0..dims {
                x[slot(j)] += d[j];
            }
            if let Some(s) = realise(num, &x, w0, k_min) {
                return Some((x, s));
            }
        }
        mu *= 10.0;
    }
    None
}

/// Weighted least squares for the unknowns (numerator coefficients, then c1, c2), with the
/// bounds N(1) ≥ 0 and D(1) ≥ [`D_NYQUIST_MIN`] (N, D at Nyquist) by an exact active set:
/// the unconstrained solution, or the best feasible one with either or both bounds held.
fn constrained_solve(
    num: Numerator,
    rows: &[[f64; 5]],
    rhs: &[f64],
    dims: usize,
) -> Option<[f64; 5]> {
    let nd = num.dims();
    // Value of each numerator basis function at v = 1.
    let b1 = num.basis(1.0);
    let mut best: Option<([f64; 5], f64)> = None;
    let mut reduced = [[0.0f64; 5]; GRID];
    let mut rb = [0.0f64; GRID];
    for combo in 0..4 {
        // The unconstrained optimum, if feasible, is the answer.
        if combo > 0 && best.is_some() {
            break;
        }
        let (hold_n, hold_d) = (combo & 1 != 0, combo & 2 != 0);
        // Holding N(1) = 0 eliminates the last numerator unknown; with a single one, N ≡ 0.
        if hold_n && nd < 2 {
            continue;
        }
        let n_last = nd - 1;
        if combo == 0 {
            // Unconstrained: the rows as they are.
            let all = [0, 1, 2, 3, 4];
            if let Some((sol, _)) = least_squares::<GRID, 5>(rows, rhs, &all[..dims]) {
                let mut x = [0.0f64; 5];
                x[..nd].copy_from_slice(&sol[..nd]);
                (x[3], x[4]) = (sol[nd], sol[nd + 1]);
                let n_at_1: f64 = (0..nd).map(|j| x[j] * b1[j]).sum();
                let feasible = n_at_1 >= -1e-12 * (0..nd).map(|j| x[j].abs()).sum::<f64>()
                    && 1.0 + x[3] + x[4] >= 0.999 * D_NYQUIST_MIN;
                if feasible {
                    return Some(x);
                }
            }
            continue;
        }
        for (i, r) in rows.iter().enumerate() {
            let mut row = *r;
            let mut b = rhs[i];
            if hold_n {
                // x_last = −Σ_{j<last} x_j·b1_j / b1_last.
                for j in 0..n_last {
                    row[j] -= r[n_last] * b1[j] / b1[n_last];
                }
                row[n_last] = 0.0;
            }
            if hold_d {
                // c2 = (D_MIN − 1) − c1.
                row[nd] -= r[nd + 1];
                b -= r[nd + 1] * (D_NYQUIST_MIN - 1.0);
                row[nd + 1] = 0.0;
            }
            reduced[i] = row;
            rb[i] = b;
        }
        // Free columns.
        let mut cols = [0usize; 5];
        let mut m = 0;
        for j in 0..dims {
            let held = (hold_n && j == n_last) || (hold_d && j == nd + 1);
            if !held {
                cols[m] = j;
                m += 1;
            }
        }
        let Some((sol, residual)) =
            least_squares::<GRID, 5>(&reduced[..rows.len()], &rb[..rows.len()], &cols[..m])
        else {
            continue;
        };
        let mut y = [0.0f64; 5];
        for (c, &j) in cols[..m].iter().enumerate() {
            y[j] = sol[c];
        }
        if hold_n {
            y[n_last] = -(0..n_last).map(|j| y[j] * b1[j]).sum::<f64>() / b1[n_last];
        }
        if hold_d {
            y[nd + 1] = D_NYQUIST_MIN - 1.0 - y[nd];
        }
        // Back to the fixed layout [numerator (3), c1, c2].
        let mut x = [0.0f64; 5];
        x[..nd].copy_from_slice(&y[..nd]);
        x[3] = y[nd];
        x[4] = y[nd + 1];
        let n_at_1: f64 = (0..nd).map(|j| x[j] * b1[j]).sum();
        let d_at_1 = 1.0 + x[3] + x[4];
        let feasible = n_at_1 >= -1e-12 * (0..nd).map(|j| x[j].abs()).sum::<f64>()
            && d_at_1 >= 0.999 * D_NYQUIST_MIN;
        if feasible && best.is_none_or(|b| residual < b.1) {
            best = Some((x, residual));
        }
    }
    best.map(|b| b.0)
}
