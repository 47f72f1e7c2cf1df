//! One tensor's verdict: what the judge decides and the mistake namer reads.

use super::reference::Kind;
use crate::config::Precision;

/// One tensor's verdict.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub name: String,
    pub kind: Kind,
    /// The shape the answer holds.
    pub shape: Vec<usize>,
    pub judged_in: Precision,
    /// None when the shape is wrong (nothing to compare).
    pub err_bound: Option<f64>,
    pub agrees: bool,
    pub mistake: Option<String>,
}
