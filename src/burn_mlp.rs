//! The burn twin: the same MLP as `burn::nn` modules with burn's own activation functions,
//! differentiated by burn's autodiff and stepped by burn's own optimizers (burn_optimizer.rs).
//! It shares no math with the hand-written twin; it sees only plain parameter values and data,
//! and gives back plain values.

use anyhow::{Result, bail};
use burn::module::Param;
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::{DType, activation};
use ndarray::{Array1, Array2};

use crate::burn_optimizer::{Stepper, stepper};
use crate::config::{Activation, Backend, NetSpec};
use crate::params::{LayerParams, OptimizerState, Params};

/// `Linear → activation → … → Linear`, as `#[derive(Module)]`.
#[derive(Module, Debug)]
pub struct Mlp {
    pub(crate) layers: Vec<Linear>,
}

impl Mlp {
    pub fn forward(&self, x: Tensor<2>, a: Activation) -> Tensor<2> {
        let last = self.layers.len() - 1;
        let mut h = x;
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(h);
            if i < last {
                h = activate(h, a);
            }
        }
        h
    }
}

/// burn's own activation function.
fn activate(h: Tensor<2>, a: Activation) -> Tensor<2> {
    match a {
        Activation::Relu => activation::relu(h),
        Activation::LeakyRelu { negative_slope } => activation::leaky_relu(h, negative_slope),
        Activation::Tanh => activation::tanh(h),
        Activation::Sigmoid => activation::sigmoid(h),
        Activation::Gelu => activation::gelu(h),
        Activation::Silu => activation::silu(h),
    }
}

/// The burn model with its optimizer, on a burn device with autodiff.
pub struct BurnTwin {
    model: Mlp,
    activation: Activation,
    optimizer: Box<dyn Stepper>,
    learning_rate: f64,
    loss: CrossEntropyLoss,
    device: Device,
    dtype: DType,
}

/// One batch as tensors on the twin's device: the inputs and the class indices.
#[derive(Clone)]
pub struct Batch {
    x: Tensor<2>,
    y: Tensor<1, Int>,
}

impl BurnTwin {
    /// Builds the model from plain parameter values, rounded to the spec's precision, on
    /// `backend`.
    pub fn new(params: &Params, spec: NetSpec, backend: Backend) -> Result<Self> {
        if params.layers.is_empty() {
            bail!("the network needs at least one layer");
        }
        // Every tensor gets an explicit dtype, so f32 and f64 runs can share one process (the
        // device's default dtype is fixed per process).
        let device = crate::burn_device::device(backend)?;
        let dtype = match spec.precision {
            crate::config::Precision::F32 => DType::F32,
            crate::config::Precision::F64 => DType::F64,
        };
        let mut twin = BurnTwin {
            model: Mlp { layers: Vec::new() },
            activation: spec.activation,
            optimizer: stepper(spec.optimizer),
            learning_rate: spec.learning_rate,
            loss: CrossEntropyLossConfig::new().init(&device),
            device,
            dtype,
        };
        twin.model.layers = params
            .layers
            .iter()
            .map(|l| {
                let (c_in, c_out) = l.weight.dim();
                let mut linear = LinearConfig::new(c_in, c_out).init(&twin.device);
                linear.weight = Param::from_tensor(twin.tensor2(&l.weight));
                linear.bias = Some(Param::from_tensor(twin.tensor1(&l.bias)));
                linear
            })
            .collect();
        Ok(twin)
    }

    fn tensor2(&self, a: &Array2<f64>) -> Tensor<2> {
        let shape = vec![a.nrows(), a.ncols()];
        let data = match self.dtype {
            DType::F32 => TensorData::new(a.iter().map(|&v| v as f32).collect(), shape),
            _ => TensorData::new(a.iter().copied().collect(), shape),
        };
        Tensor::from_data(data, (&self.device, self.dtype))
    }

    fn tensor1(&self, a: &Array1<f64>) -> Tensor<1> {
        Tensor::from_data(
            self.data(a.to_vec(), vec![a.len()]),
            (&self.device, self.dtype),
        )
    }

    fn data(&self, values: Vec<f64>, shape: Vec<usize>) -> TensorData {
        match self.dtype {
            DType::F32 => TensorData::new(values.into_iter().map(|v| v as f32).collect(), shape),
            _ => TensorData::new(values, shape),
        }
    }

    fn targets(&self, y: &[usize]) -> Tensor<1, Int> {
        let y: Vec<i64> = y.iter().map(|&c| c as i64).collect();
        let n = y.len();
        Tensor::from_data(TensorData::new(y, [n]), &self.device)
    }

    /// Forward, loss and `loss.backward()`: the one path every training computation takes.
    fn forward_backward(&self, batch: &Batch) -> (Tensor<1>, burn::tensor::Gradients) {
        let logits = self.model.forward(batch.x.clone(), self.activation);
        let loss = self.loss.forward(logits, batch.y.clone());
        let grads = loss.backward();
        (loss, grads)
    }

    /// Loss and parameter gradients on one batch, without a step.
    pub fn loss_and_grads(&self, x: &Array2<f64>, y: &[usize]) -> (f64, Params) {
        let (loss, grads) = self.forward_backward(&self.batch(x, y));
        (scalar(loss), self.read_grads(&grads))
    }

    /// A batch as tensors on this twin's device, in its precision.
    pub fn batch(&self, x: &Array2<f64>, y: &[usize]) -> Batch {
        Batch {
            x: self.tensor2(x),
            y: self.targets(y),
        }
    }

    /// One training step (forward, backward, optimizer step) on a batch already on the
    /// device; returns the loss. What `mlp2d bench` times.
    pub fn step(&mut self, batch: &Batch) -> f64 {
        let (loss, grads) = self.forward_backward(batch);
        self.apply(&grads);
        scalar(loss)
    }

    /// Every parameter stepped by burn's optimizer.
    fn apply(&mut self, grads: &burn::tensor::Gradients) {
        self.optimizer
            .step(&mut self.model.layers, grads, self.learning_rate);
    }

    /// The optimizer's state (momentum buffer, moments) as plain values.
    pub fn optimizer_state(&self) -> OptimizerState {
        self.optimizer.state()
    }

    fn read_grads(&self, grads: &burn::tensor::Gradients) -> Params {
        self.per_layer(|l| {
            let weight = l.weight.grad(grads).expect("weight takes part in the loss");
            let bias = l.bias.as_ref().and_then(|b| b.grad(grads));
            (weight, bias.expect("bias takes part in the loss"))
        })
    }

    /// Plain values of a weight and a bias tensor read from every layer.
    fn per_layer(&self, read: impl Fn(&Linear) -> (Tensor<2>, Tensor<1>)) -> Params {
        Params {
            layers: self
                .model
                .layers
                .iter()
                .map(|l| {
                    let (weight, bias) = read(l);
                    LayerParams {
                        weight: to_array2(weight),
                        bias: to_array1(bias),
                    }
                })
                .collect(),
        }
    }

    /// One step on one batch with burn's optimizer; returns the loss and the gradients it
    /// stepped with (taken before the update).
    pub fn train_step(&mut self, x: &Array2<f64>, y: &[usize]) -> (f64, Params) {
        let (loss, grads) = self.forward_backward(&self.batch(x, y));
        let gradients = self.read_grads(&grads);
        self.apply(&grads);
        (scalar(loss), gradients)
    }

    /// One training step from the optimizer state `state` (`check`'s problems), every
    /// intermediate tensor and its gradient kept: burn keeps the gradients of leaves only, so a
    /// leaf of zeros is added to each pre-activation and each hidden output (adding 0 changes
    /// no value) and its gradient read.
    pub fn traced_step(&mut self, x: &Array2<f64>, y: &[usize], state: &OptimizerState) -> Traced {
        self.optimizer.set_state(&self.model.layers, state);
        let batch = self.batch(x, y);
        let last = self.model.layers.len() - 1;
        let (mut h, mut probes, mut outputs) = (batch.x, Vec::new(), Vec::new());
        for (i, layer) in self.model.layers.iter().enumerate() {
            let z = layer.forward(h);
            let zero = |t: &Tensor<2>| {
                let [r, c] = t.dims();
                Tensor::<2>::from_data(
                    self.data(vec![0.0; r * c], vec![r, c]),
                    (&self.device, self.dtype),
                )
                .require_grad()
            };
            let pz = zero(&z);
            h = z + pz.clone();
            probes.push(pz);
            if i < last {
                let a = activate(h, self.activation);
                let ph = zero(&a);
                h = a + ph.clone();
                probes.push(ph);
            }
            outputs.push(h.clone());
        }
        let loss = self.loss.forward(h, batch.y);
        let grads = loss.backward();
        let grad = |t: &Tensor<2>| to_array2(t.grad(&grads).expect("a leaf of the loss"));
        let traced = Traced {
            outputs: outputs.into_iter().map(to_array2).collect(),
            loss: scalar(loss),
            grad_preactivations: probes.iter().step_by(2).map(grad).collect(),
            grad_outputs: probes.iter().skip(1).step_by(2).map(grad).collect(),
            grads: self.read_grads(&grads),
        };
        self.apply(&grads);
        traced
    }

    /// The current parameters as plain values.
    pub fn params(&self) -> Params {
        self.per_layer(|l| {
            let bias = l.bias.as_ref().expect("layers have a bias");
            (l.weight.val(), bias.val())
        })
    }

    /// The loss on a data set, on the backend without autodiff: an evaluation builds no graph
    /// (with autodiff the graph's nodes are kept until the next backward pass).
    pub fn loss(&self, x: &Array2<f64>, y: &[usize]) -> f64 {
        let logits = self
            .model
            .valid()
            .forward(self.tensor2(x).without_autodiff(), self.activation);
        scalar(
            self.loss
                .forward(logits, self.targets(y).without_autodiff()),
        )
    }

    /// The loss and the predicted classes from one forward pass without autodiff.
    pub fn loss_and_predict(&self, x: &Array2<f64>, y: &[usize]) -> (f64, Vec<usize>) {
        let logits = self
            .model
            .valid()
            .forward(self.tensor2(x).without_autodiff(), self.activation);
        let predicted = argmax_rows(logits.clone(), x.nrows());
        let loss = self
            .loss
            .forward(logits, self.targets(y).without_autodiff());
        (scalar(loss), predicted)
    }

    /// The softmax probabilities per row, without autodiff (the playground's confidence).
    pub fn probabilities(&self, x: &Array2<f64>) -> Array2<f64> {
        let logits = self
            .model
            .valid()
            .forward(self.tensor2(x).without_autodiff(), self.activation);
        to_array2(burn::tensor::activation::softmax(logits, 1))
    }

    /// Every layer's output without autodiff: each hidden layer's after its activation, then
    /// the logits.
    pub fn outputs(&self, x: &Array2<f64>) -> Vec<Array2<f64>> {
        let model = self.model.valid();
        let last = model.layers.len() - 1;
        let mut h = self.tensor2(x).without_autodiff();
        let mut out = Vec::with_capacity(model.layers.len());
        for (i, layer) in model.layers.iter().enumerate() {
            h = layer.forward(h);
            if i < last {
                h = activate(h, self.activation);
            }
            out.push(to_array2(h.clone()));
        }
        out
    }

    /// The class with the largest logit per row.
    pub fn predict(&self, x: &Array2<f64>) -> Vec<usize> {
        // Without autodiff, as `loss`.
        let logits = self
            .model
            .valid()
            .forward(self.tensor2(x).without_autodiff(), self.activation);
        argmax_rows(logits, x.nrows())
    }
}

/// Every tensor of one traced step ([`BurnTwin::traced_step`]), as plain values.
pub struct Traced {
    /// Each hidden layer's output (after the activation), then the logits.
    pub outputs: Vec<Array2<f64>>,
    pub loss: f64,
    /// ∂L/∂(each layer's pre-activation), ∂L/∂logits last.
    pub grad_preactivations: Vec<Array2<f64>>,
    /// ∂L/∂(each hidden layer's output), before the activation's backward.
    pub grad_outputs: Vec<Array2<f64>>,
    pub grads: Params,
}

/// The class with the largest logit in each of the first `n` rows.
fn argmax_rows(logits: Tensor<2>, n: usize) -> Vec<usize> {
    to_array2(logits)
        .rows()
        .into_iter()
        .take(n)
        .map(|row| crate::metrics::argmax(row.iter().copied()))
        .collect()
}

fn values(t: impl Into<TensorData>) -> Vec<f64> {
    let data: TensorData = t.into();
    data.convert::<f64>()
        .try_into_vec::<f64>()
        .expect("converted to f64")
}

fn to_array2(t: Tensor<2>) -> Array2<f64> {
    let [r, c] = t.dims();
    Array2::from_shape_vec((r, c), values(t.into_data())).expect("shape matches")
}

fn to_array1(t: Tensor<1>) -> Array1<f64> {
    Array1::from_vec(values(t.into_data()))
}

fn scalar(t: Tensor<1>) -> f64 {
    values(t.into_data())[0]
}
