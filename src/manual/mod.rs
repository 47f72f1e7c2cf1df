//! The hand-written twin: the same MLP as the burn twin, with every derivative written out by hand
//! on `ndarray`. No autodiff anywhere: the network keeps every layer's input for the backward
//! pass, and `Mlp::backward_pass` composes the layers' local derivatives with the chain rule.
//!
//! Written for speed as well as for reading: our code allocates nothing in a training step
//! (every activation and gradient lives in buffers the network owns, `workspace.rs`; `gemm` may
//! allocate a packing buffer inside a product, `src/matmul.rs`), matrix products write straight into
//! those buffers, and the bias add is an in-place pass.

mod activation;
mod linear;
mod loss;
mod mlp;
mod optimizer;
mod workspace;

pub use activation::{activation_backward, activation_forward, relu_backward, relu_forward};
pub use linear::Linear;
pub use loss::softmax_cross_entropy_into;
pub use mlp::Mlp;
pub use optimizer::{
    AdaGradStep, AdamStep, AdamWStep, AdanBuffers, AdanStep, Optimizer, RmsPropBuffers,
    RmsPropStep, Sgd, SgdWithState, moments,
};

pub use crate::scalar::Scalar;
