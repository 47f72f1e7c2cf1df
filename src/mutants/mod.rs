//! Deliberately broken copies of the hand-written twin's kernels, for the mutation tests
//! (`src/mutation_tests.rs`): each is a classic hand-written backprop mistake, and the gate must
//! catch every one. Compiled for the unit tests only.
//!
//! The twin itself (`src/manual/`) knows nothing of them. The hand-written twin's adapter
//! (`src/twins.rs`) asks [`gradient::loss_and_backward`] and [`optimizer::step`] first: with a
//! mistake switched on in this thread ([`with`]), they take the step through the broken kernel;
//! with none, or one of the other half, they leave it to the twin.

pub mod gradient;
pub mod optimizer;

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// One mistake in the hand-written twin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mutant {
    /// `∂L/∂z = softmax − onehot`, without the mean's `1/n`.
    MissingMean,
    /// `∂L/∂x = g·W` instead of `g·Wᵀ` (on square layers, where the shapes allow it).
    NotTransposed,
    /// The bias gradient summed along each row of `g` instead of down its columns.
    BiasWrongAxis,
    /// The ReLU mask of another hidden layer of the same width.
    WrongReluMask,
    /// `∂L/∂z = softmax / n`, without the onehot.
    NoOnehot,
    /// The backward pass reads the activations cached by the previous forward pass.
    StaleCache,
    /// The SGD step applies the gradient of the step before.
    StaleGradientStep,
    /// One layer's gradient (weight and bias) times `1 + eps`.
    Scaled { layer: usize, eps: f64 },
    /// tanh′ as `1 − tanh`, the square forgotten.
    TanhWithoutSquare,
    /// σ′ as `σ`, not `σ(1 − σ)`.
    SigmoidDerivativeAsSigma,
    /// The leaky ReLU's slope applied above 0 instead of below.
    LeakySlopeWrongSide,
    /// GELU′ as `Φ(z)`, the product rule's `z·φ(z)` forgotten.
    GeluDerivativeAsCdf,
    /// GELU′ as the derivative of the tanh approximation (what burn-ndarray computes:
    /// docs/findings.md), for the exact GELU's forward.
    GeluTanhApproximation,
    /// SiLU′ as `σ(z)`, the product rule's `z·σ′(z)` forgotten.
    SiluDerivativeAsSigma,
    /// The momentum buffer set on the first step and never updated after.
    MomentumNeverUpdated,
    /// Nesterov's look-ahead `v·μ + g` left out (the plain momentum direction `v`).
    NesterovMissing,
    /// Adam, AdamW and Adan without the bias corrections `1 − βᵗ`.
    AdamWithoutBiasCorrection,
    /// `√(v + ε)` instead of `√v + ε` (Adam, AdamW, RMSprop).
    EpsilonInsideSqrt,
    /// AdamW's decay coupled into the gradient (Adam with L2) instead of decoupled.
    AdamWDecayCoupled,
    /// Weight decay subtracted from the gradient instead of added.
    WeightDecayWrongSign,
    /// AdaGrad at the undecayed rate `λ`, its `lr_decay` ignored.
    AdaGradWithoutLrDecay,
    /// AdaGrad's sum of squares restarted every step (`s = g²`, the history forgotten).
    AdaGradSumForgotten,
    /// Centered RMSprop dividing by `√a + ε`, the gradients' average kept but its square not
    /// subtracted.
    RmsPropCenteredWithoutMean,
    /// Adan's previous gradient taken as 0 on the first step, so its first difference is `g`
    /// (the buffers started from zeros as the other moments), not 0.
    AdanFirstDifference,
}

impl Mutant {
    /// Every mutant (one `Scaled` standing for all).
    pub const ALL: [Mutant; 24] = [
        Mutant::MissingMean,
        Mutant::NotTransposed,
        Mutant::BiasWrongAxis,
        Mutant::WrongReluMask,
        Mutant::NoOnehot,
        Mutant::StaleCache,
        Mutant::StaleGradientStep,
        Mutant::Scaled { layer: 0, eps: 0.0 },
        Mutant::TanhWithoutSquare,
        Mutant::SigmoidDerivativeAsSigma,
        Mutant::LeakySlopeWrongSide,
        Mutant::GeluDerivativeAsCdf,
        Mutant::GeluTanhApproximation,
        Mutant::SiluDerivativeAsSigma,
        Mutant::MomentumNeverUpdated,
        Mutant::NesterovMissing,
        Mutant::AdamWithoutBiasCorrection,
        Mutant::EpsilonInsideSqrt,
        Mutant::AdamWDecayCoupled,
        Mutant::WeightDecayWrongSign,
        Mutant::AdaGradWithoutLrDecay,
        Mutant::AdaGradSumForgotten,
        Mutant::RmsPropCenteredWithoutMean,
        Mutant::AdanFirstDifference,
    ];

    /// The mistake it plants, by its slug in the catalogue (src/mistakes.rs).
    pub fn slug(self) -> &'static str {
        match self {
            Mutant::MissingMean => "sum",
            Mutant::NotTransposed => "not-transposed",
            Mutant::BiasWrongAxis => "bias-wrong-axis",
            Mutant::WrongReluMask => "wrong-relu-mask",
            Mutant::NoOnehot => "no-onehot",
            Mutant::StaleCache => "stale-cache",
            Mutant::StaleGradientStep => "stale-gradient-step",
            Mutant::Scaled { .. } => "scaled",
            Mutant::TanhWithoutSquare => "tanh-no-square",
            Mutant::SigmoidDerivativeAsSigma => "sigmoid-prime-as-sigma",
            Mutant::LeakySlopeWrongSide => "leaky-slope-side",
            Mutant::GeluDerivativeAsCdf => "gelu-prime-as-cdf",
            Mutant::GeluTanhApproximation => "gelu-tanh-derivative",
            Mutant::SiluDerivativeAsSigma => "silu-prime-as-sigma",
            Mutant::MomentumNeverUpdated => "momentum-never-updated",
            Mutant::NesterovMissing => "nesterov-missing",
            Mutant::AdamWithoutBiasCorrection => "adam-no-bias-correction",
            Mutant::EpsilonInsideSqrt => "eps-inside-sqrt",
            Mutant::AdamWDecayCoupled => "coupled-decay",
            Mutant::WeightDecayWrongSign => "weight-decay-sign",
            Mutant::AdaGradWithoutLrDecay => "no-lr-decay",
            Mutant::AdaGradSumForgotten => "adagrad-sum-forgotten",
            Mutant::RmsPropCenteredWithoutMean => "uncentered",
            Mutant::AdanFirstDifference => "adan-first-difference",
        }
    }

    /// A mistake of the optimizer's step; the others are the gradient's.
    fn in_optimizer(self) -> bool {
        matches!(
            self,
            Mutant::StaleGradientStep
                | Mutant::MomentumNeverUpdated
                | Mutant::NesterovMissing
                | Mutant::AdamWithoutBiasCorrection
                | Mutant::EpsilonInsideSqrt
                | Mutant::AdamWDecayCoupled
                | Mutant::WeightDecayWrongSign
                | Mutant::AdaGradWithoutLrDecay
                | Mutant::AdaGradSumForgotten
                | Mutant::RmsPropCenteredWithoutMean
                | Mutant::AdanFirstDifference
        )
    }
}

thread_local! {
    static ACTIVE: Cell<Option<Mutant>> = const { Cell::new(None) };
    /// What a mistake keeps from one step to the next, per net (see [`remembered`]).
    static MEMORY: RefCell<HashMap<usize, Box<dyn Any>>> = RefCell::new(HashMap::new());
}

/// The mutant switched on in this thread, if any.
fn active() -> Option<Mutant> {
    ACTIVE.with(|a| a.get())
}

/// Runs `f` with `mutant` switched on in this thread (and nothing remembered from before).
pub fn with<R>(mutant: Mutant, f: impl FnOnce() -> R) -> R {
    struct Off;
    impl Drop for Off {
        fn drop(&mut self) {
            ACTIVE.with(|a| a.set(None));
            MEMORY.with(|m| m.borrow_mut().clear());
        }
    }
    MEMORY.with(|m| m.borrow_mut().clear());
    ACTIVE.with(|a| a.set(Some(mutant)));
    let _off = Off;
    f()
}

/// Swaps `value` with what was remembered for the net `key` (the default the first time), and
/// returns the old value. A run's nets live in boxes for the whole run, so where a net's
/// layers are stored names it.
fn remembered<V: Default + 'static>(key: usize, value: V) -> V {
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        let slot = m
            .entry(key)
            .or_insert_with(|| Box::new(V::default()))
            .downcast_mut::<V>()
            .expect("one kind of memory per net");
        std::mem::replace(slot, value)
    })
}
