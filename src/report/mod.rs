//! What a run leaves behind: `metrics.csv`, `summary.json`, parameter files, and the short text
//! summary printed at the end.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::compare::{Disagreement, EpochMetrics, Prepared, RunResult};
use crate::config::Config;
use crate::output::write_atomic;
use crate::params::Params;

/// `summary.json`: one finished run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub name: String,
    pub data: String,
    /// Rows of the whole data set, of the training and of the test split.
    pub samples: usize,
    pub train_samples: usize,
    pub test_samples: usize,
    pub features: usize,
    pub classes: usize,
    /// Layer sizes `[inputs, hidden…, classes]`.
    pub sizes: Vec<usize>,
    pub init: String,
    pub precision: String,
    pub seed: u64,
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub steps: usize,
    pub final_loss_manual: f64,
    pub final_loss_burn: f64,
    /// Accuracies of the burn twin (the hand-written twin's are beside them).
    pub train_accuracy: f64,
    pub test_accuracy: Option<f64>,
    pub train_accuracy_manual: f64,
    pub test_accuracy_manual: Option<f64>,
    pub max_grad_rel_err: f64,
    pub max_drift: f64,
    /// None: measured, not checked.
    pub grad_tol: Option<f64>,
    pub drift_tol: Option<f64>,
    pub seconds_manual: f64,
    pub seconds_burn: f64,
    pub passed: bool,
    pub first_disagreement: Option<DisagreementSummary>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DisagreementSummary {
    pub epoch: usize,
    pub step: usize,
    pub measure: String,
    pub tensor: String,
    pub value: f64,
    pub tolerance: f64,
}

impl From<&Disagreement> for DisagreementSummary {
    fn from(d: &Disagreement) -> Self {
        Self {
            epoch: d.epoch,
            step: d.step,
            measure: d.measure.to_owned(),
            tensor: d.tensor.clone(),
            value: d.value,
            tolerance: d.tolerance,
        }
    }
}

impl Summary {
    pub fn new(config: &Config, prepared: &Prepared, sizes: &[usize], run: &RunResult) -> Summary {
        let last = run.metrics.last().expect("at least one epoch");
        let tol = config.compare.tolerances();
        Summary {
            name: config.name.clone(),
            data: config.data.kind_name(),
            samples: prepared.raw.x.nrows(),
            train_samples: prepared.train.x.nrows(),
            test_samples: prepared.test.x.nrows(),
            features: prepared.raw.x.ncols(),
            classes: prepared.raw.classes,
            sizes: sizes.to_vec(),
            init: format!("{:?}", config.model.init).to_lowercase(),
            precision: config.compare.precision.name().to_owned(),
            seed: config.seed,
            epochs: config.train.epochs,
            batch_size: config.train.batch_size,
            learning_rate: config.train.learning_rate,
            steps: run.steps,
            final_loss_manual: last.loss_manual,
            final_loss_burn: last.loss_burn,
            train_accuracy: last.train_acc_burn,
            test_accuracy: last.test_acc_burn,
            train_accuracy_manual: last.train_acc_manual,
            test_accuracy_manual: last.test_acc_manual,
            max_grad_rel_err: run.max_grad_rel_err,
            max_drift: run.max_drift,
            grad_tol: tol.grad_tol.is_finite().then_some(tol.grad_tol),
            drift_tol: tol.drift_tol.is_finite().then_some(tol.drift_tol),
            seconds_manual: last.seconds_manual,
            seconds_burn: last.seconds_burn,
            passed: run.passed(),
            first_disagreement: run.first_disagreement.as_ref().map(Into::into),
            warnings: prepared.warnings.clone(),
        }
    }

    /// The few lines printed at the end of `compare`.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let pct = |a: f64| format!("{:.1}%", 100.0 * a);
        let _ = writeln!(
            s,
            "{}: {} data, {} rows ({} train, {} test), net {:?}, {}, {} epochs = {} steps",
            self.name,
            self.data,
            self.samples,
            self.train_samples,
            self.test_samples,
            self.sizes,
            self.precision,
            self.epochs,
            self.steps
        );
        let _ = writeln!(
            s,
            "  final loss    hand-written {:.6}   burn {:.6}",
            self.final_loss_manual, self.final_loss_burn
        );
        let test = |a: Option<f64>| a.map(pct).unwrap_or_else(|| "n/a".to_owned());
        let _ = writeln!(
            s,
            "  accuracy      train {} / {}   test {} / {}   (hand-written / burn)",
            pct(self.train_accuracy_manual),
            pct(self.train_accuracy),
            test(self.test_accuracy_manual),
            test(self.test_accuracy)
        );
        let _ = writeln!(
            s,
            "  agreement     max grad_rel_err {:.2e} (tol {})   max drift {:.2e} (tol {})",
            self.max_grad_rel_err,
            tol_text(self.grad_tol),
            self.max_drift,
            tol_text(self.drift_tol)
        );
        let _ = writeln!(
            s,
            "  time          hand-written {:.3} s   burn {:.3} s",
            self.seconds_manual, self.seconds_burn
        );
        let _ = write!(
            s,
            "  result        {}",
            if self.passed {
                "PASS: the twins agree"
            } else {
                "FAIL: the twins disagree"
            }
        );
        s
    }
}

fn tol_text(tol: Option<f64>) -> String {
    tol.map(|t| format!("{t:.0e}"))
        .unwrap_or_else(|| "not checked".to_owned())
}

/// The metrics table, one row per epoch; an empty cell where there is no test split.
pub fn metrics_csv(metrics: &[EpochMetrics]) -> String {
    let mut s = String::from(
        "epoch,loss_manual,loss_burn,train_acc_manual,train_acc_burn,test_acc_manual,test_acc_burn,\
         max_grad_rel_err,max_drift,seconds_manual,seconds_burn\n",
    );
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for m in metrics {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{:e},{:e},{:.6},{:.6}",
            m.epoch,
            m.loss_manual,
            m.loss_burn,
            m.train_acc_manual,
            m.train_acc_burn,
            opt(m.test_acc_manual),
            opt(m.test_acc_burn),
            m.max_grad_rel_err,
            m.max_drift,
            m.seconds_manual,
            m.seconds_burn
        );
    }
    s
}

/// Writes every result file of a run, each one whole (temporary name, then rename).
pub fn write_run(
    dir: &Path,
    summary: &Summary,
    run: &RunResult,
    initial: &Params,
    config: &Config,
) -> Result<()> {
    let precision = config.compare.precision;
    write_atomic(
        &dir.join("initial.safetensors"),
        &initial.rounded(precision).to_safetensors(precision)?,
    )?;
    write_atomic(
        &dir.join("final_manual.safetensors"),
        &run.final_manual.to_safetensors(precision)?,
    )?;
    write_atomic(
        &dir.join("final_burn.safetensors"),
        &run.final_burn.to_safetensors(precision)?,
    )?;
    write_atomic(
        &dir.join("metrics.csv"),
        metrics_csv(&run.metrics).as_bytes(),
    )?;
    // The summary goes last: its presence marks a finished run.
    let json = serde_json::to_string_pretty(summary)? + "\n";
    write_atomic(&dir.join("summary.json"), json.as_bytes())?;
    Ok(())
}
