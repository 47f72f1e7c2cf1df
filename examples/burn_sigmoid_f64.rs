//! Minimal reproduction of a finding (docs/findings.md): burn-ndarray's
//! `sigmoid` on f64 tensors is computed in f32. `cargo run --release --example burn_sigmoid_f64`.

use burn::prelude::*;
use burn::tensor::DType;

fn main() {
    let xs: Vec<f64> = vec![-6.0, -0.7, 0.1, 1.9];
    #[allow(deprecated)]
    for (name, device) in [("ndarray", Device::ndarray()), ("flex", Device::flex())] {
        let t = Tensor::<1>::from_data(
            TensorData::new(xs.clone(), [xs.len()]),
            (&device, DType::F64),
        );
        let got: Vec<f64> = burn::tensor::activation::sigmoid(t)
            .into_data()
            .convert::<f64>()
            .try_into_vec::<f64>()
            .unwrap();
        for (&x, &g) in xs.iter().zip(&got) {
            let want = 1.0 / (1.0 + (-x).exp());
            println!(
                "{name:8} x = {x:5}: burn {g:.17}  1/(1+e^-x) {want:.17}  relative error {:.1e}",
                ((g - want) / want).abs()
            );
        }
    }
}
