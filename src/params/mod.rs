//! Plain parameter (and gradient) values: the only thing the two twins exchange, through the
//! harness. Always held in f64 (an f32 value converts exactly); files use the run's dtype.

use std::path::Path;

use anyhow::{Result, bail};
use ndarray::{Array1, Array2};
use rand_distr::{Distribution, Normal};

mod optimizer_state;
mod safetensors;
pub use self::optimizer_state::OptimizerState;
pub use self::safetensors::{
    Tensor, TensorFile, decode_floats, name_list, read_tensor, tensors_to_safetensors,
};

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
        Params::init_from(sizes, init, &mut rng(seed, Stream::Init))
    }

    /// [`Params::init`] drawn from `rng` (check's problems draw their nets from their own).
    pub fn init_from(sizes: &[usize], init: Init, rng: &mut impl rand::Rng) -> Params {
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
                    weight: Array2::from_shape_simple_fn((c_in, c_out), || normal.sample(rng)),
                    bias: Array1::from_elem(c_out, 0.1),
                }
            })
            .collect();
        Params { layers }
    }

    /// Layer sizes `[c_0, …, c_n]`.
    pub fn sizes(&self) -> Vec<usize> {
        sizes_of(self.layers.iter().map(|l| l.weight.dim()))
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
}

/// Layer sizes `[c_0, …, c_n]` of a net whose weights have these shapes `[c_in, c_out]`.
pub fn sizes_of(weights: impl IntoIterator<Item = (usize, usize)>) -> Vec<usize> {
    let mut sizes = Vec::new();
    for (c_in, c_out) in weights {
        if sizes.is_empty() {
            sizes.push(c_in);
        }
        sizes.push(c_out);
    }
    sizes
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
