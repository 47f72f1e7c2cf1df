//! The activation's and the optimizer's keys as the page sees them: the ones that apply to a
//! choice, with their values (`ready`) or their defaults (`hello`), and each optimizer setting's
//! input (`/optimizers.js`). Which keys apply is the config's rule (src/config/training.rs and
//! the optimizers' table, src/config/optimizer.rs); the page sends only those.

use serde_json::{Map, Value, json};

use crate::config::{
    ActivationKind, ModelConfig, OPTIMIZERS, Optimizer, OptimizerKeys, SETTINGS, SettingValue,
    setting,
};

/// The activation's own keys with their values (`negative_slope` for leaky_relu, else none).
pub(super) fn activation_values(model: &ModelConfig) -> Map<String, Value> {
    let mut m = Map::new();
    if let crate::config::Activation::LeakyRelu { negative_slope } = model.activation() {
        m.insert("negative_slope".into(), json!(negative_slope));
    }
    m
}

/// The optimizer's keys that apply, with their values. `all`: sgd's dampening and nesterov
/// even without momentum (the defaults `hello` tells), else only when momentum > 0 (as the
/// config wants them).
pub(super) fn optimizer_values(optimizer: Optimizer, all: bool) -> Map<String, Value> {
    optimizer
        .values(all)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), json_of(v)))
        .collect()
}

fn json_of(v: SettingValue) -> Value {
    match v {
        SettingValue::Number(x) => json!(x),
        SettingValue::Bool(b) => json!(b),
    }
}

/// The optimizers' table as the page's module `/optimizers.js`: `OPTIMIZERS` (name and label,
/// in the table's order) and `SETTINGS` (each setting's key, label, hint, and its input: a
/// number with its bounds or a checkbox). The page builds its inputs from these.
pub(super) fn optimizers_js() -> String {
    let optimizers: Vec<Value> = OPTIMIZERS
        .iter()
        .map(|o| json!({ "name": o.name, "label": o.label }))
        .collect();
    let settings: Vec<Value> = SETTINGS
        .iter()
        .map(|s| {
            let input = match s.range {
                Some(r) => {
                    let (min, max) = r.bounds();
                    json!({ "type": "number", "min": min, "max": max })
                }
                None => json!({ "type": "checkbox" }),
            };
            json!({ "key": s.key, "label": s.label, "help": s.help, "input": input })
        })
        .collect();
    format!(
        "// The optimizers and their settings: src/config/optimizer.rs's table, as `mlp2d serve` serves it.\n\
         export const OPTIMIZERS = {};\nexport const SETTINGS = {};\n",
        Value::Array(optimizers),
        Value::Array(settings)
    )
}

/// Each activation's and each optimizer's keys and defaults, for `hello`: the page shows the
/// inputs of the chosen ones and sends only their keys.
pub(super) fn choices() -> (Value, Value) {
    let activations: Map<String, Value> = ActivationKind::ALL
        .into_iter()
        .map(|kind| {
            let model = ModelConfig {
                activation: kind,
                ..ModelConfig::default()
            };
            let defaults = activation_values(&model);
            let keys: Vec<&String> = defaults.keys().collect();
            let entry = json!({ "keys": keys, "defaults": defaults });
            (model.activation().name().to_owned(), entry)
        })
        .collect();
    let optimizers: Map<String, Value> = OPTIMIZERS
        .iter()
        .map(|info| {
            let defaults = optimizer_values(OptimizerKeys::default().resolve(info.kind), true);
            let keys: Vec<&str> = info.defaults.iter().map(|(k, _)| *k).collect();
            // Keys that apply only with momentum > 0.
            let with_momentum: Vec<&str> = keys
                .iter()
                .copied()
                .filter(|k| setting(k).is_some_and(|s| s.with_momentum))
                .collect();
            let entry = json!({
                "label": info.label,
                "keys": keys,
                "with_momentum": with_momentum,
                "defaults": defaults,
            });
            (info.name.to_owned(), entry)
        })
        .collect();
    (Value::Object(activations), Value::Object(optimizers))
}
