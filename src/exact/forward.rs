//! The forward pass: `z_i = h_i·W_i + b_i` for every layer, `h_{i+1} = a(z_i)` between them, the
//! last `z` the logits.
//!
//! Shapes: `x = h_0` [n, d], `W_i` [c_i, c_{i+1}], `b_i` [c_{i+1}], `z_i` [n, c_{i+1}].

use ndarray::{Array2, Zip};

use super::activation;
use crate::config::Activation;
use crate::matmul::product_new as mm;
use crate::params::{LayerParams, Params};

/// Every layer's input and pre-activation.
#[derive(Debug, Clone)]
pub struct Forward {
    /// `h_i`, the input of layer i (`h_0 = x`).
    pub inputs: Vec<Array2<f64>>,
    /// `z_i`, layer i's pre-activation; the last is the logits.
    pub pre: Vec<Array2<f64>>,
}

impl Forward {
    pub fn logits(&self) -> &Array2<f64> {
        self.pre.last().expect("a network has layers")
    }
}

/// `z = h·W + b`.
pub fn linear(h: &Array2<f64>, layer: &LayerParams) -> Array2<f64> {
    let mut z = mm(h.view(), layer.weight.view());
    z += &layer.bias;
    z
}

/// `a(z)`, entry by entry.
pub fn activate(a: Activation, z: &Array2<f64>) -> Array2<f64> {
    let mut h = Array2::zeros(z.raw_dim());
    Zip::from(&mut h)
        .and(z)
        .for_each(|h, &z| *h = activation::value(a, z));
    h
}

/// The forward pass of `params` on `x`.
pub fn forward(params: &Params, a: Activation, x: &Array2<f64>) -> Forward {
    let last = params.layers.len() - 1;
    let mut inputs = vec![x.clone()];
    let mut pre = Vec::with_capacity(last + 1);
    for (i, l) in params.layers.iter().enumerate() {
        let z = linear(&inputs[i], l);
        if i < last {
            inputs.push(activate(a, &z));
        }
        pre.push(z);
    }
    Forward { inputs, pre }
}

/// The logits from layer `from` on, given its input `h`.
pub fn logits_from(params: &Params, a: Activation, from: usize, h: &Array2<f64>) -> Array2<f64> {
    let last = params.layers.len() - 1;
    let mut z = linear(h, &params.layers[from]);
    for i in from + 1..=last {
        z = linear(&activate(a, &z), &params.layers[i]);
    }
    z
}
