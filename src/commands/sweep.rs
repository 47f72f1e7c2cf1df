//! `mlp2d sweep`: random problems under the agreement gate (src/sweep.rs), and the exit status.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

#[derive(clap::Args)]
pub struct Args {
    /// How many problems (run indices 0..N).
    #[arg(long, default_value_t = 100)]
    pub runs: usize,
    /// The sweep's seed: run R of seed S is the same problem everywhere.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Run only the runs R with R mod N = K - 1, e.g. 2/3 (for a batch scheduler's array job).
    #[arg(long, value_name = "K/N", default_value = "1/1")]
    pub shard: crate::sweep::Shard,
    /// Output folder.
    #[arg(long, default_value = "sweep")]
    pub out: PathBuf,
    /// Worker threads [default: the number of cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override the gate's err_bound_limit (for experiments: the failing runs' configs keep it).
    #[arg(long)]
    pub err_bound_limit: Option<f64>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let opts = crate::sweep::SweepOptions {
        runs: args.runs,
        seed: args.seed,
        shard: args.shard,
        out: args.out,
        threads,
        quiet: args.quiet,
        limit: args.err_bound_limit,
    };
    if let Some(l) = opts.limit
        && (l.is_nan() || l < 0.0)
    {
        anyhow::bail!("--err-bound-limit must be a number >= 0, got {l}");
    }
    let rows = crate::sweep::sweep(&opts)?;
    print!("{}", crate::report::sweep::summary_table(&rows));
    println!("rows in {}", opts.out.join("sweep.csv").display());
    let failed: Vec<_> = rows
        .iter()
        .filter(|r| r.verdict == crate::metrics::Verdict::Fail)
        .collect();
    for r in &failed {
        eprintln!(
            "error: run {} failed: {} (config: {})",
            r.run,
            r.detail,
            opts.out.join(format!("run-{}.toml", r.run)).display()
        );
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
