//! The bound of the optimizer's step (beside manual/optimizer.rs), judged at burn's point: its
//! parameters `θ`, its gradient `g` and its state before the step (momentum buffer, moments),
//! all exact inputs, and burn's constants (the same numbers in both twins). The scale of the new
//! parameters and of each new state buffer, entry by entry: derived, not written, from the step
//! exact/step/formula.rs writes once over `Number`, evaluated over rounded.rs's numbers (each
//! `+ − × ÷` its `|result|`, none for a product by a power of two, `√x` to first order capped by
//! `√δ`), as the smooth activations' bounds are.

use super::rounded::Rounded;
use crate::config::{Optimizer, Precision};
use crate::exact::step::{Constants, Convention, before, formula, map_entries};
use crate::params::{OptimizerState, Params};

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
    let names = optimizer.buffers();
    let before = before(optimizer, state);
    let k = Constants::new(
        optimizer,
        (learning_rate, state.steps + 1),
        (precision, Convention::Burn),
        None,
    );
    // Per entry: the scale of θ' then one per buffer.
    let scale = |_, (theta, grad, before): (f64, f64, &[f64])| -> Vec<f64> {
        let before: Vec<Rounded> = before.iter().map(|&b| Rounded::input(b, u)).collect();
        let inputs = (Rounded::input(theta, u), Rounded::z(grad, u), &before[..]);
        formula(optimizer, &k, inputs, None)
            .iter()
            .map(|o| o.r)
            .collect()
    };
    let outputs = map_entries(1 + names.len(), (theta, grad, &before), scale);
    let mut outputs = outputs.into_iter();
    UpdateScales {
        params: outputs.next().expect("the parameters' scales"),
        buffers: names.iter().map(|n| (*n).to_owned()).zip(outputs).collect(),
    }
}
