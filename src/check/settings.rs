//! A problem's activation, optimizer and step as metadata strings: written, and read back with
//! the config's rules (which key applies to which choice, the ranges, burn's defaults for what a
//! file leaves out).

use std::collections::HashMap;

use anyhow::{Context, Result, bail};

use crate::config::{
    Activation, ActivationKind, Optimizer, OptimizerKeys, OptimizerKind, SETTINGS, SettingValue,
};

/// The keys this module reads and writes: the activation's, the optimizer with every setting
/// of the config's table, and the steps taken.
pub fn keys() -> Vec<&'static str> {
    let mut k = vec!["activation", "negative_slope", "optimizer"];
    k.extend(SETTINGS.iter().map(|s| s.key));
    k.push("step");
    k
}

/// A number as metadata: Rust's shortest round-trip form (`0.9`, `1e-5`).
fn number(v: f64) -> String {
    format!("{v}")
}

/// The metadata of an activation, an optimizer and the steps already taken: the optimizer's
/// keys that apply, as a config would give them.
pub fn to_metadata(a: Activation, o: Optimizer, steps: usize) -> Vec<(&'static str, String)> {
    let mut m = vec![("activation", a.name().to_owned())];
    if let Activation::LeakyRelu { negative_slope } = a {
        m.push(("negative_slope", number(negative_slope)));
    }
    m.push(("optimizer", o.kind().name().to_owned()));
    for (key, v) in o.values(false) {
        let text = match v {
            SettingValue::Number(x) => number(x),
            SettingValue::Bool(b) => b.to_string(),
        };
        m.push((key, text));
    }
    m.push(("step", steps.to_string()));
    m
}

/// The activation, optimizer and steps of a problem's metadata, read by the config's rules
/// (which key applies, the ranges, f32's limits). Missing: relu, plain SGD, step 0, and burn's
/// defaults for the optimizer's settings.
pub fn from_metadata(meta: &HashMap<String, String>) -> Result<(Activation, Optimizer, usize)> {
    let get = |k: &str| meta.get(k).map(String::as_str);
    let name = get("activation").context("metadata key `activation` is missing")?;
    let negative_slope = match get("negative_slope") {
        None => None,
        Some(text) => match text.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
            _ => bail!("metadata `negative_slope` = {text:?}: expected a number >= 0"),
        },
    };
    let activation = match ActivationKind::from_name(name) {
        Some(kind) => kind.with_slope(negative_slope),
        None => bail!(
            "activation `{name}`: expected one of {}",
            ActivationKind::NAMES.join(", ")
        ),
    };
    if get("negative_slope").is_some() && !matches!(activation, Activation::LeakyRelu { .. }) {
        bail!("metadata `negative_slope` applies to activation leaky_relu only");
    }
    let name = get("optimizer").unwrap_or("sgd");
    let Some(kind) = OptimizerKind::named(name) else {
        let names: Vec<&str> = crate::config::OPTIMIZERS.iter().map(|o| o.name).collect();
        bail!("optimizer `{name}`: expected one of {}", names.join(", "));
    };
    let mut keys = OptimizerKeys::default();
    for s in SETTINGS {
        let Some(text) = get(s.key) else {
            continue;
        };
        let value = match (s.range, text.trim()) {
            (None, "true") => SettingValue::Bool(true),
            (None, "false") => SettingValue::Bool(false),
            (None, _) => bail!("metadata `{}` = {text:?}: expected true or false", s.key),
            (Some(_), t) => match t.parse::<f64>() {
                Ok(v) => SettingValue::Number(v),
                Err(_) => bail!("metadata `{}` = {text:?}: expected a number", s.key),
            },
        };
        keys.set(s.key, value);
    }
    keys.check(kind)
        .map_err(|e| anyhow::anyhow!("metadata: {e}"))?;
    let optimizer = keys.resolve(kind);
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
