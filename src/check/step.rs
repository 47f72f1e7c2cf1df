//! One optimizer step in f64, as burn takes it, for the reference of `next.*`: written here from
//! burn's definitions (the formulas of src/manual/{sgd,adam,adamw}.rs' module docs), calling
//! neither twin. burn keeps `β₁`, `β₂`, `ε`, the decay penalty and the momentum as f32 and
//! computes Adam's scalar factors in f32 on the host; those constants are computed here in f32
//! the same way and enter the f64 computation widened exactly. A constant that burn computes in
//! f64 (`1 − dampening`, AdamW's `1 − λ·wd`) is rounded to the problem's precision, as an
//! implementation in that precision holds it.
//!
//! Besides each result, `|∂/∂g|`: how far an answer's own rounded gradient carries into it.

use crate::agreement::round_to;
use crate::config::{Optimizer, Precision, SgdSettings};
use crate::params::{LayerParams, OptimizerState, Params};

/// A classic mistake in the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mistake {
    /// Adam's moments used as they are: no `1/(1 − β₁ᵗ)`, `1/(1 − β₂ᵗ)`.
    NoBiasCorrection,
    /// `ε` inside the square root: `√(v̂ + ε)` where burn has `√v̂ + ε`.
    EpsInsideSqrt,
    /// SGD's step along `v` where Nesterov's is `v·μ + g`.
    NesterovMissing,
}

impl Mistake {
    /// The mistakes worth trying for `optimizer`.
    pub fn for_optimizer(optimizer: Optimizer) -> Vec<Mistake> {
        match optimizer {
            Optimizer::Adam(_) | Optimizer::AdamW(_) => {
                vec![Mistake::NoBiasCorrection, Mistake::EpsInsideSqrt]
            }
            Optimizer::Sgd(SgdSettings {
                momentum, nesterov, ..
            }) if momentum > 0.0 && nesterov => vec![Mistake::NesterovMissing],
            Optimizer::Sgd(_) => Vec::new(),
        }
    }

    /// The mistake's name, then what it is.
    pub fn text(self) -> &'static str {
        match self {
            Mistake::NoBiasCorrection => {
                "Adam without bias correction: the moments used as they are, not m/(1 − β₁ᵗ) and v/(1 − β₂ᵗ) with t = step + 1"
            }
            Mistake::EpsInsideSqrt => {
                "ε inside the square root: √(v̂ + ε) where the step divides by √v̂ + ε"
            }
            Mistake::NesterovMissing => {
                "Nesterov missing: the step along the velocity v, not Nesterov's v·μ + g"
            }
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

/// burn's constants of one step.
#[derive(Debug, Clone, Copy)]
struct Constants {
    lr: f64,
    /// SGD: `μ` (f32), `1 − dampening` (rounded), Nesterov.
    mu: f64,
    keep: f64,
    nesterov: bool,
    /// Coupled decay penalty (f32), SGD and Adam.
    penalty: f64,
    /// Adam/AdamW: `β₁`, `β₂`, `1 − β₁`, `1 − β₂` (f32).
    b1: f64,
    b2: f64,
    f1: f64,
    f2: f64,
    /// Adam: `c = √(1 − β₂ᵗ)/(1 − β₁ᵗ)` and `ε·√(1 − β₂ᵗ)` (f32).
    c: f64,
    eps_c2: f64,
    /// AdamW: `1 − β₁ᵗ`, `1 − β₂ᵗ`, `ε` (f32), `λ·wd` (f64) and `1 − λ·wd` (rounded).
    d1: f64,
    d2: f64,
    eps: f64,
    decay_rate: f64,
    decay_keep: f64,
}

fn constants(
    optimizer: Optimizer,
    lr: f64,
    t: usize,
    precision: Precision,
    mistake: Option<Mistake>,
) -> Constants {
    let w = |v: f32| v as f64;
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
    };
    match optimizer {
        Optimizer::Sgd(s) => {
            k.mu = w(s.momentum as f32);
            k.keep = round_to(1.0 - s.dampening, precision);
            k.nesterov = s.nesterov && mistake != Some(Mistake::NesterovMissing);
            k.penalty = w(s.weight_decay as f32);
        }
        Optimizer::Adam(a) | Optimizer::AdamW(a) => {
            let (b1, b2, eps) = (a.beta_1 as f32, a.beta_2 as f32, a.epsilon as f32);
            let weight_decay = a.weight_decay;
            (k.b1, k.b2, k.f1, k.f2) = (w(b1), w(b2), w(1.0 - b1), w(1.0 - b2));
            let corrected = mistake != Some(Mistake::NoBiasCorrection);
            let (d1, d2) = if corrected {
                (1.0 - powi_f32(b1, t), 1.0 - powi_f32(b2, t))
            } else {
                (1.0, 1.0)
            };
            if let Optimizer::Adam(_) = optimizer {
                let c2 = d2.sqrt();
                k.c = w(c2 / d1);
                k.eps_c2 = w(eps * c2);
                k.penalty = w(weight_decay as f32);
            } else {
                (k.d1, k.d2, k.eps) = (w(d1), w(d2), w(eps));
                k.decay_rate = lr * w(weight_decay as f32);
                k.decay_keep = round_to(1.0 - k.decay_rate, precision);
            }
        }
    }
    k
}

/// One entry's step: `θ'` then each buffer, each with `|∂/∂g|`.
fn entry(
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
            let (m, v) = if first {
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
    lr: f64,
    precision: Precision,
    mistake: Option<Mistake>,
) -> Stepped {
    let names = optimizer.buffers();
    let before: Vec<&Params> = names.iter().filter_map(|n| state.buffer(n)).collect();
    let first = before.len() < names.len();
    let k = constants(optimizer, lr, state.steps + 1, precision, mistake);
    let outputs = 1 + names.len();
    let mut layers: Vec<Vec<(LayerParams, LayerParams)>> = vec![Vec::new(); outputs];
    for (i, (th, g)) in theta.layers.iter().zip(&grad.layers).enumerate() {
        let old = |bias: bool, j: usize| -> Vec<f64> {
            if first {
                return Vec::new();
            }
            before
                .iter()
                .map(|p| {
                    let l = &p.layers[i];
                    if bias {
                        l.bias[j]
                    } else {
                        l.weight.as_slice().expect("row-major")[j]
                    }
                })
                .collect()
        };
        let weight: Vec<Vec<Out>> = th
            .weight
            .iter()
            .zip(&g.weight)
            .enumerate()
            .map(|(j, (&t, &g))| entry(optimizer, &k, (t, g, &old(false, j)), mistake))
            .collect();
        let bias: Vec<Vec<Out>> = th
            .bias
            .iter()
            .zip(&g.bias)
            .enumerate()
            .map(|(j, (&t, &g))| entry(optimizer, &k, (t, g, &old(true, j)), mistake))
            .collect();
        for (o, out) in layers.iter_mut().enumerate() {
            let pick = |f: fn(Out) -> f64| LayerParams {
                weight: ndarray::Array2::from_shape_vec(
                    th.weight.raw_dim(),
                    weight.iter().map(|e| f(e[o])).collect(),
                )
                .expect("the weight's shape"),
                bias: bias.iter().map(|e| f(e[o])).collect(),
            };
            out.push((pick(|e| e.0), pick(|e| e.1)));
        }
    }
    let mut outputs = layers.into_iter().map(|ls| {
        let (values, slopes): (Vec<_>, Vec<_>) = ls.into_iter().unzip();
        (Params { layers: values }, Params { layers: slopes })
    });
    Stepped {
        params: outputs.next().expect("θ'"),
        buffers: names
            .iter()
            .zip(outputs)
            .map(|(n, (v, s))| (*n, v, s))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::powi_f32;

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
