//! What a run leaves behind: `metrics.csv`, `summary.json`, parameter files, and the short text
//! summary printed at the end; and (`table`) the results table over many runs.

mod files;
mod format;
mod init;
pub mod runs;
pub mod sweep;
pub mod table;

pub use files::{RUN_FILES, RunFiles, metrics_csv};

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::config::{ActivationKind, Config};
use crate::data::Prepared;
use crate::metrics::{Disagreement, EpochMetrics, RunResult, Verdict};

/// `summary.json`: one finished run (or one that diverged, recorded by `compare --all`).
///
/// JSON has no NaN: a NaN or infinite number is written as `null` and read back as NaN.
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
    /// The hidden layers' activation (`leaky_relu(0.01)` with its slope) and the optimizer with
    /// its settings; absent in summaries written before they could be chosen (ReLU, SGD).
    #[serde(default)]
    pub activation: Option<String>,
    #[serde(default)]
    pub optimizer: Option<String>,
    pub precision: String,
    /// The burn twin's backend (`ndarray` or `flex`); absent in summaries written before it was
    /// recorded.
    #[serde(default)]
    pub backend: Option<String>,
    pub seed: u64,
    pub epochs: usize,
    /// `[train] stop_at_step`: the run stopped there, inside its last epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_at_step: Option<usize>,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub steps: usize,
    #[serde(deserialize_with = "nan_if_null")]
    pub final_loss_manual: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub final_loss_burn: f64,
    /// Accuracies of the burn twin (the hand-written twin's are beside them).
    #[serde(deserialize_with = "nan_if_null")]
    pub train_accuracy: f64,
    pub test_accuracy: Option<f64>,
    #[serde(deserialize_with = "nan_if_null")]
    pub train_accuracy_manual: f64,
    pub test_accuracy_manual: Option<f64>,
    #[serde(deserialize_with = "nan_if_null")]
    pub max_grad_rel_err: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub max_drift: f64,
    /// The worst `err_bound` of any step: the disagreement in units of what rounding and ReLU
    /// kinks can explain (`src/agreement/`), and the gate on it.
    #[serde(default, deserialize_with = "nan_if_null")]
    pub max_err_bound: f64,
    /// Where it was: `loss`, `grad …` or `update …`, and the step.
    #[serde(default)]
    pub max_err_bound_at: String,
    #[serde(default, deserialize_with = "nan_if_null")]
    pub err_bound_limit: f64,
    /// ReLU units (row × unit, summed over steps) within rounding of their kink.
    #[serde(default)]
    pub ambiguous_units: usize,
    /// Every step agreed bit for bit: a reported fact, not a gate.
    #[serde(default)]
    pub bit_identical: bool,
    /// Extra gates on the relative errors; None: measured, not checked.
    pub grad_tol: Option<f64>,
    pub drift_tol: Option<f64>,
    #[serde(deserialize_with = "nan_if_null")]
    pub seconds_manual: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub seconds_burn: f64,
    pub passed: bool,
    pub first_disagreement: Option<DisagreementSummary>,
    pub warnings: Vec<String>,
    /// Loss of the initial parameters on the training split, before any step.
    #[serde(default)]
    pub initial_loss_manual: Option<f64>,
    #[serde(default)]
    pub initial_loss_burn: Option<f64>,
    /// Set when the run diverged (NaN or infinite loss or gradient, or a loss 1000 times its
    /// start): the message naming the step.
    /// The other numbers then describe the epochs completed before it.
    #[serde(default)]
    pub diverged: Option<String>,
    /// Cells of `boundary.png`'s raster where the two final nets predict different classes, and
    /// the raster's size (none when the picture was not drawn).
    #[serde(default)]
    pub boundary_cells_differ: Option<usize>,
    #[serde(default)]
    pub boundary_cells: Option<usize>,
    /// Why the run stopped early at its first disagreement (burn not finite where the
    /// mathematics is; [`crate::metrics::RunResult::halted`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halted: Option<String>,
    /// Where a GPU backend ran: the adapter, its driver and its kind (none on the CPU backends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DisagreementSummary {
    pub epoch: usize,
    pub step: usize,
    pub measure: String,
    pub tensor: String,
    pub value: f64,
    pub tolerance: f64,
    /// Where the difference starts, when the harness could tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// The known burn finding the run meets (src/findings.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
}

impl From<&Disagreement> for DisagreementSummary {
    fn from(d: &Disagreement) -> Self {
        Self {
            epoch: d.epoch,
            step: d.step,
            measure: d.measure.name().to_owned(),
            tensor: d.tensor.clone(),
            value: d.value,
            tolerance: d.tolerance,
            cause: d.cause.clone(),
            finding: d.finding.map(str::to_owned),
        }
    }
}

impl Summary {
    pub fn new(config: &Config, prepared: &Prepared, sizes: &[usize], run: &RunResult) -> Summary {
        let last = run.metrics.last();
        let get = |f: fn(&EpochMetrics) -> f64| last.map_or(f64::NAN, f);
        let tol = crate::agreement::Tolerances::of(&config.compare);
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
            activation: Some(config.model.activation().label()),
            optimizer: Some(config.train.optimizer().label()),
            precision: config.compare.precision.name().to_owned(),
            backend: Some(config.compare.backend.name().to_owned()),
            seed: config.seed,
            epochs: config.train.epochs,
            stop_at_step: config.train.stop_at_step,
            batch_size: config.train.batch_size,
            learning_rate: config.train.learning_rate,
            steps: run.steps,
            final_loss_manual: get(|m| m.loss_manual),
            final_loss_burn: get(|m| m.loss_burn),
            train_accuracy: get(|m| m.train_acc_burn),
            test_accuracy: last.and_then(|m| m.test_acc_burn),
            train_accuracy_manual: get(|m| m.train_acc_manual),
            test_accuracy_manual: last.and_then(|m| m.test_acc_manual),
            max_grad_rel_err: run.max_grad_rel_err,
            max_drift: run.max_drift,
            max_err_bound: run.max_err_bound,
            max_err_bound_at: run.max_err_bound_at.clone(),
            err_bound_limit: tol.err_bound_limit,
            ambiguous_units: run.ambiguous_units,
            bit_identical: run.bit_identical && run.steps > 0,
            grad_tol: tol.grad_tol.is_finite().then_some(tol.grad_tol),
            drift_tol: tol.drift_tol.is_finite().then_some(tol.drift_tol),
            seconds_manual: get(|m| m.seconds_manual),
            seconds_burn: get(|m| m.seconds_burn),
            passed: run.passed(),
            first_disagreement: run.first_disagreement.as_ref().map(Into::into),
            warnings: prepared.warnings.clone(),
            initial_loss_manual: Some(run.initial_loss_manual),
            initial_loss_burn: Some(run.initial_loss_burn),
            diverged: None,
            boundary_cells_differ: None,
            boundary_cells: None,
            halted: run.halted.clone(),
            device: None,
        }
    }

    /// The summary of a run that diverged: `partial` holds the epochs completed before it.
    pub fn diverged(
        config: &Config,
        prepared: &Prepared,
        sizes: &[usize],
        partial: &RunResult,
        message: &str,
    ) -> Summary {
        Summary {
            passed: false,
            diverged: Some(message.to_owned()),
            ..Summary::new(config, prepared, sizes, partial)
        }
    }

    /// PASS, FAIL (the twins disagree) or DIVERGED.
    pub fn verdict(&self) -> Verdict {
        Verdict::of(self.diverged.is_some(), self.passed)
    }

    /// The exit status `compare` gives this run: 0 pass, 1 the twins disagree, 2 diverged.
    pub fn exit_status(&self) -> u8 {
        self.verdict().exit_status()
    }

    /// The run's name, data, rows, net and precision: the first line of [`Summary::text`].
    fn headline(&self) -> String {
        format!(
            "{}: {} data, {} rows ({} train, {} test), net {:?} {}, {}, {}",
            self.name,
            self.data,
            self.samples,
            self.train_samples,
            self.test_samples,
            self.sizes,
            self.activation_label(),
            self.optimizer_label(),
            self.precision
        )
    }

    /// The activation, `relu` for summaries written before it was recorded.
    pub fn activation_label(&self) -> &str {
        self.activation.as_deref().unwrap_or("relu")
    }

    /// The optimizer, `sgd` for summaries written before it was recorded.
    pub fn optimizer_label(&self) -> &str {
        self.optimizer.as_deref().unwrap_or("sgd")
    }

    /// `   ambiguous ReLU units N` for a kinked activation; nothing for a smooth one.
    fn kinks_text(&self) -> String {
        let label = self.activation_label();
        let kind = ActivationKind::from_name(label.split('(').next().unwrap_or(label));
        match label {
            _ if kind.is_some_and(|k| !k.with_slope(None).has_kink()) => String::new(),
            a if a.starts_with("leaky_relu") => {
                format!("   ambiguous leaky-ReLU units {}", self.ambiguous_units)
            }
            _ => format!("   ambiguous ReLU units {}", self.ambiguous_units),
        }
    }

    /// The few lines printed at the end of `compare`.
    pub fn text(&self) -> String {
        let mut s = String::new();
        if let Some(why) = &self.diverged {
            let _ = writeln!(
                s,
                "{}, {} planned",
                self.headline(),
                count(self.epochs, "epoch")
            );
            if let (Some(m), Some(b)) = (self.initial_loss_manual, self.initial_loss_burn) {
                let _ = writeln!(
                    s,
                    "  initial loss  hand-written {}   burn {}",
                    loss_text(m),
                    loss_text(b)
                );
            }
            let _ = write!(s, "  result        DIVERGED: {why}");
            return s;
        }
        let pct = |a: f64| format!("{:.1}%", 100.0 * a);
        let _ = match self.stop_at_step {
            Some(stop) => writeln!(
                s,
                "{}, stopped at step {stop} (stop_at_step) in epoch {}; the losses and \
                 accuracies are the last whole epoch's",
                self.headline(),
                self.epochs
            ),
            None => writeln!(
                s,
                "{}, {} = {}",
                self.headline(),
                count(self.epochs, "epoch"),
                count(self.steps, "step")
            ),
        };
        if let Some(device) = &self.device {
            let _ = writeln!(s, "  device        {device}");
        }
        let _ = writeln!(
            s,
            "  final loss    hand-written {}   burn ({}) {}",
            loss_text(self.final_loss_manual),
            self.backend.as_deref().unwrap_or("backend n/a"),
            loss_text(self.final_loss_burn)
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
            "  agreement     max err_bound {} (limit {}){}{}",
            bound_text(self.max_err_bound),
            self.err_bound_limit,
            if self.bit_identical {
                "   bit for bit"
            } else {
                ""
            },
            self.kinks_text()
        );
        let _ = writeln!(
            s,
            "  reported      max grad_rel_err {} ({})   max drift {} ({})",
            err_text(self.max_grad_rel_err),
            tol_text(self.grad_tol),
            err_text(self.max_drift),
            tol_text(self.drift_tol),
        );
        let _ = writeln!(
            s,
            "  time          hand-written {:.3} s   burn {:.3} s",
            self.seconds_manual, self.seconds_burn
        );
        if let Some(why) = &self.halted {
            let _ = writeln!(s, "  halted        {why}");
        }
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

/// A loss for the summary: six decimals, or three digits in scientific notation when that would
/// show only zeros.
/// `1 epoch`, `2 epochs`: a count with its noun (plural by adding `s`).
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn loss_text(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:.3e}")
    } else {
        format!("{v:.6}")
    }
}

/// A relative error for the summary: `0` when exact, else two digits.
fn err_text(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned()
    } else {
        format!("{v:.2e}")
    }
}

fn tol_text(tol: Option<f64>) -> String {
    tol.map(|t| format!("tol {t:.0e}"))
        .unwrap_or_else(|| "not gated".to_owned())
}

/// An `err_bound` (in units of the rounding bound): `0` when exact, else three digits.
pub fn bound_text(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned()
    } else if v.is_finite() && (1e-3..1e4).contains(&v) {
        format!("{v:.3}")
    } else {
        format!("{v:.2e}")
    }
}

#[cfg(test)]
mod tests {
    use super::loss_text;

    #[test]
    fn a_tiny_loss_shows_its_digits() {
        assert_eq!(loss_text(3.5e-7), "3.500e-7");
        assert_eq!(loss_text(0.015923), "0.015923");
        assert_eq!(loss_text(0.0), "0.000000");
    }
}
