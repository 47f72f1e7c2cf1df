//! The problems: the edge cases first, each named, then problems drawn as the sweep draws its
//! runs; and problem files written and read (`problem-k.safetensors`).

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use ndarray::{Array1, Array2, Axis, array, s};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use super::Problem;
use crate::agreement::round_to;
use crate::config::Precision;
use crate::params::{LayerParams, Params, TensorFile, tensor_name};

/// Random problems keep the sweep's draw with widths, depth and batch capped, so that a hundred
/// problem files stay small and a slow CMD is still quick.
const MAX_WIDTH: usize = 64;
const MAX_DEPTH: usize = 4;
const MAX_ROWS: usize = 256;

/// The edge cases, in the order they come (problems 1 to 8).
pub const EDGE_CASES: [&str; 8] = [
    "batch-of-1",
    "relu-at-zero",
    "dead-unit",
    "large-logits",
    "no-hidden-layer",
    "ten-classes",
    "mean-count",
    "deep-f32",
];

/// The metadata keys a problem file may hold. A key beyond these (an `optimizer`, say) is a
/// problem this version cannot judge, so reading refuses it.
const METADATA_KEYS: [&str; 5] = ["case", "about", "learning_rate", "activation", "precision"];

/// Problems 1 to `count` of seed `seed`.
pub fn draw(count: usize, seed: u64) -> Result<Vec<Problem>> {
    (0..count).map(|k| problem(seed, k)).collect()
}

/// Problem `k` (0-based): an edge case while there are any, then a random one.
pub fn problem(seed: u64, k: usize) -> Result<Problem> {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(k as u64).to_le_bytes());
    key[16..24].copy_from_slice(b"mlp2d-ck");
    let mut rng = ChaCha8Rng::from_seed(key);
    match EDGE_CASES.get(k) {
        Some(case) => Ok(edge(case, &mut rng)),
        None => random(seed, k),
    }
}

/// A problem as the sweep's run `k` draws it before its activation and optimizer
/// ([`crate::sweep::base_problem`]): data kind, samples, noise, classes, depth, widths, batch,
/// learning rate, init and precision; the batch is the first rows of its training split.
fn random(seed: u64, k: usize) -> Result<Problem> {
    let mut config = crate::sweep::base_problem(seed, k, None);
    config.model.hidden.truncate(MAX_DEPTH);
    for w in &mut config.model.hidden {
        *w = (*w).min(MAX_WIDTH);
    }
    let prepared = crate::data::prepare(&config)?;
    let sizes = crate::data::layer_sizes(&config, &prepared);
    let params = Params::init(&sizes, config.model.init, config.seed);
    let rows = config
        .train
        .batch_size
        .clamp(1, MAX_ROWS)
        .min(prepared.train.x.nrows());
    let x = prepared.train.x.slice(s![..rows, ..]).to_owned();
    let y = prepared.train.y[..rows].to_vec();
    let about = format!(
        "{} data, drawn as sweep run {k} of seed {seed}",
        config.data.kind.name()
    );
    Ok(make(
        "random",
        about,
        x,
        y,
        params,
        config.train.learning_rate,
        config.compare.precision,
    ))
}

/// Rounds everything to `precision`: the file holds exactly these values, and the reference is
/// computed from them.
fn make(
    case: &str,
    about: String,
    x: Array2<f64>,
    y: Vec<usize>,
    params: Params,
    learning_rate: f64,
    precision: Precision,
) -> Problem {
    Problem {
        case: case.to_owned(),
        about,
        x: x.mapv(|v| round_to(v, precision)),
        y,
        params: params.rounded(precision),
        learning_rate: round_to(learning_rate, precision),
        precision,
    }
}

fn normal(rng: &mut ChaCha8Rng, rows: usize, cols: usize, std: f64) -> Array2<f64> {
    Array2::from_shape_simple_fn((rows, cols), || {
        std * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, rng)
    })
}

/// Columns to mean 0 and standard deviation 1, as the harness normalises x.
fn zscored(mut x: Array2<f64>) -> Array2<f64> {
    if x.nrows() > 1 {
        let mean = x.mean_axis(Axis(0)).expect("rows");
        let std = x
            .std_axis(Axis(0), 0.0)
            .mapv(|s| if s > 0.0 { s } else { 1.0 });
        x = (x - &mean) / &std;
    }
    x
}

/// He-initialised weights, biases 0.1.
fn he(rng: &mut ChaCha8Rng, sizes: &[usize]) -> Params {
    Params {
        layers: sizes
            .windows(2)
            .map(|w| LayerParams {
                weight: normal(rng, w[0], w[1], (2.0 / w[0] as f64).sqrt()),
                bias: Array1::from_elem(w[1], 0.1),
            })
            .collect(),
    }
}

/// A batch of `rows` normalised points in 2D with random labels among `classes`, and a
/// He-initialised net of layer sizes `sizes`.
fn start(rng: &mut ChaCha8Rng, rows: usize, sizes: &[usize]) -> (Array2<f64>, Vec<usize>, Params) {
    let x = zscored(normal(rng, rows, sizes[0], 1.0));
    let classes = *sizes.last().expect("sizes");
    let y = (0..rows).map(|_| rng.gen_range(0..classes)).collect();
    (x, y, he(rng, sizes))
}

fn edge(case: &str, rng: &mut ChaCha8Rng) -> Problem {
    use Precision::{F32, F64};
    match case {
        "batch-of-1" => {
            let (x, y, p) = start(rng, 1, &[2, 8, 3]);
            let about = "one row: every tensor has a leading 1, the mean is over 1".to_owned();
            make(case, about, x, y, p, 0.1, F64)
        }
        "relu-at-zero" => {
            let (mut x, y, mut p) = start(rng, 6, &[2, 4, 3]);
            // 0.5·0.5 + 1·(−0.25) + 0 is exactly 0 in any order and precision.
            x.row_mut(0).assign(&array![0.5, 1.0]);
            let l = &mut p.layers[0];
            l.weight.column_mut(0).assign(&array![0.5, -0.25]);
            l.bias[0] = 0.0;
            l.weight.column_mut(1).fill(0.0);
            l.bias[1] = 0.0;
            let about = "pre-activations exactly 0 (unit 0 on row 0, unit 1 on every row): ReLU′(0) taken as 0 or as 1 both pass".to_owned();
            make(case, about, x, y, p, 0.1, F64)
        }
        "dead-unit" => {
            let (x, y, mut p) = start(rng, 16, &[2, 6, 6, 3]);
            let l = &mut p.layers[0];
            l.weight.column_mut(2).mapv_inplace(|w| 0.05 * w);
            l.bias[2] = -20.0;
            let about =
                "unit 2 of layer 0 is off on every row (bias −20): its gradients are exactly 0"
                    .to_owned();
            make(case, about, x, y, p, 0.05, F32)
        }
        "large-logits" => {
            let (x, y, mut p) = start(rng, 8, &[2, 8, 4]);
            let h = (x.dot(&p.layers[0].weight) + &p.layers[0].bias).mapv(|v| v.max(0.0));
            let z = h.dot(&p.layers[1].weight) + &p.layers[1].bias;
            let top = z.iter().fold(0.0f64, |a, &b| a.max(b.abs())).max(1e-3);
            let l = &mut p.layers[1];
            l.weight.mapv_inplace(|w| w * 1000.0 / top);
            l.bias.mapv_inplace(|b| b * 1000.0 / top);
            let about =
                "logits around ±1000: exp overflows unless each row's max is subtracted first"
                    .to_owned();
            make(case, about, x, y, p, 0.001, F64)
        }
        "no-hidden-layer" => {
            let (x, y, p) = start(rng, 20, &[2, 3]);
            let about = "one linear layer (softmax regression): no activation at all".to_owned();
            make(case, about, x, y, p, 0.05, F32)
        }
        "ten-classes" => {
            let (x, y, p) = start(rng, 40, &[2, 16, 10]);
            // λ apart from 1/K and 1/n, so that each factor names one mistake.
            make(case, "10 classes".to_owned(), x, y, p, 0.03, F64)
        }
        "mean-count" => {
            let (x, y, p) = start(rng, 13, &[2, 5, 3]);
            let about =
                "13 rows, 3 classes, 5 units: a mean over any count but 13 shows".to_owned();
            make(case, about, x, y, p, 0.1, F64)
        }
        "deep-f32" => {
            let (x, y, p) = start(rng, 32, &[2, 16, 16, 16, 4]);
            let about =
                "three hidden layers in f32: one wrong layer among right ones shows".to_owned();
            make(case, about, x, y, p, 0.02, F32)
        }
        other => unreachable!("no edge case {other}"),
    }
}

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
        ("activation", "relu".to_owned()),
        ("precision", p.precision.name().to_owned()),
    ]
    .into_iter()
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
    if let Some(k) = keys.iter().find(|k| !METADATA_KEYS.contains(&k.as_str())) {
        bail!(
            "metadata key `{k}` is not one this version knows ({}): a problem for another mlp2d?",
            METADATA_KEYS.join(", ")
        );
    }
    let get = |k: &str| {
        meta.get(k)
            .map(String::as_str)
            .with_context(|| format!("metadata key `{k}` is missing"))
    };
    if get("activation")? != "relu" {
        bail!(
            "activation `{}`: this version judges relu only",
            get("activation")?
        );
    }
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
    Ok(Problem {
        case: get("case").unwrap_or("?").to_owned(),
        about: get("about").unwrap_or("").to_owned(),
        x: Array2::from_shape_vec((n, d), x)?,
        y,
        params,
        learning_rate: round_to(learning_rate, precision),
        precision,
    })
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
