//! `a(z) = z` for `z ≥ 0`, `s·z` below (`s` the negative slope, ≥ 0), element-wise;
//! `a′ = 1` where `z > 0` and `s` elsewhere (the slope at 0, as burn takes it).

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use crate::scalar::Scalar;

/// `h ← z` where `z ≥ 0`, `s·z` below.
pub fn leaky_relu_forward<T: Scalar>(z: ArrayView2<T>, h: ArrayViewMut2<T>, slope: T) {
    // z: [n, c], the pre-activation; h: [n, c], the activation.
    Zip::from(h)
        .and(z)
        .for_each(|h, &z| *h = if z < T::zero() { z * slope } else { z });
}

/// `g ← g·a′`: `g` where `z > 0`, `s·g` elsewhere.
pub fn leaky_relu_backward<T: Scalar>(g: ArrayViewMut2<T>, z: ArrayView2<T>, slope: T) {
    // g: [n, c], ∂L/∂h in, ∂L/∂z out; z: [n, c], the forward pass's pre-activation.
    Zip::from(g)
        .and(z)
        .for_each(|g, &z| *g = if z > T::zero() { *g } else { *g * slope });
}
