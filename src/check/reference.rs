//! What a correct implementation computes on a problem: every tensor of the protocol in the
//! order of the computation (forward → loss → ∂L/∂logits → backward from the last layer down →
//! update), each beside its rounding scale. The values and scales are agreement's f64 trace
//! (`gradient_trace`, `update_scales`): an independent computation that calls neither twin.
//!
//! Also the same computation with a classic mistake built in ([`Variant`]), for naming one.

use std::collections::HashMap;

use ndarray::{Array2, Axis, Zip};

use super::Problem;
use crate::agreement;
use crate::config::{Activation, Optimizer, Precision};
use crate::params::{LayerParams, OptimizerState, Params, tensor_name};

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
        }
    }

    /// The layer a parameter's gradient or update belongs to.
    pub fn param_layer(self) -> Option<usize> {
        match self {
            Kind::GradWeight(i) | Kind::GradBias(i) | Kind::NextWeight(i) | Kind::NextBias(i) => {
                Some(i)
            }
            _ => None,
        }
    }

    /// The step of the computation it comes from, for the report.
    pub fn step(self) -> &'static str {
        match self {
            Kind::Output(_) | Kind::Logits => "forward",
            Kind::Loss => "loss",
            Kind::GradLogits => "∂L/∂logits",
            Kind::NextWeight(_) | Kind::NextBias(_) => "update",
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
pub fn reference(problem: &Problem, precision: Precision) -> Reference {
    let scales = agreement::gradient_trace(
        &problem.params,
        (&problem.x, &problem.y),
        Activation::Relu,
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
    let lr = problem.learning_rate;
    let update = agreement::update_scales(
        Optimizer::default(),
        (&problem.params, &grads, &OptimizerState::default()),
        lr,
        precision,
    )
    .params;
    for (i, ((t, g), (u, s))) in problem
        .params
        .layers
        .iter()
        .zip(&grads.layers)
        .zip(update.layers.iter().zip(&scales.grads.layers))
        .enumerate()
    {
        // The answer's own gradient may be off by its bound; the step carries that, times λ.
        let next = |t: f64, g: f64| t - lr * g;
        let carried = |u: f64, s: f64| u + lr * s;
        let w = Zip::from(&t.weight)
            .and(&g.weight)
            .map_collect(|&t, &g| next(t, g));
        let sw = Zip::from(&u.weight)
            .and(&s.weight)
            .map_collect(|&u, &s| carried(u, s));
        push2(Kind::NextWeight(i), &(w, sw));
        let b = Zip::from(&t.bias)
            .and(&g.bias)
            .map_collect(|&t, &g| next(t, g));
        let sb = Zip::from(&u.bias)
            .and(&s.bias)
            .map_collect(|&u, &s| carried(u, s));
        let b2 = |a: ndarray::Array1<f64>| a.insert_axis(Axis(0));
        push2(Kind::NextBias(i), &(b2(b), b2(sb)));
    }
    // Biases went through [1, c] and the loss through [1, 1] for push2; their protocol
    // shapes are [c] and [].
    for e in &mut tensors {
        match e.kind {
            Kind::GradBias(_) | Kind::NextBias(_) => e.shape = vec![e.value.len()],
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

/// A classic mistake built into the backward pass, to see whether an answer's numbers are its.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The gradient passed through every unit, on or off.
    NoReluMask,
    /// `∂L/∂W_i` from the layer below's pre-activation `z`, not its ReLU output `h`.
    PreactivationInput,
}

/// The backward pass and update of `problem` in f64 with `variant` built in: the tensors it
/// changes, by name.
pub fn variant(problem: &Problem, variant: Variant) -> HashMap<String, Vec<f64>> {
    let layers = &problem.params.layers;
    let last = layers.len() - 1;
    let (mut zs, mut hs) = (Vec::new(), vec![problem.x.clone()]);
    for (i, l) in layers.iter().enumerate() {
        let z = hs[i].dot(&l.weight) + &l.bias;
        if i < last {
            hs.push(z.mapv(|v| v.max(0.0)));
        }
        zs.push(z);
    }
    let n = problem.rows() as f64;
    let mut g = zs[last].clone();
    for (mut row, &t) in g.rows_mut().into_iter().zip(&problem.y) {
        let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        row.mapv_inplace(|v| (v - m).exp());
        let sum = row.sum();
        row.mapv_inplace(|v| v / sum);
        row[t] -= 1.0;
    }
    g.mapv_inplace(|v| v / n);
    let mut out = HashMap::new();
    let lr = problem.learning_rate;
    for i in (0..=last).rev() {
        let input = match variant {
            Variant::PreactivationInput if i > 0 => &zs[i - 1],
            _ => &hs[i],
        };
        let weight = input.t().dot(&g);
        let bias = g.sum_axis(Axis(0));
        let next_w = &layers[i].weight - &(lr * &weight);
        let next_b = &layers[i].bias - &(lr * &bias);
        out.insert(Kind::GradWeight(i).name(), flat(&weight));
        out.insert(Kind::GradBias(i).name(), bias.to_vec());
        out.insert(Kind::NextWeight(i).name(), flat(&next_w));
        out.insert(Kind::NextBias(i).name(), next_b.to_vec());
        if i > 0 {
            let mut below = g.dot(&layers[i].weight.t());
            out.insert(Kind::GradOutput(i - 1).name(), flat(&below));
            if variant != Variant::NoReluMask {
                Zip::from(&mut below)
                    .and(&zs[i - 1])
                    .for_each(|g, &z| *g = if z > 0.0 { *g } else { 0.0 });
            }
            out.insert(Kind::GradPreactivation(i - 1).name(), flat(&below));
            g = below;
        }
    }
    out
}
