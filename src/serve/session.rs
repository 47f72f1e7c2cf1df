//! One browser session on its own thread: the page's commands in, `ready`/`frame`/… out. The
//! training is `compare`'s own [`Lockstep`], stepped one batch at a time, so a run on the page
//! and `mlp2d compare` on its exported config take the same steps on the same batches.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc::Sender;

use super::fields::field_errors;
use super::messages::{self, Mode, Shown, Stopped};
use super::settings::{self, LIMITS};
use super::views::Rasters;
use crate::config::{Config, DataKind, Init};
use crate::data::{Dataset, parse_csv, prepare, prepare_dataset};
use crate::divergence::Diverged;
use crate::lockstep::Lockstep;
use crate::metrics::Verdict;
use crate::run_setup::RunSetup;

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

impl Command {
    /// The `type` the page sent, which an error reply names (`reply_to`).
    fn name(&self) -> &'static str {
        match self {
            Command::Configure { .. } => "configure",
            Command::Import { .. } => "import",
            Command::Csv { .. } => "csv",
            Command::Play => "play",
            Command::Pause => "pause",
            Command::Step => "step",
            Command::Epoch => "epoch",
            Command::Reset => "reset",
            Command::Export => "export",
        }
    }
}

/// An `error` reply to the page's `command` (None: to no command, e.g. a run that failed).
pub fn error_reply(command: Option<&str>, message: impl std::fmt::Display) -> Value {
    json!({ "type": "error", "reply_to": command, "message": message.to_string() })
}

/// About 20 frames a second while something changes; for big nets, whose frames cost more,
/// at most a quarter of the time goes to frames.
const FRAME_INTERVAL: Duration = Duration::from_millis(50);
const FRAME_SHARE: u32 = 4;

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

    /// An `error` answering `command`.
    fn error(&self, command: &str, message: impl std::fmt::Display) -> bool {
        self.reply(error_reply(Some(command), message))
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
    let mut next: Option<(Config, &'static str)> = None;
    loop {
        let (config, asked_by) = match next.take() {
            Some(c) => c,
            // Nothing to train yet: wait for a configure or an import.
            None => match commands.recv() {
                Ok(command) => {
                    let asked_by = command.name();
                    match setup_command(command, &mut uploaded, &out) {
                        Some(c) => (c, asked_by),
                        None => continue,
                    }
                }
                Err(_) => return,
            },
        };
        match start(&config, &uploaded) {
            Ok(run) => match drive(run, asked_by, &commands, &mut uploaded, &out) {
                Next::Start(c, asked_by) => next = Some((*c, asked_by)),
                Next::Wait => {}
                Next::Quit => return,
            },
            Err(e) => {
                if !out.error(asked_by, format!("{e:#}")) {
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
        Err(reply) => {
            out.reply(reply);
            None
        }
    }
}

/// The config a command asks for (Ok(None): not a config command, already handled or ignored);
/// Err: the `error` reply. A refused `configure` names each refused key (`fields`).
fn config_of(
    command: Command,
    uploaded: &mut Option<(String, Dataset)>,
    out: &Outbox,
) -> Result<Option<Config>, Value> {
    let name = uploaded.as_ref().map(|(n, _)| n.as_str());
    let asked_by = command.name();
    let refused = |e: anyhow::Error| error_reply(Some(asked_by), format!("{e:#}"));
    match command {
        Command::Configure { settings } => match settings::from_settings(&settings, name) {
            Ok(config) => Ok(Some(config)),
            Err(e) => {
                let mut reply = refused(e);
                let fields: Vec<Value> = field_errors(&settings, name)
                    .into_iter()
                    .map(|f| json!({ "key": f.key, "message": f.message }))
                    .collect();
                reply["fields"] = Value::Array(fields);
                Err(reply)
            }
        },
        Command::Import { toml } => settings::from_toml(&toml, name).map(Some).map_err(refused),
        Command::Csv { name, text } => {
            let ds = read_upload(&name, &text).map_err(refused)?;
            out.reply(json!({
                "type": "csv", "name": name, "rows": ds.y.len(),
                "features": ds.x.ncols(), "classes": ds.classes,
            }));
            *uploaded = Some((name, ds));
            Ok(None)
        }
        _ => Err(error_reply(
            Some(asked_by),
            "nothing to train yet: choose the settings first",
        )),
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
    setup: RunSetup,
}

fn start(config: &Config, uploaded: &Option<(String, Dataset)>) -> Result<Run> {
    let prepared = match (config.data.kind, uploaded) {
        (DataKind::Csv, Some((_, ds))) => prepare_dataset(config, ds.clone()),
        (DataKind::Csv, None) => anyhow::bail!("upload a CSV file first"),
        _ => prepare(config)?,
    };
    Ok(Run {
        config: config.clone(),
        setup: RunSetup::with_data(config, prepared, None)?,
    })
}

enum Next {
    /// Start over with this config, which this command asked for.
    Start(Box<Config>, &'static str),
    /// No run: wait for settings.
    Wait,
    Quit,
}

/// Trains and shows one run (which the command `asked_by` started) until the page asks for
/// another one or goes.
fn drive(
    run: Run,
    asked_by: &str,
    commands: &Receiver<Command>,
    uploaded: &mut Option<(String, Dataset)>,
    out: &Outbox,
) -> Next {
    let Run { config, setup } = &run;
    let prepared = &setup.prepared;
    let mut lockstep = match setup.lockstep() {
        Ok(l) => l,
        Err(e) => {
            return if out.error(asked_by, format!("{e:#}")) {
                Next::Wait
            } else {
                Next::Quit
            };
        }
    };
    let rasters = Rasters::new(prepared, &setup.sizes, config.model.activation());
    let per_epoch = messages::steps_per_epoch(config, prepared);
    let init = config.model.init;
    if !out.reply(messages::ready(&lockstep, config, prepared, &rasters)) {
        return Next::Quit;
    }
    let mut mode = Mode::Paused;
    let mut shown = Shown::new();
    let mut force_frame = true;
    let mut frame_interval = FRAME_INTERVAL;
    loop {
        let Ok(command) = next_command(commands, mode == Mode::Paused && !force_frame) else {
            return Next::Quit;
        };
        if let Some(command) = command {
            force_frame = true;
            match command {
                Command::Play if shown.stopped.is_none() => mode = Mode::Playing,
                Command::Pause => mode = Mode::Paused,
                Command::Step if shown.stopped.is_none() => {
                    mode = Mode::Paused;
                    if let Some(next) = advance(&mut lockstep, &mut shown, init, out) {
                        return next;
                    }
                }
                Command::Epoch if shown.stopped.is_none() => mode = Mode::ToEpochEnd,
                Command::Play | Command::Step | Command::Epoch => {
                    out.error(
                        command.name(),
                        "this run has stopped: reset, or change a setting",
                    );
                }
                Command::Reset => return Next::Start(Box::new(config.clone()), "reset"),
                Command::Export => {
                    let stopped = shown.stopped.as_ref();
                    let reply = messages::export(config, &lockstep, per_epoch, stopped)
                        .unwrap_or_else(|e| error_reply(Some("export"), format!("{e:#}")));
                    if !out.reply(reply) {
                        return Next::Quit;
                    }
                }
                other => {
                    let asked_by = other.name();
                    match config_of(other, uploaded, out) {
                        Ok(Some(c)) => return Next::Start(Box::new(c), asked_by),
                        Ok(None) => {}
                        Err(reply) => {
                            if !out.reply(reply) {
                                return Next::Quit;
                            }
                        }
                    }
                }
            }
        }
        if mode != Mode::Paused {
            let epochs_before = shown.epochs.len();
            if let Some(next) = advance(&mut lockstep, &mut shown, init, out) {
                return next;
            }
            let epoch_ended = shown.epochs.len() > epochs_before;
            if shown.stopped.is_some() || (mode == Mode::ToEpochEnd && epoch_ended) {
                mode = Mode::Paused;
                force_frame = true;
            }
        }
        if force_frame || shown.frame_at.elapsed() >= frame_interval {
            let started = Instant::now();
            let message = messages::frame(&mut lockstep, &mut shown, &rasters, mode);
            frame_interval = FRAME_INTERVAL.max(started.elapsed() * FRAME_SHARE);
            match out.frame(message) {
                Ok(true) => {
                    shown.sent();
                    force_frame = false;
                }
                Ok(false) => {}
                Err(()) => return Next::Quit,
            }
        }
    }
}

/// The page's next command: waiting up to a second for one when `wait`, else only one already
/// there. Err once the page is gone.
fn next_command(commands: &Receiver<Command>, wait: bool) -> Result<Option<Command>, ()> {
    if wait {
        match commands.recv_timeout(Duration::from_secs(1)) {
            Ok(c) => Ok(Some(c)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => Err(()),
        }
    } else {
        match commands.try_recv() {
            Ok(c) => Ok(Some(c)),
            Err(TryRecvError::Empty) => Ok(None),
            Err(TryRecvError::Disconnected) => Err(()),
        }
    }
}

/// One step; a divergence stops the run (shown as DIVERGED), an interrupt ends the session.
fn advance(lockstep: &mut Lockstep, shown: &mut Shown, init: Init, out: &Outbox) -> Option<Next> {
    match lockstep.advance() {
        Ok((report, epoch)) => {
            shown.add(report, epoch);
            if let Some(why) = &lockstep.result().halted {
                shown.stopped = Some(Stopped {
                    verdict: Verdict::Fail,
                    message: why.clone(),
                    at: None,
                });
            }
            None
        }
        Err(e) => {
            if let Some(d) = e.downcast_ref::<Diverged>() {
                shown.stopped = Some(Stopped::diverged(&d.message, d.at, init));
                None
            } else if e.downcast_ref::<crate::interrupt::Interrupted>().is_some() {
                out.reply(json!({ "type": "closed", "message": "the server is stopping" }));
                Some(Next::Quit)
            } else {
                shown.stopped = Some(Stopped {
                    verdict: Verdict::Fail,
                    message: format!("{e:#}"),
                    at: None,
                });
                None
            }
        }
    }
}
