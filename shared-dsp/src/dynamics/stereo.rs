//! How the two channels of a dynamics processor relate: stereo link and mid/side.
//!
//! **Stereo link** (0–100 %) blends each channel's gain reduction in dB towards the larger
//! one: `gr' = gr + link·(max − gr)`. At 0 % the channels are independent; at 100 % both
//! follow the channel that is reduced most (the louder one), so the gain is identical on both
//! and the stereo image does not move. It acts on the *smoothed* gain reduction, after the
//! ballistics: linking per-sample levels instead would compare the two waveforms' momentary
//! values, so a partial link would depend on how the channels' crests happen to line up in
//! time, while the smoothed reductions are steady for steady material and the blend means
//! what it says (50 % of a 15 dB and a 7.5 dB reduction is 11.25 dB). A limiter links its
//! required gain reduction the same way.
//!
//! **Mid/side** uses M = (L + R)/2, S = (L − R)/2 and back L = M + S, R = M − S, so a mono
//! signal has M equal to each channel: a threshold means the same in both modes.

use crate::lane::{Lane, Stereo};

/// Stereo link: moves each lane `amount` (0…1) of the way to the larger lane.
#[inline(always)]
pub fn link(gain_reduction_db: Stereo, amount: f32) -> Stereo {
    let [l, r] = gain_reduction_db.0;
    let most = if l > r { l } else { r }; // never NaN here; cheaper than `f32::max`
    gain_reduction_db + (Stereo::splat(most) - gain_reduction_db) * amount
}

/// (L, R) → (M, S) with M = (L + R)/2, S = (L − R)/2.
#[inline(always)]
pub fn to_mid_side(x: Stereo) -> Stereo {
    Stereo::new((x.left() + x.right()) * 0.5, (x.left() - x.right()) * 0.5)
}

/// (M, S) → (L, R) = (M + S, M − S); the inverse of [`to_mid_side`].
#[inline(always)]
pub fn from_mid_side(ms: Stereo) -> Stereo {
    Stereo::new(ms.left() + ms.right(), ms.left() - ms.right())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_blends_towards_the_larger_reduction() {
        let gr = Stereo::new(15.0, 7.5);
        assert_eq!(link(gr, 0.0), gr);
        assert_eq!(link(gr, 1.0), Stereo::new(15.0, 15.0));
        assert_eq!(link(gr, 0.5), Stereo::new(15.0, 11.25));
        assert_eq!(link(Stereo::new(0.0, 3.0), 1.0), Stereo::new(3.0, 3.0));
    }

    #[test]
    fn mid_side_round_trips() {
        for (l, r) in [(0.5f32, 0.25f32), (1.0, -1.0), (0.3, 0.3), (-0.7, 0.1)] {
            let back = from_mid_side(to_mid_side(Stereo::new(l, r)));
            assert!((back.left() - l).abs() < 1e-7 && (back.right() - r).abs() < 1e-7);
        }
        // A mono signal is all mid, at the channels' own level; opposite polarity is all side.
        assert_eq!(to_mid_side(Stereo::new(0.4, 0.4)), Stereo::new(0.4, 0.0));
        assert_eq!(to_mid_side(Stereo::new(0.4, -0.4)), Stereo::new(0.0, 0.4));
    }
}
