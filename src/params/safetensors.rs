//! Parameters to and from safetensors files: each tensor under its name, in the run's dtype.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use ndarray::{Array1, Array2};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use super::{LayerParams, Params, tensor_name};
use crate::config::Precision;

impl Params {
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
        let file = TensorFile::parse(bytes)?;
        let read = |name: String, shape: &[usize]| -> Result<Vec<f64>> {
            let (held_shape, values) = file.get(&name)?.with_context(|| {
                format!(
                    "tensor `{name}` is missing (expected shape {shape:?} for layer sizes {sizes:?}; the file holds {})",
                    name_list(&file.names())
                )
            })?;
            if held_shape != shape {
                bail!(
                    "tensor `{name}` has shape {held_shape:?}, expected {shape:?} for layer sizes {sizes:?}"
                );
            }
            Ok(values)
        };
        // A layer beyond the network's means the file is for a deeper net: say so rather than
        // silently train a prefix of it.
        let n_layers = sizes.len().saturating_sub(1);
        let extra: Vec<&str> = file
            .names()
            .into_iter()
            .filter(|n| {
                n.strip_prefix("layers.")
                    .and_then(|rest| rest.split('.').next())
                    .and_then(|i| i.parse::<usize>().ok())
                    .is_some_and(|i| i >= n_layers)
            })
            .collect();
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

/// A safetensors file's tensors, each read as f64 values and checked (F32 or F64, finite) when
/// asked for: what parameter files and gradient files share.
pub struct TensorFile<'a> {
    tensors: HashMap<String, TensorView<'a>>,
}

impl<'a> TensorFile<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let file = SafeTensors::deserialize(bytes)
            .map_err(|e| anyhow::anyhow!("not a safetensors file ({e})"))?;
        Ok(TensorFile {
            tensors: file.tensors().into_iter().collect(),
        })
    }

    /// Every tensor's name, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.tensors.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// The dtype of `name`, if the file holds it.
    pub fn dtype(&self, name: &str) -> Option<Dtype> {
        self.tensors.get(name).map(|v| v.dtype())
    }

    /// The shape and values of `name` widened to f64; None when the file does not hold it.
    pub fn get(&self, name: &str) -> Result<Option<(Vec<usize>, Vec<f64>)>> {
        let Some(view) = self.tensors.get(name) else {
            return Ok(None);
        };
        let values = decode_floats(view.dtype(), view.data()).ok_or_else(|| {
            anyhow::anyhow!(
                "tensor `{name}` has dtype {:?}, expected F32 or F64",
                view.dtype()
            )
        })?;
        if values.iter().any(|v| !v.is_finite()) {
            bail!("tensor `{name}` holds NaN or infinite values");
        }
        Ok(Some((view.shape().to_vec(), values)))
    }
}

/// `` `a`, `b`, `c` `` for messages, cut short after a few names.
pub fn name_list(names: &[&str]) -> String {
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
    decode_floats(view.dtype(), view.data()).with_context(|| {
        format!(
            "tensor `{name}` has dtype {:?}, expected F32 or F64",
            view.dtype()
        )
    })
}

/// The values of an F32 or F64 tensor widened to f64 (NaN kept); None for any other dtype.
pub fn decode_floats(dtype: Dtype, data: &[u8]) -> Option<Vec<f64>> {
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
