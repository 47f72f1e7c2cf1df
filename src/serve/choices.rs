//! The activation's and the optimizer's keys as the page sees them: the ones that apply to a
//! choice, with their values (`ready`) or their defaults (`hello`). Which keys apply is the
//! config's rule (src/config/training.rs); the page sends only those.

use serde_json::{Map, Value, json};

use crate::config::{ActivationKind, ModelConfig, Optimizer, OptimizerKind, TrainConfig};

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
    let mut m = Map::new();
    match optimizer {
        Optimizer::Sgd(s) => {
            m.insert("momentum".into(), json!(s.momentum));
            if all || s.momentum > 0.0 {
                m.insert("dampening".into(), json!(s.dampening));
                m.insert("nesterov".into(), json!(s.nesterov));
            }
            m.insert("weight_decay".into(), json!(s.weight_decay));
        }
        Optimizer::Adam(a) | Optimizer::AdamW(a) => {
            m.insert("beta_1".into(), json!(a.beta_1));
            m.insert("beta_2".into(), json!(a.beta_2));
            m.insert("epsilon".into(), json!(a.epsilon));
            m.insert("weight_decay".into(), json!(a.weight_decay));
        }
    }
    m
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
    let optimizers: Map<String, Value> = [
        OptimizerKind::Sgd,
        OptimizerKind::Adam,
        OptimizerKind::Adamw,
    ]
    .into_iter()
    .map(|kind| {
        let train = TrainConfig {
            optimizer: kind,
            ..TrainConfig::default()
        };
        let defaults = optimizer_values(train.optimizer(), true);
        let keys: Vec<&String> = defaults.keys().collect();
        // Keys that apply only with momentum > 0.
        let with_momentum: &[&str] = match kind {
            OptimizerKind::Sgd => &["dampening", "nesterov"],
            _ => &[],
        };
        let name = serde_json::to_value(kind).unwrap_or_default();
        let entry = json!({ "keys": keys, "with_momentum": with_momentum, "defaults": defaults });
        (name.as_str().unwrap_or_default().to_owned(), entry)
    })
    .collect();
    (Value::Object(activations), Value::Object(optimizers))
}
