//! One full step (forward, loss, backward, update) of each twin, per net size, precision and
//! update (plain SGD, and Adam with burn's defaults): `cargo bench --bench step`. Throughput is in samples (rows) per second; `mlp2d bench` prints
//! the same matrix with GFLOP/s beside the machine's peak.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mlp2d::bench::{BurnStep, CASES, ManualStep, StepOptimizer};
use mlp2d::config::{Backend, Precision};

// The same allocator as the `mlp2d` binary, so the numbers match `mlp2d bench`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn steps(c: &mut Criterion) {
    for case in &CASES {
        let mut group = c.benchmark_group(format!("step {}", case.label()));
        group
            .throughput(Throughput::Elements(case.batch as u64))
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .sample_size(20);
        for optimizer in StepOptimizer::ALL {
            // Plain SGD keeps the names it had before Adam was timed too.
            let suffix = match optimizer {
                StepOptimizer::Sgd => String::new(),
                o => format!(" {}", o.name()),
            };
            let mut manual32 = ManualStep::<f32>::new(case, optimizer);
            group.bench_function(format!("manual f32{suffix}"), |b| {
                b.iter(|| black_box(manual32.step()))
            });
            let mut manual64 = ManualStep::<f64>::new(case, optimizer);
            group.bench_function(format!("manual f64{suffix}"), |b| {
                b.iter(|| black_box(manual64.step()))
            });
            for backend in [Backend::Ndarray, Backend::Flex] {
                for precision in [Precision::F32, Precision::F64] {
                    let mut burn =
                        BurnStep::new(case, precision, backend, optimizer).expect("burn twin");
                    let name = format!("burn-{} {}{suffix}", backend.name(), precision.name());
                    group.bench_function(name, |b| b.iter(|| black_box(burn.step())));
                }
            }
        }
        group.finish();
    }
}

criterion_group!(benches, steps);
criterion_main!(benches);
