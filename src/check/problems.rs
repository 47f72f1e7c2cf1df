//! The problems: the edge cases first, each named, then problems drawn as the sweep draws its
//! runs (their files: files.rs).

pub use super::files::{from_safetensors, to_safetensors};

use anyhow::Result;
use ndarray::{Array1, Array2, Axis, array, s};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::Problem;
use super::scope::{OptimizerChoice, Scope};
use crate::agreement::round_to;
use crate::config::{
    Activation, ActivationKind, AdaGradSettings, AdamSettings, Optimizer, Precision,
    RmsPropSettings, SgdSettings,
};
use crate::params::{LayerParams, OptimizerState, Params};

/// Random problems keep the sweep's draw with widths, depth and batch capped, so that a hundred
/// problem files stay small and a slow CMD is still quick.
const MAX_WIDTH: usize = 64;
const MAX_DEPTH: usize = 4;
const MAX_ROWS: usize = 256;

/// The edge cases, in the order they come (problems 1 to 18): ReLU and plain SGD first, then
/// the other activations and optimizers.
pub const EDGE_CASES: [&str; 18] = [
    "batch-of-1",
    "relu-at-zero",
    "dead-unit",
    "large-logits",
    "no-hidden-layer",
    "ten-classes",
    "mean-count",
    "deep-f32",
    "tanh",
    "sigmoid-f32",
    "leaky-at-zero",
    "adam-later-step",
    "nesterov-momentum",
    "adamw-decay-f32",
    "adam-first-step-f32",
    "momentum-dampening-decay",
    "adagrad-decay-f32",
    "rmsprop-centered-momentum",
];

/// What each edge case asks for, so that a scope can choose without drawing it.
pub fn edge_scope(case: &str) -> (ActivationKind, OptimizerChoice, Precision) {
    use ActivationKind::{LeakyRelu, Relu, Sigmoid, Tanh};
    use OptimizerChoice::{AdaGrad, Adam, AdamW, Momentum, Nesterov, RmsProp, Sgd};
    use Precision::{F32, F64};
    match case {
        "dead-unit" | "no-hidden-layer" | "deep-f32" => (Relu, Sgd, F32),
        "tanh" => (Tanh, Sgd, F64),
        "sigmoid-f32" => (Sigmoid, Sgd, F32),
        "leaky-at-zero" => (LeakyRelu, Sgd, F64),
        "adam-later-step" => (Relu, Adam, F64),
        "nesterov-momentum" => (LeakyRelu, Nesterov, F64),
        "adamw-decay-f32" => (Sigmoid, AdamW, F32),
        "adam-first-step-f32" => (Tanh, Adam, F32),
        "momentum-dampening-decay" => (Relu, Momentum, F64),
        "adagrad-decay-f32" => (Relu, AdaGrad, F32),
        "rmsprop-centered-momentum" => (Tanh, RmsProp, F64),
        "batch-of-1" | "relu-at-zero" | "large-logits" | "ten-classes" | "mean-count" => {
            (Relu, Sgd, F64)
        }
        other => unreachable!("no edge case {other}"),
    }
}

/// The edge cases in `scope`, in order.
pub fn edge_cases(scope: &Scope) -> Vec<&'static str> {
    EDGE_CASES
        .into_iter()
        .filter(|c| {
            let (a, o, p) = edge_scope(c);
            scope.admits(a, o, p)
        })
        .collect()
}

/// Problems 1 to `count` of seed `seed`.
pub fn draw(count: usize, seed: u64) -> Result<Vec<Problem>> {
    draw_in(count, seed, &Scope::default())
}

/// Problems 1 to `count` of seed `seed` within `scope`.
pub fn draw_in(count: usize, seed: u64, scope: &Scope) -> Result<Vec<Problem>> {
    (0..count).map(|k| problem_in(seed, k, scope)).collect()
}

/// Problem `k` (0-based) of seed `seed` within `scope`: the scope's edge cases first, then
/// random ones.
pub fn problem_in(seed: u64, k: usize, scope: &Scope) -> Result<Problem> {
    match edge_cases(scope).get(k) {
        Some(case) => Ok(edge_problem(seed, case)),
        None => random(seed, k, scope),
    }
}

/// Problem `k` (0-based): an edge case while there are any, then a random one.
pub fn problem(seed: u64, k: usize) -> Result<Problem> {
    match EDGE_CASES.get(k) {
        Some(case) => Ok(edge_problem(seed, case)),
        None => random(seed, k, &Scope::default()),
    }
}

/// An edge case, drawn from its own place among all of them (the same in any scope).
fn edge_problem(seed: u64, case: &str) -> Problem {
    let k = EDGE_CASES
        .iter()
        .position(|c| *c == case)
        .expect("an edge case");
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(k as u64).to_le_bytes());
    key[16..24].copy_from_slice(b"mlp2d-ck");
    edge(case, &mut ChaCha8Rng::from_seed(key))
}

/// A problem as the sweep's run `k` draws it before its activation and optimizer
/// ([`crate::sweep::base_problem`]): data kind, samples, noise, classes, depth, widths, batch,
/// learning rate, init and precision; the batch is the first rows of its training split. The
/// activation, optimizer and a precision the sweep drew outside `scope` are drawn within it.
fn random(seed: u64, k: usize, scope: &Scope) -> Result<Problem> {
    let mut config = crate::sweep::base_problem(seed, k, None);
    if !scope.precisions.contains(&config.compare.precision) {
        config.compare.precision = scope.precisions[0];
    }
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
    let problem = make(
        "random",
        about,
        x,
        y,
        params,
        config.train.learning_rate,
        config.compare.precision,
    );
    // The sweep draws ReLU and plain SGD; the activation, optimizer and step are drawn here.
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(k as u64).to_le_bytes());
    key[16..24].copy_from_slice(b"mlp2d-op");
    let mut rng = ChaCha8Rng::from_seed(key);
    // Each list in the scope's order: the whole scope draws as every scope did before there
    // were scopes.
    let activations = &scope.activations;
    let activation = match activations[rng.gen_range(0..activations.len())] {
        ActivationKind::Relu => Activation::Relu,
        ActivationKind::LeakyRelu => Activation::LeakyRelu {
            negative_slope: [0.01, 0.2][rng.gen_range(0..2)],
        },
        ActivationKind::Tanh => Activation::Tanh,
        ActivationKind::Sigmoid => Activation::Sigmoid,
    };
    let optimizer = draw_optimizer(&mut rng, scope);
    let steps = if rng.gen_bool(0.5) {
        0
    } else {
        rng.gen_range(1..=8)
    };
    Ok(with_optimizer(
        problem,
        activation,
        (optimizer, steps),
        &mut rng,
    ))
}

/// The optimizer of a drawn problem, among the scope's (each list in the scope's order).
fn draw_optimizer(rng: &mut ChaCha8Rng, scope: &Scope) -> Optimizer {
    let has = |o| scope.optimizers.contains(&o);
    let (momentum, nesterov) = (
        has(OptimizerChoice::Momentum),
        has(OptimizerChoice::Nesterov),
    );
    let kinds: Vec<u8> = [
        (0, has(OptimizerChoice::Sgd)),
        (1, momentum || nesterov),
        (2, has(OptimizerChoice::Adam)),
        (3, has(OptimizerChoice::Adam)),
        (4, has(OptimizerChoice::AdamW)),
        (5, has(OptimizerChoice::AdaGrad)),
        (6, has(OptimizerChoice::RmsProp)),
    ]
    .into_iter()
    .filter_map(|(kind, admitted)| admitted.then_some(kind))
    .collect();
    match kinds[rng.gen_range(0..kinds.len())] {
        0 => Optimizer::default(),
        1 => {
            let dampening = [0.0, 0.1][rng.gen_range(0..2)];
            let coin = rng.gen_bool(0.5);
            Optimizer::Sgd(SgdSettings {
                momentum: 0.9,
                dampening,
                nesterov: if momentum && nesterov { coin } else { nesterov },
                weight_decay: [0.0, 1e-3][rng.gen_range(0..2)],
            })
        }
        2 => adam(1e-3),
        3 => Optimizer::Adam(AdamSettings {
            beta_1: 0.8,
            beta_2: 0.99,
            epsilon: 1e-8,
            weight_decay: 0.0,
        }),
        4 => adamw(0.05),
        6 => Optimizer::RmsProp(RmsPropSettings {
            momentum: [0.0, 0.9][rng.gen_range(0..2)],
            alpha: 0.99,
            centered: rng.gen_bool(0.5),
            epsilon: [crate::config::DEFAULT_EPSILON, 1e-8][rng.gen_range(0..2)],
            weight_decay: [0.0, 1e-3][rng.gen_range(0..2)],
        }),
        _ => Optimizer::AdaGrad(AdaGradSettings {
            lr_decay: [0.0, 0.05][rng.gen_range(0..2)],
            epsilon: [crate::config::DEFAULT_EPSILON, 1e-10][rng.gen_range(0..2)],
            weight_decay: [0.0, 1e-3][rng.gen_range(0..2)],
        }),
    }
}

/// burn's Adam with coupled weight decay `decay`.
fn adam(decay: f64) -> Optimizer {
    Optimizer::Adam(AdamSettings {
        beta_1: crate::config::DEFAULT_BETA_1,
        beta_2: crate::config::DEFAULT_BETA_2,
        epsilon: crate::config::DEFAULT_EPSILON,
        weight_decay: decay,
    })
}

/// burn's AdamW with decoupled weight decay `decay`.
fn adamw(decay: f64) -> Optimizer {
    Optimizer::AdamW(AdamSettings {
        beta_1: crate::config::DEFAULT_BETA_1,
        beta_2: crate::config::DEFAULT_BETA_2,
        epsilon: crate::config::DEFAULT_EPSILON,
        weight_decay: decay,
    })
}

/// `problem` with `activation`, and `optimizer` after `steps` steps: its state is what those
/// steps leave when the gradients are the problem's own, each scaled entry by entry by a random
/// factor in [0.5, 1.5] (a plausible history), rounded to the problem's precision.
fn with_optimizer(
    problem: Problem,
    activation: Activation,
    (optimizer, steps): (Optimizer, usize),
    rng: &mut ChaCha8Rng,
) -> Problem {
    let mut p = Problem {
        activation,
        optimizer,
        ..problem
    };
    let grads = crate::exact::pass(&p.params, (&p.x, &p.y), activation, None).grads;
    let mut state = OptimizerState::default();
    let mut theta = p.params.clone();
    for _ in 0..steps {
        let mut g = grads.clone();
        for l in &mut g.layers {
            l.weight.mapv_inplace(|v| v * rng.gen_range(0.5..1.5));
            l.bias.mapv_inplace(|v| v * rng.gen_range(0.5..1.5));
        }
        let next = crate::exact::step::step(
            optimizer,
            (&theta, &g, &state),
            (p.learning_rate, p.precision),
            (crate::exact::step::Convention::Burn, None),
        );
        theta = next.params.0;
        state = OptimizerState {
            steps: state.steps + 1,
            buffers: next
                .buffers
                .into_iter()
                .map(|(n, v, _)| (n.to_owned(), v.rounded(p.precision)))
                .collect(),
        };
    }
    p.state = state;
    p
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
        activation: Activation::Relu,
        optimizer: Optimizer::default(),
        state: OptimizerState::default(),
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

/// Six rows through `[2, 4, 3]` where hidden unit 0's pre-activation is exactly 0 on row 0
/// (0.5·0.5 + 1·(−0.25) + 0 is exactly 0 in any order and precision) and unit 1's on every row.
fn at_zero(rng: &mut ChaCha8Rng) -> (Array2<f64>, Vec<usize>, Params) {
    let (mut x, y, mut p) = start(rng, 6, &[2, 4, 3]);
    x.row_mut(0).assign(&array![0.5, 1.0]);
    let l = &mut p.layers[0];
    l.weight.column_mut(0).assign(&array![0.5, -0.25]);
    l.bias[0] = 0.0;
    l.weight.column_mut(1).fill(0.0);
    l.bias[1] = 0.0;
    (x, y, p)
}

// TODO(house): split
#[allow(clippy::too_many_lines)]
fn edge(case: &str, rng: &mut ChaCha8Rng) -> Problem {
    use Precision::{F32, F64};
    match case {
        "batch-of-1" => {
            let (x, y, p) = start(rng, 1, &[2, 8, 3]);
            let about = "one row: every tensor has a leading 1, the mean is over 1".to_owned();
            make(case, about, x, y, p, 0.1, F64)
        }
        "relu-at-zero" => {
            let (x, y, p) = at_zero(rng);
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
        "tanh" => {
            let (x, y, p) = start(rng, 16, &[2, 8, 8, 3]);
            let about = "tanh hidden layers: tanh′ = 1 − tanh²".to_owned();
            let p = make(case, about, x, y, p, 0.1, F64);
            with_optimizer(p, Activation::Tanh, (Optimizer::default(), 0), rng)
        }
        "sigmoid-f32" => {
            let (x, y, p) = start(rng, 16, &[2, 8, 8, 3]);
            let about = "sigmoid hidden layers in f32: σ′ = σ(1 − σ)".to_owned();
            let p = make(case, about, x, y, p, 0.5, F32);
            with_optimizer(p, Activation::Sigmoid, (Optimizer::default(), 0), rng)
        }
        "leaky-at-zero" => {
            let (x, y, p) = at_zero(rng);
            let about = "leaky ReLU (slope 0.1) with pre-activations exactly 0: a′(0) taken as 1 or as the slope both pass".to_owned();
            let p = make(case, about, x, y, p, 0.1, F64);
            let leaky = Activation::LeakyRelu {
                negative_slope: 0.1,
            };
            with_optimizer(p, leaky, (Optimizer::default(), 0), rng)
        }
        "adam-later-step" => {
            let (x, y, p) = start(rng, 16, &[2, 8, 8, 3]);
            let about = "Adam at t = 5 with its moments: bias correction 1/(1 − βᵗ) with burn's f32 constants".to_owned();
            let p = make(case, about, x, y, p, 0.01, F64);
            with_optimizer(p, Activation::Relu, (adam(0.0), 4), rng)
        }
        "nesterov-momentum" => {
            let (x, y, p) = start(rng, 16, &[2, 8, 8, 3]);
            let about = "SGD with momentum 0.9 and Nesterov at t = 4, its velocity given: the step is v·μ + g".to_owned();
            let p = make(case, about, x, y, p, 0.05, F64);
            let sgd = Optimizer::Sgd(SgdSettings {
                momentum: 0.9,
                dampening: 0.0,
                nesterov: true,
                weight_decay: 0.0,
            });
            let leaky = Activation::LeakyRelu {
                negative_slope: 0.01,
            };
            with_optimizer(p, leaky, (sgd, 3), rng)
        }
        "adamw-decay-f32" => {
            let (x, y, p) = start(rng, 16, &[2, 8, 8, 3]);
            let about = "AdamW with decoupled weight decay 0.1 at t = 3, in f32".to_owned();
            let p = make(case, about, x, y, p, 0.01, F32);
            with_optimizer(p, Activation::Sigmoid, (adamw(0.1), 2), rng)
        }
        "adam-first-step-f32" => {
            let (x, y, p) = start(rng, 16, &[2, 8, 8, 3]);
            let about = "Adam's first step (no state) with coupled weight decay 0.01, tanh, in f32"
                .to_owned();
            let p = make(case, about, x, y, p, 0.01, F32);
            with_optimizer(p, Activation::Tanh, (adam(0.01), 0), rng)
        }
        "momentum-dampening-decay" => {
            let (x, y, p) = start(rng, 16, &[2, 8, 3]);
            let about =
                "SGD with momentum 0.9, dampening 0.1 and weight decay 0.01 at t = 3".to_owned();
            let p = make(case, about, x, y, p, 0.05, F64);
            let sgd = Optimizer::Sgd(SgdSettings {
                momentum: 0.9,
                dampening: 0.1,
                nesterov: false,
                weight_decay: 0.01,
            });
            with_optimizer(p, Activation::Relu, (sgd, 2), rng)
        }
        "adagrad-decay-f32" => {
            let (x, y, p) = start(rng, 16, &[2, 8, 8, 3]);
            let about = "AdaGrad at t = 4 with its sum, lr_decay 0.1 and coupled weight decay 0.01, in f32: the rate λ/(1 + (t − 1)·lr_decay)".to_owned();
            let p = make(case, about, x, y, p, 0.05, F32);
            let adagrad = Optimizer::AdaGrad(AdaGradSettings {
                lr_decay: 0.1,
                epsilon: crate::config::DEFAULT_EPSILON,
                weight_decay: 0.01,
            });
            with_optimizer(p, Activation::Relu, (adagrad, 3), rng)
        }
        "rmsprop-centered-momentum" => {
            let (x, y, p) = start(rng, 16, &[2, 8, 8, 3]);
            let about = "centered RMSprop with momentum 0.9 at t = 3, its three buffers given (tanh): √(E[g²] − E[g]²) + ε".to_owned();
            let p = make(case, about, x, y, p, 0.01, F64);
            let rmsprop = Optimizer::RmsProp(RmsPropSettings {
                momentum: 0.9,
                alpha: 0.99,
                centered: true,
                epsilon: crate::config::DEFAULT_EPSILON,
                weight_decay: 0.0,
            });
            with_optimizer(p, Activation::Tanh, (rmsprop, 2), rng)
        }
        other => unreachable!("no edge case {other}"),
    }
}
