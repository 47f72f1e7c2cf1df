//! What the twins found in burn: places where burn's result is further off than rounding
//! explains, each kept as a FAIL (never a wider bound), named here so that a run that meets one
//! says which, and each with a test that expects its FAIL (docs/findings.md, with each one's
//! reproduction). A fix upstream then shows up as that test failing, not as silence.

use ndarray::Array2;

use crate::config::{Activation, Backend, Optimizer, Precision};
use crate::params::Params;

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
    /// Whether every run it applies to fails on it; if not, only runs that reach some
    /// parameters do (the others pass).
    pub always: bool,
    /// Whether it explains what was seen in a setting it applies to: a bigger disagreement is
    /// another mistake, not this finding.
    pub explains: fn(&Setting, &Seen) -> bool,
}

/// A disagreement as a finding's explanation sees it.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    /// Its size, in units of the run's rounding bound, and the gate's limit.
    pub err_bound: f64,
    pub limit: f64,
    /// The step it was in, when it was in the loss or a gradient.
    pub step: Option<Step<'a>>,
}

/// A step at burn's point: its parameters before the step, the batch as the twins see it, and
/// the hand-written twin's loss and gradients there beside burn's.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    pub params: &'a Params,
    pub batch: (&'a Array2<f64>, &'a [usize]),
    pub ours: (f64, &'a Params),
    pub theirs: (f64, &'a Params),
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
        always: true,
        // The values are not approximations of anything: any disagreement, NaN included.
        explains: |_, _| true,
    },
    Finding {
        id: "ndarray-sigmoid-f32",
        what: "burn-ndarray computes the sigmoid in f32 in an f64 run (burn-backend's default \
               `sigmoid` casts its input to f32 and back), so every hidden output is off by \
               f32's rounding, and is 0 below z = −88.72 where exp(−z) overflows f32; SiLU, \
               z·σ(z) in burn, with it",
        applies: |s| {
            matches!(s.activation, Activation::Sigmoid | Activation::Silu)
                && s.precision == Precision::F64
                && s.backend == Backend::Ndarray
        },
        always: true,
        // Of an f32 evaluation's size: within the limit in units of f32's rounding bound, or,
        // the step judged again, against f32's bound with its range (below z = −88.72 the f32
        // sigmoid is 0, a whole value lost).
        explains: |s, seen| {
            seen.err_bound * (f64::EPSILON / f32::EPSILON as f64) <= seen.limit
                || seen
                    .step
                    .is_some_and(|step| f32_err_bound(s.activation, step) <= seen.limit)
        },
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
        always: true,
        // Of the approximation's size: relative to the scale, no more than the largest gap
        // between the two derivatives, times the limit.
        explains: |s, seen| {
            seen.err_bound * crate::exact::unit_roundoff(s.precision)
                <= seen.limit * GELU_TANH_DERIVATIVE_GAP
        },
    },
    Finding {
        id: "wgsl-builtins",
        what: "burn's wgpu backend computes exp, log and tanh (and through them the softmax, \
               the sigmoid and SiLU) with WGSL's builtins, which WGSL defines only to `3 + 2·|x|` \
               ulp (exp), 3 ulp or 2⁻²¹ absolute (log) and what (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) rounds to \
               (tanh: near 0 an absolute error, not a relative one). lavapipe's f32 exp is 3.4 \
               ulps off on [−1, 1] and 17 on [−20, −1] and returns 0 where the result would be \
               subnormal (x < −87.3); its tanh is 804 ulps off at 1.05e-3",
        applies: |s| s.precision == Precision::F32 && s.backend == Backend::Wgpu,
        always: false,
        // Of WGSL's size: the step judged again against the bound of an evaluation whose exp,
        // log and tanh are only as accurate as WGSL defines them.
        explains: |s, seen| {
            seen.step
                .is_some_and(|step| wgsl_err_bound(s.activation, step) <= seen.limit)
        },
    },
];

/// The known finding a run in `setting` meets, if any (the first listed, where several apply:
/// wgpu's f64 before the others, since it breaks every f64 run there).
pub fn known(setting: &Setting) -> Option<&'static Finding> {
    FINDINGS.iter().find(|f| (f.applies)(setting))
}

/// The known finding that explains what was seen in `setting`: every one that applies is
/// asked, not only the first.
pub fn explaining(setting: &Setting, seen: &Seen) -> Option<&'static Finding> {
    first_explaining(FINDINGS, setting, seen)
}

/// The first of `findings` that applies to `setting` and explains `seen`.
fn first_explaining<'f>(
    findings: &'f [Finding],
    setting: &Setting,
    seen: &Seen,
) -> Option<&'f Finding> {
    findings
        .iter()
        .find(|f| (f.applies)(setting) && (f.explains)(setting, seen))
}

/// The step's loss and gradients judged against the bound of an f32 evaluation whose `exp`,
/// `log` and `tanh` are WGSL's (agreement/rounded.rs, agreement/loss.rs).
fn wgsl_err_bound(activation: Activation, step: Step) -> f64 {
    let scales = crate::agreement::gradient_scales_with(
        step.params,
        step.batch,
        (activation, Precision::F32),
        (crate::agreement::Library::Wgsl, false),
    );
    crate::agreement::judge_grads(
        (step.ours.0, step.ours.1),
        (step.theirs.0, step.theirs.1),
        &scales,
        Precision::F32,
    )
    .0
}

/// The step's loss and gradients judged against the bound of an evaluation in f32
/// (agreement/rounded.rs: f32's rounding, and the whole value where `exp(−z)` overflows f32 and
/// a sigmoid may return 0), measured as the gate measures: what a sigmoid computed in f32 may be
/// off by, carried through the rest of the net by the same chain rule. f64's smallest normal
/// number stays the floor: only the sigmoid runs in f32.
fn f32_err_bound(activation: Activation, step: Step) -> f64 {
    let mut scales =
        crate::agreement::gradient_scales(step.params, step.batch, activation, Precision::F32);
    // In units of f32's rounding bound: the scales made f64-sized for the judge.
    let ratio =
        crate::exact::unit_roundoff(Precision::F32) / crate::exact::unit_roundoff(Precision::F64);
    scales.loss *= ratio;
    for l in &mut scales.grads.layers {
        l.weight.mapv_inplace(|v| v * ratio);
        l.bias.mapv_inplace(|v| v * ratio);
    }
    crate::agreement::judge_grads(
        (step.ours.0, step.ours.1),
        (step.theirs.0, step.theirs.1),
        &scales,
        Precision::F64,
    )
    .0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applies(_: &Setting) -> bool {
        true
    }

    #[test]
    fn explaining_asks_every_finding_that_applies_not_only_the_first() {
        let setting = Setting {
            activation: Activation::Silu,
            optimizer: Optimizer::default(),
            precision: Precision::F64,
            backend: Backend::Ndarray,
        };
        let list = [
            Finding {
                id: "applies-explains-nothing",
                what: "",
                applies,
                always: true,
                explains: |_, _| false,
            },
            Finding {
                id: "applies-explains-small",
                what: "",
                applies,
                always: true,
                explains: |_, seen| seen.err_bound <= 10.0,
            },
        ];
        let seen = |err_bound| Seen {
            err_bound,
            limit: 4.0,
            step: None,
        };
        let found = first_explaining(&list, &setting, &seen(5.0)).map(|f| f.id);
        assert_eq!(found, Some("applies-explains-small"));
        assert!(first_explaining(&list, &setting, &seen(50.0)).is_none());
        assert!(first_explaining(&list[..1], &setting, &seen(5.0)).is_none());
    }
}
