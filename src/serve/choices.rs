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
        Optimizer::Sgd {
            momentum,
            dampening,
            nesterov,
            weight_decay,
        } => {
            m.insert("momentum".into(), json!(momentum));
            if all || momentum > 0.0 {
                m.insert("dampening".into(), json!(dampening));
                m.insert("nesterov".into(), json!(nesterov));
            }
            m.insert("weight_decay".into(), json!(weight_decay));
        }
        Optimizer::Adam {
            beta_1,
            beta_2,
            epsilon,
            weight_decay,
        }
        | Optimizer::AdamW {
            beta_1,
            beta_2,
            epsilon,
            weight_decay,
        } => {
            m.insert("beta_1".into(), json!(beta_1));
            m.insert("beta_2".into(), json!(beta_2));
            m.insert("epsilon".into(), json!(epsilon));
            m.insert("weight_decay".into(), json!(weight_decay));
        }
    }
    m
}

/// Each activation's and each optimizer's keys and defaults, for `hello`: the page shows the
/// inputs of the chosen ones and sends only their keys.
pub(super) fn choices() -> (Value, Value) {
    let activations: Map<String, Value> = [
        ActivationKind::Relu,
        ActivationKind::LeakyRelu,
        ActivationKind::Tanh,
        ActivationKind::Sigmoid,
    ]
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::serve::settings::{default_settings, from_settings, hello, to_settings};

    #[test]
    fn activations_and_optimizers_come_back_with_every_key_that_applies() {
        let mut s = default_settings();
        s["model"] = json!({ "hidden": [4], "activation": "tanh" });
        s["train"] = json!({ "learning_rate": 0.01, "optimizer": "adam", "beta_1": 0.8 });
        let c = from_settings(&s, None).unwrap();
        let back = to_settings(&c);
        assert_eq!(back["model"]["activation"], "tanh");
        assert!(back["model"].get("negative_slope").is_none());
        assert_eq!(back["train"]["optimizer"], "adam");
        assert_eq!(back["train"]["beta_1"], 0.8);
        assert_eq!(back["train"]["beta_2"], 0.999);
        assert_eq!(back["train"]["epsilon"], 1e-5);
        assert_eq!(back["train"]["weight_decay"], 0.0);
        assert!(back["train"].get("momentum").is_none());
        let again = from_settings(&back, None).unwrap();
        assert_eq!(again.train.optimizer(), c.train.optimizer());
        // Plain sgd: momentum 0 and no dampening or nesterov, which need momentum > 0.
        let plain = to_settings(&from_settings(&default_settings(), None).unwrap());
        assert_eq!(plain["train"]["momentum"], 0.0);
        assert!(plain["train"].get("nesterov").is_none());
        assert_eq!(plain["model"]["activation"], "relu");
        let mut s = default_settings();
        s["model"]["activation"] = json!("leaky_relu");
        s["train"] = json!({ "momentum": 0.9, "nesterov": true, "optimizer": "sgd" });
        let back = to_settings(&from_settings(&s, None).unwrap());
        assert_eq!(back["model"]["negative_slope"], 0.01);
        assert_eq!(back["train"]["dampening"], 0.0);
        assert_eq!(back["train"]["nesterov"], true);
        assert!(from_settings(&back, None).is_ok());
    }

    #[test]
    fn keys_that_do_not_apply_get_the_config_files_message() {
        let mut s = default_settings();
        s["train"]["beta_1"] = json!(0.9);
        let e = from_settings(&s, None).unwrap_err().to_string();
        assert_eq!(
            e,
            "[train] beta_1 applies to optimizer = \"adam\" or \"adamw\" only (optimizer is \"sgd\")"
        );
        let mut s = default_settings();
        s["model"]["negative_slope"] = json!(0.1);
        let e = from_settings(&s, None).unwrap_err().to_string();
        assert!(e.starts_with("[model] negative_slope applies to"), "{e}");
    }

    #[test]
    fn hello_lists_each_choices_keys_and_defaults() {
        let h = hello();
        assert_eq!(
            h["activations"]["leaky_relu"]["keys"],
            json!(["negative_slope"])
        );
        assert_eq!(h["activations"]["tanh"]["keys"], json!([]));
        let sgd = &h["optimizers"]["sgd"];
        assert_eq!(sgd["with_momentum"], json!(["dampening", "nesterov"]));
        assert_eq!(sgd["defaults"]["nesterov"], false);
        assert_eq!(h["optimizers"]["adamw"]["defaults"]["weight_decay"], 1e-4);
        assert_eq!(h["optimizers"]["adam"]["defaults"]["weight_decay"], 0.0);
        assert_eq!(
            h["optimizers"]["adam"]["keys"],
            json!(["beta_1", "beta_2", "epsilon", "weight_decay"])
        );
    }
}
