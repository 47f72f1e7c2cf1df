//! `mlp2d bench`: one training step of each twin, timed (src/bench.rs).

use std::process::ExitCode;

use anyhow::Result;

use crate::config::Backend;

#[derive(clap::Args)]
pub struct Args {
    /// One JSON object per row (twin, backend, hidden, batch, precision, us_per_step,
    /// samples_per_s, gflops, …) instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Which twins to time.
    #[arg(long, value_parser = ["all", "manual", "burn"], default_value = "all")]
    pub twin: String,
    /// Burn backends to time (comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = ["ndarray", "flex"], default_value = "ndarray,flex")]
    pub backend: Vec<String>,
    /// Time spent on each row, in milliseconds.
    #[arg(long, default_value_t = 120)]
    pub ms: u64,
}

pub fn run(args: Args) -> Result<ExitCode> {
    use crate::bench::{Peak, Which, run, table};
    let which = match args.twin.as_str() {
        "manual" => Which::Manual,
        "burn" => Which::Burn,
        _ => Which::All,
    };
    let backends: Vec<Backend> = args
        .backend
        .iter()
        .filter_map(|b| Backend::from_name(b))
        .collect();
    let peak = Peak::estimate();
    let rows = run(
        which,
        &backends,
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
