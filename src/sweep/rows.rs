//! `sweep.csv`: one row per run, written and read through one serde struct.

use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::metrics::{RunResult, Verdict};

/// One row of `sweep.csv`: the problem drawn and what the gate said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    pub run: usize,
    pub seed: u64,
    pub data: String,
    pub samples: usize,
    pub noise: f64,
    pub classes: usize,
    /// Hidden widths joined by `-` (empty: no hidden layer).
    pub hidden: String,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub init: String,
    /// The hidden layers' activation with its parameter: `relu`, `leaky_relu(0.01)`, `tanh`,
    /// `sigmoid` (rows written before the sweep drew it were all `relu`).
    #[serde(default = "relu")]
    pub activation: String,
    /// The optimizer with the settings that differ from plain SGD, e.g. `sgd (momentum 0.9,
    /// nesterov)` or `adam (β₁ 0.9, β₂ 0.999, ε 1e-5, weight_decay 0)` (before: all `sgd`).
    #[serde(default = "sgd")]
    pub optimizer: String,
    pub precision: String,
    pub backend: String,
    pub epochs: usize,
    pub steps: usize,
    pub max_err_bound: f64,
    /// Where the worst `err_bound` was: tensor and step.
    pub max_err_bound_at: String,
    pub err_bound_limit: f64,
    pub ambiguous_units: usize,
    pub bit_identical: bool,
    pub max_grad_rel_err: f64,
    /// `PASS`, `FAIL` (the gate) or `DIVERGED` (the run blew up; judged up to that step).
    pub verdict: Verdict,
    /// The known burn finding (src/findings.rs) a FAIL meets; empty otherwise, and for a FAIL
    /// that no known finding explains.
    #[serde(default)]
    pub finding: String,
    /// Where and why it failed, if it did.
    pub detail: String,
}

fn relu() -> String {
    "relu".to_owned()
}

fn sgd() -> String {
    "sgd".to_owned()
}

/// The row of a finished (or diverged) run.
pub(super) fn row(
    seed: u64,
    run: usize,
    config: &Config,
    classes: &usize,
    r: &RunResult,
    diverged: Option<String>,
) -> SweepRow {
    let (verdict, finding, detail) = match (&r.first_disagreement, diverged) {
        (Some(d), _) => (
            Verdict::Fail,
            d.finding.unwrap_or_default().to_owned(),
            d.to_string(),
        ),
        (None, Some(why)) => (Verdict::Diverged, String::new(), why),
        (None, None) => (Verdict::Pass, String::new(), String::new()),
    };
    SweepRow {
        run,
        seed,
        data: config.data.kind_name(),
        samples: config.data.samples.unwrap_or(150),
        noise: config.data.noise.unwrap_or(0.0),
        classes: *classes,
        hidden: config
            .model
            .hidden
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join("-"),
        batch_size: config.train.batch_size,
        learning_rate: config.train.learning_rate,
        init: config.model.init.name().to_owned(),
        activation: config.model.activation().label(),
        optimizer: config.train.optimizer().label(),
        precision: config.compare.precision.name().to_owned(),
        backend: config.compare.backend.name().to_owned(),
        epochs: config.train.epochs,
        steps: r.steps,
        max_err_bound: r.max_err_bound,
        max_err_bound_at: r.max_err_bound_at.clone(),
        err_bound_limit: crate::agreement::Tolerances::of(&config.compare).err_bound_limit,
        ambiguous_units: r.ambiguous_units,
        bit_identical: r.bit_identical && r.steps > 0,
        max_grad_rel_err: r.max_grad_rel_err,
        verdict,
        finding,
        detail,
    }
}

/// The rows as `sweep.csv`.
pub fn rows_csv(rows: &[SweepRow]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)?;
    }
    w.into_inner().context("cannot write sweep.csv")
}

/// True when two rows say the same (NaN equals NaN here).
pub fn same_row(a: &SweepRow, b: &SweepRow) -> bool {
    rows_csv(std::slice::from_ref(a)).ok() == rows_csv(std::slice::from_ref(b)).ok()
}

/// Reads a `sweep.csv`.
pub fn read_rows(path: &Path) -> Result<Vec<SweepRow>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    r.deserialize()
        .enumerate()
        .map(|(i, row)| row.with_context(|| format!("{} row {}", path.display(), i + 1)))
        .collect()
}
