//! Central finite differences `(L(θ+h) − L(θ−h)) / 2h` in f64, for every parameter entry: the
//! third column of `mlp2d grads`.
//!
//! The loss is exact/'s forward pass and cross-entropy, so it shares no code with either twin.
//! Finite differences are unreliable where a ReLU (or leaky ReLU) input lies within reach of the
//! step `h` (the loss has a kink there): [`kink_mask`] flags those entries.

use ndarray::{Array1, Array2, Axis};

use crate::config::Activation;
use crate::exact::forward::{forward, logits_from};
use crate::exact::loss::mean_loss;
use crate::params::Params;

/// One source of gradients: its loss and every parameter gradient.
#[derive(Debug, Clone)]
pub struct Column {
    pub loss: f64,
    pub grads: Params,
}

/// Default finite-difference step.
pub const DEFAULT_H: f64 = 1e-6;

/// Default tolerance against the numeric column, by precision of the twins. CS231n's rule of
/// thumb for relative errors: below 1e-7 is good, above 1e-4 is wrong for a smooth function.
/// With h = 1e-6 in f64 the truncation and rounding error is ~1e-9 relative, so 1e-6 catches any
/// real mistake. f32 twins carry their own rounding (see `Tolerances::defaults`): 1e-2.
pub fn default_numeric_tol(f32_twins: bool) -> f64 {
    if f32_twins { 1e-2 } else { 1e-6 }
}

/// The mean softmax cross-entropy at `params`.
pub fn loss_at(params: &Params, (x, y): (&Array2<f64>, &[usize]), a: Activation) -> f64 {
    mean_loss(&logits_from(params, a, 0, x), y)
}

/// Central differences of the loss for every parameter entry. Each layer's input is computed
/// once; a perturbed entry only re-runs the layers from its own onwards.
pub fn numeric(params: &Params, (x, y): (&Array2<f64>, &[usize]), a: Activation, h: f64) -> Column {
    let inputs = forward(params, a, x).inputs;
    let mut probe = params.clone();
    let mut grads = params.clone();
    for (i, input) in inputs.iter().enumerate() {
        let loss_from = |p: &Params| mean_loss(&logits_from(p, a, i, input), y);
        let entries = params.layers[i].weight.len() + params.layers[i].bias.len();
        for e in 0..entries {
            let orig = *entry(&mut probe, i, e);
            *entry(&mut probe, i, e) = orig + h;
            let up = loss_from(&probe);
            *entry(&mut probe, i, e) = orig - h;
            let down = loss_from(&probe);
            *entry(&mut probe, i, e) = orig;
            *entry(&mut grads, i, e) = (up - down) / (2.0 * h);
        }
    }
    Column {
        loss: loss_at(params, (x, y), a),
        grads,
    }
}

/// Entry `e` of layer `i`: the weights in row-major order, then the biases.
fn entry(p: &mut Params, i: usize, e: usize) -> &mut f64 {
    let l = &mut p.layers[i];
    let n = l.weight.len();
    if e < n {
        &mut l.weight.as_slice_mut().expect("weights are row-major")[e]
    } else {
        &mut l.bias[e - n]
    }
}

/// Per layer, the weight and bias entries whose finite difference may straddle a ReLU kink:
/// for some row, the pre-activation `z` of the unit the entry feeds is within the step's reach
/// (`|z| ≤ h·|input|` for a weight, `|z| ≤ h` for a bias). The output layer has no activation;
/// the smooth activations (tanh, the sigmoid, GELU, SiLU) have no kink.
/// Kinks further downstream are not tracked: they move by O(h) too, but rarely sit that close.
pub fn kink_mask(
    params: &Params,
    x: &Array2<f64>,
    a: Activation,
    h: f64,
) -> Vec<(Array2<bool>, Array1<bool>)> {
    let inputs = forward(params, a, x).inputs;
    let last = if a.has_kink() {
        params.layers.len() - 1
    } else {
        0
    };
    params
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut w = Array2::from_elem(l.weight.raw_dim(), false);
            let mut b = Array1::from_elem(l.bias.raw_dim(), false);
            if i < last {
                let z = crate::exact::forward::linear(&inputs[i], l);
                for (row_in, row_z) in inputs[i].axis_iter(Axis(0)).zip(z.axis_iter(Axis(0))) {
                    for (k, &zk) in row_z.iter().enumerate() {
                        if zk.abs() <= h {
                            b[k] = true;
                        }
                        for (j, &a) in row_in.iter().enumerate() {
                            if zk.abs() <= h * a.abs() {
                                w[(j, k)] = true;
                            }
                        }
                    }
                }
            }
            (w, b)
        })
        .collect()
}
