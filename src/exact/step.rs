//! One optimizer step in f64, per entry, as burn defines it (the formulas of
//! src/manual/{sgd,adam,adamw}.rs' module docs), under either [`Convention`] for its constants.
//!
//! burn keeps `β₁`, `β₂`, `ε`, the decay penalty and the momentum as f32 and computes Adam's
//! scalar factors in f32 on the host; under [`Convention::Burn`] those constants are computed
//! here in f32 the same way and enter the f64 computation widened exactly, and a constant that
//! burn computes in f64 (`1 − dampening`, AdamW's `1 − λ·wd`) is rounded to the problem's
//! precision. Under [`Convention::Exact`] every constant is the mathematics' own (PyTorch, numpy
//! with Python floats, the lecture), and [`constants_spread`] says how far holding each one in
//! the problem's precision can move a result.
//!
//! Besides each result, `|∂/∂g|` ([`Stepped`]) and, for a gradient known only to within `δ`, how
//! far that can carry into it ([`carried`], exact where the step is not linear in `g`).

use super::round_to;
use crate::config::{AdamSettings, Optimizer, Precision, SgdSettings};
use crate::params::{LayerParams, OptimizerState, Params};

/// Where a step's constants come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// burn's: f32 hyperparameters and f32 host arithmetic for Adam's factors.
    Burn,
    /// Every constant exact (held in f64 or in the problem's precision).
    Exact,
}

impl Convention {
    pub const ALL: [Convention; 2] = [Convention::Burn, Convention::Exact];

    /// What an answer that matches this convention did, for the report.
    pub fn text(self) -> &'static str {
        match self {
            Convention::Burn => "burn's f32 constants",
            Convention::Exact => "exact constants (f64, as PyTorch and numpy hold them)",
        }
    }
}

/// A classic mistake in the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mistake {
    /// Adam's moments used as they are: no `1/(1 − β₁ᵗ)`, `1/(1 − β₂ᵗ)`.
    NoBiasCorrection,
    /// `ε` inside the square root: `√(v̂ + ε)` where burn has `√v̂ + ε`.
    EpsInsideSqrt,
    /// SGD's step along `v` where Nesterov's is `v·μ + g`.
    NesterovMissing,
    /// Plain SGD `θ − λ·g` where another optimizer was asked.
    PlainSgd,
    /// SGD without its momentum (its weight decay kept).
    NoMomentum,
    /// Adam's coupled decay (`g + wd·θ`) where AdamW's decoupled `θ·(1 − λ·wd)` was asked.
    CoupledDecay,
    /// The weight decay left out.
    NoWeightDecay,
}

impl Mistake {
    /// The mistakes worth trying for `optimizer`.
    pub fn for_optimizer(optimizer: Optimizer) -> Vec<Mistake> {
        let mut all = match optimizer {
            Optimizer::Adam(_) => vec![Mistake::NoBiasCorrection, Mistake::EpsInsideSqrt],
            Optimizer::AdamW(a) => {
                let mut v = vec![Mistake::NoBiasCorrection, Mistake::EpsInsideSqrt];
                if a.weight_decay != 0.0 {
                    v.push(Mistake::CoupledDecay);
                }
                v
            }
            Optimizer::Sgd(SgdSettings {
                momentum, nesterov, ..
            }) if momentum > 0.0 => {
                let mut v = vec![Mistake::NoMomentum];
                if nesterov {
                    v.insert(0, Mistake::NesterovMissing);
                }
                v
            }
            Optimizer::Sgd(_) => Vec::new(),
        };
        if optimizer != Optimizer::default() {
            all.push(Mistake::PlainSgd);
        }
        if optimizer.weight_decay() != 0.0 {
            all.push(Mistake::NoWeightDecay);
        }
        all
    }

    /// The mistake's name, then what it is.
    pub fn text(self, asked: Optimizer) -> String {
        match self {
            Mistake::NoBiasCorrection => {
                "Adam without bias correction: the moments used as they are, not m/(1 − β₁ᵗ) and v/(1 − β₂ᵗ) with t = step + 1".to_owned()
            }
            Mistake::EpsInsideSqrt => {
                "ε inside the square root: √(v̂ + ε) where the step divides by √v̂ + ε".to_owned()
            }
            Mistake::NesterovMissing => {
                "Nesterov missing: the step along the velocity v, not Nesterov's v·μ + g".to_owned()
            }
            Mistake::PlainSgd => format!(
                "plain SGD where another optimizer was asked: θ − λ·g, not {}'s step",
                asked.name()
            ),
            Mistake::NoMomentum => {
                "no momentum: the step along g, not along the velocity v = μ·v + (1 − dampening)·g".to_owned()
            }
            Mistake::CoupledDecay => {
                "Adam's coupled weight decay where AdamW was asked: wd·θ added to the gradient, not the decoupled θ·(1 − λ·wd)".to_owned()
            }
            Mistake::NoWeightDecay => "weight decay left out: the step as if weight_decay = 0".to_owned(),
        }
    }

    /// The optimizer this mistake steps with in place of `asked`.
    fn optimizer(self, asked: Optimizer) -> Optimizer {
        match (self, asked) {
            (Mistake::PlainSgd, _) => Optimizer::default(),
            (Mistake::NoMomentum, Optimizer::Sgd(s)) => Optimizer::Sgd(SgdSettings {
                momentum: 0.0,
                dampening: 0.0,
                nesterov: false,
                ..s
            }),
            (Mistake::CoupledDecay, Optimizer::AdamW(a)) => Optimizer::Adam(a),
            (Mistake::NoWeightDecay, Optimizer::Sgd(s)) => Optimizer::Sgd(SgdSettings {
                weight_decay: 0.0,
                ..s
            }),
            (Mistake::NoWeightDecay, Optimizer::Adam(a)) => Optimizer::Adam(AdamSettings {
                weight_decay: 0.0,
                ..a
            }),
            (Mistake::NoWeightDecay, Optimizer::AdamW(a)) => Optimizer::AdamW(AdamSettings {
                weight_decay: 0.0,
                ..a
            }),
            _ => asked,
        }
    }
}

/// `b^t` in f32 by binary exponentiation, as Rust's `f32::powi` (compiler-rt's `__powisf2`)
/// computes it in burn.
pub fn powi_f32(b: f32, t: usize) -> f32 {
    let (mut r, mut a, mut n) = (1.0f32, b, t);
    loop {
        if n & 1 == 1 {
            r *= a;
        }
        n >>= 1;
        if n == 0 {
            return r;
        }
        a *= a;
    }
}

/// A result and `|∂/∂g|`.
type Out = (f64, f64);

/// One step's constants.
#[derive(Debug, Clone, Copy)]
pub struct Constants {
    lr: f64,
    /// SGD: `μ`, `1 − dampening`, Nesterov.
    mu: f64,
    keep: f64,
    nesterov: bool,
    /// Coupled decay penalty, SGD and Adam.
    penalty: f64,
    /// Adam/AdamW: `β₁`, `β₂`, `1 − β₁`, `1 − β₂`.
    b1: f64,
    b2: f64,
    f1: f64,
    f2: f64,
    /// Adam: `c = √(1 − β₂ᵗ)/(1 − β₁ᵗ)` and `ε·√(1 − β₂ᵗ)`.
    c: f64,
    eps_c2: f64,
    /// AdamW: `1 − β₁ᵗ`, `1 − β₂ᵗ`, `ε`, `λ·wd` and `1 − λ·wd`.
    d1: f64,
    d2: f64,
    eps: f64,
    decay_rate: f64,
    decay_keep: f64,
    /// Each held constant's relative error, in units of `u`, when an implementation computes it
    /// in its own precision ([`Constants::held_mut`]'s order).
    kappa: [f64; HELD],
}

impl Constants {
    /// The constants of step `t` (1-based) under `convention`, with `mistake` built in.
    pub fn new(
        optimizer: Optimizer,
        (lr, t): (f64, usize),
        (precision, convention): (Precision, Convention),
        mistake: Option<Mistake>,
    ) -> Constants {
        let mut k = Constants {
            lr,
            mu: 0.0,
            keep: 1.0,
            nesterov: false,
            penalty: 0.0,
            b1: 0.0,
            b2: 0.0,
            f1: 0.0,
            f2: 0.0,
            c: 1.0,
            eps_c2: 0.0,
            d1: 1.0,
            d2: 1.0,
            eps: 0.0,
            decay_rate: 0.0,
            decay_keep: 1.0,
            kappa: [0.0; HELD],
        };
        let burn = convention == Convention::Burn;
        // burn holds these in f32; exactly, they are what the settings say.
        let held = |v: f64| if burn { v as f32 as f64 } else { v };
        let rounded = |v: f64| if burn { round_to(v, precision) } else { v };
        match optimizer {
            Optimizer::Sgd(s) => {
                k.mu = held(s.momentum);
                k.keep = rounded(1.0 - s.dampening);
                k.nesterov = s.nesterov && mistake != Some(Mistake::NesterovMissing);
                k.penalty = held(s.weight_decay);
            }
            Optimizer::Adam(a) | Optimizer::AdamW(a) => {
                let corrected = mistake != Some(Mistake::NoBiasCorrection);
                let f = if burn {
                    adam_factors_f32(a.beta_1, a.beta_2, a.epsilon, t)
                } else {
                    adam_factors_exact(a.beta_1, a.beta_2, a.epsilon, t)
                };
                (k.b1, k.b2, k.f1, k.f2) = (f.b1, f.b2, f.f1, f.f2);
                let (d1, d2) = if corrected { (f.d1, f.d2) } else { (1.0, 1.0) };
                if let Optimizer::Adam(_) = optimizer {
                    let c2 = if burn {
                        (d2 as f32).sqrt() as f64
                    } else {
                        d2.sqrt()
                    };
                    k.c = if burn {
                        (c2 as f32 / d1 as f32) as f64
                    } else {
                        c2 / d1
                    };
                    k.eps_c2 = if burn {
                        (f.eps as f32 * c2 as f32) as f64
                    } else {
                        f.eps * c2
                    };
                    k.penalty = held(a.weight_decay);
                } else {
                    (k.d1, k.d2, k.eps) = (d1, d2, f.eps);
                    k.decay_rate = lr * held(a.weight_decay);
                    k.decay_keep = rounded(1.0 - k.decay_rate);
                }
            }
        }
        k.kappa = conditions(optimizer, t, (k.decay_rate, mistake));
        k
    }

    /// The constants an implementation may hold in its own precision (the learning rate is the
    /// problem's, already in it).
    fn held_mut(&mut self) -> [&mut f64; HELD] {
        [
            &mut self.mu,
            &mut self.keep,
            &mut self.penalty,
            &mut self.b1,
            &mut self.b2,
            &mut self.f1,
            &mut self.f2,
            &mut self.c,
            &mut self.eps_c2,
            &mut self.d1,
            &mut self.d2,
            &mut self.eps,
            &mut self.decay_rate,
            &mut self.decay_keep,
        ]
    }
}

/// How many constants [`Constants::held_mut`] lists.
const HELD: usize = 14;

/// The relative error, in units of `u`, of each held constant computed in precision `u` from the
/// settings (each setting rounded once): a setting 1; `1 − x` from `x`, `|x|/|1 − x| + 1` (the
/// cancellation); `1 − βᵗ`, βᵗ off by `(t + 2⌈log₂(t + 1)⌉)·u` relative (β's own rounding
/// raised to t, and the products of a binary exponentiation or an ulp of `powf`), then the same
/// cancellation; a product or quotient the sum of its factors' and 1 for itself; a square root
/// half its argument's and 1.
fn conditions(
    optimizer: Optimizer,
    t: usize,
    (decay_rate, mistake): (f64, Option<Mistake>),
) -> [f64; HELD] {
    let minus = |x: f64, kx: f64| kx * x.abs() / (1.0 - x).abs() + 1.0;
    let bits = (usize::BITS - (t + 1).leading_zeros()) as f64;
    let power = |b: f64| {
        if mistake == Some(Mistake::NoBiasCorrection) {
            return 0.0;
        }
        minus(b.powi(t as i32), t as f64 + 2.0 * bits)
    };
    let mut k = [0.0; HELD];
    match optimizer {
        Optimizer::Sgd(s) => {
            // mu, keep, penalty
            k[0] = 1.0;
            k[1] = minus(s.dampening, 1.0);
            k[2] = 1.0;
        }
        Optimizer::Adam(a) | Optimizer::AdamW(a) => {
            let (d1, d2) = (power(a.beta_1), power(a.beta_2));
            // penalty, b1, b2, f1, f2, c, eps_c2, d1, d2, eps, decay_rate, decay_keep
            k[2] = 1.0;
            k[3] = 1.0;
            k[4] = 1.0;
            k[5] = minus(a.beta_1, 1.0);
            k[6] = minus(a.beta_2, 1.0);
            k[7] = d2 / 2.0 + 1.0 + d1 + 1.0;
            k[8] = 1.0 + d2 / 2.0 + 1.0 + 1.0;
            k[9] = d1;
            k[10] = d2;
            k[11] = 1.0;
            k[12] = 2.0;
            k[13] = minus(decay_rate, 2.0);
        }
    }
    k
}

/// Adam's constants of step t: `β₁`, `β₂`, `ε`, `1 − β₁`, `1 − β₂`, `1 − β₁ᵗ`, `1 − β₂ᵗ`.
struct AdamFactors {
    b1: f64,
    b2: f64,
    eps: f64,
    f1: f64,
    f2: f64,
    d1: f64,
    d2: f64,
}

/// As burn computes them: in f32 on the host.
fn adam_factors_f32(beta_1: f64, beta_2: f64, epsilon: f64, t: usize) -> AdamFactors {
    let (b1, b2, eps) = (beta_1 as f32, beta_2 as f32, epsilon as f32);
    let w = |v: f32| v as f64;
    AdamFactors {
        b1: w(b1),
        b2: w(b2),
        eps: w(eps),
        f1: w(1.0 - b1),
        f2: w(1.0 - b2),
        d1: w(1.0 - powi_f32(b1, t)),
        d2: w(1.0 - powi_f32(b2, t)),
    }
}

/// Exactly (to f64's rounding: `1 − βᵗ` as `−expm1(t·ln β)`, without cancellation).
fn adam_factors_exact(beta_1: f64, beta_2: f64, epsilon: f64, t: usize) -> AdamFactors {
    let one_minus_pow = |b: f64| -((t as f64) * b.ln()).exp_m1();
    AdamFactors {
        b1: beta_1,
        b2: beta_2,
        eps: epsilon,
        f1: 1.0 - beta_1,
        f2: 1.0 - beta_2,
        d1: one_minus_pow(beta_1),
        d2: one_minus_pow(beta_2),
    }
}

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
    let (den, dden) = if mistake == Some(Mistake::EpsInsideSqrt) {
        let r = (x + e).sqrt();
        (r, if r > 0.0 { dx / (2.0 * r) } else { 0.0 })
    } else {
        let r = x.sqrt();
        (r + e, if r > 0.0 { dx / (2.0 * r) } else { 0.0 })
    };
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

/// How far a gradient off by up to `delta` moves each result of the entry: the largest change
/// at `g ± delta` and `g ± delta/2`, and never less than `|∂/∂g|·delta` (the step is close to
/// monotone in `g`, so its extremes over the interval are at the ends; the halves and the
/// slope catch a turn inside it). Exact where the step is not linear in `g`: the second
/// moment's `g²`, the square root near 0, the quotient.
pub fn carried(
    optimizer: Optimizer,
    k: &Constants,
    (theta, g, before): (f64, f64, &[f64]),
    delta: f64,
    mistake: Option<Mistake>,
) -> Vec<f64> {
    let at = entry(optimizer, k, (theta, g, before), mistake);
    let mut out: Vec<f64> = at.iter().map(|&(_, slope)| slope * delta).collect();
    if delta == 0.0 || !delta.is_finite() {
        return out;
    }
    for shift in [delta, -delta, delta / 2.0, -delta / 2.0] {
        let moved = entry(optimizer, k, (theta, g + shift, before), mistake);
        for ((o, &(r, _)), (m, _)) in out.iter_mut().zip(&at).zip(moved) {
            *o = o.max((m - r).abs());
        }
    }
    out
}

/// `Σ_c κ_c·|∂r/∂c|·|c|` over the constants an implementation may hold or compute in its own
/// precision, `κ_c` each one's relative error in units of `u` ([`conditions`]): times `u`, how
/// far those errors can move each result (central differences at a relative step of 2⁻²⁰; the
/// step is smooth in its constants).
pub fn constants_spread(
    optimizer: Optimizer,
    k: &Constants,
    (theta, g, before): (f64, f64, &[f64]),
    mistake: Option<Mistake>,
) -> Vec<f64> {
    const ETA: f64 = 1.0 / 1_048_576.0;
    let outputs = 1 + optimizer.buffers().len();
    let mut spread = vec![0.0; outputs];
    for c in 0..HELD {
        if k.kappa[c] == 0.0 {
            continue;
        }
        let eval = |factor: f64| {
            let mut moved = *k;
            *moved.held_mut()[c] *= factor;
            entry(optimizer, &moved, (theta, g, before), mistake)
        };
        let (up, down) = (eval(1.0 + ETA), eval(1.0 - ETA));
        for ((s, (a, _)), (b, _)) in spread.iter_mut().zip(up).zip(down) {
            *s += k.kappa[c] * (a - b).abs() / (2.0 * ETA);
        }
    }
    spread
}

/// Where one entry sits: layer, bias or weight, and its index in row-major order.
#[derive(Debug, Clone, Copy)]
pub struct Loc {
    pub layer: usize,
    pub bias: bool,
    pub index: usize,
}

impl Loc {
    /// The entry of `p` at this place.
    pub fn of(self, p: &Params) -> f64 {
        let l = &p.layers[self.layer];
        if self.bias {
            l.bias[self.index]
        } else {
            l.weight.as_slice().expect("row-major")[self.index]
        }
    }
}

/// Every entry of a step's inputs: `θ`, `g` and the state buffers before the step (none on the
/// first step), mapped by `f` to one value per output (`θ'`, then each buffer), laid out as the
/// parameters.
pub fn map_entries(
    outputs: usize,
    (theta, grad, before): (&Params, &Params, &[&Params]),
    mut f: impl FnMut(Loc, (f64, f64, &[f64])) -> Vec<f64>,
) -> Vec<Params> {
    let mut layers: Vec<Vec<LayerParams>> = vec![Vec::new(); outputs];
    for (i, (th, g)) in theta.layers.iter().zip(&grad.layers).enumerate() {
        let mut one = |bias: bool, index: usize, theta: f64, grad: f64| {
            let loc = Loc {
                layer: i,
                bias,
                index,
            };
            let old: Vec<f64> = before.iter().map(|p| loc.of(p)).collect();
            f(loc, (theta, grad, &old))
        };
        let weight: Vec<Vec<f64>> = th
            .weight
            .iter()
            .zip(&g.weight)
            .enumerate()
            .map(|(j, (&t, &g))| one(false, j, t, g))
            .collect();
        let bias: Vec<Vec<f64>> = th
            .bias
            .iter()
            .zip(&g.bias)
            .enumerate()
            .map(|(j, (&t, &g))| one(true, j, t, g))
            .collect();
        for (o, out) in layers.iter_mut().enumerate() {
            out.push(LayerParams {
                weight: ndarray::Array2::from_shape_vec(
                    th.weight.raw_dim(),
                    weight.iter().map(|e| e[o]).collect(),
                )
                .expect("the weight's shape"),
                bias: bias.iter().map(|e| e[o]).collect(),
            });
        }
    }
    layers.into_iter().map(|layers| Params { layers }).collect()
}

/// The state buffers before a step (in `Optimizer::buffers` order; empty on the first step).
pub fn before<'a>(optimizer: Optimizer, state: &'a OptimizerState) -> Vec<&'a Params> {
    let names = optimizer.buffers();
    let found: Vec<&Params> = names.iter().filter_map(|n| state.buffer(n)).collect();
    if found.len() < names.len() {
        Vec::new()
    } else {
        found
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AdamSettings;

    fn adamw() -> Optimizer {
        Optimizer::AdamW(AdamSettings {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-5,
            weight_decay: 0.05,
        })
    }

    fn constants(o: Optimizer, t: usize, p: Precision, c: Convention) -> Constants {
        Constants::new(o, (0.01, t), (p, c), None)
    }

    /// Under the exact convention the step is the lecture's formula in f64:
    /// `θ − λ·(m̂/(√v̂ + ε) + wd·θ)`.
    #[test]
    fn the_exact_step_is_the_textbooks() {
        let (theta, g, m0, v0) = (0.3, -0.02, 0.01, 4e-4);
        for t in [1usize, 2, 7] {
            let k = constants(adamw(), t, Precision::F64, Convention::Exact);
            let before: &[f64] = if t == 1 { &[] } else { &[m0, v0] };
            let got = entry(adamw(), &k, (theta, g, before), None);
            let (m_old, v_old) = if t == 1 { (0.0, 0.0) } else { (m0, v0) };
            let m = 0.9 * m_old + 0.1 * g;
            let v = 0.999 * v_old + 0.001 * g * g;
            let (m_hat, v_hat) = (
                m / (1.0 - 0.9f64.powi(t as i32)),
                v / (1.0 - 0.999f64.powi(t as i32)),
            );
            let want = theta - 0.01 * (m_hat / (v_hat.sqrt() + 1e-5) + 0.05 * theta);
            assert!(
                (got[0].0 - want).abs() <= 1e-15 * want.abs(),
                "t {t}: {} vs {want}",
                got[0].0
            );
            assert!((got[2].0 - v).abs() <= 1e-15 * v, "t {t}");
        }
    }

    /// burn's constants are f32 arithmetic: `1 − β₂` is 0.00099998713, not 0.001; in f32 the
    /// exact convention's spread covers that (an f32 implementation may compute its constants
    /// either way), in f64 it does not (burn's own f32 constants are their own convention).
    #[test]
    fn the_spread_of_f32_constants_covers_burns_in_f32_only() {
        let burn = constants(adamw(), 1, Precision::F32, Convention::Burn);
        assert_eq!(burn.f2, (1.0f32 - 0.999f32) as f64);
        assert!((burn.f2 / 0.001 - 1.0).abs() > 1e-5);
        for t in [1usize, 3, 50] {
            for g in [1e-3, -0.4, 2.0] {
                let before: &[f64] = if t == 1 { &[] } else { &[0.01, 4e-4] };
                let e = (0.3, g, before);
                for (p, covered) in [(Precision::F32, true), (Precision::F64, false)] {
                    let exact = constants(adamw(), t, p, Convention::Exact);
                    let burn = constants(adamw(), t, p, Convention::Burn);
                    let spread = constants_spread(adamw(), &exact, e, None);
                    let (a, b) = (
                        entry(adamw(), &exact, e, None),
                        entry(adamw(), &burn, e, None),
                    );
                    let u = super::super::unit_roundoff(p);
                    for o in 0..3 {
                        let within = (a[o].0 - b[o].0).abs() <= u * spread[o];
                        assert_eq!(within, covered, "{p:?} t {t} g {g} output {o}");
                    }
                }
            }
        }
    }

    /// Where the gradient is much smaller than its own possible error, `v = (1 − β₂)·g²` moves
    /// by `(1 − β₂)·δ²`, which the slope `2·|g|·(1 − β₂)·δ` misses entirely.
    #[test]
    fn the_carried_error_holds_the_square() {
        let k = constants(adamw(), 1, Precision::F32, Convention::Burn);
        let (g, delta) = (1e-15, 3e-9);
        let slope_only = entry(adamw(), &k, (0.3, g, &[]), None)[2].1 * delta;
        let carried = carried(adamw(), &k, (0.3, g, &[]), delta, None);
        let moved = ((g + delta) * (g + delta) - g * g) * k.f2;
        assert!(carried[2] >= moved, "{} < {moved}", carried[2]);
        assert!(slope_only < moved / 1e5, "{slope_only} vs {moved}");
    }

    /// The binary exponentiation here is Rust's `f32::powi`, bit for bit, for the β's burn
    /// raises to the step.
    #[test]
    fn powi_f32_is_rusts() {
        for b in [0.9f32, 0.999, 0.95, 0.99, 0.5, 0.8, 0.9999] {
            for t in 1..=300usize {
                assert_eq!(
                    powi_f32(b, t).to_bits(),
                    b.powi(t as i32).to_bits(),
                    "{b}^{t}"
                );
            }
        }
    }
}
