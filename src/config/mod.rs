//! The run configuration: one TOML file, unknown keys rejected, every key checked before training.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

mod schema;
use serde::{Deserialize, Serialize};

/// A whole run: data, network, training and the agreement check.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Names the run and its default output folder `runs/<name>/`.
    pub name: String,
    /// One seed drives everything random: data, split, initial weights, batch order.
    #[serde(default = "default_seed")]
    pub seed: u64,
    pub data: DataConfig,
    #[serde(default)]
    pub model: ModelConfig,
    #[serde(default)]
    pub train: TrainConfig,
    #[serde(default)]
    pub compare: CompareConfig,
    /// The folder of the config file; relative data paths are resolved against it.
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// The config file itself, for messages about what it asks for (None: parsed from text).
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

fn default_seed() -> u64 {
    42
}

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

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// The course's choice: `W ~ N(0, 1)`, `b = 0.1`.
    #[default]
    Normal,
    /// He et al.: `W ~ N(0, 2 / fan_in)`, `b = 0.1`; keeps deep ReLU nets from exploding.
    He,
}

impl Init {
    pub fn name(self) -> &'static str {
        match self {
            Init::Normal => "normal",
            Init::He => "he",
        }
    }
}

/// `[model]`: the hidden layer widths; input size and class count come from the data.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    #[serde(default = "default_hidden")]
    pub hidden: Vec<usize>,
    #[serde(default)]
    pub init: Init,
}

fn default_hidden() -> Vec<usize> {
    vec![16, 16]
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            hidden: default_hidden(),
            init: Init::default(),
        }
    }
}

/// `[train]`: plain mini-batch SGD.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    #[serde(default = "default_epochs")]
    pub epochs: usize,
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    #[serde(default = "default_learning_rate")]
    pub learning_rate: f64,
    /// Reshuffle the training rows every epoch (seeded); otherwise batches are consecutive slices.
    #[serde(default = "default_true")]
    pub shuffle: bool,
}

fn default_epochs() -> usize {
    100
}
fn default_batch_size() -> usize {
    32
}
fn default_learning_rate() -> f64 {
    0.01
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: default_epochs(),
            batch_size: default_batch_size(),
            learning_rate: default_learning_rate(),
            shuffle: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    F32,
    #[default]
    F64,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }
}

/// The burn CPU backend the burn twin runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// burn-ndarray (deprecated in burn 0.22).
    Ndarray,
    /// burn-flex, burn 0.22's pure-Rust CPU backend: the default, faster than burn-ndarray.
    /// It multiplies with the same `gemm` kernels as the hand-written twin, so the twins often
    /// agree bit for bit on it (reported, not relied on: README, "How agreement is judged").
    #[default]
    Flex,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Ndarray => "ndarray",
            Backend::Flex => "flex",
        }
    }
}

/// `[compare]`: the precision both twins run in, and how closely they must agree.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CompareConfig {
    #[serde(default)]
    pub precision: Precision,
    /// The burn twin's backend.
    #[serde(default)]
    pub backend: Backend,
    /// The gate: the largest allowed `err_bound` (disagreement in units of the rounding bound,
    /// see `agreement.rs`). Default: one number per precision, [`crate::agreement::err_bound_limit`].
    pub err_bound_limit: Option<f64>,
    /// An extra gate on the relative error between the hand-written gradient and burn's at
    /// burn's parameters. Default: reported, not checked.
    pub grad_tol: Option<f64>,
    /// An extra gate on the relative difference between the twins' own losses and gradients as
    /// they train apart. Default: reported, not checked.
    pub drift_tol: Option<f64>,
}

/// The limits in force for a run. `f64::INFINITY` means "measured, not checked".
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Tolerances {
    pub err_bound_limit: f64,
    pub grad_tol: f64,
    pub drift_tol: f64,
}

impl Tolerances {
    /// The defaults of a precision: the `err_bound` gate, and the relative errors reported only
    /// (they depend on the data and on how the backends order their sums: README, "How
    /// agreement is judged").
    pub fn defaults(precision: Precision) -> Self {
        Tolerances {
            err_bound_limit: crate::agreement::err_bound_limit(precision),
            grad_tol: f64::INFINITY,
            drift_tol: f64::INFINITY,
        }
    }
}

impl CompareConfig {
    pub fn tolerances(&self) -> Tolerances {
        let d = Tolerances::defaults(self.precision);
        Tolerances {
            err_bound_limit: self.err_bound_limit.unwrap_or(d.err_bound_limit),
            grad_tol: self.grad_tol.unwrap_or(d.grad_tol),
            drift_tol: self.drift_tol.unwrap_or(d.drift_tol),
        }
    }
}

impl Config {
    /// Reads, parses and validates a config file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let invalid = || format!("invalid config file {}", path.display());
        let mut config = Config::parse(&text).with_context(invalid)?;
        config.base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        config.file = Some(path.to_path_buf());
        // Checked here rather than when the data is read, so the message names the config.
        if let Some(csv) = &config.data.path {
            let resolved = config.base_dir.join(csv);
            if !resolved.exists() {
                let shown = format!("{:?}", csv.display().to_string());
                let e = if csv.is_absolute() {
                    anyhow::anyhow!("[data] path = {shown} does not exist")
                } else {
                    anyhow::anyhow!(
                        "[data] path = {shown} does not exist (looked for {}, relative to the config file's folder)",
                        resolved.display()
                    )
                };
                return Err(e).with_context(invalid);
            }
        }
        Ok(config)
    }

    /// Parses and validates config text (relative paths then resolve against the working folder).
    pub fn parse(text: &str) -> Result<Config> {
        // Syntax first, so a broken file is not reported as a missing key.
        if let Err(e) = text.parse::<toml::Table>() {
            bail!("{}", located(text, &e, true));
        }
        // Keys and types first, in our words; then serde, which should then find nothing.
        schema::check(text).map_err(|e| anyhow::anyhow!(e))?;
        let config: Config =
            toml::from_str(text).map_err(|e| anyhow::anyhow!(located(text, &e, false)))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every setting that serde cannot: ranges, and keys that do not fit the data kind.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            bail!("`name` must not be empty");
        }
        if self.name.contains(['/', '\\']) {
            bail!("`name` = {:?} must not contain a path separator", self.name);
        }
        self.data.validate()?;
        if let Some(i) = self.model.hidden.iter().position(|&c| c == 0) {
            bail!("[model] hidden[{i}] is 0: every hidden layer needs at least one unit");
        }
        let t = &self.train;
        if t.epochs == 0 {
            bail!("[train] epochs must be at least 1");
        }
        if t.batch_size == 0 {
            bail!("[train] batch_size must be at least 1");
        }
        if !(t.learning_rate.is_finite() && t.learning_rate > 0.0) {
            bail!(
                "[train] learning_rate must be a positive finite number, got {}",
                t.learning_rate
            );
        }
        for (key, v) in [
            ("err_bound_limit", self.compare.err_bound_limit),
            ("grad_tol", self.compare.grad_tol),
            ("drift_tol", self.compare.drift_tol),
        ] {
            if let Some(v) = v
                && v.is_nan() | (v < 0.0)
            {
                bail!("[compare] {key} must be a number >= 0 (inf: do not check), got {v}");
            }
        }
        Ok(())
    }
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
                bail!("[data] a grid of {cells} cells cannot hold {k} classes");
            }
        }
        Ok(())
    }

    // The defaults of every kind, in one place (README, "Configuration", lists them).

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

/// A TOML error as `line L, column C: …` (syntax) or `line L: …`, from its span.
fn located(text: &str, e: &toml::de::Error, syntax: bool) -> String {
    let message = e.message().trim().replace('\n', ": ");
    let span = e.span().unwrap_or(0..0);
    let before = text.get(..span.start).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    if syntax {
        format!("line {line}, column {column}: this is not valid TOML: {message}")
    } else {
        format!("line {line}: {message}")
    }
}

/// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`; the swap
/// counts once because it is the commonest typo (`nosie`).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_a_swap_once() {
        assert_eq!(edit_distance("nosie", "noise"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("epoch", "epochs"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_only_close_words() {
        assert_eq!(
            schema::did_you_mean("nosie", &["kind", "noise", "samples"]),
            ", did you mean `noise`?"
        );
        assert_eq!(schema::did_you_mean("colour", &["kind", "noise"]), "");
    }
}
