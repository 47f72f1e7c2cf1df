//! The bound of RMSprop's step (beside manual/optimizer/rmsprop.rs), per entry, one first-order term per
//! operation, in burn's order (its f32 `α`, `1 − α`, `μ`, `ε` and penalty are the same numbers in
//! both twins, taken as exact); the old buffers are exact inputs:
//!
//! - decay `g' = θ·p + g`: step.rs's `decayed`;
//! - `q = g'²` (`S_q = 2|g'|·S_g' + q`), `b = q·(1 − α)` (`S_b = S_q·(1 − α) + |b|`), the squares'
//!   average `a = b` at first, then `a = a·α + b`: `S_a = S_b + |a·α| + |a|`;
//! - centered: `c = g'·(1 − α)` (`S_c = S_g'·(1 − α) + |c|`), `m = c`, then `m = m·α + c`
//!   (`S_m = S_c + |m·α| + |m|`); `m²` (`S_m² = 2|m|·S_m + m²`) and `a − m²`:
//!   `S_a + S_m² + |a − m²|` (the cancellation: the difference may be far smaller than `a`);
//! - `r = √(a or a − m²)`, `x = g' / (r + ε)`: step.rs's `root` and `quotient`;
//! - momentum: `b = x` at first, then `b = b·μ + x`: `S_x + |b·μ| + |b|`;
//! - `θ' = θ − d·λ` with `d = b` or `x`: step.rs's `stepped`.

use super::step::{Entry, decayed, quotient, root, stepped};
use crate::config::RmsPropSettings;

/// `old·k + new` (just `new` on the first step) and its scale, `new` of scale `s_new`.
fn averaged((old, k): (f64, f64), (new, s_new): (f64, f64), first: bool) -> (f64, f64) {
    if first {
        return (new, s_new);
    }
    let kept = old * k;
    let v = kept + new;
    (v, s_new + kept.abs() + v.abs())
}

/// The scales of `θ'` and of each kept buffer (`square_avg`, then `grad_avg` when centered and
/// `buf` with momentum) for RMSprop.
pub fn rmsprop(r: RmsPropSettings, e: Entry, lr: f64, first: bool, u: f64) -> Vec<f64> {
    let w = |v: f64| v as f32 as f64;
    let (alpha, mu) = (w(r.alpha), w(r.momentum));
    let keep = (1.0 - r.alpha as f32) as f64;
    let old = |i: usize| if first { 0.0 } else { e.before[i] };
    let (g, s_g) = decayed(e.theta, e.grad, w(r.weight_decay));
    let q = g * g;
    let s_q = 2.0 * g.abs() * s_g + q;
    let b = q * keep;
    let (a, s_a) = averaged((old(0), alpha), (b, s_q * keep + b.abs()), first);
    let mut out = vec![s_a];
    let (avg, s_avg) = if r.centered {
        let c = g * keep;
        let (m, s_m) = averaged((old(1), alpha), (c, s_g * keep + c.abs()), first);
        out.push(s_m);
        let p = m * m;
        let avg = a - p;
        (avg, s_a + 2.0 * m.abs() * s_m + p + avg.abs())
    } else {
        (a, s_a)
    };
    let (root_avg, s_r) = root(avg, s_avg, u);
    let (x, s_x) = quotient((g, s_g), (root_avg + w(r.epsilon), s_r));
    let (d, s_d) = if r.momentum > 0.0 {
        let (buf, s_buf) = averaged((old(1 + usize::from(r.centered)), mu), (x, s_x), first);
        out.push(s_buf);
        (buf, s_buf)
    } else {
        (x, s_x)
    };
    out.insert(0, stepped(e.theta, d, s_d, lr));
    out
}
