//! The page's settings as a config: they go through the same parser and checks as a config file
//! (so a bad one gets the same one-line message), plus the server's caps.

use anyhow::{Result, bail};
use serde_json::{Map, Value, json};

use super::choices::{activation_values, choices, optimizer_values};
use crate::config::{Config, DataConfig, DataKind};

/// The server's limits, told to the page in `hello`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_samples: usize,
    pub max_width: usize,
    pub max_layers: usize,
    pub max_upload_bytes: usize,
}

pub const LIMITS: Limits = Limits {
    max_samples: 100_000,
    max_width: 512,
    max_layers: 8,
    max_upload_bytes: 10 * 1024 * 1024,
};

/// The name every playground run has (and its export's file names).
pub const RUN_NAME: &str = "playground";

/// A config from the page's `settings` (the config file's shape, no `name`, `epochs` or
/// `stop_at_step`).
/// `csv_name` is the uploaded file's name, written as `[data] path` (never opened).
pub fn from_settings(settings: &Value, csv_name: Option<&str>) -> Result<Config> {
    let Value::Object(top) = settings else {
        bail!("settings must be an object");
    };
    let mut top = top.clone();
    for key in ["name", "file", "base_dir"] {
        if top.remove(key).is_some() {
            bail!("settings may not set `{key}`");
        }
    }
    if let Some(Value::Object(data)) = top.get_mut("data") {
        if data.contains_key("path") {
            bail!("the playground never opens a file: upload the CSV instead of naming a path");
        }
        if data.get("kind").and_then(Value::as_str) == Some("csv") {
            let Some(name) = csv_name else {
                bail!("upload a CSV file first");
            };
            data.insert("path".into(), json!(name));
        }
    }
    if let Some(Value::Object(train)) = top.get_mut("train") {
        for key in ["epochs", "stop_at_step"] {
            if train.remove(key).is_some() {
                bail!("settings may not set [train] {key}: the page trains until paused");
            }
        }
    }
    // Scalars before tables, as TOML wants them.
    let mut ordered = Map::new();
    ordered.insert("name".into(), json!(RUN_NAME));
    let (tables, scalars): (Vec<_>, Vec<_>) = top.into_iter().partition(|(_, v)| v.is_object());
    ordered.extend(scalars);
    ordered.extend(tables);
    let text = toml::to_string(&Value::Object(ordered))
        .map_err(|e| anyhow::anyhow!("settings cannot be a config: {e}"))?;
    parse(&text)
}

/// A config file's text as the page imports it: a CSV path is refused, the server opens no file.
pub fn from_toml(text: &str, csv_name: Option<&str>) -> Result<Config> {
    let mut config = parse(text)?;
    if config.data.kind == DataKind::Csv {
        if let Some(path) = &config.data.path {
            bail!(
                "this config reads the CSV file {:?}; the playground never opens a server's file: remove `path` and upload the file",
                path.display().to_string()
            );
        }
        let Some(name) = csv_name else {
            bail!("this config trains on a CSV file: upload it first, then import again");
        };
        config.data.path = Some(name.into());
    }
    config.name = RUN_NAME.to_owned();
    // The page trains from step 0 until paused: an exported run's stop is the command line's.
    config.train.stop_at_step = None;
    Ok(config)
}

/// [`Config::parse`], without the `line N` a page's settings have no use for.
fn parse(text: &str) -> Result<Config> {
    let config = Config::parse(text).map_err(|e| anyhow::anyhow!(strip_line(&e.to_string())))?;
    check_caps(&config)?;
    Ok(config)
}

/// `line 3: message` or `line 3, key …` → the message alone.
fn strip_line(message: &str) -> String {
    let Some(rest) = message.strip_prefix("line ") else {
        return message.to_owned();
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let rest = &rest[digits..];
    let rest = rest
        .strip_prefix(": ")
        .or_else(|| {
            rest.strip_prefix(", column ")
                .map(|r| r.split_once(": ").map_or(r, |p| p.1))
        })
        .or_else(|| rest.strip_prefix(", "))
        .unwrap_or(message);
    rest.to_owned()
}

fn check_caps(config: &Config) -> Result<()> {
    let l = LIMITS;
    if let Some(n) = config.data.samples
        && n > l.max_samples
    {
        bail!(
            "[data] samples = {n}: the playground takes at most {}",
            l.max_samples
        );
    }
    let hidden = &config.model.hidden;
    if hidden.len() > l.max_layers {
        bail!(
            "[model] hidden has {} layers: the playground takes at most {}",
            hidden.len(),
            l.max_layers
        );
    }
    if let Some(i) = hidden.iter().position(|&w| w > l.max_width) {
        bail!(
            "[model] hidden[{i}] = {}: the playground takes at most {} units per layer",
            hidden[i],
            l.max_width
        );
    }
    Ok(())
}

/// The settings of a config with every key written out (what `ready` tells the page).
pub fn to_settings(config: &Config) -> Value {
    // The uploaded file's name is the server's business, not a setting.
    let data = DataConfig {
        path: None,
        ..config.data.filled()
    };
    let mut model = json!({
        "hidden": config.model.hidden,
        "init": config.model.init,
        "activation": config.model.activation,
    });
    model
        .as_object_mut()
        .expect("an object")
        .extend(activation_values(&config.model));
    let mut train = json!({
        "batch_size": config.train.batch_size,
        "learning_rate": config.train.learning_rate,
        "shuffle": config.train.shuffle,
        "optimizer": config.train.optimizer,
    });
    train
        .as_object_mut()
        .expect("an object")
        .extend(optimizer_values(config.train.optimizer(), false));
    let mut v = json!({
        "seed": config.seed,
        "data": without_nulls(serde_json::to_value(&data).unwrap_or_default()),
        "model": model,
        "train": train,
        "compare": without_nulls(serde_json::to_value(&config.compare).unwrap_or_default()),
    });
    if let Some(m) = v.as_object_mut() {
        m.retain(|_, v| !v.is_null());
    }
    v
}

fn without_nulls(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.retain(|_, v| !v.is_null());
    }
    v
}

/// What `hello` tells the page: limits, each kind's keys and defaults, and the default settings.
pub fn hello() -> Value {
    let kinds: Map<String, Value> = DataKind::ALL
        .iter()
        .map(|&kind| {
            let filled = without_nulls(
                serde_json::to_value(DataConfig::of_kind(kind).filled()).unwrap_or_default(),
            );
            let keys = DataConfig::allowed_keys(kind)
                .iter()
                .filter(|&&k| k != "path")
                .collect::<Vec<_>>();
            let mut defaults = Map::new();
            for k in &keys {
                if let Some(v) = filled.get(**k) {
                    defaults.insert((**k).to_owned(), v.clone());
                }
            }
            (
                kind.name().to_owned(),
                json!({ "keys": keys, "defaults": defaults }),
            )
        })
        .collect();
    let l = LIMITS;
    let (activations, optimizers) = choices();
    json!({
        "type": "hello",
        "limits": {
            "max_samples": l.max_samples,
            "max_width": l.max_width,
            "max_layers": l.max_layers,
            "max_upload_bytes": l.max_upload_bytes,
        },
        "kinds": kinds,
        "activations": activations,
        "optimizers": optimizers,
        // The backends this binary was built with (wgpu and cuda with their features).
        "backends": crate::config::Backend::built_ones().iter().map(|b| b.name()).collect::<Vec<_>>(),
        "defaults": default_settings(),
    })
}

/// The page's first run: moons, `[16, 16]`, He initial weights, a rate that trains in seconds;
/// plain SGD with its keys written out, as the page sends them (and its export writes them).
pub fn default_settings() -> Value {
    json!({
        "seed": 42,
        "data": { "kind": "moons", "samples": 1000, "noise": 0.1, "test_fraction": 0.2 },
        "model": { "hidden": [16, 16], "init": "he", "activation": "relu" },
        "train": {
            "batch_size": 32, "learning_rate": 0.03,
            "optimizer": "sgd", "momentum": 0.0, "weight_decay": 0.0,
        },
        "compare": { "precision": "f64", "backend": "flex" },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_settings_are_a_valid_config() {
        let c = from_settings(&default_settings(), None).unwrap();
        assert_eq!(c.model.hidden, vec![16, 16]);
        assert_eq!(c.name, RUN_NAME);
    }

    #[test]
    fn settings_round_trip_through_to_settings() {
        let c = from_settings(&default_settings(), None).unwrap();
        let again = from_settings(&to_settings(&c), None).unwrap();
        assert_eq!(
            toml::to_string(&c).unwrap(),
            toml::to_string(&again).unwrap()
        );
    }

    #[test]
    fn bad_settings_get_the_config_files_message_without_a_line() {
        let mut s = default_settings();
        s["data"]["test_fraction"] = json!(1.5);
        let e = from_settings(&s, None).unwrap_err().to_string();
        assert_eq!(e, "[data] test_fraction must be in [0, 1), got 1.5");
        let mut s = default_settings();
        s["data"]["nosie"] = json!(0.1);
        let e = from_settings(&s, None).unwrap_err().to_string();
        assert!(e.starts_with("unknown key `nosie` in [data]"), "{e}");
    }

    #[test]
    fn caps_and_paths_are_refused() {
        let mut s = default_settings();
        s["model"]["hidden"] = json!([513]);
        assert!(from_settings(&s, None).is_err());
        let mut s = default_settings();
        s["data"] = json!({ "kind": "csv", "path": "/etc/passwd" });
        let e = from_settings(&s, None).unwrap_err().to_string();
        assert!(e.contains("never opens a file"), "{e}");
        let text = "name = \"x\"\n[data]\nkind = \"csv\"\npath = \"/etc/passwd\"\n";
        let e = from_toml(text, Some("up.csv")).unwrap_err().to_string();
        assert!(e.contains("never opens"), "{e}");
        assert!(!e.contains("root:"), "{e}");
    }

    #[test]
    fn strip_line_keeps_the_message() {
        assert_eq!(strip_line("line 3: bad"), "bad");
        assert_eq!(strip_line("line 3, key `a`: bad"), "key `a`: bad");
        assert_eq!(strip_line("line 1, column 5: not TOML"), "not TOML");
        assert_eq!(strip_line("plain"), "plain");
    }

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
        s["train"]["alpha"] = json!(0.9);
        let e = from_settings(&s, None).unwrap_err().to_string();
        assert_eq!(
            e,
            "[train] alpha applies to optimizer = \"rmsprop\" only (optimizer is \"sgd\")"
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
        assert_eq!(
            h["optimizers"]["adagrad"]["keys"],
            json!(["lr_decay", "epsilon", "weight_decay"])
        );
        assert_eq!(h["optimizers"]["adagrad"]["defaults"]["lr_decay"], 0.0);
        let rmsprop = &h["optimizers"]["rmsprop"];
        assert_eq!(
            rmsprop["keys"],
            json!(["momentum", "alpha", "centered", "epsilon", "weight_decay"])
        );
        // burn's RmsPropConfig default, not PyTorch's 0; and no SGD-only momentum keys.
        assert_eq!(rmsprop["defaults"]["momentum"], 0.9);
        assert_eq!(rmsprop["with_momentum"], json!([]));
    }
}
