//! The bound of the optimizer's step (beside manual/optimizer.rs), judged at burn's point: its
//! parameters `θ`, its gradient `g` and its state before the step (momentum buffer, moments),
//! all exact inputs. Each step's formula in sgd.rs, adam.rs (Adam and AdamW), adagrad.rs and rmsprop.rs gives the scale of the
//! new parameters and of each new state buffer, entry by entry, one first-order term per
//! operation (few operations: no `√k` here).

use crate::config::{Optimizer, Precision};
use crate::exact::step::{before, map_entries};
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
        }
    };
    let outputs = map_entries(1 + names.len(), (theta, grad, &before), scale);
    let mut outputs = outputs.into_iter();
    UpdateScales {
        params: outputs.next().expect("the parameters' scales"),
        buffers: names.iter().map(|n| (*n).to_owned()).zip(outputs).collect(),
    }
}
