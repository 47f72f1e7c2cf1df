//! Deliberately broken backward passes, for the mutation tests (`src/mutation_tests.rs`): each
//! is a classic hand-written backprop mistake, and the gate must catch every one.
//!
//! Only `cargo test`'s unit-test build can switch one on: everywhere else [`active`] is the
//! constant `None`, so the compiler removes every hook from the release binary.

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
    /// The momentum buffer set on the first step and never updated after.
    MomentumNeverUpdated,
    /// Nesterov's look-ahead `v·μ + g` left out (the plain momentum direction `v`).
    NesterovMissing,
    /// Adam and AdamW without the bias corrections `1 − βᵗ`.
    AdamWithoutBiasCorrection,
    /// `√(v + ε)` instead of `√v + ε`.
    EpsilonInsideSqrt,
    /// AdamW's decay coupled into the gradient (Adam with L2) instead of decoupled.
    AdamWDecayCoupled,
    /// Weight decay subtracted from the gradient instead of added.
    WeightDecayWrongSign,
}

#[cfg(test)]
thread_local! {
    static ACTIVE: std::cell::Cell<Option<Mutant>> = const { std::cell::Cell::new(None) };
}

/// The mutant switched on for this thread, if any.
#[cfg(test)]
pub fn active() -> Option<Mutant> {
    ACTIVE.with(|a| a.get())
}

/// Never one outside the unit-test build.
#[cfg(not(test))]
#[inline(always)]
pub fn active() -> Option<Mutant> {
    None
}

/// Runs `f` with `mutant` switched on in this thread.
#[cfg(test)]
pub fn with<R>(mutant: Mutant, f: impl FnOnce() -> R) -> R {
    struct Off;
    impl Drop for Off {
        fn drop(&mut self) {
            ACTIVE.with(|a| a.set(None));
        }
    }
    ACTIVE.with(|a| a.set(Some(mutant)));
    let _off = Off;
    f()
}
