//! Plain SGD: `θ ← θ − λ·∂L/∂θ`, nothing else (no momentum, no weight decay).

use super::mutant::Mutant;
use super::{Mlp, Scalar};

#[derive(Debug, Clone, Copy)]
pub struct Sgd {
    pub learning_rate: f64,
}

impl Sgd {
    /// Applies the gradients of the last backward pass.
    pub fn step<T: Scalar>(&self, mlp: &mut Mlp<T>) {
        let lr = T::of_f64(self.learning_rate);
        if super::mutant::active() == Some(Mutant::StaleGradientStep) {
            return stale_step(lr, mlp);
        }
        for layer in &mut mlp.layers {
            layer.weight.scaled_add(-lr, &layer.grad_weight);
            layer.bias.scaled_add(-lr, &layer.grad_bias);
        }
    }
}

/// The mutant step: applies the gradient kept from the step before (none at first), keeps this one.
fn stale_step<T: Scalar>(lr: T, mlp: &mut Mlp<T>) {
    let current: Vec<_> = mlp
        .layers
        .iter()
        .map(|l| (l.grad_weight.clone(), l.grad_bias.clone()))
        .collect();
    let previous = std::mem::replace(&mut mlp.work.previous_grads, current);
    for (layer, (gw, gb)) in mlp.layers.iter_mut().zip(&previous) {
        layer.weight.scaled_add(-lr, gw);
        layer.bias.scaled_add(-lr, gb);
    }
}
