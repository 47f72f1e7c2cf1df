//! `mlp2d sweep`: random problems, each trained a few hundred steps in lockstep under the gate.
//!
//! Run `r` of a sweep with seed `s` is drawn from its own generator, seeded by `(s, r)` alone, so
//! a row depends on nothing else: shards (`--shard K/N` takes the runs with `r mod N = K − 1`)
//! can run on different machines and their rows together equal the unsharded sweep's.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::compare::{Settings, train_lockstep};
use crate::config::{
    Backend, CompareConfig, Config, DataConfig, DataKind, GridLayout, Init, ModelConfig, Precision,
    TrainConfig,
};
use crate::data::{layer_sizes, prepare};
use crate::divergence::Diverged;
use crate::metrics::{RunResult, Verdict};
use crate::output::{prepare_dir, write_atomic};
use crate::params::Params;

/// About this many steps per run.
const STEPS: usize = 300;
/// Multiply-adds of one run's training steps, at most (widths shrink to fit): keeps the slowest
/// run of a sweep to a few seconds.
const WORK_BUDGET: f64 = 3e9;

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

/// One row of `sweep.csv`: the problem drawn and what the gate said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    pub run: usize,
    pub seed: u64,
    pub data: String,
    pub samples: usize,
    pub noise: f64,
    pub classes: usize,
    /// Hidden widths joined by `-` (empty: no hidden layer).
    pub hidden: String,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub init: String,
    pub precision: String,
    pub backend: String,
    pub epochs: usize,
    pub steps: usize,
    pub max_err_bound: f64,
    /// Where the worst `err_bound` was: tensor and step.
    pub max_err_bound_at: String,
    pub err_bound_limit: f64,
    pub ambiguous_units: usize,
    pub bit_identical: bool,
    pub max_grad_rel_err: f64,
    /// `PASS`, `FAIL` (the gate) or `DIVERGED` (the run blew up; judged up to that step).
    pub verdict: Verdict,
    /// Where and why it failed, if it did.
    pub detail: String,
}

/// The generator of run `run`: seeded by the sweep seed and the run index only.
fn run_rng(seed: u64, run: usize) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(run as u64).to_le_bytes());
    key[16..24].copy_from_slice(b"mlp2d-sw");
    ChaCha8Rng::from_seed(key)
}

/// `lo..=hi`, uniform in log scale.
fn log_uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    (rng.gen_range(lo.ln()..=hi.ln())).exp()
}

/// The config of run `run` of a sweep with seed `seed`, with the gate's limit overridden when
/// `limit` is given.
pub fn problem(seed: u64, run: usize, limit: Option<f64>) -> Config {
    let mut rng = run_rng(seed, run);
    // Every kind but csv (no file to read).
    let kinds = &DataKind::ALL[..DataKind::ALL.len() - 1];
    let kind = kinds[rng.gen_range(0..kinds.len())];
    let samples = log_uniform(&mut rng, 20.0, 2000.0).round() as usize;
    let noise = (rng.gen_range(0.0..0.3f64) * 1000.0).round() / 1000.0;
    let classes = rng.gen_range(2..=5usize);
    let mut data = DataConfig {
        test_fraction: 0.2,
        ..DataConfig::of_kind(kind)
    };
    match kind {
        DataKind::Moons | DataKind::Circles | DataKind::Xor => {
            data.samples = Some(samples);
            data.noise = Some(noise);
        }
        DataKind::Blobs => {
            data.samples = Some(samples.max(2 * classes));
            data.centers = Some(classes);
        }
        DataKind::Grid => {
            let (rows, cols) = (rng.gen_range(2..=5), rng.gen_range(2..=5));
            // Enough points that every class gets some, whatever the layout.
            data.samples = Some(samples.max(20 * rows * cols));
            data.rows = Some(rows);
            data.cols = Some(cols);
            let checkerboard = rng.gen_bool(0.5);
            // A checkerboard's cell (i, j) has class (i + j) mod k: k ≤ rows + cols − 1 appear.
            data.classes = Some(if checkerboard {
                classes.min(rows + cols - 1)
            } else {
                classes.min(rows * cols)
            });
            data.layout = Some(if checkerboard {
                GridLayout::Checkerboard
            } else {
                GridLayout::Random
            });
        }
        DataKind::Spiral => {
            data.samples = Some(samples.max(2 * classes));
            data.classes = Some(classes);
            data.noise = Some(noise);
        }
        DataKind::GaussianQuantiles => {
            data.samples = Some(samples.max(2 * classes));
            data.classes = Some(classes);
        }
        DataKind::Iris | DataKind::Csv => {}
    }
    let train_rows = (data.samples.unwrap_or(150) as f64 * 0.8).floor().max(1.0);
    let depth = rng.gen_range(0..=6usize);
    let mut hidden: Vec<usize> = (0..depth)
        .map(|_| log_uniform(&mut rng, 1.0, 512.0).round() as usize)
        .collect();
    let batch_size = log_uniform(&mut rng, 1.0, train_rows).round() as usize;
    let learning_rate = {
        let lr = log_uniform(&mut rng, 1e-3, 0.5);
        (lr * 1e4).round().max(1.0) / 1e4
    };
    let init = if rng.gen_bool(0.5) {
        Init::Normal
    } else {
        Init::He
    };
    let precision = if rng.gen_bool(0.5) {
        Precision::F32
    } else {
        Precision::F64
    };
    let backend = if rng.gen_bool(0.5) {
        Backend::Flex
    } else {
        Backend::Ndarray
    };
    let steps_per_epoch = (train_rows as usize).div_ceil(batch_size.max(1));
    let epochs = STEPS.div_ceil(steps_per_epoch).max(1);
    // Shrink the widest layers until the run's work fits the budget.
    let work = |hidden: &[usize]| {
        let mut sizes = vec![4usize];
        sizes.extend(hidden);
        sizes.push(5);
        let per_row: usize = sizes.windows(2).map(|w| w[0] * w[1]).sum();
        3.0 * per_row as f64 * batch_size as f64 * (epochs * steps_per_epoch) as f64
    };
    while work(&hidden) > WORK_BUDGET {
        let widest = (0..hidden.len())
            .max_by_key(|&i| hidden[i])
            .expect("work is over budget only with hidden layers");
        hidden[widest] = (hidden[widest] / 2).max(1);
    }
    Config {
        name: format!("sweep-{seed}-{run}"),
        seed: rng.gen_range(0..1_000_000),
        data,
        model: ModelConfig { hidden, init },
        train: TrainConfig {
            epochs,
            batch_size,
            learning_rate,
            shuffle: true,
        },
        compare: CompareConfig {
            precision,
            backend,
            err_bound_limit: limit,
            ..CompareConfig::default()
        },
        base_dir: PathBuf::from("."),
        file: None,
    }
}

/// The config as a TOML file `compare --config` reads.
pub fn config_toml(config: &Config) -> Result<String> {
    let text = toml::to_string(config).context("cannot write the config as TOML")?;
    Ok(format!(
        "# A problem of `mlp2d sweep`; `mlp2d compare --config` on this file reproduces it.\n{text}"
    ))
}

/// Trains one problem in lockstep and records the verdict.
pub fn run_one(seed: u64, run: usize, limit: Option<f64>) -> Result<(SweepRow, Config)> {
    let config = problem(seed, run, limit);
    config
        .validate()
        .with_context(|| format!("run {run}: the generated config is invalid"))?;
    let prepared = prepare(&config)?;
    let sizes = layer_sizes(&config, &prepared);
    let initial = Params::init(&sizes, config.model.init, config.seed);
    let settings = Settings::of(&config);
    let (result, diverged) =
        match train_lockstep(&prepared, &initial, &config.train, settings, |_| {}) {
            Ok(r) => (r, None),
            Err(e) => match e.downcast::<Diverged>() {
                Ok(d) => (*d.partial, Some(d.message)),
                Err(e) => return Err(e),
            },
        };
    let row = row(seed, run, &config, &prepared.raw.classes, &result, diverged);
    Ok((row, config))
}

fn row(
    seed: u64,
    run: usize,
    config: &Config,
    classes: &usize,
    r: &RunResult,
    diverged: Option<String>,
) -> SweepRow {
    let (verdict, detail) = match (&r.first_disagreement, diverged) {
        (Some(d), _) => (Verdict::Fail, d.to_string()),
        (None, Some(why)) => (Verdict::Diverged, why),
        (None, None) => (Verdict::Pass, String::new()),
    };
    SweepRow {
        run,
        seed,
        data: config.data.kind_name(),
        samples: config.data.samples.unwrap_or(150),
        noise: config.data.noise.unwrap_or(0.0),
        classes: *classes,
        hidden: config
            .model
            .hidden
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join("-"),
        batch_size: config.train.batch_size,
        learning_rate: config.train.learning_rate,
        init: config.model.init.name().to_owned(),
        precision: config.compare.precision.name().to_owned(),
        backend: config.compare.backend.name().to_owned(),
        epochs: config.train.epochs,
        steps: r.steps,
        max_err_bound: r.max_err_bound,
        max_err_bound_at: r.max_err_bound_at.clone(),
        err_bound_limit: config.compare.tolerances().err_bound_limit,
        ambiguous_units: r.ambiguous_units,
        bit_identical: r.bit_identical && r.steps > 0,
        max_grad_rel_err: r.max_grad_rel_err,
        verdict,
        detail,
    }
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
    /// Overrides `err_bound_limit` (for experiments; the default is the gate's).
    pub limit: Option<f64>,
}

/// Runs the shard's problems on `threads` workers; writes `out/sweep.csv` (rows in run order)
/// and `out/run-{r}.toml` for every failing run. Returns the rows.
pub fn sweep(opts: &SweepOptions) -> Result<Vec<SweepRow>> {
    if opts.runs == 0 {
        bail!("--runs must be at least 1");
    }
    prepare_dir(&opts.out)?;
    let todo: Vec<usize> = (0..opts.runs).filter(|&r| opts.shard.takes(r)).collect();
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
                    match run_one(opts.seed, run, opts.limit) {
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
        return Err(crate::interrupt::Interrupted { epoch: 0, step: 0 }.into());
    }
    if let Some(e) = errors.into_inner().expect("no worker panics").first() {
        bail!("{e}");
    }
    let mut done = rows.into_inner().expect("no worker panics");
    done.sort_by_key(|(r, _)| r.run);
    for (row, config) in &done {
        if row.verdict == Verdict::Fail {
            write_atomic(
                &opts.out.join(format!("run-{}.toml", row.run)),
                config_toml(config)?.as_bytes(),
            )?;
        }
    }
    let rows: Vec<SweepRow> = done.into_iter().map(|(r, _)| r).collect();
    write_atomic(&opts.out.join("sweep.csv"), &rows_csv(&rows)?)?;
    Ok(rows)
}

/// The rows as `sweep.csv`.
pub fn rows_csv(rows: &[SweepRow]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)?;
    }
    w.into_inner().context("cannot write sweep.csv")
}

/// True when two rows say the same (NaN equals NaN here).
pub fn same_row(a: &SweepRow, b: &SweepRow) -> bool {
    rows_csv(std::slice::from_ref(a)).ok() == rows_csv(std::slice::from_ref(b)).ok()
}

/// Reads a `sweep.csv`.
pub fn read_rows(path: &Path) -> Result<Vec<SweepRow>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    r.deserialize()
        .enumerate()
        .map(|(i, row)| row.with_context(|| format!("{} row {}", path.display(), i + 1)))
        .collect()
}
