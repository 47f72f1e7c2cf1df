//! What the twins found in burn (src/findings.rs; docs/findings.md): each finding is expected
//! to FAIL, so a fix upstream shows up here as a test to update.

mod common;

use burn::prelude::*;
use burn::tensor::DType;
use mlp2d::config::{Backend, Config, Precision};
use mlp2d::run_setup::RunSetup;

/// The largest relative error of burn's sigmoid on `device` in f64, against `1 / (1 + e^−x)`
/// in f64 (correct to a few units of f64's rounding).
fn sigmoid_error(device: Device) -> f64 {
    let xs: Vec<f64> = vec![-6.0, -2.5, -0.7, 0.1, 0.3, 1.9, 4.2];
    let t = Tensor::<1>::from_data(
        TensorData::new(xs.clone(), [xs.len()]),
        (&device, DType::F64),
    );
    let got: Vec<f64> = burn::tensor::activation::sigmoid(t)
        .into_data()
        .convert::<f64>()
        .try_into_vec::<f64>()
        .unwrap();
    xs.iter()
        .zip(&got)
        .map(|(&x, &g)| {
            let want = 1.0 / (1.0 + (-x).exp());
            ((g - want) / want).abs()
        })
        .fold(0.0, f64::max)
}

/// The minimal reproduction: burn-ndarray's sigmoid of f64 values is only as accurate as f32
/// (relative errors around 1e-8, f32's unit roundoff is 6e-8), burn-flex's as f64 (1e-16).
#[test]
fn burn_ndarray_computes_the_sigmoid_in_f32_in_an_f64_run() {
    #[allow(deprecated)]
    let ndarray = sigmoid_error(Device::ndarray());
    let flex = sigmoid_error(Device::flex());
    assert!(
        ndarray > 1e-10 && ndarray < 1e-6,
        "burn-ndarray's f64 sigmoid: relative error {ndarray:e} (f32 size expected; a fix \
         upstream shows here: update src/findings.rs and docs/findings.md)"
    );
    assert!(
        flex < 1e-14,
        "burn-flex's f64 sigmoid: relative error {flex:e}"
    );
}

/// The gate keeps the FAIL, names the finding and the first quantity off.
#[test]
fn the_gate_fails_the_sigmoid_on_ndarray_in_f64_and_names_it() {
    let path = common::repo("configs/moons_sigmoid_momentum.toml");
    let mut config = Config::load(&path).unwrap();
    config.train.epochs = 1;
    config.compare.precision = Precision::F64;
    for (backend, fails) in [(Backend::Ndarray, true), (Backend::Flex, false)] {
        config.compare.backend = backend;
        let run = RunSetup::new(&config, None).unwrap().train(|_| {}).unwrap();
        if !fails {
            assert!(run.passed(), "{:?}", run.first_disagreement);
            continue;
        }
        let d = run.first_disagreement.expect("the finding fails the gate");
        assert_eq!(d.finding, Some("ndarray-sigmoid-f32"));
        assert_eq!((d.epoch, d.step), (1, 0), "{d}");
        let cause = d.cause.as_deref().unwrap_or_default();
        assert!(
            cause.contains("hidden layer 0's output (after sigmoid)")
                && cause.contains("single-precision size"),
            "{cause}"
        );
        // Of f32's size, not more: in units of f32's rounding bound it is within the limit.
        assert!(
            d.value * f64::EPSILON / f32::EPSILON as f64 <= d.tolerance,
            "{d}"
        );
    }
}
