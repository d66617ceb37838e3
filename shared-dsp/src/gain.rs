//! Decibel ↔ linear gain conversions and denormal flushing.
//!
//! Parameters are given in dB (that is what users set and what hosts display); DSP
//! multiplies by linear gain. The conversions are amplitude (20·log10) conversions.

/// Values with a smaller magnitude than this are replaced by zero by [`flush_denormal`].
///
/// Deliberately well above the subnormal range (f32 subnormals start below 1.18e-38): a
/// decaying filter state that is allowed to reach 1e-37 produces subnormals in the very
/// next multiplication, and those are 10–100× slower on x86 when the host has not set
/// flush-to-zero. 1e-30 is −600 dBFS, so nothing audible is lost.
pub const DENORMAL_THRESHOLD: f32 = 1e-30;

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

/// Replaces values below [`DENORMAL_THRESHOLD`] in magnitude by `0.0`.
///
/// Written as a compare-and-select so that it vectorises and costs a couple of
/// instructions per sample; NaN passes through unchanged (it is not "small"), so the
/// processors' finiteness checks still see it.
#[inline(always)]
pub fn flush_denormal(x: f32) -> f32 {
    if x.abs() < DENORMAL_THRESHOLD { 0.0 } else { x }
}

/// `v` limited to `lo…hi` where the bounds are computed (from a sample rate, a buffer
/// length): unlike `clamp`, never panics: `lo > hi` gives `hi`, a NaN `v` gives `lo`.
/// Constant bounds can use `clamp`.
#[inline(always)]
pub fn within<T: PartialOrd>(v: T, lo: T, hi: T) -> T {
    let v = if v >= lo { v } else { lo };
    if v <= hi { v } else { hi }
}

/// The largest input magnitude processed as audio: +80 dBFS. Anything beyond it is not
/// audio but an upstream blow-up (a host's uninitialised buffer, an unstable filter):
/// processed, a 1e30 burst would ring in a reverb or a low cut for many seconds.
pub const MAX_SAMPLE: f32 = 1e4;

/// `x`, or 0 when it is not finite, in integer operations on its bits: the same result as
/// `if x.is_finite() { x } else { 0.0 }`, which LLVM compiles to a compare and branch per
/// sample, while this vectorises. For states and outputs.
#[inline(always)]
pub fn finite_or_zero(x: f32) -> f32 {
    let bits = x.to_bits();
    let finite = (bits & 0x7fff_ffff) < 0x7f80_0000;
    f32::from_bits(bits & (finite as u32).wrapping_neg())
}

/// An input sample as a processor takes it: `x` if it is audio (|x| ≤ [`MAX_SAMPLE`]), else
/// 0, like NaN and ±inf (compare and select; NaN fails the comparison).
#[inline(always)]
pub fn sane_sample(x: f32) -> f32 {
    if x.abs() <= MAX_SAMPLE { x } else { 0.0 }
}

/// [`sane_sample`] and [`flush_denormal`] over a block, in place: what a recursive filter
/// should take in. Subnormal input would otherwise run through every multiply of every
/// section at 10–100× the cost (clap-validator measured the EQ 7.5× slower on it).
pub fn sanitize(block: &mut [f32]) {
    for x in block {
        *x = flush_denormal(sane_sample(*x));
    }
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
    fn non_audio_samples_become_zero() {
        for x in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e30, -1.0001e4] {
            assert_eq!(sane_sample(x), 0.0, "{x}");
        }
        for x in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            assert_eq!(finite_or_zero(x), 0.0, "{x}");
        }
        let mut block = [f32::NAN, 1e-41, -2e-38, 0.25, -1e4, 1e5];
        sanitize(&mut block);
        assert_eq!(block, [0.0, 0.0, 0.0, 0.25, -1e4, 0.0]);
        for x in [0.0, -1.0, 1e-41, 1e4, -1e4, 0.5] {
            assert_eq!(sane_sample(x), x);
            assert_eq!(finite_or_zero(x), x);
        }
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

    #[test]
    fn flushes_only_tiny_values() {
        assert_eq!(flush_denormal(1e-38), 0.0);
        assert_eq!(flush_denormal(-1e-31), 0.0);
        assert_eq!(flush_denormal(f32::MIN_POSITIVE / 4.0), 0.0);
        assert_eq!(flush_denormal(1e-20), 1e-20);
        assert_eq!(flush_denormal(-0.25), -0.25);
        assert!(flush_denormal(f32::NAN).is_nan());
        assert_eq!(flush_denormal(f32::INFINITY), f32::INFINITY);
    }
}
