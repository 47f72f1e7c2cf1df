//! The bound through tanh (beside manual/tanh.rs).
//!
//! - Evaluation: one elementary function, faithfully rounded: `c = 2` (below one ulp, `2u`).
//! - Derivative from the output, `d = 1 − h²`: the square and the difference round once each
//!   (`h² + |1 − h²|`), and the error in `h` carries through `|∂d/∂h| = 2|h|`:
//!   `S_d = 2|h|·S_h + h² + |1 − h²|`.

use super::smooth::SmoothActivation;

pub struct Tanh;

impl SmoothActivation for Tanh {
    fn evaluation(&self) -> f64 {
        2.0
    }
    fn derivative_scale(&self, h: f64, s_h: f64) -> f64 {
        2.0 * h.abs() * s_h + h * h + (1.0 - h * h).abs()
    }
}
