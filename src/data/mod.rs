//! Data sets: generators, CSV loading, train/test split and z-score normalisation.

use std::path::Path;

use anyhow::{Result, bail};
use ndarray::{Array1, Array2};

use crate::config::{DataConfig, DataKind};
use crate::rng::{Stream, rng};

mod csv;
mod iris;
mod normalise;
mod prepare;
mod rows;
mod shapes;
mod sklearn;
mod split;

pub use csv::{csv_text, parse_csv, read_csv, write_csv};
pub use iris::iris;
pub use prepare::{Prepared, layer_sizes, prepare, prepare_dataset};
pub use shapes::{blobs, grid, spiral, xor};
pub use sklearn::{circles, gaussian_quantiles, linspace, moons};
pub use split::split;

/// Raw features (`n × d`, f64) and class indices in `0..classes`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub x: Array2<f64>,
    pub y: Vec<usize>,
    pub classes: usize,
}

/// Generates or reads the data set a config asks for. Same config and seed, same bytes.
pub fn load(cfg: &DataConfig, seed: u64, base_dir: &Path) -> Result<Dataset> {
    // Every generator draws from the data stream only, so the split, the initial weights and
    // the batch order can change without changing the data.
    let mut r = rng(seed, Stream::Data);
    let n = cfg.samples_or_default().unwrap_or(0);
    let shuffle = cfg.shuffle;
    let ds = match cfg.kind {
        DataKind::Moons => moons(n, cfg.noise_or_default(), shuffle, &mut r),
        DataKind::Circles => circles(
            n,
            cfg.factor_or_default(),
            cfg.noise_or_default(),
            shuffle,
            &mut r,
        ),
        DataKind::GaussianQuantiles => gaussian_quantiles(n, cfg.class_count(), shuffle, &mut r),
        DataKind::Blobs => blobs(
            n,
            cfg.class_count(),
            cfg.cluster_std_or_default(),
            shuffle,
            &mut r,
        )?,
        DataKind::Spiral => spiral(
            n,
            cfg.class_count(),
            cfg.noise_or_default(),
            shuffle,
            &mut r,
        ),
        DataKind::Xor => xor(n, cfg.noise_or_default(), &mut r),
        DataKind::Grid => grid(
            n,
            cfg.grid_rows(),
            cfg.grid_cols(),
            cfg.class_count(),
            cfg.layout.unwrap_or_default(),
            &mut r,
        )?,
        DataKind::Iris => iris(shuffle, &mut r),
        // A user's file keeps its order: the split shuffles anyway.
        DataKind::Csv => {
            let Some(path) = cfg.path.as_deref() else {
                bail!("[data] kind = \"csv\" needs `path` (the CSV file)");
            };
            return read_csv(&base_dir.join(path));
        }
    };
    check_every_class_present(&ds, &cfg.kind_name())?;
    Ok(ds)
}

/// A class without points would train an output the data never asks for; small or unlucky
/// draws (few samples, xor's random labels) can cause it, so say so instead of going on.
fn check_every_class_present(ds: &Dataset, kind: &str) -> Result<()> {
    let mut counts = vec![0usize; ds.classes];
    for &label in &ds.y {
        if let Some(c) = counts.get_mut(label) {
            *c += 1;
        }
    }
    if let Some(empty) = counts.iter().position(|&c| c == 0) {
        bail!(
            "kind = \"{kind}\" produced no point of class {empty} with {} samples: increase `samples` or change the seed",
            ds.y.len()
        );
    }
    Ok(())
}

/// The training and test rows of a data set.
#[derive(Debug, Clone)]
pub struct Split {
    pub train: Dataset,
    pub test: Dataset,
}

/// z-score parameters fitted on the training rows.
#[derive(Debug, Clone)]
pub struct Normaliser {
    pub mean: Array1<f64>,
    pub scale: Array1<f64>,
    /// Features whose training values are all equal: they keep scale 1.
    pub constant_features: Vec<usize>,
}
