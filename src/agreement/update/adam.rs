//! The bound of Adam's and AdamW's steps (beside manual/optimizer/adam.rs and manual/optimizer/adamw.rs), per
//! entry, one first-order term per operation, in burn's order (f32 constants taken as exact):
//!
//! - moments: `m = m·β₁ + g'·(1 − β₁)` (first step: `g'·(1 − β₁)`):
//!   `S_m = S_g'·(1 − β₁) + |g'·(1 − β₁)| + |m·β₁| + |m|`; with `q = g'²`
//!   (`S_q = 2|g'|·S_g' + q`), `v = v·β₂ + q·(1 − β₂)`: `S_v = S_q·(1 − β₂) + |q·(1 − β₂)| +
//!   |v·β₂| + |v|`;
//! - a square root `r = √x`: `S_r = min(S_x / 2r, √(S_x/u)) + r` (the first-order term, capped
//!   by `√δ`, which holds however close `x` is to 0; then its own rounding);
//! - Adam: `d = (m·c) / (√v + ε·c₂)`: `S_num = S_m·c + |m·c|`, `S_den = S_r + |den|`,
//!   `S_d = S_num/den + |num|·S_den/den² + |d|`;
//! - AdamW: `m̂ = m/(1 − β₁ᵗ)`, `v̂ = v/(1 − β₂ᵗ)` (each `+ |result|`), `d = m̂ / (√v̂ + ε)` as
//!   above; the decay `θ·(1 − λ·wd)`: `2·|θ·(1 − λ·wd)|` (the factor and the product round);
//! - `θ' = θ − d·λ`: sgd.rs's `stepped`.

use super::step::{Entry, decayed, quotient, root, stepped};
use crate::config::AdamSettings;

/// The scales of `θ'`, `m` and `v` for Adam at step `t`.
pub fn adam(a: AdamSettings, e: Entry, lr: f64, (t, first): (usize, bool), u: f64) -> Vec<f64> {
    let AdamSettings {
        beta_1,
        beta_2,
        epsilon,
        weight_decay,
    } = a;
    let (g, s_g) = decayed(e.theta, e.grad, weight_decay as f32 as f64);
    let (m, s_m, v, s_v) = moments((beta_1, beta_2), g, s_g, e.before, first);
    let ti = t as i32;
    let c2 = (1.0 - beta_2.powi(ti)).sqrt();
    let c = c2 / (1.0 - beta_1.powi(ti));
    let (r, s_r) = root(v, s_v, u);
    let num = m * c;
    let (d, s_d) = quotient((num, s_m * c + num.abs()), (r + epsilon * c2, s_r));
    vec![stepped(e.theta, d, s_d, lr), s_m, s_v]
}

/// The scales of `θ'`, `m` and `v` for AdamW at step `t`.
pub fn adamw(a: AdamSettings, e: Entry, lr: f64, (t, first): (usize, bool), u: f64) -> Vec<f64> {
    let (beta_1, beta_2) = (a.beta_1, a.beta_2);
    let (m, s_m, v, s_v) = moments((beta_1, beta_2), e.grad, 0.0, e.before, first);
    let ti = t as i32;
    let m_hat = m / (1.0 - beta_1.powi(ti));
    let s_m_hat = s_m / (1.0 - beta_1.powi(ti)) + m_hat.abs();
    let v_hat = v / (1.0 - beta_2.powi(ti));
    let s_v_hat = s_v / (1.0 - beta_2.powi(ti)) + v_hat.abs();
    let (r, s_r) = root(v_hat, s_v_hat, u);
    let (d, s_d) = quotient((m_hat, s_m_hat), (r + a.epsilon, s_r));
    let decay = lr * a.weight_decay;
    let kept = e.theta * (1.0 - decay);
    let step = d * lr;
    let s_theta = 2.0 * kept.abs() + s_d * lr + step.abs() + (kept - step).abs() + e.theta.abs();
    vec![s_theta, s_m, s_v]
}

/// `m`, `S_m`, `v`, `S_v` after the gradient `g` of scale `s_g`.
fn moments(
    (beta_1, beta_2): (f64, f64),
    g: f64,
    s_g: f64,
    before: &[f64],
    first: bool,
) -> (f64, f64, f64, f64) {
    let (f1, f2) = (1.0 - beta_1, 1.0 - beta_2);
    let a = g * f1;
    let q = g * g;
    let s_q = 2.0 * g.abs() * s_g + q;
    let b = q * f2;
    if first {
        return (a, s_g * f1 + a.abs(), b, s_q * f2 + b.abs());
    }
    let (m_old, v_old) = (before[0] * beta_1, before[1] * beta_2);
    let (m, v) = (m_old + a, v_old + b);
    (
        m,
        s_g * f1 + a.abs() + m_old.abs() + m.abs(),
        v,
        s_q * f2 + b.abs() + v_old.abs() + v.abs(),
    )
}
