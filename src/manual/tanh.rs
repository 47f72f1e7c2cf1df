//! `a(x) = tanh x`, element-wise and in place; `a′ = 1 − tanh² x = 1 − h²`, read from the
//! output `h` (the forward pass overwrites its input).

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::Scalar;
use super::mutant::Mutant;

/// `h ← tanh h`.
pub fn tanh_in_place<T: Scalar>(mut h: ArrayViewMut2<T>) {
    h.mapv_inplace(|v| v.tanh());
}

/// `g ← g·(1 − h²)`.
pub fn tanh_backward_in_place<T: Scalar>(g: ArrayViewMut2<T>, out: ArrayView2<T>) {
    let without_square = super::mutant::active() == Some(Mutant::TanhWithoutSquare);
    Zip::from(g).and(out).for_each(|g, &h| {
        let d = if without_square {
            T::one() - h
        } else {
            T::one() - h * h
        };
        *g *= d;
    });
}
