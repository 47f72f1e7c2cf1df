//! Each hand-written backward pass against central finite differences in f64:
//! `∂L/∂θ ≈ (L(θ + h) − L(θ − h)) / 2h`. A probe loss `L = Σ f(x) ⊙ R` with a fixed random `R`
//! makes `∂L/∂f = R`, so a layer is checked on its own.

mod common;

use common::textbook::{Linear, Relu, softmax_cross_entropy};
use mlp2d::config::Activation;
use mlp2d::manual::Mlp;
use mlp2d::metrics::rel_err;
use mlp2d::params::{LayerParams, Params};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const H: f64 = 1e-6;
// Central differences of smooth functions in f64 are good to ~1e-9 relative at h = 1e-6.
const TOL: f64 = 1e-7;

fn random(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Array2<f64> {
    Array2::from_shape_simple_fn((rows, cols), || rng.gen_range(-1.0..1.0))
}

/// Central differences of `f` with respect to every entry of `at`.
fn numeric<D: ndarray::Dimension>(
    at: &ndarray::Array<f64, D>,
    mut f: impl FnMut(&ndarray::Array<f64, D>) -> f64,
) -> ndarray::Array<f64, D> {
    let mut grad = at.clone();
    let mut probe = at.clone();
    for (i, g) in grad.iter_mut().enumerate() {
        let orig = *probe.iter().nth(i).unwrap();
        *probe.iter_mut().nth(i).unwrap() = orig + H;
        let up = f(&probe);
        *probe.iter_mut().nth(i).unwrap() = orig - H;
        let down = f(&probe);
        *probe.iter_mut().nth(i).unwrap() = orig;
        *g = (up - down) / (2.0 * H);
    }
    grad
}

fn assert_close(what: &str, a: &[f64], b: &[f64]) {
    let e = rel_err(a, b);
    assert!(
        e < TOL,
        "{what}: relative error {e:e}\n  analytic {a:?}\n  numeric  {b:?}"
    );
}

fn flat<D: ndarray::Dimension>(a: &ndarray::Array<f64, D>) -> Vec<f64> {
    a.iter().copied().collect()
}

#[test]
fn linear_backward_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (x, w, b) = (
        random(5, 3, &mut rng),
        random(3, 4, &mut rng),
        random(1, 4, &mut rng),
    );
    let b = b.row(0).to_owned();
    let r = random(5, 4, &mut rng);
    let probe = |x: &Array2<f64>, w: &Array2<f64>, b: &Array1<f64>| {
        (Linear::new(w.clone(), b.clone()).forward(x) * &r).sum()
    };

    let mut layer = Linear::new(w.clone(), b.clone());
    layer.forward(&x);
    let grad_x = layer.backward(&r);

    assert_close(
        "∂L/∂W",
        &flat(&layer.layer.grad_weight),
        &flat(&numeric(&w, |w| probe(&x, w, &b))),
    );
    assert_close(
        "∂L/∂b",
        &flat(&layer.layer.grad_bias),
        &flat(&numeric(&b, |b| probe(&x, &w, b))),
    );
    assert_close(
        "∂L/∂x",
        &flat(&grad_x),
        &flat(&numeric(&x, |x| probe(x, &w, &b))),
    );
}

#[test]
fn relu_backward_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    // Keep inputs away from the kink at 0, where the derivative does not exist.
    let x = random(6, 5, &mut rng).mapv(|v| if v.abs() < 0.05 { v + 0.1 } else { v });
    let r = random(6, 5, &mut rng);
    let mut relu = Relu::default();
    relu.forward(&x);
    let grad = relu.backward(&r);
    let numeric = numeric(&x, |x| (Relu::default().forward(x) * &r).sum());
    assert_close("∂relu/∂x", &flat(&grad), &flat(&numeric));
    // Where the input was negative, nothing passes.
    for (g, v) in grad.iter().zip(&x) {
        if *v < 0.0 {
            assert_eq!(*g, 0.0);
        }
    }
}

#[test]
fn softmax_cross_entropy_gradient_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let logits = random(7, 4, &mut rng) * 3.0;
    let targets = [0, 3, 1, 2, 2, 0, 3];
    let (_, grad) = softmax_cross_entropy(&logits, &targets);
    let numeric = numeric(&logits, |z| softmax_cross_entropy(z, &targets).0);
    assert_close("∂L/∂z", &flat(&grad), &flat(&numeric));
}

#[test]
fn softmax_cross_entropy_is_stable_for_huge_logits() {
    let logits: Array2<f64> =
        Array2::from_shape_vec((2, 3), vec![1000.0, 0.0, -1000.0, -800.0, 800.0, 0.0]).unwrap();
    let (loss, grad) = softmax_cross_entropy(&logits, &[0, 1]);
    assert!(loss.is_finite() && loss.abs() < 1e-12, "loss {loss}");
    assert!(grad.iter().all(|g| g.is_finite()));
    let (loss, _) = softmax_cross_entropy(&logits, &[2, 0]);
    // −log softmax = 2000 for the first row, 1600 for the second: mean 1800.
    assert!((loss - 1800.0).abs() < 1e-9, "loss {loss}");
}

#[test]
fn whole_network_backward_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let sizes = [3, 6, 5, 4];
    let params = Params {
        layers: sizes
            .windows(2)
            .map(|w| LayerParams {
                weight: random(w[0], w[1], &mut rng),
                bias: random(1, w[1], &mut rng).row(0).to_owned(),
            })
            .collect(),
    };
    let x = random(8, 3, &mut rng);
    let y = [0, 1, 2, 3, 3, 2, 1, 0];
    let mut net = Mlp::<f64>::from_params(&params, Activation::Relu);
    net.loss_and_backward(&x, &y);
    let grads = net.grads();
    let loss_with = |p: &Params| Mlp::<f64>::from_params(p, Activation::Relu).loss(&x, &y);
    for (i, layer) in params.layers.iter().enumerate() {
        let num_w = numeric(&layer.weight, |w| {
            let mut p = params.clone();
            p.layers[i].weight = w.clone();
            loss_with(&p)
        });
        let num_b = numeric(&layer.bias, |b| {
            let mut p = params.clone();
            p.layers[i].bias = b.clone();
            loss_with(&p)
        });
        assert_close(
            &format!("layer {i} weight"),
            &flat(&grads.layers[i].weight),
            &flat(&num_w),
        );
        assert_close(
            &format!("layer {i} bias"),
            &flat(&grads.layers[i].bias),
            &flat(&num_b),
        );
    }
}

#[test]
fn a_wrong_backward_is_caught() {
    // The check itself must be able to fail: a gradient with one flipped sign is far off.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (x, w) = (random(4, 3, &mut rng), random(3, 2, &mut rng));
    let b = Array1::zeros(2);
    let r = random(4, 2, &mut rng);
    let mut layer = Linear::new(w.clone(), b.clone());
    layer.forward(&x);
    layer.backward(&r);
    let wrong = -&layer.layer.grad_weight;
    let numeric = numeric(&w, |w| {
        (Linear::new(w.clone(), b.clone()).forward(&x) * &r).sum()
    });
    assert!(rel_err(&flat(&wrong), &flat(&numeric)) > 1.0);
}
