//! What a correct implementation computes on a problem: every tensor of the protocol in the
//! order of the computation (forward → loss → ∂L/∂logits → backward from the last layer down →
//! update), each beside its rounding scale. The values are exact/'s (forward, loss, backward and
//! the optimizer's step, burn's formulas and f32 constants); the scales are agreement's trace
//! (`gradient_scales_with`, its trace kept) and `update_scales`. Neither twin is called.
//!
//! Also the same computation with a classic mistake built in ([`Variant`]), for naming one.

use std::collections::HashMap;

use ndarray::{Array2, Axis};

use super::Problem;
use crate::agreement;
use crate::config::Precision;
use crate::exact::step::{self, Convention, Stepped};
use crate::exact::{self, Mistake};
use crate::params::{Params, tensor_name};

/// Which tensor of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Hidden layer i's output `h = a(z_i)`.
    Output(usize),
    Logits,
    Loss,
    GradLogits,
    /// `∂L/∂z_i`, after the activation's backward.
    GradPreactivation(usize),
    /// `∂L/∂h_i` of hidden layer i's output, before the activation's backward.
    GradOutput(usize),
    GradWeight(usize),
    GradBias(usize),
    NextWeight(usize),
    NextBias(usize),
    /// The optimizer's buffer after the step (`velocity`, `moment_1`, `moment_2`).
    NextState {
        buffer: &'static str,
        layer: usize,
        bias: bool,
    },
}

impl Kind {
    /// The tensor's name in an answer file.
    pub fn name(self) -> String {
        match self {
            Kind::Output(i) => format!("layers.{i}.output"),
            Kind::Logits => "logits".to_owned(),
            Kind::Loss => "loss".to_owned(),
            Kind::GradLogits => "grad.logits".to_owned(),
            Kind::GradPreactivation(i) => format!("grad.layers.{i}.preactivation"),
            Kind::GradOutput(i) => format!("grad.layers.{i}.output"),
            Kind::GradWeight(i) => format!("grad.{}", tensor_name(i, false)),
            Kind::GradBias(i) => format!("grad.{}", tensor_name(i, true)),
            Kind::NextWeight(i) => format!("next.{}", tensor_name(i, false)),
            Kind::NextBias(i) => format!("next.{}", tensor_name(i, true)),
            Kind::NextState {
                buffer,
                layer,
                bias,
            } => format!("next.state.{buffer}.{}", tensor_name(layer, bias)),
        }
    }

    /// The layer a parameter's gradient or update belongs to.
    pub fn param_layer(self) -> Option<usize> {
        match self {
            Kind::GradWeight(i) | Kind::GradBias(i) | Kind::NextWeight(i) | Kind::NextBias(i) => {
                Some(i)
            }
            Kind::NextState { layer, .. } => Some(layer),
            _ => None,
        }
    }

    /// The step of the computation it comes from, for the report.
    pub fn step(self) -> &'static str {
        match self {
            Kind::Output(_) | Kind::Logits => "forward",
            Kind::Loss => "loss",
            Kind::GradLogits => "∂L/∂logits",
            Kind::NextWeight(_) | Kind::NextBias(_) | Kind::NextState { .. } => "update",
            _ => "backward",
        }
    }
}

/// One tensor as a correct implementation computes it, and its rounding scale.
#[derive(Debug, Clone)]
pub struct Expected {
    pub kind: Kind,
    pub name: String,
    /// `[]` for the loss.
    pub shape: Vec<usize>,
    pub value: Vec<f64>,
    pub scale: Vec<f64>,
}

/// Every tensor of a problem, in the order of the computation.
#[derive(Debug, Clone)]
pub struct Reference {
    pub tensors: Vec<Expected>,
    /// ReLU units (row × unit) within their rounding bound of 0: either side of the kink passes.
    pub ambiguous_units: usize,
    /// The largest |logit|: beyond exp's range, a softmax that does not subtract the max fails.
    pub max_abs_logit: f64,
    /// The constants the step's tensors follow.
    pub convention: Convention,
}

impl Reference {
    pub fn get(&self, kind: Kind) -> Option<&Expected> {
        self.tensors.iter().find(|e| e.kind == kind)
    }
}

/// The reference under every convention for the step's constants: the forward and backward
/// tensors once, the step's under each.
#[derive(Debug, Clone)]
pub struct References {
    base: Reference,
    steps: Vec<(Convention, Vec<Expected>)>,
}

impl References {
    /// The whole reference with the step under `convention`.
    pub fn with(&self, convention: Convention) -> Reference {
        let (_, step) = self
            .steps
            .iter()
            .find(|(c, _)| *c == convention)
            .expect("every convention");
        let mut r = self.base.clone();
        r.tensors.extend(step.iter().cloned());
        r.convention = convention;
        r
    }
}

fn flat(a: &Array2<f64>) -> Vec<f64> {
    a.iter().copied().collect()
}

/// One tensor from a value and its scale (`[1, c]` for a bias and `[1, 1]` for the loss, whose
/// protocol shapes are `[c]` and `[]`).
fn expected(kind: Kind, (v, s): (&Array2<f64>, &Array2<f64>)) -> Expected {
    let shape = match kind {
        Kind::GradBias(_) | Kind::NextBias(_) | Kind::NextState { bias: true, .. } => {
            vec![v.len()]
        }
        Kind::Loss => vec![],
        _ => v.shape().to_vec(),
    };
    Expected {
        kind,
        name: kind.name(),
        shape,
        value: flat(v),
        scale: flat(s),
    }
}

fn row(a: &ndarray::Array1<f64>) -> Array2<f64> {
    a.clone().insert_axis(Axis(0))
}

/// The reference of `problem` with scales for judging in `precision` (the kink allowance
/// depends on it), the step under `convention`.
pub fn reference(problem: &Problem, precision: Precision, convention: Convention) -> Reference {
    let (base, grads, grad_scales) = gradients(problem, precision);
    let mut r = base;
    r.tensors.extend(step_tensors(
        problem,
        precision,
        convention,
        (&grads, &grad_scales),
    ));
    r.convention = convention;
    r
}

/// The reference under every convention.
pub fn references(problem: &Problem, precision: Precision) -> References {
    let (base, grads, grad_scales) = gradients(problem, precision);
    let steps = Convention::ALL
        .iter()
        .map(|&c| {
            (
                c,
                step_tensors(problem, precision, c, (&grads, &grad_scales)),
            )
        })
        .collect();
    References { base, steps }
}

/// The forward and backward tensors (exact/'s values, agreement's scales), and the gradients
/// with their scales.
fn gradients(problem: &Problem, precision: Precision) -> (Reference, Params, Params) {
    let scales = agreement::gradient_scales_with(
        &problem.params,
        (&problem.x, &problem.y),
        (problem.activation, precision),
        (agreement::Library::Faithful, true),
    );
    let trace = scales.trace.as_ref().expect("the trace was asked for");
    let pass = exact::pass(
        &problem.params,
        (&problem.x, &problem.y),
        problem.activation,
        None,
    );
    let last = problem.params.layers.len() - 1;
    let mut tensors = Vec::new();
    let mut push = |kind: Kind, (v, s): (&Array2<f64>, &Array2<f64>)| {
        tensors.push(expected(kind, (v, s)));
    };
    for i in 0..last {
        push(
            Kind::Output(i),
            (&trace.inputs[i + 1].0, &trace.inputs[i + 1].1),
        );
    }
    push(Kind::Logits, (&trace.logits.0, &trace.logits.1));
    let one = |v: f64| Array2::from_elem((1, 1), v);
    push(Kind::Loss, (&one(pass.loss), &one(scales.loss)));
    let (g, s) = &trace.grad_outputs[last];
    push(Kind::GradLogits, (g, s));
    push(Kind::GradPreactivation(last), (g, s));
    for i in (0..=last).rev() {
        let (g, s) = (&pass.grads.layers[i], &scales.grads.layers[i]);
        push(Kind::GradWeight(i), (&g.weight, &s.weight));
        push(Kind::GradBias(i), (&row(&g.bias), &row(&s.bias)));
        if i > 0 {
            let (h, sh) = &trace.grad_hidden[i - 1];
            push(Kind::GradOutput(i - 1), (h, sh));
            let (z, sz) = &trace.grad_outputs[i - 1];
            push(Kind::GradPreactivation(i - 1), (z, sz));
        }
    }
    let max_abs_logit = trace.logits.0.iter().fold(0.0f64, |a, &b| a.max(b.abs()));
    let base = Reference {
        tensors,
        ambiguous_units: scales.ambiguous_units,
        max_abs_logit,
        convention: Convention::Burn,
    };
    (base, pass.grads, scales.grads)
}

/// The step's tensors under `convention`, each buffer then the parameters, layer by layer. The
/// scale of each: the step's own rounding (`update_scales`), how far the answer's gradient, off
/// by as much as the judge accepts for it (the limit times its allowance: `u·S_g`, never less
/// than the smallest normal number), carries into it, and under [`Convention::Exact`] how far
/// holding each constant in the problem's precision moves it.
fn step_tensors(
    problem: &Problem,
    precision: Precision,
    convention: Convention,
    (grads, grad_scales): (&Params, &Params),
) -> Vec<Expected> {
    let optimizer = problem.optimizer;
    let inputs = (&problem.params, grads, &problem.state);
    let t = problem.state.steps + 1;
    let k = step::Constants::new(
        optimizer,
        (problem.learning_rate, t),
        (precision, convention),
        None,
    );
    let (u, limit) = (
        agreement::unit_roundoff(precision),
        agreement::err_bound_limit(precision),
    );
    let outputs = 1 + optimizer.buffers().len();
    let before = step::before(optimizer, &problem.state);
    let both = step::map_entries(2 * outputs, (inputs.0, inputs.1, &before), |loc, e| {
        let values = step::entry(optimizer, &k, e, None).into_iter().map(|o| o.0);
        // A gradient entry below the normal range rounds absolutely: the judge accepts it
        // within the smallest normal number, and a step that divides by ε carries that on.
        let delta = limit * agreement::allowance(loc.of(grad_scales), precision);
        let mut scale: Vec<f64> = step::bounds::carried(optimizer, &k, e, delta, None)
            .into_iter()
            .map(|c| c / (limit * u))
            .collect();
        if convention == Convention::Exact {
            let spread = step::bounds::constants_spread(optimizer, &k, e, None);
            scale.iter_mut().zip(spread).for_each(|(s, c)| *s += c);
        }
        values.chain(scale).collect()
    });
    let (values, carried) = both.split_at(outputs);
    let rounding = agreement::update_scales(optimizer, inputs, problem.learning_rate, precision);
    let roundings: Vec<&Params> = std::iter::once(&rounding.params)
        .chain(rounding.buffers.iter().map(|(_, p)| p))
        .collect();
    let names = optimizer.buffers();
    let mut tensors = Vec::new();
    for i in 0..problem.params.layers.len() {
        // In the order of the computation: each buffer, then the parameters.
        for o in (1..outputs).chain([0]) {
            let (v, c, r) = (
                &values[o].layers[i],
                &carried[o].layers[i],
                &roundings[o].layers[i],
            );
            let kind = |bias| match o {
                0 if bias => Kind::NextBias(i),
                0 => Kind::NextWeight(i),
                _ => Kind::NextState {
                    buffer: names[o - 1],
                    layer: i,
                    bias,
                },
            };
            tensors.push(expected(kind(false), (&v.weight, &(&c.weight + &r.weight))));
            tensors.push(expected(
                kind(true),
                (&row(&v.bias), &row(&(&c.bias + &r.bias))),
            ));
        }
    }
    tensors
}

/// A classic mistake built into the computation, to see whether an answer's numbers are its.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// In the backward pass (exact/activation.rs, shared with `grads --check`).
    Backward(Mistake),
    /// In the optimizer's step (exact/step/mistake.rs).
    Step(step::Mistake),
}

impl Variant {
    /// The variants worth trying on `problem`.
    pub fn all(problem: &Problem) -> Vec<Variant> {
        Mistake::for_activation(problem.activation)
            .into_iter()
            .map(Variant::Backward)
            .chain(
                step::Mistake::for_optimizer(problem.optimizer)
                    .into_iter()
                    .map(Variant::Step),
            )
            .collect()
    }

    /// The mistake's name, then what it is.
    pub fn text(self, problem: &Problem) -> String {
        match self {
            Variant::Backward(m) => m.text(problem.activation),
            Variant::Step(m) => m.text(problem.optimizer),
        }
    }
}

/// The backward pass and step of `problem` in f64 with `variant` built in, the step's constants
/// under `convention`: every tensor it gives after the logits, by name.
pub fn variant(
    problem: &Problem,
    variant: Variant,
    convention: Convention,
) -> HashMap<String, Vec<f64>> {
    let (backward, step_mistake) = match variant {
        Variant::Backward(m) => (Some(m), None),
        Variant::Step(m) => (None, Some(m)),
    };
    let pass = exact::pass(
        &problem.params,
        (&problem.x, &problem.y),
        problem.activation,
        backward,
    );
    let Stepped { params, buffers } = step::step(
        problem.optimizer,
        (&problem.params, &pass.grads, &problem.state),
        (problem.learning_rate, problem.precision),
        (convention, step_mistake),
    );
    let mut out = HashMap::new();
    let last = problem.params.layers.len() - 1;
    for i in 0..=last {
        let (g, next) = (&pass.grads.layers[i], &params.0.layers[i]);
        out.insert(Kind::GradWeight(i).name(), flat(&g.weight));
        out.insert(Kind::GradBias(i).name(), g.bias.to_vec());
        out.insert(Kind::NextWeight(i).name(), flat(&next.weight));
        out.insert(Kind::NextBias(i).name(), next.bias.to_vec());
        out.insert(
            Kind::GradPreactivation(i).name(),
            flat(&pass.backward.grad_pre[i]),
        );
        if i < last {
            out.insert(
                Kind::GradOutput(i).name(),
                flat(&pass.backward.grad_hidden[i]),
            );
        }
        for (buffer, value, _) in &buffers {
            let l = &value.layers[i];
            let kind = |bias| Kind::NextState {
                buffer,
                layer: i,
                bias,
            };
            out.insert(kind(false).name(), flat(&l.weight));
            out.insert(kind(true).name(), l.bias.to_vec());
        }
    }
    out
}
