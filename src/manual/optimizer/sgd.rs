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

use crate::config::SgdSettings;
use crate::manual::Mlp;
use crate::scalar::Scalar;

#[derive(Debug, Clone, Copy)]
pub struct Sgd {
    pub learning_rate: f64,
}

impl Sgd {
    /// Applies the gradients of the last backward pass.
    pub fn step<T: Scalar>(&self, mlp: &mut Mlp<T>) {
        // Each layer's W, b and ∂L/∂W, ∂L/∂b: the same shapes.
        let lr = T::of_f64(self.learning_rate);
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
        // theta, grad, velocity: one tensor's entries, row-major, the same length.
        let has_decay = self.penalty != T::zero();
        let decayed = |t: T, g: T| if has_decay { t * self.penalty + g } else { g };
        let Some(velocity) = velocity else {
            for (t, &g) in theta.iter_mut().zip(grad) {
                *t -= decayed(*t, g) * self.learning_rate;
            }
            return;
        };
        for ((t, &g), v) in theta.iter_mut().zip(grad).zip(velocity) {
            let g = decayed(*t, g);
            *v = if first {
                g
            } else {
                g * self.keep + *v * self.momentum
            };
            let d = if self.nesterov {
                *v * self.momentum + g
            } else {
                *v
            };
            *t -= d * self.learning_rate;
        }
    }
}
