//! Softmax cross-entropy against class indices, mean over the batch.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};

use super::Scalar;

/// Returns the loss `L = −(1/n) Σ_r log softmax(z_r)[y_r]` and its gradient
/// `∂L/∂z = (softmax(z) − onehot(y)) / n`.
pub fn softmax_cross_entropy<T: Scalar>(logits: &Array2<T>, targets: &[usize]) -> (T, Array2<T>) {
    let mut grad = Array2::zeros(logits.raw_dim());
    let loss = softmax_cross_entropy_into(logits.view(), targets, grad.view_mut());
    (loss, grad)
}

/// [`softmax_cross_entropy`] writing `∂L/∂z` into `grad` (same shape as `logits`).
///
/// Stable form: `log softmax(z)_j = z_j − m − log Σ_i exp(z_i − m)` with `m = max_i z_i`, so
/// no `exp` overflows whatever the logits. Each `exp(z_j − m)` is computed once, into `grad`,
/// and then scaled into the softmax.
pub fn softmax_cross_entropy_into<T: Scalar>(
    logits: ArrayView2<T>,
    targets: &[usize],
    mut grad: ArrayViewMut2<T>,
) -> T {
    let n = logits.nrows();
    assert_eq!(n, targets.len(), "one target per row");
    assert_eq!(
        logits.dim(),
        grad.dim(),
        "gradient and logits differ in shape"
    );
    let n_t = T::of_f64(n as f64);
    let mut total = T::zero();
    for ((row, mut grad_row), &target) in
        logits.rows().into_iter().zip(grad.rows_mut()).zip(targets)
    {
        let max = row.fold(T::neg_infinity(), |m, &v| m.max(v));
        let mut sum_exp = T::zero();
        for (g, &z) in grad_row.iter_mut().zip(row) {
            *g = (z - max).exp();
            sum_exp += *g;
        }
        total += -(row[target] - max - sum_exp.ln());
        for g in grad_row.iter_mut() {
            *g = *g / sum_exp / n_t;
        }
        grad_row[target] -= T::one() / n_t;
    }
    total / n_t
}
