//! The problems: the edge cases first, each named, then problems drawn as the sweep draws its
//! runs (their files: files.rs).

pub use super::files::{from_safetensors, to_safetensors};

use anyhow::Result;
use ndarray::{Array2, array, s};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::Problem;
use super::scope::{OptimizerChoice, Scope};
use crate::agreement::round_to;
use crate::config::Precision::{F32, F64};
use crate::config::{
    Activation, ActivationKind, AdaGradSettings, AdamSettings, Optimizer, Precision,
    RmsPropSettings, SgdSettings,
};
use crate::params::{OptimizerState, Params};
use crate::rng::{Family, item_rng};

/// Random problems keep the sweep's draw with widths, depth and batch capped, so that a hundred
/// problem files stay small and a slow CMD is still quick.
const MAX_WIDTH: usize = 64;
const MAX_DEPTH: usize = 4;
const MAX_ROWS: usize = 256;

/// How an edge case's rows and net start, before its own change ([`Edge::adjust`]).
#[derive(Debug, Clone, Copy)]
enum Start {
    /// `rows` normalised points, a He-initialised net of layer sizes `sizes`.
    Drawn(usize, &'static [usize]),
    /// Six rows through `[2, 4, 3]` with pre-activations exactly 0 ([`at_zero`]).
    AtZero,
}

/// One edge case: what it is, how it is made, what it asks for.
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    pub name: &'static str,
    pub about: &'static str,
    start: Start,
    /// A change to the drawn rows and net (a dead unit, large logits).
    adjust: Option<fn(&Array2<f64>, &mut Params)>,
    learning_rate: f64,
    pub precision: Precision,
    /// The activation, and the optimizer after its steps so far; None: ReLU and plain SGD.
    net: Option<(Activation, Optimizer, usize)>,
}

impl Edge {
    /// What it asks for, so that a scope can choose without drawing it.
    pub fn scope(&self) -> (ActivationKind, OptimizerChoice, Precision) {
        let (a, o, _) = self
            .net
            .unwrap_or((Activation::Relu, Optimizer::default(), 0));
        (a.kind(), OptimizerChoice::of(o), self.precision)
    }
}

/// An edge case with ReLU and plain SGD.
const fn plain(
    (name, about): (&'static str, &'static str),
    start: Start,
    learning_rate: f64,
    precision: Precision,
) -> Edge {
    Edge {
        name,
        about,
        start,
        adjust: None,
        learning_rate,
        precision,
        net: None,
    }
}

/// An edge case with `activation` and `optimizer` after `steps` steps, on 16 rows through `sizes`.
const fn with_net(
    (name, about): (&'static str, &'static str),
    (sizes, learning_rate, precision): (&'static [usize], f64, Precision),
    net: (Activation, Optimizer, usize),
) -> Edge {
    Edge {
        name,
        about,
        start: Start::Drawn(16, sizes),
        adjust: None,
        learning_rate,
        precision,
        net: Some(net),
    }
}

const HIDDEN_2: &[usize] = &[2, 8, 8, 3];

/// The edge cases, in the order they come (problems 1 to 20): ReLU and plain SGD first, then
/// the other activations and optimizers. New ones go last: each draws from its place.
pub const EDGES: [Edge; 20] = [
    plain(
        (
            "batch-of-1",
            "one row: every tensor has a leading 1, the mean is over 1",
        ),
        Start::Drawn(1, &[2, 8, 3]),
        0.1,
        F64,
    ),
    plain(
        (
            "relu-at-zero",
            "pre-activations exactly 0 (unit 0 on row 0, unit 1 on every row): ReLU′(0) taken as 0 or as 1 both pass",
        ),
        Start::AtZero,
        0.1,
        F64,
    ),
    Edge {
        adjust: Some(dead_unit),
        ..plain(
            (
                "dead-unit",
                "unit 2 of layer 0 is off on every row (bias −20): its gradients are exactly 0",
            ),
            Start::Drawn(16, &[2, 6, 6, 3]),
            0.05,
            F32,
        )
    },
    Edge {
        adjust: Some(large_logits),
        ..plain(
            (
                "large-logits",
                "logits around ±1000: exp overflows unless each row's max is subtracted first",
            ),
            Start::Drawn(8, &[2, 8, 4]),
            0.001,
            F64,
        )
    },
    plain(
        (
            "no-hidden-layer",
            "one linear layer (softmax regression): no activation at all",
        ),
        Start::Drawn(20, &[2, 3]),
        0.05,
        F32,
    ),
    // λ apart from 1/K and 1/n, so that each factor names one mistake.
    plain(
        ("ten-classes", "10 classes"),
        Start::Drawn(40, &[2, 16, 10]),
        0.03,
        F64,
    ),
    plain(
        (
            "mean-count",
            "13 rows, 3 classes, 5 units: a mean over any count but 13 shows",
        ),
        Start::Drawn(13, &[2, 5, 3]),
        0.1,
        F64,
    ),
    plain(
        (
            "deep-f32",
            "three hidden layers in f32: one wrong layer among right ones shows",
        ),
        Start::Drawn(32, &[2, 16, 16, 16, 4]),
        0.02,
        F32,
    ),
    with_net(
        ("tanh", "tanh hidden layers: tanh′ = 1 − tanh²"),
        (HIDDEN_2, 0.1, F64),
        (Activation::Tanh, Optimizer::Sgd(PLAIN_SGD), 0),
    ),
    with_net(
        ("sigmoid-f32", "sigmoid hidden layers in f32: σ′ = σ(1 − σ)"),
        (HIDDEN_2, 0.5, F32),
        (Activation::Sigmoid, Optimizer::Sgd(PLAIN_SGD), 0),
    ),
    Edge {
        start: Start::AtZero,
        ..with_net(
            (
                "leaky-at-zero",
                "leaky ReLU (slope 0.1) with pre-activations exactly 0: a′(0) taken as 1 or as the slope both pass",
            ),
            (HIDDEN_2, 0.1, F64),
            (
                Activation::LeakyRelu {
                    negative_slope: 0.1,
                },
                Optimizer::Sgd(PLAIN_SGD),
                0,
            ),
        )
    },
    with_net(
        (
            "adam-later-step",
            "Adam at t = 5 with its moments: bias correction 1/(1 − βᵗ) with burn's f32 constants",
        ),
        (HIDDEN_2, 0.01, F64),
        (Activation::Relu, adam(0.0), 4),
    ),
    with_net(
        (
            "nesterov-momentum",
            "SGD with momentum 0.9 and Nesterov at t = 4, its velocity given: the step is v·μ + g",
        ),
        (HIDDEN_2, 0.05, F64),
        (
            Activation::LeakyRelu {
                negative_slope: 0.01,
            },
            Optimizer::Sgd(SgdSettings {
                momentum: 0.9,
                nesterov: true,
                ..PLAIN_SGD
            }),
            3,
        ),
    ),
    with_net(
        (
            "adamw-decay-f32",
            "AdamW with decoupled weight decay 0.1 at t = 3, in f32",
        ),
        (HIDDEN_2, 0.01, F32),
        (Activation::Sigmoid, adamw(0.1), 2),
    ),
    with_net(
        (
            "adam-first-step-f32",
            "Adam's first step (no state) with coupled weight decay 0.01, tanh, in f32",
        ),
        (HIDDEN_2, 0.01, F32),
        (Activation::Tanh, adam(0.01), 0),
    ),
    with_net(
        (
            "momentum-dampening-decay",
            "SGD with momentum 0.9, dampening 0.1 and weight decay 0.01 at t = 3",
        ),
        (&[2, 8, 3], 0.05, F64),
        (
            Activation::Relu,
            Optimizer::Sgd(SgdSettings {
                momentum: 0.9,
                dampening: 0.1,
                nesterov: false,
                weight_decay: 0.01,
            }),
            2,
        ),
    ),
    Edge {
        adjust: Some(far_below_zero),
        ..with_net(
            (
                "gelu-far-below-zero",
                "GELU with pre-activations down to −9, where 1 + erf(z/√2) cancels: Φ through erfc or through 1 + erf both pass",
            ),
            (HIDDEN_2, 0.1, F64),
            (Activation::Gelu, Optimizer::Sgd(PLAIN_SGD), 0),
        )
    },
    with_net(
        (
            "silu-f32",
            "SiLU hidden layers in f32: SiLU′ = σ + z·σ·(1 − σ)",
        ),
        (HIDDEN_2, 0.1, F32),
        (Activation::Silu, Optimizer::Sgd(PLAIN_SGD), 0),
    ),
    with_net(
        (
            "adagrad-decay-f32",
            "AdaGrad at t = 4 with its sum, lr_decay 0.1 and coupled weight decay 0.01, in f32: the rate λ/(1 + (t − 1)·lr_decay)",
        ),
        (HIDDEN_2, 0.05, F32),
        (
            Activation::Relu,
            Optimizer::AdaGrad(AdaGradSettings {
                lr_decay: 0.1,
                epsilon: crate::config::DEFAULT_EPSILON,
                weight_decay: 0.01,
            }),
            3,
        ),
    ),
    with_net(
        (
            "rmsprop-centered-momentum",
            "centered RMSprop with momentum 0.9 at t = 3, its three buffers given (tanh): √(E[g²] − E[g]²) + ε",
        ),
        (HIDDEN_2, 0.01, F64),
        (
            Activation::Tanh,
            Optimizer::RmsProp(RmsPropSettings {
                momentum: 0.9,
                alpha: 0.99,
                centered: true,
                epsilon: crate::config::DEFAULT_EPSILON,
                weight_decay: 0.0,
            }),
            2,
        ),
    ),
];

/// Their names, in order.
pub const EDGE_CASES: [&str; EDGES.len()] = {
    let mut names = [""; EDGES.len()];
    let mut i = 0;
    while i < EDGES.len() {
        names[i] = EDGES[i].name;
        i += 1;
    }
    names
};

const PLAIN_SGD: SgdSettings = SgdSettings {
    momentum: 0.0,
    dampening: 0.0,
    nesterov: false,
    weight_decay: 0.0,
};

fn edge_named(case: &str) -> &'static Edge {
    EDGES
        .iter()
        .find(|e| e.name == case)
        .unwrap_or_else(|| unreachable!("no edge case {case}"))
}

/// What each edge case asks for, so that a scope can choose without drawing it.
pub fn edge_scope(case: &str) -> (ActivationKind, OptimizerChoice, Precision) {
    edge_named(case).scope()
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
    edge(case, &mut item_rng(seed, Family::CheckEdge, k as u64))
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
    let mut rng = item_rng(seed, Family::CheckOptimizer, k as u64);
    // Each list in the scope's order: the whole scope draws as every scope did before there
    // were scopes.
    let activations = &scope.activations;
    let kind = activations[rng.gen_range(0..activations.len())];
    let slope = (kind == ActivationKind::LeakyRelu).then(|| [0.01, 0.2][rng.gen_range(0..2)]);
    let activation = kind.with_slope(slope);
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
    let optimizer = match kinds[rng.gen_range(0..kinds.len())] {
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
    };
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

/// burn's Adam with coupled weight decay `decay`.
const fn adam(decay: f64) -> Optimizer {
    Optimizer::Adam(AdamSettings {
        beta_1: crate::config::DEFAULT_BETA_1,
        beta_2: crate::config::DEFAULT_BETA_2,
        epsilon: crate::config::DEFAULT_EPSILON,
        weight_decay: decay,
    })
}

/// burn's AdamW with decoupled weight decay `decay`.
const fn adamw(decay: f64) -> Optimizer {
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

/// Columns to mean 0 and standard deviation 1, as the harness normalises x (a single row stays
/// as drawn: normalised, it would be 0).
fn zscored(x: Array2<f64>) -> Array2<f64> {
    if x.nrows() > 1 {
        crate::data::Normaliser::fit(&x).apply(&x)
    } else {
        x
    }
}

/// He-initialised weights, biases 0.1, as a run's `init = "he"` draws them.
fn he(rng: &mut ChaCha8Rng, sizes: &[usize]) -> Params {
    Params::init_from(sizes, crate::config::Init::He, rng)
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

/// Edge case `case`, drawn from `rng`.
fn edge(case: &str, rng: &mut ChaCha8Rng) -> Problem {
    let e = edge_named(case);
    let (x, y, mut p) = match e.start {
        Start::Drawn(rows, sizes) => start(rng, rows, sizes),
        Start::AtZero => at_zero(rng),
    };
    if let Some(adjust) = e.adjust {
        adjust(&x, &mut p);
    }
    let problem = make(
        case,
        e.about.to_owned(),
        x,
        y,
        p,
        e.learning_rate,
        e.precision,
    );
    match e.net {
        Some((activation, optimizer, steps)) => {
            with_optimizer(problem, activation, (optimizer, steps), rng)
        }
        None => problem,
    }
}

/// Unit 2 of layer 0 off on every row: small weights, bias −20.
fn dead_unit(_: &Array2<f64>, p: &mut Params) {
    let l = &mut p.layers[0];
    l.weight.column_mut(2).mapv_inplace(|w| 0.05 * w);
    l.bias[2] = -20.0;
}

/// The output layer scaled so that the largest logit is ±1000 (through ReLU hidden units).
fn large_logits(x: &Array2<f64>, p: &mut Params) {
    let h = (x.dot(&p.layers[0].weight) + &p.layers[0].bias).mapv(|v| v.max(0.0));
    let z = h.dot(&p.layers[1].weight) + &p.layers[1].bias;
    let top = z.iter().fold(0.0f64, |a, &b| a.max(b.abs())).max(1e-3);
    let l = &mut p.layers[1];
    l.weight.mapv_inplace(|w| w * 1000.0 / top);
    l.bias.mapv_inplace(|b| b * 1000.0 / top);
}

/// Layer 0's biases spread over −9 … −1, so that its units' pre-activations reach far below 0.
fn far_below_zero(_: &Array2<f64>, p: &mut Params) {
    let b = &mut p.layers[0].bias;
    let n = b.len();
    for (j, v) in b.iter_mut().enumerate() {
        *v = -1.0 - 8.0 * j as f64 / (n - 1).max(1) as f64;
    }
}
