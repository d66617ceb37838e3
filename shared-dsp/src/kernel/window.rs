//! The Kaiser window, for every windowed-sinc filter the suite designs (the true-peak
//! detector's half-band stages, the impulse-response resampler, the tests' reference
//! reconstructions): one Bessel function, one window.

/// Zeroth-order modified Bessel function of the first kind (power series; converges fast for
/// the arguments a Kaiser window needs, and stops once a term no longer changes the sum).
pub fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term, q) = (1.0, 1.0, x * x / 4.0);
    for k in 1..200 {
        term *= q / (k * k) as f64;
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// The Kaiser window of shape `beta` at `r` ∈ [−1, 1] (0 at the centre, ±1 at the ends; 0
/// beyond them).
pub fn kaiser(r: f64, beta: f64) -> f64 {
    bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / bessel_i0(beta)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against published values of I0 (Abramowitz & Stegun, table 9.8: e^−x·I0(x)).
    #[test]
    fn bessel_i0_matches_the_tables() {
        for (x, scaled) in [
            (1.0, 0.4657596076),
            (5.0, 0.1835408126),
            (10.0, 0.1278333371),
        ] {
            let got = bessel_i0(x) * (-x).exp();
            assert!((got - scaled).abs() < 1e-9, "I0({x}): {got} vs {scaled}");
        }
        assert_eq!(bessel_i0(0.0), 1.0);
    }

    #[test]
    fn kaiser_is_one_at_the_centre_and_falls_to_the_ends() {
        assert_eq!(kaiser(0.0, 8.0), 1.0);
        assert!((kaiser(1.0, 8.0) - 1.0 / bessel_i0(8.0)).abs() < 1e-15);
        assert!(kaiser(0.5, 8.0) < 1.0 && kaiser(0.5, 8.0) > kaiser(0.9, 8.0));
        assert_eq!(kaiser(1.5, 8.0), kaiser(1.0, 8.0));
    }
}
