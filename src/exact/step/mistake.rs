//! The classic mistakes in an optimizer's step, to name what wrong numbers fit.

use crate::config::{Optimizer, SettingValue, SgdSettings};

/// A classic mistake in the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mistake {
    /// Adam's moments used as they are: no `1/(1 − β₁ᵗ)`, `1/(1 − β₂ᵗ)`.
    NoBiasCorrection,
    /// `ε` inside the square root: `√(v̂ + ε)` where burn has `√v̂ + ε`.
    EpsInsideSqrt,
    /// SGD's step along `v` where Nesterov's is `v·μ + g`.
    NesterovMissing,
    /// Plain SGD `θ − λ·g` where another optimizer was asked.
    PlainSgd,
    /// SGD without its momentum (its weight decay kept).
    NoMomentum,
    /// Adam's coupled decay (`g + wd·θ`) where AdamW's decoupled `θ·(1 − λ·wd)` was asked.
    CoupledDecay,
    /// The weight decay left out.
    NoWeightDecay,
    /// AdaGrad at the undecayed rate `λ`, its `lr_decay` left out.
    NoLrDecay,
    /// Centered RMSprop dividing by `√a + ε`: the gradients' average kept, its square not
    /// subtracted.
    Uncentered,
}

impl Mistake {
    pub const ALL: [Mistake; 9] = [
        Mistake::NoBiasCorrection,
        Mistake::EpsInsideSqrt,
        Mistake::NesterovMissing,
        Mistake::PlainSgd,
        Mistake::NoMomentum,
        Mistake::CoupledDecay,
        Mistake::NoWeightDecay,
        Mistake::NoLrDecay,
        Mistake::Uncentered,
    ];

    /// Its slug in the catalogue (src/mistakes.rs).
    pub fn slug(self) -> &'static str {
        match self {
            Mistake::NoBiasCorrection => "adam-no-bias-correction",
            Mistake::EpsInsideSqrt => "eps-inside-sqrt",
            Mistake::NesterovMissing => "nesterov-missing",
            Mistake::PlainSgd => "plain-sgd",
            Mistake::NoMomentum => "no-momentum",
            Mistake::CoupledDecay => "coupled-decay",
            Mistake::NoWeightDecay => "no-weight-decay",
            Mistake::NoLrDecay => "no-lr-decay",
            Mistake::Uncentered => "uncentered",
        }
    }

    /// The mistakes worth trying for `optimizer`.
    pub fn for_optimizer(optimizer: Optimizer) -> Vec<Mistake> {
        let mut all = match optimizer {
            Optimizer::Adam(_) => vec![Mistake::NoBiasCorrection, Mistake::EpsInsideSqrt],
            Optimizer::AdamW(a) => {
                let mut v = vec![Mistake::NoBiasCorrection, Mistake::EpsInsideSqrt];
                if a.weight_decay != 0.0 {
                    v.push(Mistake::CoupledDecay);
                }
                v
            }
            Optimizer::Sgd(SgdSettings {
                momentum, nesterov, ..
            }) if momentum > 0.0 => {
                let mut v = vec![Mistake::NoMomentum];
                if nesterov {
                    v.insert(0, Mistake::NesterovMissing);
                }
                v
            }
            Optimizer::AdaGrad(a) if a.lr_decay > 0.0 => {
                vec![Mistake::NoLrDecay, Mistake::EpsInsideSqrt]
            }
            Optimizer::AdaGrad(_) => vec![Mistake::EpsInsideSqrt],
            Optimizer::RmsProp(r) => {
                let mut v = vec![Mistake::EpsInsideSqrt];
                if r.centered {
                    v.insert(0, Mistake::Uncentered);
                }
                if r.momentum > 0.0 {
                    v.push(Mistake::NoMomentum);
                }
                v
            }
            _ => Vec::new(),
        };
        if optimizer != Optimizer::default() {
            all.push(Mistake::PlainSgd);
        }
        if optimizer.weight_decay() != 0.0 {
            all.push(Mistake::NoWeightDecay);
        }
        all
    }

    /// The mistake's name, then what it is.
    pub fn text(self, asked: Optimizer) -> String {
        match self {
            Mistake::NoBiasCorrection => {
                "Adam without bias correction: the moments used as they are, not m/(1 − β₁ᵗ) and v/(1 − β₂ᵗ) with t = step + 1".to_owned()
            }
            Mistake::EpsInsideSqrt => {
                "ε inside the square root: √(v̂ + ε) where the step divides by √v̂ + ε (AdaGrad, RMSprop: the same with their sum or average)".to_owned()
            }
            Mistake::NesterovMissing => {
                "Nesterov missing: the step along the velocity v, not Nesterov's v·μ + g".to_owned()
            }
            Mistake::PlainSgd => format!(
                "plain SGD where another optimizer was asked: θ − λ·g, not {}'s step",
                asked.name()
            ),
            Mistake::NoMomentum => {
                "no momentum: the step along g, not along the velocity v = μ·v + (1 − dampening)·g (RMSprop: along g/(√a + ε), not its buffer b = μ·b + g/(√a + ε))".to_owned()
            }
            Mistake::CoupledDecay => {
                "Adam's coupled weight decay where AdamW was asked: wd·θ added to the gradient, not the decoupled θ·(1 − λ·wd)".to_owned()
            }
            Mistake::NoWeightDecay => "weight decay left out: the step as if weight_decay = 0".to_owned(),
            Mistake::NoLrDecay => {
                "AdaGrad without lr_decay: the rate λ, not λ/(1 + (t − 1)·lr_decay) with t = step + 1".to_owned()
            }
            Mistake::Uncentered => {
                "centered RMSprop without the mean's square: √a + ε, not √(a − m²) + ε with m the gradients' average".to_owned()
            }
        }
    }

    /// The optimizer this mistake steps with in place of `asked`.
    pub(super) fn optimizer(self, asked: Optimizer) -> Optimizer {
        match (self, asked) {
            (Mistake::PlainSgd, _) => Optimizer::default(),
            (Mistake::NoMomentum, Optimizer::Sgd(s)) => Optimizer::Sgd(SgdSettings {
                momentum: 0.0,
                dampening: 0.0,
                nesterov: false,
                ..s
            }),
            (Mistake::CoupledDecay, Optimizer::AdamW(a)) => Optimizer::Adam(a),
            (Mistake::NoLrDecay, o @ Optimizer::AdaGrad(_)) => {
                o.with("lr_decay", SettingValue::Number(0.0))
            }
            (Mistake::NoMomentum, o @ Optimizer::RmsProp(_)) => {
                o.with("momentum", SettingValue::Number(0.0))
            }
            (Mistake::NoWeightDecay, o) => o.with("weight_decay", SettingValue::Number(0.0)),
            _ => asked,
        }
    }
}
