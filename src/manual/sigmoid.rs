//! `a(x) = σ(x) = 1 / (1 + exp(−x))`, element-wise and in place; `a′ = σ(1 − σ) = h(1 − h)`,
//! read from the output `h`.

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::Scalar;

/// `h ← 1 / (1 + exp(−h))`. For large negative inputs `exp(−h)` overflows to infinity and the
/// quotient to 0, the right limit.
pub fn sigmoid_in_place<T: Scalar>(mut h: ArrayViewMut2<T>) {
    // h: [n, c], the pre-activation in, the activation out.
    h.mapv_inplace(|v| T::one() / (T::one() + (-v).exp()));
}

/// `g ← g·h(1 − h)`.
pub fn sigmoid_backward_in_place<T: Scalar>(g: ArrayViewMut2<T>, out: ArrayView2<T>) {
    // g: [n, c], ∂L/∂h in, ∂L/∂z out; out: [n, c], the forward pass's h.
    Zip::from(g)
        .and(out)
        .for_each(|g, &h| *g *= h * (T::one() - h));
}
