//! How far a step's results can move: under an error of the gradient ([`carried`]), and under
//! the rounding of its constants in an implementation's precision ([`constants_spread`]).

use super::{Constants, HELD, Mistake, entry};
use crate::config::Optimizer;

/// How far a gradient off by up to `delta` moves each result of the entry: the largest change
/// at `g ± delta` and `g ± delta/2`, and never less than `|∂/∂g|·delta` (the step is close to
/// monotone in `g`, so its extremes over the interval are at the ends; the halves and the
/// slope catch a turn inside it). Exact where the step is not linear in `g`: the second
/// moment's `g²`, the square root near 0, the quotient.
pub fn carried(
    optimizer: Optimizer,
    k: &Constants,
    (theta, g, before): (f64, f64, &[f64]),
    delta: f64,
    mistake: Option<Mistake>,
) -> Vec<f64> {
    let at = entry(optimizer, k, (theta, g, before), mistake);
    let mut out: Vec<f64> = at.iter().map(|&(_, slope)| slope * delta).collect();
    if delta == 0.0 || !delta.is_finite() {
        return out;
    }
    for shift in [delta, -delta, delta / 2.0, -delta / 2.0] {
        let moved = entry(optimizer, k, (theta, g + shift, before), mistake);
        for ((o, &(r, _)), (m, _)) in out.iter_mut().zip(&at).zip(moved) {
            *o = o.max((m - r).abs());
        }
    }
    out
}

/// `Σ_c κ_c·|∂r/∂c|·|c|` over the constants an implementation may hold or compute in its own
/// precision, `κ_c` each one's relative error in units of `u` ([`conditions`]): times `u`, how
/// far those errors can move each result (central differences at a relative step of 2⁻²⁰; the
/// step is smooth in its constants).
pub fn constants_spread(
    optimizer: Optimizer,
    k: &Constants,
    (theta, g, before): (f64, f64, &[f64]),
    mistake: Option<Mistake>,
) -> Vec<f64> {
    const ETA: f64 = 1.0 / 1_048_576.0;
    let outputs = 1 + optimizer.buffers().len();
    let mut spread = vec![0.0; outputs];
    for c in 0..HELD {
        if k.kappa[c] == 0.0 {
            continue;
        }
        let eval = |factor: f64| {
            let mut moved = *k;
            *moved.held_mut()[c] *= factor;
            entry(optimizer, &moved, (theta, g, before), mistake)
        };
        let (up, down) = (eval(1.0 + ETA), eval(1.0 - ETA));
        for ((s, (a, _)), (b, _)) in spread.iter_mut().zip(up).zip(down) {
            *s += k.kappa[c] * (a - b).abs() / (2.0 * ETA);
        }
    }
    spread
}
