//! The twins as the harness, the pictures and `grads` build them: the hand-written twin behind
//! plain values in the run's precision, and the burn twin on the run's backend.

use std::ops::Range;

use ndarray::{Array2, s};

use anyhow::Result;

use crate::burn_mlp::BurnTwin;
pub use crate::config::NetSpec;
use crate::config::{Backend, Precision};
use crate::manual;
use crate::params::{OptimizerState, Params};
use crate::scalar::Scalar;

/// The hand-written twin behind plain values, whatever its float type.
pub trait ManualNet {
    /// Loss and gradients on a batch, then one optimizer step; returns the pre-step loss and
    /// gradients.
    fn train_step(&mut self, x: &Array2<f64>, y: &[usize]) -> (f64, Params);
    fn loss_and_grads(&mut self, x: &Array2<f64>, y: &[usize]) -> (f64, Params);
    fn loss(&mut self, x: &Array2<f64>, y: &[usize]) -> f64;
    fn predict(&mut self, x: &Array2<f64>) -> Vec<usize>;
    /// The loss and the predicted classes from one forward pass.
    fn loss_and_predict(&mut self, x: &Array2<f64>, y: &[usize]) -> (f64, Vec<usize>);
    /// Every hidden layer's output (after its activation), one array per layer.
    fn hidden_outputs(&mut self, x: &Array2<f64>) -> Vec<Array2<f64>>;
    /// Every layer's output: the hidden layers' (after the activation), then the logits.
    fn outputs(&mut self, x: &Array2<f64>) -> Vec<Array2<f64>>;
    fn params(&self) -> Params;
    /// Overwrites the parameters in place (no new net, no new buffers).
    fn set_params(&mut self, params: &Params);
    /// The optimizer's state as it is now.
    fn optimizer_state(&self) -> OptimizerState;
    /// One optimizer step from the current parameters with the given gradient and optimizer
    /// state instead of its own; returns the new parameters and state.
    fn update(&mut self, grads: &Params, state: &OptimizerState) -> (Params, OptimizerState);
}

/// The hand-written twin: the net and its optimizer.
struct Hand<T: Scalar> {
    net: manual::Mlp<T>,
    optimizer: manual::Optimizer<T>,
}

impl<T: Scalar> ManualNet for Hand<T> {
    fn train_step(&mut self, x: &Array2<f64>, y: &[usize]) -> (f64, Params) {
        let out = self.loss_and_grads(x, y);
        self.optimizer_step();
        out
    }
    fn loss_and_grads(&mut self, x: &Array2<f64>, y: &[usize]) -> (f64, Params) {
        let loss = self.loss_and_backward(&x.mapv(T::of_f64), y);
        (loss.into_f64(), self.net.grads())
    }
    fn loss(&mut self, x: &Array2<f64>, y: &[usize]) -> f64 {
        self.net.loss(&x.mapv(T::of_f64), y).into_f64()
    }
    fn predict(&mut self, x: &Array2<f64>) -> Vec<usize> {
        self.net.predict(&x.mapv(T::of_f64))
    }
    fn loss_and_predict(&mut self, x: &Array2<f64>, y: &[usize]) -> (f64, Vec<usize>) {
        let (loss, predicted) = self.net.loss_and_predict(&x.mapv(T::of_f64), y);
        (loss.into_f64(), predicted)
    }
    fn hidden_outputs(&mut self, x: &Array2<f64>) -> Vec<Array2<f64>> {
        self.net
            .hidden_outputs(&x.mapv(T::of_f64))
            .into_iter()
            .map(|h| h.mapv(T::into_f64))
            .collect()
    }
    fn outputs(&mut self, x: &Array2<f64>) -> Vec<Array2<f64>> {
        let xt = x.mapv(T::of_f64);
        let mut out: Vec<Array2<f64>> = self
            .net
            .hidden_outputs(&xt)
            .into_iter()
            .map(|h| h.mapv(T::into_f64))
            .collect();
        out.push(self.net.forward(&xt).mapv(T::into_f64));
        out
    }
    fn params(&self) -> Params {
        self.net.params()
    }
    fn set_params(&mut self, params: &Params) {
        self.net.set_params(params);
    }
    fn optimizer_state(&self) -> OptimizerState {
        self.optimizer.state(&self.net)
    }
    fn update(&mut self, grads: &Params, state: &OptimizerState) -> (Params, OptimizerState) {
        self.net.set_grads(grads);
        self.optimizer.set_state(state);
        self.optimizer_step();
        (self.net.params(), self.optimizer.state(&self.net))
    }
}

/// The two calls where the hand-written twin computes: the mutation tests (src/mutants/) take
/// them over when they have switched a mistake on.
impl<T: Scalar> Hand<T> {
    fn loss_and_backward(&mut self, x: &Array2<T>, y: &[usize]) -> T {
        #[cfg(test)]
        if let Some(loss) = crate::mutants::gradient::loss_and_backward(&mut self.net, x, y) {
            return loss;
        }
        self.net.loss_and_backward(x, y)
    }

    fn optimizer_step(&mut self) {
        #[cfg(test)]
        if crate::mutants::optimizer::step(&mut self.optimizer, &mut self.net) {
            return;
        }
        self.optimizer.step(&mut self.net);
    }
}

/// The hand-written twin at `params`, in the spec's precision.
pub fn manual_net(params: &Params, spec: NetSpec) -> Box<dyn ManualNet> {
    fn hand<T: Scalar>(params: &Params, spec: NetSpec) -> Box<dyn ManualNet> {
        Box::new(Hand::<T> {
            net: manual::Mlp::from_params(params, spec.activation),
            optimizer: manual::Optimizer::new(spec.optimizer, spec.learning_rate),
        })
    }
    match spec.precision {
        Precision::F32 => hand::<f32>(params, spec),
        Precision::F64 => hand::<f64>(params, spec),
    }
}

/// The burn twin at `params`, in the spec's precision, on `backend`.
pub fn burn_twin(params: &Params, spec: NetSpec, backend: Backend) -> Result<BurnTwin> {
    BurnTwin::new(params, spec, backend)
}

/// Rows per piece when a whole split (or the boundary raster) is evaluated: losses and
/// predictions run in pieces of at most this many rows, so their memory is set by it, not by
/// the data. Splits this small or smaller run in one piece, exactly as a single batch.
pub const EVAL_CHUNK: usize = 8192;

/// `eval` on each piece of at most [`EVAL_CHUNK`] rows in order, given the piece and its rows;
/// a split that small is one piece, passed as it is.
fn per_piece<R>(
    x: &Array2<f64>,
    mut eval: impl FnMut(&Array2<f64>, Range<usize>) -> R,
) -> Vec<(R, usize)> {
    let n = x.nrows();
    if n <= EVAL_CHUNK {
        return vec![(eval(x, 0..n), n)];
    }
    (0..n)
        .step_by(EVAL_CHUNK)
        .map(|start| {
            let end = (start + EVAL_CHUNK).min(n);
            let piece = x.slice(s![start..end, ..]).to_owned();
            (eval(&piece, start..end), end - start)
        })
        .collect()
}

/// The mean over all rows of the pieces' means, each weighted by its rows; one piece's mean as
/// it is.
fn weighted_mean(means: impl IntoIterator<Item = (f64, usize)>, n: usize) -> f64 {
    let means: Vec<(f64, usize)> = means.into_iter().collect();
    if let [(mean, _)] = means[..] {
        return mean;
    }
    means
        .iter()
        .fold(0.0, |total, &(mean, rows)| total + mean * rows as f64)
        / n as f64
}

/// The mean loss over all rows, from `loss` evaluated piece by piece.
pub fn chunked_loss(
    x: &Array2<f64>,
    y: &[usize],
    mut loss: impl FnMut(&Array2<f64>, &[usize]) -> f64,
) -> f64 {
    weighted_mean(per_piece(x, |p, rows| loss(p, &y[rows])), x.nrows())
}

/// The mean loss and every row's predicted class, from `eval` evaluated piece by piece (as
/// [`chunked_loss`] and [`chunked_predict`] in one pass).
pub fn chunked_loss_and_predict(
    x: &Array2<f64>,
    y: &[usize],
    mut eval: impl FnMut(&Array2<f64>, &[usize]) -> (f64, Vec<usize>),
) -> (f64, Vec<usize>) {
    let pieces = per_piece(x, |p, rows| eval(p, &y[rows]));
    let mut predicted = Vec::with_capacity(x.nrows());
    let mut means = Vec::with_capacity(pieces.len());
    for ((loss, p), rows) in pieces {
        means.push((loss, rows));
        predicted.extend(p);
    }
    (weighted_mean(means, x.nrows()), predicted)
}

/// The predicted class of every row, from `predict` evaluated piece by piece.
pub fn chunked_predict(
    x: &Array2<f64>,
    mut predict: impl FnMut(&Array2<f64>) -> Vec<usize>,
) -> Vec<usize> {
    per_piece(x, |p, _| predict(p))
        .into_iter()
        .flat_map(|(p, _)| p)
        .collect()
}
