//! `mlp2d grads` (the three-way check), `mlp2d data` (CSV export) and parameter interop.

mod common;

use std::path::Path;

use common::textbook::{Linear, Relu, softmax_cross_entropy};
use mlp2d::config::{Activation, Backend, Config, Precision};
use mlp2d::data::prepare;
use mlp2d::grads::numeric::{Column, default_numeric_tol, kink_mask, loss_at, numeric};
use mlp2d::grads::three_way::{self, TwinJudge, Twins, three_way};
use mlp2d::metrics::rel_err;
use mlp2d::params::{LayerParams, Params};
use ndarray::Array2;

const SIZES: [usize; 4] = [2, 8, 8, 2];

use common::{bin, moons64 as fixture, ok};
use mlp2d::params::read_tensor;

#[test]
fn grads_reproduces_the_reference_in_all_three_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("grads.safetensors");
    let status = ok(bin()
        .args(["grads", "--config"])
        .arg(fixture("config.toml"))
        .arg("--params")
        .arg(fixture("params.safetensors"))
        .arg("--out")
        .arg(&out));
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(
        stdout.contains("layers.2.bias") && stdout.contains("PASS"),
        "{stdout}"
    );

    let got = std::fs::read(&out).unwrap();
    let want = std::fs::read(fixture("expected_grads.safetensors")).unwrap();
    let mut names = vec!["loss".to_owned()];
    for i in 0..3 {
        names.push(format!("layers.{i}.weight"));
        names.push(format!("layers.{i}.bias"));
    }
    for name in &names {
        let expected = read_tensor(&want, name).unwrap();
        for (column, tol) in [("manual", 1e-10), ("burn", 1e-10), ("numeric", 1e-6)] {
            let value = read_tensor(&got, &format!("{column}.{name}")).unwrap();
            let e = rel_err(&value, &expected);
            assert!(e < tol, "{column}.{name}: rel err {e:e}");
        }
    }
}

/// A hand-written backward with a classic mistake: the ReLU mask is forgotten, so gradient
/// flows through units that were off. (Test-only: the real net is in src/manual/.)
fn broken_gradients(params: &Params, x: &Array2<f64>, y: &[usize]) -> Column {
    let mut layers: Vec<Linear<f64>> = params
        .layers
        .iter()
        .map(|l| Linear::new(l.weight.clone(), l.bias.clone()))
        .collect();
    let mut relus: Vec<Relu<f64>> = (1..layers.len()).map(|_| Relu::default()).collect();
    let last = layers.len() - 1;
    let mut h = x.clone();
    for i in 0..=last {
        h = layers[i].forward(&h);
        if i < last {
            h = relus[i].forward(&h);
        }
    }
    let (loss, mut g) = softmax_cross_entropy(&h, y);
    for i in (0..=last).rev() {
        g = layers[i].backward(&g); // the bug: no relus[i - 1].backward(&g) in between
    }
    Column {
        loss,
        grads: Params {
            layers: layers
                .iter()
                .map(|l| LayerParams {
                    weight: l.layer.grad_weight.clone(),
                    bias: l.layer.grad_bias.clone(),
                })
                .collect(),
        },
    }
}

#[test]
fn the_three_way_check_catches_a_broken_backward() {
    let config = Config::load(&fixture("config.toml")).unwrap();
    let prepared = prepare(&config).unwrap();
    let params = Params::load(&fixture("params.safetensors"), &SIZES).unwrap();
    let twins = Twins {
        precision: Precision::F64,
        backend: Backend::Flex,
        activation: Activation::Relu,
        limit: mlp2d::agreement::Tolerances::of(&config.compare).err_bound_limit,
    };
    let (x, y) = (&prepared.train.x, &prepared.train.y);

    let good = three_way::run(&prepared, &params, twins, 1e-6, 1e-6).unwrap();
    let judge = TwinJudge {
        scales: &good.scales,
        precision: Precision::F64,
        limit: twins.limit,
    };
    assert!(good.report.passed(), "{}", good.report.table());

    let broken = broken_gradients(&params, x, y);
    let num = numeric(&params, (x, y), Activation::Relu, 1e-6);
    let kinks = kink_mask(&params, x, Activation::Relu, 1e-6);
    let report = three_way(
        &broken,
        &good.burn,
        &num,
        &kinks,
        judge,
        default_numeric_tol(false),
    );
    let failure = report
        .failure()
        .expect("a missing ReLU mask must be caught");
    assert!(
        failure.contains("manual–burn") || failure.contains("manual–numeric"),
        "{failure}"
    );
    // burn and the numeric column still agree: the check points at the broken side.
    for row in &report.rows {
        assert!(
            row.burn_numeric < 1e-6,
            "{}: {}",
            row.name,
            row.burn_numeric
        );
    }

    // A flipped sign in one gradient is caught too.
    let mut flipped = good.manual.clone();
    flipped.grads.layers[1].weight.mapv_inplace(|v| -v);
    let report = three_way(&flipped, &good.burn, &num, &kinks, judge, 1e-6);
    assert!(report.failure().unwrap().starts_with("layers.1.weight"));
}

#[test]
fn numeric_gradients_need_no_twin() {
    // The numeric column's loss equals the reference loss: its forward pass is right on its own.
    let config = Config::load(&fixture("config.toml")).unwrap();
    let prepared = prepare(&config).unwrap();
    let params = Params::load(&fixture("params.safetensors"), &SIZES).unwrap();
    let loss = loss_at(
        &params,
        (&prepared.train.x, &prepared.train.y),
        Activation::Relu,
    );
    let want = read_tensor(
        &std::fs::read(fixture("expected_grads.safetensors")).unwrap(),
        "loss",
    )
    .unwrap();
    assert!(rel_err(&[loss], &want) < 1e-12);
}

#[test]
fn data_round_trips_through_csv_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("moons.csv");
    let moons = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/moons.toml");
    ok(bin()
        .args(["data", "--config"])
        .arg(&moons)
        .arg("--out")
        .arg(&csv));

    let config = Config::load(&moons).unwrap();
    let generated = mlp2d::data::load(&config.data, config.seed, &config.base_dir).unwrap();
    let read_back = Config::parse(&format!(
        "name = \"back\"\n[data]\nkind = \"csv\"\npath = {:?}\n",
        csv.to_str().unwrap()
    ))
    .unwrap();
    let read_back = mlp2d::data::load(&read_back.data, 0, Path::new(".")).unwrap();
    assert_eq!(read_back.y, generated.y);
    assert_eq!(read_back.classes, generated.classes);
    let bits = |a: &Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&read_back.x), bits(&generated.x));

    // --split train gives exactly the training rows compare uses (before normalisation).
    let train_csv = dir.path().join("train.csv");
    let out = bin()
        .args(["data", "--split", "train", "--config"])
        .arg(&moons)
        .arg("--out")
        .arg(&train_csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let train = mlp2d::data::read_csv(&train_csv).unwrap();
    let split = mlp2d::data::split(&generated, config.data.test_fraction, config.seed);
    assert_eq!(bits(&train.x), bits(&split.train.x));
    assert_eq!(train.y.len(), 800);
}

#[test]
fn parameter_files_from_numpy_are_read_with_their_values() {
    // params.safetensors was written by numpy's safetensors package (float64).
    let params = Params::load(&fixture("params.safetensors"), &SIZES).unwrap();
    assert_eq!(params.sizes(), SIZES);
    for layer in &params.layers {
        assert!(layer.bias.iter().all(|&b| b == 0.1));
    }
    let raw = read_tensor(
        &std::fs::read(fixture("params.safetensors")).unwrap(),
        "layers.1.weight",
    )
    .unwrap();
    let ours: Vec<f64> = params.layers[1].weight.iter().copied().collect();
    assert_eq!(ours, raw, "row-major [c_in, c_out] layout");

    // An f32 file (as PyTorch writes by default) is read and widened exactly.
    let bytes = params.to_safetensors(Precision::F32).unwrap();
    let back = Params::from_safetensors(&bytes, &SIZES).unwrap();
    assert_eq!(back, params.rounded(Precision::F32));
    assert_ne!(
        back, params,
        "f32 rounding must be visible, or this test checks nothing"
    );
}

#[test]
fn compare_starts_from_an_init_file_exactly() {
    let dir = tempfile::tempdir().unwrap();
    ok(bin()
        .args(["compare", "--quiet", "--config"])
        .arg(fixture("config.toml"))
        .arg("--init")
        .arg(fixture("params.safetensors"))
        .arg("--out")
        .arg(dir.path()));
    let initial = Params::load(&dir.path().join("initial.safetensors"), &SIZES).unwrap();
    assert_eq!(
        initial,
        Params::load(&fixture("params.safetensors"), &SIZES).unwrap()
    );
    // And the run follows the reference trajectory to its end.
    let want = Params::load(&fixture("expected_final.safetensors"), &SIZES).unwrap();
    for name in ["final_manual.safetensors", "final_burn.safetensors"] {
        let got = Params::load(&dir.path().join(name), &SIZES).unwrap();
        for ((n, a), (_, b)) in got.named().iter().zip(want.named()) {
            assert!(rel_err(a, &b) < 1e-10, "{name} {n}");
        }
    }
}

#[test]
fn data_plot_draws_a_png() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("spiral.png");
    ok(bin()
        .args(["data", "--config"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/spiral.toml"))
        .arg("--out")
        .arg(dir.path().join("spiral.csv"))
        .arg("--plot")
        .arg(&png));
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(bytes.len() > 10_000, "a blank picture would be tiny");
}
