//! Fractional reads: the cubic Lagrange weights.
//!
//! 4-point, 3rd-order Lagrange interpolation is maximally flat at DC and exact at whole
//! sample positions, so a delay that settles on a whole number of samples reads the
//! recorded samples unchanged, and a moving read stays clean at low frequencies (see
//! [`DelayLine::read_cubic`](crate::delay_line::DelayLine::read_cubic)). Every cubic read
//! of the suite (the delay line, the delay's planned reads, the reverb's ring and FDN
//! lines) takes its weights from [`lagrange`], so they all compute the same values.

/// Lagrange basis polynomials for nodes −1, 0, 1, 2 at `t` ∈ [0, 1): the weights of
/// `x[i−1]`, `x[i]`, `x[i+1]`, `x[i+2]` for a read `t` past `x[i]` (in a delay line, the
/// samples at delays i−1 … i+2, newest first).
///
/// The operation order is part of the contract: renders are compared bit for bit, and the
/// reads that plan their weights ahead check that they agree with the per-sample reads.
#[inline(always)]
pub fn lagrange(t: f32) -> [f32; 4] {
    let tp1 = t + 1.0;
    let tm1 = t - 1.0;
    let tm2 = t - 2.0;
    [
        -t * tm1 * tm2 * (1.0 / 6.0),
        tp1 * tm1 * tm2 * 0.5,
        -tp1 * t * tm2 * 0.5,
        tp1 * t * tm1 * (1.0 / 6.0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_interpolate_cubics_exactly_and_sum_to_one() {
        for k in 0..=16 {
            let t = k as f32 / 16.0;
            let w = lagrange(t);
            let sum: f32 = w.iter().sum();
            assert!((sum - 1.0).abs() < 1e-6, "t = {t}: Σ = {sum}");
            // Nodes −1, 0, 1, 2: any cubic through them is reproduced.
            let p = |x: f32| 0.5 * x * x * x - x * x + 0.25 * x + 2.0;
            let got: f32 = [-1.0, 0.0, 1.0, 2.0]
                .iter()
                .zip(w)
                .map(|(&x, w)| p(x) * w)
                .sum();
            assert!((got - p(t)).abs() < 1e-5, "t = {t}: {got} vs {}", p(t));
        }
        assert_eq!(lagrange(0.0), [0.0, 1.0, 0.0, 0.0]);
    }
}
