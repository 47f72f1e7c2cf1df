//! `mlp2d check`: anyone's forward, backward and optimizer step, run as a command over many
//! problems and judged tensor by tensor in units of rounding, the first wrong step named.
//!
//! problems.rs draws the problems (the sweep's, and the edge cases, within a scope: scope.rs);
//! files.rs writes and reads problem files (settings.rs: the activation's and optimizer's
//! metadata); run.rs runs the command under a timeout, a supervisor (supervise.rs, reaper.rs),
//! resource limits (limits.rs) and optionally bubblewrap (sandbox.rs), after cmdline.rs has
//! checked CMD; answer.rs reads its answer (bounded.rs: regular files only, bounded in size and
//! time), or twin.rs has one of the project's twins answer; reference.rs gives every tensor as the
//! mathematics has it (exact/) with its rounding scale (agreement's trace), in the order of the
//! computation; judge.rs compares; mistakes.rs names what the numbers fit; report.rs writes text,
//! Gradescope JSON and JUnit XML, every untrusted text escaped (escape.rs).

use ndarray::Array2;

use crate::config::{Activation, Optimizer, Precision};
use crate::params::{OptimizerState, Params};

pub mod answer;
pub mod autograder;
pub mod bounded;
pub mod cmdline;
pub mod edges;
pub mod escape;
pub mod factors;
pub mod files;
pub mod judge;
pub mod limits;
mod making;
pub mod mistakes;
pub mod problems;
pub mod reaper;
pub mod reference;
pub mod report;
pub mod run;
pub mod sandbox;
pub mod scope;
pub mod settings;
pub mod supervise;
pub mod twin;
pub mod twin_burn;
pub mod twin_manual;
pub mod verdict;

/// One problem: a batch, a network at some parameters, its activation, an optimizer with its
/// state before the step, a learning rate and a precision.
#[derive(Debug, Clone)]
pub struct Problem {
    /// `random` or the edge case's name (`batch-of-1`, `relu-at-zero`, …).
    pub case: String,
    /// One line on what it is and what it tests.
    pub about: String,
    /// The network's input (already normalised), rounded to `precision`.
    pub x: Array2<f64>,
    pub y: Vec<usize>,
    /// Rounded to `precision`.
    pub params: Params,
    /// Rounded to `precision`.
    pub learning_rate: f64,
    pub precision: Precision,
    /// The hidden layers' activation.
    pub activation: Activation,
    pub optimizer: Optimizer,
    /// The optimizer's state before the step (rounded to `precision`): the steps already taken
    /// and, after the first, its buffers.
    pub state: OptimizerState,
}

impl Problem {
    /// Layer sizes `[d, …, K]`.
    pub fn sizes(&self) -> Vec<usize> {
        self.params.sizes()
    }

    pub fn rows(&self) -> usize {
        self.x.nrows()
    }

    pub fn classes(&self) -> usize {
        *self.sizes().last().expect("a network has layers")
    }

    /// `net [2, 8, 3], 16 rows, f64, λ 0.1`, then the activation and the optimizer where they
    /// are not ReLU and plain SGD (`, tanh, adam (β₁ 0.9, …), t = 5`: the step t = step + 1).
    pub fn shape_text(&self) -> String {
        let mut s = format!(
            "net {:?}, {} row{}, {}, λ {}",
            self.sizes(),
            self.rows(),
            if self.rows() == 1 { "" } else { "s" },
            self.precision.name(),
            crate::check::factors::number_text(self.learning_rate)
        );
        if self.activation != Activation::Relu {
            s.push_str(&format!(", {}", self.activation.label()));
        }
        if self.optimizer != Optimizer::default() || self.state.steps > 0 {
            s.push_str(&format!(
                ", {}, t = {}",
                self.optimizer.label(),
                self.state.steps + 1
            ));
        }
        s
    }
}

/// `problem-{k}.safetensors` and `answer-{k}.safetensors`: the only names `check` writes or
/// removes in its folder.
pub fn problem_file(k: usize) -> String {
    format!("problem-{k}.safetensors")
}

pub fn answer_file(k: usize) -> String {
    format!("answer-{k}.safetensors")
}
