//! `a(x) = x` for `x ≥ 0`, `s·x` below (`s` the negative slope, ≥ 0), element-wise and in place;
//! `a′ = 1` where the output is > 0 and `s` elsewhere. With `s ≥ 0` the output has the input's
//! sign (or is 0), so the backward pass reads it from the output, as it does for the ReLU.

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::Scalar;

/// `h ← h` where `h ≥ 0`, `s·h` below, overwriting the pre-activation.
pub fn leaky_relu_in_place<T: Scalar>(mut h: ArrayViewMut2<T>, slope: T) {
    // h: [n, c], the pre-activation in, the activation out.
    h.mapv_inplace(|v| if v < T::zero() { v * slope } else { v });
}

/// `g ← g·a′`: `g` where the output is > 0, `s·g` elsewhere.
pub fn leaky_relu_backward_in_place<T: Scalar>(g: ArrayViewMut2<T>, out: ArrayView2<T>, slope: T) {
    // g: [n, c], ∂L/∂h in, ∂L/∂z out; out: [n, c], the forward pass's h.
    Zip::from(g)
        .and(out)
        .for_each(|g, &h| *g = if h > T::zero() { *g } else { *g * slope });
}
