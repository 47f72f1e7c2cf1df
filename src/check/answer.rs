//! An answer file read: a regular file no bigger than its tensors at f64 plus a header, names
//! checked against the protocol, dtypes F32 or F64, values widened to f64 with NaN and
//! infinities kept (the judge names them). Shapes are the judge's business too: a transposed
//! weight gradient is a mistake to name, not a file to refuse.

use std::collections::HashMap;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};

use super::Problem;
use super::bounded::{READ_DEADLINE, Refused, read_regular};
use super::escape::{NAME_CHARS, escape};
use super::limits::HEADER_BYTES;
use super::reference::Kind;
use crate::config::Precision;
use crate::params::decode_floats;

/// One tensor of an answer.
#[derive(Debug, Clone)]
pub struct Given {
    pub shape: Vec<usize>,
    pub values: Vec<f64>,
    pub precision: Precision,
}

/// An answer's tensors by name.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub tensors: HashMap<String, Given>,
}

/// Every tensor an answer to `problem` may hold, in the order of the computation.
pub fn known_kinds(problem: &Problem) -> Vec<Kind> {
    let last = problem.params.layers.len() - 1;
    let mut kinds: Vec<Kind> = (0..last).map(Kind::Output).collect();
    kinds.extend([Kind::Logits, Kind::Loss, Kind::GradLogits]);
    for i in 0..=last {
        kinds.extend([
            Kind::GradPreactivation(i),
            Kind::GradWeight(i),
            Kind::GradBias(i),
            Kind::NextWeight(i),
            Kind::NextBias(i),
        ]);
        if i < last {
            kinds.push(Kind::GradOutput(i));
        }
        for buffer in problem.optimizer.buffers() {
            for bias in [false, true] {
                kinds.push(Kind::NextState {
                    buffer,
                    layer: i,
                    bias,
                });
            }
        }
    }
    kinds
}

/// The largest answer to `problem`: every tensor the protocol knows for it at f64 (one shaped
/// like a parameter counted at its layer's weight, any other at rows × the widest layer), plus
/// a header.
pub fn max_bytes(problem: &Problem) -> u64 {
    let sizes = problem.sizes();
    let widest = sizes.iter().copied().max().unwrap_or(1) as u64;
    let rows = problem.rows() as u64;
    let entries: u64 = known_kinds(problem)
        .into_iter()
        .map(|k| match (k, k.param_layer()) {
            (_, Some(i)) => (sizes[i] * sizes[i + 1]) as u64,
            (Kind::Loss, None) => 1,
            _ => rows * widest,
        })
        .sum();
    entries * 8 + HEADER_BYTES
}

/// Reads `path` (a regular file within [`max_bytes`]); the error is one line for the report
/// (the problem fails, the run goes on).
pub fn read(path: &Path, problem: &Problem) -> Result<Answer, String> {
    let bytes = match read_regular(path, max_bytes(problem), READ_DEADLINE) {
        Ok(b) => b,
        Err(Refused::Missing) => {
            return Err(format!("no answer: {} was not written", path.display()));
        }
        Err(e @ Refused::TooBig { .. }) => {
            return Err(format!(
                "answer too big: {e}, what this problem's tensors take at f64 plus {} KiB of header",
                HEADER_BYTES / 1024
            ));
        }
        Err(e @ Refused::NotRegular(_)) => {
            return Err(format!(
                "answer not a file: {} not read: {e}",
                path.display()
            ));
        }
        Err(e) => return Err(format!("cannot read the answer {}: {e}", path.display())),
    };
    parse(&bytes, problem)
}

pub fn parse(bytes: &[u8], problem: &Problem) -> Result<Answer, String> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| {
        let e = escape(&format!("{e:?}"), NAME_CHARS * 2);
        format!("the answer is not a safetensors file ({e})")
    })?;
    let known: Vec<String> = known_kinds(problem).into_iter().map(Kind::name).collect();
    let mut names: Vec<String> = file.names().into_iter().cloned().collect();
    names.sort();
    if names.is_empty() {
        return Err("the answer holds no tensors".to_owned());
    }
    let unknown: Vec<String> = names
        .iter()
        .filter(|n| !known.iter().any(|k| k == *n))
        .map(|n| escape(n, NAME_CHARS))
        .collect();
    let unknown: Vec<&str> = unknown.iter().map(String::as_str).collect();
    if !unknown.is_empty() {
        return Err(format!(
            "wrong names: the answer holds {}, which the protocol does not know for a net of {} layer{} with {} (it knows `logits`, `loss`, `grad.logits`, `grad.layers.{{i}}.weight|bias|preactivation`, `next.layers.{{i}}.weight|bias`, `layers.{{i}}.output`, `grad.layers.{{i}}.output` of hidden layers{})",
            crate::params::name_list(&unknown),
            problem.params.layers.len(),
            if problem.params.layers.len() == 1 {
                ""
            } else {
                "s"
            },
            problem.optimizer.name(),
            problem
                .optimizer
                .buffers()
                .iter()
                .map(|b| format!(", `next.state.{b}.layers.{{i}}.weight|bias`"))
                .collect::<String>(),
        ));
    }
    let mut tensors = HashMap::new();
    for name in names {
        let view = file.tensor(&name).map_err(|e| {
            format!(
                "tensor `{name}`: {}",
                escape(&format!("{e:?}"), NAME_CHARS * 2)
            )
        })?;
        let precision = match view.dtype() {
            Dtype::F32 => Precision::F32,
            Dtype::F64 => Precision::F64,
            other => {
                return Err(format!(
                    "wrong dtype: tensor `{name}` is {other:?}, expected F32 or F64"
                ));
            }
        };
        let values = decode_floats(view.dtype(), view.data()).expect("F32 or F64");
        tensors.insert(
            name,
            Given {
                shape: view.shape().to_vec(),
                values,
                precision,
            },
        );
    }
    Ok(Answer { tensors })
}
