//! The regression check the project exists for: for every shipped config, in both precisions,
//! the hand-written twin and the burn twin agree within the config's tolerances at every step,
//! and the trained net is actually good. On the default backend (burn-flex) and on burn-ndarray.

use std::path::{Path, PathBuf};

use mlp2d::compare::{Lockstep, initial_params, layer_sizes, prepare, train_lockstep_on};
use mlp2d::config::{Backend, Config, Precision};

fn configs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
}

fn check_all(precision: Precision, backend: Backend) {
    let paths = configs();
    assert!(
        paths.len() >= 9,
        "the shipped configs are missing: {paths:?}"
    );
    for path in paths {
        let mut config = Config::load(&path).unwrap();
        config.compare.precision = precision;
        let tol = config.compare.tolerances();
        let prepared = prepare(&config).unwrap();
        let sizes = layer_sizes(&config, &prepared);
        let initial = initial_params(&config, &sizes, None).unwrap();
        let settings = Lockstep {
            precision,
            backend,
            tolerances: tol,
            seed: config.seed,
        };
        let run = train_lockstep_on(&prepared, &initial, &config.train, settings, |_| {}).unwrap();
        let name = format!(
            "{} ({}, {})",
            path.display(),
            precision.name(),
            backend.name()
        );
        assert!(run.passed(), "{name}: {}", run.first_disagreement.unwrap());
        assert!(run.max_grad_rel_err <= tol.grad_tol, "{name}");
        // README, "Agreement, measured": on burn-flex the twins round alike at every operation,
        // so they agree bit for bit. A change that reorders an operation on either side breaks
        // this knowingly: then the README's claim goes too.
        if backend == Backend::Flex {
            assert_eq!(
                (run.max_grad_rel_err, run.max_drift),
                (0.0, 0.0),
                "{name}: the twins no longer agree bit for bit"
            );
        }
        let last = run.metrics.last().unwrap();
        let test_acc = last
            .test_acc_burn
            .expect("every shipped config holds out a test split");
        let test_acc_manual = last.test_acc_manual.unwrap();
        assert!(
            test_acc >= 0.9 && test_acc_manual >= 0.9,
            "{name}: test accuracy {test_acc}, {test_acc_manual}"
        );
        // In f64 the twins stay within 1e-6 of each other, so they classify every point alike;
        // in f32 their trajectories may part (see Tolerances::defaults).
        if precision == Precision::F64 {
            assert_eq!(
                test_acc_manual, test_acc,
                "{name}: the twins classify differently"
            );
        }
    }
}

#[test]
fn every_config_agrees_in_f64() {
    check_all(Precision::F64, Backend::Flex);
}

#[test]
fn every_config_agrees_in_f32() {
    check_all(Precision::F32, Backend::Flex);
}

#[test]
fn every_config_agrees_on_ndarray_in_f64() {
    check_all(Precision::F64, Backend::Ndarray);
}

/// Fails at the shipped f32 tolerance (1e-2): with burn-ndarray the worst grad_rel_err in f32 is
/// 3.3e-2 (grid2) and 1.2e-1 (grid4), in the last layer's bias, against exactly 0 on burn-flex
/// (bit for bit). burn-ndarray multiplies with `matrixmultiply`, the hand-written twin and
/// burn-flex with `gemm`: in f32 their products round differently, and the last bias gradient, a sum of
/// `softmax − onehot` terms that nearly cancel once the net is confident, shows that rounding
/// as a large relative error. The tolerance is not loosened; `cargo test --release -- --ignored`
/// shows the failure. This is why `flex` is the default backend (README, "Agreement, measured").
#[test]
#[ignore = "burn-ndarray in f32 exceeds grad_tol 1e-2 on grid2 and grid4; see README"]
fn every_config_agrees_on_ndarray_in_f32() {
    check_all(Precision::F32, Backend::Ndarray);
}
