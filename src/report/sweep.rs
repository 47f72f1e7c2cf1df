//! The summary of a sweep (`sweep.csv`): per precision and backend, how many runs passed and
//! how close the worst came to the limit; and the merge of shard folders into one table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::bound_text;
use crate::metrics::Verdict;
use crate::output::{Staged, parent_of};
use crate::sweep::{SweepRow, read_rows, rows_csv, same_row};

/// A Markdown table: one line per precision and backend, then the total.
pub fn summary_table(rows: &[SweepRow]) -> String {
    let mut groups: BTreeMap<(String, String), Vec<&SweepRow>> = BTreeMap::new();
    for r in rows {
        groups
            .entry((r.precision.clone(), r.backend.clone()))
            .or_default()
            .push(r);
    }
    let mut s = String::from(
        "| precision | backend | runs | PASS | FAIL | DIVERGED | bit for bit | median err_bound | 99th pct | worst err_bound | limit | runs with ambiguous units | ambiguous units |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let all: Vec<&SweepRow> = rows.iter().collect();
    for ((p, b), g) in groups
        .iter()
        .map(|(k, g)| ((k.0.as_str(), k.1.as_str()), g))
    {
        line(&mut s, p, b, g);
    }
    line(&mut s, "all", "all", &all);
    s
}

fn line(s: &mut String, precision: &str, backend: &str, rows: &[&SweepRow]) {
    let count = |v: Verdict| rows.iter().filter(|r| r.verdict == v).count();
    let mut bounds: Vec<f64> = rows.iter().map(|r| r.max_err_bound).collect();
    bounds.sort_by(|a, b| a.total_cmp(b));
    let pct = |q: f64| {
        if bounds.is_empty() {
            f64::NAN
        } else {
            bounds[((bounds.len() - 1) as f64 * q).round() as usize]
        }
    };
    let limits: Vec<String> = {
        let mut l: Vec<String> = rows.iter().map(|r| r.err_bound_limit.to_string()).collect();
        l.dedup();
        l.sort();
        l.dedup();
        l
    };
    let _ = writeln!(
        s,
        "| {precision} | {backend} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        rows.len(),
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Diverged),
        rows.iter().filter(|r| r.bit_identical).count(),
        bound_text(pct(0.5)),
        bound_text(pct(0.99)),
        bound_text(pct(1.0)),
        limits.join(", "),
        rows.iter().filter(|r| r.ambiguous_units > 0).count(),
        rows.iter().map(|r| r.ambiguous_units).sum::<usize>(),
    );
}

/// True when `dir` holds a sweep's rows.
pub fn is_sweep(dir: &Path) -> bool {
    dir.join("sweep.csv").is_file()
}

/// The rows of several sweep folders (shards) as one sweep, in run order. The same run in two
/// folders must be the same row (same seed, same problem, same result).
pub fn merge(dirs: &[PathBuf]) -> Result<Vec<SweepRow>> {
    let mut by_run: BTreeMap<(u64, usize), (SweepRow, PathBuf)> = BTreeMap::new();
    for dir in dirs {
        for row in read_rows(&dir.join("sweep.csv"))? {
            let key = (row.seed, row.run);
            if let Some((other, from)) = by_run.get(&key) {
                if !same_row(other, &row) {
                    bail!(
                        "run {} of seed {} differs between {} and {}",
                        row.run,
                        row.seed,
                        from.display(),
                        dir.display()
                    );
                }
                continue;
            }
            by_run.insert(key, (row, dir.clone()));
        }
    }
    Ok(by_run.into_values().map(|(r, _)| r).collect())
}

/// `mlp2d report` over sweep folders: the merged `sweep.csv` beside `out`, and `out` (Markdown):
/// the summary table, the failing runs and the closest calls; written together into a folder
/// that exists.
pub fn write_sweep_report(rows: &[SweepRow], out: &Path) -> Result<()> {
    let mut staged = Staged::default();
    staged.stage(parent_of(out).join("sweep.csv"), rows_csv(rows)?);
    let mut s = String::from("# Sweep: random problems under the agreement gate\n\n");
    let seeds: std::collections::BTreeSet<u64> = rows.iter().map(|r| r.seed).collect();
    let _ = writeln!(
        s,
        "{} runs (seed {}), each a few hundred lockstep steps; `err_bound` is the disagreement in units of what rounding and ReLU kinks explain (README, \"How agreement is judged\").\n",
        rows.len(),
        seeds
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    s += &summary_table(rows);
    let failed: Vec<&SweepRow> = rows.iter().filter(|r| r.verdict == Verdict::Fail).collect();
    let _ = writeln!(s, "\n## Failing runs: {}\n", failed.len());
    for r in &failed {
        let _ = writeln!(s, "- run {} (seed {}): {}", r.run, r.seed, r.detail);
    }
    let mut closest: Vec<&SweepRow> = rows
        .iter()
        .filter(|r| r.max_err_bound.is_finite())
        .collect();
    closest.sort_by(|a, b| b.max_err_bound.total_cmp(&a.max_err_bound));
    s += "\n## The ten closest calls\n\n| run | data | hidden | batch | lr | init | precision | backend | worst err_bound | where | ambiguous units |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
    for r in closest.iter().take(10) {
        let _ = writeln!(
            s,
            "| {} | {} | [{}] | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.run,
            r.data,
            r.hidden.replace('-', ", "),
            r.batch_size,
            r.learning_rate,
            r.init,
            r.precision,
            r.backend,
            bound_text(r.max_err_bound),
            r.max_err_bound_at,
            r.ambiguous_units
        );
    }
    staged.stage(out, s.into_bytes());
    staged.commit()
}
