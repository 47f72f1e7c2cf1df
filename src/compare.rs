//! The lockstep harness: both twins start from the same parameters, see the same batches, take
//! their own SGD steps, and every step the harness measures how far apart they are.
//!
//! Two measures, each over the loss and every parameter gradient, as the relative error
//! `max|a − b| / max(max|a|, max|b|)`:
//! - `drift`: the hand-written twin's own loss and gradients against burn's, as they train apart;
//! - `grad_rel_err`: the hand-written loss and gradients evaluated at burn's current parameters,
//!   against burn's; this isolates implementation error from accumulated drift.

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};
use ndarray::{Array2, Axis};
use rand::seq::SliceRandom;
use serde::Serialize;

use crate::burn_mlp::BurnTwin;
use crate::config::{Backend, Config, DataKind, Precision, Tolerances, TrainConfig};
use crate::data::{self, Dataset, Normaliser};
use crate::manual::{self, Scalar, Sgd};
use crate::params::{Params, tensor_name};
use crate::rng::{Stream, rng};

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
fn worst(loss_a: f64, grads_a: &Params, loss_b: f64, grads_b: &Params) -> (f64, String) {
    let mut worst = (rel_err(&[loss_a], &[loss_b]), "loss".to_owned());
    for ((name, a), (_, b)) in grads_a.named().iter().zip(grads_b.named()) {
        let e = rel_err(a, &b);
        if e > worst.0 || e.is_nan() {
            worst = (e, format!("grad {name}"));
        }
    }
    worst
}

/// Training and test rows, normalised with the training rows' statistics.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub raw: Dataset,
    pub train: Dataset,
    pub test: Dataset,
    pub normaliser: Normaliser,
    pub warnings: Vec<String>,
}

/// Loads the config's data, splits it and normalises both splits.
pub fn prepare(config: &Config) -> Result<Prepared> {
    let raw = data::load(&config.data, config.seed, &config.base_dir).map_err(|e| {
        // A generator's complaint is about the config's numbers; a CSV's names its own file.
        match (&config.file, config.data.kind) {
            (Some(file), kind) if kind != DataKind::Csv => {
                e.context(format!("config file {}", file.display()))
            }
            _ => e,
        }
    })?;
    let split = data::split(&raw, config.data.test_fraction, config.seed);
    let normaliser = Normaliser::fit(&split.train.x);
    let mut warnings = Vec::new();
    for &j in &normaliser.constant_features {
        warnings.push(format!(
            "feature {} is constant on the training rows: it keeps scale 1 and carries no information",
            j + 1
        ));
    }
    let normalise = |d: Dataset| Dataset {
        x: normaliser.apply(&d.x),
        ..d
    };
    Ok(Prepared {
        train: normalise(split.train),
        test: normalise(split.test),
        raw,
        normaliser,
        warnings,
    })
}

/// Layer sizes `[inputs, hidden…, classes]` for a config and its data.
pub fn layer_sizes(config: &Config, prepared: &Prepared) -> Vec<usize> {
    let mut sizes = vec![prepared.train.x.ncols()];
    sizes.extend(&config.model.hidden);
    sizes.push(prepared.raw.classes);
    sizes
}

/// The hand-written twin behind plain values, whatever its float type.
pub trait ManualNet {
    /// Loss and gradients on a batch, then one SGD step; returns the pre-step loss and gradients.
    fn train_step(&mut self, x: &Array2<f64>, y: &[usize], learning_rate: f64) -> (f64, Params);
    fn loss_and_grads(&mut self, x: &Array2<f64>, y: &[usize]) -> (f64, Params);
    fn loss(&mut self, x: &Array2<f64>, y: &[usize]) -> f64;
    fn predict(&mut self, x: &Array2<f64>) -> Vec<usize>;
    fn params(&self) -> Params;
}

impl<T: Scalar> ManualNet for manual::Mlp<T> {
    fn train_step(&mut self, x: &Array2<f64>, y: &[usize], learning_rate: f64) -> (f64, Params) {
        let out = self.loss_and_grads(x, y);
        Sgd { learning_rate }.step(self);
        out
    }
    fn loss_and_grads(&mut self, x: &Array2<f64>, y: &[usize]) -> (f64, Params) {
        let loss = self.loss_and_backward(&x.mapv(T::of_f64), y);
        (loss.into_f64(), self.grads())
    }
    fn loss(&mut self, x: &Array2<f64>, y: &[usize]) -> f64 {
        manual::Mlp::loss(self, &x.mapv(T::of_f64), y).into_f64()
    }
    fn predict(&mut self, x: &Array2<f64>) -> Vec<usize> {
        manual::Mlp::predict(self, &x.mapv(T::of_f64))
    }
    fn params(&self) -> Params {
        manual::Mlp::params(self)
    }
}

/// The hand-written twin in the run's precision.
pub fn manual_net(params: &Params, precision: Precision) -> Box<dyn ManualNet> {
    match precision {
        Precision::F32 => Box::new(manual::Mlp::<f32>::from_params(params)),
        Precision::F64 => Box::new(manual::Mlp::<f64>::from_params(params)),
    }
}

/// One row of `metrics.csv`: the state after an epoch.
#[derive(Debug, Clone, Serialize)]
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
    /// Largest value so far.
    pub max_grad_rel_err: f64,
    pub max_drift: f64,
    /// Training time so far (steps only, not the checks).
    pub seconds_manual: f64,
    pub seconds_burn: f64,
    /// Largest value within this epoch's steps.
    pub grad_rel_err: f64,
    pub drift: f64,
}

/// The first step at which the twins disagreed beyond tolerance.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    pub epoch: usize,
    /// Global step index, from 0.
    pub step: usize,
    /// `grad_rel_err` or `drift`.
    pub measure: &'static str,
    /// `loss` or `grad layers.{i}.weight|bias`.
    pub tensor: String,
    pub value: f64,
    pub tolerance: f64,
}

impl std::fmt::Display for Disagreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the twins disagree at epoch {}, step {}: {} of {} is {:.3e}, tolerance {:.1e}",
            self.epoch, self.step, self.measure, self.tensor, self.value, self.tolerance
        )
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
    pub first_disagreement: Option<Disagreement>,
    pub final_manual: Params,
    pub final_burn: Params,
}

impl RunResult {
    pub fn passed(&self) -> bool {
        self.first_disagreement.is_none()
    }
}

fn accuracy(predicted: &[usize], y: &[usize]) -> f64 {
    let right = predicted.iter().zip(y).filter(|(p, t)| p == t).count();
    right as f64 / y.len().max(1) as f64
}

/// A run whose loss or gradients became NaN or infinite, or whose loss grew more than
/// [`LOSS_BLOWUP`] times: the error [`train_lockstep`] returns
/// then (inside an `anyhow::Error`; `downcast_ref::<Diverged>()` finds it), with the epochs
/// completed before the step that diverged. Its message names the step, the twin and the tensor.
#[derive(Debug)]
pub struct Diverged {
    pub message: String,
    /// Metrics of the completed epochs; the parameters at the step that diverged.
    pub partial: Box<RunResult>,
}

impl std::fmt::Display for Diverged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diverged {}

fn diverged(epoch: usize, step: usize, twin: &str, what: &str) -> String {
    format!(
        "training diverged at epoch {epoch}, step {step}: the {twin} twin's {what} is NaN or infinite; \
         try a smaller learning_rate or init = \"he\""
    )
}

/// How far a step's loss may rise above the initial loss (or 1, if that is smaller) before the
/// run counts as diverged. f64 reaches 1e308 before it overflows, so an overshooting run can
/// climb for a long while, or stall with every ReLU dead, without ever becoming NaN; healthy
/// runs, even from N(0, 1) on deep nets, stay far below this.
pub const LOSS_BLOWUP: f64 = 1e3;

/// A loss that is NaN, infinite or [`LOSS_BLOWUP`] times too large, as the message to stop with.
fn check_loss(
    loss: f64,
    initial_loss: f64,
    epoch: usize,
    step: usize,
    twin: &str,
) -> Result<(), String> {
    if !loss.is_finite() {
        return Err(diverged(epoch, step, twin, "loss"));
    }
    if loss > LOSS_BLOWUP * initial_loss.max(1.0) {
        return Err(format!(
            "training diverged at epoch {epoch}, step {step}: the {twin} twin's loss grew from \
             {initial_loss:.4} to {loss:.3e}; try a smaller learning_rate or init = \"he\""
        ));
    }
    Ok(())
}

/// The first sign of divergence in one twin's step, as the message to stop with.
fn check_sane(
    loss: f64,
    grads: &Params,
    initial_loss: f64,
    epoch: usize,
    step: usize,
    twin: &str,
) -> Result<(), String> {
    check_loss(loss, initial_loss, epoch, step, twin)?;
    for (i, l) in grads.layers.iter().enumerate() {
        if !l.weight.iter().all(|v| v.is_finite()) {
            return Err(diverged(
                epoch,
                step,
                twin,
                &format!("gradient of {}", tensor_name(i, false)),
            ));
        }
        if !l.bias.iter().all(|v| v.is_finite()) {
            return Err(diverged(
                epoch,
                step,
                twin,
                &format!("gradient of {}", tensor_name(i, true)),
            ));
        }
    }
    Ok(())
}

/// Trains both twins in lockstep from `initial` and measures their agreement every step, with
/// the burn twin on the default backend. `on_epoch` sees each epoch's metrics as they come (for
/// progress output).
pub fn train_lockstep(
    prepared: &Prepared,
    initial: &Params,
    train: &TrainConfig,
    precision: Precision,
    tolerances: Tolerances,
    seed: u64,
    on_epoch: impl FnMut(&EpochMetrics),
) -> Result<RunResult> {
    let settings = Lockstep {
        precision,
        backend: Backend::default(),
        tolerances,
        seed,
    };
    train_lockstep_on(prepared, initial, train, settings, on_epoch)
}

/// How a lockstep run is checked, and where the burn twin runs.
#[derive(Debug, Clone, Copy)]
pub struct Lockstep {
    pub precision: Precision,
    pub backend: Backend,
    pub tolerances: Tolerances,
    /// Drives the batch order.
    pub seed: u64,
}

/// [`train_lockstep`] with the burn twin on a chosen backend.
pub fn train_lockstep_on(
    prepared: &Prepared,
    initial: &Params,
    train: &TrainConfig,
    settings: Lockstep,
    mut on_epoch: impl FnMut(&EpochMetrics),
) -> Result<RunResult> {
    let Lockstep {
        precision,
        backend,
        tolerances,
        seed,
    } = settings;
    let initial = initial.rounded(precision);
    if !initial.all_finite() {
        bail!(
            "the initial parameters hold values too large for {}",
            precision.name()
        );
    }
    let mut manual = manual_net(&initial, precision);
    let mut burn = BurnTwin::with_backend(&initial, precision, backend)?;
    let (x, y) = (&prepared.train.x, &prepared.train.y);
    let n = x.nrows();
    if n == 0 {
        bail!("the training split is empty");
    }
    let batch_size = train.batch_size.min(n);
    let mut order: Vec<usize> = (0..n).collect();
    let mut batch_rng = rng(seed, Stream::Batches);
    let lr = train.learning_rate;

    let mut result = RunResult {
        initial_loss_manual: manual.loss(x, y),
        initial_loss_burn: burn.loss(x, y),
        metrics: Vec::new(),
        steps: 0,
        max_grad_rel_err: 0.0,
        max_drift: 0.0,
        first_disagreement: None,
        final_manual: initial.clone(),
        final_burn: initial.clone(),
    };
    let initial_loss = result.initial_loss_burn;
    let (mut seconds_manual, mut seconds_burn) = (0.0, 0.0);
    let stop = |result: &mut RunResult,
                manual: &dyn ManualNet,
                burn: &BurnTwin,
                message: String|
     -> anyhow::Error {
        result.final_manual = manual.params();
        result.final_burn = burn.params();
        anyhow::Error::new(Diverged {
            message,
            partial: Box::new(result.clone()),
        })
    };
    for epoch in 1..=train.epochs {
        if train.shuffle {
            order.shuffle(&mut batch_rng);
        }
        let (mut epoch_grad_err, mut epoch_drift) = (0.0f64, 0.0f64);
        for batch in order.chunks(batch_size) {
            let step = result.steps;
            if crate::interrupt::requested() {
                return Err(crate::interrupt::Interrupted { epoch, step }.into());
            }
            let xb = x.select(Axis(0), batch);
            let yb: Vec<usize> = batch.iter().map(|&i| y[i]).collect();

            let burn_params = burn.params();
            let t = Instant::now();
            let (loss_b, grads_b) = burn.train_step(&xb, &yb, lr);
            seconds_burn += t.elapsed().as_secs_f64();
            if let Err(m) = check_sane(loss_b, &grads_b, initial_loss, epoch, step, "burn") {
                return Err(stop(&mut result, manual.as_ref(), &burn, m));
            }

            let t = Instant::now();
            let (loss_m, grads_m) = manual.train_step(&xb, &yb, lr);
            seconds_manual += t.elapsed().as_secs_f64();
            if let Err(m) = check_sane(loss_m, &grads_m, initial_loss, epoch, step, "hand-written")
            {
                return Err(stop(&mut result, manual.as_ref(), &burn, m));
            }

            // The hand-written math at burn's own parameters: no drift can hide in this one.
            let (loss_c, grads_c) = manual_net(&burn_params, precision).loss_and_grads(&xb, &yb);
            if let Err(m) = check_sane(loss_c, &grads_c, initial_loss, epoch, step, "hand-written")
            {
                return Err(stop(&mut result, manual.as_ref(), &burn, m));
            }

            let (grad_err, grad_at) = worst(loss_c, &grads_c, loss_b, &grads_b);
            let (drift, drift_at) = worst(loss_m, &grads_m, loss_b, &grads_b);
            result.max_grad_rel_err = result.max_grad_rel_err.max(grad_err);
            result.max_drift = result.max_drift.max(drift);
            epoch_grad_err = epoch_grad_err.max(grad_err);
            epoch_drift = epoch_drift.max(drift);
            if result.first_disagreement.is_none() {
                let failed = if grad_err > tolerances.grad_tol {
                    Some(("grad_rel_err", grad_at, grad_err, tolerances.grad_tol))
                } else if drift > tolerances.drift_tol {
                    Some(("drift", drift_at, drift, tolerances.drift_tol))
                } else {
                    None
                };
                if let Some((measure, tensor, value, tolerance)) = failed {
                    result.first_disagreement = Some(Disagreement {
                        epoch,
                        step,
                        measure,
                        tensor,
                        value,
                        tolerance,
                    });
                }
            }
            result.steps += 1;
        }

        let test = &prepared.test;
        let has_test = test.x.nrows() > 0;
        let metrics = EpochMetrics {
            epoch,
            loss_manual: manual.loss(x, y),
            loss_burn: burn.loss(x, y),
            train_acc_manual: accuracy(&manual.predict(x), y),
            train_acc_burn: accuracy(&burn.predict(x), y),
            test_acc_manual: has_test.then(|| accuracy(&manual.predict(&test.x), &test.y)),
            test_acc_burn: has_test.then(|| accuracy(&burn.predict(&test.x), &test.y)),
            max_grad_rel_err: result.max_grad_rel_err,
            max_drift: result.max_drift,
            seconds_manual,
            seconds_burn,
            grad_rel_err: epoch_grad_err,
            drift: epoch_drift,
        };
        // The last step's update is only seen here, in the loss on the whole split.
        for (twin, loss) in [
            ("burn", metrics.loss_burn),
            ("hand-written", metrics.loss_manual),
        ] {
            if let Err(m) = check_loss(loss, initial_loss, epoch, result.steps, twin) {
                return Err(stop(&mut result, manual.as_ref(), &burn, m));
            }
        }
        on_epoch(&metrics);
        result.metrics.push(metrics);
    }
    result.final_manual = manual.params();
    result.final_burn = burn.params();
    Ok(result)
}

/// Far above any toy net; the twins hold several copies of every parameter, so a typo of a few
/// extra digits in `hidden` would otherwise abort on allocation.
pub const MAX_PARAMETERS: usize = 10_000_000;

/// Initial parameters: from a file when given, else drawn from the seed.
pub fn initial_params(
    config: &Config,
    sizes: &[usize],
    init_file: Option<&Path>,
) -> Result<Params> {
    let count: u128 = sizes
        .windows(2)
        .map(|w| (w[0] as u128 + 1) * w[1] as u128)
        .sum();
    if count > MAX_PARAMETERS as u128 {
        let file = config
            .file
            .as_ref()
            .map(|f| format!("config file {}: ", f.display()))
            .unwrap_or_default();
        bail!(
            "{file}[model] hidden = {:?} makes a network of {count} parameters (layer sizes {sizes:?}), more than the {MAX_PARAMETERS} allowed",
            config.model.hidden
        );
    }
    let Some(path) = init_file else {
        return Ok(Params::init(sizes, config.model.init, config.seed));
    };
    let params = Params::load(path, sizes)?;
    // An f64 file may hold values beyond f32; found later, it would look like a divergence.
    let precision = config.compare.precision;
    let rounded = params.rounded(precision);
    if let Some((name, _)) = rounded
        .named()
        .into_iter()
        .find(|(_, v)| v.iter().any(|x| !x.is_finite()))
    {
        bail!(
            "bad parameter file {}: tensor `{name}` holds values beyond the {} range: use precision = \"f64\"",
            path.display(),
            precision.name()
        );
    }
    Ok(params)
}
