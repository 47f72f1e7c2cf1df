//! The bound of AdaGrad's step (beside manual/optimizer/adagrad.rs), per entry, one first-order term per
//! operation, in burn's order (its f32 `ε` and penalty, and `λₜ` rounded to the run's precision,
//! are the same numbers in both twins, taken as exact):
//!
//! - decay `g' = θ·p + g`: step.rs's `decayed`;
//! - `q = g'²`: `S_q = 2|g'|·S_g' + q`; the sum `s = q` at first, then `s = s + q`:
//!   `S_s = S_q + |s|` (the old sum is an exact input);
//! - `r = √s`, `d = g' / (r + ε)`: step.rs's `root` and `quotient`;
//! - `θ' = θ − d·λₜ`: step.rs's `stepped`.

use super::step::{Entry, decayed, quotient, root, stepped};
use crate::config::AdaGradSettings;

/// The scales of `θ'` and the sum of squares for AdaGrad at step `t`.
pub fn adagrad(
    a: AdaGradSettings,
    e: Entry,
    lr: f64,
    (t, first): (usize, bool),
    u: f64,
) -> Vec<f64> {
    let (g, s_g) = decayed(e.theta, e.grad, a.weight_decay as f32 as f64);
    let q = g * g;
    let s_q = 2.0 * g.abs() * s_g + q;
    let (sum, s_sum) = if first {
        (q, s_q)
    } else {
        let sum = e.before[0] + q;
        (sum, s_q + sum.abs())
    };
    let (r, s_r) = root(sum, s_sum, u);
    let (d, s_d) = quotient((g, s_g), (r + a.epsilon as f32 as f64, s_r));
    let lr_t = lr / (1.0 + (t as f64 - 1.0) * a.lr_decay);
    vec![stepped(e.theta, d, s_d, lr_t), s_sum]
}
