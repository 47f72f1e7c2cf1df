//! The summary of a sweep (`sweep.csv`): per precision and backend, and per activation and
//! optimizer, how many runs passed, how many failed on a known burn finding (src/findings.rs) and
//! how many without one, and how close the worst came to the limit; and the merge of shard
//! folders into one table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::bound_text;
use crate::metrics::Verdict;
use crate::output::{Staged, parent_of};
use crate::sweep::{SweepRow, read_rows, rows_csv, same_row};

/// The summary: a Markdown table with one line per precision and backend, then the total; a
/// blank line; a second table with one line per activation and per optimizer family.
pub fn summary_table(rows: &[SweepRow]) -> String {
    let mut s = by_precision_and_backend(rows);
    s.push('\n');
    s += &by_activation_and_optimizer(rows);
    s
}

const COLUMNS: &str = "runs | PASS | FAIL (known finding) | FAIL (unexplained) | DIVERGED | bit for bit | median err_bound | 99th pct | worst err_bound | limit | runs with ambiguous units | ambiguous units |";
const RULE: &str = "---|---|---|---|---|---|---|---|---|---|---|---|";

fn by_precision_and_backend(rows: &[SweepRow]) -> String {
    let mut groups: BTreeMap<(String, String), Vec<&SweepRow>> = BTreeMap::new();
    for r in rows {
        groups
            .entry((r.precision.clone(), r.backend.clone()))
            .or_default()
            .push(r);
    }
    let mut s = format!("| precision | backend | {COLUMNS}\n|---|---|{RULE}\n");
    for ((p, b), g) in &groups {
        line(&mut s, p, b, g);
    }
    let all: Vec<&SweepRow> = rows.iter().collect();
    line(&mut s, "all", "all", &all);
    s
}

fn by_activation_and_optimizer(rows: &[SweepRow]) -> String {
    let mut by_activation: BTreeMap<&str, Vec<&SweepRow>> = BTreeMap::new();
    let mut by_optimizer: BTreeMap<&str, Vec<&SweepRow>> = BTreeMap::new();
    for r in rows {
        by_activation
            .entry(activation_kind(&r.activation))
            .or_default()
            .push(r);
        by_optimizer
            .entry(optimizer_family(&r.optimizer))
            .or_default()
            .push(r);
    }
    let mut s = format!("| activation | optimizer | {COLUMNS}\n|---|---|{RULE}\n");
    for (a, g) in &by_activation {
        line(&mut s, a, "all", g);
    }
    for (o, g) in &by_optimizer {
        line(&mut s, "all", o, g);
    }
    s
}

/// The activation of a row without its parameter: `leaky_relu(0.01)` is `leaky_relu`.
pub fn activation_kind(label: &str) -> &str {
    label.split('(').next().unwrap_or(label).trim()
}

/// The optimizer family of a row's optimizer label: `sgd`, `sgd+momentum` (with or without
/// weight decay), `sgd+weight_decay`, `adam` or `adamw`.
pub fn optimizer_family(label: &str) -> &str {
    let name = label.split(' ').next().unwrap_or(label);
    if name != "sgd" {
        name
    } else if label.contains("momentum") {
        "sgd+momentum"
    } else if label.contains("weight_decay") {
        "sgd+weight_decay"
    } else {
        "sgd"
    }
}

fn line(s: &mut String, first: &str, second: &str, rows: &[&SweepRow]) {
    let count = |v: Verdict| rows.iter().filter(|r| r.verdict == v).count();
    let known = rows
        .iter()
        .filter(|r| r.verdict == Verdict::Fail && !r.finding.is_empty())
        .count();
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
        "| {first} | {second} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        rows.len(),
        count(Verdict::Pass),
        known,
        count(Verdict::Fail) - known,
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
        "{} (seed {}), each a few hundred lockstep steps; `err_bound` is the disagreement in units of what rounding and ReLU kinks explain (docs/agreement.md).\n",
        super::count(rows.len(), "run"),
        seeds
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    s += &summary_table(rows);
    let failed: Vec<&SweepRow> = rows.iter().filter(|r| r.verdict == Verdict::Fail).collect();
    let (known, unexplained): (Vec<&SweepRow>, Vec<&SweepRow>) =
        failed.iter().partition(|r| !r.finding.is_empty());
    let _ = writeln!(
        s,
        "\n## Failing runs: {} ({} unexplained, {} on a known burn finding)\n",
        failed.len(),
        unexplained.len(),
        known.len()
    );
    for r in unexplained.iter().chain(&known) {
        let _ = writeln!(
            s,
            "- run {} (seed {}; {}, {}, {} {}): {}",
            r.run, r.seed, r.activation, r.optimizer, r.precision, r.backend, r.detail
        );
    }
    // How close correct runs come to the limit: a FAIL is over it.
    let mut closest: Vec<&SweepRow> = rows
        .iter()
        .filter(|r| r.verdict != Verdict::Fail && r.max_err_bound.is_finite())
        .collect();
    closest.sort_by(|a, b| b.max_err_bound.total_cmp(&a.max_err_bound));
    s += "\n## The ten closest calls (runs that did not fail)\n\n| run | data | hidden | batch | lr | init | activation | optimizer | precision | backend | worst err_bound | where | ambiguous units |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for r in closest.iter().take(10) {
        let _ = writeln!(
            s,
            "| {} | {} | [{}] | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.run,
            r.data,
            r.hidden.replace('-', ", "),
            r.batch_size,
            r.learning_rate,
            r.init,
            r.activation,
            r.optimizer,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ActivationKind, AdamSettings, Optimizer, SgdSettings};

    #[test]
    fn families_from_labels() {
        let sgd = |momentum, weight_decay| {
            Optimizer::Sgd(SgdSettings {
                momentum,
                dampening: 0.1,
                nesterov: true,
                weight_decay,
            })
        };
        let adam = |weight_decay| {
            Optimizer::Adam(AdamSettings {
                beta_1: 0.9,
                beta_2: 0.999,
                epsilon: 1e-5,
                weight_decay,
            })
        };
        let adamw = Optimizer::AdamW(AdamSettings {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-5,
            weight_decay: 0.01,
        });
        for (o, family) in [
            (sgd(0.0, 0.0), "sgd"),
            (sgd(0.9, 0.0), "sgd+momentum"),
            (sgd(0.9, 1e-3), "sgd+momentum"),
            (sgd(0.0, 1e-3), "sgd+weight_decay"),
            (adam(0.0), "adam"),
            (adam(1e-3), "adam"),
            (adamw, "adamw"),
        ] {
            assert_eq!(optimizer_family(&o.label()), family, "{}", o.label());
        }
        for a in ActivationKind::ALL.map(|k| k.with_slope(Some(0.01))) {
            assert_eq!(activation_kind(&a.label()), a.name());
        }
    }
}
