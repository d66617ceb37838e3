//! Float tricks: whole numbers and indices from floats without conversion instructions.
//!
//! Both rest on 2²³: adding it to a float in [0, 2²³) leaves no fraction bits, so the sum is
//! rounded to a whole number, and its bit pattern is that of 2²³ plus the number. Valid only
//! for 0 ≤ x < 2²³ (line lengths and delays in samples, which never come near it).

const TWO_23: f32 = 8_388_608.0;

/// A whole number `0 ≤ x < 2²³` as an index, without a conversion instruction: the bits of
/// `2²³ + x` are those of 2²³ plus `x`. (`as usize` is a compare-and-branch sequence per
/// value, and this runs for every line every control period.)
#[inline(always)]
pub fn float_to_index(x: f32) -> usize {
    ((x + TWO_23).to_bits() - TWO_23.to_bits()) as usize
}

/// `⌊x⌋` of `N` values at once, for 0 ≤ x < 2²³, taken in floating point by the 2²³
/// rounding trick: it vectorises where a float-to-integer conversion per value does not,
/// and is exactly what truncating to an integer gives.
#[inline(always)]
pub fn floor_small<const N: usize>(x: &[f32; N]) -> [f32; N] {
    core::array::from_fn(|j| {
        let nearest = (x[j] + TWO_23) - TWO_23;
        if nearest > x[j] {
            nearest - 1.0
        } else {
            nearest
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agree_with_conversions() {
        let xs: [f32; 8] = [0.0, 0.25, 0.5, 0.75, 1.5, 2.5, 1234.999, 8_388_607.0];
        let f = floor_small(&xs);
        for (x, f) in xs.iter().zip(f) {
            assert_eq!(f, x.floor(), "{x}");
            assert_eq!(float_to_index(f), *x as usize, "{x}");
        }
    }
}
