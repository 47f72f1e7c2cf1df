//! AdamW as burn's `AdamW` defines it (`burn-optim-0.22.1/src/optim/adamw.rs`), per parameter
//! entry: the moments as Adam's (adam.rs, no coupled decay), then at step `t`
//! `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)` (denominators in f32), `d = m̂ / (√v̂ + ε)`, and the
//! decoupled decay `θ ← θ·(1 − λ·wd) − d·λ` (`λ·wd` in f64 from the f32 `wd`; no decay factor
//! at all when `λ·wd` is 0).

use super::adam::{AdamStep, moments};
use crate::config::AdamSettings;
use crate::scalar::Scalar;

#[derive(Debug, Clone, Copy)]
pub struct AdamWStep<T: Scalar> {
    pub moments: AdamStep<T>,
    /// `1 − β₁ᵗ` and `1 − β₂ᵗ` in f32.
    pub denominator_1: T,
    pub denominator_2: T,
    pub epsilon: T,
    /// `λ·wd` in f64 (rounded to the run's precision where it multiplies).
    pub decay_rate: f64,
}

impl<T: Scalar> AdamWStep<T> {
    pub fn new(learning_rate: f64, a: AdamSettings, t: usize) -> Self {
        let (b1, b2) = (a.beta_1 as f32, a.beta_2 as f32);
        let time = t as i32;
        let (d1, d2) = (1.0 - b1.powi(time), 1.0 - b2.powi(time));
        AdamWStep {
            // AdamW's moments are Adam's without coupled decay.
            moments: AdamStep::new(
                learning_rate,
                AdamSettings {
                    weight_decay: 0.0,
                    ..a
                },
                t,
            ),
            denominator_1: T::of_f64(d1 as f64),
            denominator_2: T::of_f64(d2 as f64),
            epsilon: T::of_f64(a.epsilon as f32 as f64),
            decay_rate: learning_rate * (a.weight_decay as f32 as f64),
        }
    }

    /// One tensor's step; `first`: the moments hold nothing yet.
    pub fn step(&self, theta: &mut [T], grad: &[T], m: &mut [T], v: &mut [T], first: bool) {
        // theta, grad, m, v: one tensor's entries, row-major, the same length.
        let keep = T::of_f64(1.0 - self.decay_rate);
        let lr = self.moments.learning_rate;
        for (((t, &g), m), v) in theta.iter_mut().zip(grad).zip(m).zip(v) {
            (*m, *v) = moments(&self.moments, g, *m, *v, first);
            let m_hat = *m / self.denominator_1;
            let v_hat = *v / self.denominator_2;
            let d = m_hat / (v_hat.sqrt() + self.epsilon);
            let decayed = if self.decay_rate == 0.0 {
                *t
            } else {
                *t * keep
            };
            *t = decayed - d * lr;
        }
    }
}
