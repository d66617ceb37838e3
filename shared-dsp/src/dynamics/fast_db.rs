//! dB ↔ linear gain at audio rate, for gain computers that work in the log domain.
//!
//! A log-domain compressor converts every sample's level to dB and every sample's gain back
//! to a linear factor: two logarithms and two exponentials per stereo frame. `f32::ln`/`exp`
//! are calls into libm that the compiler can neither inline nor vectorise, and at that rate
//! they would be most of the compressor's cost. The functions here are the textbook series,
//! inlined and free of branches and calls, so a loop over a block of levels or gains
//! vectorises (four values per SSE instruction):
//!
//! - `log2`: split x = m·2^e from the float's bits, fold m into [√½, √2), then
//!   ln m = 2·atanh(s) = 2(s + s³/3 + s⁵/5 + s⁷/7 + s⁹/9) with s = (m − 1)/(m + 1), |s| ≤ 0.172;
//!   the first omitted term is below 3e-9 of ln m.
//! - `exp2`: x = n + f with n = round(x), |f| ≤ ½; 2^f = e^(f·ln 2) by its Taylor series to
//!   the 7th power (remainder below 1e-8), then 2^n put straight into the exponent bits.
//!
//! Both are accurate to a few f32 ulps (the tests compare with f64 `log10`/`powf`: well under
//! 1e-4 dB), far below anything a level detector or gain can resolve. Two exact points
//! matter and are kept exact: 0 dB is a gain of exactly 1.0 (so "no gain reduction" is
//! bit-transparent), and a gain of 1.0 is exactly 0 dB.

/// 20·log10(2): dB per octave of amplitude.
const DB_PER_LOG2: f32 = 6.020_6;
/// 1 / 6.0206: octaves of amplitude per dB.
const LOG2_PER_DB: f32 = 0.166_096_4;

/// Levels below this (about −400 dB) are reported as it; keeps the log finite for silence,
/// zero and subnormals, whose exponent bits the split below would misread.
pub const FLOOR_GAIN: f32 = 1e-20;

/// log2(x) for x > 0. Values below [`FLOOR_GAIN`] (zero, subnormals, negatives, NaN) give
/// log2(FLOOR_GAIN); +inf gives a large finite value.
#[inline(always)]
#[allow(
    clippy::manual_clamp,
    reason = "`clamp` passes NaN through; `max` maps it to the floor"
)]
pub fn log2(x: f32) -> f32 {
    // `max` maps NaN to the floor as well; `min` keeps +inf out of the bit split.
    let x = x.max(FLOOR_GAIN).min(f32::MAX);
    let bits = x.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000); // [1, 2)
    // Fold into [√½, √2) so that |s| stays small: a select, not a branch.
    let fold = m > core::f32::consts::SQRT_2;
    m = if fold { m * 0.5 } else { m };
    e += fold as i32;
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let series = 1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0))));
    let ln_m = 2.0 * s * series;
    e as f32 + ln_m * core::f32::consts::LOG2_E
}

/// 2^x, for x clamped to [−126, 127] (the normal f32 range; −126 is far below audibility).
/// NaN gives 2^−126 (about 0), never NaN.
#[inline(always)]
#[allow(
    clippy::manual_clamp,
    reason = "`clamp` passes NaN through; `max` maps it to the floor"
)]
pub fn exp2(x: f32) -> f32 {
    let x = x.max(-126.0).min(127.0);
    // Round to nearest with the 1.5·2^23 trick: plain adds, no SSE4.1 `roundss` or libm call.
    // The sum's low mantissa bits then hold n itself (0x40_0000 + n), which gives 2^n below
    // without a float-to-int conversion.
    const MAGIC: f32 = 12_582_912.0;
    let shifted = x + MAGIC;
    let n = shifted - MAGIC;
    let t = (x - n) * core::f32::consts::LN_2; // |t| ≤ 0.347
    let p = 1.0
        + t * (1.0
            + t * (1.0 / 2.0
                + t * (1.0 / 6.0
                    + t * (1.0 / 24.0
                        + t * (1.0 / 120.0 + t * (1.0 / 720.0 + t * (1.0 / 5040.0)))))));
    // (0x4B40_0000 + n + 127) << 23 keeps only the bits of n + 127: the exponent of 2^n.
    let scale = f32::from_bits(shifted.to_bits().wrapping_add(127) << 23);
    p * scale
}

/// Amplitude to dB (20·log10|g|), floored at 20·log10([`FLOOR_GAIN`]) = −400 dB.
#[inline(always)]
pub fn gain_to_db(gain: f32) -> f32 {
    log2(gain.abs()) * DB_PER_LOG2
}

/// Power to dB (10·log10 p: the dB of the amplitude √p), floored at 10·log10([`FLOOR_GAIN`])
/// = −200 dB.
#[inline(always)]
pub fn power_to_db(power: f32) -> f32 {
    log2(power) * (0.5 * DB_PER_LOG2)
}

/// dB to amplitude (10^(dB/20)); exactly 1.0 at 0 dB.
#[inline(always)]
pub fn db_to_gain(db: f32) -> f32 {
    exp2(db * LOG2_PER_DB)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::XorShift;

    #[test]
    fn matches_the_f64_definitions() {
        let mut rng = XorShift::new(17);
        let mut worst_to_db = 0.0f64;
        let mut worst_to_gain = 0.0f64;
        for i in 0..200_000 {
            // Gains over 10^-15 … 10^5 (−300 … +100 dB), log-uniform, plus random dB values.
            let db = -300.0 + 400.0 * (rng.uniform() as f64 + 1.0) / 2.0;
            let g = 10f64.powf(db / 20.0) as f32;
            let reference = 20.0 * (g as f64).log10();
            worst_to_db = worst_to_db.max((gain_to_db(g) as f64 - reference).abs());

            let db = (-150.0 + 200.0 * (rng.uniform() as f64 + 1.0) / 2.0) as f32;
            let reference = 10f64.powf(db as f64 / 20.0);
            let rel = (db_to_gain(db) as f64 - reference).abs() / reference;
            worst_to_gain = worst_to_gain.max(20.0 * (1.0 + rel).log10());
            if i < 4 {
                println!("{db} dB -> {} (reference {reference})", db_to_gain(db));
            }
        }
        println!(
            "fast dB: worst gain→dB error {worst_to_db:.2e} dB, worst dB→gain error {worst_to_gain:.2e} dB"
        );
        assert!(worst_to_db < 1e-4, "{worst_to_db}");
        assert!(worst_to_gain < 1e-4, "{worst_to_gain}");
    }

    #[test]
    fn exact_points_and_edges() {
        assert_eq!(db_to_gain(0.0), 1.0);
        assert_eq!(db_to_gain(-0.0), 1.0);
        assert_eq!(gain_to_db(1.0), 0.0);
        assert_eq!(exp2(1.0), 2.0);
        assert_eq!(exp2(-3.0), 0.125);
        assert_eq!(log2(8.0), 3.0);
        assert_eq!(log2(0.25), -2.0);
        let floor = gain_to_db(FLOOR_GAIN);
        assert!((floor + 400.0).abs() < 0.01, "{floor}");
        for bad in [0.0, -0.0, 1e-40, f32::NAN, -1e-25] {
            assert_eq!(gain_to_db(bad), floor, "{bad}");
        }
        assert!(gain_to_db(f32::INFINITY).is_finite());
        assert!(db_to_gain(f32::NAN).is_finite());
        assert!(db_to_gain(-1e9) >= 0.0 && db_to_gain(-1e9) < 1e-37);
        assert!(db_to_gain(1e9).is_finite());
        // Monotonic across the fold at √2 and across exponent boundaries.
        let mut prev = f32::NEG_INFINITY;
        let mut x = 0.5f32;
        while x < 4.0 {
            let y = log2(x);
            assert!(y >= prev, "log2 not monotonic at {x}");
            prev = y;
            x = f32::from_bits(x.to_bits() + 997);
        }
    }
}
