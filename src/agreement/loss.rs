//! The bound of the softmax cross-entropy (beside manual/loss.rs): the loss's scale, and the
//! gradient at the logits `G = (p − onehot)/n` with its scale.
//!
//! Shapes: logits, `S_z`, `G` and `S_G` [n, K] (rows × classes).

use ndarray::Array2;

use crate::exact::loss::Softmax;

/// The loss's scale, and the scale of the gradient at the logits.
pub struct LossScales {
    pub loss: f64,
    pub s_g: Array2<f64>,
}

/// Per row, with `Δ = max_c S_z[c]` and `lse = log Σ exp z`:
/// `S_p_c = p_c·(|z_c| + |lse| + K + 2) + 2·p_c·(1 − p_c)·Δ`,
/// `S_ℓ = |z_y| + |lse| + K + 2 + 2·(1 − p_y)·Δ`; the mean `S_L = Σ_r S_ℓ/n + Σ_r |ℓ_r| + |L|`;
/// `S_G = (S_p + p + onehot)/n` (the cancellation case of `p − onehot`).
pub fn scales(
    (logits, softmax): (&Array2<f64>, &Softmax),
    s_logits: &Array2<f64>,
    y: &[usize],
) -> LossScales {
    let (n, k) = logits.dim();
    let k_f = k as f64;
    let n_f = n as f64;
    let mut s_g = Array2::<f64>::zeros((n, k));
    let (mut loss_sum, mut s_loss_sum, mut abs_loss_sum) = (0.0, 0.0, 0.0);
    for r in 0..n {
        let z = logits.row(r);
        let lse = softmax.lse[r];
        let delta = s_logits.row(r).fold(0.0f64, |a, &b| a.max(b));
        let t = y[r];
        for c in 0..k {
            let p = softmax.p[[r, c]];
            let onehot = if c == t { 1.0 } else { 0.0 };
            let s_p = p * (z[c].abs() + lse.abs() + k_f + 2.0) + 2.0 * p * (1.0 - p) * delta;
            s_g[[r, c]] = (s_p + p + onehot) / n_f;
        }
        let p_t = softmax.p[[r, t]];
        let loss_r = lse - z[t];
        loss_sum += loss_r;
        s_loss_sum += z[t].abs() + lse.abs() + k_f + 2.0 + 2.0 * (1.0 - p_t) * delta;
        abs_loss_sum += loss_r.abs();
    }
    // The row losses are all ≥ 0: summing them, the roundings do not cancel but pile up (each
    // partial sum of similar terms rounds alike), so this sum gets the classic `n·u·Σ|ℓ|`.
    LossScales {
        loss: s_loss_sum / n_f + abs_loss_sum + (loss_sum / n_f).abs(),
        s_g,
    }
}
