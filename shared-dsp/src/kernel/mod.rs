//! The small, hot, numerically delicate pieces the processors share, each written once.
//!
//! What belongs here: code that is a few lines long, sits in inner loops, and whose exact
//! arithmetic matters (the suite's renders are bit-exact across builds and machines, and
//! several processors test that two code paths agree bit for bit). Written once, such a
//! piece has one set of tests and one place to get the rounding right; copied, the copies
//! drift (one `finite_or_zero` once also clamped to ±1e4 under the same name).
//!
//! What does not: anything with state, or a design decision of one processor (filter
//! shapes, ballistics, the reverb's matrix): those stay with their processor.
//!
//! - [`simd`]: run-time AVX2 detection and the one dispatch macro every AVX2 build uses.
//! - [`interp`]: the cubic Lagrange weights of every fractional read.
//! - [`sanitize`]: what counts as audio, and denormal flushing.
//! - [`transpose`]: the 4 × 4 transpose in SSE shuffles.
//! - [`bits`]: float tricks that turn floats into indices or floors without conversions.
//! - [`linalg`]: the small dense solvers (least squares by Householder QR, Cholesky).
//! - [`window`]: the Kaiser window (and its Bessel function) of every windowed sinc.

pub mod bits;
pub mod interp;
pub mod linalg;
pub mod sanitize;
pub mod simd;
pub mod transpose;
pub mod window;
