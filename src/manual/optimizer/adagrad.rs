//! AdaGrad as burn's `AdaGrad` defines it (`burn-optim-0.22.1/src/optim/adagrad.rs`), per
//! parameter entry, with `ε` and the decay penalty kept as f32, as burn does:
//!
//! - weight decay (coupled, optional): `g ← θ·penalty + g`;
//! - the sum of squares: `s ← g²` on the first step, then `s ← s + g²`;
//! - at step `t`: the decayed rate `λₜ = λ / (1 + (t − 1)·lr_decay)`, computed in f64;
//! - `θ ← θ − (g / (√s + ε))·λₜ`.

use crate::config::AdaGradSettings;
use crate::scalar::Scalar;

/// The constants of one step `t` (from 1), as burn holds them.
#[derive(Debug, Clone, Copy)]
pub struct AdaGradStep<T: Scalar> {
    /// `λₜ`, computed in f64.
    pub learning_rate: T,
    /// `ε` in f32.
    pub epsilon: T,
    /// Coupled weight decay penalty (f32); 0: none.
    pub penalty: T,
}

impl<T: Scalar> AdaGradStep<T> {
    pub fn new(learning_rate: f64, a: AdaGradSettings, t: usize) -> Self {
        AdaGradStep {
            learning_rate: T::of_f64(learning_rate / (1.0 + (t as f64 - 1.0) * a.lr_decay)),
            epsilon: T::of_f64(a.epsilon as f32 as f64),
            penalty: T::of_f64(a.weight_decay as f32 as f64),
        }
    }

    /// One tensor's step; `first`: the sum holds nothing yet.
    pub fn step(&self, theta: &mut [T], grad: &[T], sum: &mut [T], first: bool) {
        // theta, grad, sum: one tensor's entries, row-major, the same length.
        let has_decay = self.penalty != T::zero();
        for ((t, &g), s) in theta.iter_mut().zip(grad).zip(sum) {
            let g = if has_decay { *t * self.penalty + g } else { g };
            *s = if first { g * g } else { *s + g * g };
            let d = g / (s.sqrt() + self.epsilon);
            *t -= d * self.learning_rate;
        }
    }
}
