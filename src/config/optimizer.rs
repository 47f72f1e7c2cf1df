//! The optimizers and their settings, in one table: each setting's key, what it holds, its range
//! and the f32 burn keeps it in ([`SETTINGS`]; what a setting is: setting.rs); each optimizer's
//! keys with burn's defaults and which of them apply only with momentum ([`OPTIMIZERS`]). The
//! config, problem files, the server and the page all read their rules here.

use serde::{Deserialize, Serialize};

pub use super::setting::{Range, Setting, SettingValue};
use super::setting::{labelled, number};

/// `[train] optimizer`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Deserialize, Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    #[default]
    Sgd,
    Adam,
    Adamw,
    Adagrad,
    Rmsprop,
    Adan,
}

/// Every optimizer setting, in the order configs, files and the page list them.
pub const SETTINGS: &[Setting] = &[
    labelled(
        number("momentum", Range::BelowOne, true),
        "Momentum",
        "sgd: μ, 0 is plain SGD; rmsprop: the momentum of its steps (burn's default 0.9)",
    ),
    labelled(
        Setting {
            with_momentum: true,
            ..number("dampening", Range::BelowOne, false)
        },
        "Dampening",
        "the share of each new gradient left out of the velocity",
    ),
    labelled(
        Setting {
            range: None,
            f32: false,
            with_momentum: true,
            ..number("nesterov", Range::NonNegative, false)
        },
        "Nesterov",
        "step along g + μ·v",
    ),
    labelled(
        number("beta_1", Range::BelowOne, true),
        "β₁",
        "the first moment's decay",
    ),
    labelled(
        number("beta_2", Range::BelowOne, true),
        "β₂",
        "the second moment's decay",
    ),
    labelled(
        number("beta_3", Range::BelowOne, true),
        "β₃",
        "adan: the second moment's decay",
    ),
    labelled(
        number("alpha", Range::BelowOne, true),
        "α",
        "rmsprop: the squared gradients' decay",
    ),
    labelled(
        Setting {
            range: None,
            f32: false,
            ..number("centered", Range::NonNegative, false)
        },
        "Centered",
        "rmsprop: divide by the gradients' estimated standard deviation, √(E[g²] − E[g]²)",
    ),
    labelled(
        Setting {
            range: None,
            f32: false,
            ..number("no_prox", Range::NonNegative, false)
        },
        "No prox",
        "adan: decay the weights decoupled, θ·(1 − λ·wd), not proximally, θ/(1 + λ·wd)",
    ),
    labelled(
        number("lr_decay", Range::NonNegative, false),
        "lr decay",
        "adagrad: the rate at step t is λ / (1 + (t − 1)·lr_decay)",
    ),
    labelled(
        number("epsilon", Range::Positive, true),
        "ε",
        "adam, adamw: ε in m̂ / (√v̂ + ε); adagrad, rmsprop: in g / (√s + ε); adan: in √n̂ + ε",
    ),
    labelled(
        number("weight_decay", Range::NonNegative, true),
        "Weight decay",
        "sgd, adam, adagrad, rmsprop: L2 added to the gradient; adamw: decoupled; adan: proximal",
    ),
];

/// The setting named `key`.
pub fn setting(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// One optimizer: its name, burn's type, and its keys with burn's defaults.
#[derive(Debug, Clone, Copy)]
pub struct OptimizerInfo {
    pub kind: OptimizerKind,
    pub name: &'static str,
    /// The page's name for it.
    pub label: &'static str,
    /// Its keys (in [`SETTINGS`] order) with burn's defaults.
    pub defaults: &'static [(&'static str, SettingValue)],
    /// How sweep and check draw it; None: they have a draw written for it.
    pub draw: Option<Draw>,
}

/// How sweep and check draw an optimizer from its row (keys.rs' `OptimizerKind::draw`): sweep's
/// learning rate log-uniform in `learning_rate`, each listed number log-uniform in its range (3
/// significant digits) and left at 0 one time in two where burn's default is 0, each of its
/// bools a coin. SGD, Adam, AdamW, AdaGrad and RMSprop keep the draws written for them
/// (sweep/problem.rs, check/problems.rs).
#[derive(Debug, Clone, Copy)]
pub struct Draw {
    pub learning_rate: (f64, f64),
    /// Key, lowest, highest.
    pub numbers: &'static [(&'static str, f64, f64)],
}

use SettingValue::{Bool, Number};

/// Every optimizer.
pub const OPTIMIZERS: &[OptimizerInfo] = &[
    OptimizerInfo {
        kind: OptimizerKind::Sgd,
        name: "sgd",
        label: "SGD",
        // burn's `SgdConfig` without momentum or decay: the course's plain SGD.
        defaults: &[
            ("momentum", Number(0.0)),
            ("dampening", Number(0.0)),
            ("nesterov", Bool(false)),
            ("weight_decay", Number(0.0)),
        ],
        draw: None,
    },
    OptimizerInfo {
        kind: OptimizerKind::Adam,
        name: "adam",
        label: "Adam",
        // `AdamConfig`; its weight decay is coupled and off by default.
        defaults: &[
            ("beta_1", Number(DEFAULT_BETA_1)),
            ("beta_2", Number(DEFAULT_BETA_2)),
            ("epsilon", Number(DEFAULT_EPSILON)),
            ("weight_decay", Number(0.0)),
        ],
        draw: None,
    },
    OptimizerInfo {
        kind: OptimizerKind::Adamw,
        name: "adamw",
        label: "AdamW",
        // `AdamWConfig`; its weight decay is decoupled.
        defaults: &[
            ("beta_1", Number(DEFAULT_BETA_1)),
            ("beta_2", Number(DEFAULT_BETA_2)),
            ("epsilon", Number(DEFAULT_EPSILON)),
            ("weight_decay", Number(DEFAULT_ADAMW_WEIGHT_DECAY)),
        ],
        draw: None,
    },
    OptimizerInfo {
        kind: OptimizerKind::Adagrad,
        name: "adagrad",
        label: "AdaGrad",
        // `AdaGradConfig`; its weight decay is coupled and off by default.
        defaults: &[
            ("lr_decay", Number(0.0)),
            ("epsilon", Number(DEFAULT_EPSILON)),
            ("weight_decay", Number(0.0)),
        ],
        draw: None,
    },
    OptimizerInfo {
        kind: OptimizerKind::Rmsprop,
        name: "rmsprop",
        label: "RMSprop",
        // `RmsPropConfig`: momentum 0.9 by default (PyTorch's is 0), decay coupled.
        defaults: &[
            ("momentum", Number(0.9)),
            ("alpha", Number(0.99)),
            ("centered", Bool(false)),
            ("epsilon", Number(DEFAULT_EPSILON)),
            ("weight_decay", Number(0.0)),
        ],
        draw: None,
    },
    OptimizerInfo {
        kind: OptimizerKind::Adan,
        name: "adan",
        label: "Adan",
        // `AdanConfig`: its own betas and ε; decay proximal unless `no_prox`.
        defaults: &[
            ("beta_1", Number(0.98)),
            ("beta_2", Number(0.92)),
            ("beta_3", Number(0.99)),
            ("no_prox", Bool(false)),
            ("epsilon", Number(1e-8)),
            ("weight_decay", Number(0.0)),
        ],
        draw: Some(Draw {
            learning_rate: (1e-4, 1e-2),
            numbers: &[
                ("beta_1", 0.9, 0.99),
                ("beta_2", 0.8, 0.99),
                ("beta_3", 0.9, 0.999),
                ("epsilon", 1e-8, 1e-4),
                ("weight_decay", 1e-5, 1e-2),
            ],
        }),
    },
];

/// Every optimizer's name, in the table's order.
pub const NAMES: [&str; OPTIMIZERS.len()] = {
    let mut names = [""; OPTIMIZERS.len()];
    let mut i = 0;
    while i < OPTIMIZERS.len() {
        names[i] = OPTIMIZERS[i].name;
        i += 1;
    }
    names
};

/// burn's defaults (`AdamConfig`, `AdamWConfig`).
pub const DEFAULT_BETA_1: f64 = 0.9;
pub const DEFAULT_BETA_2: f64 = 0.999;
pub const DEFAULT_EPSILON: f64 = 1e-5;
pub const DEFAULT_ADAMW_WEIGHT_DECAY: f64 = 1e-4;

/// The optimizer settings given (in a config's `[train]` or a problem file's metadata); None:
/// not given, burn's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, Serialize)]
pub struct OptimizerKeys {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub momentum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dampening: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nesterov: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta_1: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta_2: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta_3: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centered: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_prox: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr_decay: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epsilon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
}

impl OptimizerKeys {
    pub(super) fn number_mut(&mut self, key: &str) -> Option<&mut Option<f64>> {
        Some(match key {
            "momentum" => &mut self.momentum,
            "dampening" => &mut self.dampening,
            "beta_1" => &mut self.beta_1,
            "beta_2" => &mut self.beta_2,
            "beta_3" => &mut self.beta_3,
            "alpha" => &mut self.alpha,
            "lr_decay" => &mut self.lr_decay,
            "epsilon" => &mut self.epsilon,
            "weight_decay" => &mut self.weight_decay,
            _ => return None,
        })
    }

    pub(super) fn bool_mut(&mut self, key: &str) -> Option<&mut Option<bool>> {
        match key {
            "nesterov" => Some(&mut self.nesterov),
            "centered" => Some(&mut self.centered),
            "no_prox" => Some(&mut self.no_prox),
            _ => None,
        }
    }
}

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

/// AdaGrad's settings (`AdaGradConfig`): `lr_decay` (f64 in burn) slows the rate as
/// `λ / (1 + (t − 1)·lr_decay)`; `weight_decay` is coupled (0 is none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaGradSettings {
    pub lr_decay: f64,
    pub epsilon: f64,
    pub weight_decay: f64,
}

/// RMSprop's settings (`RmsPropConfig`): `momentum` 0 is none; `centered` divides by the
/// centered second moment; `weight_decay` is coupled (0 is none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RmsPropSettings {
    pub momentum: f64,
    pub alpha: f64,
    pub centered: bool,
    pub epsilon: f64,
    pub weight_decay: f64,
}

/// Adan's settings (`AdanConfig`): `β₁` decays the gradients' average, `β₂` their differences'
/// `β₃` the squares'; `weight_decay` proximal, `θ/(1 + λ·wd)` after the step, or decoupled,
/// `θ·(1 − λ·wd)`, with `no_prox` (0 is none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdanSettings {
    pub beta_1: f64,
    pub beta_2: f64,
    pub beta_3: f64,
    pub epsilon: f64,
    pub weight_decay: f64,
    pub no_prox: bool,
}

/// An optimizer with every setting resolved, as the config gives them (f64; which of them
/// burn keeps in f32 is the twins' business).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    Sgd(SgdSettings),
    Adam(AdamSettings),
    AdamW(AdamSettings),
    AdaGrad(AdaGradSettings),
    RmsProp(RmsPropSettings),
    Adan(AdanSettings),
}

impl Default for Optimizer {
    /// Plain SGD, the course's.
    fn default() -> Self {
        OptimizerKeys::default().resolve(OptimizerKind::Sgd)
    }
}

impl OptimizerKeys {
    /// The optimizer of `kind` with these settings, burn's defaults for the others.
    pub fn resolve(&self, kind: OptimizerKind) -> Optimizer {
        let n = |key| self.value(kind, key).number();
        let adam = || AdamSettings {
            beta_1: n("beta_1"),
            beta_2: n("beta_2"),
            epsilon: n("epsilon"),
            weight_decay: n("weight_decay"),
        };
        match kind {
            OptimizerKind::Sgd => Optimizer::Sgd(SgdSettings {
                momentum: n("momentum"),
                dampening: n("dampening"),
                nesterov: self.value(kind, "nesterov") == SettingValue::Bool(true),
                weight_decay: n("weight_decay"),
            }),
            OptimizerKind::Adam => Optimizer::Adam(adam()),
            OptimizerKind::Adamw => Optimizer::AdamW(adam()),
            OptimizerKind::Adagrad => Optimizer::AdaGrad(AdaGradSettings {
                lr_decay: n("lr_decay"),
                epsilon: n("epsilon"),
                weight_decay: n("weight_decay"),
            }),
            OptimizerKind::Rmsprop => Optimizer::RmsProp(RmsPropSettings {
                momentum: n("momentum"),
                alpha: n("alpha"),
                centered: self.value(kind, "centered") == SettingValue::Bool(true),
                epsilon: n("epsilon"),
                weight_decay: n("weight_decay"),
            }),
            OptimizerKind::Adan => Optimizer::Adan(AdanSettings {
                beta_1: n("beta_1"),
                beta_2: n("beta_2"),
                beta_3: n("beta_3"),
                epsilon: n("epsilon"),
                weight_decay: n("weight_decay"),
                no_prox: self.value(kind, "no_prox") == SettingValue::Bool(true),
            }),
        }
    }
}

impl Optimizer {
    pub fn kind(self) -> OptimizerKind {
        match self {
            Optimizer::Sgd(_) => OptimizerKind::Sgd,
            Optimizer::Adam(_) => OptimizerKind::Adam,
            Optimizer::AdamW(_) => OptimizerKind::Adamw,
            Optimizer::AdaGrad(_) => OptimizerKind::Adagrad,
            Optimizer::RmsProp(_) => OptimizerKind::Rmsprop,
            Optimizer::Adan(_) => OptimizerKind::Adan,
        }
    }

    /// Its keys with their values, in [`SETTINGS`] order; `all`: also those that apply only with
    /// momentum when it has none (their defaults, as the page's `hello` tells them).
    pub fn values(self, all: bool) -> Vec<(&'static str, SettingValue)> {
        let v = match self {
            Optimizer::Sgd(s) => vec![
                ("momentum", Number(s.momentum)),
                ("dampening", Number(s.dampening)),
                ("nesterov", Bool(s.nesterov)),
                ("weight_decay", Number(s.weight_decay)),
            ],
            Optimizer::Adam(a) | Optimizer::AdamW(a) => vec![
                ("beta_1", Number(a.beta_1)),
                ("beta_2", Number(a.beta_2)),
                ("epsilon", Number(a.epsilon)),
                ("weight_decay", Number(a.weight_decay)),
            ],
            Optimizer::AdaGrad(a) => vec![
                ("lr_decay", Number(a.lr_decay)),
                ("epsilon", Number(a.epsilon)),
                ("weight_decay", Number(a.weight_decay)),
            ],
            Optimizer::RmsProp(r) => vec![
                ("momentum", Number(r.momentum)),
                ("alpha", Number(r.alpha)),
                ("centered", Bool(r.centered)),
                ("epsilon", Number(r.epsilon)),
                ("weight_decay", Number(r.weight_decay)),
            ],
            Optimizer::Adan(a) => vec![
                ("beta_1", Number(a.beta_1)),
                ("beta_2", Number(a.beta_2)),
                ("beta_3", Number(a.beta_3)),
                ("no_prox", Bool(a.no_prox)),
                ("epsilon", Number(a.epsilon)),
                ("weight_decay", Number(a.weight_decay)),
            ],
        };
        let momentum = v
            .iter()
            .find(|(k, _)| *k == "momentum")
            .map_or(0.0, |(_, m)| m.number());
        v.into_iter()
            .filter(|(k, _)| all || momentum > 0.0 || !setting(k).is_some_and(|s| s.with_momentum))
            .collect()
    }

    /// Its settings as keys (every one of its keys given).
    pub fn keys(self) -> OptimizerKeys {
        let mut k = OptimizerKeys::default();
        for (key, v) in self.values(true) {
            k.set(key, v);
        }
        k
    }

    /// The same optimizer with `key` set to `v`.
    pub fn with(self, key: &str, v: SettingValue) -> Optimizer {
        let mut k = self.keys();
        k.set(key, v);
        k.resolve(self.kind())
    }

    pub fn name(self) -> &'static str {
        match self {
            Optimizer::Sgd(s) if s.momentum > 0.0 => "sgd+momentum",
            o => o.kind().name(),
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
            Optimizer::AdaGrad(a) => format!(
                "adagrad (lr_decay {}, ε {:e}, weight_decay {})",
                a.lr_decay, a.epsilon, a.weight_decay
            ),
            Optimizer::RmsProp(r) => format!(
                "rmsprop (α {}, momentum {}, ε {:e}{}, weight_decay {})",
                r.alpha,
                r.momentum,
                r.epsilon,
                if r.centered { ", centered" } else { "" },
                r.weight_decay
            ),
            Optimizer::Adan(a) => format!(
                "adan (β₁ {}, β₂ {}, β₃ {}, ε {:e}, weight_decay {}{})",
                a.beta_1,
                a.beta_2,
                a.beta_3,
                a.epsilon,
                a.weight_decay,
                if a.no_prox { ", no_prox" } else { "" }
            ),
        }
    }

    /// The state buffers it keeps between steps, by the names burn's state gives them.
    pub fn buffers(self) -> &'static [&'static str] {
        match self {
            Optimizer::Sgd(s) if s.momentum > 0.0 => &["velocity"],
            Optimizer::Sgd(_) => &[],
            Optimizer::Adam(_) | Optimizer::AdamW(_) => &["moment_1", "moment_2"],
            Optimizer::AdaGrad(_) => &["sum"],
            Optimizer::RmsProp(r) => match (r.centered, r.momentum > 0.0) {
                (false, false) => &["square_avg"],
                (true, false) => &["square_avg", "grad_avg"],
                (false, true) => &["square_avg", "buf"],
                (true, true) => &["square_avg", "grad_avg", "buf"],
            },
            Optimizer::Adan(_) => &["exp_avg", "exp_avg_sq", "exp_avg_diff", "neg_pre_grad"],
        }
    }

    /// Whether the optimizer keeps state between steps (momentum or moments).
    pub fn has_state(self) -> bool {
        !self.buffers().is_empty()
    }

    /// The weight decay (coupled or decoupled; 0 is none).
    pub fn weight_decay(self) -> f64 {
        self.values(true)
            .iter()
            .find(|(k, _)| *k == "weight_decay")
            .map_or(0.0, |(_, v)| v.number())
    }
}
