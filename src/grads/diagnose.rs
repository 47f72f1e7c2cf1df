//! `mlp2d grads --check`: anyone's gradients ([`super::given`]) judged against the twins' at the
//! same parameters and rows, with the gate's measure (`err_bound`, agreement/judge.rs), and the classic
//! mistake named when the numbers fit one.

use std::cell::OnceCell;
use std::fmt::Write as _;

use ndarray::Array2;

use super::given::Given;
use crate::agreement::{self, Scales};
use crate::config::{Activation, Precision};
use crate::exact::{self, Mistake, Pass};
use crate::params::{Params, tensor_name};

/// One tensor's verdict.
#[derive(Debug, Clone)]
pub struct TensorVerdict {
    pub name: String,
    pub shape: Vec<usize>,
    /// Against the burn twin and the hand-written twin.
    pub err_bound_burn: f64,
    pub err_bound_manual: f64,
    pub agrees: bool,
    /// Agrees only thanks to the allowance for (leaky) ReLU units at their kink.
    pub only_kinks: bool,
    /// The mistake these numbers fit, if any.
    pub mistake: Option<String>,
}

/// The whole check.
#[derive(Debug, Clone)]
pub struct Checked {
    pub rows: Vec<TensorVerdict>,
    pub limit: f64,
    pub precision: Precision,
    /// The hidden activation: whether kinks are part of the measure.
    pub activation: Activation,
    /// One sentence on what is wrong overall, when a pattern fits.
    pub diagnosis: Option<String>,
}

impl Checked {
    pub fn passed(&self) -> bool {
        self.rows.iter().all(|r| r.agrees)
    }

    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<22} {:>9} {:>13} {:>13}  verdict",
            "tensor", "shape", "err_bound/burn", "/hand-written"
        );
        for r in &self.rows {
            let shape = crate::params::shape_text(&r.shape);
            let verdict = match (&r.mistake, r.agrees, r.only_kinks) {
                (_, true, true) => format!(
                    "agrees (differs only at {} units on their kink)",
                    unit_name(self.activation)
                ),
                (_, true, false) => "agrees".to_owned(),
                (Some(m), false, _) => format!("DIFFERS: {m}"),
                (None, false, _) => "DIFFERS".to_owned(),
            };
            let _ = writeln!(
                s,
                "{:<22} {:>9} {:>13} {:>13}  {verdict}",
                r.name,
                shape,
                crate::report::bound_text(r.err_bound_burn),
                crate::report::bound_text(r.err_bound_manual),
            );
        }
        let kinks = if self.activation.has_kink() {
            format!(" and {} kinks", unit_name(self.activation))
        } else {
            String::new()
        };
        let _ = write!(
            s,
            "err_bound: the difference in units of what {} rounding{kinks} can explain; limit {}",
            self.precision.name(),
            self.limit
        );
        s
    }
}

/// What the twins computed at the same parameters on the same rows.
pub struct Reference<'a> {
    pub burn_loss: f64,
    pub burn: &'a Params,
    pub manual_loss: f64,
    pub manual: &'a Params,
    /// Rounding scales at the coarser of the run's and the file's precision, with and without
    /// the kink allowance.
    pub scales: &'a Scales,
    pub scales_no_kinks: &'a Scales,
    pub precision: Precision,
    pub limit: f64,
    /// Rows the gradient is a mean over, and the config's learning rate: the factors a classic
    /// mistake multiplies by.
    pub rows: usize,
    pub learning_rate: f64,
    /// The point and batch the twins ran at (the parameters rounded to the run's precision, x
    /// as the twins saw it) and the activation: what a mistaken backward is computed from.
    pub params: &'a Params,
    pub x: &'a Array2<f64>,
    pub y: &'a [usize],
    pub activation: Activation,
}

/// Judges `given` against the twins, tensor by tensor.
// TODO(house): split
#[allow(clippy::too_many_lines)]
pub fn check(given: &Given, r: &Reference) -> Checked {
    let p = r.precision;
    let bound =
        |a: &[f64], b: &[f64], s: &[f64]| agreement::err_bound(a.iter(), b.iter(), s.iter(), p);
    let mut rows = Vec::new();
    if let Some(loss) = given.loss {
        let eb = bound(&[loss], &[r.burn_loss], &[r.scales.loss]);
        let em = bound(&[loss], &[r.manual_loss], &[r.scales.loss]);
        rows.push(TensorVerdict {
            name: "loss".to_owned(),
            shape: vec![1],
            err_bound_burn: eb,
            err_bound_manual: em,
            agrees: eb <= r.limit && em <= r.limit,
            only_kinks: false,
            mistake: None,
        });
    }
    let factors = super::mistakes::gradient_factors(r.rows, r.learning_rate);
    // The mistaken backward passes, computed when a tensor first needs them.
    let variants: OnceCell<Vec<(Mistake, Pass)>> = OnceCell::new();
    let variants = || {
        variants.get_or_init(|| {
            Mistake::for_activation(r.activation)
                .into_iter()
                .map(|m| {
                    let pass = exact::pass(r.params, (r.x, r.y), r.activation, Some(m));
                    (m, pass)
                })
                .collect()
        })
    };
    for (i, ((g, b), m)) in given
        .grads
        .layers
        .iter()
        .zip(&r.burn.layers)
        .zip(&r.manual.layers)
        .enumerate()
    {
        let s = &r.scales.grads.layers[i];
        let s0 = &r.scales_no_kinks.grads.layers[i];
        let tensors = [
            (
                false,
                flat2(&g.weight),
                flat2(&b.weight),
                flat2(&m.weight),
                flat2(&s.weight),
                flat2(&s0.weight),
            ),
            (
                true,
                g.bias.to_vec(),
                b.bias.to_vec(),
                m.bias.to_vec(),
                s.bias.to_vec(),
                s0.bias.to_vec(),
            ),
        ];
        for (is_bias, gv, bv, mv, sv, s0v) in tensors {
            let eb = bound(&gv, &bv, &sv);
            let em = bound(&gv, &mv, &sv);
            let agrees = eb <= r.limit && em <= r.limit;
            let only_kinks = agrees && bound(&gv, &bv, &s0v) > r.limit;
            let mut mistake = None;
            if !is_bias && given.transposed.contains(&i) {
                mistake = Some(
                    "stored as [c_out, c_in]: the gradient of x·W is xᵀ·g, [c_in, c_out]"
                        .to_owned(),
                );
            } else if !agrees {
                mistake = super::mistakes::fitting_factor(&gv, &bv, &sv, p, r.limit, &factors)
                    .map(|f| f.what.clone());
                if mistake.is_none()
                    && !is_bias
                    && super::mistakes::fits_transposed(&g.weight, &bv, &sv, p, r.limit)
                {
                    mistake =
                        Some("transposed: W where Wᵀ belongs (or the other way round)".to_owned());
                }
                if mistake.is_none() {
                    mistake = variants().iter().find_map(|(m, pass)| {
                        let l = &pass.grads.layers[i];
                        let v = if is_bias {
                            l.bias.to_vec()
                        } else {
                            flat2(&l.weight)
                        };
                        super::mistakes::fits_variant(&gv, &v, &bv, &sv, p, r.limit)
                            .then(|| m.text(r.activation))
                    });
                }
            }
            rows.push(TensorVerdict {
                name: format!("grad.{}", tensor_name(i, is_bias)),
                shape: if is_bias {
                    vec![b.bias.len()]
                } else {
                    b.weight.shape().to_vec()
                },
                err_bound_burn: eb,
                err_bound_manual: em,
                agrees: agrees && (is_bias || !given.transposed.contains(&i)),
                only_kinks,
                mistake,
            });
        }
    }
    let diagnosis = diagnose(&rows, given.grads.layers.len(), r.activation);
    Checked {
        rows,
        limit: r.limit,
        precision: p,
        activation: r.activation,
        diagnosis,
    }
}

/// How the text names a unit of activation `a`.
fn unit_name(a: Activation) -> &'static str {
    match a {
        Activation::Relu => "ReLU",
        Activation::LeakyRelu { .. } => "leaky ReLU",
        Activation::Tanh => "tanh",
        Activation::Sigmoid => "sigmoid",
        Activation::Gelu => "GELU",
        Activation::Silu => "SiLU",
    }
}

/// What the backward does between layers 0 and 1: the ReLU's mask, another activation's `a′(z)`.
fn activation_backward(a: Activation) -> String {
    match a {
        Activation::Relu => "the ReLU mask".to_owned(),
        _ => format!("the {} derivative", unit_name(a)),
    }
}

fn flat2(a: &Array2<f64>) -> Vec<f64> {
    a.iter().copied().collect()
}

/// The overall pattern: every tensor off by the same mistake, or one layer alone wrong.
fn diagnose(rows: &[TensorVerdict], layers: usize, a: Activation) -> Option<String> {
    let tensors: Vec<&TensorVerdict> = rows.iter().filter(|r| r.name != "loss").collect();
    let failing: Vec<&TensorVerdict> = tensors.iter().copied().filter(|r| !r.agrees).collect();
    if failing.is_empty() {
        if tensors.iter().any(|r| r.only_kinks) {
            return Some(format!(
                "every tensor agrees; some differ only through {} units whose input is within rounding of 0, which either side may count as on or off",
                unit_name(a)
            ));
        }
        return None;
    }
    if let Some(first) = &failing[0].mistake
        && failing.len() == tensors.len()
        && failing.iter().all(|r| r.mistake.as_ref() == Some(first))
    {
        return Some(format!("every gradient: {first}"));
    }
    if failing.iter().all(|r| {
        r.name.ends_with(".weight")
            && r.mistake
                .as_deref()
                .is_some_and(|m| m.contains("transposed") || m.contains("[c_out, c_in]"))
    }) {
        return Some(
            "the weight gradients are transposed: ∂L/∂W = xᵀ·g has the weight's shape [c_in, c_out]; gᵀ·x is its transpose"
                .to_owned(),
        );
    }
    // A mistake in the activation's backward leaves the last layer right and every layer below
    // it wrong in the same way.
    if let Some(first) = &failing[0].mistake
        && failing.len() > 1
        && failing.iter().all(|r| r.mistake.as_ref() == Some(first))
    {
        let label = first.split(':').next().unwrap_or(first);
        return Some(format!(
            "every wrong gradient fits the same mistake: {label}"
        ));
    }
    let layer_of = |r: &TensorVerdict| {
        r.name
            .split('.')
            .nth(2)
            .and_then(|i| i.parse::<usize>().ok())
    };
    let wrong_layers: std::collections::BTreeSet<usize> =
        failing.iter().filter_map(|r| layer_of(r)).collect();
    if wrong_layers.len() == 1 && layers > 1 {
        let i = *wrong_layers.iter().next().expect("one layer");
        let names = failing
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        // A wrong gradient flowing into layer i would reach the layers before it too; the first
        // layer has none to tell.
        return Some(if i > 0 {
            format!(
                "only layer {i} is wrong ({names}): the layers before it agree, so the gradient flowing into it is right and the mistake is in its own ∂L/∂W or ∂L/∂b"
            )
        } else {
            format!(
                "only the first layer is wrong ({names}): its own ∂L/∂W or ∂L/∂b, or the gradient handed to it ({} between layers 0 and 1?)",
                activation_backward(a)
            )
        });
    }
    None
}
