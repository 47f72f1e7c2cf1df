//! Minimal reproduction of a finding (docs/findings.md, `wgpu-f64`): burn's wgpu backend takes
//! f64 tensors, says it supports F64, and returns wrong numbers for some of its f64 ops, silently.
//! Each op once on a few values, against f64 on the host:
//! `cargo run --release --features gpu --example burn_wgpu_f64 [-- cpu|gpu]`.
//! With `MESA_SPIRV_DUMP_PATH=DIR` lavapipe writes every SPIR-V module it is given to DIR, for
//! `spirv-val --target-env vulkan1.3 DIR/*.spv`.

use burn::prelude::*;
use burn::tensor::{DType, DeviceKind};

type Op = (&'static str, fn(Tensor<1>) -> Tensor<1>, fn(f64) -> f64);

fn main() {
    let kind = match std::env::args().nth(1).as_deref() {
        Some("gpu") => DeviceKind::DiscreteGpu(0),
        _ => DeviceKind::Cpu,
    };
    let device = Device::wgpu(kind);
    println!(
        "device {:?}, supports F64: {}",
        device.identity().map(|i| i.name),
        device.supports_dtype(DType::F64)
    );
    let xs = vec![-2.5f64, -0.75, 0.5, 1.25, 3.0];
    let ops: [Op; 8] = [
        ("x (a round trip)", |t| t, |x| x),
        ("x + 1", |t| t.add_scalar(1.0), |x| x + 1.0),
        ("x * x", |t| t.clone() * t, |x| x * x),
        ("x / 3", |t| t.div_scalar(3.0), |x| x / 3.0),
        ("sqrt(|x|)", |t| t.abs().sqrt(), |x| x.abs().sqrt()),
        ("exp(x)", |t| t.exp(), f64::exp),
        ("log(|x|)", |t| t.abs().log(), |x| x.abs().ln()),
        ("tanh(x)", |t| t.tanh(), f64::tanh),
    ];
    for dtype in [DType::F32, DType::F64] {
        println!("\n{dtype:?}: op, largest relative error over x = {xs:?}");
        for (name, op, exact) in ops {
            let x =
                Tensor::<1>::from_data(TensorData::new(xs.clone(), [xs.len()]), (&device, dtype));
            let got: Vec<f64> = op(x)
                .into_data()
                .convert::<f64>()
                .try_to_vec::<f64>()
                .unwrap();
            let worst = xs
                .iter()
                .zip(&got)
                .map(|(&x, &g)| (g - exact(x)).abs() / exact(x).abs().max(1e-300))
                .fold(
                    0.0,
                    |a: f64, e| if e.is_nan() { f64::INFINITY } else { a.max(e) },
                );
            println!("  {name:18} {worst:9.2e}   {got:?}");
        }
        // A reduction and a matrix product: Σx and x·xᵀ as [1, n]·[n, 1].
        let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [xs.len()]), (&device, dtype));
        let sum: Vec<f64> = x
            .clone()
            .sum()
            .into_data()
            .convert::<f64>()
            .try_to_vec::<f64>()
            .unwrap();
        let row = x.clone().reshape([1, xs.len()]);
        let dot: Vec<f64> = row
            .clone()
            .matmul(row.transpose())
            .into_data()
            .convert::<f64>()
            .try_to_vec::<f64>()
            .unwrap();
        let want_sum: f64 = xs.iter().sum();
        let want_dot: f64 = xs.iter().map(|x| x * x).sum();
        println!(
            "  {:18} {:9.2e}   {sum:?}",
            "sum(x)",
            (sum[0] - want_sum).abs() / want_sum.abs()
        );
        println!(
            "  {:18} {:9.2e}   {dot:?}",
            "x·xᵀ (matmul)",
            (dot[0] - want_dot).abs() / want_dot
        );
    }
}
