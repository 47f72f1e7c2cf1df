//! `mlp2d report`: the results table over finished runs (their `summary.json`), as Markdown
//! with the pictures below it, and as `summary.csv`. When the runs include the same data and
//! network trained from both `init = "normal"` and `init = "he"`, an init comparison section
//! and its chart (`init.png`) are added.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use super::Summary;
use super::format::{backend, num, pct, sci};
use super::init::{init_groups, init_section};
pub use super::runs::{Run, find_runs, read_metrics_csv, read_summary};
use crate::metrics::Verdict;
use crate::output::{Staged, parent_of};

fn per_second(steps: usize, seconds: f64) -> f64 {
    if seconds > 0.0 {
        steps as f64 / seconds
    } else {
        f64::NAN
    }
}

/// `v` with `decimals` decimals, or `n/a` (a run that diverged before its first epoch ended
/// has no time).
fn fixed(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}")
    } else {
        "n/a".to_owned()
    }
}

/// A final loss; a run that diverged before its first epoch ended has none (NaN).
fn loss_cell(s: &Summary, loss: f64) -> String {
    if s.diverged.is_some() && loss.is_nan() {
        "n/a".to_owned()
    } else {
        num(loss)
    }
}

/// The worst `err_bound` cell. A diverged run is not called bit for bit: its steps may all have
/// agreed, but it did not finish.
fn err_bound_cell(s: &Summary) -> String {
    match (&s.diverged, s.bit_identical) {
        (Some(_), _) if !s.max_err_bound.is_finite() || s.max_err_bound == 0.0 => {
            "n/a (diverged)".to_owned()
        }
        (None, true) => "0 (bit for bit)".to_owned(),
        _ => super::bound_text(s.max_err_bound),
    }
}

/// `target` relative to `base` with `/` separators, for links in Markdown.
pub(super) fn relative(base: &Path, target: &Path) -> String {
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

const COLUMNS: [&str; 26] = [
    "run",
    "data",
    "samples",
    "classes",
    "net",
    "activation",
    "optimizer",
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

fn row(s: &Summary) -> [String; 26] {
    [
        s.name.clone(),
        s.data.clone(),
        s.samples.to_string(),
        s.classes.to_string(),
        format!("{:?}", s.sizes),
        s.activation_label().to_owned(),
        s.optimizer_label().to_owned(),
        s.init.clone(),
        s.precision.clone(),
        backend(s).to_owned(),
        s.epochs.to_string(),
        loss_cell(s, s.final_loss_manual),
        loss_cell(s, s.final_loss_burn),
        pct(s.train_accuracy),
        s.test_accuracy.map_or_else(|| "n/a".to_owned(), pct),
        err_bound_cell(s),
        s.err_bound_limit.to_string(),
        s.ambiguous_units.to_string(),
        sci(s.max_grad_rel_err),
        sci(s.max_drift),
        fixed(s.seconds_manual, 2),
        fixed(s.seconds_burn, 2),
        fixed(per_second(s.steps, s.seconds_manual), 0),
        fixed(per_second(s.steps, s.seconds_burn), 0),
        match (s.boundary_cells_differ, s.boundary_cells) {
            (Some(d), Some(n)) => format!("{d} of {n}"),
            _ => "n/a".to_owned(),
        },
        s.verdict().to_string(),
    ]
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
    activation: &'a str,
    optimizer: &'a str,
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
            activation: s.activation_label(),
            optimizer: s.optimizer_label(),
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

/// The files [`write_report`] may write for `out_md`: it, and `summary.csv` and `init.png`
/// beside it.
pub fn report_files(out_md: &Path) -> [PathBuf; 3] {
    let dir = parent_of(out_md);
    [
        out_md.to_path_buf(),
        dir.join("summary.csv"),
        dir.join("init.png"),
    ]
}

/// Writes the Markdown report to `out_md` and `summary.csv` beside it (and `init.png` when
/// there is an init comparison), together.
pub fn write_report(runs: &[Run], out_md: &Path) -> Result<()> {
    let out_dir = parent_of(out_md);
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create folder {}", out_dir.display()))?;
    let mut staged = Staged::default();
    let groups = init_groups(runs);
    let init = if groups.is_empty() {
        None
    } else {
        Some(init_section(&groups, out_dir, &mut staged)?)
    };
    staged.stage(
        out_md,
        markdown(runs, out_dir, init.as_deref()).into_bytes(),
    );
    staged.stage(out_dir.join("summary.csv"), summary_csv(runs).into_bytes());
    staged.commit()
}
