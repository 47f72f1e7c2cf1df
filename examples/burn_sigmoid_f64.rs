//! Minimal reproduction of a finding (docs/findings.md): burn-ndarray's `sigmoid` on f64
//! tensors is computed in f32. `cargo run --release --example burn_sigmoid_f64`.
//!
//! First a few ordinary inputs on both backends; then, on burn-ndarray, the error against
//! `x` down to and past `−88.72`, where `exp(−x)` overflows f32 and the sigmoid (and SiLU's
//! value and derivative) become 0.

use burn::prelude::*;
use burn::tensor::DType;

/// `1 / (1 + e^−x)` in f64, without overflow.
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        x.exp() / (1.0 + x.exp())
    }
}

/// burn's sigmoid of `xs` in f64, and the derivative of `silu(x).sum()` by its autodiff.
fn burn_sigmoid_and_silu_prime(device: &Device, xs: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let device = device.clone().autodiff();
    let t = Tensor::<1>::from_data(
        TensorData::new(xs.to_vec(), [xs.len()]),
        (&device, DType::F64),
    )
    .require_grad();
    let read = |t: Tensor<1>| -> Vec<f64> {
        t.into_data()
            .convert::<f64>()
            .try_into_vec::<f64>()
            .unwrap()
    };
    let s = read(burn::tensor::activation::sigmoid(t.clone()));
    let grads = burn::tensor::activation::silu(t.clone()).sum().backward();
    (s, read(t.grad(&grads).unwrap()))
}

fn main() {
    let xs: Vec<f64> = vec![-6.0, -0.7, 0.1, 1.9];
    #[allow(deprecated)]
    for (name, device) in [("ndarray", Device::ndarray()), ("flex", Device::flex())] {
        let (got, _) = burn_sigmoid_and_silu_prime(&device, &xs);
        for (&x, &g) in xs.iter().zip(&got) {
            let want = sigmoid(x);
            println!(
                "{name:8} x = {x:5}: burn {g:.17}  1/(1+e^-x) {want:.17}  relative error {:.1e}",
                ((g - want) / want).abs()
            );
        }
    }

    // The relative errors in units of f32's unit roundoff, and over |x|.
    let u = f64::from(f32::EPSILON) / 2.0;
    let xs: Vec<f64> = vec![
        -1.3, -10.3, -20.3, -40.3, -60.3, -80.3, -88.7, -88.8, -97.5, -300.3, 10.3, 16.3,
    ];
    #[allow(deprecated)]
    let (got, prime) = burn_sigmoid_and_silu_prime(&Device::ndarray(), &xs);
    println!("ndarray, f64: relative errors in units of f32's unit roundoff u = 2^-24");
    for ((&x, &s), &p) in xs.iter().zip(&got).zip(&prime) {
        let want = sigmoid(x);
        let want_prime = want + x * want * (1.0 - want);
        let e = ((s - want) / want).abs() / u;
        let e_prime = ((p - want_prime) / want_prime).abs() / u;
        println!(
            "x = {x:7}: sigmoid burn {s:.6e} exact {want:.6e} error {e:9.3e} u ({:6.3} u per |x|)  SiLU' error {e_prime:9.3e} u",
            e / x.abs()
        );
    }
}
