//! The sample "lane" type that filters and followers are generic over.
//!
//! A stereo plugin runs the same filter on both channels. Writing every processor once,
//! generic over [`Lane`], lets it run either on a plain `f32` (one channel, or a
//! sidechain) or on a [`Stereo`] pair, where both channels share one state struct and one
//! pass over the samples: coefficients are loaded once, the loop has half the iterations,
//! and the element-wise `[f32; 2]` arithmetic is something LLVM turns into SIMD on its own.
//! `std::simd` would be more explicit but is nightly-only; plain arrays keep us on stable
//! without a dependency, and are easy to widen later (e.g. `[f32; 4]` for two stereo buses).

use core::fmt::Debug;
use core::ops::{Add, AddAssign, Mul, Neg, Sub};

use crate::kernel::sanitize::flush_denormal;

/// Arithmetic a processor needs from its sample type, applied independently per lane.
///
/// Coefficients stay scalar `f32` (`Mul<f32>`): every lane of one processor shares them,
/// which is what makes running channels side by side cheap.
pub trait Lane:
    Copy
    + Default
    + Debug
    + PartialEq
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Mul<f32, Output = Self>
    + Neg<Output = Self>
    + AddAssign
{
    /// Number of `f32` channels carried.
    const WIDTH: usize;

    /// The same value in every lane.
    fn splat(x: f32) -> Self;

    /// Silence in every lane.
    #[inline(always)]
    fn zero() -> Self {
        Self::splat(0.0)
    }

    /// Applies `f` to each lane.
    fn map(self, f: impl Fn(f32) -> f32) -> Self;

    /// Applies `f` lane by lane to `self` and `other` (per-lane selects, min/max, ...).
    fn zip_map(self, other: Self, f: impl Fn(f32, f32) -> f32) -> Self;

    /// `true` only when every lane is finite. Processors test their output with this so
    /// that a NaN or an infinity resets the state instead of living on in a feedback path.
    fn is_finite(self) -> bool;

    /// Largest absolute value across lanes (a NaN lane may be ignored; test
    /// [`is_finite`](Lane::is_finite) first when that matters).
    fn max_abs(self) -> f32;

    /// Per-lane [`flush_denormal`].
    #[inline(always)]
    fn flush_denormal(self) -> Self {
        self.map(flush_denormal)
    }

    /// Per-lane absolute value.
    #[inline(always)]
    fn abs(self) -> Self {
        self.map(f32::abs)
    }
}

impl Lane for f32 {
    const WIDTH: usize = 1;
    #[inline(always)]
    fn splat(x: f32) -> Self {
        x
    }

    #[inline(always)]
    fn map(self, f: impl Fn(f32) -> f32) -> Self {
        f(self)
    }

    #[inline(always)]
    fn zip_map(self, other: Self, f: impl Fn(f32, f32) -> f32) -> Self {
        f(self, other)
    }

    #[inline(always)]
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }

    #[inline(always)]
    fn max_abs(self) -> f32 {
        self.abs()
    }
}

/// Left and right samples side by side, processed as one lane value.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stereo(pub [f32; 2]);

impl Stereo {
    #[inline(always)]
    pub const fn new(left: f32, right: f32) -> Self {
        Self([left, right])
    }

    #[inline(always)]
    pub const fn left(self) -> f32 {
        self.0[0]
    }

    #[inline(always)]
    pub const fn right(self) -> f32 {
        self.0[1]
    }
}

impl From<[f32; 2]> for Stereo {
    #[inline(always)]
    fn from(v: [f32; 2]) -> Self {
        Self(v)
    }
}

impl Add for Stereo {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Self([self.0[0] + o.0[0], self.0[1] + o.0[1]])
    }
}

impl AddAssign for Stereo {
    #[inline(always)]
    fn add_assign(&mut self, o: Self) {
        *self = *self + o;
    }
}

impl Sub for Stereo {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Self([self.0[0] - o.0[0], self.0[1] - o.0[1]])
    }
}

impl Mul for Stereo {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Self([self.0[0] * o.0[0], self.0[1] * o.0[1]])
    }
}

impl Mul<f32> for Stereo {
    type Output = Self;
    #[inline(always)]
    fn mul(self, k: f32) -> Self {
        Self([self.0[0] * k, self.0[1] * k])
    }
}

impl Neg for Stereo {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Self([-self.0[0], -self.0[1]])
    }
}

impl Lane for Stereo {
    const WIDTH: usize = 2;
    #[inline(always)]
    fn splat(x: f32) -> Self {
        Self([x, x])
    }

    #[inline(always)]
    fn map(self, f: impl Fn(f32) -> f32) -> Self {
        Self([f(self.0[0]), f(self.0[1])])
    }

    #[inline(always)]
    fn zip_map(self, other: Self, f: impl Fn(f32, f32) -> f32) -> Self {
        Self([f(self.0[0], other.0[0]), f(self.0[1], other.0[1])])
    }

    #[inline(always)]
    fn is_finite(self) -> bool {
        // `&` rather than `&&`: no branch between the lanes.
        self.0[0].is_finite() & self.0[1].is_finite()
    }

    #[inline(always)]
    fn max_abs(self) -> f32 {
        self.0[0].abs().max(self.0[1].abs())
    }
}

/// Runs a [`Stereo`] per-sample function in place over separate left/right buffers, the
/// layout plugin hosts hand us. Works on any length; if the two slices differ, only the
/// common prefix is processed (never a panic on the audio thread).
#[inline]
pub fn for_each_stereo(left: &mut [f32], right: &mut [f32], mut f: impl FnMut(Stereo) -> Stereo) {
    for (l, r) in left.iter_mut().zip(right.iter_mut()) {
        let y = f(Stereo([*l, *r]));
        *l = y.0[0];
        *r = y.0[1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stereo_ops_are_per_lane() {
        let a = Stereo::new(1.0, -2.0);
        let b = Stereo::new(3.0, 5.0);
        assert_eq!(a + b, Stereo::new(4.0, 3.0));
        assert_eq!(a - b, Stereo::new(-2.0, -7.0));
        assert_eq!(a * b, Stereo::new(3.0, -10.0));
        assert_eq!(a * 2.0, Stereo::new(2.0, -4.0));
        assert_eq!(-a, Stereo::new(-1.0, 2.0));
        assert_eq!(a.abs(), Stereo::new(1.0, 2.0));
        assert_eq!(a.max_abs(), 2.0);
        assert_eq!(Stereo::zero(), Stereo::splat(0.0));
        assert!(!Stereo::new(1.0, f32::NAN).is_finite());
        assert!(!Stereo::new(f32::INFINITY, 0.0).is_finite());
        assert!(a.is_finite());
        assert_eq!(
            Stereo::new(1e-35, 0.5).flush_denormal(),
            Stereo::new(0.0, 0.5)
        );
    }

    #[test]
    fn for_each_stereo_handles_any_length() {
        let mut l = [1.0, 2.0, 3.0];
        let mut r = [4.0, 5.0];
        for_each_stereo(&mut l, &mut r, |s| Stereo::new(s.right(), s.left()));
        assert_eq!(l, [4.0, 5.0, 3.0]);
        assert_eq!(r, [1.0, 2.0]);
        for_each_stereo(&mut [], &mut [], |s| s);
    }
}
