//! The bound of SGD's step (beside manual/optimizer/sgd.rs), per entry, one first-order term per
//! operation, in burn's order:
//!
//! - plain: `θ' = θ − λ·g`: `S = |θ| + |λ·g| + |θ'|`;
//! - decay `g' = θ·p + g`: `S_g' = |θ·p| + |g'|` (0 without decay: `g' = g` exactly);
//! - momentum `v = g'` at first, then `v = g'·(1 − dampening) + v·μ`:
//!   `S_v = S_g'·(1 − dampening) + |g'·(1 − dampening)| + |v·μ| + |v|`;
//! - Nesterov's direction `d = v·μ + g'`: `S_d = S_v·μ + |v·μ| + S_g' + |d|` (else `d = v`);
//! - `θ' = θ − d·λ`: `S = S_d·λ + |d·λ| + |θ'| + |θ|`.

use super::step::{Entry, decayed, stepped};
use crate::config::SgdSettings;

/// Plain SGD: the scale of `θ'`.
pub fn plain(e: Entry, learning_rate: f64) -> f64 {
    let step = learning_rate * e.grad;
    e.theta.abs() + step.abs() + (e.theta - step).abs()
}

/// SGD with decay and/or momentum: the scales of `θ'` and (with momentum) of `v`.
pub fn with_state(sgd: SgdSettings, e: Entry, lr: f64, first: bool) -> Vec<f64> {
    let SgdSettings {
        momentum,
        dampening,
        nesterov,
        weight_decay,
    } = sgd;
    let (mu, p) = (momentum as f32 as f64, weight_decay as f32 as f64);
    let (g, s_g) = decayed(e.theta, e.grad, p);
    let mut out = Vec::with_capacity(2);
    let (d, s_d) = if momentum > 0.0 {
        let keep = 1.0 - dampening;
        let (v, s_v) = if first {
            (g, s_g)
        } else {
            let (a, b) = (g * keep, e.before[0] * mu);
            let v = a + b;
            (v, s_g * keep + a.abs() + b.abs() + v.abs())
        };
        let d = if nesterov {
            let c = v * mu;
            let d = c + g;
            (d, s_v * mu + c.abs() + s_g + d.abs())
        } else {
            (v, s_v)
        };
        out.push(s_v);
        d
    } else {
        (g, s_g)
    };
    out.insert(0, stepped(e.theta, d, s_d, lr));
    out
}
