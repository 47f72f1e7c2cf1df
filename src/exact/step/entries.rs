//! The walk over every entry of a step's inputs, laid out as the parameters.

use crate::config::Optimizer;
use crate::params::{LayerParams, OptimizerState, Params};

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
pub fn before(optimizer: Optimizer, state: &OptimizerState) -> Vec<&Params> {
    let names = optimizer.buffers();
    let found: Vec<&Params> = names.iter().filter_map(|n| state.buffer(n)).collect();
    if found.len() < names.len() {
        Vec::new()
    } else {
        found
    }
}
