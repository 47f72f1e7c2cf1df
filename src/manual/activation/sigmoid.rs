//! `a(z) = σ(z) = 1 / (1 + exp(−z))`, element-wise; `a′ = σ(1 − σ) = h(1 − h)`, read from the
//! output `h`.

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use crate::scalar::Scalar;

/// `h ← 1 / (1 + exp(−z))`. For large negative inputs `exp(−z)` overflows to infinity and the
/// quotient to 0, the right limit.
pub fn sigmoid_forward<T: Scalar>(z: ArrayView2<T>, h: ArrayViewMut2<T>) {
    // z: [n, c], the pre-activation; h: [n, c], the activation.
    Zip::from(h)
        .and(z)
        .for_each(|h, &z| *h = T::one() / (T::one() + (-z).exp()));
}

/// `g ← g·h(1 − h)`.
pub fn sigmoid_backward<T: Scalar>(g: ArrayViewMut2<T>, h: ArrayView2<T>) {
    // g: [n, c], ∂L/∂h in, ∂L/∂z out; h: [n, c], the forward pass's output.
    Zip::from(g)
        .and(h)
        .for_each(|g, &h| *g *= h * (T::one() - h));
}
