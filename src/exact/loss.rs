//! The softmax cross-entropy, mean over the batch: per row `ℓ = lse − z_y` with
//! `lse = log Σ_c exp z_c` (the row's max subtracted first, so no exp overflows),
//! `p_c = exp(z_c − lse)`, and `∂L/∂z = (p − onehot)/n`.
//!
//! Shapes: logits and `p` [n, K] (rows × classes).

use ndarray::{Array2, ArrayView1};

/// `log Σ exp z` of one row.
pub fn log_sum_exp(z: ArrayView1<f64>) -> f64 {
    let m = z.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    m + z.iter().map(|&v| (v - m).exp()).sum::<f64>().ln()
}

/// The softmax of every row.
#[derive(Debug, Clone)]
pub struct Softmax {
    /// `lse` of each row.
    pub lse: Vec<f64>,
    /// `p = exp(z − lse)`.
    pub p: Array2<f64>,
}

impl Softmax {
    pub fn of(logits: &Array2<f64>) -> Softmax {
        let lse: Vec<f64> = logits.rows().into_iter().map(log_sum_exp).collect();
        let mut p = logits.clone();
        for (mut row, &l) in p.rows_mut().into_iter().zip(&lse) {
            row.mapv_inplace(|z| (z - l).exp());
        }
        Softmax { lse, p }
    }

    /// `ℓ_r = lse_r − z_{r, y_r}` of each row.
    pub fn row_losses<'a>(
        &'a self,
        logits: &'a Array2<f64>,
        y: &'a [usize],
    ) -> impl Iterator<Item = f64> + 'a {
        self.lse
            .iter()
            .zip(y)
            .enumerate()
            .map(move |(r, (&l, &t))| l - logits[[r, t]])
    }

    /// The mean loss `Σ_r ℓ_r / n`.
    pub fn mean_loss(&self, logits: &Array2<f64>, y: &[usize]) -> f64 {
        self.row_losses(logits, y).sum::<f64>() / y.len() as f64
    }

    /// `∂L/∂logits = (p − onehot)/n`.
    pub fn grad(&self, y: &[usize]) -> Array2<f64> {
        let n = y.len() as f64;
        let mut g = self.p.clone();
        for (r, mut row) in g.rows_mut().into_iter().enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                let onehot = if c == y[r] { 1.0 } else { 0.0 };
                *v = (*v - onehot) / n;
            }
        }
        g
    }
}

/// The mean softmax cross-entropy of `logits` against `y`.
pub fn mean_loss(logits: &Array2<f64>, y: &[usize]) -> f64 {
    let total: f64 = logits
        .rows()
        .into_iter()
        .zip(y)
        .map(|(z, &t)| log_sum_exp(z) - z[t])
        .sum();
    total / y.len() as f64
}
