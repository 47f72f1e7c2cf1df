//! `check --twin manual`: a problem answered by the hand-written twin (src/manual/) in the
//! problem's precision: its forward and backward pass, every intermediate it keeps, and one
//! step of its optimizer from the problem's state.

use anyhow::Result;
use ndarray::Array2;

use super::Problem;
use super::answer::Answer;
use super::twin::Builder;
use crate::config::Precision;
use crate::manual::{Mlp, Optimizer, Scalar};

pub fn answer(problem: &Problem) -> Result<Answer> {
    Ok(match problem.precision {
        Precision::F32 => answer_in::<f32>(problem),
        Precision::F64 => answer_in::<f64>(problem),
    })
}

fn answer_in<T: Scalar>(p: &Problem) -> Answer {
    let plain = |a: Vec<Array2<T>>| -> Vec<Array2<f64>> {
        a.into_iter().map(|a| a.mapv(T::into_f64)).collect()
    };
    let mut net = Mlp::<T>::from_params(&p.params, p.activation);
    let n = p.rows();
    let loss = net.loss_and_backward(&p.x.mapv(T::of_f64), &p.y);
    let mut b = Builder::new(p.precision);
    b.outputs(&plain(net.layer_outputs(n)));
    b.loss(loss.into_f64());
    b.backward(
        &plain(net.preactivation_grads(n)),
        &plain(net.output_grads(n)),
    );
    b.params("grad.", &net.grads());
    let mut optimizer = Optimizer::<T>::new(p.optimizer, p.learning_rate);
    optimizer.set_state(&p.state);
    optimizer.step(&mut net);
    b.params("next.", &net.params());
    b.state(&optimizer.state(&net));
    b.finish()
}
