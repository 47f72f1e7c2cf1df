//! The backward pass by the chain rule, from `G_L = ∂L/∂logits` down: at each layer
//! `∂L/∂h_i = G_i·W_iᵀ` (the gradient at the layer below's output), then through the activation
//! `G_{i−1} = ∂L/∂h_i ⊙ a′(z_{i−1})`; the parameters' gradients `∂L/∂W_i = h_iᵀ·G_i` and
//! `∂L/∂b_i = Σ_rows G_i`. A [`Mistake`] swaps in a wrong rule, to name one.
//!
//! Shapes: `G_i` [n, c_{i+1}] like `z_i`; `∂L/∂h_i` [n, c_i] like `h_i`.

use ndarray::{Array2, Axis, Zip};

use super::activation::{self, Mistake};
use super::forward::Forward;
use crate::config::Activation;
use crate::matmul::product_new as mm;
use crate::params::{LayerParams, Params};

/// The gradients at every layer's pre-activation and hidden output.
#[derive(Debug, Clone)]
pub struct Backward {
    /// `G_i = ∂L/∂z_i` for every layer (the last: ∂L/∂logits).
    pub grad_pre: Vec<Array2<f64>>,
    /// `∂L/∂h_{i+1}`: hidden layer i's output, before the activation's backward.
    pub grad_hidden: Vec<Array2<f64>>,
}

/// `∂L/∂h = G·Wᵀ`: the gradient passed down through a linear layer.
pub fn through_linear(g: &Array2<f64>, layer: &LayerParams) -> Array2<f64> {
    mm(g.view(), layer.weight.t())
}

/// `G_z = G_h ⊙ a′(z)` (`a′` from `mistake` where one is built in).
pub fn through_activation(
    a: Activation,
    (z, h): (&Array2<f64>, &Array2<f64>),
    g_h: &Array2<f64>,
    mistake: Option<Mistake>,
) -> Array2<f64> {
    let mut g = g_h.clone();
    Zip::from(&mut g).and(z).and(h).for_each(|g, &z, &h| {
        *g *= match mistake {
            Some(m) => m.derivative(a, z, h),
            None => activation::derivative(a, z, h),
        }
    });
    g
}

/// The chain rule from `g_logits` down through every layer of `forward`.
pub fn backward(
    params: &Params,
    forward: &Forward,
    g_logits: Array2<f64>,
    a: Activation,
    mistake: Option<Mistake>,
) -> Backward {
    let last = params.layers.len() - 1;
    let mut grad_pre = vec![g_logits];
    let mut grad_hidden = Vec::with_capacity(last);
    for i in (1..=last).rev() {
        let g_h = through_linear(grad_pre.last().expect("a gradient"), &params.layers[i]);
        let z_h = (&forward.pre[i - 1], &forward.inputs[i]);
        grad_pre.push(through_activation(a, z_h, &g_h, mistake));
        grad_hidden.push(g_h);
    }
    grad_pre.reverse();
    grad_hidden.reverse();
    Backward {
        grad_pre,
        grad_hidden,
    }
}

/// `∂L/∂W_i = h_iᵀ·G_i` and `∂L/∂b_i = Σ_rows G_i` for every layer (with
/// [`Mistake::PreactivationInput`], `z_{i−1}` where `h_i` belongs).
pub fn param_grads(forward: &Forward, backward: &Backward, mistake: Option<Mistake>) -> Params {
    let layers = backward
        .grad_pre
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let input = match mistake {
                Some(Mistake::PreactivationInput) if i > 0 => &forward.pre[i - 1],
                _ => &forward.inputs[i],
            };
            LayerParams {
                weight: mm(input.t(), g.view()),
                bias: g.sum_axis(Axis(0)),
            }
        })
        .collect();
    Params { layers }
}
