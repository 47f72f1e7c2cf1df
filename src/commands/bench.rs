//! `mlp2d bench`: one training step of each twin, timed (src/bench.rs).

use std::process::ExitCode;

use anyhow::Result;

use crate::bench::Which;
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
    /// Burn backends to time (comma-separated).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "ndarray,flex"
    )]
    pub backend: Vec<Backend>,
    /// Time spent on each row, in milliseconds.
    #[arg(long, default_value_t = 120)]
    pub ms: u64,
}

pub fn run(args: Args) -> Result<ExitCode> {
    use crate::bench::{Peak, run, table};
    let peak = Peak::estimate();
    let rows = run(
        args.twin,
        &args.backend,
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
