//! What a correct implementation computes on a problem: every tensor of the protocol in the
//! order of the computation (forward → loss → ∂L/∂logits → backward from the last layer down →
//! update), each beside its rounding scale. The forward and backward values and scales are
//! agreement's f64 trace (`gradient_trace`); the update's values are step.rs's f64 step (burn's
//! formulas and f32 constants), its scales `update_scales`'. Neither twin is called.
//!
//! Also the same computation with a classic mistake built in ([`Variant`]), for naming one.

use std::collections::HashMap;

use ndarray::{Array2, Axis};

use super::Problem;
use super::step::{self, Stepped};
use crate::agreement;
use crate::config::{Activation, Precision};
use crate::grads::variants::{self, Mistake};
use crate::params::{LayerParams, Params, tensor_name};

/// Which tensor of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Hidden layer i's output `h = relu(z_i)`.
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
}

impl Reference {
    pub fn get(&self, kind: Kind) -> Option<&Expected> {
        self.tensors.iter().find(|e| e.kind == kind)
    }
}

fn flat(a: &Array2<f64>) -> Vec<f64> {
    a.iter().copied().collect()
}

/// The reference of `problem` with scales for judging in `precision` (the kink allowance
/// depends on it).
// TODO(house): split
#[allow(clippy::too_many_lines)]
pub fn reference(problem: &Problem, precision: Precision) -> Reference {
    let scales = agreement::gradient_trace(
        &problem.params,
        (&problem.x, &problem.y),
        problem.activation,
        precision,
    );
    let trace = scales
        .trace
        .as_ref()
        .expect("gradient_trace keeps the trace");
    let last = problem.params.layers.len() - 1;
    let mut tensors = Vec::new();
    let mut push = |kind: Kind, shape: Vec<usize>, value: Vec<f64>, scale: Vec<f64>| {
        tensors.push(Expected {
            kind,
            name: kind.name(),
            shape,
            value,
            scale,
        })
    };
    let mut push2 = |kind: Kind, (v, s): &(Array2<f64>, Array2<f64>)| {
        push(kind, v.shape().to_vec(), flat(v), flat(s));
    };
    for i in 0..last {
        push2(Kind::Output(i), &trace.inputs[i + 1]);
    }
    push2(Kind::Logits, &trace.logits);
    let loss = mean_loss(&trace.logits.0, &problem.y);
    let one = |v: f64| Array2::from_elem((1, 1), v);
    push2(Kind::Loss, &(one(loss), one(scales.loss)));
    push2(Kind::GradLogits, &trace.grad_outputs[last]);
    push2(Kind::GradPreactivation(last), &trace.grad_outputs[last]);
    let mut grads = Vec::new();
    for i in (0..=last).rev() {
        let g = &trace.grad_outputs[i].0;
        let weight = trace.inputs[i].0.t().dot(g);
        let bias = g.sum_axis(Axis(0));
        let s = &scales.grads.layers[i];
        push2(Kind::GradWeight(i), &(weight.clone(), s.weight.clone()));
        let b2 = |a: &ndarray::Array1<f64>| a.clone().insert_axis(Axis(0));
        push2(Kind::GradBias(i), &(b2(&bias), b2(&s.bias)));
        grads.push(LayerParams { weight, bias });
        if i > 0 {
            push2(Kind::GradOutput(i - 1), &trace.grad_hidden[i - 1]);
            push2(Kind::GradPreactivation(i - 1), &trace.grad_outputs[i - 1]);
        }
    }
    grads.reverse();
    let grads = Params { layers: grads };
    let stepped = step::step(
        problem.optimizer,
        (&problem.params, &grads, &problem.state),
        problem.learning_rate,
        precision,
        None,
    );
    let update = agreement::update_scales(
        problem.optimizer,
        (&problem.params, &grads, &problem.state),
        problem.learning_rate,
        precision,
    );
    // The answer's own gradient may be off by its bound; the step carries that, times
    // |∂(result)/∂g|.
    let carried = |u: &Params, slope: &Params| -> Params {
        Params {
            layers: u
                .layers
                .iter()
                .zip(&slope.layers)
                .zip(&scales.grads.layers)
                .map(|((u, d), s)| LayerParams {
                    weight: &u.weight + &(&d.weight * &s.weight),
                    bias: &u.bias + &(&d.bias * &s.bias),
                })
                .collect(),
        }
    };
    let next_scale = carried(&update.params, &stepped.params.1);
    let buffer_scales: Vec<Params> = stepped
        .buffers
        .iter()
        .zip(&update.buffers)
        .map(|((_, _, slope), (_, u))| carried(u, slope))
        .collect();
    let b2 = |a: &ndarray::Array1<f64>| a.clone().insert_axis(Axis(0));
    for i in 0..=last {
        // In the order of the computation: each buffer, then the parameters.
        for ((name, value, _), scale) in stepped.buffers.iter().zip(&buffer_scales) {
            let (v, s) = (&value.layers[i], &scale.layers[i]);
            let kind = |bias| Kind::NextState {
                buffer: name,
                layer: i,
                bias,
            };
            push2(kind(false), &(v.weight.clone(), s.weight.clone()));
            push2(kind(true), &(b2(&v.bias), b2(&s.bias)));
        }
        let (v, s) = (&stepped.params.0.layers[i], &next_scale.layers[i]);
        push2(Kind::NextWeight(i), &(v.weight.clone(), s.weight.clone()));
        push2(Kind::NextBias(i), &(b2(&v.bias), b2(&s.bias)));
    }
    // Biases went through [1, c] and the loss through [1, 1] for push2; their protocol
    // shapes are [c] and [].
    for e in &mut tensors {
        match e.kind {
            Kind::GradBias(_) | Kind::NextBias(_) | Kind::NextState { bias: true, .. } => {
                e.shape = vec![e.value.len()]
            }
            Kind::Loss => e.shape = vec![],
            _ => {}
        }
    }
    let max_abs_logit = trace.logits.0.iter().fold(0.0f64, |a, &b| a.max(b.abs()));
    Reference {
        tensors,
        ambiguous_units: scales.ambiguous_units,
        max_abs_logit,
    }
}

/// The mean softmax cross-entropy of `logits` against `y`, in f64 with each row's max
/// subtracted.
pub fn mean_loss(logits: &Array2<f64>, y: &[usize]) -> f64 {
    let total: f64 = logits
        .rows()
        .into_iter()
        .zip(y)
        .map(|(z, &t)| {
            let m = z.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            m + z.iter().map(|&v| (v - m).exp()).sum::<f64>().ln() - z[t]
        })
        .sum();
    total / y.len() as f64
}

/// A classic mistake built into the computation, to see whether an answer's numbers are its.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// In the backward pass (src/grads/variants.rs, shared with `grads --check`).
    Backward(Mistake),
    /// In the optimizer's step (step.rs).
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
    pub fn text(self, activation: Activation) -> String {
        match self {
            Variant::Backward(m) => m.text(activation),
            Variant::Step(m) => m.text().to_owned(),
        }
    }
}

/// The backward pass and step of `problem` in f64 with `variant` built in: every tensor it
/// gives after the logits, by name.
pub fn variant(problem: &Problem, variant: Variant) -> HashMap<String, Vec<f64>> {
    let (backward, step_mistake) = match variant {
        Variant::Backward(m) => (Some(m), None),
        Variant::Step(m) => (None, Some(m)),
    };
    let pass = variants::pass(
        &problem.params,
        (&problem.x, &problem.y),
        problem.activation,
        backward,
    );
    let Stepped { params, buffers } = step::step(
        problem.optimizer,
        (&problem.params, &pass.grads, &problem.state),
        problem.learning_rate,
        problem.precision,
        step_mistake,
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
            flat(&pass.grad_preactivations[i]),
        );
        if i < last {
            out.insert(Kind::GradOutput(i).name(), flat(&pass.grad_outputs[i]));
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
