//! Each optimizer's step, written once over [`Number`] in burn's order of operations
//! (burn-optim 0.22's `sgd.rs` and `momentum.rs`, `adam.rs`, `adamw.rs`, `adagrad.rs`,
//! `rmsprop.rs`, `adan.rs`): in f64 its values, over [`Slope`](crate::exact::number::Slope) its
//! `|∂/∂g|`, over the bound's numbers (agreement/rounded.rs) what evaluating it in a lower
//! precision may round. Outputs `θ'`, then each buffer in `Optimizer::buffers` order; `before`
//! holds the buffers before the step (empty on the first step). Constants enter as
//! [`Number::exact`]: burn's are the same numbers in both twins, and the exact convention's
//! rounding is [`constants_spread`](super::bounds::constants_spread)'s.

use super::{Constants, Mistake};
use crate::config::{Optimizer, RmsPropSettings};
use crate::exact::number::Number;

/// One entry's inputs: `θ`, `g`, and the buffers before the step (empty on the first).
type Inputs<'a, N> = (N, N, &'a [N]);

/// The step of `optimizer` (module docs), with `mistake` built in where it changes the
/// formula (ε inside the square root, RMSprop uncentered; the others change the optimizer or
/// its constants).
pub fn formula<N: Number>(
    optimizer: Optimizer,
    k: &Constants,
    (theta, g, before): Inputs<N>,
    mistake: Option<Mistake>,
) -> Vec<N> {
    // Coupled decay: g' = θ·penalty + g.
    let g = if k.penalty != 0.0 {
        theta * N::exact(k.penalty) + g
    } else {
        g
    };
    let e = (theta, g, before);
    match optimizer {
        Optimizer::Sgd(s) if s.momentum > 0.0 => momentum(k, e),
        Optimizer::Sgd(_) => vec![theta - g * N::exact(k.lr)],
        Optimizer::Adam(_) => adam(k, e, mistake),
        Optimizer::AdamW(_) => adamw(k, e, mistake),
        Optimizer::AdaGrad(_) => adagrad(k, e, mistake),
        Optimizer::RmsProp(r) => rmsprop(r, k, e, mistake),
        Optimizer::Adan(_) => adan(k, e),
    }
}

/// SGD with momentum, after any coupled decay: `v = g'` at first, then
/// `v = g'·(1 − dampening) + v·μ`; the direction `d = v·μ + g'` (Nesterov) or `v`;
/// `θ' = θ − d·λ`. Outputs `θ'`, `v`.
fn momentum<N: Number>(k: &Constants, (theta, g, before): Inputs<N>) -> Vec<N> {
    let c = N::exact;
    let v = match before {
        [old] => g * c(k.keep) + *old * c(k.mu),
        _ => g,
    };
    let d = if k.nesterov { v * c(k.mu) + g } else { v };
    vec![theta - d * c(k.lr), v]
}

/// `√x + ε`, or `√(x + ε)` with the mistake of ε inside the square root.
fn denominator<N: Number>(x: N, eps: f64, mistake: Option<Mistake>) -> N {
    if mistake == Some(Mistake::EpsInsideSqrt) {
        (x + N::exact(eps)).sqrt()
    } else {
        x.sqrt() + N::exact(eps)
    }
}

/// Adam's and AdamW's moments after the gradient `g`: `m = m·β₁ + g·(1 − β₁)`,
/// `v = v·β₂ + g²·(1 − β₂)` (first step: without the old terms).
fn moments<N: Number>(k: &Constants, g: N, before: &[N]) -> (N, N) {
    let c = N::exact;
    let (new_m, new_v) = (g * c(k.f1), (g * g) * c(k.f2));
    match before {
        [m, v] => (*m * c(k.b1) + new_m, *v * c(k.b2) + new_v),
        _ => (new_m, new_v),
    }
}

/// Adam, after any coupled decay: the moments, then burn's arrangement of the bias
/// corrections, `d = (m·c) / (√v + ε·c₂)` with `c₂ = √(1 − β₂ᵗ)`, `c = c₂/(1 − β₁ᵗ)`;
/// `θ' = θ − d·λ`. Outputs `θ'`, `m`, `v`.
fn adam<N: Number>(
    k: &Constants,
    (theta, g, before): Inputs<N>,
    mistake: Option<Mistake>,
) -> Vec<N> {
    let c = N::exact;
    let (m, v) = moments(k, g, before);
    let d = (m * c(k.c)) / denominator(v, k.eps_c2, mistake);
    vec![theta - d * c(k.lr), m, v]
}

/// AdamW: the moments of the raw gradient, `m̂ = m/(1 − β₁ᵗ)`, `v̂ = v/(1 − β₂ᵗ)`,
/// `d = m̂/(√v̂ + ε)`, and the decoupled decay: `θ' = θ·(1 − λ·wd) − d·λ`. Outputs `θ'`, `m`, `v`.
fn adamw<N: Number>(
    k: &Constants,
    (theta, g, before): Inputs<N>,
    mistake: Option<Mistake>,
) -> Vec<N> {
    let c = N::exact;
    let (m, v) = moments(k, g, before);
    let d = (m / c(k.d1)) / denominator(v / c(k.d2), k.eps, mistake);
    let kept = if k.decay_rate != 0.0 {
        theta * c(k.decay_keep)
    } else {
        theta
    };
    vec![kept - d * c(k.lr), m, v]
}

/// AdaGrad, after any coupled decay: `s = s + g²` (first `g²`), `θ' = θ − (g/(√s + ε))·λₜ`.
/// Outputs `θ'`, `s`.
fn adagrad<N: Number>(
    k: &Constants,
    (theta, g, before): Inputs<N>,
    mistake: Option<Mistake>,
) -> Vec<N> {
    let q = g * g;
    let s = match before {
        [old] => *old + q,
        _ => q,
    };
    let d = g / denominator(s, k.eps, mistake);
    vec![theta - d * N::exact(k.lr_t), s]
}

/// RMSprop, after any coupled decay: the squares' average `a = a·α + g²·(1 − α)`, the
/// gradients' average `m` likewise when centered, `x = g/(√(a − m²) + ε)` (`√a + ε` if not
/// centered), the momentum buffer `b = b·μ + x`, and `θ' = θ − λ·(b or x)`; each first step
/// without the old term. Outputs `θ'`, then `a`, `m`, `b` as kept.
fn rmsprop<N: Number>(
    r: RmsPropSettings,
    k: &Constants,
    (theta, g, before): Inputs<N>,
    mistake: Option<Mistake>,
) -> Vec<N> {
    let c = N::exact;
    let first = before.is_empty();
    let averaged = |i: usize, k_old: f64, new: N| {
        if first {
            new
        } else {
            before[i] * c(k_old) + new
        }
    };
    let a = averaged(0, k.alpha, (g * g) * c(k.f_alpha));
    let mut out = vec![a];
    let avg = if r.centered {
        let m = averaged(1, k.alpha, g * c(k.f_alpha));
        out.push(m);
        if mistake == Some(Mistake::Uncentered) {
            a
        } else {
            a - m * m
        }
    } else {
        a
    };
    let x = g / denominator(avg, k.eps, mistake);
    let d = if r.momentum > 0.0 {
        let b = averaged(1 + usize::from(r.centered), k.mu, x);
        out.push(b);
        b
    } else {
        x
    };
    out.insert(0, theta - d * c(k.lr));
    out
}

/// Adan's entry as burn's `Adan` computes it: on the first step `m = g·(1 − β₁)`,
/// `v = g²·(1 − β₃)`, `n = 0`; after it, with the difference `δ = g − g_prev` (burn keeps
/// `−g_prev`), `m = m·β₁ + g·(1 − β₁)`, `n = n·β₂ + δ·(1 − β₂)`,
/// `v = v·β₃ + (δ·β₂ + g)²·(1 − β₃)`; then `den = √v / √(1 − β₃ᵗ) + ε`, the direction
/// `d = (m / (1 − β₁ᵗ)) / den + ((n·β₂) / (1 − β₂ᵗ)) / den`, and `θ' = (θ − d·λ) / (1 + λ·wd)`
/// (proximal), `θ·(1 − λ·wd) − d·λ` with no_prox. Outputs `θ'`, `m`, `v`, `n`, `−g`.
fn adan<N: Number>(k: &Constants, (theta, g, before): Inputs<N>) -> Vec<N> {
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
