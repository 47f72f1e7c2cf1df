//! `mlp2d check`: anyone's forward, backward and optimizer step over many problems
//! (src/check/). The folder is locked for the whole run; CMD is checked, and the sandbox set up,
//! before any problem runs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::check::judge::{Outcome, ProblemResult, in_parallel, judge_file};
use crate::check::limits::{CommandLimits, ProblemLimits};
use crate::check::run::Launch;
use crate::check::sandbox::Sandbox;
use crate::check::scope::{self, Scope};
use crate::check::twin::Twin;
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
        .args(["exec", "write_problems", "answers", "twin", "autograder"])
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
    /// How many problems: the edge cases in scope first, then random ones drawn as the sweep
    /// draws (their activation, optimizer and precision within the scope) [default: 20].
    #[arg(long)]
    pub problems: Option<usize>,
    /// Problem k of seed S is the same problem everywhere, for the same scope [default: 1].
    #[arg(long)]
    pub seed: Option<u64>,
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

    // The scope, the assignment file, the twins and the autograder (src/check/scope.rs,
    // twin.rs, autograder.rs).
    /// Only problems with these hidden activations: relu, leaky_relu, tanh, sigmoid, gelu, silu
    /// (a comma list) [default: all].
    #[arg(long, value_name = "LIST")]
    pub activation: Option<String>,
    /// Only problems with these optimizers: sgd (plain: no momentum, no weight decay), momentum,
    /// nesterov, adam, adamw, adagrad, rmsprop, adan (a comma list) [default: all].
    #[arg(long, value_name = "LIST")]
    pub optimizer: Option<String>,
    /// Only problems in these precisions: f32, f64 (a comma list) [default: both].
    #[arg(long, value_name = "LIST")]
    pub precision: Option<String>,
    /// An instructor's assignment (TOML; each key optional): activation = ["relu"], optimizer =
    /// ["sgd"], precision = ["f32", "f64"], problems = 20, seed = 1. A flag given beside it wins.
    #[arg(long, value_name = "FILE")]
    pub assignment: Option<PathBuf>,
    /// Answer every problem with one of the project's own twins, in process (no Python): the
    /// hand-written one or burn's. Each FAIL is a false FAIL of the judge.
    #[arg(long, value_enum)]
    pub twin: Option<Twin>,
    /// Write a Gradescope autograder for --assignment FILE into DIR (a new folder): setup.sh,
    /// run_autograder, the assignment, and mlp2d's source to build.
    #[arg(long, value_name = "DIR", requires = "assignment")]
    pub autograder: Option<PathBuf>,
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
    let resolved = scope::resolve(scope::Flags {
        activation: args.activation.as_deref(),
        optimizer: args.optimizer.as_deref(),
        precision: args.precision.as_deref(),
        problems: args.problems,
        seed: args.seed,
        assignment: args.assignment.as_deref(),
    })?;
    let (count, seed, scope) = (resolved.problems, resolved.seed, &resolved.scope);
    check_flags(&args, count)?;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let jobs = args.jobs.unwrap_or(cores);
    if let Some(dir) = &args.autograder {
        let assignment = args
            .assignment
            .as_deref()
            .expect("clap requires --assignment");
        crate::check::autograder::write_autograder(dir, assignment)?;
        println!(
            "wrote the autograder for {} to {} (setup.sh, run_autograder, assignment.toml, mlp2d/): zip the folder's contents and upload the zip to Gradescope",
            assignment.display(),
            dir.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let header = header(scope, count, seed);
    // Held until the report is printed: a second run into the folder is refused, not mixed in.
    let _lock;
    let results = if let Some(dir) = &args.write_problems {
        _lock = Some(OutputDir::prepare(dir)?);
        write_problems(dir, (count, seed, scope))?;
        println!(
            "wrote {} to {} (problem-1.safetensors … problem-{}.safetensors); then: mlp2d check --answers {}",
            crate::report::count(count, "problem"),
            dir.display(),
            count,
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
    } else if let Some(twin) = args.twin {
        _lock = None;
        answer_with_twin(twin, (count, seed, scope), jobs)?
    } else {
        let (lock, results) = exec_mode(&args, (count, seed, scope), (cores, jobs))?;
        _lock = Some(lock);
        results
    };
    if crate::interrupt::requested() {
        return Ok(ExitCode::from(130));
    }
    // The problems of --answers come from their files: no seed or scope to tell.
    let header = args.answers.is_none().then_some(header);
    print!(
        "{}",
        match (args.format, &header) {
            (Format::Text, Some(h)) => format!("{h}\n{}", report::text(&results, args.verbose)),
            (Format::Text, None) => report::text(&results, args.verbose),
            (Format::Json, h) => with_header(report::json(&results), h.as_deref()),
            (Format::Junit, _) => report::junit(&results),
        }
    );
    Ok(if results.iter().all(ProblemResult::passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The flags' own rules, before anything runs.
fn check_flags(args: &Args, count: usize) -> Result<()> {
    let scoped = args.activation.is_some()
        || args.optimizer.is_some()
        || args.precision.is_some()
        || args.assignment.is_some();
    if args.answers.is_some() && scoped {
        bail!(
            "--answers judges the problem files already in DIR: --activation, --optimizer, --precision and --assignment only choose problems to draw"
        );
    }
    if !(1..=MAX_PROBLEMS).contains(&count) {
        bail!("--problems must be between 1 and {MAX_PROBLEMS}, got {count}");
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
        bail!(
            "--sandbox applies to --exec only: --write-problems, --answers and --twin run no command"
        );
    }
    Ok(())
}

/// `--twin`: every problem answered in process by one of the project's twins, and judged.
fn answer_with_twin(
    twin: Twin,
    (count, seed, scope): (usize, u64, &Scope),
    jobs: usize,
) -> Result<Vec<ProblemResult>> {
    let problems = problems::draw_in(count, seed, scope)?;
    let answer = match twin {
        Twin::Manual => crate::check::twin_manual::answer,
        Twin::Burn => crate::check::twin_burn::answer,
    };
    let start = std::time::Instant::now();
    let results = crate::check::twin::judge_all(&problems, answer, jobs);
    let seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "the {} twin answered and was judged on {} problems in {seconds:.2} s ({:.0} problems/s, {jobs} at a time)",
        twin.name(),
        results.len(),
        results.len() as f64 / seconds.max(1e-9)
    );
    Ok(results)
}

/// `--exec CMD`: CMD checked, the folder locked (the lock is returned, to be held until the
/// report is out), the sandbox set up, the problems written, then run and judged.
fn exec_mode(
    args: &Args,
    problems: (usize, u64, &Scope),
    (cores, jobs): (usize, usize),
) -> Result<(OutputDir, Vec<ProblemResult>)> {
    let cmd = args.exec.as_deref().expect("clap requires one mode");
    crate::check::cmdline::validate(cmd).map_err(anyhow::Error::msg)?;
    let lock = OutputDir::prepare(&args.out)?;
    let limits = command_limits(args, cores);
    let sandbox = if args.sandbox {
        Some(Sandbox::prepare(&args.out, limits.file_size)?)
    } else {
        None
    };
    write_problems(&args.out, problems)?;
    let launch = Launch {
        cmd: cmd.to_owned(),
        timeout: Duration::from_secs_f64(args.timeout),
        rlimits: limits.rlimits(),
        cpu_seconds: limits.cpu_seconds,
        file_size: limits.file_size,
        sandbox,
    };
    Ok((lock, exec_all(&launch, &args.out, problems, jobs)))
}

/// The report's first line: seed, count and scope.
fn header(scope: &Scope, count: usize, seed: u64) -> String {
    let edges = problems::edge_cases(scope).len().min(count);
    let what = if scope.is_everything() {
        "every activation, optimizer and precision".to_owned()
    } else {
        scope.text()
    };
    format!(
        "mlp2d check: seed {seed}, {count} problems ({edges} edge case{}, then random); scope: {what}",
        if edges == 1 { "" } else { "s" }
    )
}

/// Gradescope's JSON with the header before its output.
fn with_header(json: String, header: Option<&str>) -> String {
    let Some(header) = header else {
        return json;
    };
    let mut doc: serde_json::Value = serde_json::from_str(&json).expect("report::json is JSON");
    let output = doc["output"].as_str().unwrap_or_default();
    doc["output"] = format!("{header}\n{output}").into();
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON values serialise");
    s.push('\n');
    s
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
fn write_problems(dir: &Path, (count, seed, scope): (usize, u64, &Scope)) -> Result<()> {
    for i in 0..count {
        let (k, p) = (i + 1, problems::problem_in(seed, i, scope)?);
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
    (count, seed, within): (usize, u64, &Scope),
    jobs: usize,
) -> Vec<ProblemResult> {
    reaper::become_subreaper();
    let _sweep = reaper::SweepOnDrop;
    in_parallel(count, jobs, |i| exec_one(launch, dir, i, (seed, within)))
}

/// Problem `i` (0-based) run and judged.
fn exec_one(launch: &Launch, dir: &Path, i: usize, (seed, scope): (u64, &Scope)) -> ProblemResult {
    let k = i + 1;
    let (problem_path, answer_path) = (dir.join(problem_file(k)), dir.join(answer_file(k)));
    let ran = crate::check::run::run(launch, &problem_path, &answer_path);
    let problem = match problems::problem_in(seed, i, scope) {
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
