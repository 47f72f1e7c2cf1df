//! How far apart two correct twins may be: a first-order bound of the rounding error of the
//! loss, every gradient entry and the SGD update, and the measure `err_bound` that judges a
//! disagreement in units of that bound.
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
//! is their disagreement in units of what rounding can explain. The scales (README, "How
//! agreement is judged"), with `|·|` element-wise, `z_i = h_{i−1}·W_i + b_i`, `h_i = relu(z_i)`,
//! `n` rows in the batch, `K` classes:
//!
//! - forward: `S_z_i = S_h_{i−1}·|W_i| + √(c_{i−1}+1)·(|h_{i−1}|·|W_i| + |b_i|)` (the error
//!   carried in, then the product's own rounding); `S_h_i = S_z_i` where the unit is on or
//!   ambiguous, 0 where it is clearly off (both twins write an exact 0); `S_h_0 = 0`;
//! - softmax and loss, per row with `Δ = max_c S_z_L[c]`, `lse = log Σ exp z`:
//!   `S_p_c = p_c·(|z_c| + |lse| + K + 2) + 2·p_c·(1 − p_c)·Δ` and
//!   `S_ℓ = |z_y| + |lse| + K + 2 + 2·(1 − p_y)·Δ`; the mean `S_L = Σ_r S_ℓ/n + Σ_r |ℓ_r| + |L|`;
//! - `G_L = (p − onehot)/n`: `S_G_L = (S_p + p + onehot)/n` (the cancellation case);
//! - backward: `S_dW = S_hᵀ·|G| + |h|ᵀ·(S_G + √n·|G|)`, `S_db = Σ_rows (S_G + √n·|G|)`,
//!   `S_G' = (S_G + √c_i·|G|)·|W|ᵀ`, and through the ReLU `S_G = S_G'` masked like `S_h`;
//! - kinks: a unit with `|z| ≤ κ·u·S_z` may be on in one twin and off in the other. It is
//!   counted (`ambiguous_units`), and its whole gradient `|G'|` is allowed as a difference
//!   (`S_G += |G'|/u` there), which the later products carry to every entry it reaches;
//! - update `θ' = θ − λ·g` at burn's θ and g: `S = |θ| + |λ·g| + |θ'|`.
//!
//! A sum of `k` terms of mixed sign gets `√k·Σ|terms|`, the probabilistic bound (Higham and
//! Mary, SIAM J. Sci. Comput. 2019: rounding errors of independent sign grow like `√k·u`, not
//! `k·u`). The loss is a sum of `n` terms ≥ 0 of similar size, whose roundings do not cancel
//! (measured: 180 u on 1171 rows in f64), so it keeps the classic `n·u·Σ|ℓ_r|/n`. Errors carried
//! in from earlier layers are bounded in full, without a factor. [`err_bound_limit`] is measured
//! against this (README: the sweep and the mutation tables).

use ndarray::{Array2, Axis, Zip};

use crate::config::Precision;
use crate::matmul::product_new as mm;
use crate::params::{LayerParams, Params, tensor_name};

/// The unit roundoff of a precision: half the distance from 1 to the next float.
pub fn unit_roundoff(precision: Precision) -> f64 {
    match precision {
        Precision::F32 => f32::EPSILON as f64 / 2.0,
        Precision::F64 => f64::EPSILON / 2.0,
    }
}

/// A value as the twins see it in `precision`.
pub fn round_to(v: f64, precision: Precision) -> f64 {
    match precision {
        Precision::F32 => v as f32 as f64,
        Precision::F64 => v,
    }
}

/// The smallest normal number of a precision: below it rounding is absolute, not relative, so
/// no allowance is ever smaller than this.
fn tiny(precision: Precision) -> f64 {
    match precision {
        Precision::F32 => f32::MIN_POSITIVE as f64,
        Precision::F64 => f64::MIN_POSITIVE,
    }
}

/// The gate: the largest `err_bound` a step may reach, one number per precision (README, "How
/// agreement is judged": why this value).
pub fn err_bound_limit(precision: Precision) -> f64 {
    match precision {
        Precision::F32 => 4.0,
        Precision::F64 => 4.0,
    }
}

/// The kink factor `κ`: a ReLU unit is ambiguous when `|z| ≤ κ·u·S_z`. The same factor as the
/// limit: a pre-activation that the gate would let the twins compute that far apart may have
/// either sign.
pub fn kink_factor(precision: Precision) -> f64 {
    err_bound_limit(precision)
}

/// The rounding scales of one step's loss and gradients, at one point (parameters, batch).
#[derive(Debug, Clone)]
pub struct Scales {
    pub loss: f64,
    /// One scale per gradient entry, in the parameters' layout.
    pub grads: Params,
    /// ReLU units (row × unit) whose pre-activation is within its rounding bound of 0.
    pub ambiguous_units: usize,
}

/// The scales of the loss and every gradient for `params` on the batch `(x, y)` (x already
/// rounded to the run's precision, as the twins see it).
pub fn gradient_scales(
    params: &Params,
    x: &Array2<f64>,
    y: &[usize],
    precision: Precision,
) -> Scales {
    scales_with_kinks(params, x, y, precision, kink_factor(precision))
}

/// [`gradient_scales`] with no allowance for ReLU kinks (only an input of exactly 0 counts as
/// ambiguous): to tell a difference that only kinks explain.
pub fn gradient_scales_no_kinks(
    params: &Params,
    x: &Array2<f64>,
    y: &[usize],
    precision: Precision,
) -> Scales {
    scales_with_kinks(params, x, y, precision, 0.0)
}

fn scales_with_kinks(
    params: &Params,
    x: &Array2<f64>,
    y: &[usize],
    precision: Precision,
    kappa: f64,
) -> Scales {
    let u = unit_roundoff(precision);
    let n = x.nrows();
    let last = params.layers.len() - 1;

    // Forward: activations, their scales, and which units are on / ambiguous. One pass per
    // layer after its two products, over arrays it owns (this runs at every step).
    let mut h = vec![x.clone()];
    let mut s_h = vec![Array2::<f64>::zeros(x.raw_dim())];
    // For hidden layer i (0-based): 1 where on or ambiguous, 0 where clearly off; and the
    // ambiguous units. |W| of every layer, for the backward pass too.
    let mut on: Vec<Array2<f64>> = Vec::new();
    let mut ambiguous: Vec<Array2<bool>> = Vec::new();
    let mut w_abs: Vec<Array2<f64>> = Vec::new();
    let mut ambiguous_units = 0;
    let mut logits = Array2::zeros((0, 0));
    let mut s_logits = Array2::zeros((0, 0));
    for (i, l) in params.layers.iter().enumerate() {
        w_abs.push(l.weight.mapv(f64::abs));
        let mut z = mm(h[i].view(), l.weight.view());
        z += &l.bias;
        let root_k = ((l.weight.nrows() + 1) as f64).sqrt();
        // S_h·|W| + √k·(|h|·|W| + |b|), as one product.
        let mut carried = s_h[i].clone();
        Zip::from(&mut carried)
            .and(&h[i])
            .for_each(|c, &v| *c += root_k * v.abs());
        let mut s_z = mm(carried.view(), w_abs[i].view());
        s_z += &l.bias.mapv(|b| root_k * b.abs());
        if i == last {
            logits = z;
            s_logits = s_z;
            break;
        }
        let mut amb = Array2::from_elem(z.raw_dim(), false);
        let mut keep = Array2::<f64>::zeros(z.raw_dim());
        Zip::from(&mut z)
            .and(&mut s_z)
            .and(&mut amb)
            .and(&mut keep)
            .for_each(|z, s, a, k| {
                *a = z.abs() <= kappa * u * *s;
                // Carried error where the unit is on or may be (relu is 1-Lipschitz); an exact
                // 0 in both twins where it is clearly off.
                if *z > 0.0 || *a {
                    *k = 1.0;
                } else {
                    *s = 0.0;
                }
                *z = z.max(0.0);
            });
        ambiguous_units += amb.iter().filter(|&&a| a).count();
        h.push(z);
        s_h.push(s_z);
        on.push(keep);
        ambiguous.push(amb);
    }

    // Softmax cross-entropy, row by row.
    let k = logits.ncols();
    let k_f = k as f64;
    let n_f = n as f64;
    let mut g = Array2::<f64>::zeros((n, k));
    let mut s_g = Array2::<f64>::zeros((n, k));
    let (mut loss_sum, mut s_loss_sum, mut abs_loss_sum) = (0.0, 0.0, 0.0);
    for r in 0..n {
        let z = logits.row(r);
        let m = z.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let lse = m + z.iter().map(|&v| (v - m).exp()).sum::<f64>().ln();
        let delta = s_logits.row(r).fold(0.0f64, |a, &b| a.max(b));
        let t = y[r];
        for c in 0..k {
            let p = (z[c] - lse).exp();
            let onehot = if c == t { 1.0 } else { 0.0 };
            let s_p = p * (z[c].abs() + lse.abs() + k_f + 2.0) + 2.0 * p * (1.0 - p) * delta;
            g[[r, c]] = (p - onehot) / n_f;
            s_g[[r, c]] = (s_p + p + onehot) / n_f;
        }
        let p_t = (z[t] - lse).exp();
        let loss_r = lse - z[t];
        loss_sum += loss_r;
        s_loss_sum += z[t].abs() + lse.abs() + k_f + 2.0 + 2.0 * (1.0 - p_t) * delta;
        abs_loss_sum += loss_r.abs();
    }
    // The row losses are all ≥ 0: summing them, the roundings do not cancel but pile up (each
    // partial sum of similar terms rounds alike), so this sum gets the classic `n·u·Σ|ℓ|`.
    let loss_scale = s_loss_sum / n_f + abs_loss_sum + (loss_sum / n_f).abs();

    // Backward. Sums over the batch carry `√n`, sums over a layer's outputs `√c_out`.
    let root_n = n_f.sqrt();
    let mut grads = Vec::with_capacity(params.layers.len());
    for i in (0..params.layers.len()).rev() {
        let l = &params.layers[i];
        let g_abs = g.mapv(f64::abs);
        // S_G + √n·|G|, the scale of the terms summed over the batch.
        let mut t = s_g.clone();
        Zip::from(&mut t)
            .and(&g_abs)
            .for_each(|t, &ga| *t += root_n * ga);
        // |h|: after a ReLU, h itself.
        let x_abs;
        let h_abs = if i == 0 {
            x_abs = h[0].mapv(f64::abs);
            x_abs.view()
        } else {
            h[i].view()
        };
        let mut s_dw = mm(s_h[i].t(), g_abs.view());
        s_dw += &mm(h_abs.t(), t.view());
        let s_db = t.sum_axis(Axis(0));
        grads.push(LayerParams {
            weight: s_dw,
            bias: s_db,
        });
        if i == 0 {
            break;
        }
        let mut g_prev = mm(g.view(), l.weight.t());
        let root_c = (l.weight.ncols() as f64).sqrt();
        Zip::from(&mut t)
            .and(&s_g)
            .and(&g_abs)
            .for_each(|t, &s, &ga| *t = s + root_c * ga);
        let mut s_prev = mm(t.view(), w_abs[i].t());
        // Through the ReLU: the scale where the unit is on or ambiguous; a unit that may have
        // flipped may carry its whole gradient in one twin and none in the other, so that
        // difference is allowed; the gradient itself where the unit is on.
        Zip::from(&mut s_prev)
            .and(&mut g_prev)
            .and(&on[i - 1])
            .and(&ambiguous[i - 1])
            .and(&h[i])
            .for_each(|s, gp, &keep, &a, &hv| {
                *s *= keep;
                if a {
                    *s += gp.abs() / u;
                }
                if hv <= 0.0 {
                    *gp = 0.0;
                }
            });
        g = g_prev;
        s_g = s_prev;
    }
    grads.reverse();
    Scales {
        loss: loss_scale,
        grads: Params { layers: grads },
        ambiguous_units,
    }
}

/// The scales of the update `θ' = θ − λ·g` at parameters `theta` with gradient `grad`.
pub fn update_scales(theta: &Params, grad: &Params, learning_rate: f64) -> Params {
    let scale = |t: f64, g: f64| {
        let step = learning_rate * g;
        t.abs() + step.abs() + (t - step).abs()
    };
    Params {
        layers: theta
            .layers
            .iter()
            .zip(&grad.layers)
            .map(|(t, g)| LayerParams {
                weight: Zip::from(&t.weight)
                    .and(&g.weight)
                    .map_collect(|&t, &g| scale(t, g)),
                bias: Zip::from(&t.bias)
                    .and(&g.bias)
                    .map_collect(|&t, &g| scale(t, g)),
            })
            .collect(),
    }
}

/// `err_bound` of one tensor: the worst `|a − b| / (u·S)` over its entries. NaN anywhere gives
/// NaN; a difference where the scale is 0 is measured against the smallest normal number.
pub fn err_bound<'a>(
    a: impl Iterator<Item = &'a f64>,
    b: impl Iterator<Item = &'a f64>,
    scale: impl Iterator<Item = &'a f64>,
    precision: Precision,
) -> f64 {
    let (u, tiny) = (unit_roundoff(precision), tiny(precision));
    let mut worst: f64 = 0.0;
    for ((&a, &b), &s) in a.zip(b).zip(scale) {
        if a.is_nan() || b.is_nan() {
            return f64::NAN;
        }
        let diff = (a - b).abs();
        if diff > 0.0 {
            worst = worst.max(diff / (u * s).max(tiny));
        }
    }
    worst
}

/// The worst `err_bound` over every tensor of `a` against `b`, and where it was
/// (`{what} layers.{i}.weight|bias`).
pub fn judge(
    what: &str,
    a: &Params,
    b: &Params,
    scales: &Params,
    precision: Precision,
) -> (f64, String) {
    let mut worst = (0.0, String::new());
    let tensors = a.layers.iter().zip(&b.layers).zip(&scales.layers);
    for (i, ((a, b), s)) in tensors.enumerate() {
        let weight = err_bound(a.weight.iter(), b.weight.iter(), s.weight.iter(), precision);
        let bias = err_bound(a.bias.iter(), b.bias.iter(), s.bias.iter(), precision);
        for (is_bias, e) in [(false, weight), (true, bias)] {
            if e > worst.0 || e.is_nan() || worst.1.is_empty() {
                worst = (e, format!("{what} {}", tensor_name(i, is_bias)));
            }
        }
    }
    worst
}

/// The worst `err_bound` over the loss and every gradient tensor, and where it was (`loss` or
/// `grad layers.{i}.weight|bias`).
pub fn judge_grads(
    (loss_a, grads_a): (f64, &Params),
    (loss_b, grads_b): (f64, &Params),
    scales: &Scales,
    precision: Precision,
) -> (f64, String) {
    let loss = err_bound(
        [loss_a].iter(),
        [loss_b].iter(),
        [scales.loss].iter(),
        precision,
    );
    let grads = judge("grad", grads_a, grads_b, &scales.grads, precision);
    if grads.0 > loss || grads.0.is_nan() {
        grads
    } else {
        (loss, "loss".to_owned())
    }
}
