//! The optimizer of the hand-written twin: which step (a file each in optimizer/: sgd.rs,
//! adam.rs, adamw.rs, adagrad.rs, rmsprop.rs, adan.rs) and the state it keeps between steps, one buffer per parameter tensor (layer 0's weight, its bias, layer
//! 1's weight, …) for each of the optimizer's buffers.

use ndarray::{Array1, Array2};

use super::{Mlp, Scalar};
use crate::config;
use crate::params::{LayerParams, OptimizerState, Params};

mod adagrad;
mod adam;
mod adamw;
mod adan;
mod rmsprop;
mod sgd;

pub use adagrad::AdaGradStep;
pub use adam::{AdamStep, moments};
pub use adamw::AdamWStep;
pub use adan::{AdanBuffers, AdanStep};
pub use rmsprop::{RmsPropBuffers, RmsPropStep};
pub use sgd::{Sgd, SgdWithState};

/// The fields are crate-visible for the mutation tests' broken copies of the step
/// (src/mutants/).
#[derive(Debug, Clone)]
pub struct Optimizer<T: Scalar> {
    pub(crate) spec: config::Optimizer,
    pub(crate) learning_rate: f64,
    /// Steps taken: the bias corrections' `t` is this plus one.
    pub(crate) steps: usize,
    /// `buffers[k][j]`: buffer k (`config::Optimizer::buffers`) of parameter tensor j, row-major.
    pub(crate) buffers: Vec<Vec<Vec<T>>>,
}

impl<T: Scalar> Optimizer<T> {
    pub fn new(spec: config::Optimizer, learning_rate: f64) -> Self {
        Optimizer {
            spec,
            learning_rate,
            steps: 0,
            buffers: Vec::new(),
        }
    }

    /// Applies the gradients of the last backward pass to `mlp` and advances the state.
    pub fn step(&mut self, mlp: &mut Mlp<T>) {
        let first = self.steps == 0;
        let names = self.spec.buffers();
        if first {
            self.buffers = names
                .iter()
                .map(|_| {
                    tensors(mlp)
                        .map(|(t, _)| vec![T::zero(); t.len()])
                        .collect()
                })
                .collect();
        }
        let lr = self.learning_rate;
        let t = self.steps + 1;
        match self.spec {
            config::Optimizer::Sgd(s) if s.momentum == 0.0 && s.weight_decay == 0.0 => {
                Sgd { learning_rate: lr }.step(mlp)
            }
            config::Optimizer::Sgd(s) => {
                let s = SgdWithState::<T>::new(lr, s);
                let mut velocity = self.buffers.first_mut().map(|b| b.iter_mut());
                for (theta, grad) in tensors_mut(mlp) {
                    let v = velocity.as_mut().and_then(|v| v.next());
                    s.step(theta, grad, v.map(|v| v.as_mut_slice()), first);
                }
            }
            config::Optimizer::Adam(a) => {
                let s = AdamStep::<T>::new(lr, a, t);
                self.each_with_moments(mlp, |theta, grad, m, v| s.step(theta, grad, m, v, first));
            }
            config::Optimizer::AdamW(a) => {
                let s = AdamWStep::<T>::new(lr, a, t);
                self.each_with_moments(mlp, |theta, grad, m, v| s.step(theta, grad, m, v, first));
            }
            config::Optimizer::AdaGrad(a) => {
                let s = AdaGradStep::<T>::new(lr, a, t);
                for ((theta, grad), sum) in tensors_mut(mlp).zip(&mut self.buffers[0]) {
                    s.step(theta, grad, sum, first);
                }
            }
            config::Optimizer::Adan(a) => {
                let s = AdanStep::<T>::new(lr, a, t);
                let [m, v, n, neg] = &mut self.buffers[..] else {
                    unreachable!("Adan keeps four buffers")
                };
                let buffers = m.iter_mut().zip(v).zip(n).zip(neg);
                for ((theta, grad), (((m, v), n), neg)) in tensors_mut(mlp).zip(buffers) {
                    let b = AdanBuffers {
                        exp_avg: m,
                        exp_avg_sq: v,
                        exp_avg_diff: n,
                        neg_pre_grad: neg,
                    };
                    s.step(theta, grad, b, first);
                }
            }
            config::Optimizer::RmsProp(r) => {
                let s = RmsPropStep::<T>::new(lr, r);
                // Per tensor j, each buffer in `buffers()` order (square_avg, grad_avg, buf).
                let mut each: Vec<_> = self.buffers.iter_mut().map(|b| b.iter_mut()).collect();
                for (theta, grad) in tensors_mut(mlp) {
                    let mut mine = each
                        .iter_mut()
                        .map(|b| b.next().expect("a buffer per tensor"));
                    let square_avg = mine.next().expect("the squares' average");
                    let grad_avg = r.centered.then(|| mine.next().expect("grad_avg"));
                    let buf = (r.momentum > 0.0).then(|| mine.next().expect("buf"));
                    let b = RmsPropBuffers {
                        square_avg,
                        grad_avg: grad_avg.map(|v| v.as_mut_slice()),
                        buf: buf.map(|v| v.as_mut_slice()),
                    };
                    s.step(theta, grad, b, first);
                }
            }
        }
        self.steps += 1;
    }

    /// `step` on every parameter tensor with its gradient and both its moments.
    fn each_with_moments(
        &mut self,
        mlp: &mut Mlp<T>,
        step: impl Fn(&mut [T], &[T], &mut [T], &mut [T]),
    ) {
        let [m, v] = &mut self.buffers[..] else {
            unreachable!("Adam and AdamW keep two moments")
        };
        for (((theta, grad), m), v) in tensors_mut(mlp).zip(m).zip(v) {
            step(theta, grad, m, v);
        }
    }

    /// The state as plain values, in the parameters' layout of `mlp`.
    pub fn state(&self, mlp: &Mlp<T>) -> OptimizerState {
        let names = self.spec.buffers();
        let buffers = if self.steps == 0 {
            Vec::new()
        } else {
            names
                .iter()
                .zip(&self.buffers)
                .map(|(name, values)| ((*name).to_owned(), as_params(mlp, values)))
                .collect()
        };
        OptimizerState {
            steps: self.steps,
            buffers,
        }
    }

    /// Overwrites the state with plain values (rounded to `T`); an empty state starts over.
    pub fn set_state(&mut self, state: &OptimizerState) {
        self.steps = state.steps;
        self.buffers = self
            .spec
            .buffers()
            .iter()
            .filter_map(|name| state.buffer(name))
            .map(|p| {
                p.layers
                    .iter()
                    .flat_map(|l| [flat(l.weight.iter()), flat(l.bias.iter())])
                    .collect()
            })
            .collect();
        if self.buffers.len() != self.spec.buffers().len() {
            self.steps = 0;
            self.buffers.clear();
        }
    }
}

fn flat<'a, T: Scalar>(values: impl Iterator<Item = &'a f64>) -> Vec<T> {
    values.map(|&v| T::of_f64(v)).collect()
}

/// Each parameter tensor with its gradient, as row-major slices: layer 0's weight, its bias, …
fn tensors_mut<T: Scalar>(mlp: &mut Mlp<T>) -> impl Iterator<Item = (&mut [T], &[T])> {
    mlp.layers.iter_mut().flat_map(|l| {
        [
            (
                l.weight.as_slice_mut().expect("row-major"),
                l.grad_weight.as_slice().expect("row-major"),
            ),
            (
                l.bias.as_slice_mut().expect("contiguous"),
                l.grad_bias.as_slice().expect("contiguous"),
            ),
        ]
    })
}

/// Each parameter tensor with its gradient, read-only.
fn tensors<T: Scalar>(mlp: &Mlp<T>) -> impl Iterator<Item = (&[T], &[T])> {
    mlp.layers.iter().flat_map(|l| {
        [
            (
                l.weight.as_slice().expect("row-major"),
                l.grad_weight.as_slice().expect("row-major"),
            ),
            (
                l.bias.as_slice().expect("contiguous"),
                l.grad_bias.as_slice().expect("contiguous"),
            ),
        ]
    })
}

/// One buffer's per-tensor values in the parameters' layout.
fn as_params<T: Scalar>(mlp: &Mlp<T>, values: &[Vec<T>]) -> Params {
    Params {
        layers: mlp
            .layers
            .iter()
            .zip(values.chunks(2))
            .map(|(l, wb)| LayerParams {
                weight: Array2::from_shape_vec(
                    l.weight.raw_dim(),
                    wb[0].iter().map(|v| v.into_f64()).collect(),
                )
                .expect("the weight's shape"),
                bias: Array1::from_iter(wb[1].iter().map(|v| v.into_f64())),
            })
            .collect(),
    }
}
