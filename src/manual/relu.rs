//! `a(x) = max(x, 0)`, element-wise, in place on buffers the caller owns. The forward pass
//! overwrites the pre-activation with the activation; the backward pass masks by either (both
//! are > 0 at the same places).

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::Scalar;

/// `h ← max(h, 0)`, overwriting the pre-activation with the activation.
pub fn relu_in_place<T: Scalar>(mut h: ArrayViewMut2<T>) {
    // h: [n, c], the pre-activation in, the activation out.
    let relu = |v: &mut T| *v = if *v > T::zero() { *v } else { T::zero() };
    match h.as_slice_mut() {
        Some(h) => h.iter_mut().for_each(relu),
        None => h.iter_mut().for_each(relu),
    }
}

/// `g ← g` where the ReLU's input was > 0, and 0 elsewhere. `seen` may be the ReLU's input or
/// its output: `max(x, 0) > 0` exactly where `x > 0`, so the in-place forward pass loses nothing
/// the backward pass needs.
pub fn relu_backward_in_place<T: Scalar>(mut g: ArrayViewMut2<T>, seen: ArrayView2<T>) {
    // g: [n, c], ∂L/∂h in, ∂L/∂z out; seen: [n, c], the forward pass's z or h.
    // A select, not a conditional store, so the loop vectorises.
    let mask = |g: &mut T, &x: &T| *g = if x > T::zero() { *g } else { T::zero() };
    match (g.as_slice_mut(), seen.as_slice()) {
        (Some(g), Some(seen)) => g.iter_mut().zip(seen).for_each(|(g, x)| mask(g, x)),
        _ => Zip::from(g).and(seen).for_each(mask),
    }
}
