//! `a(x) = tanh x`, element-wise and in place; `a′ = 1 − tanh² x = 1 − h²`, read from the
//! output `h` (the forward pass overwrites its input).

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::Scalar;

/// `h ← tanh h`.
pub fn tanh_in_place<T: Scalar>(mut h: ArrayViewMut2<T>) {
    // h: [n, c], the pre-activation in, the activation out.
    h.mapv_inplace(|v| v.tanh());
}

/// `g ← g·(1 − h²)`.
pub fn tanh_backward_in_place<T: Scalar>(g: ArrayViewMut2<T>, out: ArrayView2<T>) {
    // g: [n, c], ∂L/∂h in, ∂L/∂z out; out: [n, c], the forward pass's h.
    Zip::from(g)
        .and(out)
        .for_each(|g, &h| *g *= T::one() - h * h);
}
