//! check's edge cases, as a table: each one's name, what it tests, how its rows and net are made
//! and what it asks for (activation, optimizer and its steps, precision).

use ndarray::{Array2, array};
use rand_chacha::ChaCha8Rng;

use super::Problem;
use super::making::{adam, adamw, he, make, normal, with_optimizer, zscored};
use super::scope::{OptimizerChoice, Scope};
use crate::config::Precision::{F32, F64};
use crate::config::{
    Activation, ActivationKind, AdaGradSettings, Optimizer, Precision, RmsPropSettings, SgdSettings,
};
use crate::params::Params;
use rand::Rng;

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
pub(super) fn edge(case: &str, rng: &mut ChaCha8Rng) -> Problem {
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
