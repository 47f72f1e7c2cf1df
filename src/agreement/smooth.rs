//! The bound through a smooth activation (tanh, the sigmoid, …): no kink; the value and the
//! derivative rounded as their formulas (exact/activation.rs) say, operation by operation
//! (rounded.rs).
//!
//! Forward: `h = a(z)` with `S_h = |a′(z)|·S_z + r_h`: the error carried in, then the
//! evaluation's own roundings.
//!
//! Backward: `G_z = G_h·d` with `d = a′` as the twins compute it (from `h` for tanh and the
//! sigmoid, from `z` for the others): `S_Gz = S_Gh·|d| + |G_h|·S_d + |G_z|` (the error in `G_h`,
//! the error in `d`, the product's own rounding), `S_d = |∂d/∂z|·S_z + |∂d/∂h|·S_h + r_d`.

use ndarray::{Array2, Zip};

use super::rounded::{Library, Rounded};
use crate::config::Activation;
use crate::exact::activation::{derivative, value};

/// What the backward pass needs of a smooth activation's forward.
pub struct Smooth {
    /// `a′` at each unit, and its scale as the twins compute it.
    pub derivative: Array2<f64>,
    pub derivative_scale: Array2<f64>,
}

/// Forward, in place: `S_z` becomes `S_h` (`z` and its output `h = a(z)` from exact/), for an
/// evaluation in unit roundoff `u` with `lib`'s `exp` and `tanh`.
pub fn forward(
    a: Activation,
    (z, h): (&Array2<f64>, &Array2<f64>),
    s_z: &mut Array2<f64>,
    (u, lib): (f64, Library),
) -> Smooth {
    let mut slope = Array2::<f64>::zeros(z.raw_dim());
    let mut slope_scale = Array2::<f64>::zeros(z.raw_dim());
    Zip::from(z)
        .and(h)
        .and(s_z)
        .and(&mut slope)
        .and(&mut slope_scale)
        .for_each(|&z, &h, s, d, sd| {
            let out = value(a, Rounded::z(z, u).with(lib));
            let s_in = *s;
            *s = out.scale(s_in, 0.0);
            let prime = derivative(a, Rounded::z(z, u).with(lib), Rounded::h(h, u).with(lib));
            *d = prime.v;
            *sd = prime.scale(s_in, *s);
        });
    Smooth {
        derivative: slope,
        derivative_scale: slope_scale,
    }
}

/// Backward, in place: `S_G` becomes the scale of `G_z = G_h·d`.
pub fn backward(s_g: &mut Array2<f64>, (g_h, g_z): (&Array2<f64>, &Array2<f64>), smooth: &Smooth) {
    Zip::from(s_g)
        .and(g_h)
        .and(g_z)
        .and(&smooth.derivative)
        .and(&smooth.derivative_scale)
        .for_each(|s, &gh, g, &d, &sd| {
            *s = *s * d.abs() + gh.abs() * sd + g.abs();
        });
}
