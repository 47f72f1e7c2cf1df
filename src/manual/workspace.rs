//! The buffers a training step works in, owned by the network and reused from step to step, so
//! that a step allocates nothing of its own (`gemm` may, inside a product: `src/matmul.rs`).
//!
//! For layer `i` (from 0): `outputs[i]` is its output `[rows, c_out]` (after the activation for
//! hidden layers, the logits for the last), `pre[i]` a hidden layer's pre-activation `z` (what
//! the activation reads), and `grads[i]` is ∂L/∂z of that layer (∂L/∂logits for the last). The
//! batch itself is the first layer's input and is read where the caller keeps it.
//!
//! Buffers hold `capacity` rows; a batch of `n ≤ capacity` rows uses the first `n` (a contiguous
//! block, the arrays being row-major). A larger batch grows them once: the only allocation,
//! on the first step (or the first full-data pass for `loss` and `predict`).

use ndarray::{Array2, ArrayView2, ArrayViewMut2, s};

use super::Scalar;

#[derive(Debug, Clone, Default)]
pub struct Workspace<T: Scalar> {
    capacity: usize,
    pub outputs: Vec<Array2<T>>,
    pub pre: Vec<Array2<T>>,
    pub grads: Vec<Array2<T>>,
}

impl<T: Scalar> Workspace<T> {
    /// Makes room for `rows` rows for layers with output widths `widths`.
    pub fn reserve(&mut self, rows: usize, widths: impl Iterator<Item = usize> + Clone) {
        if rows <= self.capacity && self.outputs.len() == widths.clone().count() {
            return;
        }
        self.capacity = rows.max(self.capacity);
        self.outputs = widths
            .clone()
            .map(|c| Array2::zeros((self.capacity, c)))
            .collect();
        let hidden = self.outputs.len().saturating_sub(1);
        self.pre = widths
            .clone()
            .take(hidden)
            .map(|c| Array2::zeros((self.capacity, c)))
            .collect();
        self.grads = widths.map(|c| Array2::zeros((self.capacity, c))).collect();
    }
}

/// The first `n` rows of a buffer. (A full batch takes the whole buffer: no slicing, which
/// costs ndarray more than one would think, ~7% of a [16,16]/32 step.)
pub fn rows<T: Scalar>(a: &Array2<T>, n: usize) -> ArrayView2<'_, T> {
    if n == a.nrows() {
        a.view()
    } else {
        a.slice(s![..n, ..])
    }
}

/// The first `n` rows of a buffer, writable.
pub fn rows_mut<T: Scalar>(a: &mut Array2<T>, n: usize) -> ArrayViewMut2<'_, T> {
    if n == a.nrows() {
        a.view_mut()
    } else {
        a.slice_mut(s![..n, ..])
    }
}
