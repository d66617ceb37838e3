//! Decibel ↔ linear gain conversions.
//!
//! (Sanitising, denormal flushing included, is [`crate::kernel::sanitize`].)
//!
//! Parameters are given in dB (that is what users set and what hosts display); DSP
//! multiplies by linear gain. The conversions are amplitude (20·log10) conversions.

/// A level that editors and meters treat as silence. Only used by
/// [`gain_to_db_floored`]; the plain conversions stay exact.
pub const MINUS_INFINITY_DB: f32 = -150.0;

/// dB to linear amplitude gain: `10^(db/20)`.
///
/// `-inf` gives exactly `0.0` (a fader at "off" really mutes) and `+inf` gives `+inf`;
/// NaN gives NaN, so call sites that take host data should validate it.
#[inline]
pub fn db_to_gain(db: f32) -> f32 {
    // exp is cheaper than powf and as accurate here; ln(10)/20 = 0.11512925.
    (db * (core::f32::consts::LN_10 / 20.0)).exp()
}

/// Linear amplitude gain to dB: `20·log10(|gain|)`.
///
/// The sign is ignored (a polarity flip has no level) and `0.0` maps to `-inf`, which is
/// the mathematically right answer and what a meter's "−∞" label wants. NaN gives NaN.
#[inline]
pub fn gain_to_db(gain: f32) -> f32 {
    20.0 * gain.abs().log10()
}

/// [`gain_to_db`] limited below at `floor_db`, for displays and for arithmetic that
/// cannot take infinities (e.g. averaging dB values). NaN maps to `floor_db` too.
#[inline]
pub fn gain_to_db_floored(gain: f32, floor_db: f32) -> f32 {
    // `max` returns the non-NaN operand, so NaN and -inf both land on the floor.
    gain_to_db(gain).max(floor_db)
}

/// f64 versions for coefficient design, where the result feeds further arithmetic.
#[inline]
pub fn db_to_gain_f64(db: f64) -> f64 {
    (db * (core::f64::consts::LN_10 / 20.0)).exp()
}

/// `v` limited to `lo…hi` where the bounds are computed (from a sample rate, a buffer
/// length): unlike `clamp`, never panics: `lo > hi` gives `hi`, a NaN `v` gives `lo`.
/// Constant bounds can use `clamp`.
#[inline(always)]
pub fn within<T: PartialOrd>(v: T, lo: T, hi: T) -> T {
    let v = if v >= lo { v } else { lo };
    if v <= hi { v } else { hi }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Reference values from the definition, computed independently with powf/log10.
        for db in [-120.0f32, -60.0, -6.0, -1.0, 0.0, 0.5, 6.0, 24.0] {
            let g = db_to_gain(db);
            let expected = 10f64.powf(db as f64 / 20.0);
            assert!(
                ((g as f64) - expected).abs() <= 2e-6 * expected,
                "{db} dB -> {g}"
            );
            let back = gain_to_db(g);
            assert!((back - db).abs() < 1e-4, "{db} dB round trip -> {back}");
        }
        assert!((db_to_gain(-6.0206) - 0.5).abs() < 1e-5);
        assert!((gain_to_db(2.0) - 6.0206).abs() < 1e-4);
        assert!((gain_to_db(-0.5) + 6.0206).abs() < 1e-4, "sign ignored");
        assert!((db_to_gain_f64(20.0) - 10.0).abs() < 1e-12);
    }

    #[test]
    fn within_never_panics() {
        assert_eq!(within(5.0, 0.0, 1.0), 1.0);
        assert_eq!(within(-5.0, 0.0, 1.0), 0.0);
        assert_eq!(within(f64::NAN, 0.0, 1.0), 0.0);
        assert_eq!(within(0.5, 2.0, 1.0), 1.0);
        assert_eq!(within(3usize, 1, 0), 0);
    }

    #[test]
    fn infinities_and_floor() {
        assert_eq!(db_to_gain(f32::NEG_INFINITY), 0.0);
        assert_eq!(gain_to_db(0.0), f32::NEG_INFINITY);
        assert_eq!(gain_to_db_floored(0.0, -100.0), -100.0);
        assert_eq!(
            gain_to_db_floored(f32::NAN, MINUS_INFINITY_DB),
            MINUS_INFINITY_DB
        );
        assert_eq!(gain_to_db_floored(1.0, -100.0), 0.0);
    }
}
