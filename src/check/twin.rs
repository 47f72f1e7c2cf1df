//! `check --twin manual|burn`: every problem answered in process by one of the project's own
//! twins, in the problem's precision (twin_manual.rs: the hand-written one; twin_burn.rs: burn's
//! autodiff and optimizers), and judged as any answer is. Both are correct implementations, so
//! each FAIL here is a false FAIL of the judge, or a finding in a twin.

use std::time::Instant;

use anyhow::Result;
use ndarray::{Array1, Array2};

use super::Problem;
use super::answer::{Answer, Given};
use super::judge::{Outcome, ProblemResult, in_parallel, judge};
use crate::config::Precision;
use crate::params::{OptimizerState, Params, tensor_name};

/// Which twin answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Twin {
    /// The hand-written twin (src/manual/).
    Manual,
    /// The burn twin: burn's autodiff and burn-optim's optimizers, on burn-flex.
    Burn,
}

impl Twin {
    pub fn name(self) -> &'static str {
        match self {
            Twin::Manual => "manual",
            Twin::Burn => "burn",
        }
    }
}

/// An answer being built, every tensor in one precision.
pub struct Builder {
    answer: Answer,
    precision: Precision,
}

impl Builder {
    pub fn new(precision: Precision) -> Self {
        Builder {
            answer: Answer::default(),
            precision,
        }
    }

    fn put(&mut self, name: String, shape: Vec<usize>, values: Vec<f64>) {
        let precision = self.precision;
        self.answer.tensors.insert(
            name,
            Given {
                shape,
                values,
                precision,
            },
        );
    }

    pub fn array2(&mut self, name: String, a: &Array2<f64>) {
        self.put(name, a.shape().to_vec(), a.iter().copied().collect());
    }

    fn array1(&mut self, name: String, a: &Array1<f64>) {
        self.put(name, vec![a.len()], a.to_vec());
    }

    pub fn loss(&mut self, loss: f64) {
        self.put("loss".to_owned(), vec![], vec![loss]);
    }

    /// The forward pass: each hidden layer's output, then the logits.
    pub fn outputs(&mut self, outputs: &[Array2<f64>]) {
        let last = outputs.len() - 1;
        for (i, o) in outputs.iter().enumerate() {
            let name = if i == last {
                "logits".to_owned()
            } else {
                format!("layers.{i}.output")
            };
            self.array2(name, o);
        }
    }

    /// ∂L/∂(each layer's pre-activation), ∂L/∂logits last; and ∂L/∂(each hidden output).
    pub fn backward(&mut self, preactivations: &[Array2<f64>], outputs: &[Array2<f64>]) {
        let last = preactivations.len() - 1;
        self.array2("grad.logits".to_owned(), &preactivations[last]);
        for (i, g) in preactivations.iter().enumerate() {
            self.array2(format!("grad.layers.{i}.preactivation"), g);
        }
        for (i, g) in outputs.iter().enumerate() {
            self.array2(format!("grad.layers.{i}.output"), g);
        }
    }

    /// Every weight and bias of `p` under `prefix` (`grad.`, `next.`).
    pub fn params(&mut self, prefix: &str, p: &Params) {
        for (i, l) in p.layers.iter().enumerate() {
            self.array2(format!("{prefix}{}", tensor_name(i, false)), &l.weight);
            self.array1(format!("{prefix}{}", tensor_name(i, true)), &l.bias);
        }
    }

    /// The optimizer's buffers after the step, as `next.state.{buffer}.…`.
    pub fn state(&mut self, s: &OptimizerState) {
        for (buffer, p) in &s.buffers {
            self.params(&format!("next.state.{buffer}."), p);
        }
    }

    pub fn finish(self) -> Answer {
        self.answer
    }
}

/// Answers every problem with `answer` and judges it, `jobs` problems at a time; the results
/// in problem order, each with the seconds it took.
pub fn judge_all(
    problems: &[Problem],
    answer: fn(&Problem) -> Result<Answer>,
    jobs: usize,
) -> Vec<ProblemResult> {
    in_parallel(problems.len(), jobs, |i| {
        let start = Instant::now();
        let outcome = match answer(&problems[i]) {
            Ok(a) => Outcome::Judged(judge(&problems[i], &a)),
            Err(e) => Outcome::NoAnswer(format!("the twin failed: {e:#}")),
        };
        let mut r = ProblemResult::new(i + 1, &problems[i], outcome);
        r.seconds = start.elapsed().as_secs_f64();
        r
    })
}
