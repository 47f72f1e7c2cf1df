//! `f(x) = x·W + b` with `W: [c_in, c_out]`, `b: [c_out]`.

use ndarray::{Array1, Array2, Axis};

use super::Scalar;

#[derive(Debug, Clone)]
pub struct Linear<T: Scalar> {
    pub weight: Array2<T>,
    pub bias: Array1<T>,
    /// ∂L/∂W and ∂L/∂b of the last backward pass.
    pub grad_weight: Array2<T>,
    pub grad_bias: Array1<T>,
    /// The input of the last forward pass: ∂f/∂W = x.
    input: Array2<T>,
}

impl<T: Scalar> Linear<T> {
    pub fn new(weight: Array2<T>, bias: Array1<T>) -> Self {
        assert_eq!(weight.ncols(), bias.len(), "weight and bias sizes differ");
        Self {
            grad_weight: Array2::zeros(weight.raw_dim()),
            grad_bias: Array1::zeros(bias.raw_dim()),
            input: Array2::zeros((0, weight.nrows())),
            weight,
            bias,
        }
    }

    pub fn forward(&mut self, x: &Array2<T>) -> Array2<T> {
        self.input = x.clone();
        x.dot(&self.weight) + &self.bias
    }

    /// Takes ∂L/∂f (`[n, c_out]`), stores ∂L/∂W = xᵀ·g and ∂L/∂b = Σ_rows g, returns
    /// ∂L/∂x = g·Wᵀ.
    pub fn backward(&mut self, grad_out: &Array2<T>) -> Array2<T> {
        self.grad_weight = self.input.t().dot(grad_out);
        self.grad_bias = grad_out.sum_axis(Axis(0));
        grad_out.dot(&self.weight.t())
    }
}
