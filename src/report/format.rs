//! How the report writes numbers and a run's shape in its tables.

use super::Summary;

pub fn num(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else if v == 0.0 {
        "0".to_owned()
    } else if v.abs() >= 1e4 || v.abs() < 1e-3 {
        format!("{v:.2e}")
    } else {
        format!("{v:.4}")
    }
}

pub fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1}%", 100.0 * v)
    } else {
        "n/a".to_owned()
    }
}

pub fn sci(v: f64) -> String {
    if v == 0.0 {
        "0".to_owned()
    } else if v.is_finite() {
        format!("{v:.1e}")
    } else {
        num(v)
    }
}

/// Hidden widths, e.g. `[64, 64, 64]`.
pub fn hidden(s: &Summary) -> String {
    let h = s
        .sizes
        .get(1..s.sizes.len().saturating_sub(1))
        .unwrap_or(&[]);
    format!("{h:?}")
}

/// The burn twin's backend, or `n/a` for summaries written before it was recorded.
pub fn backend(s: &Summary) -> &str {
    s.backend.as_deref().unwrap_or("n/a")
}
