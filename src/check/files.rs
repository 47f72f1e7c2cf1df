//! Problem files (`problem-k.safetensors`) written and read: `x`, `y`, the parameters, the
//! optimizer's state before the step, and the metadata; reading refuses what this version
//! cannot judge.

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use ndarray::{Array1, Array2};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use super::Problem;
use crate::agreement::round_to;
use crate::config::{Optimizer, Precision};
use crate::params::{LayerParams, OptimizerState, Params, TensorFile, tensor_name};

/// The metadata keys a problem file may hold: these and settings.rs's. A key beyond them is a
/// problem this version cannot judge, so reading refuses it.
const METADATA_KEYS: [&str; 4] = ["case", "about", "learning_rate", "precision"];

fn encode(values: impl Iterator<Item = f64>, precision: Precision) -> Vec<u8> {
    match precision {
        Precision::F32 => values.flat_map(|v| (v as f32).to_le_bytes()).collect(),
        Precision::F64 => values.flat_map(|v| v.to_le_bytes()).collect(),
    }
}

/// The problem file: `x`, `y` (int64), `layers.{i}.weight|bias`, and the metadata.
pub fn to_safetensors(p: &Problem) -> Result<Vec<u8>> {
    let dtype = match p.precision {
        Precision::F32 => Dtype::F32,
        Precision::F64 => Dtype::F64,
    };
    let mut data: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = vec![
        (
            "x".to_owned(),
            dtype,
            p.x.shape().to_vec(),
            encode(p.x.iter().copied(), p.precision),
        ),
        (
            "y".to_owned(),
            Dtype::I64,
            vec![p.y.len()],
            p.y.iter().flat_map(|&c| (c as i64).to_le_bytes()).collect(),
        ),
    ];
    for (i, l) in p.params.layers.iter().enumerate() {
        let w = encode(l.weight.iter().copied(), p.precision);
        data.push((tensor_name(i, false), dtype, l.weight.shape().to_vec(), w));
        let b = encode(l.bias.iter().copied(), p.precision);
        data.push((tensor_name(i, true), dtype, vec![l.bias.len()], b));
    }
    for t in p.state.tensors(p.precision) {
        let bytes = encode(t.values.iter().copied(), p.precision);
        data.push((format!("state.{}", t.name), dtype, t.shape, bytes));
    }
    let views = data
        .iter()
        .map(|(name, dtype, shape, bytes)| {
            TensorView::new(*dtype, shape.clone(), bytes).map(|v| (name.clone(), v))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let metadata: HashMap<String, String> = [
        ("case", p.case.clone()),
        ("about", p.about.clone()),
        (
            "learning_rate",
            crate::grads::mistakes::number_text(p.learning_rate),
        ),
        ("precision", p.precision.name().to_owned()),
    ]
    .into_iter()
    .chain(super::settings::to_metadata(
        p.activation,
        p.optimizer,
        p.state.steps,
    ))
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Ok(safetensors::serialize(views, &Some(metadata))?)
}

/// Reads a problem file back (`check --answers`): refuses what this version cannot judge.
pub fn from_safetensors(bytes: &[u8]) -> Result<Problem> {
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|e| anyhow::anyhow!("not a safetensors file ({e:?})"))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let mut keys: Vec<&String> = meta.keys().collect();
    keys.sort();
    let known = |k: &str| METADATA_KEYS.contains(&k) || super::settings::KEYS.contains(&k);
    if let Some(k) = keys.iter().find(|k| !known(k.as_str())) {
        bail!(
            "metadata key `{k}` is not one this version knows ({}, {}): a problem for another mlp2d?",
            METADATA_KEYS.join(", "),
            super::settings::KEYS.join(", ")
        );
    }
    let get = |k: &str| {
        meta.get(k)
            .map(String::as_str)
            .with_context(|| format!("metadata key `{k}` is missing"))
    };
    let (activation, optimizer, steps) = super::settings::from_metadata(&meta)?;
    let precision = match get("precision")? {
        "f32" => Precision::F32,
        "f64" => Precision::F64,
        other => bail!("precision `{other}`: expected f32 or f64"),
    };
    let learning_rate: f64 = get("learning_rate")?
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .context("learning_rate is not a number")?;
    let file = TensorFile::parse(bytes)?;
    let (shape, x) = file.get("x")?.context("tensor `x` is missing")?;
    let [n, d] = shape[..] else {
        bail!("tensor `x` has shape {shape:?}, expected [n, d]");
    };
    let mut sizes = vec![d];
    while let Some((shape, _)) = file.get(&tensor_name(sizes.len() - 1, false))? {
        sizes.push(*shape.last().context("a weight has two dimensions")?);
    }
    if sizes.len() < 2 {
        bail!("tensor `layers.0.weight` is missing");
    }
    let params = Params::from_safetensors(bytes, &sizes)?;
    let y = read_labels(bytes, n, sizes[sizes.len() - 1])?;
    let state = read_state(&file, &sizes, optimizer, steps)?;
    Ok(Problem {
        case: get("case").unwrap_or("?").to_owned(),
        about: get("about").unwrap_or("").to_owned(),
        x: Array2::from_shape_vec((n, d), x)?,
        y,
        params,
        learning_rate: round_to(learning_rate, precision),
        precision,
        activation,
        optimizer,
        state,
    })
}

/// The optimizer's state before the step: `state.{buffer}.layers.{i}.weight|bias` for each of
/// its buffers once it has stepped (`step` > 0), none before its first step.
fn read_state(
    file: &TensorFile,
    sizes: &[usize],
    optimizer: Optimizer,
    steps: usize,
) -> Result<OptimizerState> {
    let names = optimizer.buffers();
    let stray: Vec<&str> = file
        .names()
        .into_iter()
        .filter(|n| {
            n.strip_prefix("state.").is_some_and(|rest| {
                steps == 0 || !names.iter().any(|b| rest.starts_with(&format!("{b}.")))
            })
        })
        .collect();
    if let Some(first) = stray.first() {
        bail!(
            "tensor `{first}` is no state of {} at step {steps} (its state: {})",
            optimizer.name(),
            if steps == 0 || names.is_empty() {
                "none".to_owned()
            } else {
                names
                    .iter()
                    .map(|b| format!("state.{b}.*"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
    }
    if steps == 0 {
        return Ok(OptimizerState::default());
    }
    let mut buffers = Vec::new();
    for b in names {
        let mut layers = Vec::new();
        for (i, w) in sizes.windows(2).enumerate() {
            let read = |bias: bool, shape: Vec<usize>| -> Result<Vec<f64>> {
                let name = format!("state.{b}.{}", tensor_name(i, bias));
                let (held, v) = file.get(&name)?.with_context(|| {
                    format!(
                        "tensor `{name}` is missing: {} keeps `{b}` once it has stepped (step = {steps})",
                        optimizer.name()
                    )
                })?;
                if held != shape {
                    bail!("tensor `{name}` has shape {held:?}, expected {shape:?}");
                }
                Ok(v)
            };
            let weight = read(false, vec![w[0], w[1]])?;
            let bias = read(true, vec![w[1]])?;
            layers.push(LayerParams {
                weight: Array2::from_shape_vec((w[0], w[1]), weight)?,
                bias: Array1::from_vec(bias),
            });
        }
        buffers.push(((*b).to_owned(), Params { layers }));
    }
    Ok(OptimizerState { steps, buffers })
}

fn read_labels(bytes: &[u8], rows: usize, classes: usize) -> Result<Vec<usize>> {
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| anyhow::anyhow!("not a safetensors file ({e:?})"))?;
    let view = file
        .tensor("y")
        .map_err(|_| anyhow::anyhow!("tensor `y` is missing"))?;
    if view.dtype() != Dtype::I64 || view.shape() != [rows] {
        bail!(
            "tensor `y` is {:?} {:?}, expected I64 [{rows}]",
            view.dtype(),
            view.shape()
        );
    }
    view.data()
        .chunks_exact(8)
        .map(|c| {
            let v = i64::from_le_bytes(c.try_into().expect("chunk of 8"));
            usize::try_from(v)
                .ok()
                .filter(|&c| c < classes)
                .with_context(|| format!("label {v} in `y` is not a class in 0..{classes}"))
        })
        .collect()
}
