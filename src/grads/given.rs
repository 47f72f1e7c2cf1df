//! A gradient file from outside (`mlp2d grads --check G.safetensors`): read and checked against
//! the network's shapes.

use std::path::Path;

use anyhow::{Context, Result, bail};
use ndarray::{Array1, Array2};
use safetensors::Dtype;

use crate::config::Precision;
use crate::params::{LayerParams, Params, TensorFile, name_list, tensor_name};

/// Gradients from a file: `layers.{i}.weight`, `layers.{i}.bias` and optionally `loss`.
#[derive(Debug, Clone)]
pub struct Given {
    pub loss: Option<f64>,
    pub grads: Params,
    /// Weight tensors stored as `[c_out, c_in]` (read transposed back; a mistake in itself).
    pub transposed: Vec<usize>,
    /// The coarsest dtype in the file.
    pub precision: Precision,
}

impl Given {
    /// The gradients as an answer to `mlp2d check` (`loss`, `grad.layers.{i}.weight|bias`),
    /// each weight in the shape the file holds it.
    pub fn answer(&self) -> crate::check::answer::Answer {
        use crate::check::answer::Given as Tensor;
        let tensor = |shape: Vec<usize>, values: Vec<f64>| Tensor {
            shape,
            values,
            precision: self.precision,
        };
        let mut tensors = std::collections::HashMap::new();
        if let Some(loss) = self.loss {
            tensors.insert("loss".to_owned(), tensor(vec![1], vec![loss]));
        }
        for (i, l) in self.grads.layers.iter().enumerate() {
            let w = if self.transposed.contains(&i) {
                l.weight.t()
            } else {
                l.weight.view()
            };
            let name = |bias| format!("grad.{}", tensor_name(i, bias));
            tensors.insert(
                name(false),
                tensor(w.shape().to_vec(), w.iter().copied().collect()),
            );
            tensors.insert(name(true), tensor(vec![l.bias.len()], l.bias.to_vec()));
        }
        crate::check::answer::Answer { tensors }
    }
}

/// Reads a gradient file for a network of layer sizes `sizes`.
pub fn load(path: &Path, sizes: &[usize]) -> Result<Given> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read gradient file {}", path.display()))?;
    parse(&bytes, sizes).with_context(|| format!("bad gradient file {}", path.display()))
}

fn parse(bytes: &[u8], sizes: &[usize]) -> Result<Given> {
    let file = TensorFile::parse(bytes)?;
    let mut expected = vec!["loss".to_owned()];
    for i in 0..sizes.len().saturating_sub(1) {
        expected.extend([tensor_name(i, false), tensor_name(i, true)]);
    }
    let unexpected: Vec<&str> = file
        .names()
        .into_iter()
        .filter(|n| !expected.iter().any(|e| e == n))
        .collect();
    if !unexpected.is_empty() {
        bail!(
            "it holds {}, which a network of layer sizes {sizes:?} has no gradient for (expected {})",
            name_list(&unexpected),
            name_list(&expected.iter().map(String::as_str).collect::<Vec<_>>())
        );
    }
    let precision = if expected.iter().any(|n| file.dtype(n) == Some(Dtype::F32)) {
        Precision::F32
    } else {
        Precision::F64
    };
    let values = |name: &str| file.get(name);
    let loss = match values("loss")? {
        None => None,
        Some((shape, v)) if v.len() == 1 && shape.len() <= 1 => Some(v[0]),
        Some((shape, _)) => bail!("tensor `loss` has shape {shape:?}, expected [] or [1]"),
    };
    let mut layers = Vec::new();
    let mut transposed = Vec::new();
    for (i, w) in sizes.windows(2).enumerate() {
        let (c_in, c_out) = (w[0], w[1]);
        let name = tensor_name(i, false);
        let (shape, v) = values(&name)?.with_context(|| {
            format!("tensor `{name}` is missing (the gradient of a [{c_in}, {c_out}] weight)")
        })?;
        let weight = if shape == [c_in, c_out] {
            Array2::from_shape_vec((c_in, c_out), v)?
        } else if shape == [c_out, c_in] {
            transposed.push(i);
            Array2::from_shape_vec((c_out, c_in), v)?.reversed_axes()
        } else {
            bail!(
                "tensor `{name}` has shape {shape:?}, expected [{c_in}, {c_out}] for layer sizes {sizes:?}"
            );
        };
        let name = tensor_name(i, true);
        let (shape, v) = values(&name)?
            .with_context(|| format!("tensor `{name}` is missing (shape [{c_out}])"))?;
        if shape != [c_out] {
            bail!("tensor `{name}` has shape {shape:?}, expected [{c_out}]");
        }
        layers.push(LayerParams {
            weight: weight.as_standard_layout().into_owned(),
            bias: Array1::from_vec(v),
        });
    }
    Ok(Given {
        loss,
        grads: Params { layers },
        transposed,
        precision,
    })
}
