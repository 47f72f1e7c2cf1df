//! An optimizer's state as plain values: what both twins keep between steps (a momentum buffer,
//! Adam's two moments, AdaGrad's sum, RMSprop's averages and buffer), one set of tensors in the
//! parameters' layout per buffer.

use super::{Params, Tensor};
use crate::config::Precision;

/// The state after `steps` steps: each buffer under burn's name for it (`velocity`,
/// `moment_1`, `moment_2`, `sum`, `square_avg`, `grad_avg`, `buf`: `config::Optimizer::buffers`),
/// empty before the first step and for plain SGD.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OptimizerState {
    pub steps: usize,
    pub buffers: Vec<(String, Params)>,
}

impl OptimizerState {
    /// The buffer named `name`, if the optimizer keeps one (and has stepped).
    pub fn buffer(&self, name: &str) -> Option<&Params> {
        self.buffers.iter().find(|(n, _)| n == name).map(|(_, p)| p)
    }

    /// Every buffer's tensors as `{buffer}.layers.{i}.weight|bias`, for safetensors files.
    pub fn tensors(&self, precision: Precision) -> Vec<Tensor> {
        self.buffers
            .iter()
            .flat_map(|(name, p)| p.tensors(&format!("{name}."), precision))
            .collect()
    }

    /// The same state with every value rounded to `precision`.
    pub fn rounded(&self, precision: Precision) -> OptimizerState {
        OptimizerState {
            steps: self.steps,
            buffers: self
                .buffers
                .iter()
                .map(|(n, p)| (n.clone(), p.rounded(precision)))
                .collect(),
        }
    }
}
