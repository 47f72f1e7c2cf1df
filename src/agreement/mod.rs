//! How far apart two correct twins may be: a first-order bound of the rounding error of the
//! loss, every gradient entry and the optimizer's step, and the measure `err_bound` that judges a
//! disagreement in units of that bound.
//!
//! Laid out like the hand-written twin it judges: a file per layer kind with its forward and
//! backward scale side by side (linear.rs, relu.rs, loss.rs, sgd.rs, …), this file composing them
//! through the net as manual/mlp.rs composes the layers, and the judge apart (judge.rs).
//!
//! The harness's own math, in f64, from plain values: it calls neither twin. For each entry `e`
//! it computes a scale `S_e` such that a correct implementation in precision `u` (unit roundoff)
//! computes `e` within about `u·S_e` of the exact value; two correct twins then differ by about
//! `u·S_e` at most, and
//!
//! ```text
//! err_bound = max_e |a_e − b_e| / (u · S_e)
//! ```
//!
//! is their disagreement in units of what rounding can explain. The values are exact/'s; the
//! scales (docs/agreement.md), with `|·|` element-wise, `z_i = h_{i−1}·W_i + b_i`,
//! `h_i = a(z_i)`, `n` rows in the batch, `K` classes:
//!
//! - forward: `S_z_i = S_h_{i−1}·|W_i| + √(c_{i−1}+1)·(|h_{i−1}|·|W_i| + |b_i|)` (the error
//!   carried in, then the product's own rounding); `S_h_i = S_z_i` where the unit is on or
//!   ambiguous, 0 where it is clearly off (both twins write an exact 0); `S_h_0 = 0`;
//! - softmax and loss, per row with `Δ = max_c S_z_L[c]`, `lse = log Σ exp z`:
//!   `S_p_c = p_c·(|z_c| + |lse| + K + 2) + 2·p_c·(1 − p_c)·Δ` and
//!   `S_ℓ = |z_y| + |lse| + K + 2 + 2·(1 − p_y)·Δ`; the mean `S_L = Σ_r S_ℓ/n + Σ_r |ℓ_r| + |L|`;
//! - `G_L = (p − onehot)/n`: `S_G_L = (S_p + p + onehot)/n` (the cancellation case);
//! - backward: `S_dW = S_hᵀ·|G| + |h|ᵀ·(S_G + √n·|G|)`, `S_db = Σ_rows (S_G + √n·|G|)`,
//!   `S_G' = (S_G + √c_i·|G|)·|W|ᵀ`, then through the activation (each kind's file: through a
//!   ReLU `S_G = S_G'` masked like `S_h`);
//! - kinks (ReLU, leaky ReLU): a unit with `|z| ≤ κ·u·S_z` may take either branch in either
//!   twin. It is counted (`ambiguous_units`), and the difference of the branches' gradients is
//!   allowed (for a ReLU `S_G += |G'|/u` there), which the later products carry to every entry
//!   it reaches;
//! - the optimizer's step at burn's θ, g and state: update.rs, one term per operation.
//!
//! A sum of `k` terms of mixed sign gets `√k·Σ|terms|`, the probabilistic bound (Higham and
//! Mary, SIAM J. Sci. Comput. 2019: rounding errors of independent sign grow like `√k·u`, not
//! `k·u`). The loss is a sum of `n` terms ≥ 0 of similar size, whose roundings do not cancel
//! (measured: 180 u on 1171 rows in f64), so it keeps the classic `n·u·Σ|ℓ_r|/n`. Errors carried
//! in from earlier layers are bounded in full, without a factor. [`err_bound_limit`] is measured
//! against this (docs/sweep.md and docs/mutation.md).

use ndarray::Array2;

use crate::config::{Activation, Precision};
use crate::exact;
use crate::params::Params;
pub use rounded::Library;

pub mod activation;
pub mod judge;
pub mod leaky_relu;
pub mod linear;
pub mod loss;
pub mod relu;
pub mod rounded;
pub mod smooth;
pub mod update;

pub use judge::{
    Tolerances, allowance, err_bound, err_bound_limit, judge, judge_grads, judge_update,
    kink_factor, round_to, unit_roundoff,
};
pub use update::{UpdateScales, update_scales};

/// The rounding scales of one step's loss and gradients, at one point (parameters, batch).
#[derive(Debug, Clone)]
pub struct Scales {
    pub loss: f64,
    /// One scale per gradient entry, in the parameters' layout.
    pub grads: Params,
    /// ReLU units (row × unit) whose pre-activation is within its rounding bound of 0.
    pub ambiguous_units: usize,
    /// Every intermediate value with its scale, when asked for ([`gradient_scales_with`]).
    pub trace: Option<Trace>,
}

/// The intermediates of one forward and backward pass in f64, each beside its rounding scale
/// (same shape): what an implementation's own intermediates are judged against.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// Layer i's input `h_i` (`h_0 = x`) and its scale, for every layer.
    pub inputs: Vec<(Array2<f64>, Array2<f64>)>,
    /// The logits `z_L` and their scale.
    pub logits: (Array2<f64>, Array2<f64>),
    /// Per layer, `∂L/∂z_i` (the gradient at the layer's output, after the activation's
    /// backward) and its scale.
    pub grad_outputs: Vec<(Array2<f64>, Array2<f64>)>,
    /// Per hidden layer (index i: layer i's output), `∂L/∂h_i` before the activation's backward,
    /// and its scale.
    pub grad_hidden: Vec<(Array2<f64>, Array2<f64>)>,
}

/// The scales of the loss and every gradient for `params` on the batch `(x, y)` (x already
/// rounded to the run's precision `p`, as the twins see it), through activation `a`.
pub fn gradient_scales(
    params: &Params,
    (x, y): (&Array2<f64>, &[usize]),
    a: Activation,
    p: Precision,
) -> Scales {
    gradient_scales_with(params, (x, y), (a, p), (Library::Faithful, false))
}

/// [`gradient_scales`] for an evaluation with `lib`'s `exp` and `tanh` (rounded.rs: a library's
/// one ulp, or the accuracy WGSL defines them to, as burn's wgpu backend may use), and with
/// every intermediate kept when `keep` ([`Scales::trace`]).
///
/// The chain rule over the layers' scales: exact/'s forward, loss and backward give the values,
/// and beside each value its scale, forward through every layer, the loss, then backward from the
/// last layer down (as `manual::Mlp` runs the twin).
pub fn gradient_scales_with(
    params: &Params,
    (x, y): (&Array2<f64>, &[usize]),
    (a, precision): (Activation, Precision),
    (lib, keep): (Library, bool),
) -> Scales {
    let u = unit_roundoff(precision);
    let kappa = kink_factor(precision);
    let last = params.layers.len() - 1;
    let fwd = exact::forward::forward(params, a, x);

    // Forward: every layer's input scale (`S_h_0 = 0`: the data are exact as given), what each
    // activation leaves for the backward pass, and |W| of every layer.
    let w_abs: Vec<Array2<f64>> = params
        .layers
        .iter()
        .map(|l| l.weight.mapv(f64::abs))
        .collect();
    let mut s_h = vec![Array2::<f64>::zeros(x.raw_dim())];
    let mut masks: Vec<activation::Through> = Vec::new();
    let mut ambiguous_units = 0;
    for (i, l) in params.layers.iter().enumerate().take(last) {
        let mut s = linear::forward(&fwd.inputs[i], &s_h[i], l, &w_abs[i]);
        let mask = activation::forward(
            a,
            (&fwd.pre[i], &fwd.inputs[i + 1]),
            &mut s,
            (kappa * u, u, lib),
        );
        ambiguous_units += mask.ambiguous_units();
        s_h.push(s);
        masks.push(mask);
    }
    let s_logits = linear::forward(
        &fwd.inputs[last],
        &s_h[last],
        &params.layers[last],
        &w_abs[last],
    );

    let softmax = exact::loss::Softmax::of(fwd.logits());
    let back = exact::backward::backward(params, &fwd, softmax.grad(y), a, None);
    let loss::LossScales {
        loss: loss_scale,
        mut s_g,
    } = loss::scales((fwd.logits(), &softmax), &s_logits, y, lib);

    let mut grad_outputs = Vec::with_capacity(last + 1);
    let mut grad_hidden = Vec::with_capacity(last);
    let mut grads = Vec::with_capacity(last + 1);
    for i in (0..=last).rev() {
        let g_abs = back.grad_pre[i].mapv(f64::abs);
        let mut owned = None;
        let through = i.checked_sub(1).map(|j| &masks[j]);
        let h_abs = activation::magnitude(through, &fwd.inputs[i], &mut owned);
        grads.push(linear::backward_params(h_abs, &s_h[i], &g_abs, &s_g));
        if i == 0 {
            grad_outputs.push(s_g);
            break;
        }
        let mut s_prev = linear::backward_input(&g_abs, &s_g, &params.layers[i], &w_abs[i]);
        if keep {
            grad_hidden.push(s_prev.clone());
        }
        let g = (&back.grad_hidden[i - 1], &back.grad_pre[i - 1]);
        activation::backward(&masks[i - 1], &mut s_prev, g, u);
        grad_outputs.push(std::mem::replace(&mut s_g, s_prev));
    }
    grads.reverse();
    let trace = keep.then(|| {
        grad_outputs.reverse();
        grad_hidden.reverse();
        Trace {
            logits: (fwd.logits().clone(), s_logits),
            inputs: fwd.inputs.iter().cloned().zip(s_h).collect(),
            grad_outputs: back.grad_pre.iter().cloned().zip(grad_outputs).collect(),
            grad_hidden: back.grad_hidden.iter().cloned().zip(grad_hidden).collect(),
        }
    });
    Scales {
        loss: loss_scale,
        grads: Params { layers: grads },
        ambiguous_units,
        trace,
    }
}
