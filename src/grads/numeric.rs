//! Central finite differences `(L(θ+h) − L(θ−h)) / 2h` in f64, for every parameter entry: the
//! third column of `mlp2d grads`.
//!
//! Its own plain forward pass (below), so it shares no code with either twin. Finite differences
//! are unreliable where a ReLU (or leaky ReLU) input lies within reach of the step `h` (the
//! loss has a kink there): [`kink_mask`] flags those entries.

use ndarray::{Array1, Array2, Axis};

use crate::config::Activation;
use crate::params::Params;

/// The activation, plainly in f64.
pub fn activate(a: Activation, v: f64) -> f64 {
    match a {
        Activation::Relu => v.max(0.0),
        Activation::LeakyRelu { negative_slope } => {
            if v < 0.0 {
                negative_slope * v
            } else {
                v
            }
        }
        Activation::Tanh => v.tanh(),
        Activation::Sigmoid => 1.0 / (1.0 + (-v).exp()),
    }
}

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

/// The mean softmax cross-entropy, computed plainly in f64 (independent of both twins).
pub fn loss_at(params: &Params, (x, y): (&Array2<f64>, &[usize]), a: Activation) -> f64 {
    let logits = forward_from(params, a, 0, x.clone());
    cross_entropy(&logits, y)
}

/// Runs layers `from..` on `h`, the input of layer `from`.
fn forward_from(params: &Params, a: Activation, from: usize, mut h: Array2<f64>) -> Array2<f64> {
    let last = params.layers.len() - 1;
    for (i, l) in params.layers.iter().enumerate().skip(from) {
        h = h.dot(&l.weight) + &l.bias;
        if i < last {
            h.mapv_inplace(|v| activate(a, v));
        }
    }
    h
}

fn cross_entropy(logits: &Array2<f64>, y: &[usize]) -> f64 {
    let mut total = 0.0;
    for (row, &t) in logits.axis_iter(Axis(0)).zip(y) {
        let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let lse = m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
        total += lse - row[t];
    }
    total / y.len() as f64
}

/// The input of every layer (index i: what layer i receives).
fn layer_inputs(params: &Params, x: &Array2<f64>, a: Activation) -> Vec<Array2<f64>> {
    let last = params.layers.len() - 1;
    let mut inputs = vec![x.clone()];
    for (i, l) in params.layers.iter().enumerate().take(last) {
        let mut h = inputs[i].dot(&l.weight) + &l.bias;
        h.mapv_inplace(|v| activate(a, v));
        inputs.push(h);
    }
    inputs
}

/// Central differences of the loss for every parameter entry. Each layer's input is computed
/// once; a perturbed entry only re-runs the layers from its own onwards.
pub fn numeric(params: &Params, (x, y): (&Array2<f64>, &[usize]), a: Activation, h: f64) -> Column {
    let inputs = layer_inputs(params, x, a);
    let mut probe = params.clone();
    let mut grads = params.clone();
    for (i, input) in inputs.iter().enumerate() {
        let loss_from = |p: &Params| cross_entropy(&forward_from(p, a, i, input.clone()), y);
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
/// tanh and the sigmoid have no kink.
/// Kinks further downstream are not tracked: they move by O(h) too, but rarely sit that close.
pub fn kink_mask(
    params: &Params,
    x: &Array2<f64>,
    a: Activation,
    h: f64,
) -> Vec<(Array2<bool>, Array1<bool>)> {
    let inputs = layer_inputs(params, x, a);
    // Smooth activations have no kink.
    let kinked = matches!(a, Activation::Relu | Activation::LeakyRelu { .. });
    let last = if kinked { params.layers.len() - 1 } else { 0 };
    params
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut w = Array2::from_elem(l.weight.raw_dim(), false);
            let mut b = Array1::from_elem(l.bias.raw_dim(), false);
            if i < last {
                let z = inputs[i].dot(&l.weight) + &l.bias;
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
