//! The files a run leaves: parameter files, `metrics.csv` and, last, `summary.json`, each written
//! whole (temporary name, then rename).

use std::path::Path;

use anyhow::{Context, Result};

use super::Summary;
use crate::config::Config;
use crate::metrics::{EpochMetrics, RunResult};
use crate::output::write_atomic;
use crate::params::Params;

/// `metrics.csv`: one row per epoch, the columns [`EpochMetrics`]'s fields; an empty cell
/// where there is no test split.
pub fn metrics_csv(metrics: &[EpochMetrics]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for m in metrics {
        w.serialize(m).expect("metrics serialise");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("CSV is UTF-8")
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
    for (name, params) in [
        ("final_manual.safetensors", &run.final_manual),
        ("final_burn.safetensors", &run.final_burn),
    ] {
        write_atomic(&dir.join(name), &params.to_safetensors(precision)?)?;
    }
    write_common(dir, summary, run, initial, config)
}

/// Writes what a diverged run has: `initial.safetensors`, the completed epochs' `metrics.csv`
/// and `summary.json` (with `diverged` set). Final parameter files and `boundary.png` from an
/// earlier run in the same folder are removed: they would describe another run.
pub fn write_diverged(
    dir: &Path,
    summary: &Summary,
    partial: &RunResult,
    initial: &Params,
    config: &Config,
) -> Result<()> {
    for stale in [
        "final_manual.safetensors",
        "final_burn.safetensors",
        "boundary.png",
    ] {
        let path = dir.join(stale);
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    write_common(dir, summary, partial, initial, config)
}

/// `initial.safetensors`, `metrics.csv` and, last (its presence marks a finished run),
/// `summary.json`.
fn write_common(
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
        &dir.join("metrics.csv"),
        metrics_csv(&run.metrics).as_bytes(),
    )?;
    let json = serde_json::to_string_pretty(summary)? + "\n";
    write_atomic(&dir.join("summary.json"), json.as_bytes())
}
