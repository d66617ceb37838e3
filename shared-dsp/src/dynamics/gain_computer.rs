//! The static curve: how much a level above the threshold is turned down, in the log domain.
//!
//! Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor Design — A Tutorial and
//! Analysis", JAES 60(6), 2012, eq. (4): with input level x and output level y in dB,
//! threshold T, ratio R and knee width W,
//!
//! ```text
//! y = x                                  2(x − T) < −W        (below the knee)
//! y = x + (1/R − 1)(x − T + W/2)² / (2W) 2|x − T| ≤ W         (inside the knee)
//! y = T + (x − T)/R                      2(x − T) > W         (above the knee)
//! ```
//!
//! The quadratic knee is the unique parabola that joins the two straight lines with matching
//! value and slope at both ends, so the curve and its first derivative are continuous: the
//! ratio eases in over W dB instead of kinking at T. Working in dB is what makes a ratio a
//! constant slope and the curve three cheap cases per sample; the conversions in and out of
//! the log domain are [`fast_db`](super::fast_db).
//!
//! The curve is stored as the slope `1/R − 1` (0 at 1:1, −1 at ∞:1) rather than R, because
//! that is what the formula uses, ∞:1 needs no special case, and gliding the slope between
//! two settings moves the curve evenly (gliding R would sweep 10:1 → ∞:1 in one sample).

use crate::kernel::sanitize::finite_clamped_or;
use crate::lane::Lane;

/// One static curve. Cheap to copy and rebuild (a division), so a glide can rebuild it every
/// sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GainComputer {
    threshold_db: f32,
    /// 1/R − 1, in [−1, 0].
    slope: f32,
    knee_db: f32,
    half_knee: f32,
    /// slope / (2W): the knee parabola's coefficient (unused when W = 0).
    knee_coef: f32,
}

impl Default for GainComputer {
    fn default() -> Self {
        Self::new(-18.0, 4.0, 6.0)
    }
}

/// 1/R − 1 for a ratio R ≥ 1 (`f32::INFINITY` is ∞:1 → −1). Ratios below 1 and NaN count
/// as 1:1: this is a compressor, never an expander.
pub fn ratio_to_slope(ratio: f32) -> f32 {
    if ratio > 1.0 { 1.0 / ratio - 1.0 } else { 0.0 }
}

impl GainComputer {
    /// Threshold in dB, ratio R:1 (≥ 1, `f32::INFINITY` allowed), knee width in dB (≥ 0).
    pub fn new(threshold_db: f32, ratio: f32, knee_db: f32) -> Self {
        Self::with_slope(threshold_db, ratio_to_slope(ratio), knee_db)
    }

    /// As [`new`](Self::new) with the ratio given as its slope `1/R − 1` (see the module docs).
    /// Non-finite values fall back to 0 dB, 1:1 and a hard knee.
    pub fn with_slope(threshold_db: f32, slope: f32, knee_db: f32) -> Self {
        let threshold_db = if threshold_db.is_finite() {
            threshold_db
        } else {
            0.0
        };
        let slope = finite_clamped_or(slope, -1.0, 0.0, 0.0);
        let knee_db = if knee_db.is_finite() {
            knee_db.max(0.0)
        } else {
            0.0
        };
        let knee_coef = if knee_db > 0.0 {
            slope / (2.0 * knee_db)
        } else {
            0.0
        };
        Self {
            threshold_db,
            slope,
            knee_db,
            half_knee: 0.5 * knee_db,
            knee_coef,
        }
    }

    pub fn threshold_db(&self) -> f32 {
        self.threshold_db
    }

    /// 1/R − 1.
    pub fn slope(&self) -> f32 {
        self.slope
    }

    pub fn knee_db(&self) -> f32 {
        self.knee_db
    }

    /// Gain reduction in dB (≥ 0) for an input level in dB: `x − y` of the curve.
    #[inline(always)]
    pub fn gain_reduction_db(&self, level_db: f32) -> f32 {
        let over = level_db - self.threshold_db;
        // All three pieces, then selects: no branch to mispredict on programme material that
        // hovers around the threshold, and a loop over a block vectorises. With W = 0 the
        // parabola's coefficient is 0 and its piece is never selected.
        let k = over + self.half_knee;
        let knee = -self.knee_coef * k * k;
        let above = -self.slope * over;
        let reduced = if over >= self.half_knee { above } else { knee };
        if over <= -self.half_knee {
            0.0
        } else {
            reduced
        }
    }

    /// [`gain_reduction_db`](Self::gain_reduction_db) on every lane.
    #[inline(always)]
    pub fn gain_reduction_lanes<L: Lane>(&self, level_db: L) -> L {
        level_db.map(|x| self.gain_reduction_db(x))
    }

    /// The curve itself: output level in dB for an input level in dB.
    pub fn output_db(&self, level_db: f32) -> f32 {
        level_db - self.gain_reduction_db(level_db)
    }

    /// Make-up gain (dB) that brings a 0 dBFS input back to 0 dBFS: the gain reduction the
    /// curve applies at 0 dB, as Giannoulis et al. suggest for automatic make-up. It depends
    /// only on threshold, ratio and knee, so it follows the controls, not the programme (no
    /// pumping), and at ∞:1 it turns the threshold into a 0 dBFS ceiling.
    pub fn auto_makeup_db(&self) -> f32 {
        self.gain_reduction_db(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::closed_form_curve;

    #[test]
    fn follows_equation_4() {
        let mut worst = 0.0f64;
        for &t in &[-60.0f32, -30.0, -18.0, 0.0] {
            for &r in &[1.0f32, 1.5, 2.0, 4.0, 10.0, 100.0, f32::INFINITY] {
                for &w in &[0.0f32, 0.5, 6.0, 12.0, 24.0] {
                    let gc = GainComputer::new(t, r, w);
                    for i in 0..=1000 {
                        let x = -100.0 + 0.12 * i as f32;
                        let want = closed_form_curve(x as f64, t as f64, r as f64, w as f64);
                        let err = (gc.output_db(x) as f64 - want).abs();
                        worst = worst.max(err);
                        assert!(
                            err < 1e-4,
                            "T {t} R {r} W {w} x {x}: {} vs {want}",
                            gc.output_db(x)
                        );
                    }
                }
            }
        }
        println!("gain computer vs eq. (4): worst {worst:.2e} dB");
    }

    #[test]
    fn knee_is_continuous_in_value_and_slope() {
        let gc = GainComputer::new(-20.0, 4.0, 12.0);
        let h = 1e-3f32;
        for edge in [-26.0f32, -14.0] {
            let below = gc.output_db(edge - h);
            let above = gc.output_db(edge + h);
            assert!((above - below).abs() < 3e-3, "value jumps at {edge}");
            let slope_below = (gc.output_db(edge - h) - gc.output_db(edge - 20.0 * h)) / (19.0 * h);
            let slope_above = (gc.output_db(edge + 20.0 * h) - gc.output_db(edge + h)) / (19.0 * h);
            assert!(
                (slope_below - slope_above).abs() < 0.02,
                "slope jumps at {edge}: {slope_below} vs {slope_above}"
            );
        }
    }

    #[test]
    fn auto_makeup_restores_full_scale() {
        // Above the knee at 0 dB: −T(1 − 1/R).
        assert!((GainComputer::new(-20.0, 4.0, 6.0).auto_makeup_db() - 15.0).abs() < 1e-5);
        assert!(
            (GainComputer::new(-30.0, f32::INFINITY, 0.0).auto_makeup_db() - 30.0).abs() < 1e-5
        );
        // Threshold at 0 dB with a knee: the knee's gain at its centre, (1 − 1/R)·W/8.
        assert!((GainComputer::new(0.0, 2.0, 8.0).auto_makeup_db() - 0.5).abs() < 1e-5);
        assert_eq!(GainComputer::new(-20.0, 1.0, 6.0).auto_makeup_db(), 0.0);
    }

    #[test]
    fn bad_values_are_sane() {
        for gc in [
            GainComputer::new(f32::NAN, f32::NAN, f32::NAN),
            GainComputer::new(-10.0, 0.5, -3.0),
            GainComputer::with_slope(f32::INFINITY, 5.0, f32::INFINITY),
        ] {
            for x in [-200.0f32, -10.0, 0.0, 50.0] {
                let g = gc.gain_reduction_db(x);
                assert!(g.is_finite() && g >= 0.0, "{gc:?} at {x}: {g}");
            }
        }
        assert_eq!(
            GainComputer::new(-10.0, 0.5, 0.0).gain_reduction_db(0.0),
            0.0
        );
    }
}
