//! The numbers a formula (a smooth activation's, an optimizer's step) is written over: `f64` for
//! its exact value, [`Slope`] for the size of its derivative with respect to one input, and any other type
//! that follows the same operations (the rounding bound's, agreement/rounded.rs, which carries
//! beside each value what its evaluation in a lower precision may have rounded). A formula
//! written once over [`Number`] gives all three.

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
    /// A number every evaluation holds alike, with no rounding of its own: an input, or a
    /// constant computed the same way by everyone judged (burn's f32 constants, the rate).
    fn exact(c: f64) -> Self;
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
    fn exact(c: f64) -> Self {
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

/// A value and a bound on the magnitude of its derivative with respect to one input (forward
/// mode): an optimizer step's `|∂/∂g|` from its formula. Each term's size, not their difference:
/// where two terms' derivatives would cancel (`g/(√(g²) + ε)` is nearly flat in `g`), the bound
/// keeps both, so that a gradient off by `δ` is never said to move a result less than it may.
#[derive(Debug, Clone, Copy)]
pub struct Slope {
    pub v: f64,
    /// `≥ 0`.
    pub d: f64,
}

impl Slope {
    /// The input the derivative is taken with respect to.
    pub fn input(v: f64) -> Self {
        Slope { v, d: 1.0 }
    }

    /// `f(v)` with slope `f′(v)`.
    fn through(self, v: f64, slope: f64) -> Self {
        Slope {
            v,
            d: if self.d == 0.0 {
                0.0
            } else {
                slope.abs() * self.d
            },
        }
    }
}

impl Add for Slope {
    type Output = Slope;
    fn add(self, b: Slope) -> Slope {
        Slope {
            v: self.v + b.v,
            d: self.d + b.d,
        }
    }
}

impl Sub for Slope {
    type Output = Slope;
    fn sub(self, b: Slope) -> Slope {
        Slope {
            v: self.v - b.v,
            d: self.d + b.d,
        }
    }
}

impl Mul for Slope {
    type Output = Slope;
    fn mul(self, b: Slope) -> Slope {
        Slope {
            v: self.v * b.v,
            d: self.d * b.v.abs() + self.v.abs() * b.d,
        }
    }
}

impl Div for Slope {
    type Output = Slope;
    fn div(self, b: Slope) -> Slope {
        Slope {
            v: self.v / b.v,
            d: self.d / b.v.abs() + self.v.abs() * b.d / (b.v * b.v),
        }
    }
}

impl Neg for Slope {
    type Output = Slope;
    fn neg(self) -> Slope {
        Slope {
            v: -self.v,
            d: self.d,
        }
    }
}

impl Number for Slope {
    fn constant(c: f64) -> Self {
        Slope { v: c, d: 0.0 }
    }
    fn exact(c: f64) -> Self {
        Slope { v: c, d: 0.0 }
    }
    fn exp(self) -> Self {
        let e = self.v.exp();
        self.through(e, e)
    }
    fn tanh(self) -> Self {
        let t = self.v.tanh();
        self.through(t, 1.0 - t * t)
    }
    fn sigmoid(self) -> Self {
        let s = Number::sigmoid(self.v);
        self.through(s, s * (1.0 - s))
    }
    fn one_plus_erf(self) -> Self {
        let slope = std::f64::consts::FRAC_2_SQRT_PI * (-self.v * self.v).exp();
        self.through(self.v.one_plus_erf(), slope)
    }
    /// At 0 the slope is taken as 0, as a square root of a sum of squares that is 0 only where
    /// the gradient is (the bound's carried error, exact/step/bounds.rs, covers the rest).
    fn sqrt(self) -> Self {
        let q = self.v.sqrt();
        self.through(q, if q > 0.0 { 0.5 / q } else { 0.0 })
    }
    fn value(self) -> f64 {
        self.v
    }
}
