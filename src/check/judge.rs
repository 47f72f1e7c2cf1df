//! An answer judged: every tensor it holds, in the order of the computation, in units of that
//! tensor's rounding bound on the problem (`err_bound`, limit 4, ReLU kinks allowed as in the
//! gate), at the coarser of the problem's and the tensor's precision; the first wrong one, and
//! the mistake named where the numbers fit one.

use std::cell::OnceCell;

use super::answer::{Answer, Given};
use super::mistakes::{self, Context};
use super::reference::{Expected, Kind, Reference, References, reference, references};
pub use super::verdict::Verdict;
use super::{Problem, answer};
use crate::agreement::{err_bound, err_bound_limit};
use crate::config::{Optimizer, Precision};
use crate::exact::step::Convention;

/// A judged answer.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The tensors the answer holds, in the order of the computation.
    pub verdicts: Vec<Verdict>,
    /// ReLU units within rounding of their kink, where ReLU′ may be 0 or 1.
    pub ambiguous_units: usize,
    pub diagnosis: Option<String>,
    /// The constants the answer's step follows, where the optimizer has any.
    pub convention: Option<Convention>,
}

impl Judged {
    pub fn passed(&self) -> bool {
        self.verdicts.iter().all(|v| v.agrees)
    }

    pub fn first_wrong(&self) -> Option<&Verdict> {
        self.verdicts.iter().find(|v| !v.agrees)
    }

    /// The largest `err_bound`, and where.
    pub fn worst(&self) -> Option<&Verdict> {
        self.verdicts
            .iter()
            .filter(|v| v.err_bound.is_some())
            .max_by(|a, b| {
                a.err_bound
                    .unwrap_or(0.0)
                    .total_cmp(&b.err_bound.unwrap_or(0.0))
            })
    }
}

/// What came of one problem.
#[derive(Debug, Clone)]
pub enum Outcome {
    Judged(Judged),
    /// No answer to judge: the command crashed, timed out, wrote nothing, or wrote a file with
    /// wrong names or dtypes. One line.
    NoAnswer(String),
}

/// One problem's line in the report.
#[derive(Debug, Clone)]
pub struct ProblemResult {
    /// 1-based, as in `problem-k.safetensors`.
    pub k: usize,
    pub case: String,
    pub about: String,
    pub shape_text: String,
    pub outcome: Outcome,
    pub stderr_tail: Vec<String>,
    pub seconds: f64,
}

impl ProblemResult {
    pub fn new(k: usize, problem: &Problem, outcome: Outcome) -> Self {
        ProblemResult {
            k,
            case: problem.case.clone(),
            about: problem.about.clone(),
            shape_text: problem.shape_text(),
            outcome,
            stderr_tail: Vec::new(),
            seconds: 0.0,
        }
    }

    pub fn passed(&self) -> bool {
        matches!(&self.outcome, Outcome::Judged(j) if j.passed())
    }
}

/// Reads and judges the answer at `path` to `problem`.
pub fn judge_file(problem: &Problem, path: &std::path::Path) -> Outcome {
    match answer::read(path, problem) {
        Ok(a) => Outcome::Judged(judge(problem, &a)),
        Err(why) => Outcome::NoAnswer(why),
    }
}

/// Judges every tensor of `answer` against the reference of `problem`.
pub fn judge(problem: &Problem, answer: &Answer) -> Judged {
    let all = references(problem, problem.precision);
    let convention = closest_convention(problem, answer, &all);
    let fine = all.with(convention);
    // An f32 tensor in an answer to an f64 problem is measured in f32 units (and fails).
    let coarse: OnceCell<Reference> = OnceCell::new();
    let ctx = Context::new(problem, &fine);
    let mut verdicts = Vec::new();
    for e in &fine.tensors {
        let Some(given) = answer.tensors.get(&e.name) else {
            continue;
        };
        let judged_in = match (problem.precision, given.precision) {
            (Precision::F64, Precision::F64) => Precision::F64,
            _ => Precision::F32,
        };
        let e = if judged_in == problem.precision {
            e
        } else {
            coarse
                .get_or_init(|| reference(problem, judged_in, convention))
                .get(e.kind)
                .expect("the same tensors")
        };
        verdicts.push(judge_one(&ctx, e, given, judged_in));
    }
    let diagnosis = mistakes::diagnose(&verdicts, problem);
    Judged {
        verdicts,
        ambiguous_units: fine.ambiguous_units,
        diagnosis,
        convention: (problem.optimizer != Optimizer::default()).then_some(convention),
    }
}

fn judge_one(ctx: &Context, e: &Expected, given: &Given, judged_in: Precision) -> Verdict {
    let mut v = Verdict {
        name: e.name.clone(),
        kind: e.kind,
        shape: given.shape.clone(),
        judged_in,
        err_bound: None,
        agrees: false,
        mistake: None,
    };
    let loss_shape = e.kind == Kind::Loss && given.shape == [1];
    if given.shape != e.shape && !loss_shape {
        let reversed: Vec<usize> = e.shape.iter().rev().copied().collect();
        v.mistake = Some(
            if matches!(e.kind, Kind::GradWeight(_)) && given.shape == reversed {
                format!(
                    "transposed weight gradient: stored as {:?} = [c_out, c_in]; ∂L/∂W = hᵀ·g has the weight's shape {:?}",
                    given.shape, e.shape
                )
            } else {
                format!("wrong shape {:?}, expected {:?}", given.shape, e.shape)
            },
        );
        return v;
    }
    if given.values.iter().any(|x| !x.is_finite()) {
        v.err_bound = Some(f64::NAN);
        v.mistake = Some(mistakes::non_finite(ctx));
        return v;
    }
    let eb = err_bound(
        given.values.iter(),
        e.value.iter(),
        e.scale.iter(),
        judged_in,
    );
    v.err_bound = Some(eb);
    let coarser_than_asked =
        given.precision == Precision::F32 && ctx.problem.precision == Precision::F64;
    v.agrees = eb <= err_bound_limit(judged_in) && !coarser_than_asked;
    if !v.agrees {
        v.mistake = mistakes::name(ctx, e, given, judged_in);
    }
    v
}

/// The convention for the step's constants that the answer's step tensors follow: the one under
/// which the fewest of them are wrong, then the smaller worst `err_bound`; burn's where plain
/// SGD has no constants.
fn closest_convention(problem: &Problem, answer: &Answer, all: &References) -> Convention {
    if problem.optimizer == Optimizer::default() {
        return Convention::Burn;
    }
    let limit = err_bound_limit(problem.precision);
    let score = |c: Convention| {
        let r = all.with(c);
        let bounds: Vec<f64> = r
            .tensors
            .iter()
            .filter(|e| e.kind.step() == "update")
            .filter_map(|e| answer.tensors.get(&e.name).map(|g| (e, g)))
            .filter(|(e, g)| g.values.len() == e.value.len())
            .map(|(e, g)| {
                let eb = err_bound(
                    g.values.iter(),
                    e.value.iter(),
                    e.scale.iter(),
                    problem.precision,
                );
                if eb.is_nan() { f64::INFINITY } else { eb }
            })
            .collect();
        let wrong = bounds.iter().filter(|&&b| b > limit).count();
        (wrong, bounds.into_iter().fold(0.0f64, f64::max))
    };
    Convention::ALL
        .into_iter()
        .map(|c| (score(c), c))
        .min_by(|((wa, a), _), ((wb, b), _)| wa.cmp(wb).then(a.total_cmp(b)))
        .expect("two conventions")
        .1
}

/// `work(i)` for every `i < count`, `jobs` at a time on worker threads that each take the next
/// index as they finish (until Ctrl-C); the results in index order, those not reached left out.
pub fn in_parallel(
    count: usize,
    jobs: usize,
    work: impl Fn(usize) -> ProblemResult + Sync,
) -> Vec<ProblemResult> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(vec![None; count]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, count.max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= count || crate::interrupt::requested() {
                        break;
                    }
                    let r = work(i);
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
