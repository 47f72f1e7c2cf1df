//! `a(z) = max(z, 0)`, element-wise; `a′ = 1` where `z > 0`, else 0 (ReLU′(0) = 0, as burn
//! takes it).

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use crate::scalar::Scalar;

/// `h ← max(z, 0)`.
pub fn relu_forward<T: Scalar>(z: ArrayView2<T>, mut h: ArrayViewMut2<T>) {
    // z: [n, c], the pre-activation; h: [n, c], the activation.
    let relu = |h: &mut T, &z: &T| *h = if z > T::zero() { z } else { T::zero() };
    match (h.as_slice_mut(), z.as_slice()) {
        (Some(h), Some(z)) => h.iter_mut().zip(z).for_each(|(h, z)| relu(h, z)),
        _ => Zip::from(h).and(z).for_each(relu),
    }
}

/// `g ← g` where `z > 0`, and 0 elsewhere.
pub fn relu_backward<T: Scalar>(mut g: ArrayViewMut2<T>, z: ArrayView2<T>) {
    // g: [n, c], ∂L/∂h in, ∂L/∂z out; z: [n, c], the forward pass's pre-activation.
    // A select, not a conditional store, so the loop vectorises.
    let mask = |g: &mut T, &z: &T| *g = if z > T::zero() { *g } else { T::zero() };
    match (g.as_slice_mut(), z.as_slice()) {
        (Some(g), Some(z)) => g.iter_mut().zip(z).for_each(|(g, z)| mask(g, z)),
        _ => Zip::from(g).and(z).for_each(mask),
    }
}
