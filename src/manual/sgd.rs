//! Plain SGD: `θ ← θ − λ·∂L/∂θ`, nothing else (no momentum, no weight decay).

use super::{Mlp, Scalar};

#[derive(Debug, Clone, Copy)]
pub struct Sgd {
    pub learning_rate: f64,
}

impl Sgd {
    /// Applies the gradients of the last backward pass.
    pub fn step<T: Scalar>(&self, mlp: &mut Mlp<T>) {
        let lr = T::of_f64(self.learning_rate);
        for layer in &mut mlp.layers {
            layer.weight.scaled_add(-lr, &layer.grad_weight);
            layer.bias.scaled_add(-lr, &layer.grad_bias);
        }
    }
}
