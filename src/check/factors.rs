//! The classic mistakes a gradient's numbers can fit (mistakes.rs names them): a constant factor
//! (the batch size, the sign, the learning rate), a transposed square weight, or a mistaken
//! backward (exact/ with the mistake built in).

use crate::agreement;
use crate::config::Precision;

/// A factor a classic mistake multiplies the right gradient by, and its name.
pub struct Factor {
    pub factor: f64,
    /// Its slug in the catalogue (src/mistakes.rs).
    pub slug: &'static str,
    /// The mistake's short name (`sum instead of mean`, `sign`, `learning-rate factor`).
    pub label: &'static str,
    pub what: String,
}

/// The factors of the classic mistakes for a gradient that is a mean over `rows` rows, in a
/// run with learning rate `learning_rate`; the first that fits names the mistake.
pub fn gradient_factors(rows: usize, learning_rate: f64) -> Vec<Factor> {
    let f = |factor: f64, what: String| {
        let (slug, label) = if factor == rows as f64 {
            ("sum", "sum instead of mean")
        } else if factor == 1.0 / rows as f64 {
            ("mean-count", "mean over the wrong count")
        } else if factor == -1.0 {
            ("sign", "sign")
        } else {
            ("lr-factor", "learning-rate factor")
        };
        Factor {
            factor,
            slug,
            label,
            what,
        }
    };
    vec![
        f(
            rows as f64,
            "off by the batch size: a sum over the rows where the loss takes their mean (divide by N)"
                .to_owned(),
        ),
        f(
            1.0 / rows as f64,
            "divided by the batch size once too often".to_owned(),
        ),
        f(
            -1.0,
            "the sign is flipped: this is −∂L/∂θ, the descent direction".to_owned(),
        ),
        f(
            learning_rate,
            format!(
                "a factor of the learning rate {}: the update step λ·g, not the gradient",
                number_text(learning_rate)
            ),
        ),
        f(
            -learning_rate,
            format!(
                "minus the learning rate {} times the gradient: the parameter change θ' − θ, not the gradient",
                number_text(learning_rate)
            ),
        ),
        f(
            1.0 / learning_rate,
            format!("divided by the learning rate {}", number_text(learning_rate)),
        ),
    ]
}

/// A number as short as it reads: an f32 value (a learning rate of an f32 run) as f32 prints
/// it, `0.05` rather than `0.05000000074505806`.
pub fn number_text(v: f64) -> String {
    if (v as f32) as f64 == v {
        format!("{}", v as f32)
    } else {
        format!("{v}")
    }
}

/// The first factor `c` with `given / c` within the limit of `reference`.
pub fn fitting_factor<'a>(
    given: &[f64],
    reference: &[f64],
    scale: &[f64],
    precision: Precision,
    limit: f64,
    factors: &'a [Factor],
) -> Option<&'a Factor> {
    factors.iter().find(|c| {
        let scaled: Vec<f64> = given.iter().map(|v| v / c.factor).collect();
        agreement::err_bound(scaled.iter(), reference.iter(), scale.iter(), precision) <= limit
    })
}

/// An entry whose rounding bound `u·S` exceeds this share of the tensor's largest value carries
/// a kink allowance (a ReLU-like unit within rounding of 0 may take either branch: `S` then holds
/// the whole difference over `u`), not rounding.
const KINK_SHARE: f64 = 1e-4;

/// Whether `given` is what a mistaken computation gives (`variant`, its f64 value) where the
/// right value is `reference` of rounding scale `scale`.
///
/// Each entry is measured against the larger of its own scale and the largest scale among the
/// tensor's entries that carry no kink allowance: where the right computation makes an entry
/// small (a unit off, a small derivative), the mistaken one's value there is larger and carries
/// more rounding. And the variant must be told apart from the right value in that same measure:
/// where kinks make the bounds as wide as the values, the numbers cannot name a mistake.
pub fn fits_variant(
    given: &[f64],
    variant: &[f64],
    reference: &[f64],
    scale: &[f64],
    precision: Precision,
    limit: f64,
) -> bool {
    let top = reference
        .iter()
        .chain(variant)
        .fold(0.0f64, |a, &b| a.max(b.abs()));
    let u = agreement::unit_roundoff(precision);
    let wide = scale
        .iter()
        .filter(|&&s| u * s <= KINK_SHARE * top)
        .fold(0.0f64, |a, &b| a.max(b));
    let s: Vec<f64> = scale.iter().map(|&s| s.max(wide)).collect();
    let bound =
        |a: &[f64], b: &[f64]| agreement::err_bound(a.iter(), b.iter(), s.iter(), precision);
    bound(given, variant) <= limit && bound(variant, reference) > limit
}

/// Every entry given the largest scale of the tensor.
pub fn widest(scale: &[f64]) -> Vec<f64> {
    vec![scale.iter().fold(0.0f64, |a, &b| a.max(b)); scale.len()]
}
