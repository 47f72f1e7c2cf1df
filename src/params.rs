//! Plain parameter (and gradient) values: the only thing the two twins exchange, through the
//! harness. Always held in f64 (an f32 value converts exactly); files use the run's dtype.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use ndarray::{Array1, Array2};
use rand_distr::{Distribution, Normal};
use safetensors::{Dtype, SafeTensors};

use crate::config::{Config, Init, Precision};
use crate::rng::{Stream, rng};

/// One layer `f(x) = x·W + b`: `weight` is `[c_in, c_out]`, `bias` is `[c_out]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerParams {
    pub weight: Array2<f64>,
    pub bias: Array1<f64>,
}

/// All layers in order. Gradients use the same type: one value per parameter entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub layers: Vec<LayerParams>,
}

/// A shape for tables: `16×2`.
pub fn shape_text(shape: &[usize]) -> String {
    shape
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("×")
}

/// The name of a layer's weight or bias tensor in files and messages.
pub fn tensor_name(layer: usize, bias: bool) -> String {
    format!("layers.{layer}.{}", if bias { "bias" } else { "weight" })
}

impl Params {
    /// Draws the initial parameters for layer sizes `[c_0, c_1, …, c_n]` from the run's seed:
    /// `W ~ N(0, 1)` (or `N(0, 2/c_in)` for `He`) in row-major order layer by layer, `b = 0.1`.
    pub fn init(sizes: &[usize], init: Init, seed: u64) -> Params {
        let mut rng = rng(seed, Stream::Init);
        let layers = sizes
            .windows(2)
            .map(|w| {
                let (c_in, c_out) = (w[0], w[1]);
                let std = match init {
                    Init::Normal => 1.0,
                    Init::He => (2.0 / c_in as f64).sqrt(),
                };
                let normal = Normal::new(0.0, std).expect("std is positive and finite");
                LayerParams {
                    weight: Array2::from_shape_simple_fn((c_in, c_out), || normal.sample(&mut rng)),
                    bias: Array1::from_elem(c_out, 0.1),
                }
            })
            .collect();
        Params { layers }
    }

    /// Layer sizes `[c_0, …, c_n]`.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes: Vec<usize> = self.layers.iter().map(|l| l.weight.nrows()).collect();
        if let Some(last) = self.layers.last() {
            sizes.push(last.weight.ncols());
        }
        sizes
    }

    /// Every tensor with its name: `layers.{i}.weight`, `layers.{i}.bias`, in layer order.
    pub fn named(&self) -> Vec<(String, Vec<f64>)> {
        let mut out = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            out.push((tensor_name(i, false), l.weight.iter().copied().collect()));
            out.push((tensor_name(i, true), l.bias.to_vec()));
        }
        out
    }

    /// Rounds every value to the run's precision, so both twins start from identical values.
    pub fn rounded(&self, precision: Precision) -> Params {
        let round = |v: f64| match precision {
            Precision::F32 => v as f32 as f64,
            Precision::F64 => v,
        };
        Params {
            layers: self
                .layers
                .iter()
                .map(|l| LayerParams {
                    weight: l.weight.mapv(round),
                    bias: l.bias.mapv(round),
                })
                .collect(),
        }
    }

    /// True when every value is finite.
    pub fn all_finite(&self) -> bool {
        self.layers
            .iter()
            .all(|l| l.weight.iter().chain(l.bias.iter()).all(|v| v.is_finite()))
    }

    /// Every tensor under its name ([`tensor_name`]) behind `prefix`, stored in `precision`.
    pub fn tensors(&self, prefix: &str, precision: Precision) -> Vec<Tensor> {
        self.named()
            .into_iter()
            .zip(
                self.layers
                    .iter()
                    .flat_map(|l| [l.weight.shape().to_vec(), l.bias.shape().to_vec()]),
            )
            .map(|((name, values), shape)| Tensor {
                name: format!("{prefix}{name}"),
                shape,
                values,
                precision,
            })
            .collect()
    }

    /// The safetensors bytes: names as in [`tensor_name`], dtype of `precision`, row-major.
    pub fn to_safetensors(&self, precision: Precision) -> Result<Vec<u8>> {
        tensors_to_safetensors(&self.tensors("", precision))
    }

    /// Reads a parameter file (f32 or f64, as written by this tool, numpy, PyTorch or JAX) and
    /// checks it against the network's layer sizes.
    pub fn load(path: &Path, sizes: &[usize]) -> Result<Params> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read parameter file {}", path.display()))?;
        Params::from_safetensors(&bytes, sizes)
            .with_context(|| format!("bad parameter file {}", path.display()))
    }

    pub fn from_safetensors(bytes: &[u8], sizes: &[usize]) -> Result<Params> {
        let file = SafeTensors::deserialize(bytes)
            .map_err(|e| anyhow::anyhow!("not a safetensors file ({e})"))?;
        let tensors: HashMap<String, _> = file.tensors().into_iter().collect();
        let read = |name: String, shape: &[usize]| -> Result<Vec<f64>> {
            let view = tensors.get(&name).with_context(|| {
                let mut held: Vec<&str> = tensors.keys().map(String::as_str).collect();
                held.sort_unstable();
                format!(
                    "tensor `{name}` is missing (expected shape {shape:?} for layer sizes {sizes:?}; the file holds {})",
                    name_list(&held)
                )
            })?;
            if view.shape() != shape {
                bail!(
                    "tensor `{name}` has shape {:?}, expected {shape:?} for layer sizes {sizes:?}",
                    view.shape()
                );
            }
            let values = decode(view.dtype(), view.data()).ok_or_else(|| {
                anyhow::anyhow!(
                    "tensor `{name}` has dtype {:?}, expected F32 or F64",
                    view.dtype()
                )
            })?;
            if values.iter().any(|v| !v.is_finite()) {
                bail!("tensor `{name}` holds NaN or infinite values");
            }
            Ok(values)
        };
        // A layer beyond the network's means the file is for a deeper net: say so rather than
        // silently train a prefix of it.
        let n_layers = sizes.len().saturating_sub(1);
        let mut extra: Vec<&str> = tensors
            .keys()
            .map(String::as_str)
            .filter(|n| {
                n.strip_prefix("layers.")
                    .and_then(|rest| rest.split('.').next())
                    .and_then(|i| i.parse::<usize>().ok())
                    .is_some_and(|i| i >= n_layers)
            })
            .collect();
        extra.sort_unstable();
        if !extra.is_empty() {
            bail!(
                "it holds {} beyond the {n_layers} layers of layer sizes {sizes:?}: it is for a different network",
                name_list(&extra)
            );
        }
        let mut layers = Vec::new();
        for (i, w) in sizes.windows(2).enumerate() {
            let weight = read(tensor_name(i, false), &[w[0], w[1]])?;
            let bias = read(tensor_name(i, true), &[w[1]])?;
            layers.push(LayerParams {
                weight: Array2::from_shape_vec((w[0], w[1]), weight)?,
                bias: Array1::from_vec(bias),
            });
        }
        Ok(Params { layers })
    }
}

/// `` `a`, `b`, `c` `` for messages, cut short after a few names.
fn name_list(names: &[&str]) -> String {
    const SHOWN: usize = 8;
    if names.is_empty() {
        return "no tensors".to_owned();
    }
    let mut list: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if names.len() > SHOWN {
        list.push(format!("… ({} in all)", names.len()));
    }
    list.join(", ")
}

/// A named tensor on its way into a safetensors file.
#[derive(Debug, Clone)]
pub struct Tensor {
    pub name: String,
    pub shape: Vec<usize>,
    /// Row-major values.
    pub values: Vec<f64>,
    /// The dtype it is stored in.
    pub precision: Precision,
}

/// Serialises named tensors (each in its own dtype) into safetensors bytes.
pub fn tensors_to_safetensors(tensors: &[Tensor]) -> Result<Vec<u8>> {
    let encoded: Vec<(Dtype, Vec<u8>)> = tensors
        .iter()
        .map(|t| match t.precision {
            Precision::F32 => (
                Dtype::F32,
                t.values
                    .iter()
                    .flat_map(|&v| (v as f32).to_le_bytes())
                    .collect(),
            ),
            Precision::F64 => (
                Dtype::F64,
                t.values.iter().flat_map(|&v| v.to_le_bytes()).collect(),
            ),
        })
        .collect();
    let views = tensors
        .iter()
        .zip(&encoded)
        .map(|(t, (dtype, bytes))| {
            safetensors::tensor::TensorView::new(*dtype, t.shape.clone(), bytes)
                .map(|v| (t.name.clone(), v))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(safetensors::serialize(views, &None)?)
}

/// The values of the tensor `name` in safetensors `bytes`, widened to f64 (F32 or F64).
pub fn read_tensor(bytes: &[u8], name: &str) -> Result<Vec<f64>> {
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| anyhow::anyhow!("not a safetensors file ({e})"))?;
    let view = file
        .tensor(name)
        .map_err(|_| anyhow::anyhow!("tensor `{name}` is missing"))?;
    decode(view.dtype(), view.data()).with_context(|| {
        format!(
            "tensor `{name}` has dtype {:?}, expected F32 or F64",
            view.dtype()
        )
    })
}

/// The values of an F32 or F64 tensor; None for any other dtype.
pub(crate) fn decode(dtype: Dtype, data: &[u8]) -> Option<Vec<f64>> {
    Some(match dtype {
        Dtype::F32 => data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("chunk of 4")) as f64)
            .collect(),
        Dtype::F64 => data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("chunk of 8")))
            .collect(),
        _ => return None,
    })
}

/// Far above any toy net; the twins hold several copies of every parameter, so a typo of a few
/// extra digits in `hidden` would otherwise abort on allocation.
pub const MAX_PARAMETERS: usize = 10_000_000;

/// Initial parameters: from a file when given, else drawn from the seed.
pub fn initial_params(
    config: &Config,
    sizes: &[usize],
    init_file: Option<&Path>,
) -> Result<Params> {
    let count: u128 = sizes
        .windows(2)
        .map(|w| (w[0] as u128 + 1) * w[1] as u128)
        .sum();
    if count > MAX_PARAMETERS as u128 {
        let file = config
            .file
            .as_ref()
            .map(|f| format!("config file {}: ", f.display()))
            .unwrap_or_default();
        bail!(
            "{file}[model] hidden = {:?} makes a network of {count} parameters (layer sizes {sizes:?}), more than the {MAX_PARAMETERS} allowed",
            config.model.hidden
        );
    }
    let Some(path) = init_file else {
        return Ok(Params::init(sizes, config.model.init, config.seed));
    };
    let params = Params::load(path, sizes)?;
    // An f64 file may hold values beyond f32; found later, it would look like a divergence.
    let precision = config.compare.precision;
    let rounded = params.rounded(precision);
    if let Some((name, _)) = rounded
        .named()
        .into_iter()
        .find(|(_, v)| v.iter().any(|x| !x.is_finite()))
    {
        bail!(
            "bad parameter file {}: tensor `{name}` holds values beyond the {} range: use precision = \"f64\"",
            path.display(),
            precision.name()
        );
    }
    Ok(params)
}
