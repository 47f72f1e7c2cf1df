//! An optimizer with every setting resolved (from a config's keys through the table,
//! optimizer.rs): what both twins and the exact step are built with.

use super::optimizer::*;
use SettingValue::{Bool, Number};

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

/// An optimizer with every setting resolved, as the config gives them (f64; which of them
/// burn keeps in f32 is the twins' business).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    Sgd(SgdSettings),
    Adam(AdamSettings),
    AdamW(AdamSettings),
    AdaGrad(AdaGradSettings),
    RmsProp(RmsPropSettings),
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
