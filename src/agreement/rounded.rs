//! What evaluating a smooth activation's formula (exact/activation.rs, written over
//! [`Number`]) in precision `u` may round, derived operation by operation: the formula run over
//! [`Rounded`] instead of `f64`.
//!
//! A [`Rounded`] is a value with, to first order, its derivatives with respect to the formula's
//! inputs `z` and `h` (which arrive with errors of their own, `S_z` and `S_h`) and `r`: the
//! roundings of the operations so far, in units of `u`, each carried to this value by the
//! magnitude of its partial derivative. The result's scale is then
//! `|∂/∂z|·S_z + |∂/∂h|·S_h + r`. Each operation adds its own rounding:
//!
//! - `+`, `−`, `·`, `/`, `√`: correctly rounded, `|result|` (a product by a power of two is exact);
//! - a constant: `|c|` unless f32 holds it exactly (then f64 does too);
//! - `exp`, `tanh`: faithfully rounded library functions, below one ulp: `2·|result|`; or, where
//!   the evaluation is WGSL's ([`Library::Wgsl`]: burn's wgpu backend), what WGSL allows:
//!   `exp` within `3 + 2·|x|` ulp (and 0 where its result would be subnormal, as lavapipe's), and `tanh` within what its formula `(eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)`
//!   rounds with that `exp` (WGSL's "inherited from sinh(x)/cosh(x)"): near 0 an absolute
//!   error of a few `u`, not a relative one;
//! - the sigmoid `1 / (1 + exp(−z))`: `exp` (`2u` relative, at most that on the quotient), the
//!   sum and the quotient (`u` each): `4·|result|`; WGSL's, burn's `exp(−log(1 + exp(−z)))` over
//!   WGSL's `exp` and `log` (3 ulp, or `2⁻²¹` absolute on [0.5, 2]); and where `exp(−z)` overflows the precision
//!   (`z < −88.72` in f32, `−709.78` in f64) an implementation may return 0, so the whole value
//!   (`|result|/u`): PyTorch's SiLU kernel `z/(1 + exp(−z))` does, while `z·σ(z)` is still a
//!   normal f32 number down to `z ≈ −91`;
//! - `1 + erf(x)`: `erf` faithfully rounded (`2·|erf x|`) and the sum (`|result|`), or `erfc(−x)`
//!   faithfully rounded (`2·|result|`): the bound takes both, `2·|erf x| + 2·|result|`.

use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::exact::number::Number;

/// Whose `exp` and `tanh` the evaluation calls (module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Library {
    /// Within one ulp, as a CPU's libm.
    #[default]
    Faithful,
    /// Within what WGSL's builtin functions are defined to (burn's wgpu backend).
    Wgsl,
}

/// A value and what its evaluation may have rounded (module docs).
#[derive(Debug, Clone, Copy)]
pub struct Rounded {
    pub v: f64,
    /// `∂v/∂z` and `∂v/∂h`.
    pub dz: f64,
    pub dh: f64,
    /// The operations' roundings carried to `v`, in units of `u`.
    pub r: f64,
    /// The unit roundoff of the precision evaluated in (0 for a constant): what tells an
    /// operation the precision's range.
    pub u: f64,
    /// Whose `exp` and `tanh`.
    pub lib: Library,
}

impl Rounded {
    /// The formula's input `z`, evaluated in the precision of unit roundoff `u`.
    pub fn z(z: f64, u: f64) -> Self {
        Rounded {
            v: z,
            dz: 1.0,
            dh: 0.0,
            r: 0.0,
            u,
            lib: Library::Faithful,
        }
    }

    /// An input held exactly in the precision of unit roundoff `u` (an optimizer step's `θ` and
    /// state, read at burn's point): no error, no derivative followed.
    pub fn input(v: f64, u: f64) -> Self {
        Rounded {
            v,
            dz: 0.0,
            dh: 0.0,
            r: 0.0,
            u,
            lib: Library::Faithful,
        }
    }

    /// The formula's input `h` (the output of the forward pass, which tanh′ and σ′ read).
    pub fn h(h: f64, u: f64) -> Self {
        Rounded {
            v: h,
            dz: 0.0,
            dh: 1.0,
            r: 0.0,
            u,
            lib: Library::Faithful,
        }
    }

    /// The same value, evaluated with `lib`'s `exp` and `tanh`.
    pub fn with(self, lib: Library) -> Self {
        Rounded { lib, ..self }
    }

    /// WGSL's `log`: 3 ulp, or `2⁻²¹` absolute for an argument in [0.5, 2].
    fn wgsl_log(self) -> Self {
        let l = self.v.ln();
        let own = if (0.5..=2.0).contains(&self.v) && self.u > 0.0 {
            2f64.powi(-21) / self.u
        } else {
            6.0 * l.abs()
        };
        self.through((l, 1.0 / self.v), own)
    }

    /// The precision's smallest normal number.
    fn smallest_normal(self) -> f64 {
        if self.u >= f64::from(f32::EPSILON) / 2.0 {
            f64::from(f32::MIN_POSITIVE)
        } else {
            f64::MIN_POSITIVE
        }
    }

    /// The largest `x` whose `exp(x)` the precision holds.
    fn max_exp_argument(self) -> f64 {
        if self.u >= f64::from(f32::EPSILON) / 2.0 {
            f64::from(f32::MAX.ln())
        } else {
            f64::MAX.ln()
        }
    }

    /// The scale of the value for inputs with scales `s_z` and `s_h`.
    pub fn scale(self, s_z: f64, s_h: f64) -> f64 {
        self.dz.abs() * s_z + self.dh.abs() * s_h + self.r
    }

    /// A function `f` of this value: `f(v)`, `f′(v)`, and its own rounding `own` (units of `u`).
    fn through(self, (v, slope): (f64, f64), own: f64) -> Self {
        Rounded {
            v,
            dz: slope * self.dz,
            dh: slope * self.dh,
            r: slope.abs() * self.r + own,
            u: self.u,
            lib: self.lib,
        }
    }

    /// An exact power of two with no error: multiplying by it rounds nothing.
    fn is_exact_power_of_two(self) -> bool {
        self.dz == 0.0
            && self.dh == 0.0
            && self.r == 0.0
            && self.v != 0.0
            && self.v.abs().log2().fract() == 0.0
    }
}

impl Add for Rounded {
    type Output = Rounded;
    fn add(self, b: Rounded) -> Rounded {
        let v = self.v + b.v;
        Rounded {
            v,
            dz: self.dz + b.dz,
            dh: self.dh + b.dh,
            r: self.r + b.r + v.abs(),
            u: self.u.max(b.u),
            lib: self.lib.max(b.lib),
        }
    }
}

impl Sub for Rounded {
    type Output = Rounded;
    fn sub(self, b: Rounded) -> Rounded {
        self + (-b)
    }
}

impl Neg for Rounded {
    type Output = Rounded;
    fn neg(self) -> Rounded {
        Rounded {
            v: -self.v,
            dz: -self.dz,
            dh: -self.dh,
            r: self.r,
            u: self.u,
            lib: self.lib,
        }
    }
}

impl Mul for Rounded {
    type Output = Rounded;
    fn mul(self, b: Rounded) -> Rounded {
        let v = self.v * b.v;
        let exact = self.is_exact_power_of_two() || b.is_exact_power_of_two();
        Rounded {
            v,
            dz: self.dz * b.v + self.v * b.dz,
            dh: self.dh * b.v + self.v * b.dh,
            r: b.v.abs() * self.r + self.v.abs() * b.r + if exact { 0.0 } else { v.abs() },
            u: self.u.max(b.u),
            lib: self.lib.max(b.lib),
        }
    }
}

impl Div for Rounded {
    type Output = Rounded;
    fn div(self, b: Rounded) -> Rounded {
        let v = self.v / b.v;
        let b2 = b.v * b.v;
        Rounded {
            v,
            dz: (self.dz * b.v - self.v * b.dz) / b2,
            dh: (self.dh * b.v - self.v * b.dh) / b2,
            r: self.r / b.v.abs() + self.v.abs() * b.r / b2 + v.abs(),
            u: self.u.max(b.u),
            lib: self.lib.max(b.lib),
        }
    }
}

impl Number for Rounded {
    fn exact(c: f64) -> Self {
        Rounded {
            v: c,
            dz: 0.0,
            dh: 0.0,
            r: 0.0,
            u: 0.0,
            lib: Library::Faithful,
        }
    }
    fn constant(c: f64) -> Self {
        let exact = c == f64::from(c as f32);
        Rounded {
            v: c,
            dz: 0.0,
            dh: 0.0,
            r: if exact { 0.0 } else { c.abs() },
            u: 0.0,
            lib: Library::Faithful,
        }
    }
    /// One ulp is at most `2u·|result|`: faithfully rounded, `2·|result|`; WGSL's, `3 + 2·|x|`
    /// ulp.
    fn exp(self) -> Self {
        let e = self.v.exp();
        let own = match self.lib {
            Library::Faithful => 2.0 * e,
            // Below the precision's smallest normal number, 0 (lavapipe's): the whole value.
            Library::Wgsl if self.u > 0.0 && e < self.smallest_normal() => e / self.u,
            Library::Wgsl => 2.0 * (3.0 + 2.0 * self.v.abs()) * e,
        };
        self.through((e, e), own)
    }
    /// WGSL's is its formula over WGSL's `exp` (where `eˣ` stays finite; beyond, `±1` within an
    /// ulp, as a faithful one).
    fn tanh(self) -> Self {
        if self.lib == Library::Wgsl && self.v.abs() < self.max_exp_argument() {
            let (e, f) = (self.exp(), (-self).exp());
            return (e - f) / (e + f);
        }
        let t = self.v.tanh();
        self.through((t, 1.0 - t * t), 2.0 * t.abs())
    }
    fn sigmoid(self) -> Self {
        let s = self.v.sigmoid();
        let overflows = -self.v > self.max_exp_argument();
        if self.lib == Library::Wgsl && !overflows {
            // burn's own formula (burn-backend's default `sigmoid`), over WGSL's exp and log.
            let one = Rounded::exact(1.0);
            return (-(one + (-self).exp()).wgsl_log()).exp();
        }
        let own = if overflows && self.u > 0.0 {
            s / self.u
        } else {
            4.0 * s
        };
        self.through((s, s * (1.0 - s)), own)
    }
    fn one_plus_erf(self) -> Self {
        let sum = self.v.one_plus_erf();
        let slope = std::f64::consts::FRAC_2_SQRT_PI * (-self.v * self.v).exp();
        self.through((sum, slope), 2.0 * (sum - 1.0).abs() + 2.0 * sum)
    }
    /// To first order `r/(2√x)`, capped by `√(r/u)`, which holds however close `x` is to 0
    /// (an error `δ` in `x` moves `√x` by at most `√δ`); then its own rounding.
    fn sqrt(self) -> Self {
        let q = self.v.sqrt();
        let slope = if q > 0.0 { 0.5 / q } else { 0.0 };
        let mut out = self.through((q, slope), q);
        let capped = if self.u > 0.0 {
            (self.r / self.u).sqrt()
        } else {
            f64::INFINITY
        };
        let carried = if self.r == 0.0 {
            0.0
        } else if q > 0.0 {
            (self.r * slope).min(capped)
        } else {
            capped
        };
        out.r = carried + q;
        out
    }
    fn value(self) -> f64 {
        self.v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: f64 = f64::EPSILON / 2.0;

    /// tanh′ from the output, `1 − h·h`: the square's and the difference's roundings, and the
    /// error in `h` through `|∂/∂h| = 2|h|`.
    #[test]
    fn tanh_derivative_from_the_output() {
        let h = 0.6;
        let d = Rounded::constant(1.0) - Rounded::h(h, U) * Rounded::h(h, U);
        assert_eq!(d.v, 1.0 - h * h);
        assert_eq!(d.scale(0.0, 1.0), 2.0 * h + h * h + (1.0 - h * h));
    }

    /// A product by one half rounds nothing; by a tenth it does.
    #[test]
    fn powers_of_two_are_exact() {
        let z = Rounded::z(3.0, U);
        assert_eq!((Rounded::constant(0.5) * z).r, 0.0);
        assert!((Rounded::constant(0.1) * z).r > 0.3);
    }

    /// `1 + erf(x)` far below 0: the value keeps its digits (`erfc`), the bound allows the
    /// sum's cancellation (an absolute `2u` from `erf`'s rounding near −1).
    #[test]
    fn one_plus_erf_allows_the_cancellation() {
        let x = Rounded::z(-4.0, U);
        let s = x.one_plus_erf();
        assert!(s.v > 1e-8 && s.v < 2e-8);
        assert!(s.r > 1.99 && s.r < 2.01);
    }

    /// Where `exp(−z)` overflows f32, `z·σ(z)` may come out 0 (PyTorch's SiLU kernel), and the
    /// bound allows it; in f64, at the same `z`, it does not.
    #[test]
    fn the_sigmoid_may_lose_its_value_where_exp_overflows() {
        let u32 = f64::from(f32::EPSILON) / 2.0;
        let silu = |z: Rounded| z * z.sigmoid();
        let h = silu(Rounded::z(-89.0, u32));
        assert!(h.v < -1e-37 && h.v > -1e-36);
        assert!(u32 * h.scale(0.0, 0.0) >= h.v.abs());
        let h = silu(Rounded::z(-88.0, u32));
        assert!(u32 * h.scale(0.0, 0.0) < 1e-6 * h.v.abs());
        let h = silu(Rounded::z(-89.0, U));
        assert!(U * h.scale(0.0, 0.0) < 1e-14 * h.v.abs());
    }

    /// WGSL's tanh near 0: an absolute error of a few `u` (the formula's cancellation), where a
    /// faithful one allows `2u·|tanh x|`; far from 0 both are a few `u` relative.
    #[test]
    fn wgsl_tanh_allows_an_absolute_error_near_zero() {
        let u32 = f64::from(f32::EPSILON) / 2.0;
        let small = Rounded::z(1e-3, u32);
        let faithful = small.tanh().scale(0.0, 0.0);
        let wgsl = small.with(Library::Wgsl).tanh();
        assert!((wgsl.v - 1e-3f64.tanh()).abs() < 1e-15);
        assert!(faithful < 2.1e-3, "{faithful}");
        assert!(wgsl.scale(0.0, 0.0) > 5.0 && wgsl.scale(0.0, 0.0) < 20.0);
        // The derivative is tanh′ either way.
        assert!((wgsl.dz - (1.0 - wgsl.v * wgsl.v)).abs() < 1e-12);
        let one = Rounded::z(1.0, u32).with(Library::Wgsl).tanh();
        assert!(one.scale(0.0, 0.0) < 30.0 * one.v);
    }
}
