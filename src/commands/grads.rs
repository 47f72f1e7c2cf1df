//! `mlp2d grads`: the three-way gradient check at given parameters, or `--check` of someone
//! else's gradients.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::agreement::Tolerances;
use crate::config::{Backend, CompareConfig, Config, Overrides, Precision};
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
    /// Override the config's burn backend.
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// Judge the gradients in this safetensors file (`layers.{i}.weight`, `layers.{i}.bias`,
    /// optionally `loss`; f32 or f64) against the twins at --params on the training rows
    /// (`mlp2d data --normalised --split train` writes them). Exit 0 when they agree, 1 when not.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut config = Config::load(&args.config)?;
    let overrides = Overrides {
        precision: args.precision,
        backend: args.backend,
        ..Overrides::default()
    };
    overrides.apply(&mut config);
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
    let numeric = match given {
        Some(_) => String::new(),
        None => format!(", numeric in f64 (h = {:e})", args.step),
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
            let setting = crate::findings::Setting {
                activation: twins.activation,
                optimizer: config.train.optimizer(),
                precision,
                backend: config.compare.backend,
            };
            if let Some(f) = crate::findings::known(&setting) {
                eprintln!("note: a known burn finding ({}): {}", f.id, f.what);
            }
            ExitCode::from(1)
        }
    })
}

/// `grads --check`: the file's gradients against the twins' columns of `run`.
fn check(
    config: &Config,
    prepared: &crate::data::Prepared,
    params: &crate::params::Params,
    run: &crate::grads::three_way::GradsRun,
    given: &crate::grads::given::Given,
) -> Result<ExitCode> {
    use crate::agreement;
    // Judged in the coarser of the twins' and the file's precision.
    let precision = match (config.compare.precision, given.precision) {
        (Precision::F64, Precision::F64) => Precision::F64,
        _ => Precision::F32,
    };
    let (x, y) = (&prepared.train.x, &prepared.train.y);
    let params = params.rounded(config.compare.precision);
    let x_seen = x.mapv(|v| agreement::round_to(v, config.compare.precision));
    let a = config.model.activation();
    let scales = agreement::gradient_scales(&params, (&x_seen, y), a, precision);
    let scales_no_kinks = agreement::gradient_scales_no_kinks(&params, (&x_seen, y), a, precision);
    // The limit of the precision judged in (the config's own, if it sets one).
    let limit = Tolerances::of(&CompareConfig {
        precision,
        ..config.compare.clone()
    })
    .err_bound_limit;
    let checked = crate::grads::diagnose::check(
        given,
        &crate::grads::diagnose::Reference {
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
            params: &params,
            x: &x_seen,
            y,
            activation: a,
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
