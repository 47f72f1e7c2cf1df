//! `mlp2d report`: the results table over finished runs (their `summary.json`), as Markdown
//! with the pictures below it, and as `summary.csv`. When the runs include the same data and
//! network trained from both `init = "normal"` and `init = "he"`, an init comparison section
//! and its chart (`init.png`) are added.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::Summary;
use crate::metrics::{EpochMetrics, Verdict};
use crate::output::write_atomic;
use crate::plot::{InitCurve, init_png};

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

fn num(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else if v == 0.0 {
        "0".to_owned()
    } else if v.abs() >= 1e4 || v.abs() < 1e-3 {
        format!("{v:.2e}")
    } else {
        format!("{v:.4}")
    }
}

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1}%", 100.0 * v)
    } else {
        "n/a".to_owned()
    }
}

fn sci(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned()
    } else if v.is_finite() {
        format!("{v:.1e}")
    } else {
        num(v)
    }
}

fn per_second(steps: usize, seconds: f64) -> f64 {
    if seconds > 0.0 {
        steps as f64 / seconds
    } else {
        f64::NAN
    }
}

/// Hidden widths, e.g. `[64, 64, 64]`.
fn hidden(s: &Summary) -> String {
    let h = s
        .sizes
        .get(1..s.sizes.len().saturating_sub(1))
        .unwrap_or(&[]);
    format!("{h:?}")
}

/// `target` relative to `base` with `/` separators, for links in Markdown.
fn relative(base: &Path, target: &Path) -> String {
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (base, target) = (abs(base), abs(target));
    let base_parts: Vec<_> = base.components().collect();
    let target_parts: Vec<_> = target.components().collect();
    let common = base_parts
        .iter()
        .zip(&target_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = vec!["..".to_owned(); base_parts.len() - common];
    parts.extend(
        target_parts[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

const COLUMNS: [&str; 24] = [
    "run",
    "data",
    "samples",
    "classes",
    "net",
    "init",
    "precision",
    "burn backend",
    "epochs",
    "final loss hand-written",
    "final loss burn",
    "train acc.",
    "test acc.",
    "worst err_bound",
    "limit",
    "ambiguous units",
    "worst grad_rel_err",
    "worst drift",
    "s hand-written",
    "s burn",
    "steps/s hand-written",
    "steps/s burn",
    "boundary cells differ",
    "result",
];

fn row(s: &Summary) -> [String; 24] {
    [
        s.name.clone(),
        s.data.clone(),
        s.samples.to_string(),
        s.classes.to_string(),
        format!("{:?}", s.sizes),
        s.init.clone(),
        s.precision.clone(),
        backend(s).to_owned(),
        s.epochs.to_string(),
        num(s.final_loss_manual),
        num(s.final_loss_burn),
        pct(s.train_accuracy),
        s.test_accuracy.map_or_else(|| "n/a".to_owned(), pct),
        if s.bit_identical {
            "0 (bit for bit)".to_owned()
        } else {
            super::bound_text(s.max_err_bound)
        },
        s.err_bound_limit.to_string(),
        s.ambiguous_units.to_string(),
        sci(s.max_grad_rel_err),
        sci(s.max_drift),
        format!("{:.2}", s.seconds_manual),
        format!("{:.2}", s.seconds_burn),
        format!("{:.0}", per_second(s.steps, s.seconds_manual)),
        format!("{:.0}", per_second(s.steps, s.seconds_burn)),
        match (s.boundary_cells_differ, s.boundary_cells) {
            (Some(d), Some(n)) => format!("{d} of {n}"),
            _ => "n/a".to_owned(),
        },
        s.verdict().to_string(),
    ]
}

/// The burn twin's backend, or `n/a` for summaries written before it was recorded.
fn backend(s: &Summary) -> &str {
    s.backend.as_deref().unwrap_or("n/a")
}

/// One row of `summary.csv`: a run's numbers in full (the header is these names).
#[derive(Debug, Serialize)]
struct SummaryRow<'a> {
    name: &'a str,
    data: &'a str,
    samples: usize,
    classes: usize,
    /// Layer sizes joined by `-`.
    sizes: String,
    init: &'a str,
    precision: &'a str,
    backend: &'a str,
    epochs: usize,
    steps: usize,
    initial_loss_manual: Option<f64>,
    initial_loss_burn: Option<f64>,
    final_loss_manual: f64,
    final_loss_burn: f64,
    train_accuracy: f64,
    test_accuracy: Option<f64>,
    train_accuracy_manual: f64,
    test_accuracy_manual: Option<f64>,
    max_err_bound: f64,
    err_bound_limit: f64,
    ambiguous_units: usize,
    bit_identical: bool,
    max_grad_rel_err: f64,
    max_drift: f64,
    seconds_manual: f64,
    seconds_burn: f64,
    steps_per_second_manual: f64,
    steps_per_second_burn: f64,
    boundary_cells_differ: Option<usize>,
    boundary_cells: Option<usize>,
    result: Verdict,
}

/// `summary.csv`: one row per run, numbers in full.
pub fn summary_csv(runs: &[Run]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in runs {
        let s = &r.summary;
        let row = SummaryRow {
            name: &s.name,
            data: &s.data,
            samples: s.samples,
            classes: s.classes,
            sizes: s
                .sizes
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("-"),
            init: &s.init,
            precision: &s.precision,
            backend: s.backend.as_deref().unwrap_or_default(),
            epochs: s.epochs,
            steps: s.steps,
            initial_loss_manual: s.initial_loss_manual,
            initial_loss_burn: s.initial_loss_burn,
            final_loss_manual: s.final_loss_manual,
            final_loss_burn: s.final_loss_burn,
            train_accuracy: s.train_accuracy,
            test_accuracy: s.test_accuracy,
            train_accuracy_manual: s.train_accuracy_manual,
            test_accuracy_manual: s.test_accuracy_manual,
            max_err_bound: s.max_err_bound,
            err_bound_limit: s.err_bound_limit,
            ambiguous_units: s.ambiguous_units,
            bit_identical: s.bit_identical,
            max_grad_rel_err: s.max_grad_rel_err,
            max_drift: s.max_drift,
            seconds_manual: s.seconds_manual,
            seconds_burn: s.seconds_burn,
            steps_per_second_manual: per_second(s.steps, s.seconds_manual),
            steps_per_second_burn: per_second(s.steps, s.seconds_burn),
            boundary_cells_differ: s.boundary_cells_differ,
            boundary_cells: s.boundary_cells,
            result: s.verdict(),
        };
        w.serialize(row).expect("a summary row serialises");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("CSV is UTF-8")
}

/// Runs of the same data, network and training trained from both inits, grouped; in order of
/// data set, then network size.
fn init_groups(runs: &[Run]) -> Vec<Vec<&Run>> {
    let mut groups: BTreeMap<String, Vec<&Run>> = BTreeMap::new();
    for r in runs {
        let s = &r.summary;
        let key = format!(
            "{}|{}|{}|{:?}|{}|{}|{}|{}|{}",
            s.data,
            s.samples,
            s.seed,
            s.sizes,
            s.precision,
            backend(s),
            s.epochs,
            s.batch_size,
            s.learning_rate
        );
        groups.entry(key).or_default().push(r);
    }
    let mut out: Vec<Vec<&Run>> = groups
        .into_values()
        .filter(|g| {
            g.iter().any(|r| r.summary.init == "normal") && g.iter().any(|r| r.summary.init == "he")
        })
        .map(|mut g| {
            g.sort_by_key(|r| (r.summary.init != "normal", r.summary.name.clone()));
            g
        })
        .collect();
    out.sort_by_key(|g| {
        let s = &g[0].summary;
        (s.data.clone(), s.sizes.len(), s.sizes.iter().sum::<usize>())
    });
    out
}

fn loss_curve(r: &Run) -> Result<Vec<(f64, f64)>> {
    let metrics = read_metrics_csv(&r.dir.join("metrics.csv"))?;
    Ok(r.summary
        .initial_loss_burn
        .map(|l| (0.0, l))
        .into_iter()
        .chain(metrics.iter().map(|m| (m.epoch as f64, m.loss_burn)))
        .collect())
}

/// The init comparison: a table and `init.png` beside the report.
fn init_section(groups: &[Vec<&Run>], out_dir: &Path) -> Result<String> {
    let mut s = String::new();
    let _ = writeln!(s, "## Init comparison: N(0, 1) against He\n");
    let _ = writeln!(
        s,
        "Each data set and network trained twice, from `init = \"normal\"` (W ~ N(0, 1), the \
         course's choice) and from `init = \"he\"` (W ~ N(0, 2/fan_in)), same seed, data, batches \
         and learning rate. Loss of the burn twin (the hand-written twin's agrees to the \
         tolerance); loss after epoch 1 and final loss on the whole training split.\n"
    );
    let _ = writeln!(
        s,
        "| data | hidden | init | initial loss | loss after epoch 1 | final loss | train acc. | test acc. | result |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    let mut panels: Vec<(String, Vec<InitCurve>)> = Vec::new();
    for g in groups {
        for r in g {
            let sm = &r.summary;
            let curve = loss_curve(r)?;
            let after_one = curve.iter().find(|p| p.0 == 1.0).map(|p| p.1);
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                sm.data,
                hidden(sm),
                sm.init,
                sm.initial_loss_burn.map_or_else(|| "n/a".to_owned(), num),
                after_one.map_or_else(|| "—".to_owned(), num),
                if sm.diverged.is_some() && curve.len() <= 1 {
                    "—".to_owned()
                } else {
                    num(sm.final_loss_burn)
                },
                pct(sm.train_accuracy),
                sm.test_accuracy.map_or_else(|| "n/a".to_owned(), pct),
                match &sm.diverged {
                    Some(_) => format!(
                        "DIVERGED in epoch {}",
                        curve.iter().filter(|p| p.0 >= 1.0).count() + 1
                    ),
                    None => sm.verdict().to_string(),
                }
            );
            let data = sm.data.clone();
            let c = InitCurve {
                shape: hidden(sm),
                init: sm.init.clone(),
                points: curve,
                diverged: sm.diverged.is_some(),
            };
            match panels.iter_mut().find(|(d, _)| *d == data) {
                Some((_, curves)) => curves.push(c),
                None => panels.push((data, vec![c])),
            }
        }
    }
    let png = init_png(
        &panels,
        "Training loss from N(0,1) (solid) and He (dashed) initial weights, deeper and wider",
    )?;
    write_atomic(&out_dir.join("init.png"), &png)?;
    let _ = writeln!(s, "\n![init comparison](init.png)\n");
    for g in groups {
        for r in g {
            if let Some(m) = &r.summary.diverged {
                let _ = writeln!(s, "- `{}` diverged: {m}", r.summary.name);
            }
        }
    }
    Ok(s)
}

/// The Markdown report for `runs`, with links relative to `out_dir`.
pub fn markdown(runs: &[Run], out_dir: &Path, init: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Results\n");
    let _ = writeln!(
        s,
        "Generated by `mlp2d report` from each run's `summary.json` (do not edit by hand). \
         Times are training steps only. `result`: PASS = the twins agreed within the rounding bound (`err_bound` under its limit) at \
         every step, FAIL = they did not, DIVERGED = the loss or a gradient became NaN or \
         infinite, or the loss grew to 1000 times its start. `boundary cells differ`: cells of the boundary picture's raster where the two \
         final nets predict different classes. The same numbers in full: \
         [summary.csv](summary.csv).\n"
    );
    let _ = writeln!(s, "| {} |", COLUMNS.join(" | "));
    let _ = writeln!(s, "|{}", "---|".repeat(COLUMNS.len()));
    for r in runs {
        let _ = writeln!(s, "| {} |", row(&r.summary).join(" | "));
    }
    s.push('\n');
    if let Some(init) = init {
        s.push_str(init);
    }
    let _ = writeln!(s, "## Pictures\n");
    let _ = writeln!(
        s,
        "Left: the decision boundary of the final nets (background: the burn twin's class; black \
         cells: the hand-written twin predicts another class; points: training data, test data \
         with a black outline). Right: training loss, accuracy and agreement per epoch.\n"
    );
    for r in runs {
        let dir = relative(out_dir, &r.dir);
        let _ = writeln!(s, "### {}\n", r.summary.name);
        if let Some(m) = &r.summary.diverged {
            let _ = writeln!(s, "Diverged: {m}\n");
        }
        let mut pics = Vec::new();
        for (file, alt) in [
            ("boundary.png", "decision boundary"),
            ("loss.png", "training curves"),
        ] {
            if r.dir.join(file).is_file() {
                pics.push(format!(
                    "<img src=\"{dir}/{file}\" alt=\"{}: {alt}\" width=\"49%\">",
                    r.summary.name
                ));
            }
        }
        if pics.is_empty() {
            let _ = writeln!(s, "(no pictures)\n");
        } else {
            let _ = writeln!(s, "{}\n", pics.join(" "));
        }
    }
    s
}

/// Writes the Markdown report to `out_md` and `summary.csv` beside it (and `init.png` when
/// there is an init comparison).
pub fn write_report(runs: &[Run], out_md: &Path) -> Result<()> {
    let out_dir = out_md
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create folder {}", out_dir.display()))?;
    let groups = init_groups(runs);
    let init = if groups.is_empty() {
        None
    } else {
        Some(init_section(&groups, out_dir)?)
    };
    write_atomic(out_md, markdown(runs, out_dir, init.as_deref()).as_bytes())?;
    write_atomic(&out_dir.join("summary.csv"), summary_csv(runs).as_bytes())?;
    Ok(())
}
