//! `check --twin burn`: a problem answered by the burn twin (src/burn_mlp.rs) in the problem's
//! precision on burn-flex: burn's autodiff for every gradient, burn-optim's optimizer for the
//! step from the problem's state.

use anyhow::Result;

use super::Problem;
use super::answer::Answer;
use super::twin::Builder;
use crate::burn_mlp::BurnTwin;
use crate::config::{Backend, NetSpec};

pub fn answer(p: &Problem) -> Result<Answer> {
    let spec = NetSpec {
        precision: p.precision,
        activation: p.activation,
        optimizer: p.optimizer,
        learning_rate: p.learning_rate,
    };
    let mut twin = BurnTwin::new(&p.params, spec, Backend::Flex)?;
    let t = twin.traced_step(&p.x, &p.y, &p.state);
    let mut b = Builder::new(p.precision);
    b.outputs(&t.outputs);
    b.loss(t.loss);
    b.backward(&t.grad_preactivations, &t.grad_outputs);
    b.params("grad.", &t.grads);
    b.params("next.", &twin.params());
    b.state(&twin.optimizer_state());
    Ok(b.finish())
}
