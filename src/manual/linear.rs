//! `f(x) = x·W + b` with `W: [c_in, c_out]`, `b: [c_out]`.
//!
//! Two forms of the same math. [`Linear::forward`] and [`Linear::backward`] are the textbook
//! layer: it keeps its own copy of the input and returns fresh arrays. The `_into` forms do the
//! work: they read the input from wherever the caller keeps it and write into buffers the caller
//! owns, so a training step allocates nothing ([`super::Mlp`] owns the buffers, see
//! `workspace.rs`). The textbook form calls the `_into` form: there is one implementation.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2};

use super::Scalar;

#[derive(Debug, Clone)]
pub struct Linear<T: Scalar> {
    pub weight: Array2<T>,
    pub bias: Array1<T>,
    /// ∂L/∂W and ∂L/∂b of the last backward pass.
    pub grad_weight: Array2<T>,
    pub grad_bias: Array1<T>,
    /// The input of the last [`Linear::forward`] (the textbook form): ∂f/∂W = x.
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
        let mut out = Array2::zeros((x.nrows(), self.weight.ncols()));
        self.forward_into(x.view(), out.view_mut());
        out
    }

    /// Takes ∂L/∂f (`[n, c_out]`), stores ∂L/∂W = xᵀ·g and ∂L/∂b = Σ_rows g, returns
    /// ∂L/∂x = g·Wᵀ.
    pub fn backward(&mut self, grad_out: &Array2<T>) -> Array2<T> {
        let input = std::mem::take(&mut self.input);
        let mut grad_in = Array2::zeros(input.raw_dim());
        self.backward_into(input.view(), grad_out.view(), Some(grad_in.view_mut()));
        self.input = input;
        grad_in
    }

    /// `out ← x·W + b`. The product is written straight into `out` (`general_mat_mul` with
    /// β = 0, the same `matrixmultiply` kernel as `x.dot(&W)`), then the bias is added in place.
    pub fn forward_into(&self, x: ArrayView2<T>, mut out: ArrayViewMut2<T>) {
        general_mat_mul(T::one(), &x, &self.weight, T::zero(), &mut out);
        out += &self.bias;
    }

    /// The backward pass at input `x` (what the forward pass saw) for `g = ∂L/∂f`: stores
    /// ∂L/∂W = xᵀ·g and ∂L/∂b = Σ_rows g, and writes ∂L/∂x = g·Wᵀ into `grad_in` when asked
    /// (the first layer's input is the data: nobody needs its gradient, so it is not computed).
    pub fn backward_into(
        &mut self,
        x: ArrayView2<T>,
        g: ArrayView2<T>,
        grad_in: Option<ArrayViewMut2<T>>,
    ) {
        general_mat_mul(T::one(), &x.t(), &g, T::zero(), &mut self.grad_weight);
        // Row by row, in order: the same sums as `g.sum_axis(Axis(0))`, without the allocation.
        self.grad_bias.fill(T::zero());
        for row in g.rows() {
            self.grad_bias += &row;
        }
        if let Some(mut grad_in) = grad_in {
            general_mat_mul(T::one(), &g, &self.weight.t(), T::zero(), &mut grad_in);
        }
    }
}
