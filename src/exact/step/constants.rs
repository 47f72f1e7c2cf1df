//! An optimizer step's constants under either [`Convention`] (mod.rs' docs): burn's f32
//! hyperparameters and host arithmetic, or exact ones, and how far holding each in an
//! implementation's precision may move it ([`conditions`]).

use super::mistake::Mistake;
use crate::config::{Optimizer, Precision};
use crate::exact::round_to;

/// Where a step's constants come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// burn's: f32 hyperparameters and f32 host arithmetic for Adam's factors.
    Burn,
    /// Every constant exact (held in f64 or in the problem's precision).
    Exact,
}

impl Convention {
    pub const ALL: [Convention; 2] = [Convention::Burn, Convention::Exact];

    /// What an answer that matches this convention did, for the report.
    pub fn text(self) -> &'static str {
        match self {
            Convention::Burn => "burn's f32 constants",
            Convention::Exact => "exact constants (f64, as PyTorch and numpy hold them)",
        }
    }
}

/// `b^t` in f32 by binary exponentiation, as Rust's `f32::powi` (compiler-rt's `__powisf2`)
/// computes it in burn.
pub fn powi_f32(b: f32, t: usize) -> f32 {
    let (mut r, mut a, mut n) = (1.0f32, b, t);
    loop {
        if n & 1 == 1 {
            r *= a;
        }
        n >>= 1;
        if n == 0 {
            return r;
        }
        a *= a;
    }
}

/// One step's constants.
#[derive(Debug, Clone, Copy)]
pub struct Constants {
    pub(super) lr: f64,
    /// SGD: `μ`, `1 − dampening`, Nesterov.
    pub(super) mu: f64,
    pub(super) keep: f64,
    pub(super) nesterov: bool,
    /// Coupled decay penalty, SGD and Adam.
    pub(super) penalty: f64,
    /// Adam/AdamW: `β₁`, `β₂`, `1 − β₁`, `1 − β₂`.
    pub(super) b1: f64,
    pub(super) b2: f64,
    pub(super) f1: f64,
    pub(super) f2: f64,
    /// Adam: `c = √(1 − β₂ᵗ)/(1 − β₁ᵗ)` and `ε·√(1 − β₂ᵗ)`.
    pub(super) c: f64,
    pub(super) eps_c2: f64,
    /// AdamW: `1 − β₁ᵗ`, `1 − β₂ᵗ`, `ε`, `λ·wd` and `1 − λ·wd`.
    pub(super) d1: f64,
    pub(super) d2: f64,
    pub(super) eps: f64,
    pub(super) decay_rate: f64,
    pub(super) decay_keep: f64,
    /// AdaGrad: the decayed rate `λ / (1 + (t − 1)·lr_decay)`.
    pub(super) lr_t: f64,
    /// RMSprop: `α`, `1 − α` (its `μ` is `mu`, its `ε` is `eps`).
    pub(super) alpha: f64,
    pub(super) f_alpha: f64,
    /// Adan: `β₃`, `1 − β₃`, `√(1 − β₃ᵗ)`, `1 + λ·wd`, and the decoupled decay in place of the
    /// proximal one (its `β₁`, `β₂`, `1 − β₁`, `1 − β₂`, `1 − β₁ᵗ`, `1 − β₂ᵗ`, `ε`, `λ·wd` and
    /// `1 − λ·wd` are Adam's and AdamW's fields).
    pub(super) b3: f64,
    pub(super) f3: f64,
    pub(super) c3: f64,
    pub(super) prox: f64,
    pub(super) no_prox: bool,
    /// Each held constant's relative error, in units of `u`, when an implementation computes it
    /// in its own precision ([`Constants::held_mut`]'s order).
    pub(super) kappa: [f64; HELD],
}

impl Constants {
    /// Constants that change nothing: no momentum, no decay, no moments, the rate `lr`.
    fn neutral(lr: f64) -> Constants {
        Constants {
            lr,
            mu: 0.0,
            keep: 1.0,
            nesterov: false,
            penalty: 0.0,
            b1: 0.0,
            b2: 0.0,
            f1: 0.0,
            f2: 0.0,
            c: 1.0,
            eps_c2: 0.0,
            d1: 1.0,
            d2: 1.0,
            eps: 0.0,
            decay_rate: 0.0,
            decay_keep: 1.0,
            lr_t: lr,
            alpha: 0.0,
            f_alpha: 0.0,
            b3: 0.0,
            f3: 0.0,
            c3: 1.0,
            prox: 1.0,
            no_prox: false,
            kappa: [0.0; HELD],
        }
    }

    /// The constants of step `t` (1-based) under `convention`, with `mistake` built in.
    pub fn new(
        optimizer: Optimizer,
        (lr, t): (f64, usize),
        (precision, convention): (Precision, Convention),
        mistake: Option<Mistake>,
    ) -> Constants {
        let mut k = Constants::neutral(lr);
        let burn = convention == Convention::Burn;
        // burn holds these in f32; exactly, they are what the settings say.
        let held = |v: f64| if burn { v as f32 as f64 } else { v };
        let rounded = |v: f64| if burn { round_to(v, precision) } else { v };
        match optimizer {
            Optimizer::Sgd(s) => {
                k.mu = held(s.momentum);
                k.keep = rounded(1.0 - s.dampening);
                k.nesterov = s.nesterov && mistake != Some(Mistake::NesterovMissing);
                k.penalty = held(s.weight_decay);
            }
            Optimizer::Adam(a) | Optimizer::AdamW(a) => {
                let corrected = mistake != Some(Mistake::NoBiasCorrection);
                let f = if burn {
                    adam_factors_f32(a.beta_1, a.beta_2, a.epsilon, t)
                } else {
                    adam_factors_exact(a.beta_1, a.beta_2, a.epsilon, t)
                };
                (k.b1, k.b2, k.f1, k.f2) = (f.b1, f.b2, f.f1, f.f2);
                let (d1, d2) = if corrected { (f.d1, f.d2) } else { (1.0, 1.0) };
                if let Optimizer::Adam(_) = optimizer {
                    let c2 = if burn {
                        (d2 as f32).sqrt() as f64
                    } else {
                        d2.sqrt()
                    };
                    k.c = if burn {
                        (c2 as f32 / d1 as f32) as f64
                    } else {
                        c2 / d1
                    };
                    k.eps_c2 = if burn {
                        (f.eps as f32 * c2 as f32) as f64
                    } else {
                        f.eps * c2
                    };
                    k.penalty = held(a.weight_decay);
                } else {
                    (k.d1, k.d2, k.eps) = (d1, d2, f.eps);
                    k.decay_rate = lr * held(a.weight_decay);
                    k.decay_keep = rounded(1.0 - k.decay_rate);
                }
            }
            Optimizer::AdaGrad(a) => {
                k.penalty = held(a.weight_decay);
                k.eps = held(a.epsilon);
                // burn: in f64, then in the tensors' precision where it multiplies.
                k.lr_t = rounded(lr / (1.0 + (t as f64 - 1.0) * a.lr_decay));
            }
            Optimizer::RmsProp(r) => {
                k.penalty = held(r.weight_decay);
                k.eps = held(r.epsilon);
                k.mu = held(r.momentum);
                k.alpha = held(r.alpha);
                // burn: `1. - alpha` in f32.
                k.f_alpha = if burn {
                    (1.0 - r.alpha as f32) as f64
                } else {
                    1.0 - r.alpha
                };
            }
            Optimizer::Adan(a) => {
                // burn: the betas, ε and every factor of them in f32 on the host.
                let factors = if burn {
                    adam_factors_f32
                } else {
                    adam_factors_exact
                };
                let f = factors(a.beta_1, a.beta_2, a.epsilon, t);
                let f3 = factors(a.beta_3, a.beta_3, a.epsilon, t);
                (k.b1, k.b2, k.f1, k.f2, k.d1, k.d2) = (f.b1, f.b2, f.f1, f.f2, f.d1, f.d2);
                (k.b3, k.f3, k.eps) = (f3.b1, f3.f1, f.eps);
                k.c3 = if burn {
                    (f3.d1 as f32).sqrt() as f64
                } else {
                    f3.d1.sqrt()
                };
                // burn: `λ·wd` in f64, `1 ∓ λ·wd` in the tensors' precision where it acts.
                k.decay_rate = lr * held(a.weight_decay);
                k.decay_keep = rounded(1.0 - k.decay_rate);
                k.prox = rounded(1.0 + k.decay_rate);
                k.no_prox = a.no_prox;
            }
        }
        k.kappa = conditions(optimizer, t, (k.decay_rate, mistake));
        k
    }

    /// The constants an implementation may hold in its own precision (the learning rate is the
    /// problem's, already in it).
    pub(super) fn held_mut(&mut self) -> [&mut f64; HELD] {
        [
            &mut self.mu,
            &mut self.keep,
            &mut self.penalty,
            &mut self.b1,
            &mut self.b2,
            &mut self.f1,
            &mut self.f2,
            &mut self.c,
            &mut self.eps_c2,
            &mut self.d1,
            &mut self.d2,
            &mut self.eps,
            &mut self.decay_rate,
            &mut self.decay_keep,
            &mut self.lr_t,
            &mut self.alpha,
            &mut self.f_alpha,
            &mut self.b3,
            &mut self.f3,
            &mut self.c3,
            &mut self.prox,
        ]
    }
}

/// How many constants [`Constants::held_mut`] lists.
pub(super) const HELD: usize = 21;

/// The relative error, in units of `u`, of each held constant computed in precision `u` from the
/// settings (each setting rounded once): a setting 1; `1 − x` from `x`, `|x|/|1 − x| + 1` (the
/// cancellation); `1 − βᵗ`, βᵗ off by `(t + 2⌈log₂(t + 1)⌉)·u` relative (β's own rounding
/// raised to t, and the products of a binary exponentiation or an ulp of `powf`), then the same
/// cancellation; a product or quotient the sum of its factors' and 1 for itself; a square root
/// half its argument's and 1.
fn conditions(
    optimizer: Optimizer,
    t: usize,
    (decay_rate, mistake): (f64, Option<Mistake>),
) -> [f64; HELD] {
    let minus = |x: f64, kx: f64| kx * x.abs() / (1.0 - x).abs() + 1.0;
    let bits = (usize::BITS - (t + 1).leading_zeros()) as f64;
    let power = |b: f64| {
        if mistake == Some(Mistake::NoBiasCorrection) {
            return 0.0;
        }
        minus(b.powi(t as i32), t as f64 + 2.0 * bits)
    };
    let mut k = [0.0; HELD];
    match optimizer {
        Optimizer::Sgd(s) => {
            // mu, keep, penalty
            k[0] = 1.0;
            k[1] = minus(s.dampening, 1.0);
            k[2] = 1.0;
        }
        Optimizer::Adam(a) | Optimizer::AdamW(a) => {
            let (d1, d2) = (power(a.beta_1), power(a.beta_2));
            // penalty, b1, b2, f1, f2, c, eps_c2, d1, d2, eps, decay_rate, decay_keep
            k[2] = 1.0;
            k[3] = 1.0;
            k[4] = 1.0;
            k[5] = minus(a.beta_1, 1.0);
            k[6] = minus(a.beta_2, 1.0);
            k[7] = d2 / 2.0 + 1.0 + d1 + 1.0;
            k[8] = 1.0 + d2 / 2.0 + 1.0 + 1.0;
            k[9] = d1;
            k[10] = d2;
            k[11] = 1.0;
            k[12] = 2.0;
            k[13] = minus(decay_rate, 2.0);
        }
        Optimizer::AdaGrad(a) => {
            // penalty, eps; λₜ = λ/(1 + x), x = (t − 1)·lr_decay off by 2u (the setting and
            // the product), the sum by 2x/(1 + x) + 1 units, the quotient one more.
            k[2] = 1.0;
            k[11] = 1.0;
            let x = (t as f64 - 1.0) * a.lr_decay;
            k[14] = if x == 0.0 {
                0.0
            } else {
                2.0 * x / (1.0 + x) + 2.0
            };
        }
        Optimizer::RmsProp(r) => {
            // mu, penalty, eps, alpha, 1 − alpha
            k[0] = 1.0;
            k[2] = 1.0;
            k[11] = 1.0;
            k[15] = 1.0;
            k[16] = minus(r.alpha, 1.0);
        }
        Optimizer::Adan(a) => {
            // b1, b2, f1, f2, d1, d2, eps, decay_rate, decay_keep; b3, f3, c3 (a square root:
            // half its argument's and 1), prox (`1 + x`, x off by 2u: 2x/(1 + x) + 1).
            let x = decay_rate;
            (k[3], k[4], k[11], k[12], k[17]) = (1.0, 1.0, 1.0, 2.0, 1.0);
            (k[5], k[6], k[18]) = (
                minus(a.beta_1, 1.0),
                minus(a.beta_2, 1.0),
                minus(a.beta_3, 1.0),
            );
            (k[9], k[10], k[19]) = (
                power(a.beta_1),
                power(a.beta_2),
                power(a.beta_3) / 2.0 + 1.0,
            );
            k[13] = minus(x, 2.0);
            k[20] = 2.0 * x / (1.0 + x) + 1.0;
        }
    }
    k
}

/// Adam's constants of step t: `β₁`, `β₂`, `ε`, `1 − β₁`, `1 − β₂`, `1 − β₁ᵗ`, `1 − β₂ᵗ`.
struct AdamFactors {
    b1: f64,
    b2: f64,
    eps: f64,
    f1: f64,
    f2: f64,
    d1: f64,
    d2: f64,
}

/// As burn computes them: in f32 on the host.
fn adam_factors_f32(beta_1: f64, beta_2: f64, epsilon: f64, t: usize) -> AdamFactors {
    let (b1, b2, eps) = (beta_1 as f32, beta_2 as f32, epsilon as f32);
    let w = |v: f32| v as f64;
    AdamFactors {
        b1: w(b1),
        b2: w(b2),
        eps: w(eps),
        f1: w(1.0 - b1),
        f2: w(1.0 - b2),
        d1: w(1.0 - powi_f32(b1, t)),
        d2: w(1.0 - powi_f32(b2, t)),
    }
}

/// Exactly (to f64's rounding: `1 − βᵗ` as `−expm1(t·ln β)`, without cancellation).
fn adam_factors_exact(beta_1: f64, beta_2: f64, epsilon: f64, t: usize) -> AdamFactors {
    let one_minus_pow = |b: f64| -((t as f64) * b.ln()).exp_m1();
    AdamFactors {
        b1: beta_1,
        b2: beta_2,
        eps: epsilon,
        f1: 1.0 - beta_1,
        f2: 1.0 - beta_2,
        d1: one_minus_pow(beta_1),
        d2: one_minus_pow(beta_2),
    }
}
