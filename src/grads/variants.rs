//! The backward pass with a classic mistake built in, plainly in f64: what a wrong gradient
//! would be if it were that mistake, to name it (`grads --check` and `mlp2d check`).
//!
//! Independent of both twins: the forward is numeric.rs's activation, the backward the chain
//! rule written out here with a swappable derivative rule ([`Mistake`]); `None` gives the right
//! gradient.

use ndarray::{Array2, Axis, Zip};

use super::numeric::activate;
use crate::config::Activation;
use crate::params::{LayerParams, Params};

/// A mistake in the backward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mistake {
    /// The activation's backward left out: the gradient passes every unit with a′ = 1 (for a
    /// ReLU: the mask forgotten).
    NoDerivative,
    /// `∂L/∂W_i` from the layer below's pre-activation `z`, not its output `a(z)`.
    PreactivationInput,
    /// `tanh′ = 1 − tanh` (the square forgotten).
    TanhNoSquare,
    /// `σ′ = σ` (not `σ(1 − σ)`).
    SigmoidPrimeAsSigma,
    /// The leaky ReLU's slope on the wrong side of 0: a′ = slope above 0, 1 below.
    LeakySlopeWrongSide,
}

impl Mistake {
    /// The mistakes worth trying for a network with activation `a`, most specific first.
    pub fn for_activation(a: Activation) -> Vec<Mistake> {
        let own = match a {
            Activation::Relu => None,
            Activation::LeakyRelu { .. } => Some(Mistake::LeakySlopeWrongSide),
            Activation::Tanh => Some(Mistake::TanhNoSquare),
            Activation::Sigmoid => Some(Mistake::SigmoidPrimeAsSigma),
        };
        own.into_iter()
            .chain([Mistake::NoDerivative, Mistake::PreactivationInput])
            .collect()
    }

    /// The mistake's name, then what it is (the name is what the reports and tests look for).
    pub fn text(self, a: Activation) -> String {
        match (self, a) {
            (Mistake::NoDerivative, Activation::Relu) => "ReLU mask wrong: the gradient passes through units that are off (multiply by z > 0 on the way down)".to_owned(),
            (Mistake::NoDerivative, _) => format!(
                "{} derivative forgotten: the gradient passes every unit unchanged (multiply by a′(z) on the way down)",
                a.name()
            ),
            (Mistake::PreactivationInput, _) => format!(
                "pre-activation where the {} output belongs: ∂L/∂W = zᵀ·g from the layer below's z, not its output h = {}(z)",
                if a == Activation::Relu { "ReLU" } else { "activation's" },
                a.name()
            ),
            (Mistake::TanhNoSquare, _) => {
                "tanh′ computed as 1 − tanh (the square forgotten): tanh′(z) = 1 − tanh²(z)".to_owned()
            }
            (Mistake::SigmoidPrimeAsSigma, _) => {
                "σ′ computed as σ (not σ(1 − σ)): σ′(z) = σ(z)·(1 − σ(z))".to_owned()
            }
            (Mistake::LeakySlopeWrongSide, _) => {
                "the leaky ReLU's slope on the wrong side of 0: a′ is 1 above 0 and the slope below".to_owned()
            }
        }
    }
}

/// Every intermediate of one forward and backward pass.
#[derive(Debug, Clone)]
pub struct Pass {
    /// Hidden layer i's output `a(z_i)`.
    pub outputs: Vec<Array2<f64>>,
    pub logits: Array2<f64>,
    /// `∂L/∂z_i` for every layer (the last is ∂L/∂logits).
    pub grad_preactivations: Vec<Array2<f64>>,
    /// `∂L/∂h_i` of hidden layer i's output, before the activation's backward.
    pub grad_outputs: Vec<Array2<f64>>,
    pub grads: Params,
}

/// `a′` at `z` (output `h = a(z)`), by the rule `mistake` swaps in.
fn derivative(a: Activation, mistake: Option<Mistake>, z: f64, h: f64) -> f64 {
    match (mistake, a) {
        (Some(Mistake::NoDerivative), _) => 1.0,
        (_, Activation::Relu) => f64::from(u8::from(z > 0.0)),
        (Some(Mistake::LeakySlopeWrongSide), Activation::LeakyRelu { negative_slope }) => {
            if z > 0.0 { negative_slope } else { 1.0 }
        }
        (_, Activation::LeakyRelu { negative_slope }) => {
            if z > 0.0 {
                1.0
            } else {
                negative_slope
            }
        }
        (Some(Mistake::TanhNoSquare), Activation::Tanh) => 1.0 - h,
        (_, Activation::Tanh) => 1.0 - h * h,
        (Some(Mistake::SigmoidPrimeAsSigma), Activation::Sigmoid) => h,
        (_, Activation::Sigmoid) => h * (1.0 - h),
    }
}

/// The forward pass and the backward pass of the mean softmax cross-entropy at `params` on
/// `(x, y)`, with `mistake` built into the backward (None: the right gradient).
pub fn pass(
    params: &Params,
    (x, y): (&Array2<f64>, &[usize]),
    a: Activation,
    mistake: Option<Mistake>,
) -> Pass {
    let layers = &params.layers;
    let last = layers.len() - 1;
    let (mut zs, mut hs) = (Vec::new(), vec![x.clone()]);
    for (i, l) in layers.iter().enumerate() {
        let z = hs[i].dot(&l.weight) + &l.bias;
        if i < last {
            hs.push(z.mapv(|v| activate(a, v)));
        }
        zs.push(z);
    }
    let n = y.len() as f64;
    let mut g = zs[last].clone();
    for (mut row, &t) in g.rows_mut().into_iter().zip(y) {
        let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        row.mapv_inplace(|v| (v - m).exp());
        let sum = row.sum();
        row.mapv_inplace(|v| v / sum);
        row[t] -= 1.0;
    }
    g.mapv_inplace(|v| v / n);
    let mut grads = Vec::new();
    let mut grad_preactivations = vec![Array2::zeros((0, 0)); last + 1];
    let mut grad_outputs = vec![Array2::zeros((0, 0)); last];
    for i in (0..=last).rev() {
        let input = match mistake {
            Some(Mistake::PreactivationInput) if i > 0 => &zs[i - 1],
            _ => &hs[i],
        };
        grads.push(LayerParams {
            weight: input.t().dot(&g),
            bias: g.sum_axis(Axis(0)),
        });
        if i > 0 {
            let below = g.dot(&layers[i].weight.t());
            let mut through = below.clone();
            Zip::from(&mut through)
                .and(&zs[i - 1])
                .and(&hs[i])
                .for_each(|g, &z, &h| *g *= derivative(a, mistake, z, h));
            grad_outputs[i - 1] = below;
            grad_preactivations[i] = std::mem::replace(&mut g, through);
        } else {
            grad_preactivations[0] = g.clone();
        }
    }
    grads.reverse();
    Pass {
        logits: zs.pop().expect("a layer"),
        outputs: hs.split_off(1),
        grad_preactivations,
        grad_outputs,
        grads: Params { layers: grads },
    }
}
