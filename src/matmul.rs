//! Matrix products: the three a dense layer of the hand-written twin needs, written into a
//! caller's buffer, `x·W` (forward), `xᵀ·g` (∂L/∂W) and `g·Wᵀ` (∂L/∂x); and a plain product for
//! the harness's rounding bound (agreement/), which multiplies magnitudes.
//!
//! All go through the `gemm` crate (the kernels behind `faer` and `candle`, and burn-flex's
//! matrix product): it reads the operands through their strides, so a transpose is a view, not a
//! copy; it picks AVX-512 or AVX2 kernels at run time; and it splits large products over the
//! cores (rayon) while small ones stay on one thread (see [`parallelism`]). The split is over
//! rows and columns of the result, never over the summed index, so every entry is summed in the
//! same order whatever the thread count (tests/determinism.rs). For some shapes `gemm` allocates a packing buffer inside
//! the call, as `matrixmultiply` did: the only allocation left in a training step, and not ours.
//! Measured against ndarray's `general_mat_mul` (`matrixmultiply`) in results/bench.md: the same
//! at [16,16]/32, 1.45–1.6× faster at [64,64]/64, 1.6–1.7× at [256,256]/256.

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::scalar::Scalar;

/// `a·b` as a new array (`a: [m, k]`, `b: [k, n]`), any strides.
pub fn product_new(a: ArrayView2<f64>, b: ArrayView2<f64>) -> ndarray::Array2<f64> {
    let mut out = ndarray::Array2::zeros((a.nrows(), b.ncols()));
    product(a, b, out.view_mut());
    out
}

/// `out ← a·b` (`a: [m, k]`, `b: [k, n]`, `out: [m, n]`), any strides.
fn product<T: Scalar>(a: ArrayView2<T>, b: ArrayView2<T>, mut out: ArrayViewMut2<T>) {
    let (m, k) = a.dim();
    let n = b.ncols();
    assert_eq!(b.nrows(), k, "inner sizes differ");
    assert_eq!(out.dim(), (m, n), "the output has the wrong shape");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        out.fill(T::zero());
        return;
    }
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    let (b_rs, b_cs) = (b.strides()[0], b.strides()[1]);
    let (o_rs, o_cs) = (out.strides()[0], out.strides()[1]);
    // SAFETY: the pointers and strides are those of live ndarray views whose shapes were checked
    // above to be [m, k], [k, n] and [m, n]; `out` is borrowed mutably, so it overlaps neither
    // input. `read_dst = false`: `out` is overwritten (alpha unused), beta = 1.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            o_cs,
            o_rs,
            false,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            T::zero(),
            T::one(),
            false,
            false,
            false,
            parallelism::<T>(m, n, k),
        );
    }
}

/// Both cores for products of at least 256³ multiply-adds in f64 (the same bytes of work:
/// 256·256·512 in f32), one below. Waking the second core costs more than it saves on smaller
/// products: measured at [256,256]/256, one thread takes 630 µs a step in f32 against 730 µs
/// with two, while in f64 two threads win, 1160 against 1255 µs (results/bench.md).
fn parallelism<T>(m: usize, n: usize, k: usize) -> gemm::Parallelism {
    let work = (m as u128) * (n as u128) * (k as u128) * std::mem::size_of::<T>() as u128;
    if work >= 1 << 27 {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    }
}

/// `out ← x·w` (`x: [n, k]`, `w: [k, m]`).
pub fn x_w<T: Scalar>(x: ArrayView2<T>, w: ArrayView2<T>, out: ArrayViewMut2<T>) {
    product(x, w, out);
}

/// `out ← xᵀ·g` (`x: [n, k]`, `g: [n, m]`, `out: [k, m]`).
pub fn xt_g<T: Scalar>(x: ArrayView2<T>, g: ArrayView2<T>, out: ArrayViewMut2<T>) {
    product(x.t(), g, out);
}

/// `out ← g·wᵀ` (`g: [n, m]`, `w: [k, m]`, `out: [n, k]`).
pub fn g_wt<T: Scalar>(g: ArrayView2<T>, w: ArrayView2<T>, out: ArrayViewMut2<T>) {
    product(g, w.t(), out);
}
