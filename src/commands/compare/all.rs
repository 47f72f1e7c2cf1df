//! `compare --all DIR`: every config in a folder, each to its own folder, then the report.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::{CompareOptions, RunOutput, run_files, run_loaded};
use crate::config::Config;
use crate::interrupt::Interrupted;
use crate::metrics::Verdict;
use crate::output::{OutputDir, check_targets};
use crate::report::table::{find_runs, report_files, write_report};

/// The `*.toml` files directly in `dir`, sorted.
pub fn config_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read folder {}", dir.display()))?;
    let mut paths = Vec::new();
    for e in entries {
        let path = e
            .with_context(|| format!("cannot read folder {}", dir.display()))?
            .path();
        if path.is_file() && path.extension().is_some_and(|x| x == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    if paths.is_empty() {
        bail!("no config (*.toml) in {}", dir.display());
    }
    Ok(paths)
}

/// `mlp2d compare --all DIR`: every config in `dir`, each to `<out_root>/<name>/`, then the
/// report (`<out_root>/README.md`, `<out_root>/summary.csv`). A config that fails (bad input)
/// is reported and skipped; a run that diverges is recorded. Returns the worst exit status:
/// 0 all agree, 1 some disagree, 2 some bad input or divergence.
pub fn compare_all(dir: &Path, out_root: &Path, opts: &CompareOptions) -> Result<u8> {
    if opts.init.is_some() {
        bail!("--init cannot be used with --all: each config has its own network shape");
    }
    let paths = config_files(dir)?;
    // Locked for the whole batch: the report is the last file written into it.
    let _root = OutputDir::prepare(out_root)?;
    let out_md = out_root.join("README.md");
    check_targets(report_files(&out_md))?;
    check_run_folders(&paths, out_root, opts)?;
    let mut worst = 0u8;
    let mut names = HashSet::new();
    let mut dirs = Vec::new();
    let started = Instant::now();
    for path in &paths {
        let result = (|| -> Result<RunOutput> {
            let mut config = Config::load(path)?;
            opts.overrides.apply(&mut config);
            config.validate()?;
            if !names.insert(config.name.clone()) {
                bail!(
                    "another config in {} has name = \"{}\": each run needs its own output folder",
                    dir.display(),
                    config.name
                );
            }
            run_loaded(&config, &out_root.join(&config.name), opts, true)
        })();
        match result {
            Ok(run) => {
                worst = worst.max(run.summary.exit_status());
                dirs.push(run.dir);
            }
            // Ctrl-C stops the whole batch, not just the run it arrived in; the runs before it
            // are complete and are named.
            Err(e) if e.is::<Interrupted>() => {
                return Err(match e.downcast::<Interrupted>() {
                    Ok(mut stop) => {
                        stop.written = dirs;
                        stop.into()
                    }
                    Err(e) => e,
                });
            }
            Err(e) => {
                // Name the config, unless the message does already.
                let message = format!("{e:#}");
                let shown = path.display().to_string();
                if message.contains(&shown) {
                    eprintln!("error: {message}");
                } else {
                    eprintln!("error: {shown}: {message}");
                }
                worst = 2;
            }
        }
        println!();
    }
    if dirs.is_empty() {
        bail!("no run finished: nothing to report");
    }
    let runs = find_runs(&dirs)?;
    write_report(&runs, &out_md)?;
    let counts = |v: Verdict| runs.iter().filter(|r| r.summary.verdict() == v).count();
    println!(
        "{} in {:.1} s: {} pass, {} fail, {} diverged, {} not run; report in {}",
        crate::report::count(paths.len(), "config"),
        started.elapsed().as_secs_f64(),
        counts(Verdict::Pass),
        counts(Verdict::Fail),
        counts(Verdict::Diverged),
        paths.len() - runs.len(),
        out_md.display()
    );
    Ok(worst)
}

/// Before any run: every run folder that exists already can take the run's files (no folder in
/// the way of one). Configs that do not load are reported in turn by the batch.
fn check_run_folders(paths: &[PathBuf], out_root: &Path, opts: &CompareOptions) -> Result<()> {
    for path in paths {
        let Ok(mut config) = Config::load(path) else {
            continue;
        };
        opts.overrides.apply(&mut config);
        let out = out_root.join(&config.name);
        if out.is_dir() {
            check_targets(run_files(&out))?;
        } else if out.exists() {
            bail!("output folder {} is a file", out.display());
        }
    }
    Ok(())
}
