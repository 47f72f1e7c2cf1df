//! The bound through the hidden layers' activation: each kind's forward and backward scale in its
//! own file for the kinked ones (relu.rs, leaky_relu.rs), one for every smooth one (smooth.rs,
//! which rounds exact/'s formulas). The values themselves (`h = a(z)`, `G_z = G_h ⊙ a′`) are
//! exact/'s.

use ndarray::{Array2, ArrayView2};

use super::leaky_relu::{self, Kinked};
use super::relu::{self, Mask};
use super::rounded::Library;
use super::smooth::{self, Smooth};
use crate::config::Activation;

/// What a layer's activation left for the backward pass.
pub enum Through {
    Relu(Mask),
    LeakyRelu(Kinked, f64),
    Smooth(Smooth),
}

impl Through {
    /// Units within their rounding bound of a kink.
    pub fn ambiguous_units(&self) -> usize {
        match self {
            Through::Relu(m) => m.ambiguous_units,
            Through::LeakyRelu(k, _) => k.ambiguous_units,
            Through::Smooth(_) => 0,
        }
    }
}

/// Forward, in place: `S_z` becomes `S_h`, for the unit values `z` and `h = a(z)`. `kink` is
/// `κ·u`, `u` the unit roundoff, `lib` whose `exp` and `tanh` a smooth activation calls.
pub fn forward(
    a: Activation,
    (z, h): (&Array2<f64>, &Array2<f64>),
    s_z: &mut Array2<f64>,
    (kink, u, lib): (f64, f64, Library),
) -> Through {
    match a {
        Activation::Relu => Through::Relu(relu::forward(z, s_z, kink)),
        Activation::LeakyRelu { negative_slope } => Through::LeakyRelu(
            leaky_relu::forward((z, h), s_z, negative_slope, kink),
            negative_slope,
        ),
        _ => Through::Smooth(smooth::forward(a, (z, h), s_z, (u, lib))),
    }
}

/// Backward, in place: `S_G` of `G_h` (∂L/∂h) becomes the scale of `G_z` (∂L/∂z).
pub fn backward(
    t: &Through,
    s_g: &mut Array2<f64>,
    (g_h, g_z): (&Array2<f64>, &Array2<f64>),
    u: f64,
) {
    match t {
        Through::Relu(mask) => relu::backward(s_g, g_h, mask, u),
        Through::LeakyRelu(k, slope) => leaky_relu::backward(s_g, (g_h, g_z), k, *slope, u),
        Through::Smooth(s) => smooth::backward(s_g, (g_h, g_z), s),
    }
}

/// `|h|` of a layer's input: after a ReLU, `h` itself (never negative).
pub fn magnitude<'a>(
    t: Option<&Through>,
    h: &'a Array2<f64>,
    owned: &'a mut Option<Array2<f64>>,
) -> ArrayView2<'a, f64> {
    match t {
        Some(Through::Relu(_)) => h.view(),
        _ => owned.insert(h.mapv(f64::abs)).view(),
    }
}
