//! One optimizer step in f64, per entry, as burn defines it: each optimizer's formula written
//! once over `Number` in formula.rs (which the bound, agreement/update.rs, evaluates too), under
//! either [`Convention`] for its constants.
//!
//! burn keeps `β₁`, `β₂`, `ε`, the decay penalty and the momentum as f32 and computes Adam's
//! scalar factors in f32 on the host; under [`Convention::Burn`] those constants are computed
//! here in f32 the same way and enter the f64 computation widened exactly, and a constant that
//! burn computes in f64 (`1 − dampening`, AdamW's `1 − λ·wd`, AdaGrad's `λₜ`) is rounded to the problem's
//! precision. Under [`Convention::Exact`] every constant is the mathematics' own (PyTorch, numpy
//! with Python floats, the lecture), and [`constants_spread`] says how far holding each one in
//! the problem's precision can move a result.
//!
//! Besides each result, `|∂/∂g|` (the formula over [`Slope`]; [`Stepped`]) and, for a gradient known only to within `δ`, how
//! far that can carry into it ([`carried`], exact where the step is not linear in `g`).

use super::number::{Number, Slope};
use crate::config::{Optimizer, Precision};
use crate::params::{OptimizerState, Params};

pub mod bounds;
mod constants;
mod entries;
mod formula;
mod mistake;
#[cfg(test)]
mod tests;

use constants::HELD;
pub use constants::{Constants, Convention, powi_f32};
pub use entries::{Loc, before, map_entries};
pub use formula::formula;
pub use mistake::Mistake;

/// A result and `|∂/∂g|`.
type Out = (f64, f64);

/// One entry's step: `θ'` then each buffer, each with `|∂/∂g|`: [`formula`] over [`Slope`].
pub fn entry(
    optimizer: Optimizer,
    k: &Constants,
    (theta, g, before): (f64, f64, &[f64]),
    mistake: Option<Mistake>,
) -> Vec<Out> {
    let before: Vec<Slope> = before.iter().map(|&b| Slope::exact(b)).collect();
    formula(
        optimizer,
        k,
        (Slope::exact(theta), Slope::input(g), &before),
        mistake,
    )
    .iter()
    .map(|o| (o.v, o.d))
    .collect()
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
