//! `a(z) = z·Φ(z)` (GELU), `Φ` the standard normal's distribution function;
//! `a′ = Φ(z) + z·φ(z)` by the product rule, `φ(z) = exp(−z²/2)/√(2π)` its density, read from
//! the pre-activation `z` (`h` does not give `z` back: GELU is not one-to-one below 0).

use std::f64::consts::{FRAC_1_SQRT_2, PI};

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use crate::scalar::Scalar;

/// `Φ(z) = erfc(−z/√2)/2`: through erfc, which keeps its digits far below 0 where
/// `1 + erf(z/√2)` cancels. libm's f64 erfc, rounded to `T` (within an ulp of Φ in either).
fn cdf<T: Scalar>(z: T) -> T {
    T::of_f64(0.5 * libm::erfc(-z.into_f64() * FRAC_1_SQRT_2))
}

/// `h ← z·Φ(z)`.
pub fn gelu_forward<T: Scalar>(z: ArrayView2<T>, h: ArrayViewMut2<T>) {
    // z: [n, c], the pre-activation; h: [n, c], the activation.
    Zip::from(h).and(z).for_each(|h, &z| *h = z * cdf(z));
}

/// `g ← g·(Φ(z) + z·φ(z))`.
pub fn gelu_backward<T: Scalar>(g: ArrayViewMut2<T>, z: ArrayView2<T>) {
    // g: [n, c], ∂L/∂h in, ∂L/∂z out; z: [n, c], the forward pass's pre-activation.
    let inverse_root = T::of_f64(1.0 / (2.0 * PI).sqrt());
    let half = T::of_f64(0.5);
    Zip::from(g).and(z).for_each(|g, &z| {
        let density = inverse_root * (-(half * z * z)).exp();
        *g *= cdf(z) + z * density;
    });
}
