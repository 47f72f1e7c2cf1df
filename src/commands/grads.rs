//! `mlp2d grads`: the three-way gradient check at given parameters, or `--check` of someone
//! else's gradients.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::agreement::Tolerances;
use crate::config::{Backend, Config, DeviceChoice, Overrides, Precision};
use crate::data::{layer_sizes, prepare};

#[derive(clap::Args)]
pub struct Args {
    /// The run's TOML config: data, network shape, precision and tolerances.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The parameters to evaluate at (safetensors, f32 or f64).
    #[arg(long, value_name = "FILE")]
    pub params: PathBuf,
    /// Also write every column to this safetensors file (`manual.*`, `burn.*`, `numeric.*`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The finite-difference step h of (L(θ+h) − L(θ−h)) / 2h.
    #[arg(long, value_name = "H", default_value_t = crate::grads::numeric::DEFAULT_H, value_parser = super::args::positive, allow_hyphen_values = true)]
    pub step: f64,
    /// Tolerance against the numeric column [default: 1e-6 for f64 twins, 1e-2 for f32].
    #[arg(long, value_name = "TOL", value_parser = super::args::non_negative, allow_hyphen_values = true)]
    pub numeric_tol: Option<f64>,
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
    /// Judge the gradients in this safetensors file (`layers.{i}.weight`, `layers.{i}.bias`,
    /// optionally `loss`; f32 or f64) as `mlp2d check` judges an answer: against the mathematics
    /// at --params on the training rows (`mlp2d data --normalised --split train` writes them).
    /// Exit 0 when they agree, 1 when not.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut config = Config::load(&args.config)?;
    let overrides = Overrides {
        precision: args.precision,
        backend: args.backend,
        device: args.device,
        ..Overrides::default()
    };
    overrides.apply(&mut config);
    crate::burn_device::ensure_built(config.compare.backend)?;
    crate::burn_device::choose(config.compare.device)?;
    if !(args.step.is_finite() && args.step > 0.0) {
        anyhow::bail!("--step must be a positive number, got {}", args.step);
    }
    if let Some(out) = &args.out {
        crate::output::check_parent(out)?;
    }
    let precision = config.compare.precision;
    let numeric_tol = args
        .numeric_tol
        .unwrap_or_else(|| crate::grads::numeric::default_numeric_tol(precision == Precision::F32));
    let prepared = prepare(&config)?;
    let sizes = layer_sizes(&config, &prepared);
    // The same checks as `compare --init`: network size, and values beyond f32 in an f32 run.
    let params = crate::params::initial_params(&config, &sizes, Some(&args.params))?;
    let given = match &args.check {
        Some(path) => Some(crate::grads::given::load(path, &sizes)?),
        None => None,
    };
    if let Some(given) = given {
        println!(
            "{}: {} training rows, net {sizes:?}, judged against the mathematics (exact, in f64)",
            config.name,
            prepared.train.x.nrows(),
        );
        return check(&config, &prepared, &params, &given);
    }
    let twins = crate::grads::three_way::Twins {
        precision,
        backend: config.compare.backend,
        activation: config.model.activation(),
        limit: Tolerances::of(&config.compare).err_bound_limit,
    };
    let run = crate::grads::three_way::run(&prepared, &params, twins, args.step, numeric_tol)?;
    if let Some(out) = &args.out {
        crate::output::write_atomic(out, &run.to_safetensors()?)?;
    }
    println!(
        "{}: {} training rows, net {sizes:?}, twins in {} (burn on {}), numeric in f64 (h = {:e})",
        config.name,
        prepared.train.x.nrows(),
        precision.name(),
        config.compare.backend.name(),
        args.step,
    );

    println!("{}", run.report.table());
    Ok(match run.report.failure() {
        None => {
            println!("PASS: all three agree");
            ExitCode::SUCCESS
        }
        Some(why) => {
            eprintln!("error: {why}");
            let setting = crate::findings::Setting {
                activation: twins.activation,
                optimizer: config.train.optimizer(),
                precision,
                backend: config.compare.backend,
            };
            if let Some(f) = explaining(&run, (&params, &prepared), &setting, twins.limit) {
                eprintln!("note: a known burn finding ({}): {}", f.id, f.what);
            }
            ExitCode::from(1)
        }
    })
}

/// The documented burn finding that explains the twins' disagreement at `params` (none when they
/// agree and only the numeric column differs).
fn explaining(
    run: &crate::grads::three_way::GradsRun,
    (params, prepared): (&crate::params::Params, &crate::data::Prepared),
    setting: &crate::findings::Setting,
    limit: f64,
) -> Option<&'static crate::findings::Finding> {
    let err_bound = run
        .report
        .rows
        .iter()
        .map(|r| r.manual_burn)
        .fold(0.0, f64::max);
    let params = params.rounded(run.precision);
    let x_seen = prepared
        .train
        .x
        .mapv(|v| crate::agreement::round_to(v, run.precision));
    let seen = crate::findings::Seen {
        err_bound,
        limit,
        step: Some(crate::findings::Step {
            params: &params,
            batch: (&x_seen, &prepared.train.y),
            ours: (run.manual.loss, &run.manual.grads),
            theirs: (run.burn.loss, &run.burn.grads),
        }),
    };
    (err_bound > limit)
        .then(|| crate::findings::explaining(setting, &seen))
        .flatten()
}

/// `grads --check`: the file's gradients judged as `mlp2d check` judges an answer: against the
/// mathematics (src/exact/) at --params on the training rows, each tensor in units of its
/// rounding bound, in the coarser of the run's and the file's precision, the mistake named
/// where the numbers fit one.
fn check(
    config: &Config,
    prepared: &crate::data::Prepared,
    params: &crate::params::Params,
    given: &crate::grads::given::Given,
) -> Result<ExitCode> {
    use crate::agreement::round_to;
    let precision = match (config.compare.precision, given.precision) {
        (Precision::F64, Precision::F64) => Precision::F64,
        _ => Precision::F32,
    };
    let problem = crate::check::Problem {
        case: "grads".to_owned(),
        about: format!("{} at --params on its training rows", config.name),
        x: prepared.train.x.mapv(|v| round_to(v, precision)),
        y: prepared.train.y.clone(),
        params: params.rounded(precision),
        learning_rate: round_to(config.train.learning_rate, precision),
        precision,
        activation: config.model.activation(),
        optimizer: crate::config::Optimizer::default(),
        state: crate::params::OptimizerState::default(),
    };
    let judged = crate::check::judge::judge(&problem, &given.answer());
    println!("{}", crate::check::report::verdict_table(&judged, &problem));
    if let Some(d) = &judged.diagnosis {
        println!("diagnosis: {d}");
    }
    Ok(if judged.passed() {
        println!("PASS: the gradients agree with the mathematics");
        ExitCode::SUCCESS
    } else {
        eprintln!("error: the gradients disagree with the mathematics");
        ExitCode::from(1)
    })
}
