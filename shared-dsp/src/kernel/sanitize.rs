//! Sanitising: what a processor takes as audio, and denormal flushing.
//!
//! One name per meaning: [`finite_or_zero`] only removes NaN and ±inf (for states and
//! outputs); [`sane_sample`] also removes anything beyond [`MAX_SAMPLE`] (for inputs);
//! [`flush_denormal`] only zeroes tiny magnitudes; [`sanitize`] is the last two over a
//! block. A helper that clamps or limits must not share a name with one that does not.

/// Values with a smaller magnitude than this are replaced by zero by [`flush_denormal`].
///
/// Deliberately well above the subnormal range (f32 subnormals start below 1.18e-38): a
/// decaying filter state that is allowed to reach 1e-37 produces subnormals in the very
/// next multiplication, and those are 10–100× slower on x86 when the host has not set
/// flush-to-zero. 1e-30 is −600 dBFS, so nothing audible is lost.
pub const DENORMAL_THRESHOLD: f32 = 1e-30;

/// Replaces values below [`DENORMAL_THRESHOLD`] in magnitude by `0.0`.
///
/// Written as a compare-and-select so that it vectorises and costs a couple of
/// instructions per sample; NaN passes through unchanged (it is not "small"), so the
/// processors' finiteness checks still see it.
#[inline(always)]
pub fn flush_denormal(x: f32) -> f32 {
    if x.abs() < DENORMAL_THRESHOLD { 0.0 } else { x }
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

/// A setting clamped to `lo…hi` (±inf to the ends), or `fallback` when it is NaN: what the
/// processors' `Settings::sanitized` make of a host's or a test's garbage.
pub fn clamp_or(v: f32, lo: f32, hi: f32, fallback: f32) -> f32 {
    if v.is_nan() {
        fallback
    } else {
        v.clamp(lo, hi)
    }
}

/// `v` clamped to `lo…hi` when it is finite, else `fallback` (NaN and ±inf alike, unlike
/// [`clamp_or`]): for a setting to which an infinite value means nothing.
pub fn finite_clamped_or(v: f32, lo: f32, hi: f32, fallback: f32) -> f32 {
    if v.is_finite() {
        v.clamp(lo, hi)
    } else {
        fallback
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
