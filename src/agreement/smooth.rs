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

/// What the backward pass needs of a smooth activation's forward.
pub struct Smooth {
    /// `a′` at each unit, and its scale as the twins compute it from `h`.
    pub derivative: Array2<f64>,
    pub derivative_scale: Array2<f64>,
}

/// One smooth activation: its value, derivative and their scales at `z` given `S_z`.
pub trait SmoothActivation {
    /// `a(z)`.
    fn value(&self, z: f64) -> f64;
    /// `c`: the relative evaluation error of `a`, in units of `u`.
    fn evaluation(&self) -> f64;
    /// `a′` from the output `h`.
    fn derivative(&self, h: f64) -> f64;
    /// The scale of `a′` computed from `h` whose own scale is `s_h`.
    fn derivative_scale(&self, h: f64, s_h: f64) -> f64;
}

/// Forward, in place: `z` becomes `h`, `S_z` becomes `S_h`.
pub fn forward(z: &mut Array2<f64>, s_z: &mut Array2<f64>, a: &impl SmoothActivation) -> Smooth {
    let mut derivative = Array2::<f64>::zeros(z.raw_dim());
    let mut derivative_scale = Array2::<f64>::zeros(z.raw_dim());
    let c = a.evaluation();
    Zip::from(z)
        .and(s_z)
        .and(&mut derivative)
        .and(&mut derivative_scale)
        .for_each(|z, s, d, sd| {
            let h = a.value(*z);
            *d = a.derivative(h);
            *s = d.abs() * *s + c * h.abs();
            *sd = a.derivative_scale(h, *s);
            *z = h;
        });
    Smooth {
        derivative,
        derivative_scale,
    }
}

/// Backward, in place: `G` becomes `G_z = G_h·d`, `S_G` its scale.
pub fn backward(s_g: &mut Array2<f64>, g: &mut Array2<f64>, smooth: &Smooth) {
    Zip::from(s_g)
        .and(g)
        .and(&smooth.derivative)
        .and(&smooth.derivative_scale)
        .for_each(|s, g, &d, &sd| {
            let gh = *g;
            *g = gh * d;
            *s = *s * d.abs() + gh.abs() * sd + g.abs();
        });
}
