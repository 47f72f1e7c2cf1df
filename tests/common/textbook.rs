//! The textbook form of the hand-written layers, for tests: each keeps its own copy of what its
//! backward pass needs and returns fresh arrays. The math is the library's `_into` functions;
//! this only adds the caching.

use mlp2d::manual::{self, Scalar};
use ndarray::{Array1, Array2};

/// `f(x) = x·W + b`, caching `x`.
pub struct Linear<T: Scalar> {
    pub layer: manual::Linear<T>,
    input: Array2<T>,
}

impl<T: Scalar> Linear<T> {
    pub fn new(weight: Array2<T>, bias: Array1<T>) -> Self {
        let input = Array2::zeros((0, weight.nrows()));
        Self {
            layer: manual::Linear::new(weight, bias),
            input,
        }
    }

    pub fn forward(&mut self, x: &Array2<T>) -> Array2<T> {
        self.input = x.clone();
        let mut out = Array2::zeros((x.nrows(), self.layer.weight.ncols()));
        self.layer.forward_into(x.view(), out.view_mut());
        out
    }

    /// Stores ∂L/∂W and ∂L/∂b in `layer`, returns ∂L/∂x.
    pub fn backward(&mut self, grad_out: &Array2<T>) -> Array2<T> {
        let mut grad_in = Array2::zeros(self.input.raw_dim());
        self.layer
            .backward_into(self.input.view(), grad_out.view(), Some(grad_in.view_mut()));
        grad_in
    }
}

/// `max(x, 0)`, caching `x`.
#[derive(Default)]
pub struct Relu<T: Scalar> {
    input: Array2<T>,
}

impl<T: Scalar> Relu<T> {
    pub fn forward(&mut self, x: &Array2<T>) -> Array2<T> {
        self.input = x.clone();
        let mut out = x.clone();
        manual::relu_forward(x.view(), out.view_mut());
        out
    }

    pub fn backward(&self, grad_out: &Array2<T>) -> Array2<T> {
        let mut grad = grad_out.clone();
        manual::relu_backward(grad.view_mut(), self.input.view());
        grad
    }
}

/// The loss and `∂L/∂z` as fresh values.
pub fn softmax_cross_entropy<T: Scalar>(logits: &Array2<T>, targets: &[usize]) -> (T, Array2<T>) {
    let mut grad = Array2::zeros(logits.raw_dim());
    let loss = manual::softmax_cross_entropy_into(logits.view(), targets, grad.view_mut());
    (loss, grad)
}
