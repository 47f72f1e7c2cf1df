//! The bound of a linear layer `z = h·W + b` (beside manual/linear.rs): the forward scale of `z`,
//! and the backward scales of `dW`, `db` and the gradient passed down (the values are exact/'s).
//!
//! Shapes: `h` [n, c_in], `W` [c_in, c_out], `b` [c_out], `z` and `G` [n, c_out].

use ndarray::{Array2, ArrayView2, Axis, Zip};

use crate::matmul::product_new as mm;
use crate::params::LayerParams;

/// `S_z = S_h·|W| + √(c_in+1)·(|h|·|W| + |b|)`: the error carried in, then the product's own
/// rounding (a sum of `c_in + 1` terms of mixed sign).
pub fn forward(
    h: &Array2<f64>,
    s_h: &Array2<f64>,
    layer: &LayerParams,
    w_abs: &Array2<f64>,
) -> Array2<f64> {
    let root_k = ((layer.weight.nrows() + 1) as f64).sqrt();
    // S_h·|W| + √k·(|h|·|W| + |b|), as one product.
    let mut carried = s_h.clone();
    Zip::from(&mut carried)
        .and(h)
        .for_each(|c, &v| *c += root_k * v.abs());
    let mut s_z = mm(carried.view(), w_abs.view());
    s_z += &layer.bias.mapv(|b| root_k * b.abs());
    s_z
}

/// The scales of `dW = hᵀ·G` and `db = Σ_rows G`: `S_dW = S_hᵀ·|G| + |h|ᵀ·(S_G + √n·|G|)`,
/// `S_db = Σ_rows (S_G + √n·|G|)` (sums over the batch of `n` rows).
pub fn backward_params(
    h_abs: ArrayView2<f64>,
    s_h: &Array2<f64>,
    g_abs: &Array2<f64>,
    s_g: &Array2<f64>,
) -> LayerParams {
    let root_n = (g_abs.nrows() as f64).sqrt();
    // S_G + √n·|G|, the scale of the terms summed over the batch.
    let mut t = s_g.clone();
    Zip::from(&mut t)
        .and(g_abs)
        .for_each(|t, &ga| *t += root_n * ga);
    let mut s_dw = mm(s_h.t(), g_abs.view());
    s_dw += &mm(h_abs.t(), t.view());
    LayerParams {
        weight: s_dw,
        bias: t.sum_axis(Axis(0)),
    }
}

/// The scale of the gradient passed down, `G·Wᵀ`: `(S_G + √c_out·|G|)·|W|ᵀ`.
pub fn backward_input(
    g_abs: &Array2<f64>,
    s_g: &Array2<f64>,
    layer: &LayerParams,
    w_abs: &Array2<f64>,
) -> Array2<f64> {
    let root_c = (layer.weight.ncols() as f64).sqrt();
    let mut t = s_g.clone();
    Zip::from(&mut t)
        .and(g_abs)
        .for_each(|t, &ga| *t += root_c * ga);
    mm(t.view(), w_abs.t())
}
