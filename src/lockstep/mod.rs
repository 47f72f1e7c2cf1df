//! The lockstep harness: both twins start from the same parameters, see the same batches, take
//! their own optimizer steps, and every step the harness measures how far apart they are.
//!
//! The gate is `err_bound` ([`crate::agreement`]): the hand-written loss, gradients and update
//! evaluated at burn's current parameters, against burn's, in units of what rounding (and ReLU
//! kinks) can explain. Two more measures are reported, as the relative error
//! `max|a − b| / max(max|a|, max|b|)` over the loss and every gradient:
//! - `grad_rel_err`: the same comparison at burn's parameters, without the rounding scale;
//! - `drift`: the hand-written twin's own loss and gradients against burn's, as they train apart.
//!
//! Either is a gate too when the config sets `grad_tol` or `drift_tol`.

use anyhow::{Result, bail};
use rand::seq::SliceRandom;

use crate::agreement::Tolerances;
use crate::burn_mlp::BurnTwin;
use crate::config::{Activation, Backend, Config, Optimizer, Precision, TrainConfig};
use crate::data::Prepared;
use crate::divergence::{Blowup, Diverged, check_loss};
use crate::metrics::{EpochMetrics, RunResult, accuracy};
use crate::params::{OptimizerState, Params};
use crate::rng::{Stream, rng};
use crate::twins::{
    ManualNet, NetSpec, burn_twin, chunked_loss, chunked_loss_and_predict, manual_net,
};

/// How a lockstep run is checked, and where the burn twin runs.
#[derive(Debug, Clone, Copy)]
pub struct LockstepOptions {
    pub precision: Precision,
    pub backend: Backend,
    pub activation: Activation,
    pub optimizer: Optimizer,
    pub tolerances: Tolerances,
    /// Drives the batch order.
    pub seed: u64,
}

mod step;

impl LockstepOptions {
    /// What both twins are built with, at `learning_rate`.
    pub fn net(&self, learning_rate: f64) -> NetSpec {
        NetSpec {
            precision: self.precision,
            activation: self.activation,
            optimizer: self.optimizer,
            learning_rate,
        }
    }

    /// A config's precision, backend, limits and seed.
    pub fn of(config: &Config) -> LockstepOptions {
        LockstepOptions {
            precision: config.compare.precision,
            backend: config.compare.backend,
            activation: config.model.activation(),
            optimizer: config.train.optimizer(),
            tolerances: Tolerances::of(&config.compare),
            seed: config.seed,
        }
    }
}

/// What one lockstep step measured.
#[derive(Debug, Clone)]
pub struct StepReport {
    pub epoch: usize,
    /// Global step index, from 0.
    pub step: usize,
    pub loss_burn: f64,
    pub loss_manual: f64,
    pub grad_rel_err: f64,
    pub drift: f64,
    /// The worst of the gradient and the update `err_bound`.
    pub err_bound: f64,
    pub ambiguous_units: usize,
    /// Probe and burn agreed bit for bit on the loss, every gradient and the update, and the
    /// hand-written twin's own loss and gradients equalled burn's.
    pub bit_identical: bool,
}

/// The harness: both twins, the probe, the batch order and everything measured so far.
///
/// Each step the burn twin and the hand-written twin take their own optimizer step on the same
/// batch; the probe, one more hand-written net, is set to burn's parameters first, so its loss,
/// gradients and update are judged against burn's at the same point ([`crate::agreement`]).
pub struct Lockstep<'a> {
    prepared: &'a Prepared,
    train: TrainConfig,
    settings: LockstepOptions,
    manual: Box<dyn ManualNet>,
    probe: Box<dyn ManualNet>,
    burn: BurnTwin,
    /// Burn's parameters and optimizer state before the next step.
    burn_params: Params,
    burn_state: OptimizerState,
    order: Vec<usize>,
    batch_rng: rand_chacha::ChaCha8Rng,
    epoch: usize,
    /// Where the next batch starts in `order`; 0 between epochs.
    cursor: usize,
    /// The worst of each measure within the current epoch.
    within: EpochWorst,
    /// Sums and maxima so far; the final parameters are filled in by [`Lockstep::finish`].
    result: RunResult,
    seconds_manual: f64,
    seconds_burn: f64,
}

impl<'a> Lockstep<'a> {
    /// Both twins at `initial` (rounded to the run's precision), ready for the first epoch.
    pub fn new(
        prepared: &'a Prepared,
        initial: &Params,
        train: &TrainConfig,
        settings: LockstepOptions,
    ) -> Result<Self> {
        let precision = settings.precision;
        let initial = initial.rounded(precision);
        if !initial.all_finite() {
            bail!(
                "the initial parameters hold values too large for {}",
                precision.name()
            );
        }
        let (x, y) = (&prepared.train.x, &prepared.train.y);
        if x.nrows() == 0 {
            bail!("the training split is empty");
        }
        let net = settings.net(train.learning_rate);
        let mut manual = manual_net(&initial, net);
        let burn = burn_twin(&initial, net, settings.backend)?;
        let result = RunResult {
            initial_loss_manual: chunked_loss(x, y, |x, y| manual.loss(x, y)),
            initial_loss_burn: chunked_loss(x, y, |x, y| burn.loss(x, y)),
            metrics: Vec::new(),
            steps: 0,
            max_grad_rel_err: 0.0,
            max_drift: 0.0,
            max_err_bound: 0.0,
            max_err_bound_at: String::new(),
            ambiguous_units: 0,
            bit_identical: true,
            first_disagreement: None,
            final_manual: initial.clone(),
            final_burn: initial.clone(),
            final_manual_state: OptimizerState::default(),
            final_burn_state: OptimizerState::default(),
            halted: None,
        };
        Ok(Lockstep {
            prepared,
            train: train.clone(),
            settings,
            probe: manual_net(&initial, net),
            manual,
            burn,
            burn_params: initial,
            burn_state: OptimizerState::default(),
            order: (0..x.nrows()).collect(),
            batch_rng: rng(settings.seed, Stream::Batches),
            epoch: 0,
            cursor: 0,
            within: EpochWorst::default(),
            result,
            seconds_manual: 0.0,
            seconds_burn: 0.0,
        })
    }

    /// The run stopped at burn's failure ([`RunResult::halted`]): no more steps.
    pub fn halted(&self) -> bool {
        self.result.halted.is_some()
    }

    /// The run so far.
    pub fn result(&self) -> &RunResult {
        &self.result
    }

    /// The burn twin's current parameters.
    pub fn burn_params(&self) -> &Params {
        &self.burn_params
    }

    /// The hand-written twin's current parameters.
    pub fn manual_params(&self) -> Params {
        self.manual.params()
    }

    /// Both twins as they are now, for views that evaluate them (the playground's rasters).
    pub fn twins(&mut self) -> (&mut dyn ManualNet, &BurnTwin) {
        (self.manual.as_mut(), &self.burn)
    }

    /// Epochs ended so far.
    pub fn epochs_done(&self) -> usize {
        if self.cursor == 0 {
            self.epoch
        } else {
            self.epoch - 1
        }
    }

    /// Steps taken in the current epoch (0 between epochs).
    pub fn steps_into_epoch(&self) -> usize {
        self.cursor.div_ceil(self.batch_size())
    }

    fn batch_size(&self) -> usize {
        self.train.batch_size.min(self.order.len()).max(1)
    }

    /// Stops with a divergence: the result so far, with the current parameters.
    fn diverged(&mut self, message: String, at: Blowup) -> anyhow::Error {
        self.result.final_manual = self.manual.params();
        self.result.final_burn = self.burn_params.clone();
        anyhow::Error::new(Diverged {
            message,
            at,
            partial: Box::new(self.result.clone()),
        })
    }

    /// One step on the next batch of the epoch under way (a new epoch, shuffled, when none is);
    /// after an epoch's last batch, also that epoch's losses and accuracies. [`Lockstep::epoch`]
    /// is this until an epoch ends, so stepping one batch at a time trains exactly as it does.
    pub fn advance(&mut self) -> Result<(StepReport, Option<EpochMetrics>)> {
        if self.cursor == 0 {
            self.epoch += 1;
            if self.train.shuffle {
                self.order.shuffle(&mut self.batch_rng);
            }
            self.within = EpochWorst::default();
        }
        let start = self.cursor;
        let end = (start + self.batch_size()).min(self.order.len());
        let order = std::mem::take(&mut self.order);
        let report = self.step(&order[start..end]);
        self.order = order;
        let report = report?;
        self.within.add(&report);
        self.cursor = end;
        // A halted run ends its epoch here: the twins cannot be compared past burn's failure.
        if end < self.order.len() && self.result.halted.is_none() {
            return Ok((report, None));
        }
        self.cursor = 0;
        Ok((report, Some(self.end_epoch()?)))
    }

    /// One epoch: a (shuffled) pass over the training rows in batches, then the losses and
    /// accuracies of both twins on both splits.
    pub fn epoch(&mut self) -> Result<EpochMetrics> {
        loop {
            if let (_, Some(metrics)) = self.advance()? {
                return Ok(metrics);
            }
        }
    }

    /// The losses and accuracies after an epoch's last step.
    fn end_epoch(&mut self) -> Result<EpochMetrics> {
        let epoch = self.epoch;
        let within = std::mem::take(&mut self.within);
        let (x, y) = (&self.prepared.train.x, &self.prepared.train.y);
        let test = &self.prepared.test;
        let has_test = test.x.nrows() > 0;
        let (manual, burn) = (&mut self.manual, &self.burn);
        let (loss_manual, train_manual) =
            chunked_loss_and_predict(x, y, |x, y| manual.loss_and_predict(x, y));
        let (loss_burn, train_burn) =
            chunked_loss_and_predict(x, y, |x, y| burn.loss_and_predict(x, y));
        let (test_manual, test_burn) = if has_test {
            let (tx, ty) = (&test.x, &test.y);
            (
                Some(chunked_loss_and_predict(tx, ty, |x, y| {
                    manual.loss_and_predict(x, y)
                })),
                Some(chunked_loss_and_predict(tx, ty, |x, y| {
                    burn.loss_and_predict(x, y)
                })),
            )
        } else {
            (None, None)
        };
        let test_acc = |t: &Option<(f64, Vec<usize>)>| {
            t.as_ref()
                .map(|(_, predicted)| accuracy(predicted, &test.y))
        };
        let r = &self.result;
        let metrics = EpochMetrics {
            epoch,
            loss_manual,
            loss_burn,
            train_acc_manual: accuracy(&train_manual, y),
            train_acc_burn: accuracy(&train_burn, y),
            test_acc_manual: test_acc(&test_manual),
            test_acc_burn: test_acc(&test_burn),
            test_loss_manual: test_manual.as_ref().map(|t| t.0),
            test_loss_burn: test_burn.as_ref().map(|t| t.0),
            max_grad_rel_err: r.max_grad_rel_err,
            max_drift: r.max_drift,
            max_err_bound: r.max_err_bound,
            seconds_manual: self.seconds_manual,
            seconds_burn: self.seconds_burn,
            grad_rel_err: within.grad_rel_err,
            drift: within.drift,
            err_bound: within.err_bound,
            ambiguous_units: within.ambiguous_units,
        };
        // The last step's update is only seen here, in the loss on the whole split. A halted
        // run's burn twin is already known broken: its loss is reported, not a divergence.
        let initial_loss = r.initial_loss_burn;
        let burn = (r.halted.is_none()).then_some(("burn", metrics.loss_burn));
        for (twin, loss) in burn
            .into_iter()
            .chain([("hand-written", metrics.loss_manual)])
        {
            if let Err(m) = check_loss(loss, initial_loss, epoch, r.steps, twin) {
                let at = Blowup {
                    epoch,
                    step: r.steps,
                    loss,
                };
                return Err(self.diverged(m, at));
            }
        }
        self.result.metrics.push(metrics.clone());
        Ok(metrics)
    }

    /// The run with both twins' final parameters.
    pub fn finish(mut self) -> RunResult {
        self.result.final_manual = self.manual.params();
        self.result.final_burn = self.burn_params;
        self.result.final_manual_state = self.manual.optimizer_state();
        self.result.final_burn_state = self.burn_state;
        self.result
    }
}

/// The worst of each measure within one epoch.
#[derive(Debug, Default)]
struct EpochWorst {
    grad_rel_err: f64,
    drift: f64,
    err_bound: f64,
    ambiguous_units: usize,
}

impl EpochWorst {
    fn add(&mut self, s: &StepReport) {
        self.grad_rel_err = self.grad_rel_err.max(s.grad_rel_err);
        self.drift = self.drift.max(s.drift);
        self.err_bound = if s.err_bound.is_nan() {
            f64::NAN
        } else {
            self.err_bound.max(s.err_bound)
        };
        self.ambiguous_units += s.ambiguous_units;
    }
}
