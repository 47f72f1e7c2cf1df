//! The bound of the optimizer's step (beside manual/optimizer.rs), judged at burn's point: its
//! parameters `θ`, its gradient `g` and its state before the step (momentum buffer, moments),
//! all exact inputs, and burn's constants (the same numbers in both twins). The scale of the new
//! parameters and of each new state buffer, entry by entry, one first-order term per operation
//! (few operations: no `√k` here): derived from the step's formula where exact/step/ writes it
//! over `Number` (evaluated over rounded.rs's numbers, as the smooth activations' bounds are),
//! else written out in update/ (sgd.rs, adam.rs for Adam and AdamW, adagrad.rs, rmsprop.rs).

use super::rounded::Rounded;
use crate::config::{Optimizer, Precision};
use crate::exact::step::{Constants, Convention, before, formula, map_entries};
use crate::params::{OptimizerState, Params};
use adagrad::adagrad;
use adam::{adam, adamw};
use rmsprop::rmsprop;
use sgd::{plain, with_state};
use step::Entry;

pub mod adagrad;
pub mod adam;
pub mod rmsprop;
pub mod sgd;
pub mod step;

/// The scales of one step's results: the parameters, and each state buffer by name.
#[derive(Debug, Clone)]
pub struct UpdateScales {
    pub params: Params,
    pub buffers: Vec<(String, Params)>,
}

/// The scales of the step from `theta` with `grad` and `state` (burn's, before the step).
pub fn update_scales(
    optimizer: Optimizer,
    (theta, grad, state): (&Params, &Params, &OptimizerState),
    learning_rate: f64,
    precision: Precision,
) -> UpdateScales {
    let u = super::unit_roundoff(precision);
    let t = state.steps + 1;
    let names = optimizer.buffers();
    let before = before(optimizer, state);
    let first = before.is_empty();
    let convention = (precision, Convention::Burn);
    let constants = Constants::new(optimizer, (learning_rate, t), convention, None);
    // Per entry: the scale of θ' then one per buffer.
    let scale = |_, (theta, grad, before): (f64, f64, &[f64])| -> Vec<f64> {
        let e = Entry {
            theta,
            grad,
            before,
        };
        match optimizer {
            Optimizer::Sgd(s) if !optimizer.has_state() && s.weight_decay == 0.0 => {
                vec![plain(e, learning_rate)]
            }
            Optimizer::Sgd(s) => with_state(s, e, learning_rate, first),
            Optimizer::Adam(a) => adam(a, e, learning_rate, (t, first), u),
            Optimizer::AdamW(a) => adamw(a, e, learning_rate, (t, first), u),
            Optimizer::AdaGrad(a) => adagrad(a, e, learning_rate, (t, first), u),
            Optimizer::RmsProp(r) => rmsprop(r, e, learning_rate, first, u),
            // Every other optimizer's bound is derived from its formula.
            #[allow(unreachable_patterns)]
            _ => derived(optimizer, &constants, e, u),
        }
    };
    let outputs = map_entries(1 + names.len(), (theta, grad, &before), scale);
    let mut outputs = outputs.into_iter();
    UpdateScales {
        params: outputs.next().expect("the parameters' scales"),
        buffers: names.iter().map(|n| (*n).to_owned()).zip(outputs).collect(),
    }
}

/// The scales of an optimizer's results derived from its formula (exact/step/'s `formula`),
/// evaluated in the run's precision `u` at burn's exact inputs.
fn derived(optimizer: Optimizer, k: &Constants, e: Entry, u: f64) -> Vec<f64> {
    let before: Vec<Rounded> = e.before.iter().map(|&b| Rounded::input(b, u)).collect();
    let out = formula(
        optimizer,
        k,
        (Rounded::input(e.theta, u), Rounded::z(e.grad, u), &before),
    )
    .expect("an optimizer without a written bound has its step written over Number");
    out.iter().map(|o| o.r).collect()
}
