//! What a session tells its page (protocol.md): `ready` for a new run, a `frame` of its state
//! about 20 times a second, and `export`.

use std::time::Instant;

use anyhow::{Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::settings::{self, RUN_NAME};
use super::views::Rasters;
use crate::config::{Config, Init};
use crate::data::Prepared;
use crate::divergence::Blowup;
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
        // The run as a config file (the page trains until paused, whatever its epochs say).
        "toml": toml::to_string(config).unwrap_or_default(),
        "sizes": sizes,
        "steps_per_epoch": steps_per_epoch(config, prepared),
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
    pub stopped: Option<Stopped>,
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

/// A run that cannot go on: its verdict, why, and where it blew up (a divergence).
pub struct Stopped {
    pub verdict: Verdict,
    pub message: String,
    pub at: Option<Blowup>,
}

impl Stopped {
    /// A divergence, its hint fitted to the run: `init = "he"` is no advice to a He run.
    pub fn diverged(message: &str, at: Blowup, init: Init) -> Stopped {
        let message = match init {
            Init::He => message.strip_suffix(HE_HINT).unwrap_or(message),
            Init::Normal => message,
        };
        Stopped {
            verdict: Verdict::Diverged,
            message: message.to_owned(),
            at: Some(at),
        }
    }
}

/// How src/divergence.rs's messages end.
const HE_HINT: &str = " or init = \"he\"";

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
    // As `compare` decides: a divergence, else the first disagreement, else PASS; no verdict
    // before a step was judged.
    let (verdict, message) = match (&shown.stopped, &r.first_disagreement) {
        (Some(s), _) => (Some(s.verdict), Some(s.message.clone())),
        (None, _) if steps == 0 => (None, None),
        (None, d) => (
            Some(Verdict::of(false, d.is_none())),
            d.as_ref().map(|d| d.to_string()),
        ),
    };
    let worst = (steps > 0).then(|| {
        json!({
            "err_bound": finite_or_null(r.max_err_bound),
            "at": (!r.max_err_bound_at.is_empty()).then_some(&r.max_err_bound_at),
            "grad_rel_err": r.max_grad_rel_err,
            "drift": r.max_drift,
            "ambiguous_units": r.ambiguous_units,
            "bit_identical": r.bit_identical,
        })
    });
    let diverged =
        shown.stopped.as_ref().and_then(|s| s.at).map(
            |at| json!({ "epoch": at.epoch, "step": at.step, "loss": finite_or_null(at.loss) }),
        );
    let epoch = lockstep.epochs_done();
    let in_epoch = lockstep.steps_into_epoch();
    let (manual, burn) = lockstep.twins();
    let (boundary, units) = match (&shown.stopped, &shown.views) {
        (Some(s), Some(views)) if s.verdict == Verdict::Diverged => views.clone(),
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
        "verdict": verdict.map(Verdict::name),
        "message": message,
        "diverged": diverged,
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

/// Steps in one epoch: the training rows in batches (the last one may be short).
pub fn steps_per_epoch(config: &Config, prepared: &Prepared) -> usize {
    let rows = prepared.train.x.nrows();
    rows.div_ceil(config.train.batch_size.min(rows).max(1))
}

/// How far `compare` trains to be where the page is: the steps, the epochs they fall in, and
/// `stop_at_step` when they end inside one. A diverged run goes to the step that diverged
/// (at an epoch's end, when its whole-split loss blew up).
fn export_length(
    steps: usize,
    per_epoch: usize,
    diverged: Option<Blowup>,
) -> (usize, usize, Option<usize>) {
    let steps = match diverged {
        Some(at) => (at.step + 1).min(at.epoch * per_epoch),
        None => steps,
    };
    let per_epoch = per_epoch.max(1);
    let inside = steps % per_epoch != 0;
    (steps, steps.div_ceil(per_epoch), inside.then_some(steps))
}

/// The config and the burn twin's current parameters. The config trains as many steps as the
/// page took (`epochs`, and `stop_at_step` between two epoch ends), so `compare --config` on it
/// ends where the page is, bit for bit.
pub fn export(
    config: &Config,
    lockstep: &Lockstep,
    per_epoch: usize,
    stopped: Option<&Stopped>,
) -> Result<Value> {
    let taken = lockstep.result().steps;
    let diverged = stopped.and_then(|s| s.at);
    if taken == 0 && diverged.is_none() {
        bail!(
            "nothing to export at step 0: take a step or play first (compare repeats the steps taken)"
        );
    }
    let (steps, epochs, stop) = export_length(taken, per_epoch, diverged);
    let mut config = config.clone();
    config.train.epochs = epochs;
    config.train.stop_at_step = stop;
    let bytes = lockstep
        .burn_params()
        .to_safetensors(config.compare.precision)?;
    Ok(json!({
        "type": "export",
        "name": RUN_NAME,
        "epochs": epochs,
        "steps": steps,
        "stop_at_step": stop,
        "toml": export_toml(&config, steps, per_epoch, diverged.is_some()),
        "safetensors": STANDARD.encode(bytes),
    }))
}

/// The run's config file, saying where the page was and what `compare` does with it.
fn export_toml(config: &Config, steps: usize, per_epoch: usize, diverged: bool) -> String {
    let epochs = config.train.epochs;
    let length = match config.train.stop_at_step {
        Some(_) => format!(
            "step {steps}: {} whole epochs and {} of epoch {epochs}'s {per_epoch} steps (stop_at_step)",
            epochs - 1,
            steps - (epochs - 1) * per_epoch
        ),
        None => format!("step {steps}, the end of epoch {epochs}"),
    };
    let mut notes = if diverged {
        format!(
            "# Exported from the mlp2d playground after the run diverged.\n\
             # `mlp2d compare --config {RUN_NAME}.toml` trains the same run, step for step, into the\n\
             # step that diverged ({length}), and stops there as the page did.\n"
        )
    } else {
        format!(
            "# Exported from the mlp2d playground at {length}.\n\
             # `mlp2d compare --config {RUN_NAME}.toml` trains the same run, step for step, to there;\n\
             # its final burn parameters are then {RUN_NAME}.safetensors, bit for bit.\n"
        )
    };
    if let Some(p) = &config.data.path {
        notes += &format!(
            "# Trained on the uploaded file {:?}: put it next to this file.\n",
            p.display().to_string()
        );
    }
    let body = toml::to_string(config).unwrap_or_default();
    format!("{notes}{body}")
}
