//! The bound through a leaky ReLU (beside manual/activation/leaky_relu.rs): `h = z` for
//! `z ≥ 0`, `s·z` below. Its kink is a ReLU's: a unit whose pre-activation is within its rounding
//! bound of 0 may take either branch in either twin.
//!
//! Shapes: `z`, `S_z`, `G` and the masks [n, c] (rows × units).

use ndarray::{Array2, Zip};

/// The derivative each unit took, and which units are ambiguous.
pub struct Kinked {
    /// `a′(z)`: 1 where `z > 0`, `s` where `z ≤ 0` (as the hand-written twin reads it from `z`).
    pub derivative: Array2<f64>,
    /// `|z| ≤ κ·u·S_z`.
    pub ambiguous: Array2<bool>,
    pub ambiguous_units: usize,
}

/// Forward, in place: `S_z` becomes `S_h = max(1, s)·S_z` where ambiguous (either branch, each
/// `max(1, s)`-Lipschitz), `a′·S_z` elsewhere, plus the product's own rounding `|h|` below 0.
/// `kink` is `κ·u`.
pub fn forward(
    (z, h): (&Array2<f64>, &Array2<f64>),
    s_z: &mut Array2<f64>,
    slope: f64,
    kink: f64,
) -> Kinked {
    let mut derivative = Array2::<f64>::zeros(z.raw_dim());
    let mut ambiguous = Array2::from_elem(z.raw_dim(), false);
    Zip::from(z)
        .and(h)
        .and(s_z)
        .and(&mut derivative)
        .and(&mut ambiguous)
        .for_each(|&z, &h, s, d, a| {
            *a = z.abs() <= kink * *s;
            *d = crate::exact::activation::derivative(
                crate::config::Activation::LeakyRelu {
                    negative_slope: slope,
                },
                z,
                h,
            );
            let carried = if *a { slope.max(1.0) } else { *d };
            *s = carried * *s + if z < 0.0 { h.abs() } else { 0.0 };
        });
    let ambiguous_units = ambiguous.iter().filter(|&&a| a).count();
    Kinked {
        derivative,
        ambiguous,
        ambiguous_units,
    }
}

/// Backward, in place: the scale of `G_z = G_h·a′` is `S_G·a′ + |G_z|` (the product's rounding
/// where `a′ = s`); where ambiguous, `|G_h|·|1 − s|/u` more (one twin may take the other branch).
pub fn backward(
    s_g: &mut Array2<f64>,
    (g_h, g_z): (&Array2<f64>, &Array2<f64>),
    k: &Kinked,
    slope: f64,
    u: f64,
) {
    Zip::from(s_g)
        .and(g_h)
        .and(g_z)
        .and(&k.derivative)
        .and(&k.ambiguous)
        .for_each(|s, &gh, g, &d, &a| {
            *s *= if a { slope.max(1.0) } else { d };
            if d != 1.0 {
                *s += g.abs();
            }
            if a {
                *s += gh.abs() * (1.0 - slope).abs() / u;
            }
        });
}
