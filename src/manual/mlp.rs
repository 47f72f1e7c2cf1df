//! `f = f_n ∘ a ∘ f_{n−1} ∘ … ∘ a ∘ f_1`, and its backward pass by the chain rule.

use ndarray::{Array2, ArrayView2};

use super::relu::{relu_backward_in_place, relu_in_place};
use super::workspace::{Workspace, rows, rows_mut};
use super::{Linear, Scalar, softmax_cross_entropy_into};
use crate::params::{LayerParams, Params};

#[derive(Debug, Clone)]
pub struct Mlp<T: Scalar> {
    pub layers: Vec<Linear<T>>,
    /// Activations and their gradients, reused by every step (one ReLU after every layer but
    /// the last, applied in place to the layer's output).
    work: Workspace<T>,
}

impl<T: Scalar> Mlp<T> {
    /// Builds the net from plain parameter values (rounded to `T`).
    pub fn from_params(params: &Params) -> Self {
        let layers: Vec<Linear<T>> = params
            .layers
            .iter()
            .map(|l| Linear::new(l.weight.mapv(T::of_f64), l.bias.mapv(T::of_f64)))
            .collect();
        Self {
            layers,
            work: Workspace::default(),
        }
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

    /// Forward pass of a batch into the workspace; the logits are the last layer's output.
    /// Each layer's output stays in the workspace for [`Mlp::backward_pass`].
    fn forward_pass(&mut self, x: ArrayView2<T>) {
        let n = x.nrows();
        let last = self.layers.len() - 1;
        self.work
            .reserve(n, self.layers.iter().map(|l| l.weight.ncols()));
        for (i, layer) in self.layers.iter().enumerate() {
            let (before, from_here) = self.work.outputs.split_at_mut(i);
            let input = if i == 0 {
                x.view()
            } else {
                rows(&before[i - 1], n)
            };
            let mut out = rows_mut(&mut from_here[0], n);
            layer.forward_into(input, out.view_mut());
            if i < last {
                relu_in_place(out);
            }
        }
    }

    /// Chain rule from the loss back to the input: with ∂L/∂logits in the last gradient buffer,
    /// each layer turns ∂L/∂(its output) into ∂L/∂(its input) and fills its own parameter
    /// gradients on the way; between layers, the ReLU zeroes the gradient where it was off.
    fn backward_pass(&mut self, x: ArrayView2<T>) {
        let n = x.nrows();
        let Workspace { outputs, grads, .. } = &mut self.work;
        for i in (0..self.layers.len()).rev() {
            let (before, from_here) = grads.split_at_mut(i);
            let g = rows(&from_here[0], n);
            if i == 0 {
                self.layers[0].backward_into(x.view(), g, None);
            } else {
                let input = rows(&outputs[i - 1], n);
                let mut grad_in = rows_mut(&mut before[i - 1], n);
                self.layers[i].backward_into(input, g, Some(grad_in.view_mut()));
                relu_backward_in_place(grad_in, input);
            }
        }
    }

    /// The logits (a fresh array; the training step itself uses [`Mlp::loss_and_backward`]).
    pub fn forward(&mut self, x: &Array2<T>) -> Array2<T> {
        self.forward_pass(x.view());
        let logits = self.work.outputs.last().expect("at least one layer");
        rows(logits, x.nrows()).to_owned()
    }

    /// Forward, loss and backward on one batch; the gradients land in the layers. Allocates
    /// nothing once the workspace has room for the batch.
    pub fn loss_and_backward(&mut self, x: &Array2<T>, targets: &[usize]) -> T {
        self.forward_pass(x.view());
        let n = x.nrows();
        let logits = rows(self.work.outputs.last().expect("a layer"), n);
        let grad = rows_mut(self.work.grads.last_mut().expect("a layer"), n);
        let loss = softmax_cross_entropy_into(logits, targets, grad);
        self.backward_pass(x.view());
        loss
    }

    /// The loss alone (no gradients kept).
    pub fn loss(&mut self, x: &Array2<T>, targets: &[usize]) -> T {
        self.forward_pass(x.view());
        let n = x.nrows();
        let logits = rows(self.work.outputs.last().expect("a layer"), n);
        let grad = rows_mut(self.work.grads.last_mut().expect("a layer"), n);
        softmax_cross_entropy_into(logits, targets, grad)
    }

    /// The class with the largest logit per row (the first on ties).
    pub fn predict(&mut self, x: &Array2<T>) -> Vec<usize> {
        self.forward_pass(x.view());
        rows(self.work.outputs.last().expect("a layer"), x.nrows())
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
