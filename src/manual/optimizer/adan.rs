//! Adan as burn's `Adan` defines it (`burn-optim-0.22.1/src/optim/adan.rs`), per parameter
//! entry, with `β₁`, `β₂`, `β₃` and `ε` kept as f32 and the bias corrections computed in f32 on
//! the host, as burn does (in an f64 run they enter widened exactly):
//!
//! - on the first step `m ← g·(1 − β₁)`, `v ← g²·(1 − β₃)`, `n ← 0`; after it, with the
//!   gradients' difference `δ = g − g_prev`: `m ← m·β₁ + g·(1 − β₁)`, `n ← n·β₂ + δ·(1 − β₂)`,
//!   `v ← v·β₃ + (δ·β₂ + g)²·(1 − β₃)`; `−g` is kept for the next step's difference;
//! - at step `t`: `den = √v / √(1 − β₃ᵗ) + ε` and the direction
//!   `d = (m / (1 − β₁ᵗ)) / den + ((n·β₂) / (1 − β₂ᵗ)) / den`;
//! - `θ ← (θ − d·λ) / (1 + λ·wd)`, the proximal decay, or with `no_prox` the decoupled
//!   `θ ← θ·(1 − λ·wd) − d·λ` (`λ·wd` in f64 from the f32 `wd`; no decay at all when it is 0).

use crate::config::AdanSettings;
use crate::scalar::Scalar;

/// The constants of one step `t` (from 1), as burn computes them.
#[derive(Debug, Clone, Copy)]
pub struct AdanStep<T: Scalar> {
    pub learning_rate: T,
    pub beta_1: T,
    pub beta_2: T,
    pub beta_3: T,
    /// `1 − β₁`, `1 − β₂`, `1 − β₃` in f32.
    pub factor_1: T,
    pub factor_2: T,
    pub factor_3: T,
    /// `1 − β₁ᵗ`, `1 − β₂ᵗ` and `√(1 − β₃ᵗ)` in f32.
    pub correction_1: T,
    pub correction_2: T,
    pub root_correction_3: T,
    pub epsilon: T,
    /// `λ·wd` in f64 (0: no decay), and `1 − λ·wd`, `1 + λ·wd` in the run's precision.
    pub decay_rate: f64,
    pub keep: T,
    pub prox: T,
    pub no_prox: bool,
}

/// One tensor's buffers, in `config::Optimizer::buffers` order.
pub struct AdanBuffers<'a, T> {
    pub exp_avg: &'a mut [T],
    pub exp_avg_sq: &'a mut [T],
    pub exp_avg_diff: &'a mut [T],
    pub neg_pre_grad: &'a mut [T],
}

impl<T: Scalar> AdanStep<T> {
    pub fn new(learning_rate: f64, a: AdanSettings, t: usize) -> Self {
        let (b1, b2, b3) = (a.beta_1 as f32, a.beta_2 as f32, a.beta_3 as f32);
        let time = t as i32;
        let widen = |v: f32| T::of_f64(v as f64);
        let decay_rate = learning_rate * (a.weight_decay as f32 as f64);
        AdanStep {
            learning_rate: T::of_f64(learning_rate),
            beta_1: widen(b1),
            beta_2: widen(b2),
            beta_3: widen(b3),
            factor_1: widen(1.0 - b1),
            factor_2: widen(1.0 - b2),
            factor_3: widen(1.0 - b3),
            correction_1: widen(1.0 - b1.powi(time)),
            correction_2: widen(1.0 - b2.powi(time)),
            root_correction_3: widen((1.0 - b3.powi(time)).sqrt()),
            epsilon: widen(a.epsilon as f32),
            decay_rate,
            keep: T::of_f64(1.0 - decay_rate),
            prox: T::of_f64(1.0 + decay_rate),
            no_prox: a.no_prox,
        }
    }

    /// One tensor's step; `first`: the buffers hold nothing yet.
    pub fn step(&self, theta: &mut [T], grad: &[T], b: AdanBuffers<T>, first: bool) {
        let entries = theta
            .iter_mut()
            .zip(grad)
            .zip(b.exp_avg)
            .zip(b.exp_avg_sq)
            .zip(b.exp_avg_diff)
            .zip(b.neg_pre_grad);
        for (((((t, &g), m), v), n), neg) in entries {
            if first {
                *m = g * self.factor_1;
                *v = (g * g) * self.factor_3;
                *n = T::zero();
            } else {
                let diff = *neg + g;
                let b = diff * self.beta_2 + g;
                *m = *m * self.beta_1 + g * self.factor_1;
                *v = *v * self.beta_3 + (b * b) * self.factor_3;
                *n = *n * self.beta_2 + diff * self.factor_2;
            }
            *neg = -g;
            let den = v.sqrt() / self.root_correction_3 + self.epsilon;
            let d = (*m / self.correction_1) / den + ((*n * self.beta_2) / self.correction_2) / den;
            let step = d * self.learning_rate;
            *t = if self.decay_rate == 0.0 {
                *t - step
            } else if self.no_prox {
                *t * self.keep - step
            } else {
                (*t - step) / self.prox
            };
        }
    }
}
