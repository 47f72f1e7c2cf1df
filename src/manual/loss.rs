//! Softmax cross-entropy against class indices, mean over the batch.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};

use super::Scalar;

/// Returns the loss `L = −(1/n) Σ_r log softmax(z_r)[y_r]` and writes its gradient
/// `∂L/∂z = (softmax(z) − onehot(y)) / n` into `grad` (same shape as `logits`).
///
/// Stable form: `log softmax(z)_j = z_j − m − log Σ_i exp(z_i − m)` with `m = max_i z_i`, so
/// no `exp` overflows whatever the logits. Each `exp(z_j − m)` is computed once, into `grad`,
/// and then scaled into the softmax.
pub fn softmax_cross_entropy_into<T: Scalar>(
    logits: ArrayView2<T>,
    targets: &[usize],
    mut grad: ArrayViewMut2<T>,
) -> T {
    // logits: [n, k], targets: [n] class indices; grad: [n, k].
    let n = logits.nrows();
    assert_eq!(n, targets.len(), "one target per row");
    assert_eq!(
        logits.dim(),
        grad.dim(),
        "gradient and logits differ in shape"
    );
    let n_t = T::of_f64(n as f64);
    let k = logits.ncols();
    assert!(k > 0, "at least one class");
    let (Some(z), Some(g)) = (logits.as_slice(), grad.as_slice_mut()) else {
        // Not row-major (never in a training step): work on a row-major copy.
        let z = logits.as_standard_layout().into_owned();
        let mut g = Array2::zeros(z.raw_dim());
        let loss = softmax_cross_entropy_into(z.view(), targets, g.view_mut());
        grad.assign(&g);
        return loss;
    };
    // Rows as plain slices: ndarray's row iterators cost more than the arithmetic at 2 classes.
    let total = z
        .chunks_exact(k)
        .zip(g.chunks_exact_mut(k))
        .zip(targets)
        .fold(T::zero(), |total, ((z, g), &t)| {
            total + row_loss(z, g, t, n_t)
        });
    total / n_t
}

/// One row: returns `−log softmax(z)[target]` and writes `(softmax(z) − onehot) / n` into `g`.
fn row_loss<T: Scalar>(z: &[T], g: &mut [T], target: usize, n_t: T) -> T {
    let max = z.iter().fold(T::neg_infinity(), |m, &v| m.max(v));
    let mut sum_exp = T::zero();
    for (g, &z) in g.iter_mut().zip(z) {
        *g = (z - max).exp();
        sum_exp += *g;
    }
    // One division per row, not two per entry: divisions were most of this function's time.
    let scale = T::one() / (sum_exp * n_t);
    for g in g.iter_mut() {
        *g *= scale;
    }
    g[target] -= T::one() / n_t;
    -(z[target] - max - sum_exp.ln())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// A column-major view (the fallback path) gives the same bits as a row-major one.
    #[test]
    fn layout_does_not_change_the_result() {
        let logits: Array2<f64> = array![[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]];
        let t = logits.t().as_standard_layout().into_owned(); // [3, 2], row-major
        let targets = [2, 1];
        let mut grad = Array2::zeros((2, 3));
        let loss = softmax_cross_entropy_into(logits.view(), &targets, grad.view_mut());
        let mut grad_cm = Array2::zeros((2, 3));
        let loss_cm = softmax_cross_entropy_into(t.t(), &targets, grad_cm.view_mut());
        assert!(t.t().as_slice().is_none(), "the view is not row-major");
        assert_eq!(loss.to_bits(), loss_cm.to_bits());
        assert_eq!(grad, grad_cm);
        // And the values are right: softmax minus one-hot, over n = 2.
        let row0: f64 = logits.row(0).iter().map(|v| v.exp()).sum();
        assert!((grad[[0, 2]] - ((0.5f64).exp() / row0 - 1.0) / 2.0).abs() < 1e-15);
    }
}
