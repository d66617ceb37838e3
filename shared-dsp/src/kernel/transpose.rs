//! Transposes between `[sample][line]` and `[line][sample]` layouts.

/// A 4 × 4 transpose. On x86-64 in SSE shuffles (a quarter of the instructions of the
/// element-by-element copy, which LLVM does not turn into shuffles by itself); elsewhere
/// element by element. Moves values only, so both builds give the same result.
#[inline(always)]
pub fn transpose4(m: [[f32; 4]; 4]) -> [[f32; 4]; 4] {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{
            _mm_loadu_ps, _mm_movehl_ps, _mm_movelh_ps, _mm_storeu_ps, _mm_unpackhi_ps,
            _mm_unpacklo_ps,
        };
        let mut t = [[0.0; 4]; 4];
        // SAFETY: SSE is part of x86-64; every pointer is to four f32 of a local array,
        // unaligned loads and stores.
        unsafe {
            let r = m.map(|row| _mm_loadu_ps(row.as_ptr()));
            let t0 = _mm_unpacklo_ps(r[0], r[1]);
            let t1 = _mm_unpacklo_ps(r[2], r[3]);
            let t2 = _mm_unpackhi_ps(r[0], r[1]);
            let t3 = _mm_unpackhi_ps(r[2], r[3]);
            _mm_storeu_ps(t[0].as_mut_ptr(), _mm_movelh_ps(t0, t1));
            _mm_storeu_ps(t[1].as_mut_ptr(), _mm_movehl_ps(t1, t0));
            _mm_storeu_ps(t[2].as_mut_ptr(), _mm_movelh_ps(t2, t3));
            _mm_storeu_ps(t[3].as_mut_ptr(), _mm_movehl_ps(t3, t2));
        }
        t
    }
    #[cfg(not(target_arch = "x86_64"))]
    core::array::from_fn(|i| core::array::from_fn(|j| m[j][i]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transposes() {
        let m: [[f32; 4]; 4] =
            core::array::from_fn(|i| core::array::from_fn(|j| (4 * i + j) as f32));
        let t = transpose4(m);
        for i in 0..4 {
            for j in 0..4 {
                assert_eq!(t[i][j], m[j][i]);
            }
        }
    }
}
