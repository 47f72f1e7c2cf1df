//! One lockstep step, as a list of what it does: both twins step on the batch, each is checked
//! sane, the probe computes the hand-written loss, gradients and update at burn's point, the
//! step is judged ([`crate::agreement`] for `err_bound`, relative errors for the other two
//! measures) and recorded, and the first measure over its limit is the run's disagreement.

use std::time::Instant;

use anyhow::Result;
use ndarray::{Array2, Axis};

use super::{Lockstep, LockstepOptions, StepReport};
use crate::agreement;
use crate::data::Dataset;
use crate::divergence::{Blowup, check_sane, non_finite};
use crate::metrics::{Disagreement, Measure, Measured, worst};
use crate::params::{OptimizerState, Params};

impl Lockstep<'_> {
    /// One step on the training rows `batch`: both twins step, the probe is judged at burn's
    /// parameters, and the first disagreement is recorded.
    pub fn step(&mut self, batch: &[usize]) -> Result<StepReport> {
        let at = (self.epoch.max(1), self.result.steps);
        stop_if_interrupted(at)?;
        let (xb, yb) = batch_rows(&self.prepared.train, batch);

        let burn = timed(&mut self.seconds_burn, || self.burn.train_step(&xb, &yb));
        let burn_broke = non_finite(burn.0, &burn.1);
        if burn_broke.is_none() {
            self.sane(&burn, at, "burn")?;
        }
        let manual = timed(&mut self.seconds_manual, || {
            self.manual.train_step(&xb, &yb)
        });
        // The hand-written math at burn's own parameters: no drift can hide in this one.
        let before = std::mem::replace(&mut self.burn_params, self.burn.params());
        self.probe.set_params(&before);
        let probe = self.probe.loss_and_grads(&xb, &yb);
        if let Some(what) = burn_broke {
            self.burn_broke(&what, &burn, [&manual, &probe], at)?;
        }
        self.sane(&manual, at, "hand-written")?;
        self.sane(&probe, at, "hand-written")?;
        // The hand-written step from burn's point with burn's gradient and optimizer state.
        let state_before = std::mem::replace(&mut self.burn_state, self.burn.optimizer_state());
        let updated = self.probe.update(&burn.1, &state_before);

        let judged = self.judge(Outcome {
            batch: (&xb, &yb),
            before: (&before, &state_before),
            burn: &burn,
            manual: &manual,
            probe: &probe,
            updated: &updated,
        });
        self.record(&judged, at.1);
        if self.result.first_disagreement.is_none() {
            let first = judged.measured.first_over(&self.settings.tolerances);
            let point = (&before, (&xb, &yb[..]), (&probe, &burn));
            self.result.first_disagreement =
                first.map(|m| self.disagreement(m, &judged.measured, point, at));
        }
        self.result.steps += 1;
        Ok(judged.report(at, burn.0, manual.0))
    }

    /// A twin's loss and gradients are finite and the loss has not blown up; else the run
    /// stops here with a divergence.
    fn sane(&mut self, result: &(f64, Params), at: (usize, usize), twin: &str) -> Result<()> {
        self.check(result, at, twin).map_err(|m| {
            let (epoch, step) = at;
            let blowup = Blowup {
                epoch,
                step,
                loss: result.0,
            };
            self.diverged(m, blowup)
        })
    }

    /// Burn's `what` is NaN or infinite. Where a hand-written twin is not sane either, the
    /// training diverged (burn named, as it steps first); where both are, this is burn's
    /// failure: the step is judged (an infinite `err_bound`) and the run halts after it.
    fn burn_broke(
        &mut self,
        what: &str,
        burn: &(f64, Params),
        hand_written: [&(f64, Params); 2],
        at: (usize, usize),
    ) -> Result<()> {
        if hand_written
            .iter()
            .any(|h| self.check(h, at, "hand-written").is_err())
        {
            return self.sane(burn, at, "burn");
        }
        self.result.halted = Some(format!(
            "at epoch {}, step {}, burn's {what} is NaN or infinite where the hand-written \
             twin's, at the same parameters, is finite: no step after it can be compared",
            at.0, at.1
        ));
        Ok(())
    }

    /// The message of [`Self::sane`]'s divergence, if any.
    fn check(
        &self,
        (loss, grads): &(f64, Params),
        (epoch, step): (usize, usize),
        twin: &str,
    ) -> Result<(), String> {
        check_sane(
            *loss,
            grads,
            self.result.initial_loss_burn,
            epoch,
            step,
            twin,
        )
    }

    /// The step's three measures, against burn's parameters and state after the step.
    fn judge(&self, o: Outcome) -> Judged {
        let LockstepOptions {
            precision,
            activation,
            optimizer,
            ..
        } = self.settings;
        let (before, state_before) = o.before;
        let ((loss_b, grads_b), (loss_c, grads_c)) = (o.burn, o.probe);
        let (updated, state_updated) = o.updated;
        let lr = self.train.learning_rate;
        let (xb, yb) = o.batch;
        let xb_seen = xb.mapv(|v| agreement::round_to(v, precision));
        let scales = agreement::gradient_scales(before, (&xb_seen, yb), activation, precision);
        let step_scales =
            agreement::update_scales(optimizer, (before, grads_b, state_before), lr, precision);
        let grad =
            agreement::judge_grads((*loss_c, grads_c), (*loss_b, grads_b), &scales, precision);
        let update = agreement::judge_update(
            (updated, state_updated),
            (&self.burn_params, &self.burn_state),
            (&step_scales.params, &step_scales.buffers),
            precision,
        );
        // The worst of the two, NaN worst of all; a gradient that is not finite is named first,
        // since the update only carries it on.
        let err_bound = if grad.0.is_finite() && (update.0 > grad.0 || update.0.is_nan()) {
            update
        } else {
            grad
        };
        let grad_rel_err = worst(*loss_c, grads_c, *loss_b, grads_b);
        let drift = worst(o.manual.0, &o.manual.1, *loss_b, grads_b);
        let bit_identical = grad_rel_err.0 == 0.0
            && drift.0 == 0.0
            && *updated == self.burn_params
            && *state_updated == self.burn_state;
        Judged {
            measured: Measured::new(err_bound, grad_rel_err, drift),
            ambiguous_units: scales.ambiguous_units,
            bit_identical,
        }
    }

    /// Adds a step's measures to the run's maxima and sums.
    fn record(&mut self, judged: &Judged, step: usize) {
        let r = &mut self.result;
        let m = &judged.measured;
        // NaN stays NaN: a gradient that was not finite is not a relative error of 0.
        let max = |a: f64, b: f64| {
            if a.is_nan() || b.is_nan() {
                f64::NAN
            } else {
                a.max(b)
            }
        };
        r.max_grad_rel_err = max(r.max_grad_rel_err, m.value(Measure::GradRelErr));
        r.max_drift = max(r.max_drift, m.value(Measure::Drift));
        let (err_bound, bound_at) = m.get(Measure::ErrBound);
        if err_bound > r.max_err_bound || (err_bound.is_nan() && !r.max_err_bound.is_nan()) {
            r.max_err_bound = err_bound;
            r.max_err_bound_at = format!("{bound_at}, step {step}");
        }
        r.ambiguous_units += judged.ambiguous_units;
        r.bit_identical &= judged.bit_identical;
    }

    /// The first disagreement, on `measure`: where, by how much, its cause when the forward
    /// pass can tell, and the burn finding that explains it, if one does. `point`: burn's
    /// parameters before the step, the batch, the probe's and burn's loss and gradients there.
    fn disagreement(
        &mut self,
        measure: Measure,
        measured: &Measured,
        (before, (xb, yb), (probe, burn)): Point,
        (epoch, step): (usize, usize),
    ) -> Disagreement {
        let (value, tensor) = measured.get(measure);
        let tolerance = measure.limit(&self.settings.tolerances);
        let net = self.settings.net(self.train.learning_rate);
        let LockstepOptions {
            activation,
            optimizer,
            precision,
            backend,
            ..
        } = self.settings;
        let gate = measure == Measure::ErrBound;
        // Only a disagreement at burn's point in the loss or a gradient has a forward pass to
        // look into.
        let at_point = gate && (tensor.starts_with("grad") || tensor == "loss");
        let cause = at_point.then(|| {
            crate::diagnosis::first_off(
                (self.probe.as_mut(), net, backend),
                before,
                (xb, yb),
                (tolerance, value),
            )
        });
        let setting = crate::findings::Setting {
            activation,
            optimizer,
            precision,
            backend,
        };
        let xb_seen = xb.mapv(|v| agreement::round_to(v, precision));
        let seen = crate::findings::Seen {
            err_bound: value,
            limit: tolerance,
            step: at_point.then_some(crate::findings::Step {
                params: before,
                batch: (&xb_seen, yb),
                ours: (probe.0, &probe.1),
                theirs: (burn.0, &burn.1),
            }),
        };
        Disagreement {
            epoch,
            step,
            measure,
            tensor: tensor.to_owned(),
            value,
            tolerance,
            cause,
            finding: gate
                .then(|| crate::findings::explaining(&setting, &seen))
                .flatten()
                .map(|f| f.id),
        }
    }
}

/// Where a step was judged: burn's parameters before it, the batch, and the probe's and burn's
/// loss and gradients there.
type Point<'a> = (
    &'a Params,
    (&'a Array2<f64>, &'a [usize]),
    (&'a (f64, Params), &'a (f64, Params)),
);

/// The rows `batch` of a split and their labels.
fn batch_rows(split: &Dataset, batch: &[usize]) -> (Array2<f64>, Vec<usize>) {
    let x = split.x.select(Axis(0), batch);
    (x, batch.iter().map(|&i| split.y[i]).collect())
}

/// Stops the run between steps when Ctrl-C or SIGTERM asked it to.
fn stop_if_interrupted((epoch, step): (usize, usize)) -> Result<()> {
    if crate::interrupt::requested() {
        let written = Vec::new();
        return Err(crate::interrupt::Interrupted {
            epoch,
            step,
            written,
        }
        .into());
    }
    Ok(())
}

/// `f()`, its time added to `seconds`.
fn timed<R>(seconds: &mut f64, f: impl FnOnce() -> R) -> R {
    let start = Instant::now();
    let out = f();
    *seconds += start.elapsed().as_secs_f64();
    out
}

/// What one step produced, for the judge: the batch, burn's point before the step, each
/// twin's loss and gradients, and the probe's update from burn's point.
struct Outcome<'a> {
    batch: (&'a Array2<f64>, &'a [usize]),
    before: (&'a Params, &'a OptimizerState),
    burn: &'a (f64, Params),
    manual: &'a (f64, Params),
    probe: &'a (f64, Params),
    updated: &'a (Params, OptimizerState),
}

/// A step's measures and what else the judge saw.
struct Judged {
    measured: Measured,
    ambiguous_units: usize,
    bit_identical: bool,
}

impl Judged {
    /// The step's report, with both twins' losses before it.
    fn report(
        &self,
        (epoch, step): (usize, usize),
        loss_burn: f64,
        loss_manual: f64,
    ) -> StepReport {
        StepReport {
            epoch,
            step,
            loss_burn,
            loss_manual,
            grad_rel_err: self.measured.value(Measure::GradRelErr),
            drift: self.measured.value(Measure::Drift),
            err_bound: self.measured.value(Measure::ErrBound),
            ambiguous_units: self.ambiguous_units,
            bit_identical: self.bit_identical,
        }
    }
}
