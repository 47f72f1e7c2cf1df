//! What a `check` run covers: the activations, optimizers and precisions its problems may ask for
//! (`--activation`, `--optimizer`, `--precision`), and the assignment file an instructor hands
//! out that says the same (`--assignment FILE`), with the run's size and seed.
//!
//! A scope is a set: each list is kept in one fixed order whatever order it was written in, so
//! that problem k of seed s is the same problem for the same scope.

use std::ops::Range;
use std::path::Path;

use anyhow::{Context, Result};
use toml_edit::{ImDocument, Item, Value};

use crate::config::{ActivationKind, OPTIMIZERS, Optimizer, OptimizerKind, Precision};

/// An optimizer as a scope names it: `sgd` is plain SGD (no momentum, no weight decay),
/// `momentum` and `nesterov` SGD with them; every other optimizer of the table by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OptimizerChoice {
    Sgd,
    Momentum,
    Nesterov,
    Kind(OptimizerKind),
}

impl OptimizerChoice {
    /// SGD's three, then the table's other optimizers in its order.
    pub const ALL: [OptimizerChoice; OPTIMIZERS.len() + 2] = {
        assert!(matches!(OPTIMIZERS[0].kind, OptimizerKind::Sgd));
        let mut all = [OptimizerChoice::Sgd; OPTIMIZERS.len() + 2];
        all[1] = OptimizerChoice::Momentum;
        all[2] = OptimizerChoice::Nesterov;
        let mut i = 1;
        while i < OPTIMIZERS.len() {
            all[i + 2] = OptimizerChoice::Kind(OPTIMIZERS[i].kind);
            i += 1;
        }
        all
    };

    pub fn name(self) -> &'static str {
        match self {
            OptimizerChoice::Sgd => "sgd",
            OptimizerChoice::Momentum => "momentum",
            OptimizerChoice::Nesterov => "nesterov",
            OptimizerChoice::Kind(k) => k.name(),
        }
    }

    /// Which choice an optimizer is. SGD with weight decay but no momentum is not plain SGD; it
    /// counts with momentum (the problems never draw it).
    pub fn of(o: Optimizer) -> Self {
        match o {
            Optimizer::Sgd(s) if s.momentum > 0.0 && s.nesterov => OptimizerChoice::Nesterov,
            Optimizer::Sgd(s) if s.momentum > 0.0 || s.weight_decay > 0.0 => {
                OptimizerChoice::Momentum
            }
            Optimizer::Sgd(_) => OptimizerChoice::Sgd,
            o => OptimizerChoice::Kind(o.kind()),
        }
    }
}

/// The activations in a scope's order.
pub const ACTIVATIONS: [ActivationKind; ActivationKind::ALL.len()] = ActivationKind::ALL;

const PRECISIONS: [Precision; 2] = [Precision::F32, Precision::F64];

/// The activations, optimizers and precisions a run's problems may ask for; none is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub activations: Vec<ActivationKind>,
    pub optimizers: Vec<OptimizerChoice>,
    pub precisions: Vec<Precision>,
}

impl Default for Scope {
    /// Everything.
    fn default() -> Self {
        Scope {
            activations: ACTIVATIONS.to_vec(),
            optimizers: OptimizerChoice::ALL.to_vec(),
            precisions: PRECISIONS.to_vec(),
        }
    }
}

impl Scope {
    pub fn admits(&self, a: ActivationKind, o: OptimizerChoice, p: Precision) -> bool {
        self.activations.contains(&a)
            && self.optimizers.contains(&o)
            && self.precisions.contains(&p)
    }

    pub fn is_everything(&self) -> bool {
        *self == Scope::default()
    }

    /// `activation relu; optimizer sgd; precision f32, f64`.
    pub fn text(&self) -> String {
        let names = |v: Vec<&str>| v.join(", ");
        format!(
            "activation {}; optimizer {}; precision {}",
            names(self.activations.iter().map(|&a| a.name()).collect()),
            names(self.optimizers.iter().map(|o| o.name()).collect()),
            names(self.precisions.iter().map(|p| p.name()).collect()),
        )
    }
}

/// One of the three lists, parsed from its names: kept in the scope's order, once each.
fn choose<T: Copy + PartialEq>(
    names: &[String],
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<Vec<T>, String> {
    if names.is_empty() {
        return Err("expected at least one name".to_owned());
    }
    for n in names {
        if !all.iter().any(|&c| name(c) == n.trim()) {
            let valid: Vec<&str> = all.iter().map(|&c| name(c)).collect();
            return Err(format!(
                "unknown `{}` (expected {})",
                n.trim(),
                valid.join(", ")
            ));
        }
    }
    Ok(all
        .iter()
        .copied()
        .filter(|&c| names.iter().any(|n| n.trim() == name(c)))
        .collect())
}

fn split(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::to_owned)
        .filter(|s| !s.trim().is_empty())
        .collect()
}

/// `--activation relu,tanh`.
pub fn activations(text: &str) -> Result<Vec<ActivationKind>> {
    choose(&split(text), &ACTIVATIONS, |a| a.name())
        .map_err(|e| anyhow::anyhow!("--activation: {e}"))
}

/// `--optimizer sgd,adam`.
pub fn optimizers(text: &str) -> Result<Vec<OptimizerChoice>> {
    choose(&split(text), &OptimizerChoice::ALL, OptimizerChoice::name)
        .map_err(|e| anyhow::anyhow!("--optimizer: {e}"))
}

/// `--precision f32,f64`.
pub fn precisions(text: &str) -> Result<Vec<Precision>> {
    choose(&split(text), &PRECISIONS, Precision::name)
        .map_err(|e| anyhow::anyhow!("--precision: {e}"))
}

/// An assignment file: every key optional; a flag given beside it wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignment {
    pub activations: Option<Vec<ActivationKind>>,
    pub optimizers: Option<Vec<OptimizerChoice>>,
    pub precisions: Option<Vec<Precision>>,
    pub problems: Option<usize>,
    pub seed: Option<u64>,
}

pub const ASSIGNMENT_KEYS: [&str; 5] = ["activation", "optimizer", "precision", "problems", "seed"];

/// Reads an assignment file; the error names the file, the line and the key.
pub fn read_assignment(path: &Path) -> Result<Assignment> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the assignment {}", path.display()))?;
    parse_assignment(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn line_of(text: &str, span: Option<Range<usize>>) -> String {
    span.and_then(|s| text.get(..s.start))
        .map(|before| format!("line {}: ", before.matches('\n').count() + 1))
        .unwrap_or_default()
}

/// The names of a list key: an array of strings, or one string.
fn names(item: &Item) -> Option<Vec<String>> {
    match item.as_value()? {
        Value::String(s) => Some(vec![s.value().clone()]),
        Value::Array(a) => a.iter().map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => None,
    }
}

/// An assignment from its TOML text.
pub fn parse_assignment(text: &str) -> Result<Assignment, String> {
    let doc = ImDocument::parse(text).map_err(|e| {
        let at = line_of(text, e.span());
        format!("{at}not valid TOML: {}", e.message())
    })?;
    let mut a = Assignment::default();
    for (key, item) in doc.as_table().iter() {
        let span = doc
            .as_table()
            .get_key_value(key)
            .and_then(|(k, _)| k.span())
            .or_else(|| item.span());
        let at = line_of(text, span);
        let list = || {
            names(item).ok_or(format!(
                "{at}`{key}` must be a list of names, e.g. [\"relu\"]"
            ))
        };
        let bad = |e: String| format!("{at}`{key}`: {e}");
        match key {
            "activation" => {
                a.activations = Some(choose(&list()?, &ACTIVATIONS, |a| a.name()).map_err(bad)?)
            }
            "optimizer" => {
                a.optimizers = Some(
                    choose(&list()?, &OptimizerChoice::ALL, OptimizerChoice::name).map_err(bad)?,
                )
            }
            "precision" => {
                a.precisions = Some(choose(&list()?, &PRECISIONS, Precision::name).map_err(bad)?)
            }
            "problems" | "seed" => {
                let n = item
                    .as_integer()
                    .filter(|&n| n >= 0)
                    .ok_or(format!("{at}`{key}` must be a whole number >= 0"))?;
                if key == "seed" {
                    a.seed = Some(n as u64);
                } else {
                    a.problems = Some(n as usize);
                }
            }
            other => {
                return Err(format!(
                    "{at}unknown key `{other}` (an assignment knows {})",
                    ASSIGNMENT_KEYS.join(", ")
                ));
            }
        }
    }
    Ok(a)
}

/// `--problems` and `--seed` when neither the command line nor an assignment gives them.
pub const DEFAULT_PROBLEMS: usize = 20;
pub const DEFAULT_SEED: u64 = 1;

/// The scope flags and the run's size as the command line gives them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flags<'a> {
    pub activation: Option<&'a str>,
    pub optimizer: Option<&'a str>,
    pub precision: Option<&'a str>,
    pub problems: Option<usize>,
    pub seed: Option<u64>,
    pub assignment: Option<&'a Path>,
}

/// A run's scope, problem count and seed: each flag, else the assignment's key, else the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub scope: Scope,
    pub problems: usize,
    pub seed: u64,
}

pub fn resolve(flags: Flags) -> Result<Resolved> {
    let file = match flags.assignment {
        Some(path) => read_assignment(path)?,
        None => Assignment::default(),
    };
    let all = Scope::default();
    Ok(Resolved {
        scope: Scope {
            activations: match flags.activation {
                Some(text) => activations(text)?,
                None => file.activations.unwrap_or(all.activations),
            },
            optimizers: match flags.optimizer {
                Some(text) => optimizers(text)?,
                None => file.optimizers.unwrap_or(all.optimizers),
            },
            precisions: match flags.precision {
                Some(text) => precisions(text)?,
                None => file.precisions.unwrap_or(all.precisions),
            },
        },
        problems: flags.problems.or(file.problems).unwrap_or(DEFAULT_PROBLEMS),
        seed: flags.seed.or(file.seed).unwrap_or(DEFAULT_SEED),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_is_a_set_in_one_order() {
        assert_eq!(
            activations("tanh, relu,tanh").unwrap(),
            vec![ActivationKind::Relu, ActivationKind::Tanh]
        );
        assert_eq!(
            optimizers("adamw,sgd").unwrap(),
            vec![
                OptimizerChoice::Sgd,
                OptimizerChoice::Kind(OptimizerKind::Adamw)
            ]
        );
        let e = precisions("f16").unwrap_err().to_string();
        assert!(
            e.contains("--precision") && e.contains("f16") && e.contains("f32, f64"),
            "{e}"
        );
        assert!(activations("").is_err());
    }

    #[test]
    fn an_assignment_reads_each_key_and_names_the_line_of_a_bad_one() {
        let a = parse_assignment(
            "# ReLU and plain SGD\nactivation = [\"relu\"]\noptimizer = [\"sgd\"]\nprecision = [\"f32\", \"f64\"]\nproblems = 20\nseed = 1\n",
        )
        .unwrap();
        assert_eq!(a.activations, Some(vec![ActivationKind::Relu]));
        assert_eq!(a.optimizers, Some(vec![OptimizerChoice::Sgd]));
        assert_eq!(a.precisions, Some(vec![Precision::F32, Precision::F64]));
        assert_eq!((a.problems, a.seed), (Some(20), Some(1)));
        assert_eq!(parse_assignment("").unwrap(), Assignment::default());
        for (text, want) in [
            (
                "seed = 1\nlearning_rate = 0.1\n",
                "line 2: unknown key `learning_rate`",
            ),
            (
                "activation = [\"mish\"]\n",
                "line 1: `activation`: unknown `mish`",
            ),
            ("\noptimizer = 3\n", "line 2: `optimizer` must be a list"),
            (
                "problems = -1\n",
                "line 1: `problems` must be a whole number",
            ),
            ("precision = []\n", "`precision`: expected at least one"),
            ("seed = \n", "line 1: not valid TOML"),
        ] {
            let e = parse_assignment(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }
}
