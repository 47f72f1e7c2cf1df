//! Finished runs on disk: a folder with a `summary.json` (and `metrics.csv`) is a run.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::Summary;
use crate::metrics::EpochMetrics;

/// A finished run: its folder and its summary.
#[derive(Debug, Clone)]
pub struct Run {
    pub dir: PathBuf,
    pub summary: Summary,
}

/// Reads `dir/summary.json`.
pub fn read_summary(dir: &Path) -> Result<Summary> {
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a run summary", path.display()))
}

/// The runs in `dirs`: a folder with a `summary.json` is a run; any other folder contributes
/// each of its direct subfolders that has one, in name order.
pub fn find_runs(dirs: &[PathBuf]) -> Result<Vec<Run>> {
    let mut runs = Vec::new();
    for dir in dirs {
        if dir.join("summary.json").is_file() {
            runs.push(Run {
                dir: dir.clone(),
                summary: read_summary(dir)?,
            });
            continue;
        }
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read folder {}", dir.display()))?;
        let mut subdirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("summary.json").is_file())
            .collect();
        subdirs.sort();
        if subdirs.is_empty() {
            bail!(
                "{} has no summary.json, and neither has any folder in it: run `mlp2d compare` first",
                dir.display()
            );
        }
        for d in subdirs {
            runs.push(Run {
                summary: read_summary(&d)?,
                dir: d,
            });
        }
    }
    Ok(runs)
}

/// Reads a `metrics.csv` back (columns by name; the `err_bound` columns, absent from files
/// written before they were, read as NaN).
pub fn read_metrics_csv(path: &Path) -> Result<Vec<EpochMetrics>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    reader
        .deserialize()
        .enumerate()
        .map(|(i, row)| row.with_context(|| format!("{} line {}", path.display(), i + 2)))
        .collect()
}
