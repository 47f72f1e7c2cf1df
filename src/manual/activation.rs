//! The hidden layers' activation: each kind's forward and backward live in its own file
//! (relu.rs, leaky_relu.rs, tanh.rs, sigmoid.rs); this picks one. Every forward overwrites the
//! pre-activation with the activation, and every backward reads what it needs from that output.

use ndarray::{ArrayView2, ArrayViewMut2};

use super::Scalar;
use super::leaky_relu::{leaky_relu_backward_in_place, leaky_relu_in_place};
use super::relu::{relu_backward_in_place, relu_in_place};
use super::sigmoid::{sigmoid_backward_in_place, sigmoid_in_place};
use super::tanh::{tanh_backward_in_place, tanh_in_place};
use crate::config::Activation;

/// `h ← a(h)`.
pub fn activate_in_place<T: Scalar>(activation: Activation, h: ArrayViewMut2<T>) {
    match activation {
        Activation::Relu => relu_in_place(h),
        Activation::LeakyRelu { negative_slope } => {
            leaky_relu_in_place(h, T::of_f64(negative_slope))
        }
        Activation::Tanh => tanh_in_place(h),
        Activation::Sigmoid => sigmoid_in_place(h),
    }
}

/// `g ← g·a′`, with `out` the forward pass's output `a(z)`.
pub fn activation_backward_in_place<T: Scalar>(
    activation: Activation,
    g: ArrayViewMut2<T>,
    out: ArrayView2<T>,
) {
    match activation {
        Activation::Relu => relu_backward_in_place(g, out),
        Activation::LeakyRelu { negative_slope } => {
            leaky_relu_backward_in_place(g, out, T::of_f64(negative_slope))
        }
        Activation::Tanh => tanh_backward_in_place(g, out),
        Activation::Sigmoid => sigmoid_backward_in_place(g, out),
    }
}
