//! When a run has diverged: a NaN or infinite loss or gradient, or a loss 1000 times its start.

use crate::metrics::RunResult;
use crate::params::{Params, tensor_name};

/// A run whose loss or gradients became NaN or infinite, or whose loss grew more than
/// [`LOSS_BLOWUP`] times: the error a [`crate::lockstep::Lockstep`] step or epoch returns
/// then (inside an `anyhow::Error`; `downcast_ref::<Diverged>()` finds it), with the epochs
/// completed before the step that diverged. Its message names the step, the twin and the tensor.
#[derive(Debug)]
pub struct Diverged {
    pub message: String,
    /// Where, and the loss it reached.
    pub at: Blowup,
    /// Metrics of the completed epochs; the parameters at the step that diverged.
    pub partial: Box<RunResult>,
}

/// Where a run diverged: the epoch (from 1), the global step (from 0; at the end of an epoch,
/// the steps taken, when the loss on the whole split blew up) and the loss of that step (NaN
/// or infinite when it was; a finite loss when a gradient was not).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blowup {
    pub epoch: usize,
    pub step: usize,
    pub loss: f64,
}

impl std::fmt::Display for Diverged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diverged {}

fn diverged(epoch: usize, step: usize, twin: &str, what: &str) -> String {
    format!(
        "training diverged at epoch {epoch}, step {step}: the {twin} twin's {what} is NaN or infinite; \
         try a smaller learning_rate or init = \"he\""
    )
}

/// How far a step's loss may rise above the initial loss (or 1, if that is smaller) before the
/// run counts as diverged. f64 reaches 1e308 before it overflows, so an overshooting run can
/// climb for a long while, or stall with every ReLU dead, without ever becoming NaN; healthy
/// runs, even from N(0, 1) on deep nets, stay far below this.
pub const LOSS_BLOWUP: f64 = 1e3;

/// A loss that is NaN, infinite or [`LOSS_BLOWUP`] times too large, as the message to stop with.
pub fn check_loss(
    loss: f64,
    initial_loss: f64,
    epoch: usize,
    step: usize,
    twin: &str,
) -> Result<(), String> {
    if !loss.is_finite() {
        return Err(diverged(epoch, step, twin, "loss"));
    }
    if loss > LOSS_BLOWUP * initial_loss.max(1.0) {
        return Err(format!(
            "training diverged at epoch {epoch}, step {step}: the {twin} twin's loss grew from \
             {initial_loss:.4} to {loss:.3e}; try a smaller learning_rate or init = \"he\""
        ));
    }
    Ok(())
}

/// The first sign of divergence in one twin's step, as the message to stop with.
pub fn check_sane(
    loss: f64,
    grads: &Params,
    initial_loss: f64,
    epoch: usize,
    step: usize,
    twin: &str,
) -> Result<(), String> {
    check_loss(loss, initial_loss, epoch, step, twin)?;
    match non_finite(loss, grads) {
        Some(what) => Err(diverged(epoch, step, twin, &what)),
        None => Ok(()),
    }
}

/// What is NaN or infinite in a step's loss and gradients, first: `loss` or
/// `gradient of layers.{i}.weight|bias`.
pub fn non_finite(loss: f64, grads: &Params) -> Option<String> {
    if !loss.is_finite() {
        return Some("loss".to_owned());
    }
    grads.layers.iter().enumerate().find_map(|(i, l)| {
        if !l.weight.iter().all(|v| v.is_finite()) {
            Some(format!("gradient of {}", tensor_name(i, false)))
        } else if !l.bias.iter().all(|v| v.is_finite()) {
            Some(format!("gradient of {}", tensor_name(i, true)))
        } else {
            None
        }
    })
}
