//! `[data]`: the data kinds, each kind's keys with their defaults and checks, in one place.

use std::path::PathBuf;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    Moons,
    Circles,
    Blobs,
    Grid,
    Spiral,
    Xor,
    GaussianQuantiles,
    Iris,
    Csv,
}

impl DataKind {
    /// Every kind, generators first, in the order the docs list them.
    pub const ALL: [DataKind; 9] = [
        DataKind::Moons,
        DataKind::Circles,
        DataKind::Blobs,
        DataKind::Grid,
        DataKind::Spiral,
        DataKind::Xor,
        DataKind::GaussianQuantiles,
        DataKind::Iris,
        DataKind::Csv,
    ];

    /// The name in configs and output (`gaussian_quantiles`, …).
    pub fn name(self) -> &'static str {
        match self {
            DataKind::Moons => "moons",
            DataKind::Circles => "circles",
            DataKind::Blobs => "blobs",
            DataKind::Grid => "grid",
            DataKind::Spiral => "spiral",
            DataKind::Xor => "xor",
            DataKind::GaussianQuantiles => "gaussian_quantiles",
            DataKind::Iris => "iris",
            DataKind::Csv => "csv",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GridLayout {
    /// Classes spread over the cells in about equal numbers by a seeded shuffle.
    #[default]
    Random,
    /// Cell `(i, j)` gets class `(i + j) mod k`.
    Checkerboard,
}

/// `[data]`: which data set, and the keys of that kind. Keys that do not apply to the kind are
/// an error (see [`DataConfig::validate`]), so a typo never silently falls back to a default.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    pub kind: DataKind,
    /// Number of generated points (all generators; not iris or csv). Default 1000.
    pub samples: Option<usize>,
    /// Gaussian noise: standard deviation added to the points (moons, circles), to the angle
    /// (spiral), or the label-flipping jitter (xor).
    pub noise: Option<f64>,
    /// circles: radius of the inner circle relative to the outer one, in (0, 1). Default 0.5.
    pub factor: Option<f64>,
    /// blobs: number of blobs (= classes). Default 3.
    pub centers: Option<usize>,
    /// blobs: standard deviation of each blob. Default 1.0.
    pub cluster_std: Option<f64>,
    /// Number of classes: grid, spiral, gaussian_quantiles.
    pub classes: Option<usize>,
    /// grid: number of rows and columns of cells.
    pub rows: Option<usize>,
    pub cols: Option<usize>,
    pub layout: Option<GridLayout>,
    /// csv: the file, relative to the config file's folder unless absolute.
    pub path: Option<PathBuf>,
    /// Share of rows held out for testing, in [0, 1). 0 keeps every row, in order, for training.
    #[serde(default = "default_test_fraction")]
    pub test_fraction: f64,
    /// Shuffle the generated rows (as scikit-learn's `shuffle=True`).
    #[serde(default = "default_true")]
    pub shuffle: bool,
}

fn default_test_fraction() -> f64 {
    0.2
}

pub(super) fn default_true() -> bool {
    true
}

/// Far above any toy run, and low enough that a typo of a few extra digits is an error instead
/// of an allocation that aborts the process (or, for the grid, an overflowing cell count).
pub const MAX_SAMPLES: usize = 10_000_000;
pub const MAX_GRID_SIDE: usize = 1000;

impl DataConfig {
    /// The keys each kind accepts, besides `kind`, `test_fraction` and `shuffle`.
    pub fn allowed_keys(kind: DataKind) -> &'static [&'static str] {
        match kind {
            DataKind::Moons => &["samples", "noise"],
            DataKind::Circles => &["samples", "noise", "factor"],
            DataKind::Blobs => &["samples", "centers", "cluster_std"],
            DataKind::Grid => &["samples", "classes", "rows", "cols", "layout"],
            DataKind::Spiral => &["samples", "classes", "noise"],
            DataKind::Xor => &["samples", "noise"],
            DataKind::GaussianQuantiles => &["samples", "classes"],
            DataKind::Iris => &[],
            DataKind::Csv => &["path"],
        }
    }

    fn given_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        let mut add = |name, present: bool| {
            if present {
                keys.push(name)
            }
        };
        add("samples", self.samples.is_some());
        add("noise", self.noise.is_some());
        add("factor", self.factor.is_some());
        add("centers", self.centers.is_some());
        add("cluster_std", self.cluster_std.is_some());
        add("classes", self.classes.is_some());
        add("rows", self.rows.is_some());
        add("cols", self.cols.is_some());
        add("layout", self.layout.is_some());
        add("path", self.path.is_some());
        keys
    }

    pub fn kind_name(&self) -> String {
        self.kind.name().to_owned()
    }

    pub fn validate(&self) -> Result<()> {
        let allowed = Self::allowed_keys(self.kind);
        for key in self.given_keys() {
            if !allowed.contains(&key) {
                bail!(
                    "[data] key `{key}` does not apply to kind = \"{}\" (it takes: {})",
                    self.kind_name(),
                    if allowed.is_empty() {
                        "no kind-specific keys".to_owned()
                    } else {
                        allowed.join(", ")
                    }
                );
            }
        }
        if !(0.0..1.0).contains(&self.test_fraction) {
            bail!(
                "[data] test_fraction must be in [0, 1), got {}",
                self.test_fraction
            );
        }
        if let Some(noise) = self.noise
            && !(noise.is_finite() && noise >= 0.0)
        {
            bail!("[data] noise must be a finite number >= 0, got {noise}");
        }
        if let Some(f) = self.factor
            && !(f > 0.0 && f < 1.0)
        {
            bail!("[data] factor must be in (0, 1), got {f}");
        }
        if let Some(s) = self.cluster_std
            && !(s.is_finite() && s > 0.0)
        {
            bail!("[data] cluster_std must be a positive finite number, got {s}");
        }
        if let Some(c) = self.centers
            && c < 2
        {
            bail!("[data] centers must be at least 2 (one blob per class), got {c}");
        }
        if let Some(c) = self.classes
            && c < 2
        {
            bail!("[data] classes must be at least 2, got {c}");
        }
        for (key, v) in [("rows", self.rows), ("cols", self.cols)] {
            if v == Some(0) {
                bail!("[data] {key} must be at least 1");
            }
            if let Some(v) = v
                && v > MAX_GRID_SIDE
            {
                bail!("[data] {key} = {v} is too large: at most {MAX_GRID_SIDE}");
            }
        }
        if let Some(n) = self.samples
            && n > MAX_SAMPLES
        {
            bail!("[data] samples = {n} is too large: at most {MAX_SAMPLES}");
        }
        if self.kind == DataKind::Csv && self.path.is_none() {
            bail!("[data] kind = \"csv\" needs `path` (the CSV file)");
        }
        let classes = self.class_count_hint();
        if let (Some(samples), Some(k)) = (self.samples_or_default(), classes)
            && samples < 2 * k
        {
            bail!(
                "[data] samples = {samples} is too small for {k} classes: need at least {}",
                2 * k
            );
        }
        if self.kind == DataKind::Grid {
            let cells = self.grid_rows() * self.grid_cols();
            let k = self.class_count();
            if cells < k {
                let s = if cells == 1 { "" } else { "s" };
                bail!("[data] a grid of {cells} cell{s} cannot hold {k} classes");
            }
        }
        Ok(())
    }

    // The defaults of every kind, in one place (docs/configuration.md lists them).

    /// moons 0.1, circles 0.05, spiral 0.2 (of the angle), xor 0 (label-flipping jitter).
    pub fn noise_or_default(&self) -> f64 {
        self.noise.unwrap_or(match self.kind {
            DataKind::Moons => 0.1,
            DataKind::Circles => 0.05,
            DataKind::Spiral => 0.2,
            _ => 0.0,
        })
    }

    /// circles: the inner radius relative to the outer, 0.5.
    pub fn factor_or_default(&self) -> f64 {
        self.factor.unwrap_or(0.5)
    }

    /// blobs: the spread of each blob, 1.
    pub fn cluster_std_or_default(&self) -> f64 {
        self.cluster_std.unwrap_or(1.0)
    }

    /// The classes a kind with a class key makes: blobs `centers` (3), grid 2, spiral 3,
    /// gaussian_quantiles 3; the two-class kinds 2.
    pub fn class_count(&self) -> usize {
        match self.kind {
            DataKind::Blobs => self.centers.unwrap_or(3),
            DataKind::Grid => self.classes.unwrap_or(2),
            DataKind::Spiral | DataKind::GaussianQuantiles => self.classes.unwrap_or(3),
            _ => 2,
        }
    }

    /// grid: 4 × 4 cells.
    pub fn grid_rows(&self) -> usize {
        self.rows.unwrap_or(4)
    }

    pub fn grid_cols(&self) -> usize {
        self.cols.unwrap_or(4)
    }

    /// A kind's keys with nothing given: every key takes its default ([`DataConfig::filled`]).
    pub fn of_kind(kind: DataKind) -> DataConfig {
        DataConfig {
            kind,
            samples: None,
            noise: None,
            factor: None,
            centers: None,
            cluster_std: None,
            classes: None,
            rows: None,
            cols: None,
            layout: None,
            path: None,
            test_fraction: default_test_fraction(),
            shuffle: true,
        }
    }

    /// The same data with every key of its kind written out, defaults included (`path` stays
    /// as it is): what the playground shows and exports.
    pub fn filled(&self) -> DataConfig {
        let allowed = Self::allowed_keys(self.kind);
        let has = |key: &str| allowed.contains(&key);
        DataConfig {
            samples: self.samples_or_default().filter(|_| has("samples")),
            noise: has("noise").then(|| self.noise_or_default()),
            factor: has("factor").then(|| self.factor_or_default()),
            centers: has("centers").then(|| self.class_count()),
            cluster_std: has("cluster_std").then(|| self.cluster_std_or_default()),
            classes: has("classes").then(|| self.class_count()),
            rows: has("rows").then(|| self.grid_rows()),
            cols: has("cols").then(|| self.grid_cols()),
            layout: has("layout").then(|| self.layout.unwrap_or_default()),
            ..self.clone()
        }
    }

    /// The number of points a generator draws (None for iris and csv).
    pub fn samples_or_default(&self) -> Option<usize> {
        match self.kind {
            DataKind::Iris | DataKind::Csv => None,
            _ => Some(self.samples.unwrap_or(1000)),
        }
    }

    /// The class count a generator will produce, when known without reading data.
    pub fn class_count_hint(&self) -> Option<usize> {
        match self.kind {
            DataKind::Moons | DataKind::Circles | DataKind::Xor => Some(2),
            DataKind::Blobs | DataKind::Grid | DataKind::Spiral | DataKind::GaussianQuantiles => {
                Some(self.class_count())
            }
            DataKind::Iris | DataKind::Csv => None,
        }
    }
}
