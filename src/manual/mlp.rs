//! `f = f_n ∘ a ∘ f_{n−1} ∘ … ∘ a ∘ f_1`, and its backward pass by the chain rule.

use ndarray::Array2;

use super::{Linear, Relu, Scalar, softmax_cross_entropy};
use crate::params::{LayerParams, Params};

#[derive(Debug, Clone)]
pub struct Mlp<T: Scalar> {
    pub layers: Vec<Linear<T>>,
    /// One ReLU after every layer but the last.
    relus: Vec<Relu<T>>,
}

impl<T: Scalar> Mlp<T> {
    /// Builds the net from plain parameter values (rounded to `T`).
    pub fn from_params(params: &Params) -> Self {
        let layers: Vec<Linear<T>> = params
            .layers
            .iter()
            .map(|l| Linear::new(l.weight.mapv(T::of_f64), l.bias.mapv(T::of_f64)))
            .collect();
        let relus = (1..layers.len()).map(|_| Relu::default()).collect();
        Self { layers, relus }
    }

    pub fn params(&self) -> Params {
        Params {
            layers: self
                .layers
                .iter()
                .map(|l| LayerParams {
                    weight: l.weight.mapv(T::into_f64),
                    bias: l.bias.mapv(T::into_f64),
                })
                .collect(),
        }
    }

    /// The gradients of the last backward pass, under the same layout as the parameters.
    pub fn grads(&self) -> Params {
        Params {
            layers: self
                .layers
                .iter()
                .map(|l| LayerParams {
                    weight: l.grad_weight.mapv(T::into_f64),
                    bias: l.grad_bias.mapv(T::into_f64),
                })
                .collect(),
        }
    }

    /// The logits, caching every layer's input for [`Mlp::backward`].
    pub fn forward(&mut self, x: &Array2<T>) -> Array2<T> {
        let last = self.layers.len() - 1;
        let mut h = x.clone();
        for i in 0..=last {
            h = self.layers[i].forward(&h);
            if i < last {
                h = self.relus[i].forward(&h);
            }
        }
        h
    }

    /// Chain rule from the loss back to the input: each layer turns ∂L/∂(its output) into
    /// ∂L/∂(its input) and fills its own parameter gradients on the way.
    pub fn backward(&mut self, grad_logits: &Array2<T>) {
        let last = self.layers.len() - 1;
        let mut g = grad_logits.clone();
        for i in (0..=last).rev() {
            if i < last {
                g = self.relus[i].backward(&g);
            }
            g = self.layers[i].backward(&g);
        }
    }

    /// Forward, loss and backward on one batch; the gradients land in the layers.
    pub fn loss_and_backward(&mut self, x: &Array2<T>, targets: &[usize]) -> T {
        let logits = self.forward(x);
        let (loss, grad) = softmax_cross_entropy(&logits, targets);
        self.backward(&grad);
        loss
    }

    /// The loss alone (no gradients kept).
    pub fn loss(&mut self, x: &Array2<T>, targets: &[usize]) -> T {
        softmax_cross_entropy(&self.forward(x), targets).0
    }

    /// The class with the largest logit per row (the first on ties).
    pub fn predict(&mut self, x: &Array2<T>) -> Vec<usize> {
        self.forward(x)
            .rows()
            .into_iter()
            .map(|row| {
                let mut best = 0;
                for (j, &v) in row.iter().enumerate() {
                    if v > row[best] {
                        best = j;
                    }
                }
                best
            })
            .collect()
    }
}
