//! What every optimizer step's bound shares (sgd.rs, adam.rs): one entry's inputs, coupled
//! weight decay, and the final `θ' = θ − d·λ`.

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
