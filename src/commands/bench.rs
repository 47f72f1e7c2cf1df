//! `mlp2d bench`: one training step of each twin, timed (src/bench.rs).

use std::process::ExitCode;

use anyhow::Result;

use crate::bench::{StepOptimizer, Which};
use crate::config::Backend;

#[derive(clap::Args)]
pub struct Args {
    /// One JSON object per row (twin, backend, hidden, batch, precision, us_per_step,
    /// samples_per_s, gflops, …) instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Which twins to time.
    #[arg(long, value_enum, default_value = "all")]
    pub twin: Which,
    /// Burn backends to time (comma-separated; wgpu and cuda need a build with `--features gpu`
    /// or `cuda`, and wgpu runs on `--device`).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "ndarray,flex"
    )]
    pub backend: Vec<Backend>,
    /// The device the wgpu backend runs on: a GPU if there is one, else the CPU device (auto).
    #[arg(long, value_enum, default_value = "auto")]
    pub device: crate::config::DeviceChoice,
    /// The update each timed step ends with (comma-separated): plain SGD, and/or Adam with
    /// burn's defaults (its moments updated every step).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "sgd")]
    pub optimizer: Vec<StepOptimizer>,
    /// Time spent on each row, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 120, value_parser = super::args::whole::<u64>(1))]
    pub ms: u64,
}

pub fn run(args: Args) -> Result<ExitCode> {
    use crate::bench::{Peak, run, table};
    // `--backend flex,flex` times flex once.
    let mut backends: Vec<Backend> = Vec::new();
    for b in args.backend {
        crate::burn_device::ensure_built(b)?;
        if backends.contains(&b) {
            eprintln!("note: --backend {} given twice: timed once", b.name());
        } else {
            backends.push(b);
        }
    }
    let mut optimizers: Vec<StepOptimizer> = Vec::new();
    for o in args.optimizer {
        if !optimizers.contains(&o) {
            optimizers.push(o);
        }
    }
    crate::burn_device::choose(args.device)?;
    if let Some(device) = backends
        .iter()
        .find_map(|&b| crate::burn_device::describe(b).transpose())
    {
        println!("GPU backend on {}", device?);
    }
    let peak = Peak::estimate();
    let rows = run(
        args.twin,
        &backends,
        &optimizers,
        std::time::Duration::from_millis(args.ms),
        &peak,
    )?;
    if args.json {
        for r in &rows {
            println!("{}", serde_json::to_string(r)?);
        }
    } else {
        print!("{}", table(&rows, &peak));
    }
    Ok(ExitCode::SUCCESS)
}
