//! Where a disagreement starts. When the loss or a gradient at burn's point is off, the harness
//! compares every layer's output of the forward pass, hidden outputs first, then the logits, in
//! units of each one's own rounding bound (agreement's trace): the first one off names the
//! quantity. When all agree, the difference starts in the backward pass. And a difference that
//! f32's rounding would explain in an f64 run is said to be of single-precision size.

use ndarray::Array2;

use crate::agreement::{self, err_bound};
use crate::config::{Backend, Precision};
use crate::params::Params;
use crate::twins::{ManualNet, NetSpec, burn_twin};

/// The cause of a disagreement of `value` (in units of the rounding bound) at burn's point
/// `params`, on the batch `(x, y)`: the first layer output off, or the backward pass.
pub fn first_off(
    (probe, net, backend): (&mut dyn ManualNet, NetSpec, Backend),
    params: &Params,
    (x, y): (&Array2<f64>, &[usize]),
    (limit, value): (f64, f64),
) -> String {
    let (activation, precision) = (net.activation, net.precision);
    // The burn twin has stepped on: a new one at burn's point.
    let burn = match burn_twin(params, net, backend) {
        Ok(b) => b,
        Err(e) => return format!("(could not look into the forward pass: {e:#})"),
    };
    let x_seen = x.mapv(|v| agreement::round_to(v, precision));
    let keep = (agreement::Library::Faithful, true);
    let trace =
        agreement::gradient_scales_with(params, (&x_seen, y), (activation, precision), keep)
            .trace
            .expect("a trace was asked for");
    probe.set_params(params);
    let (ours, theirs) = (probe.outputs(x), burn.outputs(x));
    let scales = trace
        .inputs
        .iter()
        .skip(1)
        .map(|(_, s)| s)
        .chain(std::iter::once(&trace.logits.1));
    let last = ours.len() - 1;
    let mut cause = String::from(
        "every layer's output of the forward pass agrees: the difference starts in the backward pass",
    );
    for (i, ((a, b), s)) in ours.iter().zip(&theirs).zip(scales).enumerate() {
        let e = err_bound(a.iter(), b.iter(), s.iter(), precision);
        if e.is_nan() || e > limit {
            let what = if i == last {
                "the logits".to_owned()
            } else {
                format!("hidden layer {i}'s output (after {})", activation.name())
            };
            cause = format!("the first quantity off is {what}, err_bound {e:.3e}");
            break;
        }
    }
    if precision == Precision::F64 {
        let in_f32_units = value * agreement::unit_roundoff(Precision::F64)
            / agreement::unit_roundoff(Precision::F32);
        if in_f32_units <= limit {
            cause.push_str(&format!(
                "; the difference is of single-precision size ({in_f32_units:.2} in units of f32's rounding bound): something computed in f32 in this f64 run"
            ));
        }
    }
    cause
}
