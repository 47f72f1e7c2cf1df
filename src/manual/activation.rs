//! The hidden layers' activation: each kind's forward and backward live in its own file
//! (activation/relu.rs, leaky_relu.rs, tanh.rs, sigmoid.rs, gelu.rs,
//! silu.rs); this picks one. Every forward reads
//! the pre-activation `z` and writes the activation `h` into a buffer of its own; every backward
//! reads what its derivative needs of the two.

use ndarray::{ArrayView2, ArrayViewMut2};

use super::Scalar;
use crate::config::Activation;

mod gelu;
mod leaky_relu;
mod relu;
mod sigmoid;
mod silu;
mod tanh;

pub use relu::{relu_backward, relu_forward};

/// `h ← a(z)`.
pub fn activation_forward<T: Scalar>(a: Activation, z: ArrayView2<T>, h: ArrayViewMut2<T>) {
    match a {
        Activation::Relu => relu_forward(z, h),
        Activation::LeakyRelu { negative_slope } => {
            leaky_relu::leaky_relu_forward(z, h, T::of_f64(negative_slope))
        }
        Activation::Tanh => tanh::tanh_forward(z, h),
        Activation::Sigmoid => sigmoid::sigmoid_forward(z, h),
        Activation::Gelu => gelu::gelu_forward(z, h),
        Activation::Silu => silu::silu_forward(z, h),
    }
}

/// `g ← g·a′(z)`, with `z` and `h = a(z)` from the forward pass.
pub fn activation_backward<T: Scalar>(
    a: Activation,
    g: ArrayViewMut2<T>,
    (z, h): (ArrayView2<T>, ArrayView2<T>),
) {
    match a {
        Activation::Relu => relu_backward(g, z),
        Activation::LeakyRelu { negative_slope } => {
            leaky_relu::leaky_relu_backward(g, z, T::of_f64(negative_slope))
        }
        Activation::Tanh => tanh::tanh_backward(g, h),
        Activation::Sigmoid => sigmoid::sigmoid_backward(g, h),
        Activation::Gelu => gelu::gelu_backward(g, z),
        Activation::Silu => silu::silu_backward(g, z),
    }
}
