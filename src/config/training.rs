//! The hidden layers' activation and the optimizer: their keys in `[model]` and `[train]`, their
//! defaults (burn's), and which key applies to which choice.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use super::{ModelConfig, Precision, TrainConfig};

/// `[model] activation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivationKind {
    #[default]
    Relu,
    LeakyRelu,
    Tanh,
    Sigmoid,
    Gelu,
    Silu,
}

impl ActivationKind {
    /// Every activation, in the order menus, scopes and reports list them (the declaration's).
    pub const ALL: [ActivationKind; 6] = [
        ActivationKind::Relu,
        ActivationKind::LeakyRelu,
        ActivationKind::Tanh,
        ActivationKind::Sigmoid,
        ActivationKind::Gelu,
        ActivationKind::Silu,
    ];
    /// Their names in configs and problem files, in the same order.
    pub const NAMES: [&'static str; 6] = ["relu", "leaky_relu", "tanh", "sigmoid", "gelu", "silu"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The activation with its parameter (burn's default slope where none is given).
    pub fn with_slope(self, negative_slope: Option<f64>) -> Activation {
        match self {
            ActivationKind::Relu => Activation::Relu,
            ActivationKind::LeakyRelu => Activation::LeakyRelu {
                negative_slope: negative_slope.unwrap_or(DEFAULT_NEGATIVE_SLOPE),
            },
            ActivationKind::Tanh => Activation::Tanh,
            ActivationKind::Sigmoid => Activation::Sigmoid,
            ActivationKind::Gelu => Activation::Gelu,
            ActivationKind::Silu => Activation::Silu,
        }
    }
}

/// burn's default slope of `LeakyReluConfig`.
pub const DEFAULT_NEGATIVE_SLOPE: f64 = 0.01;

/// The hidden layers' activation with its parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    Relu,
    /// `x` for `x ≥ 0`, `negative_slope·x` below.
    LeakyRelu {
        negative_slope: f64,
    },
    Tanh,
    Sigmoid,
    /// `z·Φ(z)`, Φ the standard normal's distribution function (burn's `gelu`, not the tanh
    /// approximation).
    Gelu,
    /// `z·σ(z)` (burn's `silu`).
    Silu,
}

impl Activation {
    pub fn kind(self) -> ActivationKind {
        match self {
            Activation::Relu => ActivationKind::Relu,
            Activation::LeakyRelu { .. } => ActivationKind::LeakyRelu,
            Activation::Tanh => ActivationKind::Tanh,
            Activation::Sigmoid => ActivationKind::Sigmoid,
            Activation::Gelu => ActivationKind::Gelu,
            Activation::Silu => ActivationKind::Silu,
        }
    }

    pub fn name(self) -> &'static str {
        self.kind().name()
    }

    /// Whether its derivative jumps somewhere (at 0): a unit there may take either branch.
    pub fn has_kink(self) -> bool {
        matches!(self, Activation::Relu | Activation::LeakyRelu { .. })
    }

    /// The name with its parameter, for summaries: `leaky_relu(0.01)`.
    pub fn label(self) -> String {
        match self {
            Activation::LeakyRelu { negative_slope } => format!("leaky_relu({negative_slope})"),
            a => a.name().to_owned(),
        }
    }
}

/// `[train] optimizer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    #[default]
    Sgd,
    Adam,
    Adamw,
}

/// burn's defaults (`AdamConfig`, `AdamWConfig`).
pub const DEFAULT_BETA_1: f64 = 0.9;
pub const DEFAULT_BETA_2: f64 = 0.999;
pub const DEFAULT_EPSILON: f64 = 1e-5;
pub const DEFAULT_ADAMW_WEIGHT_DECAY: f64 = 1e-4;

/// SGD's settings, as burn's `SgdConfig` takes them: `momentum` 0 is plain SGD (dampening and
/// Nesterov then unused); `weight_decay` 0 is none (coupled: added to the gradient).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdSettings {
    pub momentum: f64,
    pub dampening: f64,
    pub nesterov: bool,
    pub weight_decay: f64,
}

/// Adam's and AdamW's settings (`AdamConfig`, `AdamWConfig`): `weight_decay` is coupled for
/// Adam (0 is none), decoupled for AdamW.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamSettings {
    pub beta_1: f64,
    pub beta_2: f64,
    pub epsilon: f64,
    pub weight_decay: f64,
}

/// An optimizer with every setting resolved, as the config gives them (f64; which of them
/// burn keeps in f32 is the twins' business).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    Sgd(SgdSettings),
    Adam(AdamSettings),
    AdamW(AdamSettings),
}

impl Default for Optimizer {
    /// Plain SGD, the course's.
    fn default() -> Self {
        Optimizer::Sgd(SgdSettings {
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        })
    }
}

impl Optimizer {
    pub fn name(self) -> &'static str {
        match self {
            Optimizer::Sgd(s) if s.momentum > 0.0 => "sgd+momentum",
            Optimizer::Sgd(_) => "sgd",
            Optimizer::Adam(_) => "adam",
            Optimizer::AdamW(_) => "adamw",
        }
    }

    /// The name with the settings that differ from plain SGD, for summaries.
    pub fn label(self) -> String {
        match self {
            Optimizer::Sgd(s) => {
                let mut parts = Vec::new();
                if s.momentum > 0.0 {
                    parts.push(format!("momentum {}", s.momentum));
                    if s.dampening > 0.0 {
                        parts.push(format!("dampening {}", s.dampening));
                    }
                    if s.nesterov {
                        parts.push("nesterov".to_owned());
                    }
                }
                if s.weight_decay > 0.0 {
                    parts.push(format!("weight_decay {}", s.weight_decay));
                }
                if parts.is_empty() {
                    "sgd".to_owned()
                } else {
                    format!("sgd ({})", parts.join(", "))
                }
            }
            Optimizer::Adam(a) | Optimizer::AdamW(a) => format!(
                "{} (β₁ {}, β₂ {}, ε {:e}, weight_decay {})",
                self.name(),
                a.beta_1,
                a.beta_2,
                a.epsilon,
                a.weight_decay
            ),
        }
    }

    /// The state buffers it keeps between steps, by the names burn's state gives them.
    pub fn buffers(self) -> &'static [&'static str] {
        match self {
            Optimizer::Sgd(s) if s.momentum > 0.0 => &["velocity"],
            Optimizer::Sgd(_) => &[],
            Optimizer::Adam(_) | Optimizer::AdamW(_) => &["moment_1", "moment_2"],
        }
    }

    /// Whether the optimizer keeps state between steps (momentum or moments).
    pub fn has_state(self) -> bool {
        !self.buffers().is_empty()
    }

    /// The weight decay (coupled or decoupled; 0 is none).
    pub fn weight_decay(self) -> f64 {
        match self {
            Optimizer::Sgd(s) => s.weight_decay,
            Optimizer::Adam(a) | Optimizer::AdamW(a) => a.weight_decay,
        }
    }
}

impl TrainConfig {
    /// Adam's or AdamW's settings, with burn's defaults and this default weight decay.
    fn adam(&self, default_decay: f64) -> AdamSettings {
        AdamSettings {
            beta_1: self.beta_1.unwrap_or(DEFAULT_BETA_1),
            beta_2: self.beta_2.unwrap_or(DEFAULT_BETA_2),
            epsilon: self.epsilon.unwrap_or(DEFAULT_EPSILON),
            weight_decay: self.weight_decay.unwrap_or(default_decay),
        }
    }

    /// The optimizer with burn's defaults for what the config leaves out.
    pub fn optimizer(&self) -> Optimizer {
        match self.optimizer {
            OptimizerKind::Sgd => Optimizer::Sgd(SgdSettings {
                momentum: self.momentum.unwrap_or(0.0),
                dampening: self.dampening.unwrap_or(0.0),
                nesterov: self.nesterov.unwrap_or(false),
                weight_decay: self.weight_decay.unwrap_or(0.0),
            }),
            OptimizerKind::Adam => Optimizer::Adam(self.adam(0.0)),
            OptimizerKind::Adamw => Optimizer::AdamW(self.adam(DEFAULT_ADAMW_WEIGHT_DECAY)),
        }
    }
}

/// Keys that do not apply to the chosen activation or optimizer, and values out of range.
pub(super) fn validate(model: &ModelConfig, train: &TrainConfig) -> Result<()> {
    if let Some(slope) = model.negative_slope {
        if model.activation != ActivationKind::LeakyRelu {
            bail!(
                "[model] negative_slope applies to activation = \"leaky_relu\" only (activation is \"{}\")",
                model.activation().name()
            );
        }
        // The hand-written backward reads the sign of the input from the output.
        if !(slope.is_finite() && slope >= 0.0) {
            bail!("[model] negative_slope must be a finite number >= 0, got {slope}");
        }
    }
    let name = match train.optimizer {
        OptimizerKind::Sgd => "sgd",
        OptimizerKind::Adam => "adam",
        OptimizerKind::Adamw => "adamw",
    };
    let applies = |key: &str| match key {
        "momentum" => train.optimizer == OptimizerKind::Sgd,
        "dampening" | "nesterov" => {
            train.optimizer == OptimizerKind::Sgd && train.momentum.is_some_and(|m| m > 0.0)
        }
        "beta_1" | "beta_2" | "epsilon" => train.optimizer != OptimizerKind::Sgd,
        _ => true,
    };
    let given = [
        ("momentum", train.momentum.is_some()),
        ("dampening", train.dampening.is_some()),
        ("nesterov", train.nesterov.is_some()),
        ("beta_1", train.beta_1.is_some()),
        ("beta_2", train.beta_2.is_some()),
        ("epsilon", train.epsilon.is_some()),
    ];
    for (key, set) in given {
        if set && !applies(key) {
            let needs = match key {
                "momentum" => "optimizer = \"sgd\"".to_owned(),
                "dampening" | "nesterov" => "optimizer = \"sgd\" with momentum > 0".to_owned(),
                _ => "optimizer = \"adam\" or \"adamw\"".to_owned(),
            };
            bail!("[train] {key} applies to {needs} only (optimizer is \"{name}\")");
        }
    }
    // Momentum: the velocity is a geometric sum of past gradients with ratio `momentum`, which
    // fades only below 1. Dampening 1 would leave every gradient after the first out of it.
    // burn's `MomentumConfig` checks neither.
    type Range<'a> = (&'a str, Option<f64>, fn(f64) -> bool, &'a str);
    let ranges: [Range; 6] = [
        (
            "momentum",
            train.momentum,
            |v| (0.0..1.0).contains(&v),
            "at least 0 and below 1",
        ),
        (
            "dampening",
            train.dampening,
            |v| (0.0..1.0).contains(&v),
            "at least 0 and below 1",
        ),
        (
            "beta_1",
            train.beta_1,
            |v| (0.0..1.0).contains(&v),
            "at least 0 and below 1",
        ),
        (
            "beta_2",
            train.beta_2,
            |v| (0.0..1.0).contains(&v),
            "at least 0 and below 1",
        ),
        ("epsilon", train.epsilon, |v| v > 0.0, "a finite number > 0"),
        (
            "weight_decay",
            train.weight_decay,
            |v| v >= 0.0,
            "a finite number >= 0",
        ),
    ];
    for (key, value, ok, what) in ranges {
        if let Some(v) = value
            && !(v.is_finite() && ok(v))
        {
            bail!("[train] {key} must be {what}, got {v}");
        }
    }
    // burn keeps these in f32: a value beyond f32 would silently become infinite or 0 there.
    for (key, value) in [
        ("epsilon", train.epsilon),
        ("weight_decay", train.weight_decay),
        ("momentum", train.momentum),
    ] {
        if let Some(v) = value
            && v > 0.0
            && !((v as f32).is_finite() && (v as f32) > 0.0)
        {
            bail!("[train] {key} = {v} is beyond f32, in which burn keeps it");
        }
    }
    Ok(())
}

/// What both twins are built with besides their parameters.
#[derive(Debug, Clone, Copy)]
pub struct NetSpec {
    pub precision: Precision,
    pub activation: Activation,
    pub optimizer: Optimizer,
    pub learning_rate: f64,
}

impl NetSpec {
    /// A net that is only evaluated (pictures, `grads`): plain SGD, never stepped.
    pub fn evaluated(precision: Precision, activation: Activation) -> Self {
        NetSpec {
            precision,
            activation,
            optimizer: Optimizer::default(),
            learning_rate: 0.0,
        }
    }
}
