//! The optimizer settings given ([`OptimizerKeys`], whose fields optimizer.rs lists): read and
//! written by key, and checked against the table (which keys apply, their ranges, f32); an
//! optimizer's row of the table, and an optimizer drawn from it.

use rand::Rng;

use super::optimizer::{
    OPTIMIZERS, OptimizerInfo, OptimizerKeys, OptimizerKind, SETTINGS, Setting, SettingValue,
};

impl OptimizerKeys {
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

    /// Every optimizer whose row says how to draw it, in the table's order.
    pub fn drawn() -> Vec<OptimizerKind> {
        OPTIMIZERS
            .iter()
            .filter(|o| o.draw.is_some())
            .map(|o| o.kind)
            .collect()
    }

    /// A learning rate and settings drawn as its row says (`Draw`); None without one.
    pub fn draw(self, rng: &mut impl Rng) -> Option<(f64, OptimizerKeys)> {
        let d = self.info().draw?;
        let learning_rate = log_uniform(rng, d.learning_rate);
        let mut keys = OptimizerKeys::default();
        for &(key, lo, hi) in d.numbers {
            if self.default_of(key) == Some(SettingValue::Number(0.0)) && rng.gen_bool(0.5) {
                continue;
            }
            keys.set(key, SettingValue::Number(log_uniform(rng, (lo, hi))));
        }
        for &(key, v) in self.info().defaults {
            if let SettingValue::Bool(_) = v {
                keys.set(key, SettingValue::Bool(rng.gen_bool(0.5)));
            }
        }
        Some((learning_rate, keys))
    }
}

/// Log-uniform in `[lo, hi]`, to 3 significant digits.
fn log_uniform(rng: &mut impl Rng, (lo, hi): (f64, f64)) -> f64 {
    let x = rng.gen_range(lo.ln()..=hi.ln()).exp();
    let scale = 10f64.powi(2 - x.log10().floor() as i32);
    (x * scale).round() / scale
}
