//! `a(x) = max(x, 0)`, element-wise.
//!
//! As in `linear.rs`: [`Relu`] is the textbook layer (keeps its input, returns fresh arrays);
//! [`relu_in_place`] and [`relu_backward_in_place`] are the same math on buffers the caller owns.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Zip};

use super::Scalar;

#[derive(Debug, Clone)]
pub struct Relu<T: Scalar> {
    /// The input of the last forward pass; backward needs to know where it was > 0.
    input: Array2<T>,
}

impl<T: Scalar> Default for Relu<T> {
    fn default() -> Self {
        Self {
            input: Array2::zeros((0, 0)),
        }
    }
}

impl<T: Scalar> Relu<T> {
    pub fn forward(&mut self, x: &Array2<T>) -> Array2<T> {
        self.input = x.clone();
        let mut out = x.clone();
        relu_in_place(out.view_mut());
        out
    }

    /// Passes the gradient where the input was > 0, and 0 elsewhere (at 0 too, as burn does).
    pub fn backward(&self, grad_out: &Array2<T>) -> Array2<T> {
        let mut grad = grad_out.clone();
        relu_backward_in_place(grad.view_mut(), self.input.view());
        grad
    }
}

/// `h ← max(h, 0)`, overwriting the pre-activation with the activation.
pub fn relu_in_place<T: Scalar>(mut h: ArrayViewMut2<T>) {
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
    // A select, not a conditional store, so the loop vectorises.
    let mask = |g: &mut T, &x: &T| *g = if x > T::zero() { *g } else { T::zero() };
    match (g.as_slice_mut(), seen.as_slice()) {
        (Some(g), Some(seen)) => g.iter_mut().zip(seen).for_each(|(g, x)| mask(g, x)),
        _ => Zip::from(g).and(seen).for_each(mask),
    }
}
