//! RMSprop as burn's `RmsProp` defines it (`burn-optim-0.22.1/src/optim/rmsprop.rs`), per
//! parameter entry, with `α`, `μ`, `ε` and the decay penalty kept as f32 and `1 − α` computed
//! in f32, as burn does:
//!
//! - weight decay (coupled, optional): `g ← θ·penalty + g`;
//! - the squares' average: `a ← g²·(1 − α)` on the first step, then `a ← a·α + g²·(1 − α)`;
//! - centered: the gradients' average `m ← g·(1 − α)`, then `m ← m·α + g·(1 − α)`, and the
//!   divisor `√(a − m²) + ε`; else `√a + ε`;
//! - `x = g / divisor`; with momentum `b ← x` on the first step, then `b ← b·μ + x`, the step
//!   along `b`, else along `x`: `θ ← θ − d·λ`.

use crate::config::RmsPropSettings;
use crate::scalar::Scalar;

/// The constants of a step, as burn holds them.
#[derive(Debug, Clone, Copy)]
pub struct RmsPropStep<T: Scalar> {
    pub learning_rate: T,
    /// `α` and `1 − α` (f32).
    pub alpha: T,
    pub keep: T,
    /// `μ` (f32); 0: no momentum buffer.
    pub momentum: T,
    pub epsilon: T,
    pub centered: bool,
    /// Coupled weight decay penalty (f32); 0: none.
    pub penalty: T,
}

/// One tensor's state buffers: the squares' average, and the gradients' average (centered) and
/// the momentum buffer when the settings keep them.
pub struct RmsPropBuffers<'a, T> {
    pub square_avg: &'a mut [T],
    pub grad_avg: Option<&'a mut [T]>,
    pub buf: Option<&'a mut [T]>,
}

impl<T: Scalar> RmsPropStep<T> {
    pub fn new(learning_rate: f64, r: RmsPropSettings) -> Self {
        let alpha = r.alpha as f32;
        let f32_of = |v: f32| T::of_f64(v as f64);
        RmsPropStep {
            learning_rate: T::of_f64(learning_rate),
            alpha: f32_of(alpha),
            keep: f32_of(1.0 - alpha),
            momentum: f32_of(r.momentum as f32),
            epsilon: f32_of(r.epsilon as f32),
            centered: r.centered,
            penalty: f32_of(r.weight_decay as f32),
        }
    }

    /// One tensor's step; `first`: the buffers hold nothing yet.
    pub fn step(&self, theta: &mut [T], grad: &[T], b: RmsPropBuffers<T>, first: bool) {
        // theta, grad and each buffer: one tensor's entries, row-major, the same length.
        let has_decay = self.penalty != T::zero();
        let RmsPropBuffers {
            square_avg,
            mut grad_avg,
            mut buf,
        } = b;
        for (j, (t, &g)) in theta.iter_mut().zip(grad).enumerate() {
            let g = if has_decay { *t * self.penalty + g } else { g };
            let a = &mut square_avg[j];
            *a = if first {
                (g * g) * self.keep
            } else {
                *a * self.alpha + (g * g) * self.keep
            };
            let avg = match grad_avg.as_deref_mut() {
                Some(m) => {
                    let m = &mut m[j];
                    *m = if first {
                        g * self.keep
                    } else {
                        *m * self.alpha + g * self.keep
                    };
                    *a - *m * *m
                }
                None => *a,
            };
            let x = g / (avg.sqrt() + self.epsilon);
            let d = match buf.as_deref_mut() {
                Some(b) => {
                    let b = &mut b[j];
                    *b = if first { x } else { *b * self.momentum + x };
                    *b
                }
                None => x,
            };
            *t -= d * self.learning_rate;
        }
    }
}
