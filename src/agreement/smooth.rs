//! The bound through a smooth activation (tanh.rs, sigmoid.rs): no kink, an evaluation error of
//! a few `u`, and a derivative computed from the output.
//!
//! Forward: `h = a(z)` with `S_h = |a′(z)|·S_z + c·|h|`: the error carried in, then the
//! function's own evaluation error, `c·u` relative for an implementation faithfully rounded at
//! each elementary operation (the activation file derives `c`).
//!
//! Backward: `G_z = G_h·d` with `d = a′` as the twins compute it from `h`:
//! `S_Gz = S_Gh·|d| + |G_h|·S_d + |G_z|` (the error in `G_h`, the error in `d`, the product's
//! own rounding), `S_d` from the activation file.

use ndarray::{Array2, Zip};

use crate::config::Activation;
use crate::exact::activation::derivative;

/// What the backward pass needs of a smooth activation's forward.
pub struct Smooth {
    /// `a′` at each unit, and its scale as the twins compute it from `h`.
    pub derivative: Array2<f64>,
    pub derivative_scale: Array2<f64>,
}

/// One smooth activation's rounding: of its evaluation, and of its derivative from the output.
pub trait SmoothActivation {
    /// `c`: the relative evaluation error of `a`, in units of `u`.
    fn evaluation(&self) -> f64;
    /// The scale of `a′` computed from `h` whose own scale is `s_h`.
    fn derivative_scale(&self, h: f64, s_h: f64) -> f64;
}

/// Forward, in place: `S_z` becomes `S_h` (`z` and its output `h = a(z)` from exact/).
pub fn forward(
    (a, rounding): (Activation, &impl SmoothActivation),
    (z, h): (&Array2<f64>, &Array2<f64>),
    s_z: &mut Array2<f64>,
) -> Smooth {
    let mut slope = Array2::<f64>::zeros(z.raw_dim());
    let mut slope_scale = Array2::<f64>::zeros(z.raw_dim());
    let c = rounding.evaluation();
    Zip::from(z)
        .and(h)
        .and(s_z)
        .and(&mut slope)
        .and(&mut slope_scale)
        .for_each(|&z, &h, s, d, sd| {
            *d = derivative(a, z, h);
            *s = d.abs() * *s + c * h.abs();
            *sd = rounding.derivative_scale(h, *s);
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
