//! What one training step costs: `mlp2d bench` and the criterion benches (`benches/step.rs`)
//! time the same thing, one full step (forward, loss, backward, update) of each twin on a batch
//! that is already in the twin's own format, for a few net sizes in both precisions, with plain
//! SGD or with Adam (burn's defaults) as the update.
//!
//! Work per step, counted in multiply-adds of the matrix products (bias, ReLU, softmax and the
//! update are O(n·c) and left out): for layer sizes `c_0 … c_L` and `n` rows,
//! forward `x·W` costs `n·c_{i-1}·c_i` per layer, backward `xᵀ·g` the same, and `g·Wᵀ` the same
//! for every layer but the first (the data needs no gradient). So
//! `FLOP = 2·n·(3·Σ_i c_{i-1}·c_i − c_0·c_1)`, 2 FLOP per multiply-add.

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::Result;
use ndarray::Array2;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

use crate::burn_mlp::{Batch, BurnTwin};
use crate::config::{Activation, Backend, Init, Optimizer, Precision};
use crate::manual::{self, Scalar};
use crate::params::Params;
use crate::rng::{Stream, rng};
use crate::twins::NetSpec;

/// A net size and batch size to time.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub hidden: [usize; 2],
    pub batch: usize,
}

/// The sizes timed, 2 inputs and 2 classes each: a course-sized net, a mid-sized one, and one
/// where the matrix products dominate.
pub const CASES: [Case; 3] = [
    Case {
        hidden: [16, 16],
        batch: 32,
    },
    Case {
        hidden: [64, 64],
        batch: 64,
    },
    Case {
        hidden: [256, 256],
        batch: 256,
    },
];

/// Inputs and classes of every timed net.
pub const INPUTS: usize = 2;
pub const CLASSES: usize = 2;
/// Small enough that thousands of steps on one batch stay finite.
pub const LEARNING_RATE: f64 = 1e-3;

impl Case {
    pub fn sizes(&self) -> Vec<usize> {
        vec![INPUTS, self.hidden[0], self.hidden[1], CLASSES]
    }

    /// `2·n·(3·Σ_i c_{i-1}·c_i − c_0·c_1)`, see the module docs.
    pub fn flops_per_step(&self) -> f64 {
        flops_per_step(&self.sizes(), self.batch)
    }

    pub fn label(&self) -> String {
        format!("[{},{}]/{}", self.hidden[0], self.hidden[1], self.batch)
    }
}

/// `2·n·(3·Σ_i c_{i-1}·c_i − c_0·c_1)` for layer sizes `c_0 … c_L` and `n` rows.
pub fn flops_per_step(sizes: &[usize], n: usize) -> f64 {
    let macs: usize = sizes.windows(2).map(|w| w[0] * w[1]).sum();
    2.0 * n as f64 * (3 * macs - sizes[0] * sizes[1]) as f64
}

pub const FLOP_FORMULA: &str = "FLOP/step = 2·n·(3·Σ c_{i-1}·c_i − c_0·c_1)  (forward x·W, backward xᵀ·g and g·Wᵀ, no g·Wᵀ for the first layer)";

/// Adam's steps start over from the initial parameters and empty moments every this many
/// steps, in both twins (the restart is timed with them). Left running on one batch, Adam fits
/// it and, in f32, the first moments of units that died decay into subnormal floats and stay
/// there (the smallest one times β₁ rounds back to itself), which are many times slower to
/// compute with: the hand-written f32 step at [64,64]/64 took 34 µs over steps 1–1000 and
/// 117 µs over steps 99 001–100 000, with 189 subnormal first moments. So an Adam row times the
/// first steps of a run, whatever the budget. Plain SGD (learning rate 1e-3) does not get there
/// and runs on.
pub const ADAM_RESTART: usize = 500;

/// The update a timed step ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StepOptimizer {
    /// Plain SGD.
    Sgd,
    /// Adam with burn's defaults (β₁ 0.9, β₂ 0.999, ε 1e-5, no weight decay).
    Adam,
}

impl StepOptimizer {
    pub const ALL: [StepOptimizer; 2] = [StepOptimizer::Sgd, StepOptimizer::Adam];

    /// Steps after which the timed run starts over (see [`ADAM_RESTART`]).
    pub fn restart_every(self) -> Option<usize> {
        match self {
            StepOptimizer::Sgd => None,
            StepOptimizer::Adam => Some(ADAM_RESTART),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            StepOptimizer::Sgd => "sgd",
            StepOptimizer::Adam => "adam",
        }
    }

    /// The optimizer as both twins take it.
    pub fn spec(self) -> Optimizer {
        match self {
            StepOptimizer::Sgd => Optimizer::default(),
            StepOptimizer::Adam => crate::config::TrainConfig {
                optimizer: crate::config::OptimizerKind::Adam,
                ..Default::default()
            }
            .optimizer(),
        }
    }
}

/// A fixed random batch: standard-normal inputs (as after z-scoring) and alternating classes.
pub fn batch_data(case: &Case) -> (Array2<f64>, Vec<usize>) {
    let mut r = rng(7, Stream::Data);
    let x = Array2::from_shape_simple_fn((case.batch, INPUTS), || StandardNormal.sample(&mut r));
    let y = (0..case.batch).map(|i| i % CLASSES).collect();
    (x, y)
}

/// He-initialised parameters for a case (normal init would make the 256-wide net's logits huge).
pub fn case_params(case: &Case) -> Params {
    Params::init(&case.sizes(), Init::He, 7)
}

/// The hand-written twin with its batch and optimizer, ready to step.
pub struct ManualStep<T: Scalar> {
    net: manual::Mlp<T>,
    x: Array2<T>,
    y: Vec<usize>,
    optimizer: manual::Optimizer<T>,
    kind: StepOptimizer,
    initial: Params,
    steps: usize,
}

impl<T: Scalar> ManualStep<T> {
    pub fn new(case: &Case, optimizer: StepOptimizer) -> Self {
        let (x, y) = batch_data(case);
        let initial = case_params(case);
        Self {
            net: manual::Mlp::from_params(&initial, Activation::Relu),
            x: x.mapv(T::of_f64),
            y,
            optimizer: manual::Optimizer::new(optimizer.spec(), LEARNING_RATE),
            kind: optimizer,
            initial,
            steps: 0,
        }
    }

    /// Forward, loss, backward, update; returns the loss.
    pub fn step(&mut self) -> T {
        if self.kind.restart_every() == Some(self.steps) {
            self.net.set_params(&self.initial);
            self.optimizer = manual::Optimizer::new(self.kind.spec(), LEARNING_RATE);
            self.steps = 0;
        }
        self.steps += 1;
        let loss = self.net.loss_and_backward(&self.x, &self.y);
        self.optimizer.step(&mut self.net);
        loss
    }
}

/// The burn twin with its batch already on the device, ready to step.
pub struct BurnStep {
    twin: BurnTwin,
    batch: Batch,
    restart: Option<(usize, Params, NetSpec, Backend)>,
    steps: usize,
}

impl BurnStep {
    pub fn new(
        case: &Case,
        precision: Precision,
        backend: Backend,
        optimizer: StepOptimizer,
    ) -> Result<Self> {
        let (x, y) = batch_data(case);
        let spec = NetSpec {
            precision,
            activation: Activation::Relu,
            optimizer: optimizer.spec(),
            learning_rate: LEARNING_RATE,
        };
        let initial = case_params(case);
        let twin = BurnTwin::new(&initial, spec, backend)?;
        let batch = twin.batch(&x, &y);
        let restart = optimizer
            .restart_every()
            .map(|n| (n, initial, spec, backend));
        Ok(Self {
            twin,
            batch,
            restart,
            steps: 0,
        })
    }

    /// Forward, loss, backward, burn's update (its `Sgd` or `Adam`); returns the loss.
    pub fn step(&mut self) -> f64 {
        if let Some((n, initial, spec, backend)) = &self.restart
            && *n == self.steps
        {
            // A new twin on the same device: the batch stays where it is.
            self.twin = BurnTwin::new(initial, *spec, *backend).expect("built once already");
            self.steps = 0;
        }
        self.steps += 1;
        self.twin.step(&self.batch)
    }
}

/// Median time per call of `step`, from `chunks` timed chunks of calls after a warm-up, the
/// chunk length chosen so the whole takes about `budget`.
pub fn time_per_step(budget: Duration, mut step: impl FnMut()) -> Duration {
    let chunks = 9;
    // Warm-up: caches, the workspace's first allocation, burn's lazy initialisation.
    let start = Instant::now();
    let mut calls = 0u32;
    while calls < 3 || start.elapsed() < budget / 10 {
        step();
        calls += 1;
    }
    let per_call = start.elapsed() / calls;
    let per_chunk = (budget * 9 / 10 / chunks).as_secs_f64();
    let calls = ((per_chunk / per_call.as_secs_f64().max(1e-9)) as u32).max(1);
    let mut times: Vec<Duration> = (0..chunks)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..calls {
                step();
            }
            t.elapsed() / calls
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// One line of the table, one JSON object with `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct BenchRow {
    /// `manual` (hand-written), `burn-ndarray` or `burn-flex`.
    pub twin: &'static str,
    /// The burn backend (`ndarray` or `flex`); `none` for the hand-written twin.
    pub backend: &'static str,
    pub hidden: Vec<usize>,
    pub batch: usize,
    pub precision: &'static str,
    /// The update: `sgd` or `adam`.
    pub optimizer: &'static str,
    pub us_per_step: f64,
    pub samples_per_s: f64,
    pub flop_per_step: f64,
    pub gflops: f64,
    /// The machine's estimated peak in this precision (see [`Peak`]).
    pub peak_gflops: f64,
    /// A burn twin's first step, built and stepped once: lazy set-up, and on a GPU backend the
    /// compilation of its shaders (none for the hand-written twin).
    pub first_step_ms: Option<f64>,
}

/// Which twins to time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    All,
    Manual,
    Burn,
}

/// The machine's peak, two ways: from `/proc/cpuinfo` (cores × GHz × FMA lanes × 2 FLOP per
/// FMA × 2 FMA units per core, an assumption that holds for server Xeons and recent desktop
/// cores) and measured on a large matrix product with the same kernels the hand-written twin
/// uses (`gemm`, src/matmul.rs, all cores).
#[derive(Debug, Clone, Serialize)]
pub struct Peak {
    pub cpu: String,
    pub cores: usize,
    pub ghz: f64,
    /// SIMD width of the widest FMA: 512 (AVX-512), 256 (AVX2+FMA) or 128 bits.
    pub fma_bits: usize,
    pub theoretical_gflops_f32: f64,
    pub theoretical_gflops_f64: f64,
    pub measured_gflops_f32: f64,
    pub measured_gflops_f64: f64,
}

impl Peak {
    pub fn estimate() -> Self {
        let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let field = |name: &str| {
            info.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split(':').nth(1))
                .map(|v| v.trim().to_owned())
        };
        let cpu = field("model name").unwrap_or_else(|| "unknown CPU".to_owned());
        let ghz = field("cpu MHz")
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(2.0, |mhz| mhz / 1000.0);
        let flags = field("flags").unwrap_or_default();
        let has = |f: &str| flags.split_whitespace().any(|x| x == f);
        let fma_bits = if has("avx512f") {
            512
        } else if has("avx2") && has("fma") {
            256
        } else {
            128
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let fma_units = 2.0;
        let f64_lanes = (fma_bits / 64) as f64;
        let theoretical_gflops_f64 = cores as f64 * ghz * f64_lanes * 2.0 * fma_units;
        Peak {
            cpu,
            cores,
            ghz,
            fma_bits,
            theoretical_gflops_f32: 2.0 * theoretical_gflops_f64,
            theoretical_gflops_f64,
            measured_gflops_f32: measured_matmul::<f32>(),
            measured_gflops_f64: measured_matmul::<f64>(),
        }
    }

    pub fn for_precision(&self, precision: Precision) -> f64 {
        match precision {
            Precision::F32 => self.measured_gflops_f32,
            Precision::F64 => self.measured_gflops_f64,
        }
    }

    pub fn text(&self) -> String {
        format!(
            "machine: {}, {} cores at {:.2} GHz, {}-bit FMA\n\
             peak: theoretical {:.0} GFLOP/s f32, {:.0} f64 (cores × GHz × lanes × 2 FLOP/FMA × 2 FMA units);\n\
             \x20     measured {:.0} GFLOP/s f32, {:.0} f64 (1024³ matrix product, gemm as in the hand-written twin, all cores)",
            self.cpu,
            self.cores,
            self.ghz,
            self.fma_bits,
            self.theoretical_gflops_f32,
            self.theoretical_gflops_f64,
            self.measured_gflops_f32,
            self.measured_gflops_f64
        )
    }
}

/// GFLOP/s of a 1024 × 1024 × 1024 product, best of a few.
fn measured_matmul<T: Scalar>() -> f64 {
    let n = 1024;
    let a = Array2::from_elem((n, n), T::of_f64(0.5));
    let b = Array2::from_elem((n, n), T::of_f64(0.25));
    let mut c = Array2::zeros((n, n));
    let best = (0..4)
        .map(|_| {
            let t = Instant::now();
            crate::matmul::x_w(a.view(), b.view(), c.view_mut());
            black_box(&c);
            t.elapsed()
        })
        .min()
        .expect("timed");
    2.0 * (n * n * n) as f64 / best.as_secs_f64() / 1e9
}

/// Times every case in both precisions with each optimizer for the chosen twins, `budget` per
/// row.
pub fn run(
    which: Which,
    backends: &[Backend],
    optimizers: &[StepOptimizer],
    budget: Duration,
    peak: &Peak,
) -> Result<Vec<BenchRow>> {
    let mut rows = Vec::new();
    for case in &CASES {
        for (precision, &optimizer) in [Precision::F32, Precision::F64]
            .into_iter()
            .flat_map(|p| optimizers.iter().map(move |o| (p, o)))
        {
            let mut row =
                |twin, backend: &'static str, per_step: Duration, first: Option<Duration>| {
                    let us = per_step.as_secs_f64() * 1e6;
                    let flop = case.flops_per_step();
                    rows.push(BenchRow {
                        twin,
                        backend,
                        hidden: case.hidden.to_vec(),
                        batch: case.batch,
                        precision: precision.name(),
                        optimizer: optimizer.name(),
                        us_per_step: us,
                        samples_per_s: case.batch as f64 / (us * 1e-6),
                        flop_per_step: flop,
                        gflops: flop / (us * 1e3),
                        peak_gflops: peak.for_precision(precision),
                        first_step_ms: first.map(|d| d.as_secs_f64() * 1e3),
                    });
                };
            if which != Which::Burn {
                let per_step = match precision {
                    Precision::F32 => {
                        let mut s = ManualStep::<f32>::new(case, optimizer);
                        time_per_step(budget, || {
                            black_box(s.step());
                        })
                    }
                    Precision::F64 => {
                        let mut s = ManualStep::<f64>::new(case, optimizer);
                        time_per_step(budget, || {
                            black_box(s.step());
                        })
                    }
                };
                row("manual", "none", per_step, None);
            }
            if which != Which::Manual {
                for &backend in backends {
                    let started = Instant::now();
                    let mut s = BurnStep::new(case, precision, backend, optimizer)?;
                    // The first step alone: lazy set-up, and on a GPU backend the shaders of
                    // every kernel this shape needs, compiled.
                    black_box(s.step());
                    let first = started.elapsed();
                    let per_step = time_per_step(budget, || {
                        black_box(s.step());
                    });
                    let twin = match backend {
                        Backend::Ndarray => "burn-ndarray",
                        Backend::Flex => "burn-flex",
                        Backend::Wgpu => "burn-wgpu",
                        Backend::Cuda => "burn-cuda",
                    };
                    row(twin, backend.name(), per_step, Some(first));
                }
            }
        }
    }
    Ok(rows)
}

/// The rows as a table, with the machine and the FLOP count above it.
pub fn table(rows: &[BenchRow], peak: &Peak) -> String {
    let mut out = format!("{}\n{FLOP_FORMULA}\n\n", peak.text());
    out.push_str(&format!(
        "{:<13} {:<14} {:<4} {:<4} {:>12} {:>14} {:>10} {:>8} {:>14}\n",
        "twin",
        "net/batch",
        "prec",
        "opt",
        "µs/step",
        "samples/s",
        "GFLOP/s",
        "% peak",
        "1st step ms"
    ));
    for r in rows {
        let first = r
            .first_step_ms
            .map_or_else(|| "-".to_owned(), |ms| format!("{ms:.1}"));
        out.push_str(&format!(
            "{:<13} {:<14} {:<4} {:<4} {:>12.2} {:>14.0} {:>10.2} {:>7.1}% {first:>14}\n",
            r.twin,
            format!("[{},{}]/{}", r.hidden[0], r.hidden[1], r.batch),
            r.precision,
            r.optimizer,
            r.us_per_step,
            r.samples_per_s,
            r.gflops,
            100.0 * r.gflops / r.peak_gflops
        ));
    }
    out
}
