//! The problem of run `r` of a sweep with seed `s`: data, net, training and precision drawn from
//! a generator seeded by `(s, r)` alone, then the activation and the optimizer from the same
//! generator. The draws before them are those of the sweep before it drew them (ReLU, plain
//! SGD): [`base_problem`], which `mlp2d check` draws its random problems from.

use std::path::PathBuf;

use anyhow::{Context, Result};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::config::{
    ActivationKind, Backend, CompareConfig, Config, DataConfig, DataKind, GridLayout, Init,
    ModelConfig, OptimizerKind, Precision, TrainConfig,
};

/// About this many steps per run.
const STEPS: usize = 300;
/// Multiply-adds of one run's training steps, at most (widths shrink to fit): keeps the slowest
/// run of a sweep to a few seconds.
const WORK_BUDGET: f64 = 3e9;

/// The generator of run `run`: seeded by the sweep seed and the run index only.
fn run_rng(seed: u64, run: usize) -> ChaCha8Rng {
    crate::rng::item_rng(seed, crate::rng::Family::SweepRun, run as u64)
}

/// `lo..=hi`, uniform in log scale.
fn log_uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    (rng.gen_range(lo.ln()..=hi.ln())).exp()
}

/// `x` rounded to `digits` significant digits (readable configs and rows; the value drawn is
/// the value used).
fn significant(x: f64, digits: i32) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// The backends a sweep draws from unless told (`--backends`): the CPU ones every build has.
pub const DEFAULT_BACKENDS: [Backend; 2] = [Backend::Flex, Backend::Ndarray];

/// What a sweep draws from beyond its seed: the gate's limit when overridden, the backends and
/// the precisions (each drawn equally often).
#[derive(Debug, Clone)]
pub struct Draw {
    pub limit: Option<f64>,
    pub backends: Vec<Backend>,
    pub precisions: Vec<Precision>,
}

impl Default for Draw {
    fn default() -> Self {
        Draw {
            limit: None,
            backends: DEFAULT_BACKENDS.to_vec(),
            precisions: vec![Precision::F32, Precision::F64],
        }
    }
}

/// The config of run `run` of a sweep with seed `seed`, with the gate's limit overridden when
/// `draw` says: [`base_problem`]'s, with an activation and an optimizer drawn after it.
/// The backend is drawn from `backends`, each equally often.
pub fn problem(seed: u64, run: usize, draw: &Draw) -> Config {
    let mut rng = run_rng(seed, run);
    let mut config = base(&mut rng, seed, run, draw);
    let (activation, negative_slope) = draw_activation(&mut rng);
    config.model.activation = activation;
    config.model.negative_slope = negative_slope;
    draw_optimizer(&mut rng, &mut config.train);
    config
}

/// The hidden layers' activation: each equally often; leaky ReLU's slope log-uniform in
/// [1e-3, 0.3].
fn draw_activation(rng: &mut ChaCha8Rng) -> (ActivationKind, Option<f64>) {
    let all = ActivationKind::ALL;
    match all[rng.gen_range(0..all.len())] {
        ActivationKind::LeakyRelu => (
            ActivationKind::LeakyRelu,
            Some(significant(log_uniform(rng, 1e-3, 0.3), 3)),
        ),
        kind => (kind, None),
    }
}

/// The optimizer with its settings, each of seven families and each optimizer the table says how
/// to draw (config/optimizer.rs' `Draw`) equally often: plain SGD, SGD with
/// momentum (μ uniform in [0.5, 0.99], dampening in [0.05, 0.5] one time in three, Nesterov one
/// time in three), SGD with weight decay, Adam (coupled weight decay one time in three), AdamW
/// and AdaGrad (learning rate log-uniform in [1e-3, 1e-1], lr_decay log-uniform in
/// [1e-4, 1e-1] one time in two, ε log-uniform in [1e-10, 1e-5], coupled weight decay one time
/// in three) and RMSprop (learning rate log-uniform in [1e-4, 1e-2], α uniform in [0.9, 0.999],
/// momentum 0 or uniform in [0.5, 0.95] one time in two each, centered one time in two, ε
/// log-uniform in [1e-8, 1e-4], coupled weight decay one time in three). The SGD families keep the base draw's learning rate (log-uniform in [1e-3, 0.5]); the
/// Adam family, whose steps are about the learning rate whatever the gradient's size, draws one
/// log-uniform in [1e-4, 3e-2]. β₁ is uniform in [0.8, 0.95], 1 − β₂ log-uniform in
/// [1e-4, 1e-2], ε log-uniform in [1e-8, 1e-4], weight decay log-uniform in [1e-5, 1e-2]
/// (AdamW's in [1e-5, 1e-1]). Only the keys that apply are set.
fn draw_optimizer(rng: &mut ChaCha8Rng, train: &mut TrainConfig) {
    let weight_decay = |rng: &mut ChaCha8Rng, hi: f64| significant(log_uniform(rng, 1e-5, hi), 2);
    let drawn = OptimizerKind::drawn();
    match rng.gen_range(0..7 + drawn.len()) {
        0 => train.optimizer = OptimizerKind::Sgd,
        1 => {
            train.optimizer = OptimizerKind::Sgd;
            train.keys.momentum = Some(significant(rng.gen_range(0.5..=0.99), 2));
            if rng.gen_bool(1.0 / 3.0) {
                train.keys.dampening = Some(significant(rng.gen_range(0.05..=0.5), 2));
            }
            if rng.gen_bool(1.0 / 3.0) {
                train.keys.nesterov = Some(true);
            }
        }
        2 => {
            train.optimizer = OptimizerKind::Sgd;
            train.keys.weight_decay = Some(weight_decay(rng, 1e-2));
        }
        6 => {
            train.optimizer = OptimizerKind::Rmsprop;
            train.learning_rate = significant(log_uniform(rng, 1e-4, 1e-2), 3);
            train.keys.alpha = Some(significant(rng.gen_range(0.9..=0.999), 3));
            train.keys.momentum = Some(if rng.gen_bool(0.5) {
                0.0
            } else {
                significant(rng.gen_range(0.5..=0.95), 2)
            });
            train.keys.centered = Some(rng.gen_bool(0.5));
            train.keys.epsilon = Some(significant(log_uniform(rng, 1e-8, 1e-4), 1));
            if rng.gen_bool(1.0 / 3.0) {
                train.keys.weight_decay = Some(weight_decay(rng, 1e-2));
            }
        }
        5 => {
            train.optimizer = OptimizerKind::Adagrad;
            train.learning_rate = significant(log_uniform(rng, 1e-3, 1e-1), 3);
            if rng.gen_bool(0.5) {
                train.keys.lr_decay = Some(significant(log_uniform(rng, 1e-4, 1e-1), 2));
            }
            train.keys.epsilon = Some(significant(log_uniform(rng, 1e-10, 1e-5), 1));
            if rng.gen_bool(1.0 / 3.0) {
                train.keys.weight_decay = Some(weight_decay(rng, 1e-2));
            }
        }
        family @ (3 | 4) => {
            let adamw = family == 4;
            train.optimizer = if adamw {
                OptimizerKind::Adamw
            } else {
                OptimizerKind::Adam
            };
            train.learning_rate = significant(log_uniform(rng, 1e-4, 3e-2), 3);
            train.keys.beta_1 = Some(significant(rng.gen_range(0.8..=0.95), 2));
            let one_minus_beta_2 = significant(log_uniform(rng, 1e-4, 1e-2), 1);
            train.keys.beta_2 = Some(significant(1.0 - one_minus_beta_2, 4));
            train.keys.epsilon = Some(significant(log_uniform(rng, 1e-8, 1e-4), 1));
            if adamw {
                train.keys.weight_decay = Some(weight_decay(rng, 1e-1));
            } else if rng.gen_bool(1.0 / 3.0) {
                train.keys.weight_decay = Some(weight_decay(rng, 1e-2));
            }
        }
        family => {
            let kind = drawn[family - 7];
            let (learning_rate, keys) = kind.draw(rng).expect("drawn from its row");
            train.optimizer = kind;
            train.learning_rate = learning_rate;
            train.keys = keys;
        }
    }
}

/// Run `run`'s data, net, batch, learning rate, init, precision and backend, with ReLU and plain
/// SGD: the sweep's problem before it drew the activation and the optimizer.
pub fn base_problem(seed: u64, run: usize, limit: Option<f64>) -> Config {
    let draw = Draw {
        limit,
        ..Draw::default()
    };
    base(&mut run_rng(seed, run), seed, run, &draw)
}

fn base(rng: &mut ChaCha8Rng, seed: u64, run: usize, draw: &Draw) -> Config {
    let data = draw_data(rng);
    let train_rows = (data.samples.unwrap_or(150) as f64 * 0.8).floor().max(1.0);
    let depth = rng.gen_range(0..=6usize);
    let mut hidden: Vec<usize> = (0..depth)
        .map(|_| log_uniform(rng, 1.0, 512.0).round() as usize)
        .collect();
    let batch_size = log_uniform(rng, 1.0, train_rows).round() as usize;
    let learning_rate = {
        let lr = log_uniform(rng, 1e-3, 0.5);
        (lr * 1e4).round().max(1.0) / 1e4
    };
    let init = if rng.gen_bool(0.5) {
        Init::Normal
    } else {
        Init::He
    };
    // The coin is tossed whatever the list, so a sweep of one precision draws the same
    // problems as the sweep of both, in that precision.
    let heads = rng.gen_bool(0.5);
    let precision = match draw.precisions[..] {
        [only] => only,
        _ if heads => Precision::F32,
        _ => Precision::F64,
    };
    let backends = &draw.backends[..];
    // Two backends: a fair coin, the first on heads, so the default list draws every run as
    // the sweep did before the list existed (unit test); more: uniformly.
    let backend = match backends.len() {
        2 => backends[usize::from(!rng.gen_bool(0.5))],
        n => backends[rng.gen_range(0..n)],
    };
    let steps_per_epoch = (train_rows as usize).div_ceil(batch_size.max(1));
    let epochs = STEPS.div_ceil(steps_per_epoch).max(1);
    // Shrink the widest layers until the run's work fits the budget.
    let work = |hidden: &[usize]| {
        let mut sizes = vec![4usize];
        sizes.extend(hidden);
        sizes.push(5);
        let per_row: usize = sizes.windows(2).map(|w| w[0] * w[1]).sum();
        3.0 * per_row as f64 * batch_size as f64 * (epochs * steps_per_epoch) as f64
    };
    while work(&hidden) > WORK_BUDGET {
        let widest = (0..hidden.len())
            .max_by_key(|&i| hidden[i])
            .expect("work is over budget only with hidden layers");
        hidden[widest] = (hidden[widest] / 2).max(1);
    }
    Config {
        name: format!("sweep-{seed}-{run}"),
        seed: rng.gen_range(0..1_000_000),
        data,
        model: ModelConfig {
            hidden,
            init,
            ..ModelConfig::default()
        },
        train: TrainConfig {
            epochs,
            batch_size,
            learning_rate,
            shuffle: true,
            ..TrainConfig::default()
        },
        compare: CompareConfig {
            precision,
            backend,
            err_bound_limit: draw.limit,
            ..CompareConfig::default()
        },
        base_dir: PathBuf::from("."),
        file: None,
    }
}

/// The data of a problem: a kind (every one but csv, which has no file to read), its size,
/// noise and classes.
fn draw_data(rng: &mut ChaCha8Rng) -> DataConfig {
    let kinds = &DataKind::ALL[..DataKind::ALL.len() - 1];
    let kind = kinds[rng.gen_range(0..kinds.len())];
    let samples = log_uniform(rng, 20.0, 2000.0).round() as usize;
    let noise = (rng.gen_range(0.0..0.3f64) * 1000.0).round() / 1000.0;
    let classes = rng.gen_range(2..=5usize);
    let mut data = DataConfig {
        test_fraction: 0.2,
        ..DataConfig::of_kind(kind)
    };
    match kind {
        DataKind::Moons | DataKind::Circles | DataKind::Xor => {
            data.samples = Some(samples);
            data.noise = Some(noise);
        }
        DataKind::Blobs => {
            data.samples = Some(samples.max(2 * classes));
            data.centers = Some(classes);
        }
        DataKind::Grid => {
            let (rows, cols) = (rng.gen_range(2..=5), rng.gen_range(2..=5));
            // Enough points that every class gets some, whatever the layout.
            data.samples = Some(samples.max(20 * rows * cols));
            data.rows = Some(rows);
            data.cols = Some(cols);
            let checkerboard = rng.gen_bool(0.5);
            // A checkerboard's cell (i, j) has class (i + j) mod k: k ≤ rows + cols − 1 appear.
            data.classes = Some(if checkerboard {
                classes.min(rows + cols - 1)
            } else {
                classes.min(rows * cols)
            });
            data.layout = Some(if checkerboard {
                GridLayout::Checkerboard
            } else {
                GridLayout::Random
            });
        }
        DataKind::Spiral => {
            data.samples = Some(samples.max(2 * classes));
            data.classes = Some(classes);
            data.noise = Some(noise);
        }
        DataKind::GaussianQuantiles => {
            data.samples = Some(samples.max(2 * classes));
            data.classes = Some(classes);
        }
        DataKind::Iris | DataKind::Csv => {}
    }
    data
}

/// The config as a TOML file `compare --config` reads.
pub fn config_toml(config: &Config) -> Result<String> {
    let text = toml::to_string(config).context("cannot write the config as TOML")?;
    Ok(format!(
        "# A problem of `mlp2d sweep`; `mlp2d compare --config` on this file reproduces it.\n{text}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Activation, OPTIMIZERS, Optimizer, SettingValue, SgdSettings};

    /// Every drawn config is valid, draws every activation and optimizer family, and keeps the
    /// base draw (data, net, batch, init, precision, backend, seed; SGD's learning rate).
    #[test]
    fn the_draw_is_valid_varied_and_keeps_the_base() {
        let mut activations = std::collections::HashSet::new();
        let mut optimizers = std::collections::HashSet::new();
        let (mut nesterov, mut dampening, mut adam_decay) = (false, false, false);
        let mut rms_centered = false;
        for run in 0..400 {
            let c = problem(4, run, &Draw::default());
            c.validate().unwrap();
            let b = base_problem(4, run, None);
            assert_eq!(b.model.activation, ActivationKind::Relu);
            assert_eq!(b.train.optimizer(), Optimizer::default());
            assert_eq!(
                (&c.model.hidden, c.train.batch_size, c.train.epochs, c.seed),
                (&b.model.hidden, b.train.batch_size, b.train.epochs, b.seed)
            );
            assert_eq!(
                toml::to_string(&c.data).unwrap(),
                toml::to_string(&b.data).unwrap()
            );
            activations.insert(c.model.activation().name());
            if let Activation::LeakyRelu { negative_slope } = c.model.activation() {
                assert!((1e-3..=0.3).contains(&negative_slope), "{negative_slope}");
            }
            let lr = c.train.learning_rate;
            match c.train.optimizer() {
                Optimizer::Sgd(SgdSettings {
                    momentum,
                    dampening: d,
                    nesterov: n,
                    weight_decay,
                }) => {
                    assert_eq!(lr, b.train.learning_rate);
                    assert!(momentum == 0.0 || (0.5..=0.99).contains(&momentum));
                    assert!(momentum == 0.0 || weight_decay == 0.0);
                    dampening |= d > 0.0;
                    nesterov |= n;
                    let family = match (momentum > 0.0, weight_decay > 0.0) {
                        (true, _) => "sgd+momentum",
                        (false, true) => "sgd+weight_decay",
                        (false, false) => "sgd",
                    };
                    optimizers.insert(family);
                }
                Optimizer::AdaGrad(a) => {
                    assert!((1e-3..=1e-1).contains(&lr), "{lr}");
                    assert!(a.lr_decay == 0.0 || (1e-4..=1e-1).contains(&a.lr_decay));
                    assert!((1e-10..=1e-5).contains(&a.epsilon), "{}", a.epsilon);
                    assert!(a.weight_decay <= 1e-2, "{}", a.weight_decay);
                    optimizers.insert("adagrad");
                }
                Optimizer::RmsProp(r) => {
                    assert!((1e-4..=1e-2).contains(&lr), "{lr}");
                    assert!((0.9..=0.999).contains(&r.alpha), "{}", r.alpha);
                    assert!(r.momentum == 0.0 || (0.5..=0.95).contains(&r.momentum));
                    assert!((1e-8..=1e-4).contains(&r.epsilon), "{}", r.epsilon);
                    rms_centered |= r.centered;
                    optimizers.insert("rmsprop");
                }
                o @ (Optimizer::Adam(a) | Optimizer::AdamW(a)) => {
                    assert!((1e-4..=3e-2).contains(&lr), "{lr}");
                    assert!((0.8..=0.95).contains(&a.beta_1), "{}", a.beta_1);
                    assert!((0.99..=0.9999).contains(&a.beta_2), "{}", a.beta_2);
                    assert!((1e-8..=1e-4).contains(&a.epsilon), "{}", a.epsilon);
                    assert!(a.weight_decay <= 0.1, "{}", a.weight_decay);
                    adam_decay |= matches!(o, Optimizer::Adam(_)) && a.weight_decay > 0.0;
                    optimizers.insert(o.name());
                }
                // Every optimizer drawn from its row.
                #[allow(unreachable_patterns)]
                o => {
                    let draw = o.kind().info().draw.expect("drawn from its row");
                    let (lo, hi) = draw.learning_rate;
                    assert!((lo..=hi).contains(&lr), "{lr}");
                    for &(key, lo, hi) in draw.numbers {
                        let v = o.keys().get(key).expect("its key").number();
                        let zero = o.kind().default_of(key) == Some(SettingValue::Number(0.0));
                        assert!((zero && v == 0.0) || (lo..=hi).contains(&v), "{key} {v}");
                    }
                    optimizers.insert(o.name());
                }
            }
        }
        assert_eq!(
            activations.len(),
            ActivationKind::ALL.len(),
            "{activations:?}"
        );
        // SGD counts three times: plain, with momentum, with weight decay.
        assert_eq!(optimizers.len(), OPTIMIZERS.len() + 2, "{optimizers:?}");
        assert!(rms_centered);
        assert!(nesterov && dampening && adam_decay);
    }

    #[test]
    fn significant_digits() {
        assert_eq!(significant(0.0123456, 3), 0.0123);
        assert_eq!(significant(0.99987, 4), 0.9999);
        assert_eq!(significant(3.4e-8, 1), 3e-8);
        assert_eq!(significant(0.0, 2), 0.0);
    }

    /// The default list draws each run's backend as the sweep did before `--backends` (a fair
    /// coin, flex on heads), so documented runs stay the same problems: seed 5's runs 146 and
    /// 161 (docs/sweep.md) are SiLU on f64 burn-ndarray, and the two backends come about
    /// equally often.
    #[test]
    fn the_default_backends_draw_as_the_coin_did() {
        for run in [146, 161] {
            let c = problem(5, run, &Draw::default());
            assert_eq!(
                (c.compare.backend, c.compare.precision, c.model.activation),
                (Backend::Ndarray, Precision::F64, ActivationKind::Silu),
                "run {run}"
            );
        }
        let flex = (0..2000)
            .filter(|&run| problem(7, run, &Draw::default()).compare.backend == Backend::Flex)
            .count();
        assert!((900..1100).contains(&flex), "{flex} of 2000 on flex");
    }

    /// A list with a third backend draws it about a third of the time.
    #[test]
    fn every_listed_backend_is_drawn() {
        let all = [Backend::Flex, Backend::Ndarray, Backend::Wgpu];
        let draw = Draw {
            backends: all.to_vec(),
            ..Draw::default()
        };
        let mut counts = [0usize; 3];
        for run in 0..900 {
            let b = problem(3, run, &draw).compare.backend;
            counts[all.iter().position(|&x| x == b).unwrap()] += 1;
        }
        assert!(
            counts.iter().all(|&c| (240..360).contains(&c)),
            "{counts:?}"
        );
    }

    /// One precision: the same problems as the sweep of both, every one in that precision.
    #[test]
    fn one_precision_draws_the_same_problems_in_it() {
        let f32_only = Draw {
            precisions: vec![Precision::F32],
            ..Draw::default()
        };
        for run in 0..50 {
            let (both, one) = (
                problem(2, run, &Draw::default()),
                problem(2, run, &f32_only),
            );
            assert_eq!(one.compare.precision, Precision::F32);
            assert_eq!(
                (&both.model.hidden, both.seed, both.model.activation),
                (&one.model.hidden, one.seed, one.model.activation)
            );
        }
    }
}
