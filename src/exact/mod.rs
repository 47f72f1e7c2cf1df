//! The mathematics, written once: the network as the course defines it, computed exactly enough
//! (in f64, from plain values) to judge any implementation against it.
//!
//! - activation.rs: each hidden activation's value and derivative (and the classic mistaken
//!   derivatives, to name one);
//! - forward.rs: `z_i = h_i·W_i + b_i`, `h_{i+1} = a(z_i)`, the logits;
//! - loss.rs: the softmax, the mean cross-entropy and `∂L/∂logits = (p − onehot)/n`;
//! - backward.rs: the chain rule from the logits down, and `∂L/∂W_i = h_iᵀ·G_i`, `∂L/∂b_i = Σ G_i`;
//! - step.rs: one optimizer step, with `|∂/∂g|` of every result.
//!
//! Used by the rounding bound (agreement/), `mlp2d check` and `mlp2d grads`. It calls neither
//! twin, and neither twin calls it: the hand-written twin is what it judges.

use ndarray::Array2;

use crate::config::{Activation, Precision};
use crate::params::Params;

pub mod activation;
pub mod backward;
pub mod forward;
pub mod loss;
pub mod number;
pub mod step;

pub use activation::Mistake;
pub use backward::Backward;
pub use forward::Forward;

/// The unit roundoff `u` of a precision: half the distance from 1 to the next number.
pub fn unit_roundoff(precision: Precision) -> f64 {
    match precision {
        Precision::F32 => f32::EPSILON as f64 / 2.0,
        Precision::F64 => f64::EPSILON / 2.0,
    }
}

/// A value as an implementation in `precision` holds it.
pub fn round_to(v: f64, precision: Precision) -> f64 {
    match precision {
        Precision::F32 => v as f32 as f64,
        Precision::F64 => v,
    }
}

/// Every intermediate of one forward and backward pass, and the gradients.
#[derive(Debug, Clone)]
pub struct Pass {
    pub forward: Forward,
    pub backward: Backward,
    pub loss: f64,
    pub grads: Params,
}

/// The forward pass, the loss and the backward pass at `params` on `(x, y)`, with `mistake`
/// built into the backward (`None`: the right gradients).
pub fn pass(
    params: &Params,
    (x, y): (&Array2<f64>, &[usize]),
    a: Activation,
    mistake: Option<Mistake>,
) -> Pass {
    let forward = forward::forward(params, a, x);
    let softmax = loss::Softmax::of(forward.logits());
    let backward = backward::backward(params, &forward, softmax.grad(y), a, mistake);
    let grads = backward::param_grads(&forward, &backward, mistake);
    Pass {
        loss: softmax.mean_loss(forward.logits(), y),
        forward,
        backward,
        grads,
    }
}
