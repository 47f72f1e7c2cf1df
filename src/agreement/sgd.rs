//! The bound of the SGD update (beside manual/sgd.rs).

use ndarray::Zip;

use crate::params::{LayerParams, Params};

/// The scales of the update `θ' = θ − λ·g` at parameters `theta` with gradient `grad`:
/// `S = |θ| + |λ·g| + |θ'|`.
pub fn update_scales(theta: &Params, grad: &Params, learning_rate: f64) -> Params {
    let scale = |t: f64, g: f64| {
        let step = learning_rate * g;
        t.abs() + step.abs() + (t - step).abs()
    };
    Params {
        layers: theta
            .layers
            .iter()
            .zip(&grad.layers)
            .map(|(t, g)| LayerParams {
                weight: Zip::from(&t.weight)
                    .and(&g.weight)
                    .map_collect(|&t, &g| scale(t, g)),
                bias: Zip::from(&t.bias)
                    .and(&g.bias)
                    .map_collect(|&t, &g| scale(t, g)),
            })
            .collect(),
    }
}
