//! `mlp2d check`: anyone's forward, backward and SGD step over many problems (src/check/). The
//! folder is locked for the whole run; CMD is checked, and the sandbox set up, before any
//! problem runs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::check::judge::{Outcome, ProblemResult, judge_file};
use crate::check::limits::{CommandLimits, ProblemLimits};
use crate::check::run::Launch;
use crate::check::sandbox::Sandbox;
use crate::check::{answer_file, files, problem_file, problems, reaper, report};
use crate::output::{FolderInUse, OutputDir};

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
    /// How many problems: the 8 edge cases first, then random ones drawn as the sweep draws.
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
    /// Run CMD under bubblewrap (`bwrap`): the file system read-only except DIR, a private
    /// /tmp, no network, its own PID namespace. Recommended for code you have not read.
    #[arg(long)]
    pub sandbox: bool,
    /// Address space of each process of CMD, in MiB (0: no limit).
    #[arg(long, value_name = "MIB", default_value_t = 4096)]
    pub memory_limit: u64,
    /// Largest file CMD may write, in MiB (0: no limit).
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub file_size_limit: u64,
    /// CPU seconds each process of CMD may use (0: no limit) [default: --timeout times the
    /// cores, rounded up, plus 1].
    #[arg(long, value_name = "SECONDS")]
    pub cpu_limit: Option<u64>,
    /// Processes (threads count) CMD may start beyond those its user already runs (0: no limit;
    /// Linux exempts root).
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub process_limit: u64,
    /// With --answers: the largest problem judged (rows of x, widest layer, layers); a bigger
    /// problem file is refused. The default is the largest check draws.
    #[arg(long, value_name = "ROWS,WIDTH,LAYERS", default_value = "256,64,5")]
    pub max_problem: ProblemLimits,
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
    if args.sandbox && args.exec.is_none() {
        bail!("--sandbox applies to --exec only: --write-problems and --answers run no command");
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let jobs = args.jobs.unwrap_or(cores);
    // Held until the report is printed: a second run into the folder is refused, not mixed in.
    let _lock;
    let results = if let Some(dir) = &args.write_problems {
        _lock = Some(OutputDir::prepare(dir)?);
        write_problems(dir, args.problems, args.seed)?;
        println!(
            "wrote {} problems to {} (problem-1.safetensors … problem-{}.safetensors); then: mlp2d check --answers {}",
            args.problems,
            dir.display(),
            args.problems,
            dir.display()
        );
        return Ok(ExitCode::SUCCESS);
    } else if let Some(dir) = &args.answers {
        if !dir.is_dir() {
            bail!("{} is not a folder", dir.display());
        }
        // A folder we cannot write (a read-only copy) is judged without the lock.
        _lock = match OutputDir::prepare(dir) {
            Ok(lock) => Some(lock),
            Err(e) if e.is::<FolderInUse>() => return Err(e),
            Err(_) => None,
        };
        judge_dir(dir, &args.max_problem)?
    } else {
        let cmd = args.exec.as_deref().expect("clap requires one mode");
        crate::check::cmdline::validate(cmd).map_err(anyhow::Error::msg)?;
        _lock = Some(OutputDir::prepare(&args.out)?);
        let limits = command_limits(&args, cores);
        let sandbox = if args.sandbox {
            Some(Sandbox::prepare(&args.out, limits.file_size)?)
        } else {
            None
        };
        write_problems(&args.out, args.problems, args.seed)?;
        let launch = Launch {
            cmd: cmd.to_owned(),
            timeout: Duration::from_secs_f64(args.timeout),
            rlimits: limits.rlimits(),
            cpu_seconds: limits.cpu_seconds,
            file_size: limits.file_size,
            sandbox,
        };
        exec_all(&launch, &args.out, (args.problems, args.seed), jobs)
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

/// The resource limits of the flags, 0 meaning none; the CPU limit by default lets every core
/// run for the whole timeout, so that it only stops what the timeout would.
fn command_limits(args: &Args, cores: usize) -> CommandLimits {
    let mib = |v: u64| (v > 0).then(|| v.saturating_mul(1024 * 1024));
    let cpu = args
        .cpu_limit
        .unwrap_or_else(|| (args.timeout * cores as f64).ceil() as u64 + 1);
    CommandLimits {
        memory: mib(args.memory_limit),
        file_size: mib(args.file_size_limit),
        cpu_seconds: (cpu > 0).then_some(cpu),
        processes: (args.process_limit > 0).then_some(args.process_limit),
    }
}

/// Writes problem-k files into `dir` (locked by the caller) and removes any answer-k left from
/// an earlier run (it would be judged against a new problem).
/// One problem at a time, so that memory does not grow with their number.
fn write_problems(dir: &Path, count: usize, seed: u64) -> Result<()> {
    for i in 0..count {
        let (k, p) = (i + 1, problems::problem(seed, i)?);
        crate::output::write_atomic(&dir.join(problem_file(k)), &problems::to_safetensors(&p)?)?;
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

/// Runs the command on problems 1 to `count` of `seed`, `jobs` at a time; results in problem
/// order. Each problem is drawn again where it is judged (the file in DIR is the command's to
/// change), so memory holds `jobs` problems, not all. Whatever the commands leave, and however
/// this ends, no process of theirs is left.
fn exec_all(
    launch: &Launch,
    dir: &Path,
    (count, seed): (usize, u64),
    jobs: usize,
) -> Vec<ProblemResult> {
    reaper::become_subreaper();
    let _sweep = reaper::SweepOnDrop;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<ProblemResult>>> = Mutex::new(vec![None; count]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(count) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count || crate::interrupt::requested() {
                        break;
                    }
                    let r = exec_one(launch, dir, i, seed);
                    results.lock().expect("no worker panics")[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .flatten()
        .collect()
}

/// Problem `i` (0-based) run and judged.
fn exec_one(launch: &Launch, dir: &Path, i: usize, seed: u64) -> ProblemResult {
    let k = i + 1;
    let (problem_path, answer_path) = (dir.join(problem_file(k)), dir.join(answer_file(k)));
    let ran = crate::check::run::run(launch, &problem_path, &answer_path);
    let problem = match problems::problem(seed, i) {
        Ok(p) => p,
        // It was drawn once already, to be written.
        Err(e) => return unjudged(k, format!("cannot draw the problem again: {e:#}")),
    };
    let outcome = match &ran.failure {
        Some(why) => Outcome::NoAnswer(why.clone()),
        None => judge_file(&problem, &answer_path),
    };
    let mut r = ProblemResult::new(k, &problem, outcome);
    r.stderr_tail = ran.stderr_tail;
    r.seconds = ran.seconds;
    r
}

/// The result of a problem that could not be judged, without a problem to describe.
fn unjudged(k: usize, why: String) -> ProblemResult {
    ProblemResult {
        k,
        case: "bad problem file".to_owned(),
        about: String::new(),
        shape_text: problem_file(k),
        outcome: Outcome::NoAnswer(why),
        stderr_tail: Vec::new(),
        seconds: 0.0,
    }
}

/// `--answers DIR`: every problem-k file in `dir` with its answer-k; a problem file that
/// cannot be judged is that problem's verdict, and the others are judged.
fn judge_dir(dir: &Path, limits: &ProblemLimits) -> Result<Vec<ProblemResult>> {
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
    if ks.len() > MAX_PROBLEMS {
        bail!(
            "{} holds {} problem files; check judges at most {MAX_PROBLEMS}",
            dir.display(),
            ks.len()
        );
    }
    let mut results = Vec::with_capacity(ks.len());
    for k in ks {
        if crate::interrupt::requested() {
            break;
        }
        let path = dir.join(problem_file(k));
        let start = std::time::Instant::now();
        let mut r = match files::read_problem(&path, limits) {
            Ok(problem) => {
                let outcome = judge_file(&problem, &dir.join(answer_file(k)));
                ProblemResult::new(k, &problem, outcome)
            }
            Err(e) => unjudged(k, format!("bad problem file: {e:#}")),
        };
        r.seconds = start.elapsed().as_secs_f64();
        results.push(r);
    }
    Ok(results)
}
