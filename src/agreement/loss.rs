//! The bound of the softmax cross-entropy (beside manual/loss.rs): the loss's scale, and the
//! gradient at the logits `G = (p − onehot)/n` with its scale.
//!
//! Shapes: logits, `S_z`, `G` and `S_G` [n, K] (rows × classes).

use ndarray::Array2;

use super::rounded::Library;
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
///
/// With WGSL's `exp` and `log` ([`Library::Wgsl`]: burn's wgpu backend, whose log-softmax is
/// `z − m − log Σ exp(z − m)`), each `exp(z_c − m)` may be off by `3 + 2·(m − z_c)` ulp, not one:
/// `p_c` gains `a_c − 2` with `a_c = 2·(3 + 2·(m − z_c))` for its own `exp` and `Σ_j p_j·a_j` for
/// the sum's; the loss gains that sum and `log`'s `2⁻²¹` absolute (8) or 3 ulp. Where `exp`'s
/// result would be subnormal in f32 it may be 0: `p_c` may lose its whole value.
pub fn scales(
    (logits, softmax): (&Array2<f64>, &Softmax),
    s_logits: &Array2<f64>,
    y: &[usize],
    lib: Library,
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
        let wgsl = (lib == Library::Wgsl).then(|| WgslRow::of(z, softmax.p.row(r), lse));
        for c in 0..k {
            let p = softmax.p[[r, c]];
            let onehot = if c == t { 1.0 } else { 0.0 };
            let own = 2.0 + wgsl.as_ref().map_or(0.0, |w| w.p_extra(z[c]));
            let s_p = p * (z[c].abs() + lse.abs() + k_f + own) + 2.0 * p * (1.0 - p) * delta;
            s_g[[r, c]] = (s_p + p + onehot) / n_f;
        }
        let p_t = softmax.p[[r, t]];
        let loss_r = lse - z[t];
        loss_sum += loss_r;
        s_loss_sum += z[t].abs()
            + lse.abs()
            + k_f
            + 2.0
            + wgsl.as_ref().map_or(0.0, WgslRow::loss_extra)
            + 2.0 * (1.0 - p_t) * delta;
        abs_loss_sum += loss_r.abs();
    }
    // The row losses are all ≥ 0: summing them, the roundings do not cancel but pile up (each
    // partial sum of similar terms rounds alike), so this sum gets the classic `n·u·Σ|ℓ|`.
    LossScales {
        loss: s_loss_sum / n_f + abs_loss_sum + (loss_sum / n_f).abs(),
        s_g,
    }
}

/// What WGSL's `exp` and `log` add to a row's scales (module docs).
struct WgslRow {
    /// The row's largest logit.
    m: f64,
    /// `Σ_j p_j·a_j`: the sum's relative error from its terms' `exp`, in units of `u`.
    sum: f64,
    /// `log`'s own: `2⁻²¹` absolute (`8u`) for an argument in [0.5, 2], else 3 ulp.
    log: f64,
}

impl WgslRow {
    fn of(z: ndarray::ArrayView1<f64>, p: ndarray::ArrayView1<f64>, lse: f64) -> Self {
        let m = z.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let sum = z.iter().zip(p).map(|(&zc, pc)| exp_ulps(m - zc) * pc).sum();
        // log Σ exp(z − m) = lse − m, its argument in [1, K].
        let log = if lse - m <= 2f64.ln() {
            8.0
        } else {
            6.0 * (lse - m)
        };
        WgslRow { m, sum, log }
    }

    /// Beyond a faithful `exp`'s 2 (one ulp) for `p_c`: its own `exp` and the sum's; where
    /// `exp(z_c − m)` is below f32's smallest normal number, the whole value (lavapipe's WGSL
    /// `exp` returns 0 there, not the subnormal number).
    fn p_extra(&self, zc: f64) -> f64 {
        let own = if zc - self.m < f64::from(f32::MIN_POSITIVE).ln() {
            2.0 / f64::from(f32::EPSILON)
        } else {
            exp_ulps(self.m - zc)
        };
        own - 2.0 + self.sum
    }

    fn loss_extra(&self) -> f64 {
        self.sum + self.log
    }
}

/// WGSL's `exp(−x)` for `x ≥ 0`: `3 + 2·x` ulp, `2u` each, relative.
fn exp_ulps(x: f64) -> f64 {
    2.0 * (3.0 + 2.0 * x)
}
