//! What a lockstep run measures and produces: the relative errors, per-epoch metrics, the first
//! disagreement and the run's result. Plain values: reports and pictures read them.

use serde::{Deserialize, Serialize};

use crate::agreement::Tolerances;
use crate::params::{OptimizerState, Params};

/// `max|a − b| / max(max|a|, max|b|)`, 0 when both are all zeros. NaN anywhere gives NaN.
pub fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "compared tensors differ in size");
    let mut diff: f64 = 0.0;
    let mut scale: f64 = 0.0;
    for (&x, &y) in a.iter().zip(b) {
        if x.is_nan() || y.is_nan() {
            return f64::NAN;
        }
        diff = diff.max((x - y).abs());
        scale = scale.max(x.abs()).max(y.abs());
    }
    if scale == 0.0 { 0.0 } else { diff / scale }
}

/// The worst relative error over the loss and every gradient tensor, and where it was.
pub fn worst(loss_a: f64, grads_a: &Params, loss_b: f64, grads_b: &Params) -> (f64, String) {
    let mut worst = (rel_err(&[loss_a], &[loss_b]), "loss".to_owned());
    for ((name, a), (_, b)) in grads_a.named().iter().zip(grads_b.named()) {
        let e = rel_err(a, &b);
        if e > worst.0 || e.is_nan() {
            worst = (e, format!("grad.{name}"));
        }
    }
    worst
}

/// One row of `metrics.csv`: the state after an epoch.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EpochMetrics {
    pub epoch: usize,
    /// Loss on the whole training split after the epoch.
    pub loss_manual: f64,
    pub loss_burn: f64,
    pub train_acc_manual: f64,
    pub train_acc_burn: f64,
    /// None when there is no test split.
    pub test_acc_manual: Option<f64>,
    pub test_acc_burn: Option<f64>,
    /// Loss on the test split (None without one). Shown by the playground; not in
    /// metrics.csv, whose columns the committed results keep.
    #[serde(skip)]
    pub test_loss_manual: Option<f64>,
    #[serde(skip)]
    pub test_loss_burn: Option<f64>,
    /// Largest value so far.
    pub max_grad_rel_err: f64,
    pub max_drift: f64,
    /// Training time so far (steps only, not the checks).
    pub seconds_manual: f64,
    pub seconds_burn: f64,
    /// Largest value within this epoch's steps.
    pub grad_rel_err: f64,
    pub drift: f64,
    /// Largest `err_bound` so far, and within this epoch's steps.
    #[serde(default = "nan")]
    pub max_err_bound: f64,
    #[serde(default = "nan")]
    pub err_bound: f64,
    /// ReLU units (row × unit) within rounding of their kink, summed over the epoch's steps.
    #[serde(default)]
    pub ambiguous_units: usize,
}

fn nan() -> f64 {
    f64::NAN
}

/// The measures of agreement, in the order the gate reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The hand-written twin at burn's point against burn, in units of what rounding explains
    /// ([`crate::agreement`]): the gate.
    ErrBound,
    /// The relative error at burn's point; a gate when the config sets `grad_tol`.
    GradRelErr,
    /// The relative error of the twins as they train apart; a gate when the config sets
    /// `drift_tol`.
    Drift,
}

impl Measure {
    /// In the order they are read: the first one over its limit is the disagreement.
    pub const ALL: [Measure; 3] = [Measure::ErrBound, Measure::GradRelErr, Measure::Drift];

    pub fn name(self) -> &'static str {
        match self {
            Measure::ErrBound => "err_bound",
            Measure::GradRelErr => "grad_rel_err",
            Measure::Drift => "drift",
        }
    }

    /// The config key of its limit.
    pub fn limit_name(self) -> &'static str {
        match self {
            Measure::ErrBound => "err_bound_limit",
            Measure::GradRelErr => "grad_tol",
            Measure::Drift => "drift_tol",
        }
    }

    /// Its limit among `tolerances` (infinite: measured, not checked).
    pub fn limit(self, tolerances: &Tolerances) -> f64 {
        match self {
            Measure::ErrBound => tolerances.err_bound_limit,
            Measure::GradRelErr => tolerances.grad_tol,
            Measure::Drift => tolerances.drift_tol,
        }
    }
}

impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One step's value of each measure, with the tensor where it is worst.
#[derive(Debug, Clone)]
pub struct Measured([(f64, String); 3]);

impl Measured {
    pub fn new(
        err_bound: (f64, String),
        grad_rel_err: (f64, String),
        drift: (f64, String),
    ) -> Self {
        Measured([err_bound, grad_rel_err, drift])
    }

    /// The value of `measure` and where it is worst.
    pub fn get(&self, measure: Measure) -> (f64, &str) {
        let (value, at) = &self.0[measure as usize];
        (*value, at)
    }

    pub fn value(&self, measure: Measure) -> f64 {
        self.0[measure as usize].0
    }

    /// The first measure over its limit, in the order of [`Measure::ALL`]; NaN is over any
    /// limit.
    pub fn first_over(&self, tolerances: &Tolerances) -> Option<Measure> {
        Measure::ALL.into_iter().find(|&m| {
            let value = self.value(m);
            value.is_nan() || value > m.limit(tolerances)
        })
    }
}

/// The first step at which the twins disagreed beyond tolerance.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    pub epoch: usize,
    /// Global step index, from 0.
    pub step: usize,
    pub measure: Measure,
    /// `loss` or `grad.layers.{i}.weight|bias`.
    pub tensor: String,
    pub value: f64,
    pub tolerance: f64,
    /// Where the difference starts, when the harness could tell (src/diagnosis.rs).
    pub cause: Option<String>,
    /// The known burn finding the run meets (src/findings.rs), if any.
    pub finding: Option<&'static str>,
}

impl std::fmt::Display for Disagreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the twins disagree at epoch {}, step {}: {} of {} is {:.3e}, limit {:.1e}",
            self.epoch, self.step, self.measure, self.tensor, self.value, self.tolerance
        )?;
        if let Some(cause) = &self.cause {
            write!(f, "; {cause}")?;
        }
        match self.finding {
            Some(id) => write!(f, "; a known burn finding, {id} (docs/findings.md)"),
            None => Ok(()),
        }
    }
}

/// What a lockstep run produced.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Loss of the initial parameters on the whole training split, before any step.
    pub initial_loss_manual: f64,
    pub initial_loss_burn: f64,
    pub metrics: Vec<EpochMetrics>,
    pub steps: usize,
    pub max_grad_rel_err: f64,
    pub max_drift: f64,
    /// The worst `err_bound` of any step ([`crate::agreement`]), and where: `loss`,
    /// `grad.layers.{i}.…` or `next.layers.{i}.…` (`check`'s names), with the step.
    pub max_err_bound: f64,
    pub max_err_bound_at: String,
    /// Ambiguous ReLU units, summed over every step.
    pub ambiguous_units: usize,
    /// Every step agreed bit for bit (loss, gradients, update, and no drift).
    pub bit_identical: bool,
    pub first_disagreement: Option<Disagreement>,
    pub final_manual: Params,
    pub final_burn: Params,
    /// Each twin's optimizer state after the last step (empty for plain SGD).
    pub final_manual_state: OptimizerState,
    pub final_burn_state: OptimizerState,
    /// Why the run stopped before its planned steps without diverging: burn's loss or a
    /// gradient was NaN or infinite where the hand-written twin's, at the same parameters, was
    /// not. That step is the run's first disagreement; nothing after it can be compared.
    pub halted: Option<String>,
}

impl RunResult {
    pub fn passed(&self) -> bool {
        self.first_disagreement.is_none()
    }
}

pub fn accuracy(predicted: &[usize], y: &[usize]) -> f64 {
    let right = predicted.iter().zip(y).filter(|(p, t)| p == t).count();
    right as f64 / y.len().max(1) as f64
}

/// The index of the largest value (the first on ties): the predicted class of a row of logits.
pub fn argmax<T: PartialOrd>(row: impl IntoIterator<Item = T>) -> usize {
    let mut best: Option<(usize, T)> = None;
    for (j, v) in row.into_iter().enumerate() {
        if best.as_ref().is_none_or(|(_, b)| v > *b) {
            best = Some((j, v));
        }
    }
    best.map_or(0, |(j, _)| j)
}

/// What a run (or a sweep's run) came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    /// Every step within the limits.
    Pass,
    /// The twins disagreed at some step.
    Fail,
    /// The run blew up (NaN, infinity, or a loss 1000 times its start); judged up to there.
    Diverged,
}

impl Verdict {
    /// The rule every report follows: a divergence, else a disagreement, else PASS.
    pub fn of(diverged: bool, passed: bool) -> Verdict {
        if diverged {
            Verdict::Diverged
        } else if passed {
            Verdict::Pass
        } else {
            Verdict::Fail
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Diverged => "DIVERGED",
        }
    }

    /// The exit status `compare` gives it.
    pub fn exit_status(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
            Verdict::Diverged => 2,
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
