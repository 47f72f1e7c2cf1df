//! `a(z) = tanh z`, element-wise; `a′ = 1 − tanh² z = 1 − h²`, read from the output `h`.

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use crate::scalar::Scalar;

/// `h ← tanh z`.
pub fn tanh_forward<T: Scalar>(z: ArrayView2<T>, h: ArrayViewMut2<T>) {
    // z: [n, c], the pre-activation; h: [n, c], the activation.
    Zip::from(h).and(z).for_each(|h, &z| *h = z.tanh());
}

/// `g ← g·(1 − h²)`.
pub fn tanh_backward<T: Scalar>(g: ArrayViewMut2<T>, h: ArrayView2<T>) {
    // g: [n, c], ∂L/∂h in, ∂L/∂z out; h: [n, c], the forward pass's output.
    Zip::from(g).and(h).for_each(|g, &h| *g *= T::one() - h * h);
}
