//! `f(x) = x·W + b` with `W: [c_in, c_out]`, `b: [c_out]`: a forward and a backward pass over
//! buffers the caller owns (as llm.c's `_forward`/`_backward` pairs). The caller keeps the input
//! for the backward pass ([`super::Mlp`] keeps every layer's in its workspace).

use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2};

use super::Scalar;
use crate::matmul;

#[derive(Debug, Clone)]
pub struct Linear<T: Scalar> {
    pub weight: Array2<T>,
    pub bias: Array1<T>,
    /// ∂L/∂W and ∂L/∂b of the last backward pass.
    pub grad_weight: Array2<T>,
    pub grad_bias: Array1<T>,
}

impl<T: Scalar> Linear<T> {
    pub fn new(weight: Array2<T>, bias: Array1<T>) -> Self {
        assert_eq!(weight.ncols(), bias.len(), "weight and bias sizes differ");
        Self {
            grad_weight: Array2::zeros(weight.raw_dim()),
            grad_bias: Array1::zeros(bias.raw_dim()),
            weight,
            bias,
        }
    }

    /// `out ← x·W + b`: the product is written straight into `out`, then the bias is added to
    /// every row in place.
    pub fn forward_into(&self, x: ArrayView2<T>, mut out: ArrayViewMut2<T>) {
        // x: [n, c_in], W: [c_in, c_out], b: [c_out]; out: [n, c_out].
        matmul::x_w(x, self.weight.view(), out.view_mut());
        let b = self.bias.as_slice().expect("bias is contiguous");
        match out.as_slice_mut() {
            Some(out) => out.chunks_exact_mut(b.len()).for_each(|row| add(row, b)),
            None => out += &self.bias,
        }
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
        // x: [n, c_in], g: [n, c_out]; ∂L/∂W: [c_in, c_out], ∂L/∂b: [c_out], ∂L/∂x: [n, c_in].
        matmul::xt_g(x, g, self.grad_weight.view_mut());
        // Row by row, in order: the same sums as `g.sum_axis(Axis(0))`, without the allocation.
        self.grad_bias.fill(T::zero());
        let gb = self.grad_bias.as_slice_mut().expect("contiguous");
        match g.as_slice() {
            Some(g) => g.chunks_exact(gb.len()).for_each(|row| add(gb, row)),
            None => g.rows().into_iter().for_each(|row| {
                gb.iter_mut().zip(row).for_each(|(s, &v)| *s += v);
            }),
        }
        if let Some(grad_in) = grad_in {
            matmul::g_wt(g, self.weight.view(), grad_in);
        }
    }
}

/// `a ← a + b`, element-wise.
fn add<T: Scalar>(a: &mut [T], b: &[T]) {
    a.iter_mut().zip(b).for_each(|(a, &b)| *a += b);
}
