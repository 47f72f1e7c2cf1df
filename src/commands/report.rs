//! `mlp2d report`: the results table over finished runs, or the merge of sweep shards.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::output::{OutputDir, check_targets, parent_of};
use crate::report::count;
use crate::report::table::{find_runs, report_files, write_report};

#[derive(clap::Args)]
pub struct Args {
    /// Run folders (with a summary.json), folders of run folders, or sweep folders (with a
    /// sweep.csv) [default: results].
    #[arg(value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// The Markdown file to write; summary.csv (and init.png) or the merged sweep.csv go beside
    /// it [default: results/README.md; for sweeps sweep/README.md].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dirs = if args.dirs.is_empty() {
        vec![PathBuf::from("results")]
    } else {
        args.dirs
    };
    use crate::report::sweep;
    let sweeps: Vec<&PathBuf> = dirs.iter().filter(|d| sweep::is_sweep(d)).collect();
    if !sweeps.is_empty() && sweeps.len() < dirs.len() {
        let other = dirs
            .iter()
            .find(|d| !sweep::is_sweep(d))
            .expect("some folder is not a sweep");
        anyhow::bail!(
            "{} is a sweep folder (it has a sweep.csv) but {} is not: sweeps and runs cannot be \
             mixed in one report; give `mlp2d report` only sweep folders, or only run folders",
            sweeps[0].display(),
            other.display()
        );
    }
    if sweeps.len() == dirs.len() {
        let out = args.out.unwrap_or_else(|| PathBuf::from("sweep/README.md"));
        let _dir = OutputDir::prepare(parent_of(&out))?;
        check_targets([out.clone(), parent_of(&out).join("sweep.csv")])?;
        let rows = sweep::merge(&dirs)?;
        if rows.is_empty() {
            anyhow::bail!("the sweep folders hold no rows: nothing to report");
        }
        sweep::write_sweep_report(&rows, &out)?;
        print!("{}", sweep::summary_table(&rows));
        let n = rows.len();
        println!("{}: report in {}", count(n, "run"), out.display());
        return Ok(ExitCode::SUCCESS);
    }
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("results/README.md"));
    let _dir = OutputDir::prepare(parent_of(&out))?;
    check_targets(report_files(&out))?;
    let runs = find_runs(&dirs)?;
    write_report(&runs, &out)?;
    let n = runs.len();
    println!("{}: report in {}", count(n, "run"), out.display());
    Ok(ExitCode::SUCCESS)
}
