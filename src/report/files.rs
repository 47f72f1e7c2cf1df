//! The files a run leaves: pictures, parameter files, `metrics.csv` and, last, `summary.json`,
//! staged and written together ([`crate::output::Staged`]).

use std::path::Path;

use anyhow::Result;

use super::Summary;
use crate::config::Config;
use crate::metrics::{EpochMetrics, RunResult};
use crate::output::Staged;
use crate::params::{Params, tensors_to_safetensors};

/// Every file a run may write into its folder, in the order they are renamed into place:
/// `summary.json`, whose presence marks a finished run, last.
pub const RUN_FILES: [&str; 9] = [
    "boundary.png",
    "loss.png",
    "final_manual.safetensors",
    "final_burn.safetensors",
    "final_manual_optimizer.safetensors",
    "final_burn_optimizer.safetensors",
    "initial.safetensors",
    "metrics.csv",
    "summary.json",
];

/// Files of a finished run that a diverged run does not have: from an earlier run in the same
/// folder they would describe another run.
const FINISHED_ONLY: [&str; 5] = [
    "boundary.png",
    "final_manual.safetensors",
    "final_burn.safetensors",
    "final_manual_optimizer.safetensors",
    "final_burn_optimizer.safetensors",
];

/// `metrics.csv`: the header, then one row per epoch, the columns [`EpochMetrics`]'s fields; an
/// empty cell where there is no test split. A run that diverged in its first epoch has the
/// header alone.
pub fn metrics_csv(metrics: &[EpochMetrics]) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    // serde knows the column names only from a value: take them from a blank row.
    let mut header = csv::Writer::from_writer(Vec::new());
    header
        .serialize(EpochMetrics::default())
        .expect("metrics serialise");
    let header = String::from_utf8(header.into_inner().expect("in memory")).expect("UTF-8");
    for m in metrics {
        w.serialize(m).expect("metrics serialise");
    }
    let rows = String::from_utf8(w.into_inner().expect("in memory")).expect("CSV is UTF-8");
    let first = header.lines().next().unwrap_or_default();
    format!("{first}\n{rows}")
}

/// What a run leaves in its folder, besides the pictures.
pub struct RunFiles<'a> {
    pub summary: &'a Summary,
    /// The run, or for a diverged run its completed epochs.
    pub run: &'a RunResult,
    pub initial: &'a Params,
    pub config: &'a Config,
}

impl RunFiles<'_> {
    /// Stages a finished run's files in `dir` (after its pictures).
    pub fn stage(&self, dir: &Path, staged: &mut Staged) -> Result<()> {
        let precision = self.config.compare.precision;
        for (name, params) in [
            ("final_manual.safetensors", &self.run.final_manual),
            ("final_burn.safetensors", &self.run.final_burn),
        ] {
            staged.stage(dir.join(name), params.to_safetensors(precision)?);
        }
        // The optimizer's state beside the parameters (momentum buffer, moments), when it
        // keeps one: `{buffer}.layers.{i}.weight|bias`, readable in numpy. An earlier run's
        // state files would describe another run.
        for (name, state) in [
            (
                "final_manual_optimizer.safetensors",
                &self.run.final_manual_state,
            ),
            (
                "final_burn_optimizer.safetensors",
                &self.run.final_burn_state,
            ),
        ] {
            if state.buffers.is_empty() {
                staged.remove(dir.join(name));
            } else {
                let bytes = tensors_to_safetensors(&state.tensors(precision))?;
                staged.stage(dir.join(name), bytes);
            }
        }
        self.stage_common(dir, staged)
    }

    /// Stages what a diverged run has: `initial.safetensors`, the completed epochs'
    /// `metrics.csv` and `summary.json` (with `diverged` set); an earlier run's final parameter
    /// files and `boundary.png` are removed.
    pub fn stage_diverged(&self, dir: &Path, staged: &mut Staged) -> Result<()> {
        for stale in FINISHED_ONLY {
            staged.remove(dir.join(stale));
        }
        self.stage_common(dir, staged)
    }

    fn stage_common(&self, dir: &Path, staged: &mut Staged) -> Result<()> {
        let precision = self.config.compare.precision;
        staged.stage(
            dir.join("initial.safetensors"),
            self.initial.rounded(precision).to_safetensors(precision)?,
        );
        staged.stage(
            dir.join("metrics.csv"),
            metrics_csv(&self.run.metrics).into_bytes(),
        );
        let json = serde_json::to_string_pretty(self.summary)? + "\n";
        staged.stage(dir.join("summary.json"), json.into_bytes());
        Ok(())
    }
}
