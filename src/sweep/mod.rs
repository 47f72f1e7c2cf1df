//! `mlp2d sweep`: random problems, each trained a few hundred steps in lockstep under the gate.
//!
//! Run `r` of a sweep with seed `s` is drawn from its own generator, seeded by `(s, r)` alone, so
//! a row depends on nothing else: shards (`--shard K/N` takes the runs with `r mod N = K − 1`)
//! can run on different machines and their rows together equal the unsharded sweep's.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};

use crate::config::Config;
use crate::divergence::Diverged;
use crate::metrics::Verdict;
use crate::output::{OutputDir, Staged, check_targets};
use crate::run_setup::RunSetup;

mod problem;
mod rows;

pub use problem::{DEFAULT_BACKENDS, Draw, base_problem, config_toml, problem};
pub use rows::{SweepRow, read_rows, rows_csv, same_row};

/// `--shard K/N`: this process runs the runs with `r mod N = K − 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("--shard takes K/N with 1 <= K <= N, e.g. 2/3; got {s:?}");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (usize, usize) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if n == 0 || k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { index: k, count: n })
    }
}

impl Shard {
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    pub fn takes(&self, run: usize) -> bool {
        run % self.count == self.index - 1
    }
}

/// Trains one problem in lockstep and records the verdict.
pub fn run_one(seed: u64, run: usize, draw: &Draw) -> Result<(SweepRow, Config)> {
    let config = problem(seed, run, draw);
    config
        .validate()
        .with_context(|| format!("run {run}: the generated config is invalid"))?;
    let setup = RunSetup::new(&config, None)?;
    let (result, diverged) = match setup.train(|_| {}) {
        Ok(r) => (r, None),
        Err(e) => match e.downcast::<Diverged>() {
            Ok(d) => (*d.partial, Some(d.message)),
            Err(e) => return Err(e),
        },
    };
    let classes = setup.prepared.raw.classes;
    let row = rows::row(seed, run, &config, &classes, &result, diverged);
    Ok((row, config))
}

/// What `mlp2d sweep` was asked to do.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub runs: usize,
    pub seed: u64,
    pub shard: Shard,
    pub out: PathBuf,
    pub threads: usize,
    pub quiet: bool,
    /// The limit (when overridden, for experiments), the backends and the precisions drawn.
    pub draw: Draw,
}

/// Runs the shard's problems on `threads` workers; writes `out/sweep.csv` (rows in run order)
/// and `out/run-{r}.toml` for every failing run, together at the end. Returns the rows.
pub fn sweep(opts: &SweepOptions) -> Result<Vec<SweepRow>> {
    if opts.runs == 0 {
        bail!("--runs must be at least 1");
    }
    if opts.draw.backends.is_empty() || opts.draw.precisions.is_empty() {
        bail!("--backends and --precisions need at least one value each");
    }
    for &b in &opts.draw.backends {
        crate::burn_device::ensure_built(b)?;
    }
    let todo: Vec<usize> = (0..opts.runs).filter(|&r| opts.shard.takes(r)).collect();
    if todo.is_empty() {
        bail!(
            "shard {}/{} of {} has no run (it takes the runs R with R mod {} = {}): use --runs {} or more",
            opts.shard.index,
            opts.shard.count,
            crate::report::count(opts.runs, "run"),
            opts.shard.count,
            opts.shard.index - 1,
            opts.shard.index
        );
    }
    // Locked until the files are in place; a folder this created is removed if nothing is.
    let _dir = OutputDir::prepare(&opts.out)?;
    check_targets([opts.out.join("sweep.csv")])?;
    let next = AtomicUsize::new(0);
    let rows: Mutex<Vec<(SweepRow, Config)>> = Mutex::new(Vec::new());
    let errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let bar = crate::progress::count_bar("sweep", todo.len(), opts.quiet);
    std::thread::scope(|scope| {
        for _ in 0..opts.threads.max(1) {
            scope.spawn(|| {
                loop {
                    if crate::interrupt::requested() {
                        return;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&run) = todo.get(i) else { return };
                    match run_one(opts.seed, run, &opts.draw) {
                        Ok(done) => rows.lock().expect("no worker panics").push(done),
                        Err(e) => errors
                            .lock()
                            .expect("no worker panics")
                            .push(format!("run {run}: {e:#}")),
                    }
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    if crate::interrupt::requested() {
        return Err(crate::interrupt::Interrupted {
            epoch: 0,
            step: 0,
            written: Vec::new(),
        }
        .into());
    }
    if let Some(e) = errors.into_inner().expect("no worker panics").first() {
        bail!("{e}");
    }
    let mut done = rows.into_inner().expect("no worker panics");
    done.sort_by_key(|(r, _)| r.run);
    let mut staged = Staged::default();
    for (row, config) in &done {
        if row.verdict == Verdict::Fail {
            staged.stage(
                opts.out.join(format!("run-{}.toml", row.run)),
                config_toml(config)?.into_bytes(),
            );
        }
    }
    let rows: Vec<SweepRow> = done.into_iter().map(|(r, _)| r).collect();
    staged.stage(opts.out.join("sweep.csv"), rows_csv(&rows)?);
    staged.commit()?;
    Ok(rows)
}
