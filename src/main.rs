//! The `mlp2d` command line: thin; the work is in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use mlp2d::compare::{initial_params, layer_sizes, prepare, train_lockstep};
use mlp2d::config::{Config, Precision};
use mlp2d::output::prepare_dir;
use mlp2d::report::{Summary, write_run};

#[derive(Parser)]
#[command(
    name = "mlp2d",
    version,
    about = "One MLP written twice (by hand and with burn autodiff), trained in lockstep to prove the gradients agree"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train both twins in lockstep and check that their losses and gradients agree.
    ///
    /// Exit status: 0 when they agree, 1 when they do not, 2 for bad input or a diverged run.
    Compare(CompareArgs),
}

#[derive(clap::Args)]
struct CompareArgs {
    /// The run's TOML config (see configs/).
    #[arg(long)]
    config: PathBuf,
    /// Output folder [default: results/<name>/].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Initial parameters (safetensors, `layers.{i}.weight` [c_in, c_out] and `layers.{i}.bias`).
    #[arg(long)]
    init: Option<PathBuf>,
    /// Override the config's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override the config's epochs.
    #[arg(long)]
    epochs: Option<usize>,
    /// Override the config's precision.
    #[arg(long, value_parser = ["f32", "f64"])]
    precision: Option<String>,
    /// Print only the final summary.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Compare(args) => compare(args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn compare(args: CompareArgs) -> Result<ExitCode> {
    let mut config = Config::load(&args.config)?;
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    if let Some(epochs) = args.epochs {
        config.train.epochs = epochs;
    }
    if let Some(p) = args.precision {
        config.compare.precision = if p == "f32" {
            Precision::F32
        } else {
            Precision::F64
        };
    }
    config.validate()?;

    let prepared = prepare(&config)?;
    for w in &prepared.warnings {
        eprintln!("warning: {w}");
    }
    if config.train.batch_size > prepared.train.x.nrows() {
        eprintln!(
            "warning: batch_size {} is larger than the training split ({} rows): each step uses the whole split",
            config.train.batch_size,
            prepared.train.x.nrows()
        );
    }
    let sizes = layer_sizes(&config, &prepared);
    let initial = initial_params(&config, &sizes, args.init.as_deref())?;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("results").join(&config.name));
    prepare_dir(&out)?;

    let epochs = config.train.epochs;
    let every = (epochs / 10).max(1);
    let quiet = args.quiet;
    let run = train_lockstep(
        &prepared,
        &initial,
        &config.train,
        config.compare.precision,
        config.compare.tolerances(),
        config.seed,
        |m| {
            if !quiet && (m.epoch % every == 0 || m.epoch == epochs) {
                eprintln!(
                    "epoch {:>4}/{epochs}  loss {:.5} / {:.5}  max grad_rel_err {:.1e}  max drift {:.1e}",
                    m.epoch, m.loss_manual, m.loss_burn, m.max_grad_rel_err, m.max_drift
                );
            }
        },
    )?;
    let summary = Summary::new(&config, &prepared, &sizes, &run);
    write_run(&out, &summary, &run, &initial, &config)?;
    println!("{}", summary.text());
    println!("  results in    {}", out.display());
    Ok(match &run.first_disagreement {
        None => ExitCode::SUCCESS,
        Some(d) => {
            eprintln!("error: {d}");
            ExitCode::from(1)
        }
    })
}
