//! What every optimizer step's bound shares (sgd.rs, adam.rs, …): one entry's inputs, coupled
//! weight decay, the final `θ' = θ − d·λ`, and the adaptive steps' square root and quotient.

/// The inputs of one entry's step: `θ`, `g`, and the state buffers' values before the step
/// (empty on the first step).
pub struct Entry<'a> {
    pub theta: f64,
    pub grad: f64,
    pub before: &'a [f64],
}

/// Coupled weight decay `g' = θ·p + g` and its scale (`p = 0`: none).
pub fn decayed(theta: f64, grad: f64, p: f64) -> (f64, f64) {
    if p == 0.0 {
        return (grad, 0.0);
    }
    let t = theta * p;
    let g = t + grad;
    (g, t.abs() + g.abs())
}

/// The scale of `θ' = θ − d·λ` for a direction `d` of scale `s_d`.
pub fn stepped(theta: f64, d: f64, s_d: f64, lr: f64) -> f64 {
    let step = d * lr;
    s_d * lr + step.abs() + (theta - step).abs() + theta.abs()
}

/// `√x` and its scale, for `x ≥ 0` of scale `s_x`.
pub fn root(x: f64, s_x: f64, u: f64) -> (f64, f64) {
    let r = x.max(0.0).sqrt();
    let carried = if r > 0.0 {
        (s_x / (2.0 * r)).min((s_x / u).sqrt())
    } else {
        (s_x / u).sqrt()
    };
    (r, carried + r)
}

/// `num / (r + e)` (the denominator's sum rounds once) and its scale.
pub fn quotient((num, s_num): (f64, f64), (den, s_r): (f64, f64)) -> (f64, f64) {
    let s_den = s_r + den.abs();
    let d = num / den;
    (d, s_num / den + num.abs() * s_den / (den * den) + d.abs())
}
