//! Problem files (`problem-k.safetensors`) written and read: `x`, `y`, the parameters, the
//! optimizer's state before the step, and the metadata. Reading refuses what this version
//! cannot judge, and what `check` itself never writes: a file over the size limit or not a
//! regular file, no rows, a precision tag its tensors contradict, sizes beyond the limits,
//! values that could overflow.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use ndarray::{Array1, Array2};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use super::Problem;
use super::bounded::{READ_DEADLINE, read_regular};
use super::limits::ProblemLimits;
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
            crate::check::factors::number_text(p.learning_rate),
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

/// The largest magnitude of any value in a problem and in its forward and backward pass: check
/// draws well within it (logits reach 1000 in `large-logits`), and nothing within it overflows
/// f32 on the way through the step.
pub const VALUE_LIMIT: f64 = 1e6;

/// Reads the problem file at `path` (`check --answers`): a regular file within the limits'
/// size, then [`from_safetensors_within`].
pub fn read_problem(path: &Path, limits: &ProblemLimits) -> Result<Problem> {
    let bytes = read_regular(path, limits.file_bytes(), READ_DEADLINE)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    from_safetensors_within(&bytes, limits)
}

/// Reads a problem file back within the default limits.
pub fn from_safetensors(bytes: &[u8]) -> Result<Problem> {
    from_safetensors_within(bytes, &ProblemLimits::default())
}

/// Reads a problem file back: refuses what this version cannot judge and what check never
/// writes.
pub fn from_safetensors_within(bytes: &[u8], limits: &ProblemLimits) -> Result<Problem> {
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|e| anyhow::anyhow!("not a safetensors file ({e:?})"))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let mut keys: Vec<&String> = meta.keys().collect();
    keys.sort();
    let known = |k: &str| METADATA_KEYS.contains(&k) || super::settings::keys().contains(&k);
    if let Some(k) = keys.iter().find(|k| !known(k.as_str())) {
        bail!(
            "metadata key `{k}` is not one this version knows ({}, {}): a problem for another mlp2d?",
            METADATA_KEYS.join(", "),
            super::settings::keys().join(", ")
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
    if !(learning_rate > 0.0 && learning_rate <= VALUE_LIMIT) {
        bail!(
            "learning_rate {learning_rate}: check writes a number above 0, at most {VALUE_LIMIT:e}"
        );
    }
    if optimizer.buffers().len() == 2 && steps >= i32::MAX as usize {
        bail!(
            "step {steps}: burn counts {}'s steps t = step + 1 in an i32, so step is at most {}",
            optimizer.name(),
            i32::MAX - 1
        );
    }
    let dtype = match precision {
        Precision::F32 => Dtype::F32,
        Precision::F64 => Dtype::F64,
    };
    let mut infos: Vec<(String, &safetensors::tensor::TensorInfo)> =
        header.tensors().into_iter().collect();
    infos.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some((name, info)) = infos
        .iter()
        .find(|(n, i)| n.as_str() != "y" && i.dtype != dtype)
    {
        bail!(
            "tensor `{name}` is {:?} but the precision tag says {}: check writes every float tensor in the problem's precision",
            info.dtype,
            precision.name()
        );
    }
    let file = TensorFile::parse(bytes)?;
    let (shape, x) = file.get("x")?.context("tensor `x` is missing")?;
    let [n, d] = shape[..] else {
        bail!("tensor `x` has shape {shape:?}, expected [n, d]");
    };
    if n == 0 || d == 0 {
        bail!("tensor `x` has shape {shape:?}: check never writes an empty batch");
    }
    if n > limits.rows {
        bail!(
            "tensor `x` has {n} rows, over the limit of {} (check draws at most {}; --max-problem raises it)",
            limits.rows,
            ProblemLimits::default().rows
        );
    }
    let sizes = layer_sizes(&file, d, limits)?;
    let params = Params::from_safetensors(bytes, &sizes)?;
    let y = read_labels(bytes, n, sizes[sizes.len() - 1])?;
    let state = read_state(&file, &sizes, optimizer, steps)?;
    let x = Array2::from_shape_vec((n, d), x)?;
    within_range(&x, &y, &params, &state, activation)?;
    Ok(Problem {
        case: get("case").unwrap_or("?").to_owned(),
        about: get("about").unwrap_or("").to_owned(),
        x,
        y,
        params,
        learning_rate: round_to(learning_rate, precision),
        precision,
        activation,
        optimizer,
        state,
    })
}

/// Layer sizes `[d, …, K]` from the weights' shapes, each within the limits.
fn layer_sizes(file: &TensorFile, d: usize, limits: &ProblemLimits) -> Result<Vec<usize>> {
    let mut sizes = vec![d];
    while let Some((shape, _)) = file.get(&tensor_name(sizes.len() - 1, false))? {
        if sizes.len() > limits.layers {
            bail!(
                "the net has more than {} layers, over the limit (check draws at most {}; --max-problem raises it)",
                limits.layers,
                ProblemLimits::default().layers
            );
        }
        sizes.push(*shape.last().context("a weight has two dimensions")?);
    }
    if sizes.len() < 2 {
        bail!("tensor `layers.0.weight` is missing");
    }
    if let Some(&w) = sizes.iter().find(|&&w| w == 0 || w > limits.width) {
        bail!(
            "the net {sizes:?} has a layer of width {w}: check draws widths 1 to {} (--max-problem raises the limit of {})",
            ProblemLimits::default().width,
            limits.width
        );
    }
    Ok(sizes)
}

/// Every value of the problem, and of its forward and backward pass, finite and within
/// [`VALUE_LIMIT`]: what check draws, and what no step overflows from.
fn within_range(
    x: &Array2<f64>,
    y: &[usize],
    params: &Params,
    state: &OptimizerState,
    activation: crate::config::Activation,
) -> Result<()> {
    let check = |what: &str, values: &mut dyn Iterator<Item = &f64>| -> Result<()> {
        let worst = values.fold(
            0.0f64,
            |m, v| if v.is_nan() { f64::NAN } else { m.max(v.abs()) },
        );
        if worst.is_nan() || worst > VALUE_LIMIT {
            bail!(
                "{what} reaches {worst:e}: check's problems stay within ±{VALUE_LIMIT:e}, so that no tensor of the step overflows"
            );
        }
        Ok(())
    };
    let layers = |p: &Params| -> Vec<f64> {
        p.layers
            .iter()
            .flat_map(|l| l.weight.iter().chain(l.bias.iter()).copied())
            .collect()
    };
    check("x", &mut x.iter())?;
    check("a parameter", &mut layers(params).iter())?;
    for (name, buffer) in &state.buffers {
        check(&format!("state `{name}`"), &mut layers(buffer).iter())?;
    }
    let pass = crate::exact::pass(params, (x, y), activation, None);
    for h in &pass.forward.inputs[1..] {
        check("a hidden layer's output", &mut h.iter())?;
    }
    check("a logit", &mut pass.forward.logits().iter())?;
    check("a gradient", &mut layers(&pass.grads).iter())
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
