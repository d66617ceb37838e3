//! Small dense linear algebra on the stack, in f64: the EQ's matched-response fits
//! (`eq::matched`) solve many small weighted least-squares problems (up to five unknowns,
//! up to a grid's worth of rows) while designing a band, so no allocation and no
//! dependency; written once here so a second fit uses the same, tested solvers.
//!
//! The operation order is part of the contract: the fits, and so the EQ's coefficients
//! and renders, depend on every rounding.

/// Least squares on the columns `cols` of `rows` by Householder QR (condition number κ,
/// where normal equations would square it). Returns the solution and the residual norm².
///
/// At most `MAX_ROWS` rows (the working copy lives on the stack) and `N` columns; `None`
/// when there are fewer rows than columns, a column is zero or not finite, or the solution
/// is not finite.
pub fn least_squares<const MAX_ROWS: usize, const N: usize>(
    rows: &[[f64; N]],
    rhs: &[f64],
    cols: &[usize],
) -> Option<([f64; N], f64)> {
    let n = rows.len();
    let m = cols.len();
    if n < m {
        return None;
    }
    let mut a = [[0.0f64; N]; MAX_ROWS];
    let mut b = [0.0f64; MAX_ROWS];
    for i in 0..n {
        for (c, &j) in cols.iter().enumerate() {
            a[i][c] = rows[i][j];
        }
        b[i] = rhs[i];
    }
    let mut diag = [0.0f64; N];
    for j in 0..m {
        let norm = a[j..n].iter().map(|r| r[j] * r[j]).sum::<f64>().sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            return None;
        }
        let alpha = if a[j][j] > 0.0 { -norm } else { norm };
        a[j][j] -= alpha;
        let vnorm2: f64 = a[j..n].iter().map(|r| r[j] * r[j]).sum();
        if vnorm2 > 0.0 {
            for c in j + 1..m {
                let f = 2.0 * a[j..n].iter().map(|r| r[j] * r[c]).sum::<f64>() / vnorm2;
                for r in &mut a[j..n] {
                    r[c] -= f * r[j];
                }
            }
            let f = 2.0 * (j..n).map(|i| a[i][j] * b[i]).sum::<f64>() / vnorm2;
            for i in j..n {
                b[i] -= f * a[i][j];
            }
        }
        diag[j] = alpha;
    }
    let mut x = [0.0f64; N];
    for j in (0..m).rev() {
        let mut s = b[j];
        for c in j + 1..m {
            s -= a[j][c] * x[c];
        }
        x[j] = s / diag[j];
    }
    let residual = b[m..n].iter().map(|v| v * v).sum();
    x[..m]
        .iter()
        .all(|v| v.is_finite())
        .then_some((x, residual))
}

/// Solves `m·x = b` for a symmetric positive definite `m` (its leading `n × n` block) by
/// Cholesky factorisation: `None` when `m` is not positive definite (a pivot ≤ 0 or NaN) or
/// the solution is not finite. For normal equations that are well conditioned (a damped
/// step's regularised ones); an ill-conditioned fit should use [`least_squares`].
pub fn cholesky_solve<const N: usize>(
    m: &[[f64; N]; N],
    b: &[f64; N],
    n: usize,
) -> Option<[f64; N]> {
    let mut l = [[0.0f64; N]; N];
    for j in 0..n {
        let s = m[j][j] - (0..j).map(|k| l[j][k] * l[j][k]).sum::<f64>();
        if s.is_nan() || s <= 0.0 {
            return None;
        }
        l[j][j] = s.sqrt();
        for i in j + 1..n {
            l[i][j] = (m[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>()) / l[j][j];
        }
    }
    let mut y = [0.0f64; N];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = [0.0f64; N];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    x[..n].iter().all(|v| v.is_finite()).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solvers_agree_with_a_known_solution() {
        // Rows of a 6 × 3 system with exact solution [1, −2, 0.5].
        let rows: [[f64; 3]; 6] = [
            [1.0, 0.0, 2.0],
            [0.0, 1.0, 1.0],
            [1.0, 1.0, 0.0],
            [2.0, -1.0, 1.0],
            [0.5, 0.25, -1.0],
            [3.0, 1.0, 1.0],
        ];
        let x = [1.0, -2.0, 0.5];
        let rhs: Vec<f64> = rows
            .iter()
            .map(|r| r.iter().zip(x).map(|(a, b)| a * b).sum())
            .collect();
        let (sol, residual) = least_squares::<8, 3>(&rows, &rhs, &[0, 1, 2]).unwrap();
        assert!(residual < 1e-20, "{residual}");
        for (a, b) in sol.iter().zip(x) {
            assert!((a - b).abs() < 1e-12, "{sol:?}");
        }
        let mut ata = [[0.0; 3]; 3];
        let mut atb = [0.0; 3];
        for (r, &b) in rows.iter().zip(&rhs) {
            for i in 0..3 {
                atb[i] += r[i] * b;
                for j in 0..3 {
                    ata[i][j] += r[i] * r[j];
                }
            }
        }
        let sol = cholesky_solve(&ata, &atb, 3).unwrap();
        for (a, b) in sol.iter().zip(x) {
            assert!((a - b).abs() < 1e-12, "{sol:?}");
        }
        // Not positive definite; fewer rows than columns.
        assert!(cholesky_solve(&[[1.0, 2.0], [2.0, 1.0]], &[1.0, 1.0], 2).is_none());
        assert!(least_squares::<8, 3>(&rows[..2], &rhs[..2], &[0, 1, 2]).is_none());
    }
}
