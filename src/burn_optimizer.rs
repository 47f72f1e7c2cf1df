//! The burn twin's optimizer: burn's own `Sgd` (with its `Momentum` and `WeightDecay`), `Adam`,
//! `AdamW`, `AdaGrad`, `RmsProp` and `Adan`, configured from the run's settings and stepped parameter by parameter through
//! burn's `Optimizer::step`, the same call `ModuleOptimizer` makes for each parameter. Holding
//! each parameter's state here (rather than inside a `ModuleOptimizer`) is what lets the
//! harness read it: momentum buffer and moments, every step, as plain values.

use burn::module::Param;
use burn::nn::Linear;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::{MomentumConfig, MomentumState};
use burn::optim::{
    AdaGrad, AdaGradConfig, AdaGradState, Adam, AdamConfig, AdamState, AdamW, AdamWConfig,
    AdamWState, Adan, AdanConfig, AdanState, AdaptiveMomentumState, AdaptiveNesterovMomentumState,
    CenteredState, LrDecayState, Optimizer, RecordState, RmsProp, RmsPropConfig,
    RmsPropMomentumState, RmsPropState, Sgd, SgdConfig, SgdState, SquareAvgState, StateSink,
};
use burn::prelude::*;
use burn::tensor::DType;
use ndarray::{Array1, Array2};

use crate::config;
use crate::params::{LayerParams, OptimizerState, Params};

/// Steps every parameter of the net and keeps their states.
pub trait Stepper {
    fn step(&mut self, layers: &mut [Linear], grads: &burn::tensor::Gradients, lr: f64);
    /// The states as plain values, buffers named by their last path segment in burn's record.
    fn state(&self) -> OptimizerState;
    /// Overwrites the states with plain values (`check`'s problems start after some steps);
    /// a state without the optimizer's buffers is the first step's.
    fn set_state(&mut self, layers: &[Linear], state: &OptimizerState);
}

/// A burn optimizer whose state of one parameter can be built from plain buffers.
pub trait FromBuffers: Optimizer {
    /// The state after `steps` steps holding `buffers` (named `names`, in
    /// `config::Optimizer::buffers` order).
    fn state_from<const D: usize>(
        names: &[&str],
        buffers: Vec<Tensor<D>>,
        steps: usize,
    ) -> Self::State<D>;
}

impl FromBuffers for Sgd {
    fn state_from<const D: usize>(_: &[&str], buffers: Vec<Tensor<D>>, _: usize) -> SgdState<D> {
        SgdState::new(buffers.into_iter().next().map(MomentumState::new))
    }
}

/// Adam's and AdamW's moments, `time` the steps already taken.
fn moments<const D: usize>(buffers: Vec<Tensor<D>>, steps: usize) -> AdaptiveMomentumState<D> {
    let [m, v]: [Tensor<D>; 2] = buffers.try_into().expect("two moments");
    AdaptiveMomentumState::new(steps, m, v)
}

impl FromBuffers for Adam {
    fn state_from<const D: usize>(
        _: &[&str],
        buffers: Vec<Tensor<D>>,
        steps: usize,
    ) -> AdamState<D> {
        AdamState::new(moments(buffers, steps))
    }
}

impl FromBuffers for AdamW {
    fn state_from<const D: usize>(
        _: &[&str],
        buffers: Vec<Tensor<D>>,
        steps: usize,
    ) -> AdamWState<D> {
        AdamWState::new(moments(buffers, steps))
    }
}

impl FromBuffers for AdaGrad {
    fn state_from<const D: usize>(
        _: &[&str],
        buffers: Vec<Tensor<D>>,
        steps: usize,
    ) -> AdaGradState<D> {
        let [sum]: [Tensor<D>; 1] = buffers.try_into().expect("one sum");
        AdaGradState::new(LrDecayState::new(steps, sum))
    }
}

impl FromBuffers for RmsProp {
    fn state_from<const D: usize>(
        names: &[&str],
        buffers: Vec<Tensor<D>>,
        _: usize,
    ) -> RmsPropState<D> {
        let mut named: Vec<(&str, Tensor<D>)> = names.iter().copied().zip(buffers).collect();
        let mut take = |name: &str| {
            let i = named.iter().position(|(n, _)| *n == name)?;
            Some(named.remove(i).1)
        };
        let square_avg = take("square_avg").expect("RMSprop keeps the squares' average");
        let (grad_avg, buf) = (take("grad_avg"), take("buf"));
        // `avg` is what the last step divided by (before its square root); the next step
        // recomputes it and never reads this one.
        let avg = match &grad_avg {
            Some(m) => square_avg.clone().sub(m.clone().square()),
            None => square_avg.clone(),
        };
        RmsPropState::new(
            SquareAvgState::new(square_avg),
            CenteredState::new(grad_avg, avg),
            buf.map(RmsPropMomentumState::new),
        )
    }
}

impl FromBuffers for Adan {
    fn state_from<const D: usize>(
        _: &[&str],
        buffers: Vec<Tensor<D>>,
        steps: usize,
    ) -> AdanState<D> {
        let [m, v, n, neg]: [Tensor<D>; 4] = buffers.try_into().expect("four buffers");
        AdanState::new(AdaptiveNesterovMomentumState::new(steps, m, v, n, neg))
    }
}

/// Plain values as a tensor beside `like` (its device, without autodiff, and its dtype).
fn beside<const D: usize>(
    like: &Param<Tensor<D>>,
    values: Vec<f64>,
    shape: Vec<usize>,
) -> Tensor<D> {
    let inner = like.val().inner();
    let data = match inner.dtype() {
        DType::F32 => TensorData::new(values.into_iter().map(|v| v as f32).collect(), shape),
        _ => TensorData::new(values, shape),
    };
    Tensor::from_data(data, (&inner.device(), inner.dtype()))
}

/// burn's optimizer for a run's settings.
pub fn stepper(spec: config::Optimizer) -> Box<dyn Stepper> {
    match spec {
        config::Optimizer::Sgd(s) => {
            let mut c = SgdConfig::new();
            if s.momentum > 0.0 {
                c = c.with_momentum(Some(
                    MomentumConfig::new()
                        .with_momentum(s.momentum)
                        .with_dampening(s.dampening)
                        .with_nesterov(s.nesterov),
                ));
            }
            if s.weight_decay > 0.0 {
                c = c.with_weight_decay(Some(WeightDecayConfig::new(s.weight_decay as f32)));
            }
            Box::new(PerParam::new(c.build(), spec))
        }
        config::Optimizer::Adam(a) => {
            let mut c = AdamConfig::new()
                .with_beta_1(a.beta_1 as f32)
                .with_beta_2(a.beta_2 as f32)
                .with_epsilon(a.epsilon as f32);
            if a.weight_decay > 0.0 {
                c = c.with_weight_decay(Some(WeightDecayConfig::new(a.weight_decay as f32)));
            }
            Box::new(PerParam::new(c.build(), spec))
        }
        config::Optimizer::AdamW(a) => Box::new(PerParam::new(
            AdamWConfig::new()
                .with_beta_1(a.beta_1 as f32)
                .with_beta_2(a.beta_2 as f32)
                .with_epsilon(a.epsilon as f32)
                .with_weight_decay(a.weight_decay as f32)
                .build(),
            spec,
        )),
        config::Optimizer::RmsProp(r) => {
            let mut c = RmsPropConfig::new()
                .with_alpha(r.alpha as f32)
                .with_momentum(r.momentum as f32)
                .with_epsilon(r.epsilon as f32)
                .with_centered(r.centered);
            if r.weight_decay > 0.0 {
                c = c.with_weight_decay(Some(WeightDecayConfig::new(r.weight_decay as f32)));
            }
            Box::new(PerParam::new(c.build(), spec))
        }
        config::Optimizer::Adan(a) => Box::new(PerParam::new(
            AdanConfig::new()
                .with_beta_1(a.beta_1 as f32)
                .with_beta_2(a.beta_2 as f32)
                .with_beta_3(a.beta_3 as f32)
                .with_epsilon(a.epsilon as f32)
                .with_weight_decay(a.weight_decay as f32)
                .with_no_prox(a.no_prox)
                .build(),
            spec,
        )),
        config::Optimizer::AdaGrad(a) => {
            let mut c = AdaGradConfig::new()
                .with_lr_decay(a.lr_decay)
                .with_epsilon(a.epsilon as f32);
            if a.weight_decay > 0.0 {
                c = c.with_weight_decay(Some(WeightDecayConfig::new(a.weight_decay as f32)));
            }
            Box::new(PerParam::new(c.build(), spec))
        }
    }
}

/// One burn optimizer and the state of each layer's weight and bias.
struct PerParam<O: Optimizer> {
    optim: O,
    /// The buffers in the order the harness lists them.
    names: &'static [&'static str],
    weights: Vec<Option<O::State<2>>>,
    biases: Vec<Option<O::State<1>>>,
    steps: usize,
}

impl<O: FromBuffers> PerParam<O> {
    fn new(optim: O, spec: config::Optimizer) -> Self {
        PerParam {
            optim,
            names: spec.buffers(),
            weights: Vec::new(),
            biases: Vec::new(),
            steps: 0,
        }
    }
}

/// `Optimizer::step` on one parameter, as `ModuleOptimizer` does it: on the inner (no
/// autodiff) tensors, the result a parameter again under the same id.
fn step_param<O: Optimizer, const D: usize>(
    optim: &O,
    lr: f64,
    param: &Param<Tensor<D>>,
    grad: Tensor<D>,
    state: Option<O::State<D>>,
) -> (Param<Tensor<D>>, Option<O::State<D>>) {
    let (value, state) = optim.step(lr, param.val().inner(), grad, state);
    let value = Tensor::from_inner(value).require_grad();
    (Param::initialized(param.id, value), state)
}

impl<O: FromBuffers> Stepper for PerParam<O> {
    fn set_state(&mut self, layers: &[Linear], state: &OptimizerState) {
        self.steps = state.steps;
        self.weights.clear();
        self.biases.clear();
        let buffers: Option<Vec<&Params>> = self.names.iter().map(|n| state.buffer(n)).collect();
        let Some(buffers) = buffers.filter(|b| !b.is_empty()) else {
            return;
        };
        for (i, l) in layers.iter().enumerate() {
            let bias = l.bias.as_ref().expect("layers have a bias");
            let w: Vec<Tensor<2>> = buffers
                .iter()
                .map(|p| {
                    let w = &p.layers[i].weight;
                    beside(&l.weight, w.iter().copied().collect(), w.shape().to_vec())
                })
                .collect();
            let b: Vec<Tensor<1>> = buffers
                .iter()
                .map(|p| {
                    let b = &p.layers[i].bias;
                    beside(bias, b.to_vec(), vec![b.len()])
                })
                .collect();
            self.weights
                .push(Some(O::state_from(self.names, w, state.steps)));
            self.biases
                .push(Some(O::state_from(self.names, b, state.steps)));
        }
    }

    fn step(&mut self, layers: &mut [Linear], grads: &burn::tensor::Gradients, lr: f64) {
        self.weights.resize_with(layers.len(), || None);
        self.biases.resize_with(layers.len(), || None);
        for (i, l) in layers.iter_mut().enumerate() {
            let g = l.weight.grad(grads).expect("weight takes part in the loss");
            let (w, s) = step_param(&self.optim, lr, &l.weight, g, self.weights[i].take());
            (l.weight, self.weights[i]) = (w, s);
            let bias = l.bias.as_ref().expect("layers have a bias");
            let g = bias.grad(grads).expect("bias takes part in the loss");
            let (b, s) = step_param(&self.optim, lr, bias, g, self.biases[i].take());
            (l.bias, self.biases[i]) = (Some(b), s);
        }
        self.steps += 1;
    }

    fn state(&self) -> OptimizerState {
        // Buffer name → per layer (weight, bias) values with their shapes.
        let mut buffers: Vec<(String, Vec<LayerParams>)> = Vec::new();
        for (w, b) in self.weights.iter().zip(&self.biases) {
            let (Some(w), Some(b)) = (w, b) else {
                continue;
            };
            let (w, b) = (tensors(w), tensors(b));
            for ((name, (shape, wv)), (_, (_, bv))) in w.into_iter().zip(b) {
                let layer = LayerParams {
                    weight: Array2::from_shape_vec((shape[0], shape[1]), wv)
                        .expect("a weight's state has its shape"),
                    bias: Array1::from_vec(bv),
                };
                match buffers.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, layers)) => layers.push(layer),
                    None => buffers.push((name, vec![layer])),
                }
            }
        }
        buffers.retain(|(n, _)| self.names.contains(&n.as_str()));
        buffers.sort_by_key(|(n, _)| self.names.iter().position(|m| m == n));
        OptimizerState {
            steps: self.steps,
            buffers: buffers
                .into_iter()
                .map(|(n, layers)| (n, Params { layers }))
                .collect(),
        }
    }
}

/// A tensor's shape and values.
type Values = (Vec<usize>, Vec<f64>);

/// A state's tensors by the last segment of their name, with shape and values.
fn tensors<S: RecordState>(state: &S) -> Vec<(String, Values)> {
    let mut sink = StateSink::default();
    state.state_flatten("", &mut sink);
    sink.tensors
        .into_iter()
        .map(|(name, data)| {
            let leaf = name.rsplit('.').next().unwrap_or(&name).to_owned();
            let shape = data.shape().to_vec();
            let values = data
                .convert::<f64>()
                .try_into_vec::<f64>()
                .expect("converted to f64");
            (leaf, (shape, values))
        })
        .collect()
}
