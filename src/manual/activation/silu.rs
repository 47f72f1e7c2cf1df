//! `a(z) = z·σ(z)` (SiLU, also called swish), `σ(z) = 1 / (1 + exp(−z))`;
//! `a′ = σ(z) + z·σ(z)·(1 − σ(z))` by the product rule, read from the pre-activation `z`
//! (`h` does not give `z` back: SiLU is not one-to-one below 0).

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use crate::scalar::Scalar;

/// `σ(z)`, as `e/(1 + e)` with `e = exp(z)` below 0: `1/(1 + exp(−z))` would overflow to 0
/// there while `z·σ(z)` is still a normal number (z = −92 in f32: −1.2e-38).
fn sigmoid<T: Scalar>(z: T) -> T {
    if z < T::zero() {
        let e = z.exp();
        e / (T::one() + e)
    } else {
        T::one() / (T::one() + (-z).exp())
    }
}

/// `h ← z·σ(z)`.
pub fn silu_forward<T: Scalar>(z: ArrayView2<T>, h: ArrayViewMut2<T>) {
    // z: [n, c], the pre-activation; h: [n, c], the activation.
    Zip::from(h).and(z).for_each(|h, &z| *h = z * sigmoid(z));
}

/// `g ← g·(σ + z·σ·(1 − σ))`.
pub fn silu_backward<T: Scalar>(g: ArrayViewMut2<T>, z: ArrayView2<T>) {
    // g: [n, c], ∂L/∂h in, ∂L/∂z out; z: [n, c], the forward pass's pre-activation.
    Zip::from(g).and(z).for_each(|g, &z| {
        let s = sigmoid(z);
        *g *= s + z * s * (T::one() - s);
    });
}
