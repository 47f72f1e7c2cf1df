//! Adam as burn's `Adam` defines it (`burn-optim-0.22.1/src/optim/adam.rs`), per parameter
//! entry, with `β₁`, `β₂`, `ε` and the decay penalty kept as f32 and the scalar factors computed
//! in f32 on the host, as burn does (in an f64 run they enter widened exactly):
//!
//! - weight decay (coupled, optional): `g ← θ·penalty + g`;
//! - `m ← g·(1 − β₁)` and `v ← g²·(1 − β₂)` on the first step, then
//!   `m ← m·β₁ + g·(1 − β₁)`, `v ← v·β₂ + g²·(1 − β₂)`;
//! - at step `t`: `c₂ = √(1 − β₂ᵗ)`, `c = c₂ / (1 − β₁ᵗ)`, the direction
//!   `d = (m·c) / (√v + ε·c₂)` (mathematically `m̂ / (√v̂ + ε)`), and `θ ← θ − d·λ`.

use crate::config::AdamSettings;
use crate::scalar::Scalar;

/// The constants of one step `t` (from 1), as burn computes them.
#[derive(Debug, Clone, Copy)]
pub struct AdamStep<T: Scalar> {
    pub learning_rate: T,
    pub beta_1: T,
    pub beta_2: T,
    /// `1 − β₁`, `1 − β₂` in f32.
    pub factor_1: T,
    pub factor_2: T,
    /// `c = c₂ / (1 − β₁ᵗ)` and `ε·c₂`, in f32.
    pub correction: T,
    pub epsilon_c2: T,
    /// Coupled weight decay penalty (f32); 0: none.
    pub penalty: T,
}

impl<T: Scalar> AdamStep<T> {
    pub fn new(learning_rate: f64, a: AdamSettings, t: usize) -> Self {
        let (b1, b2, eps) = (a.beta_1 as f32, a.beta_2 as f32, a.epsilon as f32);
        let time = t as i32;
        let c2 = (1.0 - b2.powi(time)).sqrt();
        let c = c2 / (1.0 - b1.powi(time));
        let widen = |v: f32| T::of_f64(v as f64);
        AdamStep {
            learning_rate: T::of_f64(learning_rate),
            beta_1: widen(b1),
            beta_2: widen(b2),
            factor_1: widen(1.0 - b1),
            factor_2: widen(1.0 - b2),
            correction: widen(c),
            epsilon_c2: widen(eps * c2),
            penalty: T::of_f64(a.weight_decay as f32 as f64),
        }
    }

    /// One tensor's step; `first`: the moments hold nothing yet.
    pub fn step(&self, theta: &mut [T], grad: &[T], m: &mut [T], v: &mut [T], first: bool) {
        // theta, grad, m, v: one tensor's entries, row-major, the same length.
        let has_decay = self.penalty != T::zero();
        for (((t, &g), m), v) in theta.iter_mut().zip(grad).zip(m).zip(v) {
            let g = if has_decay { *t * self.penalty + g } else { g };
            (*m, *v) = moments(self, g, *m, *v, first);
            let d = (*m * self.correction) / (v.sqrt() + self.epsilon_c2);
            *t -= d * self.learning_rate;
        }
    }
}

/// Both moments after one more gradient `g` (shared with AdamW, whose moments are Adam's).
pub fn moments<T: Scalar>(s: &AdamStep<T>, g: T, m: T, v: T, first: bool) -> (T, T) {
    if first {
        (g * s.factor_1, (g * g) * s.factor_2)
    } else {
        (
            m * s.beta_1 + g * s.factor_1,
            v * s.beta_2 + (g * g) * s.factor_2,
        )
    }
}
