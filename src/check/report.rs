//! The report: text (a few lines per problem, then a summary), Gradescope's `results.json`
//! (serde_json) and JUnit XML (written by hand, escaped). Every text a submission or a problem
//! file controls is escaped and cut (escape.rs) before it goes into any of them, so no name or
//! line of stderr can add a line, a terminal command or markup of its own.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Problem;
use super::escape::{LINE_CHARS, MESSAGE_CHARS, NAME_CHARS, TEXT_CHARS, escape};
use super::judge::{Judged, Outcome, ProblemResult, Verdict};
use crate::agreement::err_bound_limit;
use crate::config::{Activation, Precision};
use crate::report::bound_text;

/// At most this many wrong tensors listed per problem (the first wrong one always).
const WRONG_SHOWN: usize = 8;

fn eb_text(v: &Verdict) -> String {
    match v.err_bound {
        None => "-".to_owned(),
        Some(e) if e.is_nan() => "NaN".to_owned(),
        Some(e) => bound_text(e),
    }
}

fn verdict_line(v: &Verdict) -> String {
    let what = match (&v.mistake, v.agrees) {
        (_, true) => "agrees".to_owned(),
        (Some(m), false) => escape(m, MESSAGE_CHARS),
        (None, false) => "wrong; no known mistake fits the numbers".to_owned(),
    };
    format!(
        "{:<32} {:>9} {:>10} ({})  {what}",
        escape(&v.name, NAME_CHARS),
        crate::params::shape_text(&v.shape),
        eb_text(v),
        v.judged_in.name()
    )
}

/// Every verdict of one judged answer as a table (`grads --check`), and what `err_bound`
/// measures there.
pub fn verdict_table(j: &Judged, problem: &Problem) -> String {
    let mut s = format!(
        "{:<32} {:>9} {:>10} {:<5}  verdict\n",
        "tensor", "shape", "err_bound", "(in)"
    );
    for v in &j.verdicts {
        let _ = writeln!(s, "{}", verdict_line(v));
    }
    let kinks = match problem.activation {
        Activation::Relu => " and ReLU kinks",
        Activation::LeakyRelu { .. } => " and leaky ReLU kinks",
        _ => "",
    };
    let p = problem.precision;
    let _ = write!(
        s,
        "err_bound: the difference from the mathematics in units of what {} rounding{kinks} can explain; limit {}",
        p.name(),
        err_bound_limit(p)
    );
    s
}

/// One problem's block (no trailing newline); the whole table when `verbose`.
pub fn problem_text(r: &ProblemResult, verbose: bool) -> String {
    let mut s = format!(
        "problem {} ({}): {}",
        r.k,
        escape(&r.case, TEXT_CHARS),
        escape(&r.shape_text, TEXT_CHARS)
    );
    if !r.about.is_empty() {
        let _ = write!(s, "; {}", escape(&r.about, TEXT_CHARS));
    }
    match &r.outcome {
        Outcome::NoAnswer(why) => {
            let _ = write!(s, "\n  FAILS: {}", escape(why, MESSAGE_CHARS));
        }
        Outcome::Judged(j) => {
            let kinks = match j.ambiguous_units {
                0 => String::new(),
                u => format!(
                    "; {u} ReLU unit{} at {} kink (ReLU′ 0 or 1 both pass)",
                    if u == 1 { "" } else { "s" },
                    if u == 1 { "its" } else { "their" }
                ),
            };
            match j.first_wrong() {
                None => {
                    let worst = j
                        .worst()
                        .map(|w| {
                            let name = escape(&w.name, NAME_CHARS);
                            format!(", worst err_bound {} ({name})", eb_text(w))
                        })
                        .unwrap_or_default();
                    let step = j
                        .convention
                        .filter(|_| j.verdicts.iter().any(|v| v.kind.step() == "update"))
                        .map(|c| format!("; the step with {}", c.text()))
                        .unwrap_or_default();
                    let _ = write!(
                        s,
                        "\n  agrees: {} tensor{} judged{worst}{kinks}{step}",
                        j.verdicts.len(),
                        if j.verdicts.len() == 1 { "" } else { "s" }
                    );
                }
                Some(first) => {
                    let before = match j.verdicts.iter().take_while(|v| v.agrees).count() {
                        0 => "the first tensor judged".to_owned(),
                        1 => "the tensor before it agrees".to_owned(),
                        r => format!("the {r} tensors before it agree"),
                    };
                    let _ = write!(
                        s,
                        "\n  FAILS at {} ({}; {before}){kinks}",
                        escape(&first.name, NAME_CHARS),
                        first.kind.step(),
                    );
                    let wrong: Vec<&Verdict> = j.verdicts.iter().filter(|v| !v.agrees).collect();
                    for v in wrong.iter().take(WRONG_SHOWN) {
                        let _ = write!(s, "\n    {}", verdict_line(v));
                    }
                    if wrong.len() > WRONG_SHOWN {
                        let _ = write!(s, "\n    … {} more wrong", wrong.len() - WRONG_SHOWN);
                    }
                    if let Some(d) = &j.diagnosis {
                        let _ = write!(s, "\n  diagnosis: {}", escape(d, MESSAGE_CHARS));
                    }
                }
            }
            if verbose {
                for v in &j.verdicts {
                    let _ = write!(s, "\n    {}", verdict_line(v));
                }
            }
        }
    }
    if !r.passed() || verbose {
        for line in &r.stderr_tail {
            let _ = write!(s, "\n  stderr: {}", escape(line, LINE_CHARS));
        }
    }
    s
}

/// The short name of a problem's first mistake (`sum instead of mean`), or why there was no
/// answer (escaped).
fn first_mistake(r: &ProblemResult) -> Option<String> {
    first_mistake_raw(r).map(|m| escape(&m, TEXT_CHARS))
}

fn first_mistake_raw(r: &ProblemResult) -> Option<String> {
    match &r.outcome {
        Outcome::NoAnswer(why) => Some(why.split(':').next().unwrap_or(why).to_owned()),
        Outcome::Judged(j) => j.first_wrong().map(|v| {
            v.mistake
                .as_deref()
                .map(|m| m.split(':').next().unwrap_or(m).to_owned())
                .unwrap_or_else(|| "no known mistake fits".to_owned())
        }),
    }
}

/// The summary: problems agreeing, the failed ones, and the mistakes named.
pub fn summary(results: &[ProblemResult]) -> String {
    let passed = results.iter().filter(|r| r.passed()).count();
    let agree = if results.len() == 1 {
        "problem agrees"
    } else {
        "problems agree"
    };
    let mut s = format!(
        "{passed} of {} {agree} (every tensor in units of its own rounding bound; limit {})",
        results.len(),
        err_bound_limit(Precision::F64)
    );
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| format!("{} ({})", r.k, escape(&r.case, TEXT_CHARS)))
        .collect();
    if !failed.is_empty() {
        let _ = write!(s, "\nfailed: problems {}", failed.join(", "));
        let mut named: BTreeMap<String, usize> = BTreeMap::new();
        for m in results.iter().filter_map(first_mistake) {
            *named.entry(m).or_default() += 1;
        }
        let named: Vec<String> = named
            .into_iter()
            .map(|(m, c)| format!("{m} ({c})"))
            .collect();
        let _ = write!(s, "\nfirst mistakes: {}", named.join("; "));
        if results.iter().filter(|r| !r.passed()).all(timed_out) {
            s.push_str(
                "\nevery failure is a timeout: a command slow to start (PyTorch's import takes \
                 seconds, once per problem, and longer on a busy machine) needs a larger \
                 --timeout, or fewer --jobs",
            );
        }
    }
    s
}

fn timed_out(r: &ProblemResult) -> bool {
    matches!(&r.outcome, Outcome::NoAnswer(why) if why.starts_with("timed out"))
}

pub fn text(results: &[ProblemResult], verbose: bool) -> String {
    let mut s = String::new();
    for r in results {
        let _ = writeln!(s, "{}", problem_text(r, verbose));
    }
    let _ = writeln!(s, "{}", summary(results));
    s
}

/// Gradescope's `results.json`: a test per problem, score 1 each.
pub fn json(results: &[ProblemResult]) -> String {
    let tests: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": format!("problem {}: {}", r.k, escape(&r.case, TEXT_CHARS)),
                "score": if r.passed() { 1 } else { 0 },
                "max_score": 1,
                "status": if r.passed() { "passed" } else { "failed" },
                "output": problem_text(r, false),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "score": results.iter().filter(|r| r.passed()).count(),
        "max_score": results.len(),
        "output": summary(results),
        "tests": tests,
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON values serialise");
    s.push('\n');
    s
}

/// Text made safe for XML 1.0 attributes and content: the five special characters escaped,
/// characters XML cannot hold at all (most controls) replaced.
pub fn xml_escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&apos;"),
            '\t' | '\n' | '\r' => s.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => s.push('\u{FFFD}'),
            c => s.push(c),
        }
    }
    s
}

/// JUnit XML: one test suite, a test case per problem, a `<failure>` for each one that fails.
pub fn junit(results: &[ProblemResult]) -> String {
    let failures = results.iter().filter(|r| !r.passed()).count();
    let time: f64 = results.iter().map(|r| r.seconds).sum();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let counts = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{time:.3}\"",
        results.len()
    );
    let _ = writeln!(s, "<testsuites name=\"mlp2d check\" {counts}>");
    let _ = writeln!(s, "  <testsuite name=\"mlp2d check\" {counts}>");
    for r in results {
        let name = xml_escape(&format!("problem {}: {}", r.k, escape(&r.case, TEXT_CHARS)));
        let open = format!(
            "    <testcase classname=\"mlp2d.check\" name=\"{name}\" time=\"{:.3}\"",
            r.seconds
        );
        if r.passed() {
            let _ = writeln!(s, "{open}/>");
            continue;
        }
        let message = first_mistake(r).unwrap_or_default();
        let _ = writeln!(s, "{open}>");
        let _ = writeln!(
            s,
            "      <failure message=\"{}\">{}</failure>",
            xml_escape(&message),
            xml_escape(&problem_text(r, false))
        );
        if !r.stderr_tail.is_empty() {
            let lines: Vec<String> = r
                .stderr_tail
                .iter()
                .map(|l| escape(l, LINE_CHARS))
                .collect();
            let _ = writeln!(
                s,
                "      <system-err>{}</system-err>",
                xml_escape(&lines.join("\n"))
            );
        }
        let _ = writeln!(s, "    </testcase>");
    }
    let _ = writeln!(s, "  </testsuite>");
    let _ = writeln!(s, "</testsuites>");
    s
}
