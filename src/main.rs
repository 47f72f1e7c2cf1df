//! The `mlp2d` command line: thin; the work is in the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use mlp2d::compare::{layer_sizes, prepare};
use mlp2d::config::{Backend, Config, Precision};
use mlp2d::report::table::{find_runs, write_report};
use mlp2d::run::{CompareOptions, Overrides};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Exit status: 0 when they agree, 1 when they do not, 2 for bad input or a diverged run
    /// (with --all: the worst of the runs).
    Compare(CompareArgs),
    /// Write the results table (Markdown, and summary.csv beside it) from finished runs.
    Report(ReportArgs),
    /// Loss and every gradient three ways (hand-written, burn, finite differences) at given
    /// parameters, on the config's whole training split.
    ///
    /// Exit status: 0 when all three agree, 1 when not, 2 for bad input.
    Grads(GradsArgs),
    /// Write the config's raw data set (before normalisation) as CSV, readable by kind = "csv".
    Data(DataArgs),
    /// Time one training step of each twin for a few net sizes, in f32 and f64 (a few seconds).
    Bench(BenchArgs),
}

#[derive(clap::Args)]
struct BenchArgs {
    /// One JSON object per row (twin, backend, hidden, batch, precision, us_per_step,
    /// samples_per_s, gflops, …) instead of the table.
    #[arg(long)]
    json: bool,
    /// Which twins to time.
    #[arg(long, value_parser = ["all", "manual", "burn"], default_value = "all")]
    twin: String,
    /// Burn backends to time (comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = ["ndarray", "flex"], default_value = "ndarray,flex")]
    backend: Vec<String>,
    /// Time spent on each row, in milliseconds.
    #[arg(long, default_value_t = 120)]
    ms: u64,
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
    /// Also draw the points, coloured by class, to this PNG.
    #[arg(long)]
    plot: Option<PathBuf>,
}

#[derive(clap::Args)]
struct CompareArgs {
    /// The run's TOML config (see configs/).
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    config: Option<PathBuf>,
    /// Run every config (*.toml) in this folder, each to <out>/<name>/, then write the report
    /// <out>/README.md and <out>/summary.csv.
    #[arg(long, value_name = "DIR")]
    all: Option<PathBuf>,
    /// Output folder [default: results/<name>/; with --all the parent folder, default results/].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Initial parameters (safetensors, `layers.{i}.weight` [c_in, c_out] and `layers.{i}.bias`).
    #[arg(long)]
    init: Option<PathBuf>,
    /// Override the config's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override the config's epochs.
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    epochs: Option<usize>,
    /// Override the config's precision.
    #[arg(long, value_parser = ["f32", "f64"])]
    precision: Option<String>,
    /// Override the config's burn backend.
    #[arg(long, value_parser = ["ndarray", "flex"])]
    backend: Option<String>,
    /// Print only the final summary (no progress bar).
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Run folders (with a summary.json), or folders of run folders [default: results].
    dirs: Vec<PathBuf>,
    /// The Markdown file to write; summary.csv (and init.png) go beside it.
    #[arg(long, default_value = "results/README.md")]
    out: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    mlp2d::interrupt::install();
    let outcome = match cli.command {
        Command::Compare(args) => compare(args),
        Command::Report(args) => report(args),
        Command::Grads(args) => grads(args),
        Command::Data(args) => data(args),
        Command::Bench(args) => bench(args),
    };
    match outcome {
        // A signal that came while results were being written: they are complete, but the
        // user asked to stop, so say so the usual way.
        Ok(_) if mlp2d::interrupt::requested() => {
            eprintln!("interrupted: the results written are complete");
            ExitCode::from(130)
        }
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            // 130 = 128 + SIGINT, the shell's convention for a run stopped by Ctrl-C.
            ExitCode::from(if e.is::<mlp2d::interrupt::Interrupted>() {
                130
            } else {
                2
            })
        }
    }
}

fn compare(args: CompareArgs) -> Result<ExitCode> {
    let opts = CompareOptions {
        overrides: Overrides {
            seed: args.seed,
            epochs: args.epochs,
            precision: args.precision.map(|p| match p.as_str() {
                "f32" => Precision::F32,
                _ => Precision::F64,
            }),
            backend: args.backend.as_deref().and_then(Backend::from_name),
        },
        init: args.init,
        quiet: args.quiet,
    };
    let status = match (&args.all, &args.config) {
        (Some(dir), _) => {
            let root = args.out.as_deref().unwrap_or(Path::new("results"));
            mlp2d::run::compare_all(dir, root, &opts)?
        }
        (None, Some(config)) => mlp2d::run::compare(config, args.out.as_deref(), &opts)?,
        (None, None) => unreachable!("clap requires --config or --all"),
    };
    Ok(ExitCode::from(status))
}

fn report(args: ReportArgs) -> Result<ExitCode> {
    let dirs = if args.dirs.is_empty() {
        vec![PathBuf::from("results")]
    } else {
        args.dirs
    };
    let runs = find_runs(&dirs)?;
    write_report(&runs, &args.out)?;
    println!("{} runs: report in {}", runs.len(), args.out.display());
    Ok(ExitCode::SUCCESS)
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
    // The same checks as `compare --init`: network size, and values beyond f32 in an f32 run.
    let params = mlp2d::compare::initial_params(&config, &sizes, Some(&args.params))?;
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
    if let Some(png) = &args.plot {
        let title = format!(
            "{} ({} data, {} rows, split: {})",
            config.name,
            config.data.kind_name(),
            rows.y.len(),
            args.split
        );
        mlp2d::plot::plot_dataset(&rows, png, &title)?;
        println!("drew them in {}", png.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn bench(args: BenchArgs) -> Result<ExitCode> {
    use mlp2d::bench::{Peak, Which, run, table};
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
