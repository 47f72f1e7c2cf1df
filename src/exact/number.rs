//! The numbers a smooth activation's formula is written over: `f64` for its exact value, and any
//! other type that follows the same operations (the rounding bound's, agreement/rounded.rs, which
//! carries beside each value what its evaluation in a lower precision may have rounded). A
//! formula written once over [`Number`] gives both.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// The operations the activations' formulas use. Each elementary function is one operation, as
/// a library evaluates it.
pub trait Number:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// A constant, as an implementation holds it in its precision (rounded unless exact there).
    fn constant(c: f64) -> Self;
    fn exp(self) -> Self;
    fn tanh(self) -> Self;
    /// `1 / (1 + e^{−x})`, one operation as burn and most libraries provide it.
    fn sigmoid(self) -> Self;
    /// `1 + erf(x)`: in f64 as `erfc(−x)`, which keeps its digits where `erf(x)` is near −1;
    /// an implementation may add the two, and the rounding type says what that costs.
    fn one_plus_erf(self) -> Self;
    fn sqrt(self) -> Self;
    /// The value, for the branches a formula takes.
    fn value(self) -> f64;
}

impl Number for f64 {
    fn constant(c: f64) -> Self {
        c
    }
    fn exp(self) -> Self {
        f64::exp(self)
    }
    fn tanh(self) -> Self {
        f64::tanh(self)
    }
    fn sigmoid(self) -> Self {
        // Where exp(−x) overflows, e^x/(1 + e^x) still holds σ (down to f64's subnormals).
        let e = (-self).exp();
        if e.is_finite() {
            1.0 / (1.0 + e)
        } else {
            let e = self.exp();
            e / (1.0 + e)
        }
    }
    fn one_plus_erf(self) -> Self {
        libm::erfc(-self)
    }
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    fn value(self) -> f64 {
        self
    }
}
