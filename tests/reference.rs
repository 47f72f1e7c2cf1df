//! The external oracle: `tests/fixtures/moons64/` was computed by numpy and JAX in float64,
//! sharing no code with this project. Both twins must reproduce its loss, gradients and 3-epoch
//! SGD trajectory to better than 1e-10.

use std::path::Path;

use mlp2d::agreement::Tolerances;
use mlp2d::burn_mlp::BurnTwin;
use mlp2d::config::{Backend, Precision, TrainConfig};
use mlp2d::data::Prepared;
use mlp2d::data::{Dataset, Normaliser, read_csv};
use mlp2d::lockstep::LockstepOptions;
use mlp2d::metrics::rel_err;
use mlp2d::params::Params;
use mlp2d::run_setup::RunSetup;
use mlp2d::twins::{NetSpec, manual_net};

/// The reference's net: ReLU, plain SGD at `learning_rate`, f64.
fn sgd(learning_rate: f64) -> NetSpec {
    NetSpec {
        learning_rate,
        ..NetSpec::evaluated(Precision::F64, mlp2d::config::Activation::Relu)
    }
}

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/moons64");
const SIZES: [usize; 4] = [2, 8, 8, 2];
const TOL: f64 = 1e-10;

/// The case's data, normalised over all 64 rows (the case has no test split).
fn data() -> Dataset {
    let raw = read_csv(&Path::new(DIR).join("data.csv")).unwrap();
    assert_eq!(raw.x.dim(), (64, 2));
    let norm = Normaliser::fit(&raw.x);
    Dataset {
        x: norm.apply(&raw.x),
        ..raw
    }
}

fn load(name: &str, sizes: &[usize]) -> Params {
    Params::load(&Path::new(DIR).join(name), sizes).unwrap()
}

/// `expected_grads.safetensors` holds `loss` [1] beside the gradients.
fn expected_loss() -> f64 {
    let bytes = std::fs::read(Path::new(DIR).join("expected_grads.safetensors")).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let view = file.tensor("loss").unwrap();
    f64::from_le_bytes(view.data()[..8].try_into().unwrap())
}

fn assert_close(what: &str, got: &Params, want: &Params) {
    for ((name, a), (_, b)) in got.named().iter().zip(want.named()) {
        let e = rel_err(a, &b);
        assert!(e < TOL, "{what}: {name} rel err {e:e}");
    }
}

#[test]
fn both_twins_reproduce_the_reference_loss_and_gradients() {
    let d = data();
    let params = load("params.safetensors", &SIZES);
    let grads = load("expected_grads.safetensors", &SIZES);
    let loss = expected_loss();

    let (lm, gm) = manual_net(&params, sgd(0.05)).loss_and_grads(&d.x, &d.y);
    assert!(
        rel_err(&[lm], &[loss]) < TOL,
        "hand-written loss {lm} vs {loss}"
    );
    assert_close("hand-written", &gm, &grads);

    let (lb, gb) = BurnTwin::new(&params, sgd(0.05), Backend::Flex)
        .unwrap()
        .loss_and_grads(&d.x, &d.y);
    assert!(rel_err(&[lb], &[loss]) < TOL, "burn loss {lb} vs {loss}");
    assert_close("burn", &gb, &grads);
}

fn expected_losses() -> Vec<f64> {
    std::fs::read_to_string(Path::new(DIR).join("expected_losses.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn both_twins_follow_the_reference_sgd_trajectory() {
    let d = data();
    let params = load("params.safetensors", &SIZES);
    let want_losses = expected_losses();
    let want_final = load("expected_final.safetensors", &SIZES);
    // 64 rows in batches of 16, 3 epochs, file order.
    assert_eq!(want_losses.len(), 12);

    let mut manual = manual_net(&params, sgd(0.05));
    let mut burn = BurnTwin::new(&params, sgd(0.05), Backend::Flex).unwrap();
    let rows: Vec<usize> = (0..64).collect();
    let mut step = 0;
    for _epoch in 0..3 {
        for batch in rows.chunks(16) {
            let xb = d.x.select(ndarray::Axis(0), batch);
            let yb: Vec<usize> = batch.iter().map(|&i| d.y[i]).collect();
            let (lm, _) = manual.train_step(&xb, &yb);
            let (lb, _) = burn.train_step(&xb, &yb);
            let want = want_losses[step];
            assert!(
                rel_err(&[lm], &[want]) < TOL,
                "step {step}: hand-written {lm} vs {want}"
            );
            assert!(
                rel_err(&[lb], &[want]) < TOL,
                "step {step}: burn {lb} vs {want}"
            );
            step += 1;
        }
    }
    assert_close("hand-written final", &manual.params(), &want_final);
    assert_close("burn final", &burn.params(), &want_final);
}

#[test]
fn the_harness_reproduces_the_reference_trajectory() {
    let d = data();
    let params = load("params.safetensors", &SIZES);
    let empty = Dataset {
        x: ndarray::Array2::zeros((0, 2)),
        y: vec![],
        classes: 2,
    };
    let prepared = Prepared {
        raw: d.clone(),
        train: d.clone(),
        test: empty,
        normaliser: Normaliser::fit(&d.x),
        warnings: vec![],
    };
    let train = TrainConfig {
        epochs: 3,
        batch_size: 16,
        learning_rate: 0.05,
        shuffle: false,
        ..TrainConfig::default()
    };
    let setup = RunSetup {
        prepared,
        sizes: SIZES.to_vec(),
        initial: params,
        train,
        options: LockstepOptions {
            precision: Precision::F64,
            backend: Backend::default(),
            activation: mlp2d::config::Activation::Relu,
            optimizer: mlp2d::config::Optimizer::default(),
            tolerances: Tolerances::defaults(Precision::F64),
            seed: 0,
        },
    };
    let run = setup.train(|_| {}).unwrap();
    assert_eq!(run.steps, 12);
    assert!(run.passed(), "{:?}", run.first_disagreement);
    let want_final = load("expected_final.safetensors", &SIZES);
    assert_close("harness hand-written final", &run.final_manual, &want_final);
    assert_close("harness burn final", &run.final_burn, &want_final);
}
