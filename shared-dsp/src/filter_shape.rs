//! The second-order filter shapes shared by the EQ's cascades ([`eq`](crate::eq)), the
//! [`Svf`](crate::svf::Svf) and the filters built on it, and the parameter limits they apply.
//!
//! Both structures realise the same analog prototypes through the bilinear transform with
//! the cutoff pre-warped, so one shape enum and one set of limits serve both: an EQ band
//! can switch structure (biquad for static bands, SVF for modulated ones) without its
//! parameters meaning anything different.

/// A second-order response. `q` is the analog prototype's Q (for shelves, the Q of the
/// RBJ cookbook's shelf prototype; 1/√2 gives the steepest shelf without overshoot).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FilterShape {
    /// 1/(s² + s/Q + 1)
    #[default]
    LowPass,
    /// s²/(s² + s/Q + 1)
    HighPass,
    /// (s/Q)/(s² + s/Q + 1): constant 0 dB peak gain, so Q changes width, not level.
    BandPass,
    /// (s² + 1)/(s² + s/Q + 1)
    Notch,
    /// Peaking EQ, A = 10^(dB/40): (s² + s·A/Q + 1)/(s² + s/(A·Q) + 1).
    Bell,
    /// A·(s² + (√A/Q)s + A)/(A·s² + (√A/Q)s + 1): gain below the corner.
    LowShelf,
    /// A·(A·s² + (√A/Q)s + 1)/(s² + (√A/Q)s + A): gain above the corner.
    HighShelf,
    /// (s² − s/Q + 1)/(s² + s/Q + 1): unit magnitude, phase turns 360° around f0.
    AllPass,
}

impl FilterShape {
    /// Every shape, for editors' type menus and for tests that cover them all.
    pub const ALL: [FilterShape; 8] = [
        FilterShape::LowPass,
        FilterShape::HighPass,
        FilterShape::BandPass,
        FilterShape::Notch,
        FilterShape::Bell,
        FilterShape::LowShelf,
        FilterShape::HighShelf,
        FilterShape::AllPass,
    ];

    /// Whether the gain parameter affects this shape (editors grey it out otherwise).
    pub const fn uses_gain(self) -> bool {
        matches!(self, Self::Bell | Self::LowShelf | Self::HighShelf)
    }
}

/// Highest usable cutoff as a fraction of the sample rate. At Nyquist the pre-warp
/// tan(π·f/fs) is infinite and the designs degenerate; 0.49·fs keeps every shape well
/// defined (21.6 kHz at 44.1 kHz, above anything an EQ needs).
pub const MAX_FREQ_RATIO: f64 = 0.49;
/// Lowest cutoff in Hz. Below a few Hz the poles crowd z = 1 and f32 coefficients lose the
/// design; 1 Hz is under every musical use.
pub const MIN_FREQ_HZ: f64 = 1.0;
/// Q limits: Q ≤ 0 is meaningless, and beyond 100 a band is a sine oscillator.
pub const MIN_Q: f64 = 0.025;
pub const MAX_Q: f64 = 100.0;
/// Gain limits for bells and shelves.
pub const MAX_GAIN_DB: f64 = 60.0;

// The helpers below use `max(lo).min(hi)` rather than `clamp` on purpose: `clamp` returns
// NaN for a NaN input (and panics if a bound is NaN), while `max` maps NaN to the lower
// bound, so parameter setters can never let NaN into coefficients or panic.

/// Sample rate forced into a sane range.
#[inline]
#[allow(
    clippy::manual_clamp,
    reason = "NaN must map to the lower bound, see above"
)]
pub(crate) fn sane_sample_rate(sample_rate: f64) -> f64 {
    sample_rate.max(8_000.0).min(1.0e7)
}

/// Cutoff limited to `[MIN_FREQ_HZ, MAX_FREQ_RATIO·fs]`; NaN becomes the lower limit.
#[inline]
pub(crate) fn sane_freq(freq: f64, sample_rate: f64) -> f64 {
    freq.max(MIN_FREQ_HZ).min(MAX_FREQ_RATIO * sample_rate)
}

#[inline]
#[allow(clippy::manual_clamp, reason = "NaN must map to the lower bound")]
pub(crate) fn sane_q(q: f64) -> f64 {
    q.max(MIN_Q).min(MAX_Q)
}

/// NaN gain becomes 0 dB (no change) rather than a limit.
#[inline]
#[allow(
    clippy::manual_clamp,
    reason = "NaN is handled first; keeps the helpers uniform"
)]
pub(crate) fn sane_gain_db(gain_db: f64) -> f64 {
    if gain_db.is_nan() {
        0.0
    } else {
        gain_db.max(-MAX_GAIN_DB).min(MAX_GAIN_DB)
    }
}
