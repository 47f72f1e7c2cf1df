//! What the twins found in burn: places where burn's result is further off than rounding
//! explains, each kept as a FAIL (never a wider bound), named here so that a run that meets one
//! says which, and each with a test that expects its FAIL (docs/findings.md, with each one's
//! reproduction). A fix upstream then shows up as that test failing, not as silence.

use crate::config::{Activation, Backend, Optimizer, Precision};

/// What decides whether a run meets a finding.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub activation: Activation,
    pub optimizer: Optimizer,
    pub precision: Precision,
    pub backend: Backend,
}

/// One known difference in burn.
#[derive(Debug, Clone, Copy)]
pub struct Finding {
    /// A short stable name (sweep.csv, messages).
    pub id: &'static str,
    /// What burn does.
    pub what: &'static str,
    /// Whether a run in this setting meets it.
    pub applies: fn(&Setting) -> bool,
    /// Whether it explains a disagreement of `err_bound` (in units of the run's rounding bound)
    /// against `limit` in a setting it applies to: a bigger one is another mistake, not this
    /// finding.
    pub explains: fn(&Setting, f64, f64) -> bool,
}

/// The largest gap between the derivative of GELU's tanh approximation, as burn-backend's
/// default `gelu_backward` writes it (6-digit constants), and GELU′ = Φ(z) + z·φ(z): at
/// |z| ≈ 2.02 (docs/findings.md; tests/findings.rs measures it).
pub const GELU_TANH_DERIVATIVE_GAP: f64 = 8.7e-4;

pub const FINDINGS: &[Finding] = &[
    Finding {
        id: "wgpu-f64",
        what: "burn's wgpu backend gets exp, log and tanh of f64 values wrong, silently (exp(−2.5) \
               is 7e-315, log(x) is −88.03 for every x): cubecl writes them as WGSL's exp, log, tanh \
               on f64, naga translates those to GLSL.std.450 instructions that SPIR-V defines for \
               16- and 32-bit floats only, and the Vulkan driver (lavapipe) runs the invalid shader; \
               + − × ÷ √, sums and products are right. The softmax cross-entropy is then wrong at the \
               first step",
        applies: |s| s.backend == Backend::Wgpu && s.precision == Precision::F64,
        // The values are not approximations of anything: any disagreement, NaN included.
        explains: |_, _, _| true,
    },
    Finding {
        id: "ndarray-sigmoid-f32",
        what: "burn-ndarray computes the sigmoid in f32 in an f64 run (burn-backend's default \
               `sigmoid` casts its input to f32 and back), so every hidden output is off by \
               f32's rounding; SiLU, z·σ(z) in burn, with it",
        applies: |s| {
            matches!(s.activation, Activation::Sigmoid | Activation::Silu)
                && s.precision == Precision::F64
                && s.backend == Backend::Ndarray
        },
        // Of f32's size: within the limit in units of f32's rounding bound.
        explains: |_, err_bound, limit| err_bound * (f64::EPSILON / f32::EPSILON as f64) <= limit,
    },
    Finding {
        id: "gelu-backward-tanh",
        what: "burn-ndarray and burn's GPU backends (wgpu, cuda: burn-cubecl) differentiate GELU \
               with the derivative of its tanh approximation (burn-backend's default \
               `gelu_backward`, constants to 6 digits; burn-flex overrides it) while their \
               forward is the exact z·Φ(z): GELU′ is off by up to 8.7e-4, in f32 and f64",
        applies: |s| {
            s.activation == Activation::Gelu
                && matches!(s.backend, Backend::Ndarray | Backend::Wgpu | Backend::Cuda)
        },
        // Of the approximation's size: relative to the scale, no more than the largest gap
        // between the two derivatives, times the limit.
        explains: |s, err_bound, limit| {
            err_bound * crate::exact::unit_roundoff(s.precision) <= limit * GELU_TANH_DERIVATIVE_GAP
        },
    },
];

/// The known finding a run in `setting` meets, if any (the first listed, where several apply:
/// wgpu's f64 before the others, since it breaks every f64 run there).
pub fn known(setting: &Setting) -> Option<&'static Finding> {
    FINDINGS.iter().find(|f| (f.applies)(setting))
}

/// The known finding that explains a disagreement of `err_bound` against `limit` in `setting`.
pub fn explaining(setting: &Setting, err_bound: f64, limit: f64) -> Option<&'static Finding> {
    FINDINGS
        .iter()
        .find(|f| (f.applies)(setting) && (f.explains)(setting, err_bound, limit))
}
