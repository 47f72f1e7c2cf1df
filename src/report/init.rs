//! The init comparison: runs of the same data and network from `init = "normal"` and
//! `init = "he"`, side by side, and their chart (`init.png`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use super::format::{backend, hidden, num, pct};
use super::runs::{Run, read_metrics_csv};
use crate::output::Staged;
use crate::plot::{InitCurve, init_png};

/// Runs of the same data, network and training trained from both inits, grouped; in order of
/// data set, then network size.
pub(super) fn init_groups(runs: &[Run]) -> Vec<Vec<&Run>> {
    let mut groups: BTreeMap<String, Vec<&Run>> = BTreeMap::new();
    for r in runs {
        let s = &r.summary;
        // Every setting but the init: another activation or optimizer is another training.
        let key = format!(
            "{}|{}|{}|{}|{}|{:?}|{}|{}|{}|{}|{}",
            s.activation_label(),
            s.optimizer_label(),
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

/// The init comparison: a table, and `init.png` beside the report (staged).
pub(super) fn init_section(
    groups: &[Vec<&Run>],
    out_dir: &Path,
    staged: &mut Staged,
) -> Result<String> {
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
    staged.stage(out_dir.join("init.png"), png);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::runs::read_summary;

    fn run(dir: &str) -> Run {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let summary = read_summary(&dir).unwrap();
        Run { dir, summary }
    }

    /// Two runs of the same data and net from both inits pair up only when nothing else differs:
    /// moons_adagrad (He, AdaGrad) and moons_silu_momentum (N(0, 1), SiLU) do not.
    #[test]
    fn only_runs_that_differ_in_init_alone_pair_up() {
        let runs = [
            run("results/moons_adagrad"),
            run("results/moons_silu_momentum"),
            run("results/init/moons-16x2-normal"),
            run("results/init/moons-16x2-he"),
        ];
        let groups = init_groups(&runs);
        assert_eq!(
            groups.len(),
            1,
            "{:?}",
            groups.iter().map(|g| g.len()).collect::<Vec<_>>()
        );
        let names: Vec<&str> = groups[0].iter().map(|r| r.summary.name.as_str()).collect();
        assert_eq!(names, ["moons-16x2-normal", "moons-16x2-he"]);
    }
}
