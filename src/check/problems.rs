//! The problems: the edge cases first, each named (edges.rs), then problems drawn as the sweep
//! draws its runs (their files: files.rs).

use anyhow::Result;
use ndarray::s;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Problem;
use super::edges::edge;
pub use super::edges::{EDGE_CASES, EDGES, Edge, edge_cases, edge_scope};
pub use super::files::{from_safetensors, to_safetensors};
use super::making::{adam, adamw, make, with_optimizer};
use super::scope::{OptimizerChoice, Scope};
use crate::config::{
    ActivationKind, AdaGradSettings, AdamSettings, Optimizer, OptimizerKind, RmsPropSettings,
    SgdSettings,
};
use crate::params::Params;
use crate::rng::{Family, item_rng};

/// Random problems keep the sweep's draw with widths, depth and batch capped, so that a hundred
/// problem files stay small and a slow CMD is still quick.
const MAX_WIDTH: usize = 64;
const MAX_DEPTH: usize = 4;
const MAX_ROWS: usize = 256;

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
    let optimizer = draw_optimizer(scope, &mut rng);
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

/// The optimizer of a problem in `scope`: each choice in it equally often (Adam twice: burn's
/// and another), SGD's and the adaptive ones' settings from a few values each, an optimizer
/// drawn from its row of the table as the row says.
fn draw_optimizer(scope: &Scope, rng: &mut ChaCha8Rng) -> Optimizer {
    let has = |o| scope.optimizers.contains(&o);
    let (momentum, nesterov) = (
        has(OptimizerChoice::Momentum),
        has(OptimizerChoice::Nesterov),
    );
    let kind = |k| has(OptimizerChoice::Kind(k));
    // Then every optimizer drawn from its row of the table, as 7, 8, …
    let drawn = OptimizerKind::drawn();
    let kinds: Vec<usize> = [
        (0, has(OptimizerChoice::Sgd)),
        (1, momentum || nesterov),
        (2, kind(OptimizerKind::Adam)),
        (3, kind(OptimizerKind::Adam)),
        (4, kind(OptimizerKind::Adamw)),
        (5, kind(OptimizerKind::Adagrad)),
        (6, kind(OptimizerKind::Rmsprop)),
    ]
    .into_iter()
    .chain(drawn.iter().enumerate().map(|(i, &k)| (7 + i, kind(k))))
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
        5 => Optimizer::AdaGrad(AdaGradSettings {
            lr_decay: [0.0, 0.05][rng.gen_range(0..2)],
            epsilon: [crate::config::DEFAULT_EPSILON, 1e-10][rng.gen_range(0..2)],
            weight_decay: [0.0, 1e-3][rng.gen_range(0..2)],
        }),
        // Its settings from its row; the learning rate stays the problem's.
        i => {
            let k = drawn[i - 7];
            k.draw(rng).expect("drawn from its row").1.resolve(k)
        }
    }
}
