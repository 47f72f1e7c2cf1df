//! `mlp2d check`: anyone's forward, backward and optimizer step over many problems (src/check/).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::check::judge::{Outcome, ProblemResult, judge_file};
use crate::check::{Problem, answer_file, problem_file, problems, report};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    /// Gradescope's results.json.
    Json,
    /// JUnit XML, for CI systems.
    Junit,
}

#[derive(clap::Args)]
#[command(group(
    clap::ArgGroup::new("mode")
        .required(true)
        .args(["exec", "write_problems", "answers"])
))]
pub struct Args {
    /// The implementation to check, run as `sh -c 'CMD "$@"' mlp2d PROBLEM ANSWER` for each
    /// problem: it reads DIR/problem-k.safetensors and writes DIR/answer-k.safetensors.
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Only write the problems (problem-1.safetensors …) into DIR, for code run elsewhere.
    #[arg(long, value_name = "DIR")]
    pub write_problems: Option<PathBuf>,
    /// Only judge: the problem-k and answer-k files already in DIR.
    #[arg(long, value_name = "DIR")]
    pub answers: Option<PathBuf>,
    /// How many problems: the 16 edge cases first, then random ones drawn as the sweep draws.
    #[arg(long, default_value_t = 20)]
    pub problems: usize,
    /// Problem k of seed S is the same problem everywhere.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder for the problem and answer files of --exec.
    #[arg(long, value_name = "DIR", default_value = "check")]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Seconds each run of CMD may take before it is killed.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Problems run at once [default: the number of cores].
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Every tensor's verdict, not only the wrong ones (text and the reports' output fields).
    #[arg(long, short)]
    pub verbose: bool,
}

/// Far more than a grader needs; keeps a typo from writing a million files.
const MAX_PROBLEMS: usize = 10_000;

pub fn run(args: Args) -> Result<ExitCode> {
    if !(1..=MAX_PROBLEMS).contains(&args.problems) {
        bail!(
            "--problems must be between 1 and {MAX_PROBLEMS}, got {}",
            args.problems
        );
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 86_400.0) {
        bail!(
            "--timeout must be a number of seconds above 0 (at most a day), got {}",
            args.timeout
        );
    }
    if args.jobs == Some(0) {
        bail!("--jobs must be at least 1");
    }
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let results = if let Some(dir) = &args.write_problems {
        let problems = problems::draw(args.problems, args.seed)?;
        write_problems(dir, &problems)?;
        println!(
            "wrote {} to {} (problem-1.safetensors … problem-{}.safetensors); then: mlp2d check --answers {}",
            crate::report::count(problems.len(), "problem"),
            dir.display(),
            problems.len(),
            dir.display()
        );
        return Ok(ExitCode::SUCCESS);
    } else if let Some(dir) = &args.answers {
        judge_dir(dir)?
    } else {
        let cmd = args.exec.as_deref().expect("clap requires one mode");
        if cmd.trim().is_empty() {
            bail!("--exec needs a command");
        }
        let problems = problems::draw(args.problems, args.seed)?;
        write_problems(&args.out, &problems)?;
        let timeout = Duration::from_secs_f64(args.timeout);
        exec_all(cmd, &args.out, &problems, timeout, jobs)?
    };
    if crate::interrupt::requested() {
        return Ok(ExitCode::from(130));
    }
    print!(
        "{}",
        match args.format {
            Format::Text => report::text(&results, args.verbose),
            Format::Json => report::json(&results),
            Format::Junit => report::junit(&results),
        }
    );
    Ok(if results.iter().all(ProblemResult::passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Writes problem-k files into `dir` and removes any answer-k left from an earlier run (it
/// would be judged against a new problem).
fn write_problems(dir: &Path, problems: &[Problem]) -> Result<()> {
    // Locked while the problems are written; a folder this call made and left empty goes.
    let _dir = crate::output::OutputDir::prepare(dir)?;
    for (i, p) in problems.iter().enumerate() {
        let k = i + 1;
        crate::output::write_atomic(&dir.join(problem_file(k)), &problems::to_safetensors(p)?)?;
        remove_answer(dir, k)?;
    }
    Ok(())
}

fn remove_answer(dir: &Path, k: usize) -> Result<()> {
    let path = dir.join(answer_file(k));
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove the old answer {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Runs `cmd` on every problem, `jobs` at a time; results in problem order.
fn exec_all(
    cmd: &str,
    dir: &Path,
    problems: &[Problem],
    timeout: Duration,
    jobs: usize,
) -> Result<Vec<ProblemResult>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<ProblemResult>>> = Mutex::new(vec![None; problems.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(problems.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= problems.len() || crate::interrupt::requested() {
                        break;
                    }
                    let k = i + 1;
                    let (problem_path, answer_path) =
                        (dir.join(problem_file(k)), dir.join(answer_file(k)));
                    let ran = crate::check::run::run(cmd, &problem_path, &answer_path, timeout);
                    let outcome = match &ran.failure {
                        Some(why) => Outcome::NoAnswer(why.clone()),
                        None => judge_file(&problems[i], &answer_path),
                    };
                    let mut r = ProblemResult::new(k, &problems[i], outcome);
                    r.stderr_tail = ran.stderr_tail;
                    r.seconds = ran.seconds;
                    results.lock().expect("no worker panics")[i] = Some(r);
                }
            });
        }
    });
    Ok(results
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .flatten()
        .collect())
}

/// `--answers DIR`: every problem-k file in `dir` with its answer-k.
fn judge_dir(dir: &Path) -> Result<Vec<ProblemResult>> {
    if !dir.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    let mut ks: Vec<usize> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let k: usize = name
                .strip_prefix("problem-")?
                .strip_suffix(".safetensors")?
                .parse()
                .ok()?;
            (problem_file(k) == name).then_some(k)
        })
        .collect();
    ks.sort_unstable();
    if ks.is_empty() {
        bail!(
            "no problem-k.safetensors in {} (mlp2d check --write-problems DIR writes them)",
            dir.display()
        );
    }
    ks.into_iter()
        .map(|k| {
            let path = dir.join(problem_file(k));
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let problem = problems::from_safetensors(&bytes)
                .with_context(|| format!("bad problem file {}", path.display()))?;
            let outcome = judge_file(&problem, &dir.join(answer_file(k)));
            Ok(ProblemResult::new(k, &problem, outcome))
        })
        .collect()
}
