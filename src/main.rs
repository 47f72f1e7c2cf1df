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
    /// Write the results table (Markdown, and summary.csv beside it) from finished runs; or,
    /// given sweep folders (shards), merge their sweep.csv into one and summarise it.
    Report(ReportArgs),
    /// Loss and every gradient three ways (hand-written, burn, finite differences) at given
    /// parameters, on the config's whole training split.
    ///
    /// Exit status: 0 when all three agree, 1 when not, 2 for bad input.
    Grads(GradsArgs),
    /// Write the config's data set as CSV (raw, or normalised as the twins see it), readable by
    /// kind = "csv".
    Data(DataArgs),
    /// Time one training step of each twin for a few net sizes, in f32 and f64 (a few seconds).
    Bench(BenchArgs),
    /// Train random problems (data, depth, widths, batch, learning rate, init, precision,
    /// backend) a few hundred steps each under the agreement gate; write DIR/sweep.csv.
    ///
    /// Exit status: 0 when every run passes, 1 when any fails (its config is left as
    /// DIR/run-R.toml), 2 for bad input.
    Sweep(SweepArgs),
}

#[derive(clap::Args)]
struct SweepArgs {
    /// How many problems (run indices 0..N).
    #[arg(long, default_value_t = 100)]
    runs: usize,
    /// The sweep's seed: run R of seed S is the same problem everywhere.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run only the runs R with R mod N = K - 1, e.g. 2/3 (for a batch scheduler's array job).
    #[arg(long, value_name = "K/N", default_value = "1/1")]
    shard: mlp2d::sweep::Shard,
    /// Output folder.
    #[arg(long, default_value = "sweep")]
    out: PathBuf,
    /// Worker threads [default: the number of cores].
    #[arg(long)]
    threads: Option<usize>,
    /// Override the gate's err_bound_limit (for experiments: the failing runs' configs keep it).
    #[arg(long)]
    err_bound_limit: Option<f64>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
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
    #[arg(long, value_enum)]
    precision: Option<Precision>,
    /// Override the config's burn backend.
    #[arg(long, value_enum)]
    backend: Option<Backend>,
    /// Judge the gradients in this safetensors file (`layers.{i}.weight`, `layers.{i}.bias`,
    /// optionally `loss`; f32 or f64) against the twins at --params on the training rows
    /// (`mlp2d data --normalised --split train` writes them). Exit 0 when they agree, 1 when not.
    #[arg(long, value_name = "G.safetensors")]
    check: Option<PathBuf>,
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
    /// Write the rows z-score normalised with the training split's mean and standard deviation:
    /// with `--split train`, exactly the rows `mlp2d grads` evaluates on, in its order.
    #[arg(long)]
    normalised: bool,
    /// Override the config's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Also draw the points, coloured by class, to this PNG.
    #[arg(long)]
    plot: Option<PathBuf>,
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["config", "all"])))]
struct CompareArgs {
    /// The run's TOML config (see configs/).
    #[arg(long, conflicts_with = "all")]
    config: Option<PathBuf>,
    /// Run every config (*.toml) in this folder, each to <out>/<name>/, then write the report
    /// <out>/README.md and <out>/summary.csv.
    #[arg(long, value_name = "DIR")]
    all: Option<PathBuf>,
    /// Output folder [default: runs/<name>/; with --all the parent folder, default results/].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Initial parameters (safetensors, `layers.{i}.weight` [c_in, c_out] and `layers.{i}.bias`).
    #[arg(long)]
    init: Option<PathBuf>,
    /// Override the config's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override the config's epochs.
    #[arg(long, value_parser = at_least_one)]
    epochs: Option<usize>,
    /// Override the config's precision.
    #[arg(long, value_enum)]
    precision: Option<Precision>,
    /// Override the config's burn backend.
    #[arg(long, value_enum)]
    backend: Option<Backend>,
    /// Print only the final summary (no progress bar).
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// Run folders (with a summary.json), folders of run folders, or sweep folders (with a
    /// sweep.csv) [default: results].
    dirs: Vec<PathBuf>,
    /// The Markdown file to write; summary.csv (and init.png) or the merged sweep.csv go beside
    /// it [default: results/README.md; for sweeps sweep/README.md].
    #[arg(long)]
    out: Option<PathBuf>,
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so printing into a closed pipe would panic; a command-line tool
    // should just stop, as `cat` does.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the default before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    mlp2d::interrupt::install();
    let outcome = match cli.command {
        Command::Compare(args) => compare(args),
        Command::Report(args) => report(args),
        Command::Grads(args) => grads(args),
        Command::Data(args) => data(args),
        Command::Bench(args) => bench(args),
        Command::Sweep(args) => sweep(args),
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
            precision: args.precision,
            backend: args.backend,
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
    use mlp2d::report::sweep;
    if dirs.iter().all(|d| sweep::is_sweep(d)) {
        let out = args.out.unwrap_or_else(|| PathBuf::from("sweep/README.md"));
        let rows = sweep::merge(&dirs)?;
        sweep::write_sweep_report(&rows, &out)?;
        print!("{}", sweep::summary_table(&rows));
        let n = rows.len();
        println!("{n} {}: report in {}", plural(n, "run"), out.display());
        return Ok(ExitCode::SUCCESS);
    }
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("results/README.md"));
    let runs = find_runs(&dirs)?;
    write_report(&runs, &out)?;
    let n = runs.len();
    println!("{n} {}: report in {}", plural(n, "run"), out.display());
    Ok(ExitCode::SUCCESS)
}

fn grads(args: GradsArgs) -> Result<ExitCode> {
    let mut config = Config::load(&args.config)?;
    if let Some(p) = args.precision {
        config.compare.precision = p;
    }
    if let Some(b) = args.backend {
        config.compare.backend = b;
    }
    if !(args.h.is_finite() && args.h > 0.0) {
        anyhow::bail!("--h must be a positive number, got {}", args.h);
    }
    if let Some(out) = &args.out {
        mlp2d::output::check_parent(out)?;
    }
    let precision = config.compare.precision;
    let numeric_tol = args
        .numeric_tol
        .unwrap_or_else(|| mlp2d::gradcheck::default_numeric_tol(precision == Precision::F32));
    let prepared = prepare(&config)?;
    let sizes = layer_sizes(&config, &prepared);
    // The same checks as `compare --init`: network size, and values beyond f32 in an f32 run.
    let params = mlp2d::compare::initial_params(&config, &sizes, Some(&args.params))?;
    let given = match &args.check {
        Some(path) => Some(mlp2d::check::load(path, &sizes)?),
        None => None,
    };
    let twins = mlp2d::gradcheck::Twins {
        precision,
        backend: config.compare.backend,
        limit: config.compare.tolerances().err_bound_limit,
    };
    let run = mlp2d::gradcheck::run(&prepared, &params, twins, args.h, numeric_tol)?;
    if let Some(out) = &args.out {
        mlp2d::output::write_atomic(out, &run.to_safetensors()?)?;
    }
    let numeric = match given {
        Some(_) => String::new(),
        None => format!(", numeric in f64 (h = {:e})", args.h),
    };
    println!(
        "{}: {} training rows, net {sizes:?}, twins in {} (burn on {}){numeric}",
        config.name,
        prepared.train.x.nrows(),
        precision.name(),
        config.compare.backend.name(),
    );
    if let Some(given) = given {
        return check(&config, &prepared, &params, &run, &given);
    }
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

/// `grads --check`: the file's gradients against the twins' columns of `run`.
fn check(
    config: &Config,
    prepared: &mlp2d::compare::Prepared,
    params: &mlp2d::params::Params,
    run: &mlp2d::gradcheck::GradsRun,
    given: &mlp2d::check::Given,
) -> Result<ExitCode> {
    use mlp2d::agreement;
    // Judged in the coarser of the twins' and the file's precision.
    let precision = match (config.compare.precision, given.precision) {
        (Precision::F64, Precision::F64) => Precision::F64,
        _ => Precision::F32,
    };
    let (x, y) = (&prepared.train.x, &prepared.train.y);
    let params = params.rounded(config.compare.precision);
    let x_seen = x.mapv(|v| agreement::round_to(v, config.compare.precision));
    let scales = agreement::gradient_scales(&params, &x_seen, y, precision);
    let scales_no_kinks = agreement::gradient_scales_no_kinks(&params, &x_seen, y, precision);
    let limit = config
        .compare
        .err_bound_limit
        .unwrap_or_else(|| agreement::err_bound_limit(precision));
    let checked = mlp2d::check::check(
        given,
        &mlp2d::check::Reference {
            burn_loss: run.burn.loss,
            burn: &run.burn.grads,
            manual_loss: run.manual.loss,
            manual: &run.manual.grads,
            scales: &scales,
            scales_no_kinks: &scales_no_kinks,
            precision,
            limit,
            rows: x.nrows(),
            learning_rate: config.train.learning_rate,
        },
    );
    println!("{}", checked.table());
    if let Some(d) = &checked.diagnosis {
        println!("diagnosis: {d}");
    }
    Ok(if checked.passed() {
        println!("PASS: the gradients agree with both twins");
        ExitCode::SUCCESS
    } else {
        eprintln!("error: the gradients disagree with the twins");
        ExitCode::from(1)
    })
}

fn data(args: DataArgs) -> Result<ExitCode> {
    let mut config = Config::load(&args.config)?;
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    mlp2d::output::check_parent(&args.out)?;
    if let Some(png) = &args.plot
        && !png
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("png"))
    {
        anyhow::bail!(
            "--plot {} : the picture is a PNG, so its name must end in .png",
            png.display()
        );
    }
    let rows = if args.normalised {
        let prepared = prepare(&config)?;
        match args.split.as_str() {
            "train" => prepared.train,
            "test" => prepared.test,
            _ => mlp2d::data::Dataset {
                x: prepared.normaliser.apply(&prepared.raw.x),
                ..prepared.raw
            },
        }
    } else {
        let raw = mlp2d::data::load(&config.data, config.seed, &config.base_dir)?;
        match args.split.as_str() {
            "all" => raw,
            which => {
                let split = mlp2d::data::split(&raw, config.data.test_fraction, config.seed);
                if which == "train" {
                    split.train
                } else {
                    split.test
                }
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

fn sweep(args: SweepArgs) -> Result<ExitCode> {
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let opts = mlp2d::sweep::SweepOptions {
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
    let rows = mlp2d::sweep::sweep(&opts)?;
    print!("{}", mlp2d::report::sweep::summary_table(&rows));
    println!("rows in {}", opts.out.join("sweep.csv").display());
    let failed: Vec<_> = rows.iter().filter(|r| r.verdict == "FAIL").collect();
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

/// `word` or `words`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// A count of 1 or more (`--epochs`).
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}
