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
    /// against `limit`: a bigger one is another mistake, not this finding.
    pub explains: fn(f64, f64) -> bool,
}

pub const FINDINGS: &[Finding] = &[Finding {
    id: "ndarray-sigmoid-f32",
    what: "burn-ndarray computes the sigmoid in f32 in an f64 run (burn-backend's default \
           `sigmoid` casts its input to f32 and back), so every hidden output is off by f32's \
           rounding",
    applies: |s| {
        s.activation == Activation::Sigmoid
            && s.precision == Precision::F64
            && s.backend == Backend::Ndarray
    },
    // Of f32's size: within the limit in units of f32's rounding bound.
    explains: |err_bound, limit| err_bound * (f64::EPSILON / f32::EPSILON as f64) <= limit,
}];

/// The known finding a run in `setting` meets, if any.
pub fn known(setting: &Setting) -> Option<&'static Finding> {
    FINDINGS.iter().find(|f| (f.applies)(setting))
}

/// The known finding that explains a disagreement of `err_bound` against `limit` in `setting`.
pub fn explaining(setting: &Setting, err_bound: f64, limit: f64) -> Option<&'static Finding> {
    known(setting).filter(|f| (f.explains)(err_bound, limit))
}
