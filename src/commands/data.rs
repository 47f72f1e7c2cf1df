//! `mlp2d data`: a config's data set as CSV (raw or normalised), and its picture.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::config::Config;
use crate::data::prepare;

#[derive(clap::Args)]
pub struct Args {
    /// The TOML config whose `[data]` to generate.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The CSV file to write (header `x1,...,xd,label`; the name ends in .csv).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Which rows: every row in generated order, or the training or test split.
    #[arg(long, value_parser = ["all", "train", "test"], default_value = "all")]
    pub split: String,
    /// Write the rows z-score normalised with the training split's mean and standard deviation:
    /// with `--split train`, exactly the rows `mlp2d grads` evaluates on, in its order.
    #[arg(long)]
    pub normalised: bool,
    /// Override the config's seed.
    #[arg(long, value_name = "N", value_parser = super::args::whole::<u64>(0))]
    pub seed: Option<u64>,
    /// Also draw the points, coloured by class, to this PNG.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut config = Config::load(&args.config)?;
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    // Both files can be written, before any work; neither is written unless both are.
    crate::output::check_targets(std::iter::once(&args.out).chain(&args.plot))?;
    require_extension("--out", &args.out, "csv", "the data is CSV")?;
    if let Some(png) = &args.plot {
        require_extension("--plot", png, "png", "the picture is a PNG")?;
    }
    let rows = if args.normalised {
        let prepared = prepare(&config)?;
        match args.split.as_str() {
            "train" => prepared.train,
            "test" => prepared.test,
            _ => crate::data::Dataset {
                x: prepared.normaliser.apply(&prepared.raw.x),
                ..prepared.raw
            },
        }
    } else {
        let raw = crate::data::load(&config.data, config.seed, &config.base_dir)?;
        match args.split.as_str() {
            "all" => raw,
            which => {
                let split = crate::data::split(&raw, config.data.test_fraction, config.seed);
                if which == "train" {
                    split.train
                } else {
                    split.test
                }
            }
        }
    };
    if rows.y.is_empty() {
        anyhow::bail!(
            "the {} split of {} has no rows (test_fraction = {}): nothing written",
            args.split,
            args.config.display(),
            config.data.test_fraction
        );
    }
    let mut staged = crate::output::Staged::default();
    staged.stage(
        &args.out,
        crate::data::csv_text(&args.out, &rows)?.into_bytes(),
    );
    if let Some(png) = &args.plot {
        let title = format!(
            "{} ({} data, {} rows, split: {})",
            config.name,
            config.data.kind_name(),
            rows.y.len(),
            args.split
        );
        staged.stage(png, crate::plot::dataset_png(&rows, &title)?);
    }
    staged.commit()?;
    println!(
        "wrote {} ({} features, {} classes) to {}",
        crate::report::count(rows.y.len(), "row"),
        rows.x.ncols(),
        rows.classes,
        args.out.display()
    );
    if let Some(png) = &args.plot {
        println!("drew them in {}", png.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses a file name that does not end in `.ext` (any case).
fn require_extension(flag: &str, path: &Path, ext: &str, why: &str) -> Result<()> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
    {
        return Ok(());
    }
    anyhow::bail!(
        "{flag} {} : {why}, so its name must end in .{ext}",
        path.display()
    )
}
