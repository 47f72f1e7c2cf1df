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
        within_domain(optimizer, &mut state, p.precision);
    }
    p.state = state;
    p
}

/// Centered RMSprop's state keeps `square_avg ≥ grad_avg²` (an average of squares is at least
/// the square of the average), and its step takes `√(square_avg − grad_avg²)`. Rounded to
/// nearest, a `square_avg` below the precision's range flushes to 0 while `grad_avg` stays
/// (problem 2958 of seed 7: `g ≈ 1e-27` in f32, `g²` below its smallest subnormal): a state no
/// history has, whose next exact step is the root of a negative number (NaN). Such an entry
/// takes the precision's smallest value not below `grad_avg²`: the nearest one the optimizer's
/// mathematics allows.
fn within_domain(optimizer: Optimizer, state: &mut OptimizerState, precision: Precision) {
    if !matches!(optimizer, Optimizer::RmsProp(r) if r.centered) {
        return;
    }
    let Some(mean) = state.buffer("grad_avg").cloned() else {
        return;
    };
    let Some((_, squares)) = state.buffers.iter_mut().find(|(n, _)| n == "square_avg") else {
        return;
    };
    for (a, m) in squares.layers.iter_mut().zip(&mean.layers) {
        let weights = a.weight.iter_mut().zip(&m.weight);
        for (a, &m) in weights.chain(a.bias.iter_mut().zip(&m.bias)) {
            if *a < m * m {
                *a = at_least(m * m, precision);
            }
        }
    }
}

/// The smallest number of `precision` not below `v` > 0, the square of a number of
/// `precision` (exact in f64 when that is f32; in f64, the next number above the rounded one).
fn at_least(v: f64, precision: Precision) -> f64 {
    match precision {
        Precision::F32 => {
            let r = v as f32;
            if (r as f64) < v {
                r.next_up() as f64
            } else {
                r as f64
            }
        }
        Precision::F64 => v.next_up(),
    }
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
