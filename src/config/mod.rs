//! The run configuration: one TOML file, unknown keys rejected, every key checked before training.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

mod data;
mod keys;
mod optimizer;
mod schema;
mod setting;
mod training;
pub use data::{DataConfig, DataKind, GridLayout, MAX_GRID_SIDE, MAX_SAMPLES};
pub use optimizer::*;
use serde::{Deserialize, Serialize};
pub use training::{Activation, ActivationKind, DEFAULT_NEGATIVE_SLOPE, NetSpec};

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

/// `[model]`: the hidden layer widths and their activation; input size and class count come
/// from the data.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    #[serde(default = "default_hidden")]
    pub hidden: Vec<usize>,
    #[serde(default)]
    pub init: Init,
    /// The hidden layers' activation (the output layer stays linear).
    #[serde(default)]
    pub activation: ActivationKind,
    /// leaky_relu only: the slope below 0 (burn's name) [default 0.01].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_slope: Option<f64>,
}

fn default_hidden() -> Vec<usize> {
    vec![16, 16]
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            hidden: default_hidden(),
            init: Init::default(),
            activation: ActivationKind::default(),
            negative_slope: None,
        }
    }
}

impl ModelConfig {
    /// The activation with its parameter.
    pub fn activation(&self) -> Activation {
        self.activation.with_slope(self.negative_slope)
    }
}

/// `[train]`: mini-batch training with one of burn's optimizers (plain SGD by default).
// No `deny_unknown_fields` (serde refuses it beside `flatten`): schema.rs has refused unknown
// keys before serde reads the text.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TrainConfig {
    #[serde(default = "default_epochs")]
    pub epochs: usize,
    /// Stop after this many steps in all, inside the last of `epochs` (a run exported from the
    /// playground between two epoch ends); None: train every epoch to its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_at_step: Option<usize>,
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    #[serde(default = "default_learning_rate")]
    pub learning_rate: f64,
    /// Reshuffle the training rows every epoch (seeded); otherwise batches are consecutive slices.
    #[serde(default = "data::default_true")]
    pub shuffle: bool,
    #[serde(default)]
    pub optimizer: OptimizerKind,
    /// The optimizer's settings, each checked against `optimizer` (optimizer.rs's table).
    #[serde(flatten)]
    pub keys: OptimizerKeys,
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

impl TrainConfig {
    /// The optimizer with burn's defaults for what the config leaves out.
    pub fn optimizer(&self) -> Optimizer {
        self.keys.resolve(self.optimizer)
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: default_epochs(),
            stop_at_step: None,
            batch_size: default_batch_size(),
            learning_rate: default_learning_rate(),
            shuffle: true,
            optimizer: OptimizerKind::default(),
            keys: OptimizerKeys::default(),
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

/// The burn backend the burn twin runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// burn-ndarray (deprecated in burn 0.22).
    Ndarray,
    /// burn-flex, burn 0.22's pure-Rust CPU backend: the default, faster than burn-ndarray.
    /// It multiplies with the same `gemm` kernels as the hand-written twin, so the twins often
    /// agree bit for bit on it (reported, not relied on: docs/agreement.md).
    #[default]
    Flex,
    /// burn's GPU path: the CubeCL backend through wgpu (built with `--features gpu`).
    Wgpu,
    /// burn's CUDA backend (built with `--features cuda`; needs an NVIDIA driver).
    Cuda,
}

impl Backend {
    pub const ALL: [Backend; 4] = [
        Backend::Flex,
        Backend::Ndarray,
        Backend::Wgpu,
        Backend::Cuda,
    ];
    /// The config's spellings, in `ALL`'s order.
    pub const NAMES: [&'static str; 4] = ["flex", "ndarray", "wgpu", "cuda"];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Ndarray => "ndarray",
            Backend::Flex => "flex",
            Backend::Wgpu => "wgpu",
            Backend::Cuda => "cuda",
        }
    }

    /// The cargo feature this backend needs, if any.
    pub fn feature(self) -> Option<&'static str> {
        match self {
            Backend::Ndarray | Backend::Flex => None,
            Backend::Wgpu => Some("gpu"),
            Backend::Cuda => Some("cuda"),
        }
    }

    /// Whether this binary was built with the backend.
    pub fn built(self) -> bool {
        match self {
            Backend::Ndarray | Backend::Flex => true,
            Backend::Wgpu => cfg!(feature = "gpu"),
            Backend::Cuda => cfg!(feature = "cuda"),
        }
    }

    /// The backends this binary was built with.
    pub fn built_ones() -> Vec<Backend> {
        Backend::ALL.into_iter().filter(|b| b.built()).collect()
    }
}

/// Which device a GPU backend runs on (`compare.device`, `--device`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum DeviceChoice {
    /// A discrete GPU if there is one, else an integrated one, else a CPU device (lavapipe).
    #[default]
    Auto,
    /// The first discrete or integrated GPU; an error without one.
    Gpu,
    /// The CPU device: Mesa's lavapipe under Vulkan.
    Cpu,
}

impl DeviceChoice {
    pub const NAMES: [&'static str; 3] = ["auto", "gpu", "cpu"];
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
    /// The device a GPU backend runs on; ignored by the CPU backends.
    #[serde(default)]
    pub device: DeviceChoice,
    /// The gate: the largest allowed `err_bound` (disagreement in units of the rounding bound,
    /// see agreement/). Default: the gate's own, one number per precision (agreement/judge.rs).
    pub err_bound_limit: Option<f64>,
    /// An extra gate on the relative error between the hand-written gradient and burn's at
    /// burn's parameters. Default: reported, not checked.
    pub grad_tol: Option<f64>,
    /// An extra gate on the relative difference between the twins' own losses and gradients as
    /// they train apart. Default: reported, not checked.
    pub drift_tol: Option<f64>,
}

/// Command-line overrides of a config (`compare`, `grads`).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub seed: Option<u64>,
    pub epochs: Option<usize>,
    pub precision: Option<Precision>,
    pub backend: Option<Backend>,
    pub device: Option<DeviceChoice>,
}

impl Overrides {
    pub fn apply(&self, config: &mut Config) {
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        if let Some(epochs) = self.epochs {
            // A new length replaces the config's, its stop inside the last epoch included.
            config.train.epochs = epochs;
            config.train.stop_at_step = None;
        }
        if let Some(p) = self.precision {
            config.compare.precision = p;
        }
        if let Some(b) = self.backend {
            config.compare.backend = b;
        }
        if let Some(d) = self.device {
            config.compare.device = d;
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
        config
            .validate()
            .map_err(|e| anyhow::anyhow!(schema::with_line(text, &e.to_string())))?;
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
        if t.stop_at_step == Some(0) {
            bail!("[train] stop_at_step must be at least 1");
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
        training::validate(&self.model, t)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_close_words() {
        assert_eq!(
            schema::did_you_mean("nosie", &["kind", "noise", "samples"]),
            ", did you mean `noise`?"
        );
        assert_eq!(schema::did_you_mean("colour", &["kind", "noise"]), "");
    }
}
