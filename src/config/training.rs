//! The hidden layers' activation: its keys in `[model]`, their defaults (burn's), and which key
//! applies to which choice; the optimizer's keys are checked by optimizer.rs's table.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use super::optimizer::Optimizer;
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
    train
        .keys
        .check(train.optimizer)
        .map_err(|e| anyhow::anyhow!("[train] {e}"))
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
