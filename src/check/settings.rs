//! A problem's activation, optimizer and step as metadata strings: written, and read back with
//! the config's rules (which key applies to which choice, the ranges, burn's defaults for what a
//! file leaves out).

use std::collections::HashMap;

use anyhow::{Context, Result, bail};

use crate::config::{
    Activation, ActivationKind, AdamSettings, DEFAULT_ADAMW_WEIGHT_DECAY, DEFAULT_BETA_1,
    DEFAULT_BETA_2, DEFAULT_EPSILON, Optimizer, SgdSettings,
};

/// The keys this module reads and writes.
pub const KEYS: [&str; 11] = [
    "activation",
    "negative_slope",
    "optimizer",
    "momentum",
    "dampening",
    "nesterov",
    "beta_1",
    "beta_2",
    "epsilon",
    "weight_decay",
    "step",
];

/// A number as metadata: Rust's shortest round-trip form (`0.9`, `1e-5`).
fn number(v: f64) -> String {
    format!("{v}")
}

/// The metadata of an activation, an optimizer and the steps already taken.
pub fn to_metadata(a: Activation, o: Optimizer, steps: usize) -> Vec<(&'static str, String)> {
    let mut m = vec![("activation", a.name().to_owned())];
    if let Activation::LeakyRelu { negative_slope } = a {
        m.push(("negative_slope", number(negative_slope)));
    }
    let name = match o {
        Optimizer::Sgd(_) => "sgd",
        Optimizer::Adam(_) => "adam",
        Optimizer::AdamW(_) => "adamw",
    };
    m.push(("optimizer", name.to_owned()));
    match o {
        Optimizer::Sgd(s) => m.extend([
            ("momentum", number(s.momentum)),
            ("dampening", number(s.dampening)),
            ("nesterov", s.nesterov.to_string()),
            ("weight_decay", number(s.weight_decay)),
        ]),
        Optimizer::Adam(a) | Optimizer::AdamW(a) => m.extend([
            ("beta_1", number(a.beta_1)),
            ("beta_2", number(a.beta_2)),
            ("epsilon", number(a.epsilon)),
            ("weight_decay", number(a.weight_decay)),
        ]),
    }
    m.push(("step", steps.to_string()));
    m
}

/// The activation, optimizer and steps of a problem's metadata. Missing: relu, plain SGD, step
/// 0, and burn's defaults for the optimizer's settings.
pub fn from_metadata(meta: &HashMap<String, String>) -> Result<(Activation, Optimizer, usize)> {
    let get = |k: &str| meta.get(k).map(String::as_str);
    let num = |k: &str, ok: fn(f64) -> bool, what: &str| -> Result<Option<f64>> {
        let Some(text) = get(k) else {
            return Ok(None);
        };
        match text.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && ok(v) => Ok(Some(v)),
            _ => bail!("metadata `{k}` = {text:?}: expected {what}"),
        }
    };
    let name = get("activation").context("metadata key `activation` is missing")?;
    let activation = match ActivationKind::from_name(name) {
        Some(kind) => kind.with_slope(num("negative_slope", |v| v >= 0.0, "a number >= 0")?),
        None => bail!(
            "activation `{name}`: expected one of {}",
            ActivationKind::NAMES.join(", ")
        ),
    };
    if get("negative_slope").is_some() && !matches!(activation, Activation::LeakyRelu { .. }) {
        bail!("metadata `negative_slope` applies to activation leaky_relu only");
    }
    let kind = get("optimizer").unwrap_or("sgd");
    let applies: &[&str] = match kind {
        "sgd" => &["momentum", "dampening", "nesterov", "weight_decay"],
        "adam" | "adamw" => &["beta_1", "beta_2", "epsilon", "weight_decay"],
        other => bail!("optimizer `{other}`: expected sgd, adam or adamw"),
    };
    // The optimizers' keys: KEYS between `optimizer` and `step`.
    for &key in &KEYS[3..KEYS.len() - 1] {
        if get(key).is_some() && !applies.contains(&key) {
            bail!("metadata `{key}` does not apply to optimizer {kind}");
        }
    }
    let decay = num("weight_decay", |v| v >= 0.0, "a number >= 0")?;
    let beta = |k| num(k, |v| (0.0..1.0).contains(&v), "a number in [0, 1)");
    let epsilon = num("epsilon", |v| v > 0.0, "a number > 0")?.unwrap_or(DEFAULT_EPSILON);
    let optimizer = match kind {
        "sgd" => Optimizer::Sgd(SgdSettings {
            momentum: num("momentum", |v| v >= 0.0, "a number >= 0")?.unwrap_or(0.0),
            dampening: num(
                "dampening",
                |v| (0.0..=1.0).contains(&v),
                "a number in [0, 1]",
            )?
            .unwrap_or(0.0),
            nesterov: match get("nesterov") {
                None | Some("false") => false,
                Some("true") => true,
                Some(other) => bail!("metadata `nesterov` = {other:?}: expected true or false"),
            },
            weight_decay: decay.unwrap_or(0.0),
        }),
        "adam" => Optimizer::Adam(AdamSettings {
            beta_1: beta("beta_1")?.unwrap_or(DEFAULT_BETA_1),
            beta_2: beta("beta_2")?.unwrap_or(DEFAULT_BETA_2),
            epsilon,
            weight_decay: decay.unwrap_or(0.0),
        }),
        _ => Optimizer::AdamW(AdamSettings {
            beta_1: beta("beta_1")?.unwrap_or(DEFAULT_BETA_1),
            beta_2: beta("beta_2")?.unwrap_or(DEFAULT_BETA_2),
            epsilon,
            weight_decay: decay.unwrap_or(DEFAULT_ADAMW_WEIGHT_DECAY),
        }),
    };
    let steps = match get("step") {
        None => 0,
        Some(text) => text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|&s| s <= i32::MAX as usize)
            .with_context(|| {
                format!(
                    "metadata `step` = {text:?}: expected a whole number from 0 to {}",
                    i32::MAX
                )
            })?,
    };
    Ok((activation, optimizer, steps))
}
