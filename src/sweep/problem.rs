//! The problem of run `r` of a sweep with seed `s`: data, net, training and precision drawn from
//! a generator seeded by `(s, r)` alone.

use std::path::PathBuf;

use anyhow::{Context, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::config::{
    Backend, CompareConfig, Config, DataConfig, DataKind, GridLayout, Init, ModelConfig, Precision,
    TrainConfig,
};

/// About this many steps per run.
const STEPS: usize = 300;
/// Multiply-adds of one run's training steps, at most (widths shrink to fit): keeps the slowest
/// run of a sweep to a few seconds.
const WORK_BUDGET: f64 = 3e9;

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
        model: ModelConfig {
            hidden,
            init,
            ..ModelConfig::default()
        },
        train: TrainConfig {
            epochs,
            batch_size,
            learning_rate,
            shuffle: true,
            ..TrainConfig::default()
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
