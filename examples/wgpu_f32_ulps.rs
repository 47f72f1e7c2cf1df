//! How far burn's wgpu f32 `exp`, `log`, `tanh` and `sigmoid` are from the correctly rounded
//! value, in f32 ulps of the exact result, over a dense grid of inputs (docs/gpu.md):
//! `cargo run --release --features gpu --example wgpu_f32_ulps [-- cpu|gpu]`.
//! The agreement bound assumes a library function below one ulp (src/agreement/rounded.rs).

use burn::prelude::*;
use burn::tensor::{DType, DeviceKind, activation};

type Op = (
    &'static str,
    fn(Tensor<1>) -> Tensor<1>,
    fn(f64) -> f64,
    f64,
    f64,
);

/// One f32 ulp at `y`: the gap between the two f32 values around it.
fn ulp(y: f64) -> f64 {
    let y = (y.abs() as f32).max(f32::MIN_POSITIVE);
    f64::from(f32::from_bits(y.to_bits() + 1)) - f64::from(y)
}

fn main() {
    let kind = match std::env::args().nth(1).as_deref() {
        Some("gpu") => DeviceKind::DiscreteGpu(0),
        _ => DeviceKind::Cpu,
    };
    let device = Device::wgpu(kind);
    println!("device {:?}", device.identity().map(|i| i.name));
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    let ops: [Op; 12] = [
        ("exp(x)", |t| t.exp(), f64::exp, -87.0, -20.0),
        ("exp(x)", |t| t.exp(), f64::exp, -20.0, -1.0),
        ("exp(x)", |t| t.exp(), f64::exp, -1.0, 1.0),
        ("exp(x)", |t| t.exp(), f64::exp, 1.0, 20.0),
        ("exp(x)", |t| t.exp(), f64::exp, 20.0, 88.0),
        ("log(x)", |t| t.log(), f64::ln, 1e-6, 1e6),
        ("tanh(x)", |t| t.tanh(), f64::tanh, 0.1, 10.0),
        ("tanh(x)", |t| t.tanh(), f64::tanh, 1e-3, 0.1),
        ("tanh(x)", |t| t.tanh(), f64::tanh, 1e-7, 1e-3),
        ("sigmoid(x)", activation::sigmoid, sigmoid, -87.0, -20.0),
        ("sigmoid(x)", activation::sigmoid, sigmoid, -20.0, 20.0),
        ("sigmoid(x)", activation::sigmoid, sigmoid, -0.01, 0.01),
    ];
    let n = 1 << 16;
    println!("op: worst error in f32 ulps of the exact value, at x, over {n} f32 points");
    for (name, op, exact, lo, hi) in ops {
        let xs: Vec<f32> = (0..n)
            .map(|i| (lo + (hi - lo) * f64::from(i) / f64::from(n - 1)) as f32)
            .collect();
        let x = Tensor::<1>::from_data(
            TensorData::new(xs.clone(), [xs.len()]),
            (&device, DType::F32),
        );
        let got: Vec<f32> = op(x)
            .into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .unwrap();
        let (worst, at) = xs
            .iter()
            .zip(&got)
            .map(|(&x, &g)| {
                let want = exact(f64::from(x));
                ((f64::from(g) - want).abs() / ulp(want), x)
            })
            .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a });
        println!("  {name:12} on [{lo:e}, {hi:e}]  {worst:12.2}  at x = {at:e}");
    }
    // Subnormal numbers (below f32's smallest normal, 1.18e-38): kept, as IEEE 754 and a CPU
    // keep them, or flushed to zero.
    let tiny = [1e-39f32, 5e-40, 1e-44];
    let x = Tensor::<1>::from_data(TensorData::new(tiny.to_vec(), [3]), (&device, DType::F32));
    let times = |t: Tensor<1>| -> Vec<f32> { t.into_data().convert::<f32>().try_to_vec().unwrap() };
    println!(
        "subnormals {tiny:?}: x·70 = {:?} (want {:?}), x + 0 = {:?}",
        times(x.clone().mul_scalar(70.0)),
        tiny.map(|v| v * 70.0),
        times(x.clone().add_scalar(0.0))
    );
    let big = Tensor::<1>::from_data(
        TensorData::new(vec![1e-30f32, 3e-20], [2]),
        (&device, DType::F32),
    );
    println!(
        "1e-30·1e-9 (a subnormal product) and 3e-20·1e-9 = {:?}, want {:?}",
        times(big.mul_scalar(1e-9)),
        [1e-30f32 * 1e-9, 3e-20f32 * 1e-9]
    );
    let under = [-88.0f32, -90.0, -95.0, -100.0, -103.0];
    let x = Tensor::<1>::from_data(TensorData::new(under.to_vec(), [5]), (&device, DType::F32));
    println!(
        "exp({under:?}) = {:?}, want {:?}",
        times(x.exp()),
        under.map(f32::exp)
    );
}
