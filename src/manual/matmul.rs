//! The three matrix products a dense layer needs, written into a caller's buffer:
//! `x·W` (forward), `xᵀ·g` (∂L/∂W) and `g·Wᵀ` (∂L/∂x).
//!
//! All three go through ndarray's `general_mat_mul` (β = 0), i.e. `matrixmultiply`'s packed
//! SIMD kernels, the same as `x.dot(&W)` gives. With ndarray's `matrixmultiply-threading`,
//! products of at least 2¹⁵ in `m·k + k·n` (the 256-wide layers) are split over the cores;
//! smaller ones stay on one thread. Measured (results/bench.md): threading takes the
//! [256,256]/256 step from 2.2 to 1.6 ms in f32. Plain loops for small products, compiled for
//! AVX2, were tried and were 1.5–3× slower than `matrixmultiply` at every size timed here.
//! `matrixmultiply` does allocate a packing buffer inside each product: the one allocation left
//! in a training step, and not ours to remove.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

use super::Scalar;

/// `out ← x·w` (`x: [n, k]`, `w: [k, m]`).
pub fn x_w<T: Scalar>(x: ArrayView2<T>, w: ArrayView2<T>, mut out: ArrayViewMut2<T>) {
    general_mat_mul(T::one(), &x, &w, T::zero(), &mut out);
}

/// `out ← xᵀ·g` (`x: [n, k]`, `g: [n, m]`, `out: [k, m]`).
pub fn xt_g<T: Scalar>(x: ArrayView2<T>, g: ArrayView2<T>, mut out: ArrayViewMut2<T>) {
    general_mat_mul(T::one(), &x.t(), &g, T::zero(), &mut out);
}

/// `out ← g·wᵀ` (`g: [n, m]`, `w: [k, m]`, `out: [n, k]`).
pub fn g_wt<T: Scalar>(g: ArrayView2<T>, w: ArrayView2<T>, mut out: ArrayViewMut2<T>) {
    general_mat_mul(T::one(), &g, &w.t(), T::zero(), &mut out);
}
