//! `mlp2d compare`: one config, or every config in a folder followed by the results report.
//! The arguments, and the same as library functions (tests call `run_config`, `compare_all`).
mod all;
mod pictures;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

pub use all::{compare_all, config_files};
use pictures::{stage_loss_png, stage_pictures};

use crate::config::{Backend, Config, DeviceChoice, Overrides, Precision};
use crate::divergence::Diverged;
use crate::output::{OutputDir, Staged, check_targets};
use crate::progress::EpochProgress;
use crate::report::{RUN_FILES, RunFiles, Summary};
use crate::run_setup::RunSetup;

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["config", "all"])))]
pub struct Args {
    /// The run's TOML config (see configs/).
    #[arg(long, value_name = "FILE", conflicts_with = "all")]
    pub config: Option<PathBuf>,
    /// Run every config (*.toml) in this folder, each to <out>/<name>/, then write the report
    /// <out>/README.md and <out>/summary.csv.
    #[arg(long, value_name = "DIR")]
    pub all: Option<PathBuf>,
    /// Output folder [default: runs/<name>/; with --all the parent folder, default results/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Initial parameters (safetensors, `layers.{i}.weight` [c_in, c_out] and `layers.{i}.bias`).
    #[arg(long, value_name = "FILE")]
    pub init: Option<PathBuf>,
    /// Override the config's seed.
    #[arg(long, value_name = "N", value_parser = super::args::whole::<u64>(0))]
    pub seed: Option<u64>,
    /// Override the config's epochs.
    #[arg(long, value_name = "N", value_parser = super::args::whole::<usize>(1))]
    pub epochs: Option<usize>,
    /// Override the config's precision.
    #[arg(long, value_enum)]
    pub precision: Option<Precision>,
    /// Override the config's burn backend (wgpu and cuda need a build with `--features gpu`
    /// or `cuda`).
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// The device a GPU backend runs on: a GPU if there is one, else the CPU device (auto).
    #[arg(long, value_enum)]
    pub device: Option<DeviceChoice>,
    /// Print only the final summary (no progress bar).
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let opts = CompareOptions {
        overrides: Overrides {
            seed: args.seed,
            epochs: args.epochs,
            precision: args.precision,
            backend: args.backend,
            device: args.device,
        },
        init: args.init,
        quiet: args.quiet,
    };
    let status = match (&args.all, &args.config) {
        (Some(dir), _) => {
            let root = args.out.as_deref().unwrap_or(Path::new("results"));
            compare_all(dir, root, &opts)?
        }
        (None, Some(config)) => compare(config, args.out.as_deref(), &opts)?,
        (None, None) => unreachable!("clap requires --config or --all"),
    };
    Ok(ExitCode::from(status))
}

#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    pub overrides: Overrides,
    /// Initial parameters from a safetensors file instead of drawing them.
    pub init: Option<PathBuf>,
    /// No progress bar.
    pub quiet: bool,
}

/// What one finished (or recorded diverged) run left.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub summary: Summary,
    pub dir: PathBuf,
}

/// Runs one config and writes its result files and pictures to `out` (default `runs/<name>/`,
/// ignored by git: the committed `results/` are regenerated on purpose, by `compare --all`), printing the summary. A run that diverges is an error (nothing written)
/// unless `record_divergence`, which writes what it has (summary with `diverged`, metrics,
/// `loss.png`) and returns it.
pub fn run_config(
    config_path: &Path,
    out: Option<&Path>,
    opts: &CompareOptions,
    record_divergence: bool,
) -> Result<RunOutput> {
    let mut config = Config::load(config_path)?;
    opts.overrides.apply(&mut config);
    config.validate()?;
    let out = out.map_or_else(
        || PathBuf::from("runs").join(&config.name),
        Path::to_path_buf,
    );
    run_loaded(&config, &out, opts, record_divergence)
}

pub(super) fn run_loaded(
    config: &Config,
    out: &Path,
    opts: &CompareOptions,
    record_divergence: bool,
) -> Result<RunOutput> {
    let setup = RunSetup::new(config, opts.init.as_deref())?;
    // Printed here and kept in summary.json.
    for w in &setup.prepared.warnings {
        eprintln!("warning: {w}");
    }
    // Locked until the files are in place; a folder this created is removed if the run fails.
    let _dir = OutputDir::prepare(out)?;
    check_targets(run_files(out))?;
    train_and_write(config, &setup, out, opts, record_divergence)
}

/// Every file a run may write into `out`.
pub(super) fn run_files(out: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    RUN_FILES.iter().map(move |f| out.join(f))
}

/// Trains, then writes every result file into `out` (which exists) together.
fn train_and_write(
    config: &Config,
    setup: &RunSetup,
    out: &Path,
    opts: &CompareOptions,
    record_divergence: bool,
) -> Result<RunOutput> {
    let progress = EpochProgress::new(&config.name, config.train.epochs, opts.quiet);
    if let Some(device) = crate::burn_device::describe(config.compare.backend)? {
        // A GPU backend compiles a shader for each new kernel and shape: seconds on lavapipe.
        progress.note(&format!("compiling shaders for the first step on {device}"));
    }
    let outcome = setup.train(|m| progress.update(m));
    progress.finish();
    let RunSetup {
        prepared,
        sizes,
        initial,
        options,
        ..
    } = setup;
    let run = match outcome {
        Ok(run) => run,
        Err(e) => {
            let Some(d) = e.downcast_ref::<Diverged>().filter(|_| record_divergence) else {
                return Err(e);
            };
            let summary = Summary::diverged(config, prepared, sizes, &d.partial, &d.message);
            let mut staged = Staged::default();
            stage_loss_png(
                out,
                &mut staged,
                &summary,
                &d.partial,
                Some((d.at, &d.message)),
            )?;
            let files = RunFiles {
                summary: &summary,
                run: &d.partial,
                initial,
                config,
            };
            files.stage_diverged(out, &mut staged)?;
            staged.commit()?;
            println!("{}", summary.text());
            println!("  results in    {}", out.display());
            return Ok(RunOutput {
                summary,
                dir: out.to_path_buf(),
            });
        }
    };
    let mut summary = Summary::new(config, prepared, sizes, &run);
    summary.device = crate::burn_device::describe(config.compare.backend)?;
    let mut staged = Staged::default();
    let stats = stage_pictures(out, &mut staged, &summary, prepared, &run, options)?;
    summary.boundary_cells_differ = Some(stats.differ);
    summary.boundary_cells = Some(stats.cells);
    let files = RunFiles {
        summary: &summary,
        run: &run,
        initial,
        config,
    };
    files.stage(out, &mut staged)?;
    staged.commit()?;
    println!("{}", summary.text());
    println!("  results in    {}", out.display());
    if let Some(d) = &run.first_disagreement {
        eprintln!("error: {d}");
    }
    Ok(RunOutput {
        summary,
        dir: out.to_path_buf(),
    })
}

/// `mlp2d compare --config FILE`: the exit status (0 agree, 1 disagree); errors and diverged
/// runs are `Err` (exit 2, nothing written).
pub fn compare(config_path: &Path, out: Option<&Path>, opts: &CompareOptions) -> Result<u8> {
    Ok(run_config(config_path, out, opts, false)?
        .summary
        .exit_status())
}
