//! The optimizer's mistakes: `Optimizer::step` with one step's kernel swapped for a broken copy
//! (built from the same constants, `SgdWithState`, `AdamStep`, `AdamWStep`, `AdaGradStep`,
//! `RmsPropStep`, `AdanStep`).

use super::Mutant;
use crate::config::{self, AdamSettings};
use crate::manual::{
    AdaGradStep, AdamStep, AdamWStep, AdanBuffers, AdanStep, Mlp, Optimizer, RmsPropStep, Scalar,
    Sgd, SgdWithState, moments,
};

/// One optimizer step with the optimizer's mistake switched on; false (and nothing done) when
/// no optimizer mistake is on.
pub fn step<T: Scalar>(opt: &mut Optimizer<T>, net: &mut Mlp<T>) -> bool {
    let Some(m) = super::active().filter(|m| m.in_optimizer()) else {
        return false;
    };
    let first = opt.steps == 0;
    if first {
        opt.buffers = opt
            .spec
            .buffers()
            .iter()
            .map(|_| {
                tensors(net)
                    .map(|(t, _)| vec![T::zero(); t.len()])
                    .collect()
            })
            .collect();
    }
    let (lr, t) = (opt.learning_rate, opt.steps + 1);
    match opt.spec {
        config::Optimizer::Sgd(s) if s.momentum == 0.0 && s.weight_decay == 0.0 => {
            if m == Mutant::StaleGradientStep {
                stale_step(T::of_f64(lr), net);
            } else {
                Sgd { learning_rate: lr }.step(net);
            }
        }
        config::Optimizer::Sgd(s) => {
            let s = SgdWithState::<T>::new(lr, s);
            let mut velocity = opt.buffers.first_mut().map(|b| b.iter_mut());
            for (theta, grad) in tensors_mut(net) {
                let v = velocity.as_mut().and_then(|v| v.next());
                sgd_step(m, &s, theta, grad, v.map(|v| v.as_mut_slice()), first);
            }
        }
        config::Optimizer::Adam(a) => {
            let s = adam_constants(m, lr, a, t);
            let [ms, vs] = &mut opt.buffers[..] else {
                unreachable!("Adam keeps two moments")
            };
            for (((theta, grad), mt), vt) in tensors_mut(net).zip(ms).zip(vs) {
                adam_step(m, &s, theta, grad, (mt, vt), first);
            }
        }
        config::Optimizer::AdaGrad(a) => {
            let mut s = AdaGradStep::<T>::new(lr, a, t);
            if m == Mutant::AdaGradWithoutLrDecay {
                s.learning_rate = T::of_f64(lr);
            }
            // Every step as the first: the sum holds only this step's g².
            let first = first || m == Mutant::AdaGradSumForgotten;
            for ((theta, grad), sum) in tensors_mut(net).zip(&mut opt.buffers[0]) {
                s.step(theta, grad, sum, first);
            }
        }
        config::Optimizer::RmsProp(r) => rmsprop(m, RmsPropStep::new(lr, r), opt, net, first),
        config::Optimizer::Adan(a) => adan(m, AdanStep::new(lr, a, t), opt, net, first),
        spec => {
            // The other optimizers have no mutant here.
            let config::Optimizer::AdamW(a) = spec else {
                return false;
            };
            let s = adamw_constants(m, lr, a, t);
            // `wd` (f32), for the mistake that couples it into the gradient.
            let weight_decay = T::of_f64(a.weight_decay as f32 as f64);
            let [ms, vs] = &mut opt.buffers[..] else {
                unreachable!("AdamW keeps two moments")
            };
            for (((theta, grad), mt), vt) in tensors_mut(net).zip(ms).zip(vs) {
                adamw_step(m, (&s, weight_decay), theta, grad, (mt, vt), first);
            }
        }
    }
    opt.steps += 1;
    true
}

/// Plain SGD with the gradient kept from the step before (none at first); keeps this one.
fn stale_step<T: Scalar>(lr: T, net: &mut Mlp<T>) {
    let current: Vec<_> = net
        .layers
        .iter()
        .map(|l| (l.grad_weight.clone(), l.grad_bias.clone()))
        .collect();
    let previous = super::remembered(net.layers.as_ptr() as usize, current);
    for (layer, (gw, gb)) in net.layers.iter_mut().zip(&previous) {
        layer.weight.scaled_add(-lr, gw);
        layer.bias.scaled_add(-lr, gb);
    }
}

/// `SgdWithState::step`, with the decay's sign flipped, the momentum buffer frozen after the
/// first step, or Nesterov's look-ahead left out.
fn sgd_step<T: Scalar>(
    m: Mutant,
    s: &SgdWithState<T>,
    theta: &mut [T],
    grad: &[T],
    velocity: Option<&mut [T]>,
    first: bool,
) {
    let decay = |t: T, g: T| match m {
        Mutant::WeightDecayWrongSign => g - t * s.penalty,
        _ => t * s.penalty + g,
    };
    let has_decay = s.penalty != T::zero();
    let Some(velocity) = velocity else {
        for (t, &g) in theta.iter_mut().zip(grad) {
            let g = if has_decay { decay(*t, g) } else { g };
            *t -= g * s.learning_rate;
        }
        return;
    };
    let frozen = m == Mutant::MomentumNeverUpdated;
    let nesterov = s.nesterov && m != Mutant::NesterovMissing;
    for ((t, &g), v) in theta.iter_mut().zip(grad).zip(velocity) {
        let g = if has_decay { decay(*t, g) } else { g };
        if first {
            *v = g;
        } else if !frozen {
            *v = g * s.keep + *v * s.momentum;
        }
        let d = if nesterov { *v * s.momentum + g } else { *v };
        *t -= d * s.learning_rate;
    }
}

/// Adam's constants, without the bias corrections for that mistake.
fn adam_constants<T: Scalar>(m: Mutant, lr: f64, a: AdamSettings, t: usize) -> AdamStep<T> {
    let s = AdamStep::new(lr, a, t);
    if m != Mutant::AdamWithoutBiasCorrection {
        return s;
    }
    AdamStep {
        correction: T::one(),
        epsilon_c2: T::of_f64(a.epsilon as f32 as f64),
        ..s
    }
}

/// `AdamStep::step`, with the decay's sign flipped or `ε` inside the square root.
fn adam_step<T: Scalar>(
    m: Mutant,
    s: &AdamStep<T>,
    theta: &mut [T],
    grad: &[T],
    (ms, vs): (&mut [T], &mut [T]),
    first: bool,
) {
    let has_decay = s.penalty != T::zero();
    for (((t, &g), m1), v) in theta.iter_mut().zip(grad).zip(ms).zip(vs) {
        let g = if !has_decay {
            g
        } else if m == Mutant::WeightDecayWrongSign {
            g - *t * s.penalty
        } else {
            *t * s.penalty + g
        };
        (*m1, *v) = moments(s, g, *m1, *v, first);
        let root = if m == Mutant::EpsilonInsideSqrt {
            (*v + s.epsilon_c2).sqrt()
        } else {
            v.sqrt() + s.epsilon_c2
        };
        *t -= (*m1 * s.correction) / root * s.learning_rate;
    }
}

/// AdamW's constants, without the bias corrections for that mistake.
fn adamw_constants<T: Scalar>(m: Mutant, lr: f64, a: AdamSettings, t: usize) -> AdamWStep<T> {
    let s = AdamWStep::new(lr, a, t);
    if m != Mutant::AdamWithoutBiasCorrection {
        return s;
    }
    AdamWStep {
        denominator_1: T::one(),
        denominator_2: T::one(),
        ..s
    }
}

/// `AdamWStep::step`, with the decay coupled into the gradient or `ε` inside the square root.
fn adamw_step<T: Scalar>(
    m: Mutant,
    (s, weight_decay): (&AdamWStep<T>, T),
    theta: &mut [T],
    grad: &[T],
    (ms, vs): (&mut [T], &mut [T]),
    first: bool,
) {
    let coupled = m == Mutant::AdamWDecayCoupled;
    let keep = T::of_f64(1.0 - s.decay_rate);
    for (((t, &g), m1), v) in theta.iter_mut().zip(grad).zip(ms).zip(vs) {
        let g = if coupled { *t * weight_decay + g } else { g };
        (*m1, *v) = moments(&s.moments, g, *m1, *v, first);
        let m_hat = *m1 / s.denominator_1;
        let v_hat = *v / s.denominator_2;
        let root = if m == Mutant::EpsilonInsideSqrt {
            (v_hat + s.epsilon).sqrt()
        } else {
            v_hat.sqrt() + s.epsilon
        };
        let decayed = if s.decay_rate == 0.0 || coupled {
            *t
        } else {
            *t * keep
        };
        *t = decayed - m_hat / root * s.moments.learning_rate;
    }
}

/// `RmsPropStep::step` with `ε` inside the square root, or (centered) the gradients' average
/// kept but its square not subtracted; the buffers in `buffers()` order.
fn rmsprop<T: Scalar>(
    m: Mutant,
    s: RmsPropStep<T>,
    opt: &mut Optimizer<T>,
    net: &mut Mlp<T>,
    first: bool,
) {
    let momentum = s.momentum != T::zero();
    let mut each: Vec<_> = opt.buffers.iter_mut().map(|b| b.iter_mut()).collect();
    for (theta, grad) in tensors_mut(net) {
        let mut mine = each
            .iter_mut()
            .map(|b| b.next().expect("a buffer per tensor"));
        let a = mine.next().expect("the squares' average");
        let mut ga = s.centered.then(|| mine.next().expect("grad_avg"));
        let mut buf = momentum.then(|| mine.next().expect("buf"));
        for (j, (t, &g)) in theta.iter_mut().zip(grad).enumerate() {
            let g = if s.penalty != T::zero() {
                *t * s.penalty + g
            } else {
                g
            };
            let kept = if first { T::zero() } else { a[j] * s.alpha };
            a[j] = kept + (g * g) * s.keep;
            let mut avg = a[j];
            if let Some(ga) = ga.as_mut() {
                let kept = if first { T::zero() } else { ga[j] * s.alpha };
                ga[j] = kept + g * s.keep;
                if m != Mutant::RmsPropCenteredWithoutMean {
                    avg -= ga[j] * ga[j];
                }
            }
            let root = if m == Mutant::EpsilonInsideSqrt {
                (avg + s.epsilon).sqrt()
            } else {
                avg.sqrt() + s.epsilon
            };
            let mut d = g / root;
            if let Some(b) = buf.as_mut() {
                b[j] = if first { d } else { b[j] * s.momentum + d };
                d = b[j];
            }
            *t -= d * s.learning_rate;
        }
    }
}

/// Each parameter tensor with its gradient, as row-major slices, in `Optimizer`'s order.
fn tensors_mut<T: Scalar>(net: &mut Mlp<T>) -> impl Iterator<Item = (&mut [T], &[T])> {
    net.layers.iter_mut().flat_map(|l| {
        [
            (
                l.weight.as_slice_mut().expect("row-major"),
                l.grad_weight.as_slice().expect("row-major"),
            ),
            (
                l.bias.as_slice_mut().expect("contiguous"),
                l.grad_bias.as_slice().expect("contiguous"),
            ),
        ]
    })
}

fn tensors<T: Scalar>(net: &Mlp<T>) -> impl Iterator<Item = (&[T], &[T])> {
    net.layers.iter().flat_map(|l| {
        [
            (
                l.weight.as_slice().expect("row-major"),
                l.grad_weight.as_slice().expect("row-major"),
            ),
            (
                l.bias.as_slice().expect("contiguous"),
                l.grad_bias.as_slice().expect("contiguous"),
            ),
        ]
    })
}

/// Adan's step without the bias corrections, or with the previous gradient taken as 0 on the
/// first step (the buffers start at zeros, so the first difference is `g`).
fn adan<T: Scalar>(
    m: Mutant,
    mut s: AdanStep<T>,
    opt: &mut Optimizer<T>,
    net: &mut Mlp<T>,
    first: bool,
) {
    if m == Mutant::AdamWithoutBiasCorrection {
        (s.correction_1, s.correction_2, s.root_correction_3) = (T::one(), T::one(), T::one());
    }
    let first = first && m != Mutant::AdanFirstDifference;
    let [ms, vs, ns, negs] = &mut opt.buffers[..] else {
        unreachable!("Adan keeps four buffers")
    };
    let buffers = ms.iter_mut().zip(vs).zip(ns).zip(negs);
    for ((theta, grad), (((m, v), n), neg)) in tensors_mut(net).zip(buffers) {
        let b = AdanBuffers {
            exp_avg: m,
            exp_avg_sq: v,
            exp_avg_diff: n,
            neg_pre_grad: neg,
        };
        s.step(theta, grad, b, first);
    }
}
