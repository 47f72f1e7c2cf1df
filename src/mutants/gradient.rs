//! The gradient's mistakes: forward, loss and backward as `Mlp::loss_and_backward` composes
//! them, with one kernel swapped for a broken copy. Every kernel the mistake leaves alone is the
//! twin's own, so a mutant differs from the twin by its mistake and nothing else.

use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis, Zip, s};

use super::Mutant;
use crate::config::Activation;
use crate::manual::{Linear, Mlp, Scalar, activation_backward, softmax_cross_entropy_into};
use crate::matmul;

/// Forward, loss and backward on one batch with the gradient's mistake switched on: the loss,
/// with the (wrong) gradients in the layers. None when no gradient mistake is on.
pub fn loss_and_backward<T: Scalar>(
    net: &mut Mlp<T>,
    x: &Array2<T>,
    targets: &[usize],
) -> Option<T> {
    let m = super::active().filter(|m| !m.in_optimizer())?;
    // What the workspace holds before this forward pass: the previous one's z and outputs.
    let previous =
        (m == Mutant::StaleCache).then(|| (net.work.pre.clone(), net.work.outputs.clone()));
    net.forward_pass(x.view());
    let n = x.nrows();
    let logits = first_rows(net.work.outputs.last().expect("a layer"), n);
    let mut grad = first_rows_mut(net.work.grads.last_mut().expect("a layer"), n);
    let loss = softmax_cross_entropy_into(logits, targets, grad.view_mut());
    if matches!(m, Mutant::MissingMean | Mutant::NoOnehot) {
        softmax_gradient(m, logits, targets, grad);
    }
    backward_pass(m, net, x.view(), previous);
    if let Mutant::Scaled { layer, eps } = m {
        let factor = T::of_f64(1.0 + eps);
        net.layers[layer].grad_weight *= factor;
        net.layers[layer].grad_bias *= factor;
    }
    Some(loss)
}

/// `∂L/∂z` with the mean's `1/n` or the onehot left out, row by row as the twin's loss kernel
/// computes it.
fn softmax_gradient<T: Scalar>(
    m: Mutant,
    logits: ArrayView2<T>,
    targets: &[usize],
    mut grad: ArrayViewMut2<T>,
) {
    let n_t = T::of_f64(logits.nrows() as f64);
    let (n, onehot) = match m {
        Mutant::MissingMean => (T::one(), T::one()),
        _ => (n_t, T::zero()),
    };
    for ((z, mut g), &target) in logits.rows().into_iter().zip(grad.rows_mut()).zip(targets) {
        let max = z.iter().fold(T::neg_infinity(), |m, &v| m.max(v));
        let mut sum_exp = T::zero();
        for (g, &z) in g.iter_mut().zip(z) {
            *g = (z - max).exp();
            sum_exp += *g;
        }
        let scale = T::one() / (sum_exp * n);
        g.iter_mut().for_each(|g| *g *= scale);
        g[target] -= onehot / n;
    }
}

/// The chain rule from the logits back, as the twin's `Mlp::backward_pass`, with the mistake.
fn backward_pass<T: Scalar>(
    m: Mutant,
    net: &mut Mlp<T>,
    x: ArrayView2<T>,
    previous: Option<Cache<T>>,
) {
    let n = x.nrows();
    let activation = net.activation;
    let (pre, outputs) = (&net.work.pre, &net.work.outputs);
    let fits = |c: &Vec<Array2<T>>, now: &Vec<Array2<T>>| {
        c.len() == now.len() && c.iter().all(|c| c.nrows() >= n)
    };
    let stale = previous.filter(|(p, o)| fits(p, pre) && fits(o, outputs));
    let (pre, cache): (&[Array2<T>], &[Array2<T>]) = match &stale {
        Some((p, o)) => (p, o),
        None => (pre, outputs),
    };
    let grads = &mut net.work.grads;
    for i in (0..net.layers.len()).rev() {
        let (before, from_here) = grads.split_at_mut(i);
        let g = first_rows(&from_here[0], n);
        let layer = &mut net.layers[i];
        if i == 0 {
            linear_backward(m, layer, x, g, None);
            continue;
        }
        let input = first_rows(&cache[i - 1], n);
        let mut grad_in = first_rows_mut(&mut before[i - 1], n);
        linear_backward(m, layer, input, g, Some(grad_in.view_mut()));
        let seen = match m {
            Mutant::WrongReluMask => other_of_same_width((pre, cache), i - 1, n),
            _ => (first_rows(&pre[i - 1], n), input),
        };
        mistaken_activation_backward(m, activation, grad_in, seen);
    }
}

/// `Linear::backward_into`, with the bias summed along the wrong axis or `W` not transposed.
fn linear_backward<T: Scalar>(
    m: Mutant,
    layer: &mut Linear<T>,
    x: ArrayView2<T>,
    g: ArrayView2<T>,
    grad_in: Option<ArrayViewMut2<T>>,
) {
    if !matches!(m, Mutant::BiasWrongAxis | Mutant::NotTransposed) {
        return layer.backward_into(x, g, grad_in);
    }
    matmul::xt_g(x, g, layer.grad_weight.view_mut());
    let (n, c_out) = g.dim();
    layer.grad_bias = match m {
        // Σ along row j of g (for j < n), not down column j.
        Mutant::BiasWrongAxis => Array1::from_shape_fn(c_out, |j| g.row(j % n).sum()),
        _ => g.sum_axis(Axis(0)),
    };
    if let Some(grad_in) = grad_in {
        if m == Mutant::NotTransposed && layer.weight.is_square() {
            matmul::g_wt(g, layer.weight.t(), grad_in);
        } else {
            matmul::g_wt(g, layer.weight.view(), grad_in);
        }
    }
}

/// `g ← g·a′` with the activation's derivative mistaken (when the mistake is about this
/// activation), `(z, h)` the forward pass's pre-activation and output.
fn mistaken_activation_backward<T: Scalar>(
    m: Mutant,
    activation: Activation,
    g: ArrayViewMut2<T>,
    (z, h): (ArrayView2<T>, ArrayView2<T>),
) {
    // a′ from (slope, z, h).
    let derivative: fn(T, T, T) -> T = match (m, activation) {
        // 1 − h instead of 1 − h².
        (Mutant::TanhWithoutSquare, Activation::Tanh) => |_, _, h| T::one() - h,
        // h instead of h(1 − h).
        (Mutant::SigmoidDerivativeAsSigma, Activation::Sigmoid) => |_, _, h| h,
        // Φ(z) instead of Φ(z) + z·φ(z).
        (Mutant::GeluDerivativeAsCdf, Activation::Gelu) => |_, z, _| gelu_cdf(z),
        // The tanh approximation's derivative, as burn-backend's default `gelu_backward`.
        (Mutant::GeluTanhApproximation, Activation::Gelu) => |_, z, _| gelu_tanh_derivative(z),
        // σ(z) instead of σ(z) + z·σ(z)·(1 − σ(z)).
        (Mutant::SiluDerivativeAsSigma, Activation::Silu) => {
            |_, z, _| T::one() / (T::one() + (-z).exp())
        }
        // The slope where z > 0, 1 elsewhere.
        (Mutant::LeakySlopeWrongSide, Activation::LeakyRelu { .. }) => {
            |slope, z, _| if z > T::zero() { slope } else { T::one() }
        }
        _ => return activation_backward(activation, g, (z, h)),
    };
    let slope = match activation {
        Activation::LeakyRelu { negative_slope } => T::of_f64(negative_slope),
        _ => T::zero(),
    };
    Zip::from(g)
        .and(z)
        .and(h)
        .for_each(|g, &z, &h| *g *= derivative(slope, z, h));
}

/// `Φ(z) = erfc(−z/√2)/2`.
fn gelu_cdf<T: Scalar>(z: T) -> T {
    T::of_f64(0.5 * libm::erfc(-z.into_f64() * std::f64::consts::FRAC_1_SQRT_2))
}

/// The derivative of `0.5·z·(1 + tanh(√(2/π)·(z + 0.044715·z³)))`, with burn-backend's
/// constants.
fn gelu_tanh_derivative<T: Scalar>(z: T) -> T {
    let c = |v: f64| T::of_f64(v);
    let z3 = z * z * z;
    let t = (c(0.0356774) * z3 + c(0.797885) * z).tanh();
    let inner = c(0.0535161) * z3 + c(0.398942) * z;
    c(0.5) * t + inner * (T::one() - t * t) + c(0.5)
}

/// A forward pass's pre-activations and outputs, kept from before this one.
type Cache<T> = (Vec<Array2<T>>, Vec<Array2<T>>);

/// For the wrong-mask mutant: `z` and `h` of the next hidden layer of the same width as hidden
/// layer `i` (itself if there is none). The logits are never a hidden layer.
fn other_of_same_width<'a, T: Scalar>(
    (pre, outputs): (&'a [Array2<T>], &'a [Array2<T>]),
    i: usize,
    n: usize,
) -> (ArrayView2<'a, T>, ArrayView2<'a, T>) {
    let hidden = outputs.len() - 1;
    let width = outputs[i].ncols();
    let other = (1..hidden)
        .map(|d| (i + d) % hidden)
        .find(|&j| outputs[j].ncols() == width)
        .unwrap_or(i);
    (first_rows(&pre[other], n), first_rows(&outputs[other], n))
}

/// The first `n` rows of a workspace buffer.
fn first_rows<T: Scalar>(a: &Array2<T>, n: usize) -> ArrayView2<'_, T> {
    a.slice(s![..n, ..])
}

fn first_rows_mut<T: Scalar>(a: &mut Array2<T>, n: usize) -> ArrayViewMut2<'_, T> {
    a.slice_mut(s![..n, ..])
}
