//! The hand-written twin: the same MLP as the burn twin, with every derivative written out by hand
//! on `ndarray`. No autodiff anywhere: each layer caches what its backward pass needs, and
//! [`Mlp::backward`] composes the layers' local derivatives with the chain rule.

mod linear;
mod loss;
mod mlp;
mod relu;
mod sgd;

pub use linear::Linear;
pub use loss::softmax_cross_entropy;
pub use mlp::Mlp;
pub use relu::Relu;
pub use sgd::Sgd;

/// The float types the hand-written twin runs in: `f32` and `f64`.
pub trait Scalar: ndarray::NdFloat {
    fn of_f64(v: f64) -> Self;
    fn into_f64(self) -> f64;
}

impl Scalar for f32 {
    fn of_f64(v: f64) -> Self {
        v as f32
    }
    fn into_f64(self) -> f64 {
        self as f64
    }
}

impl Scalar for f64 {
    fn of_f64(v: f64) -> Self {
        v
    }
    fn into_f64(self) -> f64 {
        self
    }
}
