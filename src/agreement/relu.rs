//! The bound through a ReLU (beside manual/activation/relu.rs), and its kink: a unit whose pre-activation
//! is within its rounding bound of 0 may be on in one twin and off in the other.
//!
//! Shapes: `z`, `S_z`, `G` and the masks [n, c] (rows × units).

use ndarray::{Array2, Zip};

/// Which units are on, and which are ambiguous, after a ReLU.
pub struct Mask {
    /// 1 where the unit is on or ambiguous, 0 where it is clearly off.
    pub on: Array2<f64>,
    /// `|z| ≤ κ·u·S_z`: the unit may have either sign.
    pub ambiguous: Array2<bool>,
    pub ambiguous_units: usize,
}

/// Forward, in place: `S_z` becomes `S_h`, the scale where the unit is on or ambiguous (relu is
/// 1-Lipschitz) and 0 where it is clearly off (both twins write an exact 0). `kink` is `κ·u`.
pub fn forward(z: &Array2<f64>, s_z: &mut Array2<f64>, kink: f64) -> Mask {
    let mut ambiguous = Array2::from_elem(z.raw_dim(), false);
    let mut on = Array2::<f64>::zeros(z.raw_dim());
    Zip::from(z)
        .and(s_z)
        .and(&mut ambiguous)
        .and(&mut on)
        .for_each(|z, s, a, k| {
            *a = z.abs() <= kink * *s;
            if *z > 0.0 || *a {
                *k = 1.0;
            } else {
                *s = 0.0;
            }
        });
    let ambiguous_units = ambiguous.iter().filter(|&&a| a).count();
    Mask {
        on,
        ambiguous,
        ambiguous_units,
    }
}

/// Backward, in place: the scale `S_G` kept where the unit is on or ambiguous; where it is
/// ambiguous, the whole gradient `|G_h|/u` allowed as a difference (one twin may pass it, the
/// other not).
pub fn backward(s_g: &mut Array2<f64>, g_h: &Array2<f64>, mask: &Mask, u: f64) {
    Zip::from(s_g)
        .and(g_h)
        .and(&mask.on)
        .and(&mask.ambiguous)
        .for_each(|s, gp, &keep, &a| {
            *s *= keep;
            if a {
                *s += gp.abs() / u;
            }
        });
}
