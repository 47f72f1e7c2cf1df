//! One browser session on its own thread: the page's commands in, `ready`/`frame`/… out. The
//! training is `compare`'s own [`Lockstep`], stepped one batch at a time, so a run on the page
//! and `mlp2d compare` on its exported config take the same steps on the same batches.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc::Sender;

use super::settings::{self, LIMITS, RUN_NAME};
use super::views::Rasters;
use crate::compare::{Lockstep, Settings, StepReport};
use crate::config::{Config, DataKind};
use crate::data::{Dataset, Prepared, layer_sizes, parse_csv, prepare, prepare_dataset};
use crate::divergence::Diverged;
use crate::metrics::{EpochMetrics, Verdict};
use crate::params::{Params, initial_params};

/// What the page may send (protocol.md).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    Configure { settings: Value },
    Import { toml: String },
    Csv { name: String, text: String },
    Play,
    Pause,
    Step,
    Epoch,
    Reset,
    Export,
}

/// About 20 frames a second while something changes.
const FRAME_INTERVAL: Duration = Duration::from_millis(50);

/// Messages to the page, as JSON text. Replies always arrive; frames are skipped when the page
/// falls behind (the next one carries the epochs the skipped ones had).
struct Outbox {
    tx: Sender<String>,
}

impl Outbox {
    /// False once the page is gone.
    fn reply(&self, message: Value) -> bool {
        self.tx.blocking_send(message.to_string()).is_ok()
    }

    fn error(&self, message: impl std::fmt::Display) -> bool {
        self.reply(json!({ "type": "error", "message": message.to_string() }))
    }

    /// Sends a frame unless the page is behind; Err when the page is gone.
    fn frame(&self, message: Value) -> Result<bool, ()> {
        match self.tx.try_send(message.to_string()) {
            Ok(()) => Ok(true),
            Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => Ok(false),
            Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => Err(()),
        }
    }
}

/// Runs a session until the page goes (its command channel closes) or the server stops.
pub fn run(commands: Receiver<Command>, out: Sender<String>) {
    let out = Outbox { tx: out };
    let mut uploaded: Option<(String, Dataset)> = None;
    let mut next: Option<Config> = None;
    loop {
        let config = match next.take() {
            Some(c) => c,
            // Nothing to train yet: wait for a configure or an import.
            None => match commands.recv() {
                Ok(command) => match setup_command(command, &mut uploaded, &out) {
                    Some(c) => c,
                    None => continue,
                },
                Err(_) => return,
            },
        };
        match start(&config, &uploaded) {
            Ok(run) => match drive(run, &commands, &mut uploaded, &out) {
                Next::Start(c) => next = Some(*c),
                Next::Quit => return,
            },
            Err(e) => {
                if !out.error(format!("{e:#}")) {
                    return;
                }
            }
        }
    }
}

/// A command before any run exists: a configure or import starts one, a CSV is kept; the rest
/// have nothing to act on.
fn setup_command(
    command: Command,
    uploaded: &mut Option<(String, Dataset)>,
    out: &Outbox,
) -> Option<Config> {
    match config_of(command, uploaded, out) {
        Ok(Some(config)) => Some(config),
        Ok(None) => None,
        Err(message) => {
            out.error(message);
            None
        }
    }
}

/// The config a command asks for (Ok(None): not a config command, already handled or ignored).
fn config_of(
    command: Command,
    uploaded: &mut Option<(String, Dataset)>,
    out: &Outbox,
) -> Result<Option<Config>, String> {
    let name = uploaded.as_ref().map(|(n, _)| n.as_str());
    match command {
        Command::Configure { settings } => settings::from_settings(&settings, name)
            .map(Some)
            .map_err(|e| format!("{e:#}")),
        Command::Import { toml } => settings::from_toml(&toml, name)
            .map(Some)
            .map_err(|e| format!("{e:#}")),
        Command::Csv { name, text } => {
            let ds = read_upload(&name, &text).map_err(|e| format!("{e:#}"))?;
            out.reply(json!({
                "type": "csv", "name": name, "rows": ds.y.len(),
                "features": ds.x.ncols(), "classes": ds.classes,
            }));
            *uploaded = Some((name, ds));
            Ok(None)
        }
        _ => Err("nothing to train yet: choose the settings first".to_owned()),
    }
}

/// The uploaded text through the same reader as `kind = "csv"`.
fn read_upload(name: &str, text: &str) -> Result<Dataset> {
    if text.len() > LIMITS.max_upload_bytes {
        anyhow::bail!(
            "{name} is {} bytes: the playground takes CSV files up to {} bytes",
            text.len(),
            LIMITS.max_upload_bytes
        );
    }
    // The name only labels messages; no file is opened.
    let file_name = Path::new(name).file_name().unwrap_or_default();
    let ds = parse_csv(text, Path::new(file_name))?;
    if ds.y.len() > LIMITS.max_samples {
        anyhow::bail!(
            "{name} has {} rows: the playground takes at most {}",
            ds.y.len(),
            LIMITS.max_samples
        );
    }
    Ok(ds)
}

/// A run being shown: its config, data and starting point.
struct Run {
    config: Config,
    prepared: Prepared,
    initial: Params,
    sizes: Vec<usize>,
}

fn start(config: &Config, uploaded: &Option<(String, Dataset)>) -> Result<Run> {
    let prepared = match (config.data.kind, uploaded) {
        (DataKind::Csv, Some((_, ds))) => prepare_dataset(config, ds.clone()),
        (DataKind::Csv, None) => anyhow::bail!("upload a CSV file first"),
        _ => prepare(config)?,
    };
    let sizes = layer_sizes(config, &prepared);
    let initial = initial_params(config, &sizes, None)?;
    Ok(Run {
        config: config.clone(),
        prepared,
        initial,
        sizes,
    })
}

enum Next {
    /// Start over with this config.
    Start(Box<Config>),
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Paused,
    Playing,
    /// Playing until the current epoch ends.
    ToEpochEnd,
}

/// What has happened since the last frame, and the run's standing.
struct Shown {
    last: Option<StepReport>,
    window_err_bound: f64,
    epochs: Vec<EpochMetrics>,
    stopped: Option<(Verdict, String)>,
    steps_at_frame: usize,
    frame_at: Instant,
    steps_per_second: f64,
    /// The last boundary and unit maps drawn: a diverged run keeps showing these, not the nets
    /// the blown-up step left.
    views: Option<(Value, Option<Value>)>,
}

/// Trains and shows one run until the page asks for another one or goes.
fn drive(
    run: Run,
    commands: &Receiver<Command>,
    uploaded: &mut Option<(String, Dataset)>,
    out: &Outbox,
) -> Next {
    let Run {
        config,
        prepared,
        initial,
        sizes,
    } = &run;
    let mut lockstep = match Lockstep::new(prepared, initial, &config.train, Settings::of(config)) {
        Ok(l) => l,
        Err(e) => {
            out.error(format!("{e:#}"));
            return Next::Quit;
        }
    };
    let rasters = Rasters::new(prepared, &config.model.hidden);
    let mut ready = json!({
        "type": "ready",
        "settings": settings::to_settings(config),
        "toml": export_toml(config, 1),
        "sizes": sizes,
        "classes": prepared.raw.classes,
        "err_bound_limit": config.compare.tolerances().err_bound_limit,
        "warnings": prepared.warnings,
    });
    if let (Some(m), Value::Object(plane)) = (ready.as_object_mut(), rasters.plane(prepared)) {
        m.extend(plane);
    }
    if !out.reply(ready) {
        return Next::Quit;
    }
    let mut mode = Mode::Paused;
    let mut shown = Shown {
        last: None,
        window_err_bound: 0.0,
        epochs: Vec::new(),
        stopped: None,
        steps_at_frame: 0,
        frame_at: Instant::now(),
        steps_per_second: 0.0,
        views: None,
    };
    let mut force_frame = true;
    loop {
        let command = if mode == Mode::Paused && !force_frame {
            match commands.recv_timeout(Duration::from_secs(1)) {
                Ok(c) => Some(c),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return Next::Quit,
            }
        } else {
            match commands.try_recv() {
                Ok(c) => Some(c),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return Next::Quit,
            }
        };
        if let Some(command) = command {
            force_frame = true;
            match command {
                Command::Play if shown.stopped.is_none() => mode = Mode::Playing,
                Command::Pause => mode = Mode::Paused,
                Command::Step if shown.stopped.is_none() => {
                    mode = Mode::Paused;
                    if let Some(next) = advance(&mut lockstep, &mut shown, out) {
                        return next;
                    }
                }
                Command::Epoch if shown.stopped.is_none() => mode = Mode::ToEpochEnd,
                Command::Play | Command::Step | Command::Epoch => {
                    out.error("this run has stopped: reset, or change a setting");
                }
                Command::Reset => return Next::Start(Box::new(config.clone())),
                Command::Export => {
                    if !out.reply(export(config, &lockstep)) {
                        return Next::Quit;
                    }
                }
                other => match config_of(other, uploaded, out) {
                    Ok(Some(c)) => return Next::Start(Box::new(c)),
                    Ok(None) => {}
                    Err(message) => {
                        if !out.error(message) {
                            return Next::Quit;
                        }
                    }
                },
            }
        }
        if mode != Mode::Paused {
            let epochs_before = shown.epochs.len();
            if let Some(next) = advance(&mut lockstep, &mut shown, out) {
                return next;
            }
            let epoch_ended = shown.epochs.len() > epochs_before;
            if shown.stopped.is_some() || (mode == Mode::ToEpochEnd && epoch_ended) {
                mode = Mode::Paused;
                force_frame = true;
            }
        }
        if force_frame || shown.frame_at.elapsed() >= FRAME_INTERVAL {
            let message = frame(&mut lockstep, &mut shown, &rasters, mode);
            match out.frame(message) {
                Ok(true) => {
                    shown.epochs.clear();
                    shown.window_err_bound = 0.0;
                    force_frame = false;
                }
                Ok(false) => {}
                Err(()) => return Next::Quit,
            }
        }
    }
}

/// One step; a divergence stops the run (shown as DIVERGED), an interrupt ends the session.
fn advance(lockstep: &mut Lockstep, shown: &mut Shown, out: &Outbox) -> Option<Next> {
    match lockstep.advance() {
        Ok((report, epoch)) => {
            shown.window_err_bound = if report.err_bound.is_nan() {
                f64::NAN
            } else {
                shown.window_err_bound.max(report.err_bound)
            };
            shown.last = Some(report);
            shown.epochs.extend(epoch);
            None
        }
        Err(e) => {
            if let Some(d) = e.downcast_ref::<Diverged>() {
                shown.stopped = Some((Verdict::Diverged, d.message.clone()));
                None
            } else if e.downcast_ref::<crate::interrupt::Interrupted>().is_some() {
                out.reply(json!({ "type": "closed", "message": "the server is stopping" }));
                Some(Next::Quit)
            } else {
                shown.stopped = Some((Verdict::Fail, format!("{e:#}")));
                None
            }
        }
    }
}

/// The page's view of the run now.
fn frame(lockstep: &mut Lockstep, shown: &mut Shown, rasters: &Rasters, mode: Mode) -> Value {
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
        (None, Some(d)) => (Verdict::Fail, Some(d.to_string())),
        (None, None) => (Verdict::Pass, None),
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

/// The config and the burn twin's current parameters; the config's epochs are the epochs ended,
/// so `compare --config` on it trains to the same point.
fn export(config: &Config, lockstep: &Lockstep) -> Value {
    let epochs = lockstep.epochs_done();
    let precision = config.compare.precision;
    let safetensors = lockstep
        .burn_params()
        .to_safetensors(precision)
        .map(|b| STANDARD.encode(b))
        .unwrap_or_default();
    json!({
        "type": "export",
        "name": RUN_NAME,
        "epochs": epochs,
        "steps": lockstep.result().steps,
        "toml": export_toml(config, epochs.max(1)),
        "safetensors": safetensors,
    })
}

/// The run's config file, with `epochs` epochs.
fn export_toml(config: &Config, epochs: usize) -> String {
    let mut config = config.clone();
    config.train.epochs = epochs;
    let csv = match &config.data.path {
        Some(p) => format!(
            "# Trained on the uploaded file {:?}: put it next to this file.\n",
            p.display().to_string()
        ),
        None => String::new(),
    };
    let body = toml::to_string(&config).unwrap_or_default();
    format!(
        "# Exported from the mlp2d playground. `mlp2d compare --config {RUN_NAME}.toml` trains the\n\
         # same run, step for step, to epoch {epochs}.\n{csv}{body}"
    )
}
