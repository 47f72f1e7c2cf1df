//! SGD as burn's `Sgd` defines it (`burn-optim-0.22.1/src/optim/{sgd,momentum,decay}.rs`), per
//! parameter entry, in this order:
//!
//! - weight decay (coupled, `penalty` kept as f32 by burn): `g ← θ·penalty + g`;
//! - momentum (`μ` kept as f32, `dampening` as f64): `v ← g` on the first step, then
//!   `v ← g·(1 − dampening) + v·μ`; the step direction is `v·μ + g` with Nesterov, else `v`;
//! - the update `θ ← θ − d·λ`.
//!
//! Plain SGD (no momentum, no decay) is the course's `θ ← θ − λ·∂L/∂θ` and runs as one
//! vectorised pass per tensor.

use super::mutant::Mutant;
use super::{Mlp, Scalar};
use crate::config::SgdSettings;

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

/// SGD with momentum and/or weight decay: the constants as burn holds them.
#[derive(Debug, Clone, Copy)]
pub struct SgdWithState<T: Scalar> {
    pub learning_rate: T,
    /// `μ`, rounded to f32 as burn stores it; 0: none.
    pub momentum: T,
    /// `1 − dampening`, computed in f64 as burn does.
    pub keep: T,
    pub nesterov: bool,
    /// The weight decay penalty, rounded to f32 as burn stores it; 0: none.
    pub penalty: T,
}

impl<T: Scalar> SgdWithState<T> {
    pub fn new(learning_rate: f64, s: SgdSettings) -> Self {
        SgdWithState {
            learning_rate: T::of_f64(learning_rate),
            momentum: T::of_f64(s.momentum as f32 as f64),
            keep: T::of_f64(1.0 - s.dampening),
            nesterov: s.nesterov,
            penalty: T::of_f64(s.weight_decay as f32 as f64),
        }
    }

    /// One tensor's step. `velocity` is its momentum buffer (None without momentum); `first`:
    /// the buffer holds nothing yet.
    pub fn step(&self, theta: &mut [T], grad: &[T], velocity: Option<&mut [T]>, first: bool) {
        let mutant = super::mutant::active();
        let decay = |t: T, g: T| match mutant {
            Some(Mutant::WeightDecayWrongSign) => g - t * self.penalty,
            _ => t * self.penalty + g,
        };
        let has_decay = self.penalty != T::zero();
        match velocity {
            None => {
                for (t, &g) in theta.iter_mut().zip(grad) {
                    let g = if has_decay { decay(*t, g) } else { g };
                    *t -= g * self.learning_rate;
                }
            }
            Some(velocity) => {
                let frozen = mutant == Some(Mutant::MomentumNeverUpdated);
                let nesterov = self.nesterov && mutant != Some(Mutant::NesterovMissing);
                for ((t, &g), v) in theta.iter_mut().zip(grad).zip(velocity) {
                    let g = if has_decay { decay(*t, g) } else { g };
                    if first {
                        *v = g;
                    } else if !frozen {
                        *v = g * self.keep + *v * self.momentum;
                    }
                    let d = if nesterov { *v * self.momentum + g } else { *v };
                    *t -= d * self.learning_rate;
                }
            }
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
