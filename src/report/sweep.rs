//! The summary of a sweep (`sweep.csv`): per precision and backend, how many runs passed and
//! how close the worst came to the limit; and the merge of shard folders into one table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::bound_text;
use crate::sweep::{SweepRow, read_rows};

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
    let count = |v: &str| rows.iter().filter(|r| r.verdict == v).count();
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
        let mut l: Vec<String> = rows.iter().map(|r| bound_text(r.err_bound_limit)).collect();
        l.dedup();
        l.sort();
        l.dedup();
        l
    };
    let _ = writeln!(
        s,
        "| {precision} | {backend} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        rows.len(),
        count("PASS"),
        count("FAIL"),
        count("DIVERGED"),
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
                if *other != row {
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
