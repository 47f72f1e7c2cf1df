//! Softmax cross-entropy against class indices, mean over the batch.

use ndarray::Array2;

use super::Scalar;

/// Returns the loss `L = −(1/n) Σ_r log softmax(z_r)[y_r]` and its gradient
/// `∂L/∂z = (softmax(z) − onehot(y)) / n`.
///
/// Stable form: `log softmax(z)_j = z_j − m − log Σ_i exp(z_i − m)` with `m = max_i z_i`, so
/// no `exp` overflows whatever the logits.
pub fn softmax_cross_entropy<T: Scalar>(logits: &Array2<T>, targets: &[usize]) -> (T, Array2<T>) {
    let n = logits.nrows();
    assert_eq!(n, targets.len(), "one target per row");
    let n_t = T::of_f64(n as f64);
    let mut grad = Array2::zeros(logits.raw_dim());
    let mut total = T::zero();
    for ((row, mut grad_row), &target) in
        logits.rows().into_iter().zip(grad.rows_mut()).zip(targets)
    {
        let max = row.fold(T::neg_infinity(), |m, &v| m.max(v));
        let sum_exp = row.fold(T::zero(), |s, &v| s + (v - max).exp());
        let log_sum = sum_exp.ln();
        total += -(row[target] - max - log_sum);
        for (g, &z) in grad_row.iter_mut().zip(row) {
            *g = (z - max).exp() / sum_exp / n_t;
        }
        grad_row[target] -= T::one() / n_t;
    }
    (total / n_t, grad)
}
