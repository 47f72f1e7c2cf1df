//! The bound of the optimizer's step (beside manual/optimizer.rs), judged at burn's point: its
//! parameters `θ`, its gradient `g` and its state before the step (momentum buffer, moments),
//! all exact inputs. Each step's formula in sgd.rs, adam.rs and adamw.rs gives the scale of the
//! new parameters and of each new state buffer, entry by entry, one first-order term per
//! operation (few operations: no `√k` here).

use super::adam::{adam, adamw};
use super::sgd::{plain, with_state};
use super::step::Entry;
use crate::config::{Optimizer, Precision};
use crate::params::{LayerParams, OptimizerState, Params};

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
    let before: Vec<&Params> = names.iter().filter_map(|n| state.buffer(n)).collect();
    let first = before.len() < names.len();
    // Per entry: the scale of θ' then one per buffer.
    let scale = |e: Entry| -> Vec<f64> {
        match optimizer {
            Optimizer::Sgd(s) if !optimizer.has_state() && s.weight_decay == 0.0 => {
                vec![plain(e, learning_rate)]
            }
            Optimizer::Sgd(s) => with_state(s, e, learning_rate, first),
            Optimizer::Adam(a) => adam(a, e, learning_rate, (t, first), u),
            Optimizer::AdamW(a) => adamw(a, e, learning_rate, (t, first), u),
        }
    };
    let mut outputs: Vec<Vec<LayerParams>> = vec![Vec::new(); names.len() + 1];
    for (i, (th, g)) in theta.layers.iter().zip(&grad.layers).enumerate() {
        let b_layers: Vec<&LayerParams> = if first {
            Vec::new()
        } else {
            before.iter().map(|p| &p.layers[i]).collect()
        };
        let weight: Vec<Vec<f64>> = th
            .weight
            .iter()
            .zip(&g.weight)
            .enumerate()
            .map(|(k, (&theta, &grad))| {
                let b: Vec<f64> = b_layers
                    .iter()
                    .map(|l| l.weight.as_slice().expect("row-major")[k])
                    .collect();
                scale(Entry {
                    theta,
                    grad,
                    before: &b,
                })
            })
            .collect();
        let bias: Vec<Vec<f64>> = th
            .bias
            .iter()
            .zip(&g.bias)
            .enumerate()
            .map(|(k, (&theta, &grad))| {
                let b: Vec<f64> = b_layers.iter().map(|l| l.bias[k]).collect();
                scale(Entry {
                    theta,
                    grad,
                    before: &b,
                })
            })
            .collect();
        for (o, out) in outputs.iter_mut().enumerate() {
            out.push(LayerParams {
                weight: ndarray::Array2::from_shape_vec(
                    th.weight.raw_dim(),
                    weight.iter().map(|s| s[o]).collect(),
                )
                .expect("the weight's shape"),
                bias: bias.iter().map(|s| s[o]).collect(),
            });
        }
    }
    let mut outputs = outputs.into_iter().map(|layers| Params { layers });
    UpdateScales {
        params: outputs.next().expect("the parameters' scales"),
        buffers: names.iter().map(|n| (*n).to_owned()).zip(outputs).collect(),
    }
}
