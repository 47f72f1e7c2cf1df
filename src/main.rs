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
    /// Loss and every gradient three ways (hand-written, burn, finite differences) at given
    /// parameters, on the config's whole training split.
    ///
    /// Exit status: 0 when all three agree, 1 when not, 2 for bad input.
    Grads(GradsArgs),
    /// Write the config's raw data set (before normalisation) as CSV, readable by kind = "csv".
    Data(DataArgs),
}

#[derive(clap::Args)]
struct GradsArgs {
    /// The run's TOML config: data, network shape, precision and tolerances.
    #[arg(long)]
    config: PathBuf,
    /// The parameters to evaluate at (safetensors, f32 or f64).
    #[arg(long)]
    params: PathBuf,
    /// Also write every column to this safetensors file (`manual.*`, `burn.*`, `numeric.*`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Finite-difference step.
    #[arg(long, default_value_t = mlp2d::gradcheck::DEFAULT_H)]
    h: f64,
    /// Tolerance against the numeric column [default: 1e-6 for f64 twins, 1e-2 for f32].
    #[arg(long)]
    numeric_tol: Option<f64>,
    /// Override the config's precision.
    #[arg(long, value_parser = ["f32", "f64"])]
    precision: Option<String>,
}

#[derive(clap::Args)]
struct DataArgs {
    /// The TOML config whose `[data]` to generate.
    #[arg(long)]
    config: PathBuf,
    /// The CSV file to write (header `x1,...,xd,label`).
    #[arg(long)]
    out: PathBuf,
    /// Which rows: every row in generated order, or the training or test split.
    #[arg(long, value_parser = ["all", "train", "test"], default_value = "all")]
    split: String,
    /// Override the config's seed.
    #[arg(long)]
    seed: Option<u64>,
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
        Command::Grads(args) => grads(args),
        Command::Data(args) => data(args),
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

fn precision_arg(p: Option<&str>, config: &mut Config) {
    match p {
        Some("f32") => config.compare.precision = Precision::F32,
        Some("f64") => config.compare.precision = Precision::F64,
        _ => {}
    }
}

fn grads(args: GradsArgs) -> Result<ExitCode> {
    let mut config = Config::load(&args.config)?;
    precision_arg(args.precision.as_deref(), &mut config);
    if !(args.h.is_finite() && args.h > 0.0) {
        anyhow::bail!("--h must be a positive number, got {}", args.h);
    }
    let precision = config.compare.precision;
    let numeric_tol = args
        .numeric_tol
        .unwrap_or_else(|| mlp2d::gradcheck::default_numeric_tol(precision == Precision::F32));
    let prepared = prepare(&config)?;
    let sizes = layer_sizes(&config, &prepared);
    let params = mlp2d::params::Params::load(&args.params, &sizes)?;
    let run = mlp2d::gradcheck::run(
        &prepared,
        &params,
        precision,
        config.compare.tolerances(),
        args.h,
        numeric_tol,
    )?;
    if let Some(out) = &args.out {
        mlp2d::output::write_atomic(out, &run.to_safetensors()?)?;
    }
    println!(
        "{}: {} training rows, net {sizes:?}, twins in {}, numeric in f64 (h = {:e})",
        config.name,
        prepared.train.x.nrows(),
        precision.name(),
        args.h
    );
    println!("{}", run.report.table());
    Ok(match run.report.failure() {
        None => {
            println!("PASS: all three agree");
            ExitCode::SUCCESS
        }
        Some(why) => {
            eprintln!("error: {why}");
            ExitCode::from(1)
        }
    })
}

fn data(args: DataArgs) -> Result<ExitCode> {
    let mut config = Config::load(&args.config)?;
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    let raw = mlp2d::data::load(&config.data, config.seed, &config.base_dir)?;
    let rows = match args.split.as_str() {
        "all" => raw,
        which => {
            let split = mlp2d::data::split(&raw, config.data.test_fraction, config.seed);
            if which == "train" {
                split.train
            } else {
                split.test
            }
        }
    };
    mlp2d::data::write_csv(&args.out, &rows)?;
    println!(
        "wrote {} rows ({} features, {} classes) to {}",
        rows.y.len(),
        rows.x.ncols(),
        rows.classes,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
