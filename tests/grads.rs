//! `mlp2d grads` and src/grads/: the three columns (hand-written, burn, finite differences)
//! reproduce the reference gradients, and the three-way check catches a broken backward.

mod common;

use common::textbook::{Linear, Relu, softmax_cross_entropy};
use common::{bin, moons64 as fixture, ok};
use mlp2d::config::{Activation, Backend, Config, Precision};
use mlp2d::data::prepare;
use mlp2d::grads::numeric::{Column, default_numeric_tol, kink_mask, loss_at, numeric};
use mlp2d::grads::three_way::{self, TwinJudge, Twins, three_way};
use mlp2d::metrics::rel_err;
use mlp2d::params::read_tensor;
use mlp2d::params::{LayerParams, Params};
use ndarray::Array2;

const SIZES: [usize; 4] = [2, 8, 8, 2];

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
        activation: Activation::Relu,
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
    assert!(
        report
            .failure()
            .unwrap()
            .starts_with("grad.layers.1.weight")
    );
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

/// The moons64 config with `activation` (and its keys) in `[model]`, written to `dir`; the data
/// stay the fixture's.
fn config_with(dir: &std::path::Path, activation: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(fixture("config.toml"))
        .unwrap()
        .replace(
            "path = \"data.csv\"",
            &format!("path = {:?}", fixture("data.csv").display().to_string()),
        )
        .replace(
            "hidden = [8, 8]",
            &format!("hidden = [8, 8]\nactivation = {activation}"),
        );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The three columns agree through every activation, on both backends and in both precisions:
/// the hand-written backward, burn's autodiff and finite differences of the plain f64 forward;
/// where burn-ndarray computes another function, its documented finding is named instead.
#[test]
fn grads_passes_through_every_activation() {
    for activation in [
        "\"tanh\"",
        "\"sigmoid\"",
        "\"leaky_relu\"\nnegative_slope = 0.1",
        "\"gelu\"",
        "\"silu\"",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = config_with(dir.path(), activation);
        let runs: [&[&str]; 4] = [
            &[],
            &["--precision", "f32"],
            &["--backend", "ndarray"],
            &["--backend", "ndarray", "--precision", "f32"],
        ];
        for extra in runs {
            let mut cmd = bin();
            cmd.args(["grads", "--config"])
                .arg(&config)
                .arg("--params")
                .arg(fixture("params.safetensors"))
                .args(extra);
            // burn-ndarray's sigmoid is f32 in an f64 run (SiLU's with it), and its GELU′ is
            // the tanh approximation's in either precision (src/findings.rs): burn disagrees
            // with the hand-written twin, and the known finding is named.
            let ndarray = extra.starts_with(&["--backend", "ndarray"]);
            let finding = match activation {
                "\"sigmoid\"" | "\"silu\"" if extra == ["--backend", "ndarray"] => {
                    Some("ndarray-sigmoid-f32")
                }
                "\"gelu\"" if ndarray => Some("gelu-backward-tanh"),
                _ => None,
            };
            if let Some(finding) = finding {
                let out = cmd.output().unwrap();
                let (stdout, stderr) = (
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr),
                );
                assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
                assert!(stderr.contains(finding), "{stderr}");
                continue;
            }
            let out = ok(&mut cmd);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                stdout.contains("PASS: all three agree") && stdout.contains("layers.2.bias"),
                "{activation} {extra:?}:\n{stdout}"
            );
            // Kinks only where the activation has them.
            let kinks = if activation.contains("leaky_relu") {
                "entries near a leaky ReLU kink left out"
            } else {
                "has no kink"
            };
            assert!(stdout.contains(kinks), "{activation}:\n{stdout}");
        }
    }
}

/// A mistaken activation backward fails the three-way check against the numeric column, for
/// each activation: the numeric column is the independent one.
#[test]
fn the_numeric_column_catches_a_mistaken_activation_backward() {
    use mlp2d::exact::{Mistake, pass};
    let config = Config::load(&fixture("config.toml")).unwrap();
    let prepared = prepare(&config).unwrap();
    let params = Params::load(&fixture("params.safetensors"), &SIZES).unwrap();
    let (x, y) = (&prepared.train.x, &prepared.train.y);
    for (a, m) in [
        (Activation::Tanh, Mistake::TanhNoSquare),
        (Activation::Sigmoid, Mistake::SigmoidPrimeAsSigma),
        (Activation::Gelu, Mistake::GeluPrimeAsCdf),
        (Activation::Silu, Mistake::SiluPrimeAsSigma),
        (
            Activation::LeakyRelu {
                negative_slope: 0.01,
            },
            Mistake::LeakySlopeWrongSide,
        ),
    ] {
        let num = numeric(&params, (x, y), a, 1e-6);
        let right = pass(&params, (x, y), a, None);
        let wrong = pass(&params, (x, y), a, Some(m));
        for i in 0..SIZES.len() - 1 {
            let flat = |p: &Params| -> Vec<f64> {
                p.layers[i]
                    .weight
                    .iter()
                    .chain(&p.layers[i].bias)
                    .copied()
                    .collect()
            };
            // The right pass is the numeric column's; the mistaken one is far off below the
            // last layer and exactly right in it.
            assert!(
                rel_err(&flat(&right.grads), &flat(&num.grads)) < 1e-6,
                "{a:?} {i}"
            );
            let e = rel_err(&flat(&wrong.grads), &flat(&num.grads));
            if i == SIZES.len() - 2 {
                assert!(e < 1e-6, "{a:?} {m:?} layer {i}: {e}");
            } else {
                assert!(e > 1e-2, "{a:?} {m:?} layer {i}: {e}");
            }
        }
    }
}
