//! Minimal reproduction of a finding (docs/findings.md): burn-ndarray differentiates GELU with
//! the derivative of its tanh approximation. `cargo run --release --example burn_gelu_backward`.

use burn::prelude::*;
use burn::tensor::DType;

/// GELU′(z) = Φ(z) + z·φ(z), in f64.
fn gelu_prime(z: f64) -> f64 {
    let cdf = 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
    let density = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    cdf + z * density
}

fn main() {
    let zs: Vec<f64> = vec![-2.02, -0.5, 0.1, 1.0, 2.02];
    #[allow(deprecated)]
    for (name, device) in [("ndarray", Device::ndarray()), ("flex", Device::flex())] {
        let device = device.autodiff();
        let z = Tensor::<1>::from_data(
            TensorData::new(zs.clone(), [zs.len()]),
            (&device, DType::F64),
        )
        .require_grad();
        let grads = burn::tensor::activation::gelu(z.clone()).sum().backward();
        let got: Vec<f64> = z
            .grad(&grads)
            .unwrap()
            .into_data()
            .convert::<f64>()
            .try_into_vec::<f64>()
            .unwrap();
        for (&z, &g) in zs.iter().zip(&got) {
            let want = gelu_prime(z);
            println!(
                "{name:8} z = {z:5}: burn {g:.17}  Φ(z)+z·φ(z) {want:.17}  difference {:.1e}",
                g - want
            );
        }
    }
}
