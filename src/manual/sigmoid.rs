//! `a(x) = σ(x) = 1 / (1 + exp(−x))`, element-wise and in place; `a′ = σ(1 − σ) = h(1 − h)`,
//! read from the output `h`.

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::Scalar;
use super::mutant::Mutant;

/// `h ← 1 / (1 + exp(−h))`. For large negative inputs `exp(−h)` overflows to infinity and the
/// quotient to 0, the right limit.
pub fn sigmoid_in_place<T: Scalar>(mut h: ArrayViewMut2<T>) {
    h.mapv_inplace(|v| T::one() / (T::one() + (-v).exp()));
}

/// `g ← g·h(1 − h)`.
pub fn sigmoid_backward_in_place<T: Scalar>(g: ArrayViewMut2<T>, out: ArrayView2<T>) {
    let as_sigma = super::mutant::active() == Some(Mutant::SigmoidDerivativeAsSigma);
    Zip::from(g).and(out).for_each(|g, &h| {
        let d = if as_sigma { h } else { h * (T::one() - h) };
        *g *= d;
    });
}
