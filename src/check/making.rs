//! How a problem is made: its values rounded to its precision, normalised rows and a He net
//! drawn, an optimizer's state after some steps; shared by the edge cases and the drawn problems.

use ndarray::Array2;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::Problem;
use crate::agreement::round_to;
use crate::config::{Activation, AdamSettings, Optimizer, Precision};
use crate::params::{OptimizerState, Params};

/// burn's Adam with coupled weight decay `decay`.
pub(super) const fn adam(decay: f64) -> Optimizer {
    Optimizer::Adam(AdamSettings {
        beta_1: crate::config::DEFAULT_BETA_1,
        beta_2: crate::config::DEFAULT_BETA_2,
        epsilon: crate::config::DEFAULT_EPSILON,
        weight_decay: decay,
    })
}

/// burn's AdamW with decoupled weight decay `decay`.
pub(super) const fn adamw(decay: f64) -> Optimizer {
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
pub(super) fn with_optimizer(
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
pub(super) fn make(
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

pub(super) fn normal(rng: &mut ChaCha8Rng, rows: usize, cols: usize, std: f64) -> Array2<f64> {
    Array2::from_shape_simple_fn((rows, cols), || {
        std * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, rng)
    })
}

/// Columns to mean 0 and standard deviation 1, as the harness normalises x (a single row stays
/// as drawn: normalised, it would be 0).
pub(super) fn zscored(x: Array2<f64>) -> Array2<f64> {
    if x.nrows() > 1 {
        crate::data::Normaliser::fit(&x).apply(&x)
    } else {
        x
    }
}

/// He-initialised weights, biases 0.1, as a run's `init = "he"` draws them.
pub(super) fn he(rng: &mut ChaCha8Rng, sizes: &[usize]) -> Params {
    Params::init_from(sizes, crate::config::Init::He, rng)
}
