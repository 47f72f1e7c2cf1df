//! The optimizers and their settings, in one table: each setting's key, what it holds, its range
//! and the f32 burn keeps it in ([`SETTINGS`]); each optimizer's keys with burn's defaults and
//! which of them apply only with momentum ([`OPTIMIZERS`]). The config, problem files, the
//! server and the page all read their rules here.

use serde::{Deserialize, Serialize};

/// `[train] optimizer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    #[default]
    Sgd,
    Adam,
    Adamw,
    Adagrad,
    Rmsprop,
}

/// A setting's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SettingValue {
    Number(f64),
    Bool(bool),
}

impl SettingValue {
    /// The number (a bool is 0 or 1).
    pub fn number(self) -> f64 {
        match self {
            SettingValue::Number(v) => v,
            SettingValue::Bool(b) => f64::from(u8::from(b)),
        }
    }
}

/// Where a number may lie.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// `[0, 1)`: a decay rate or momentum, whose geometric sum fades only below 1.
    BelowOne,
    /// `> 0`.
    Positive,
    /// `>= 0`.
    NonNegative,
}

impl Range {
    pub fn admits(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Range::BelowOne => (0.0..1.0).contains(&v),
                Range::Positive => v > 0.0,
                Range::NonNegative => v >= 0.0,
            }
    }

    pub fn text(self) -> &'static str {
        match self {
            Range::BelowOne => "at least 0 and below 1",
            Range::Positive => "a finite number > 0",
            Range::NonNegative => "a finite number >= 0",
        }
    }

    /// The page's input bounds: min and max (None: unbounded).
    pub fn bounds(self) -> (f64, Option<f64>) {
        match self {
            Range::BelowOne => (0.0, Some(0.9999)),
            Range::Positive | Range::NonNegative => (0.0, None),
        }
    }
}

/// One optimizer setting: a key of `[train]` and of a problem file's metadata.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub key: &'static str,
    /// A number in this range; None: true or false.
    pub range: Option<Range>,
    /// burn keeps it as f32 even in an f64 run: a value f32 cannot hold (a positive one that
    /// becomes 0 or infinite there, one below 1 that becomes 1) is refused.
    pub f32: bool,
    /// Applies only with momentum > 0 (SGD's dampening and Nesterov).
    pub with_momentum: bool,
    /// The page's label and hint.
    pub label: &'static str,
    pub help: &'static str,
}

const fn number(key: &'static str, range: Range, f32: bool) -> Setting {
    Setting {
        key,
        range: Some(range),
        f32,
        with_momentum: false,
        label: key,
        help: "",
    }
}

const fn labelled(s: Setting, label: &'static str, help: &'static str) -> Setting {
    Setting { label, help, ..s }
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
        number("lr_decay", Range::NonNegative, false),
        "lr decay",
        "adagrad: the rate at step t is λ / (1 + (t − 1)·lr_decay)",
    ),
    labelled(
        number("epsilon", Range::Positive, true),
        "ε",
        "adam, adamw: ε in m̂ / (√v̂ + ε); adagrad, rmsprop: in g / (√s + ε)",
    ),
    labelled(
        number("weight_decay", Range::NonNegative, true),
        "Weight decay",
        "sgd, adam, adagrad, rmsprop: L2 added to the gradient; adamw: decoupled",
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

impl OptimizerKind {
    pub fn info(self) -> &'static OptimizerInfo {
        OPTIMIZERS
            .iter()
            .find(|o| o.kind == self)
            .expect("every optimizer is in the table")
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The optimizer named `name`.
    pub fn named(name: &str) -> Option<OptimizerKind> {
        OPTIMIZERS.iter().find(|o| o.name == name).map(|o| o.kind)
    }

    /// burn's default of `key`, if `key` is one of this optimizer's.
    pub fn default_of(self, key: &str) -> Option<SettingValue> {
        self.info()
            .defaults
            .iter()
            .find(|(k, _)| *k == key)
            .map(|&(_, v)| v)
    }
}

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
    pub alpha: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centered: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr_decay: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epsilon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
}

impl OptimizerKeys {
    fn number_mut(&mut self, key: &str) -> Option<&mut Option<f64>> {
        Some(match key {
            "momentum" => &mut self.momentum,
            "dampening" => &mut self.dampening,
            "beta_1" => &mut self.beta_1,
            "beta_2" => &mut self.beta_2,
            "alpha" => &mut self.alpha,
            "lr_decay" => &mut self.lr_decay,
            "epsilon" => &mut self.epsilon,
            "weight_decay" => &mut self.weight_decay,
            _ => return None,
        })
    }

    fn bool_mut(&mut self, key: &str) -> Option<&mut Option<bool>> {
        match key {
            "nesterov" => Some(&mut self.nesterov),
            "centered" => Some(&mut self.centered),
            _ => None,
        }
    }

    /// The value given for `key`.
    pub fn get(&self, key: &str) -> Option<SettingValue> {
        let mut copy = *self;
        if let Some(n) = copy.number_mut(key) {
            return n.map(SettingValue::Number);
        }
        copy.bool_mut(key).and_then(|b| b.map(SettingValue::Bool))
    }

    /// Gives `key` the value `v` (of the setting's type; false for an unknown key).
    pub fn set(&mut self, key: &str, v: SettingValue) -> bool {
        match v {
            SettingValue::Number(x) => self.number_mut(key).map(|n| *n = Some(x)).is_some(),
            SettingValue::Bool(b) => self.bool_mut(key).map(|n| *n = Some(b)).is_some(),
        }
    }

    /// The value of `key` for `kind`: given, else burn's default.
    pub(super) fn value(&self, kind: OptimizerKind, key: &str) -> SettingValue {
        self.get(key)
            .or_else(|| kind.default_of(key))
            .unwrap_or(SettingValue::Number(0.0))
    }

    /// Every key given that does not apply to `kind`, then every value out of its range or
    /// beyond f32: the first problem as `key …` (the caller names where the key was).
    pub fn check(&self, kind: OptimizerKind) -> Result<(), String> {
        let momentum = self.value(kind, "momentum").number();
        for s in SETTINGS {
            let applies = kind.default_of(s.key).is_some() && (!s.with_momentum || momentum > 0.0);
            if self.get(s.key).is_some() && !applies {
                return Err(format!(
                    "{} applies to {} only (optimizer is \"{}\")",
                    s.key,
                    needs(s),
                    kind.name()
                ));
            }
        }
        for s in SETTINGS {
            let (Some(range), Some(SettingValue::Number(v))) = (s.range, self.get(s.key)) else {
                continue;
            };
            if !range.admits(v) {
                return Err(format!("{} must be {}, got {v}", s.key, range.text()));
            }
            let f = v as f32;
            let lost = !f.is_finite() || (v > 0.0 && f == 0.0) || (v < 1.0 && f >= 1.0);
            if s.f32 && lost {
                return Err(format!(
                    "{} = {v} is beyond f32, in which burn keeps it",
                    s.key
                ));
            }
        }
        Ok(())
    }
}

/// `optimizer = "sgd" with momentum > 0`, `optimizer = "adam" or "adamw"`: what a key needs.
fn needs(s: &Setting) -> String {
    let names: Vec<String> = OPTIMIZERS
        .iter()
        .filter(|o| o.defaults.iter().any(|(k, _)| *k == s.key))
        .map(|o| format!("\"{}\"", o.name))
        .collect();
    let list = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    };
    let momentum = if s.with_momentum {
        " with momentum > 0"
    } else {
        ""
    };
    format!("optimizer = {list}{momentum}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every optimizer's keys are settings, each once, in the table's order, and its resolved
    /// values list exactly those keys with the defaults.
    #[test]
    fn every_optimizers_keys_are_settings_in_order() {
        for o in OPTIMIZERS {
            let order: Vec<usize> = o
                .defaults
                .iter()
                .map(|(k, _)| SETTINGS.iter().position(|s| s.key == *k).expect(k))
                .collect();
            assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", o.name);
            let resolved = OptimizerKeys::default().resolve(o.kind);
            assert_eq!(resolved.kind(), o.kind);
            assert_eq!(resolved.values(true), o.defaults.to_vec(), "{}", o.name);
            for (k, v) in o.defaults {
                let is_bool = matches!(v, SettingValue::Bool(_));
                assert_eq!(setting(k).unwrap().range.is_none(), is_bool, "{k}");
            }
        }
    }

    #[test]
    fn keys_that_do_not_apply_and_values_out_of_range_are_named() {
        let keys = |k: &str, v: SettingValue| {
            let mut o = OptimizerKeys::default();
            assert!(o.set(k, v));
            o
        };
        let e = keys("nesterov", SettingValue::Bool(true))
            .check(OptimizerKind::Sgd)
            .unwrap_err();
        assert_eq!(
            e,
            "nesterov applies to optimizer = \"sgd\" with momentum > 0 only (optimizer is \"sgd\")"
        );
        let e = keys("epsilon", SettingValue::Number(1e-8))
            .check(OptimizerKind::Sgd)
            .unwrap_err();
        assert!(
            e.starts_with("epsilon applies to optimizer = \"adam\", \"adamw\"")
                && e.contains("\"adagrad\""),
            "{e}"
        );
        let e = keys("momentum", SettingValue::Number(1.5))
            .check(OptimizerKind::Sgd)
            .unwrap_err();
        assert_eq!(e, "momentum must be at least 0 and below 1, got 1.5");
        let e = keys("beta_2", SettingValue::Number(0.999_999_999))
            .check(OptimizerKind::Adam)
            .unwrap_err();
        assert!(e.contains("beyond f32"), "{e}");
        let e = keys("epsilon", SettingValue::Number(1e-50))
            .check(OptimizerKind::Adamw)
            .unwrap_err();
        assert!(e.contains("beyond f32"), "{e}");
        assert!(
            keys("dampening", SettingValue::Number(1e-50))
                .check(OptimizerKind::Sgd)
                .is_err(),
            "dampening needs momentum"
        );
    }
}
