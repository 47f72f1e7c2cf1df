//! What a session tells its page (protocol.md): `ready` for a new run, a `frame` of its state
//! about 20 times a second, and `export`.

use std::time::Instant;

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::settings::{self, RUN_NAME};
use super::views::Rasters;
use crate::config::Config;
use crate::data::Prepared;
use crate::lockstep::{Lockstep, StepReport};
use crate::metrics::{EpochMetrics, Verdict};

/// A new run: its settings written out, its config, the net's sizes, and the plane with the
/// points.
pub fn ready(
    lockstep: &Lockstep,
    config: &Config,
    prepared: &Prepared,
    rasters: &Rasters,
) -> Value {
    let r = lockstep.result();
    let sizes = crate::data::layer_sizes(config, prepared);
    let mut ready = json!({
        "type": "ready",
        "settings": settings::to_settings(config),
        "toml": export_toml(config, 0, 0),
        "sizes": sizes,
        "classes": prepared.raw.classes,
        "err_bound_limit": crate::agreement::Tolerances::of(&config.compare).err_bound_limit,
        "signed_units": rasters.signed_units(),
        "warnings": prepared.warnings,
        // The training split's loss at the initial parameters: the loss curve's epoch 0.
        "initial": { "loss_burn": r.initial_loss_burn, "loss_manual": r.initial_loss_manual },
    });
    if let (Some(m), Value::Object(plane)) = (ready.as_object_mut(), rasters.plane(prepared)) {
        m.extend(plane);
    }
    ready
}

/// What has happened since the last frame, and the run's standing.
pub struct Shown {
    pub last: Option<StepReport>,
    pub window_err_bound: f64,
    /// Epochs ended since the last frame sent.
    pub epochs: Vec<EpochMetrics>,
    /// Why the run stopped (a divergence), if it did.
    pub stopped: Option<(Verdict, String)>,
    steps_at_frame: usize,
    pub frame_at: Instant,
    steps_per_second: f64,
    /// The last boundary and unit maps drawn: a diverged run keeps showing these, not the nets
    /// the blown-up step left.
    views: Option<(Value, Option<Value>)>,
}

impl Shown {
    pub fn new() -> Shown {
        Shown {
            last: None,
            window_err_bound: 0.0,
            epochs: Vec::new(),
            stopped: None,
            steps_at_frame: 0,
            frame_at: Instant::now(),
            steps_per_second: 0.0,
            views: None,
        }
    }

    /// What a step reported.
    pub fn add(&mut self, report: StepReport, epoch: Option<EpochMetrics>) {
        self.window_err_bound = if report.err_bound.is_nan() {
            f64::NAN
        } else {
            self.window_err_bound.max(report.err_bound)
        };
        self.last = Some(report);
        self.epochs.extend(epoch);
    }

    /// After a frame reached the page: what it carried starts anew.
    pub fn sent(&mut self) {
        self.epochs.clear();
        self.window_err_bound = 0.0;
    }
}

/// Whether the session is training, as a frame tells the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Paused,
    Playing,
    /// Playing until the current epoch ends.
    ToEpochEnd,
}

/// The page's view of the run now.
pub fn frame(lockstep: &mut Lockstep, shown: &mut Shown, rasters: &Rasters, mode: Mode) -> Value {
    let r = lockstep.result();
    let steps = r.steps;
    let now = Instant::now();
    let seconds = now.duration_since(shown.frame_at).as_secs_f64();
    shown.steps_per_second = match mode {
        Mode::Paused => 0.0,
        _ if seconds > 0.0 => (steps - shown.steps_at_frame) as f64 / seconds,
        _ => shown.steps_per_second,
    };
    shown.steps_at_frame = steps;
    shown.frame_at = now;
    // As `compare` decides: a divergence, else the first disagreement, else PASS.
    let (verdict, message) = match (&shown.stopped, &r.first_disagreement) {
        (Some((v, m)), _) => (*v, Some(m.clone())),
        (None, d) => (
            Verdict::of(false, d.is_none()),
            d.as_ref().map(|d| d.to_string()),
        ),
    };
    let worst = json!({
        "err_bound": finite_or_null(r.max_err_bound),
        "at": (!r.max_err_bound_at.is_empty()).then_some(&r.max_err_bound_at),
        "grad_rel_err": r.max_grad_rel_err,
        "drift": r.max_drift,
        "ambiguous_units": r.ambiguous_units,
        "bit_identical": r.bit_identical,
    });
    let epoch = lockstep.epochs_done();
    let in_epoch = lockstep.steps_into_epoch();
    let (manual, burn) = lockstep.twins();
    let (boundary, units) = match (&shown.stopped, &shown.views) {
        (Some((Verdict::Diverged, _)), Some(views)) => views.clone(),
        _ => {
            let views = (rasters.boundary(manual, burn), rasters.units(manual));
            shown.views = Some(views.clone());
            views
        }
    };
    json!({
        "type": "frame",
        "running": mode != Mode::Paused,
        "step": steps,
        "epoch": epoch,
        "steps_in_epoch": in_epoch,
        "steps_per_second": shown.steps_per_second,
        "last": shown.last.as_ref().map(|r| json!({
            "loss_burn": r.loss_burn,
            "loss_manual": r.loss_manual,
            "err_bound": finite_or_null(r.err_bound),
            "grad_rel_err": r.grad_rel_err,
            "drift": r.drift,
            "ambiguous_units": r.ambiguous_units,
            "bit_identical": r.bit_identical,
        })),
        "window_err_bound": finite_or_null(shown.window_err_bound),
        "worst": worst,
        "verdict": verdict.name(),
        "message": message,
        "epochs": shown.epochs.iter().map(epoch_json).collect::<Vec<_>>(),
        "boundary": boundary,
        "neurons": units,
    })
}

fn epoch_json(m: &EpochMetrics) -> Value {
    json!({
        "epoch": m.epoch,
        "loss_manual": m.loss_manual,
        "loss_burn": m.loss_burn,
        "test_loss_manual": m.test_loss_manual,
        "test_loss_burn": m.test_loss_burn,
        "train_acc_manual": m.train_acc_manual,
        "train_acc_burn": m.train_acc_burn,
        "test_acc_manual": m.test_acc_manual,
        "test_acc_burn": m.test_acc_burn,
        "err_bound": finite_or_null(m.err_bound),
        "max_err_bound": finite_or_null(m.max_err_bound),
    })
}

/// JSON has no NaN or infinity.
fn finite_or_null(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

/// The config and the burn twin's current parameters. The config's `epochs` are the epochs
/// ended, so `compare --config` on it trains to the same point.
pub fn export(config: &Config, lockstep: &Lockstep) -> Result<Value> {
    let epochs = lockstep.epochs_done();
    let bytes = lockstep
        .burn_params()
        .to_safetensors(config.compare.precision)?;
    let steps = lockstep.result().steps;
    Ok(json!({
        "type": "export",
        "name": RUN_NAME,
        "epochs": epochs,
        "steps": steps,
        "toml": export_toml(config, epochs, steps),
        "safetensors": STANDARD.encode(bytes),
    }))
}

/// The run's config file, to train `epochs` epochs (at least 1), saying where the page was.
fn export_toml(config: &Config, epochs: usize, steps: usize) -> String {
    let mut config = config.clone();
    config.train.epochs = epochs.max(1);
    let mut notes = format!(
        "# Exported from the mlp2d playground at step {steps}, after {}.\n\
         # `mlp2d compare --config {RUN_NAME}.toml` trains the same run, step for step, to epoch {}.\n",
        crate::report::count(epochs, "epoch"),
        config.train.epochs
    );
    if let Some(p) = &config.data.path {
        notes += &format!(
            "# Trained on the uploaded file {:?}: put it next to this file.\n",
            p.display().to_string()
        );
    }
    let body = toml::to_string(&config).unwrap_or_default();
    format!("{notes}{body}")
}
