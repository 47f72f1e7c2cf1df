//! The hidden layers' activations: each one's value `h = a(z)` and its derivative `a′` as the
//! backward pass takes it (from `z` at a kink and for GELU and SiLU, from the output `h` for tanh
//! and the sigmoid), and the classic mistaken derivatives, to see whether wrong numbers are one of them.
//!
//! Written over [`Number`]: in `f64` they are the values; the rounding bound evaluates the same
//! formulas over its own type to learn what an evaluation in a lower precision may round
//! (agreement/rounded.rs), so a formula here is the one an implementation is judged by.

use std::f64::consts::{PI, SQRT_2};

use super::number::Number;
use crate::config::Activation;

/// `a(z)`.
pub fn value<N: Number>(a: Activation, z: N) -> N {
    let zero = N::constant(0.0);
    match a {
        Activation::Relu => {
            if z.value() > 0.0 {
                z
            } else {
                zero
            }
        }
        Activation::LeakyRelu { negative_slope } => {
            if z.value() < 0.0 {
                N::constant(negative_slope) * z
            } else {
                z
            }
        }
        Activation::Tanh => z.tanh(),
        Activation::Sigmoid => z.sigmoid(),
        Activation::Gelu => z * gelu_cdf(z),
        Activation::Silu => z * z.sigmoid(),
    }
}

/// `a′` at `z` whose output is `h = a(z)`: ReLU′(0) = 0 and the leaky ReLU's slope at 0, as
/// burn and the hand-written twin take them; tanh′ = 1 − h², σ′ = h·(1 − h);
/// GELU′ = Φ(z) + z·φ(z), SiLU′ = σ + z·σ·(1 − σ) (the product rule).
pub fn derivative<N: Number>(a: Activation, z: N, h: N) -> N {
    let one = N::constant(1.0);
    match a {
        Activation::Relu => N::constant(f64::from(u8::from(z.value() > 0.0))),
        Activation::LeakyRelu { negative_slope } => {
            if z.value() > 0.0 {
                one
            } else {
                N::constant(negative_slope)
            }
        }
        Activation::Tanh => one - h * h,
        Activation::Sigmoid => h * (one - h),
        Activation::Gelu => gelu_cdf(z) + z * gelu_density(z),
        Activation::Silu => {
            let s = z.sigmoid();
            s + z * s * (one - s)
        }
    }
}

/// `Φ(z) = (1 + erf(z/√2))/2`, the standard normal's distribution function.
fn gelu_cdf<N: Number>(z: N) -> N {
    N::constant(0.5) * (z / N::constant(SQRT_2)).one_plus_erf()
}

/// `φ(z) = exp(−z²/2)/√(2π)`, its density, with `1/√(2π)` as an implementation computes it.
fn gelu_density<N: Number>(z: N) -> N {
    let inverse_root = N::constant(1.0) / (N::constant(2.0) * N::constant(PI)).sqrt();
    inverse_root * (-(N::constant(0.5) * z * z)).exp()
}

/// A classic mistake in the backward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mistake {
    /// The activation's backward left out: the gradient passes every unit with a′ = 1 (for a
    /// ReLU: the mask forgotten).
    NoDerivative,
    /// `∂L/∂W_i` from the layer below's pre-activation `z`, not its output `a(z)`.
    PreactivationInput,
    /// `tanh′ = 1 − tanh` (the square forgotten).
    TanhNoSquare,
    /// `σ′ = σ` (not `σ(1 − σ)`).
    SigmoidPrimeAsSigma,
    /// The leaky ReLU's slope on the wrong side of 0: a′ = slope above 0, 1 below.
    LeakySlopeWrongSide,
    /// `GELU′ = Φ` (the product rule's `z·φ(z)` forgotten).
    GeluPrimeAsCdf,
    /// `SiLU′ = σ` (the product rule's `z·σ′` forgotten).
    SiluPrimeAsSigma,
}

impl Mistake {
    /// Its slug in the catalogue (src/mistakes.rs).
    pub fn slug(self) -> &'static str {
        match self {
            Mistake::NoDerivative => "relu-mask",
            Mistake::PreactivationInput => "one-layer",
            Mistake::TanhNoSquare => "tanh-no-square",
            Mistake::SigmoidPrimeAsSigma => "sigmoid-prime-as-sigma",
            Mistake::LeakySlopeWrongSide => "leaky-slope-side",
            Mistake::GeluPrimeAsCdf => "gelu-prime-as-cdf",
            Mistake::SiluPrimeAsSigma => "silu-prime-as-sigma",
        }
    }

    /// The mistakes worth trying for a network with activation `a`, most specific first.
    pub fn for_activation(a: Activation) -> Vec<Mistake> {
        let own = match a {
            Activation::Relu => None,
            Activation::LeakyRelu { .. } => Some(Mistake::LeakySlopeWrongSide),
            Activation::Tanh => Some(Mistake::TanhNoSquare),
            Activation::Sigmoid => Some(Mistake::SigmoidPrimeAsSigma),
            Activation::Gelu => Some(Mistake::GeluPrimeAsCdf),
            Activation::Silu => Some(Mistake::SiluPrimeAsSigma),
        };
        own.into_iter()
            .chain([Mistake::NoDerivative, Mistake::PreactivationInput])
            .collect()
    }

    /// The mistake's name, then what it is (the name is what the reports and tests look for).
    pub fn text(self, a: Activation) -> String {
        match (self, a) {
            (Mistake::NoDerivative, Activation::Relu) => "ReLU mask wrong: the gradient passes through units that are off (multiply by z > 0 on the way down)".to_owned(),
            (Mistake::NoDerivative, _) => format!(
                "{} derivative forgotten: the gradient passes every unit unchanged (multiply by a′(z) on the way down)",
                a.name()
            ),
            (Mistake::PreactivationInput, _) => format!(
                "pre-activation where the {} output belongs: ∂L/∂W = zᵀ·g from the layer below's z, not its output h = {}(z)",
                if a == Activation::Relu { "ReLU" } else { "activation's" },
                a.name()
            ),
            (Mistake::TanhNoSquare, _) => {
                "tanh′ computed as 1 − tanh (the square forgotten): tanh′(z) = 1 − tanh²(z)".to_owned()
            }
            (Mistake::SigmoidPrimeAsSigma, _) => {
                "σ′ computed as σ (not σ(1 − σ)): σ′(z) = σ(z)·(1 − σ(z))".to_owned()
            }
            (Mistake::GeluPrimeAsCdf, _) => {
                "GELU′ computed as Φ (the product rule's z·φ(z) forgotten): GELU′(z) = Φ(z) + z·φ(z)".to_owned()
            }
            (Mistake::SiluPrimeAsSigma, _) => {
                "SiLU′ computed as σ (the product rule's z·σ′ forgotten): SiLU′(z) = σ(z) + z·σ(z)·(1 − σ(z))".to_owned()
            }
            (Mistake::LeakySlopeWrongSide, _) => {
                "the leaky ReLU's slope on the wrong side of 0: a′ is 1 above 0 and the slope below".to_owned()
            }
        }
    }

    /// `a′` at `z` (output `h`) as this mistake computes it.
    pub fn derivative(self, a: Activation, z: f64, h: f64) -> f64 {
        match (self, a) {
            (Mistake::NoDerivative, _) => 1.0,
            (Mistake::LeakySlopeWrongSide, Activation::LeakyRelu { negative_slope }) => {
                if z > 0.0 {
                    negative_slope
                } else {
                    1.0
                }
            }
            (Mistake::TanhNoSquare, Activation::Tanh) => 1.0 - h,
            (Mistake::SigmoidPrimeAsSigma, Activation::Sigmoid) => h,
            (Mistake::GeluPrimeAsCdf, Activation::Gelu) => gelu_cdf(z),
            (Mistake::SiluPrimeAsSigma, Activation::Silu) => z.sigmoid(),
            _ => derivative(a, z, h),
        }
    }
}
