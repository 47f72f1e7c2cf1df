//! `f = f_n ∘ a ∘ f_{n−1} ∘ … ∘ a ∘ f_1`, and its backward pass by the chain rule.

use ndarray::{Array2, ArrayView2};

use super::activation::{activation_backward, activation_forward};
use super::workspace::{Workspace, rows, rows_mut};
use super::{Linear, Scalar, softmax_cross_entropy_into};
use crate::config::Activation;
use crate::params::{LayerParams, Params};

#[derive(Debug, Clone)]
pub struct Mlp<T: Scalar> {
    pub layers: Vec<Linear<T>>,
    /// After every layer but the last, applied in place to the layer's output.
    pub activation: Activation,
    /// Activations and their gradients, reused by every step. (The mutation tests' broken
    /// copies of the backward pass, src/mutants/, read it too.)
    pub(crate) work: Workspace<T>,
}

impl<T: Scalar> Mlp<T> {
    /// Builds the net from plain parameter values (rounded to `T`).
    pub fn from_params(params: &Params, activation: Activation) -> Self {
        let layers: Vec<Linear<T>> = params
            .layers
            .iter()
            .map(|l| Linear::new(l.weight.mapv(T::of_f64), l.bias.mapv(T::of_f64)))
            .collect();
        Self {
            layers,
            activation,
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

    /// Overwrites the parameters with plain values (rounded to `T`), keeping every buffer.
    pub fn set_params(&mut self, params: &Params) {
        let sizes = self.sizes();
        let targets = self.layers.iter_mut().map(|l| (&mut l.weight, &mut l.bias));
        assign(targets, params, sizes);
    }

    /// Overwrites the stored gradients (what [`super::Sgd::step`] applies) with plain values.
    pub fn set_grads(&mut self, grads: &Params) {
        let sizes = self.sizes();
        let targets = self
            .layers
            .iter_mut()
            .map(|l| (&mut l.grad_weight, &mut l.grad_bias));
        assign(targets, grads, sizes);
    }

    /// Layer sizes `[c_0, …, c_n]`.
    pub fn sizes(&self) -> Vec<usize> {
        crate::params::sizes_of(self.layers.iter().map(|l| l.weight.dim()))
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
    pub(crate) fn forward_pass(&mut self, x: ArrayView2<T>) {
        // x: [n, c_0]; pre[i], outputs[i]: [n, c_{i+1}], z and a(z) (the logits for the last).
        let n = x.nrows();
        let last = self.layers.len() - 1;
        self.work
            .reserve(n, self.layers.iter().map(|l| l.weight.ncols()));
        let Workspace { outputs, pre, .. } = &mut self.work;
        for (i, layer) in self.layers.iter().enumerate() {
            let (before, from_here) = outputs.split_at_mut(i);
            let input = if i == 0 {
                x.view()
            } else {
                rows(&before[i - 1], n)
            };
            let out = rows_mut(&mut from_here[0], n);
            if i < last {
                let mut z = rows_mut(&mut pre[i], n);
                layer.forward_into(input, z.view_mut());
                activation_forward(self.activation, z.view(), out);
            } else {
                layer.forward_into(input, out);
            }
        }
    }

    /// Chain rule from the loss back to the input: with ∂L/∂logits in the last gradient buffer,
    /// each layer turns ∂L/∂(its output) into ∂L/∂(its input) and fills its own parameter
    /// gradients on the way; between layers, the activation's derivative multiplies it (the
    /// ReLU's zeroes it where the unit was off).
    fn backward_pass(&mut self, x: ArrayView2<T>) {
        // x: [n, c_0]; grads[i]: [n, c_{i+1}], ∂L/∂outputs[i], the last one filled by the loss.
        let n = x.nrows();
        let Workspace {
            outputs,
            pre,
            grads,
            ..
        } = &mut self.work;
        for i in (0..self.layers.len()).rev() {
            let (before, from_here) = grads.split_at_mut(i);
            let g = rows(&from_here[0], n);
            if i == 0 {
                self.layers[0].backward_into(x.view(), g, None);
            } else {
                let input = rows(&outputs[i - 1], n);
                let mut grad_in = rows_mut(&mut before[i - 1], n);
                self.layers[i].backward_into(input, g, Some(grad_in.view_mut()));
                let z = rows(&pre[i - 1], n);
                activation_backward(self.activation, grad_in, (z, input));
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
    /// nothing of its own once the workspace has room for the batch (gemm may: `src/matmul.rs`).
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
        self.predicted(x.nrows())
    }

    /// The loss and the predicted classes from one forward pass (an evaluation).
    pub fn loss_and_predict(&mut self, x: &Array2<T>, targets: &[usize]) -> (T, Vec<usize>) {
        self.forward_pass(x.view());
        let n = x.nrows();
        let predicted = self.predicted(n);
        let logits = rows(self.work.outputs.last().expect("a layer"), n);
        let grad = rows_mut(self.work.grads.last_mut().expect("a layer"), n);
        (softmax_cross_entropy_into(logits, targets, grad), predicted)
    }

    /// Every hidden layer's output (after its activation) for a batch: what each unit computes.
    pub fn hidden_outputs(&mut self, x: &Array2<T>) -> Vec<Array2<T>> {
        self.forward_pass(x.view());
        let hidden = self.layers.len() - 1;
        self.work.outputs[..hidden]
            .iter()
            .map(|o| rows(o, x.nrows()).to_owned())
            .collect()
    }

    /// The last forward pass's outputs on its `n` rows: each hidden layer's (after the
    /// activation), then the logits.
    pub fn layer_outputs(&self, n: usize) -> Vec<Array2<T>> {
        self.work
            .outputs
            .iter()
            .map(|o| rows(o, n).to_owned())
            .collect()
    }

    /// The last backward pass's ∂L/∂(each layer's pre-activation) on its `n` rows, ∂L/∂logits
    /// last.
    pub fn preactivation_grads(&self, n: usize) -> Vec<Array2<T>> {
        self.work
            .grads
            .iter()
            .map(|g| rows(g, n).to_owned())
            .collect()
    }

    /// ∂L/∂(each hidden layer's output) of the last backward pass on its `n` rows, before the
    /// activation's backward: the next layer's `g·Wᵀ`, the product the backward pass takes
    /// (which then overwrites it in place).
    pub fn output_grads(&self, n: usize) -> Vec<Array2<T>> {
        (1..self.layers.len())
            .map(|i| {
                let mut out = Array2::zeros((n, self.layers[i].weight.nrows()));
                let g = rows(&self.work.grads[i], n);
                crate::matmul::g_wt(g, self.layers[i].weight.view(), out.view_mut());
                out
            })
            .collect()
    }

    /// The argmax of the first `n` rows of the last forward pass's logits.
    fn predicted(&self, n: usize) -> Vec<usize> {
        rows(self.work.outputs.last().expect("a layer"), n)
            .rows()
            .into_iter()
            .map(|row| crate::metrics::argmax(row.iter().copied()))
            .collect()
    }
}

/// Copies plain values (rounded to `T`) into a net's weight and bias arrays, layer by layer.
fn assign<'a, T: Scalar + 'a>(
    targets: impl Iterator<Item = (&'a mut Array2<T>, &'a mut ndarray::Array1<T>)>,
    values: &Params,
    sizes: Vec<usize>,
) {
    assert_eq!(values.sizes(), sizes, "the values have another shape");
    for ((w, b), v) in targets.zip(&values.layers) {
        w.zip_mut_with(&v.weight, |w, &x| *w = T::of_f64(x));
        b.zip_mut_with(&v.bias, |b, &x| *b = T::of_f64(x));
    }
}
