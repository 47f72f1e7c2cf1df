//! The bound through the sigmoid (beside manual/sigmoid.rs).
//!
//! - Evaluation of `1 / (1 + exp(−z))`: `exp` faithfully rounded (`2u` relative, and its effect
//!   on the quotient is at most that), the sum (`u`) and the quotient (`u`): `c = 4`.
//! - Derivative from the output, `d = h·(1 − h)`: the difference rounds (`|h|·|1 − h|`) and
//!   the product rounds (`|d|`), and the error in `h` carries through `|∂d/∂h| = |1 − 2h|`:
//!   `S_d = |1 − 2h|·S_h + 2·|h·(1 − h)|`.

use super::smooth::SmoothActivation;

pub struct Sigmoid;

impl SmoothActivation for Sigmoid {
    fn evaluation(&self) -> f64 {
        4.0
    }
    fn derivative_scale(&self, h: f64, s_h: f64) -> f64 {
        (1.0 - 2.0 * h).abs() * s_h + 2.0 * (h * (1.0 - h)).abs()
    }
}
