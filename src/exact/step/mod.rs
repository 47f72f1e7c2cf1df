//! One optimizer step in f64, per entry, as burn defines it (the formulas of
//! src/manual/optimizer/{sgd,adam,…}.rs' module docs), under either [`Convention`] for its
//! constants.
//!
//! burn keeps `β₁`, `β₂`, `ε`, the decay penalty and the momentum as f32 and computes Adam's
//! scalar factors in f32 on the host; under [`Convention::Burn`] those constants are computed
//! here in f32 the same way and enter the f64 computation widened exactly, and a constant that
//! burn computes in f64 (`1 − dampening`, AdamW's `1 − λ·wd`, AdaGrad's `λₜ`) is rounded to the problem's
//! precision. Under [`Convention::Exact`] every constant is the mathematics' own (PyTorch, numpy
//! with Python floats, the lecture), and [`constants_spread`] says how far holding each one in
//! the problem's precision can move a result.
//!
//! Besides each result, `|∂/∂g|` ([`Stepped`]) and, for a gradient known only to within `δ`, how
//! far that can carry into it ([`carried`], exact where the step is not linear in `g`).

use super::number::{Dual, Number};
use crate::config::{Optimizer, Precision, RmsPropSettings, SgdSettings};
use crate::params::{OptimizerState, Params};

pub mod bounds;
mod constants;
mod entries;
mod mistake;
#[cfg(test)]
mod tests;

use constants::HELD;
pub use constants::{Constants, Convention, powi_f32};
pub use entries::{Loc, before, map_entries};
pub use mistake::Mistake;

/// A result and `|∂/∂g|`.
type Out = (f64, f64);

/// One entry's step: `θ'` then each buffer, each with `|∂/∂g|`.
pub fn entry(
    optimizer: Optimizer,
    k: &Constants,
    (theta, g, before): (f64, f64, &[f64]),
    mistake: Option<Mistake>,
) -> Vec<Out> {
    let first = before.is_empty();
    // Coupled decay: g' = θ·penalty + g (∂g'/∂g = 1).
    let g = if k.penalty != 0.0 {
        theta * k.penalty + g
    } else {
        g
    };
    match optimizer {
        Optimizer::Sgd(SgdSettings { momentum, .. }) if momentum > 0.0 => {
            let (v, dv) = if first {
                (g, 1.0)
            } else {
                (g * k.keep + before[0] * k.mu, k.keep)
            };
            let (d, dd) = if k.nesterov {
                (v * k.mu + g, dv * k.mu + 1.0)
            } else {
                (v, dv)
            };
            vec![(theta - d * k.lr, dd * k.lr), (v, dv)]
        }
        Optimizer::Sgd(_) => vec![(theta - g * k.lr, k.lr)],
        Optimizer::Adam(_) | Optimizer::AdamW(_) => {
            adam_entry(optimizer, k, (theta, g, before), mistake)
        }
        Optimizer::AdaGrad(_) => adagrad_entry(k, (theta, g, before), mistake),
        Optimizer::RmsProp(r) => rmsprop_entry(r, k, (theta, g, before), mistake),
        Optimizer::Adan(_) => derived_entry(optimizer, k, (theta, g, before)),
    }
}

/// RMSprop's entry, after any coupled decay: the squares' average `a = a·α + g²·(1 − α)`, the
/// gradients' average `m` likewise when centered, `x = g/(√(a − m²) + ε)` (`√a + ε` if not
/// centered), the momentum buffer `b = b·μ + x`, and `θ' = θ − λ·(b or x)`; each first step
/// without the old term. Outputs `θ'`, then `a`, `m`, `b` as kept.
fn rmsprop_entry(
    r: RmsPropSettings,
    k: &Constants,
    (theta, g, before): (f64, f64, &[f64]),
    mistake: Option<Mistake>,
) -> Vec<Out> {
    let first = before.is_empty();
    let old = |i: usize| if first { 0.0 } else { before[i] };
    let q = (g * g) * k.f_alpha;
    let a = if first { q } else { old(0) * k.alpha + q };
    let da = 2.0 * g.abs() * k.f_alpha;
    let mut out = Vec::with_capacity(4);
    let (avg, davg) = if r.centered {
        let c = g * k.f_alpha;
        let m = if first { c } else { old(1) * k.alpha + c };
        out.push((m, k.f_alpha));
        if mistake == Some(Mistake::Uncentered) {
            (a, da)
        } else {
            (a - m * m, da + 2.0 * m.abs() * k.f_alpha)
        }
    } else {
        (a, da)
    };
    let (den, dden) = denominator((avg, davg), k.eps, mistake);
    let x = g / den;
    // Each term's size, not their difference: a bound, not a derivative that cancels.
    let dx = 1.0 / den + g.abs() * dden / (den * den);
    let (d, dd) = if r.momentum > 0.0 {
        let b = if first {
            x
        } else {
            old(1 + usize::from(r.centered)) * k.mu + x
        };
        out.push((b, dx));
        (b, dx)
    } else {
        (x, dx)
    };
    out.insert(0, (a, da));
    out.insert(0, (theta - d * k.lr, dd * k.lr));
    out
}

/// AdaGrad's entry, after any coupled decay: `s = s + g²` (first `g²`),
/// `θ' = θ − (g/(√s + ε))·λₜ`.
fn adagrad_entry(
    k: &Constants,
    (theta, g, before): (f64, f64, &[f64]),
    mistake: Option<Mistake>,
) -> Vec<Out> {
    let q = g * g;
    let s = if before.is_empty() { q } else { before[0] + q };
    let ds = 2.0 * g.abs();
    let (den, dden) = denominator((s, ds), k.eps, mistake);
    let d = g / den;
    // Each term's size, not their difference: a bound, not a derivative that cancels.
    let dd = 1.0 / den + g.abs() * dden / (den * den);
    vec![(theta - d * k.lr_t, dd * k.lr_t), (s, ds)]
}

/// `√x + e` (`√(x + e)` with ε inside the square root) and `|∂/∂g|` from `|∂x/∂g|`.
fn denominator((x, dx): (f64, f64), e: f64, mistake: Option<Mistake>) -> (f64, f64) {
    if mistake == Some(Mistake::EpsInsideSqrt) {
        let r = (x + e).sqrt();
        (r, if r > 0.0 { dx / (2.0 * r) } else { 0.0 })
    } else {
        let r = x.sqrt();
        (r + e, if r > 0.0 { dx / (2.0 * r) } else { 0.0 })
    }
}

/// Adam's or AdamW's entry, after any coupled decay.
fn adam_entry(
    optimizer: Optimizer,
    k: &Constants,
    (theta, g, before): (f64, f64, &[f64]),
    mistake: Option<Mistake>,
) -> Vec<Out> {
    let (m, v) = if before.is_empty() {
        (g * k.f1, (g * g) * k.f2)
    } else {
        (
            before[0] * k.b1 + g * k.f1,
            before[1] * k.b2 + (g * g) * k.f2,
        )
    };
    let (dm, dv) = (k.f1, 2.0 * (g * k.f2).abs());
    let adamw = matches!(optimizer, Optimizer::AdamW(_));
    // Adam: d = (m·c)/(√v + ε·c₂); AdamW: d = m̂/(√v̂ + ε), m̂ = m/d1, v̂ = v/d2.
    let (num, dnum, x, dx, e) = if adamw {
        (m / k.d1, dm / k.d1, v / k.d2, dv / k.d2, k.eps)
    } else {
        (m * k.c, dm * k.c, v, dv, k.eps_c2)
    };
    let (den, dden) = denominator((x, dx), e, mistake);
    let d = num / den;
    // Each term's size, not their difference: a bound, not a derivative that cancels.
    let dd = dnum / den + num.abs() * dden / (den * den);
    let kept = if adamw && k.decay_rate != 0.0 {
        theta * k.decay_keep
    } else {
        theta
    };
    vec![(kept - d * k.lr, dd * k.lr), (m, dm), (v, dv)]
}

/// The entry of an optimizer whose step is written once over [`Number`] ([`formula`]): its
/// values, and `|∂/∂g|` from the formula's derivative ([`Dual`]).
pub fn derived_entry(
    optimizer: Optimizer,
    k: &Constants,
    (theta, g, before): (f64, f64, &[f64]),
) -> Vec<Out> {
    let before: Vec<Dual> = before.iter().map(|&b| Dual::exact(b)).collect();
    formula(optimizer, k, (Dual::exact(theta), Dual::input(g), &before))
        .expect("the optimizer's step is written over Number")
        .iter()
        .map(|o| (o.v, o.d.abs()))
        .collect()
}

/// The step of an optimizer written once over [`Number`], in burn's order of operations: `θ'`
/// then each buffer (`Optimizer::buffers` order), from `θ`, `g` and the buffers before it (none
/// on the first step). In f64 its values, over [`Dual`] its `∂/∂g`, over the bound's numbers
/// (agreement/rounded.rs) what evaluating it in a lower precision may round: that optimizer's
/// bound is derived, not written (agreement/update.rs). None for an optimizer whose step is
/// written out above with its slope and its bound in agreement/update/.
pub fn formula<N: Number>(
    optimizer: Optimizer,
    k: &Constants,
    (theta, g, before): (N, N, &[N]),
) -> Option<Vec<N>> {
    match optimizer {
        Optimizer::Adan(_) => Some(adan(k, (theta, g, before))),
        _ => None,
    }
}

/// Adan's entry as burn's `Adan` computes it (`burn-optim-0.22.1/src/optim/adan.rs`): on the
/// first step `m = g·(1 − β₁)`, `v = g²·(1 − β₃)`, `n = 0`; after it, with the difference
/// `δ = g − g_prev` (burn keeps `−g_prev`), `m = m·β₁ + g·(1 − β₁)`, `n = n·β₂ + δ·(1 − β₂)`,
/// `v = v·β₃ + (δ·β₂ + g)²·(1 − β₃)`; then `den = √v / √(1 − β₃ᵗ) + ε`, the direction
/// `d = (m / (1 − β₁ᵗ)) / den + ((n·β₂) / (1 − β₂ᵗ)) / den`, and `θ' = (θ − d·λ) / (1 + λ·wd)`
/// (proximal), `θ·(1 − λ·wd) − d·λ` with no_prox. Outputs `θ'`, `m`, `v`, `n`, `−g`.
fn adan<N: Number>(k: &Constants, (theta, g, before): (N, N, &[N])) -> Vec<N> {
    let c = N::exact;
    let (m, v, n) = if let &[m, v, n, neg] = before {
        let diff = neg + g;
        let b = diff * c(k.b2) + g;
        (
            m * c(k.b1) + g * c(k.f1),
            v * c(k.b3) + (b * b) * c(k.f3),
            n * c(k.b2) + diff * c(k.f2),
        )
    } else {
        (g * c(k.f1), (g * g) * c(k.f3), c(0.0))
    };
    let den = v.sqrt() / c(k.c3) + c(k.eps);
    let d = (m / c(k.d1)) / den + ((n * c(k.b2)) / c(k.d2)) / den;
    let step = d * c(k.lr);
    let theta = if k.decay_rate == 0.0 {
        theta - step
    } else if k.no_prox {
        theta * c(k.decay_keep) - step
    } else {
        (theta - step) / c(k.prox)
    };
    vec![theta, m, v, n, -g]
}

/// One step: `θ'` and each of the optimizer's buffers (in `Optimizer::buffers` order), with
/// `|∂/∂g|` per entry.
#[derive(Debug, Clone)]
pub struct Stepped {
    pub params: (Params, Params),
    pub buffers: Vec<(&'static str, Params, Params)>,
}

/// The step from `theta` with `grad` and `state` (the state before it; no buffers: the first
/// step) at learning rate `lr` (already in the problem's precision), `t = state.steps + 1`.
pub fn step(
    optimizer: Optimizer,
    (theta, grad, state): (&Params, &Params, &OptimizerState),
    (lr, precision): (f64, Precision),
    (convention, mistake): (Convention, Option<Mistake>),
) -> Stepped {
    let optimizer = mistake.map_or(optimizer, |m| m.optimizer(optimizer));
    let names = optimizer.buffers();
    let k = Constants::new(
        optimizer,
        (lr, state.steps + 1),
        (precision, convention),
        mistake,
    );
    let before = before(optimizer, state);
    let outputs = 1 + names.len();
    let all = map_entries(2 * outputs, (theta, grad, &before), |_, e| {
        let r = entry(optimizer, &k, e, mistake);
        r.iter().map(|o| o.0).chain(r.iter().map(|o| o.1)).collect()
    });
    let (values, slopes) = all.split_at(outputs);
    let mut pairs = values.iter().cloned().zip(slopes.iter().cloned());
    Stepped {
        params: pairs.next().expect("θ'"),
        buffers: names
            .iter()
            .zip(pairs)
            .map(|(n, (v, s))| (*n, v, s))
            .collect(),
    }
}
