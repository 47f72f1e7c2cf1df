//! The judge: `err_bound`, a disagreement in units of the rounding bound, and the limit that
//! makes it a gate.
//!
//! ```text
//! err_bound = max_e |a_e − b_e| / (u · S_e)
//! ```
//!
//! with `S_e` the scale the layer files compute and `u` the unit roundoff of the precision.

use serde::Serialize;

use super::Scales;
use crate::config::{CompareConfig, Precision};
use crate::params::{OptimizerState, Params, tensor_name};

pub use crate::exact::{round_to, unit_roundoff};

/// The smallest normal number of a precision: below it rounding is absolute, not relative, so
/// no allowance is ever smaller than this.
fn tiny(precision: Precision) -> f64 {
    match precision {
        Precision::F32 => f32::MIN_POSITIVE as f64,
        Precision::F64 => f64::MIN_POSITIVE,
    }
}

/// The absolute difference one unit of `err_bound` allows an entry of scale `s`: `u·s`, never
/// less than the smallest normal number (below it rounding is absolute). What the judge accepts
/// for a tensor is `limit` times this, entry by entry.
pub fn allowance(s: f64, precision: Precision) -> f64 {
    (unit_roundoff(precision) * s).max(tiny(precision))
}

/// The gate: the largest `err_bound` a step may reach, one number per precision
/// (docs/agreement.md, "The gate": why this value).
pub fn err_bound_limit(precision: Precision) -> f64 {
    match precision {
        Precision::F32 => 4.0,
        Precision::F64 => 4.0,
    }
}

/// The kink factor `κ`: a ReLU unit is ambiguous when `|z| ≤ κ·u·S_z`. The same factor as the
/// limit: a pre-activation that the gate would let the twins compute that far apart may have
/// either sign.
pub fn kink_factor(precision: Precision) -> f64 {
    err_bound_limit(precision)
}

/// The limits in force for a run. `f64::INFINITY` means "measured, not checked".
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Tolerances {
    pub err_bound_limit: f64,
    pub grad_tol: f64,
    pub drift_tol: f64,
}

impl Tolerances {
    /// The defaults of a precision: the `err_bound` gate, and the relative errors reported only
    /// (they depend on the data and on how the backends order their sums: docs/agreement.md).
    pub fn defaults(precision: Precision) -> Self {
        Tolerances {
            err_bound_limit: err_bound_limit(precision),
            grad_tol: f64::INFINITY,
            drift_tol: f64::INFINITY,
        }
    }

    /// A config's limits: what it sets, the defaults for the rest.
    pub fn of(compare: &CompareConfig) -> Self {
        let d = Tolerances::defaults(compare.precision);
        Tolerances {
            err_bound_limit: compare.err_bound_limit.unwrap_or(d.err_bound_limit),
            grad_tol: compare.grad_tol.unwrap_or(d.grad_tol),
            drift_tol: compare.drift_tol.unwrap_or(d.drift_tol),
        }
    }
}

/// `err_bound` of one tensor: the worst `|a − b| / (u·S)` over its entries. NaN anywhere gives
/// NaN; a difference where the scale is 0 is measured against the smallest normal number.
pub fn err_bound<'a>(
    a: impl Iterator<Item = &'a f64>,
    b: impl Iterator<Item = &'a f64>,
    scale: impl Iterator<Item = &'a f64>,
    precision: Precision,
) -> f64 {
    let mut worst: f64 = 0.0;
    for ((&a, &b), &s) in a.zip(b).zip(scale) {
        if a.is_nan() || b.is_nan() {
            return f64::NAN;
        }
        let diff = (a - b).abs();
        if diff > 0.0 {
            worst = worst.max(diff / allowance(s, precision));
        }
    }
    worst
}

/// The worst `err_bound` over every tensor of `a` against `b`, and where it was
/// (`{what}.layers.{i}.weight|bias`: the names of `check`'s files).
pub fn judge(
    what: &str,
    a: &Params,
    b: &Params,
    scales: &Params,
    precision: Precision,
) -> (f64, String) {
    let mut worst = (0.0, String::new());
    let tensors = a.layers.iter().zip(&b.layers).zip(&scales.layers);
    for (i, ((a, b), s)) in tensors.enumerate() {
        let weight = err_bound(a.weight.iter(), b.weight.iter(), s.weight.iter(), precision);
        let bias = err_bound(a.bias.iter(), b.bias.iter(), s.bias.iter(), precision);
        for (is_bias, e) in [(false, weight), (true, bias)] {
            if e > worst.0 || e.is_nan() || worst.1.is_empty() {
                worst = (e, format!("{what}.{}", tensor_name(i, is_bias)));
            }
        }
    }
    worst
}

/// The worst `err_bound` over the loss and every gradient tensor, and where it was (`loss` or
/// `grad.layers.{i}.weight|bias`).
pub fn judge_grads(
    (loss_a, grads_a): (f64, &Params),
    (loss_b, grads_b): (f64, &Params),
    scales: &Scales,
    precision: Precision,
) -> (f64, String) {
    let loss = err_bound(
        [loss_a].iter(),
        [loss_b].iter(),
        [scales.loss].iter(),
        precision,
    );
    let grads = judge("grad", grads_a, grads_b, &scales.grads, precision);
    if grads.0 > loss || grads.0.is_nan() {
        grads
    } else {
        (loss, "loss".to_owned())
    }
}

/// The worst `err_bound` over an optimizer step's results: the parameters
/// (`next.layers.{i}.weight|bias`) and each state buffer
/// (`next.state.{buffer}.layers.{i}.weight|bias`). A buffer one side has and the other has not
/// is an infinite disagreement.
pub fn judge_update(
    (params_a, state_a): (&Params, &OptimizerState),
    (params_b, state_b): (&Params, &OptimizerState),
    (params_scales, buffer_scales): (&Params, &[(String, Params)]),
    precision: Precision,
) -> (f64, String) {
    let mut worst = judge("next", params_a, params_b, params_scales, precision);
    for (name, s) in buffer_scales {
        let what = format!("next.state.{name}");
        let e = match (state_a.buffer(name), state_b.buffer(name)) {
            (Some(a), Some(b)) => judge(&what, a, b, s, precision),
            _ => (f64::INFINITY, format!("{what} (kept by one twin only)")),
        };
        if e.0 > worst.0 || e.0.is_nan() {
            worst = e;
        }
    }
    worst
}
