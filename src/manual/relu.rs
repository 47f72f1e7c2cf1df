//! `a(x) = max(x, 0)`, element-wise.

use ndarray::Array2;

use super::Scalar;

#[derive(Debug, Clone)]
pub struct Relu<T: Scalar> {
    /// The input of the last forward pass; backward needs to know where it was > 0.
    input: Array2<T>,
}

impl<T: Scalar> Default for Relu<T> {
    fn default() -> Self {
        Self {
            input: Array2::zeros((0, 0)),
        }
    }
}

impl<T: Scalar> Relu<T> {
    pub fn forward(&mut self, x: &Array2<T>) -> Array2<T> {
        self.input = x.clone();
        x.mapv(|v| if v > T::zero() { v } else { T::zero() })
    }

    /// Passes the gradient where the input was > 0, and 0 elsewhere (at 0 too, as burn does).
    pub fn backward(&self, grad_out: &Array2<T>) -> Array2<T> {
        let mut grad = grad_out.clone();
        grad.zip_mut_with(&self.input, |g, &x| {
            if x <= T::zero() {
                *g = T::zero()
            }
        });
        grad
    }
}
