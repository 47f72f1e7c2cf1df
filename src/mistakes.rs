//! Every classic mistake mlp2d plants or names, once: its slug (the name flags, scripts, mutants
//! and docs use), where it is made, and what it is. `check` and `grads --check` name what wrong
//! numbers fit (exact/'s mistaken backward and step, check/mistakes.rs, check/factors.rs), the
//! mutation tests plant them in the hand-written twin (src/mutants/), and the example answers
//! plant them on request (`--mistake` of examples/check/numpy_mlp.py, `--bug` of
//! scripts/numpy_backward.py): all by these slugs. docs/mistakes.md is this table.

/// Where a mistake is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The loss's gradient `∂L/∂logits`.
    Loss,
    /// The backward pass through the layers and activations.
    Backward,
    /// How the answer's arrays are laid out or computed (precision, order, stability).
    Layout,
    /// The optimizer's step.
    Step,
}

impl Part {
    pub fn name(self) -> &'static str {
        match self {
            Part::Loss => "loss",
            Part::Backward => "backward",
            Part::Layout => "layout",
            Part::Step => "step",
        }
    }
}

/// One classic mistake.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub slug: &'static str,
    pub part: Part,
    pub what: &'static str,
}

const fn entry(slug: &'static str, part: Part, what: &'static str) -> Entry {
    Entry { slug, part, what }
}

pub const CATALOGUE: &[Entry] = &[
    entry(
        "sum",
        Part::Loss,
        "a sum over the rows where the loss takes their mean (1/n forgotten)",
    ),
    entry(
        "mean-count",
        Part::Loss,
        "a mean over another count than the batch's rows (n·K, say)",
    ),
    entry(
        "no-onehot",
        Part::Loss,
        "∂L/∂z = softmax/n, the onehot left out",
    ),
    entry(
        "sign",
        Part::Backward,
        "the gradient's sign flipped: −∂L/∂θ, the descent direction",
    ),
    entry(
        "lr-factor",
        Part::Backward,
        "the gradient times λ or 1/λ: an update, not a gradient",
    ),
    entry(
        "not-transposed",
        Part::Backward,
        "∂L/∂x = g·W where g·Wᵀ belongs",
    ),
    entry(
        "bias-wrong-axis",
        Part::Backward,
        "the bias gradient summed along the wrong axis",
    ),
    entry(
        "no-bias-grad",
        Part::Backward,
        "a gradient left at zero (the bias's, say)",
    ),
    entry(
        "relu-mask",
        Part::Backward,
        "the activation's derivative left out (for a ReLU: its mask)",
    ),
    entry(
        "wrong-relu-mask",
        Part::Backward,
        "the ReLU mask of another layer",
    ),
    entry(
        "one-layer",
        Part::Backward,
        "∂L/∂W from the pre-activation z below, not its output h",
    ),
    entry(
        "stale-cache",
        Part::Backward,
        "the backward pass reads the previous forward pass's values",
    ),
    entry(
        "scaled",
        Part::Backward,
        "one layer's gradient off by a factor 1 + ε",
    ),
    entry(
        "tanh-no-square",
        Part::Backward,
        "tanh′ = 1 − tanh, the square forgotten",
    ),
    entry(
        "sigmoid-prime-as-sigma",
        Part::Backward,
        "σ′ = σ, not σ(1 − σ)",
    ),
    entry(
        "leaky-slope-side",
        Part::Backward,
        "the leaky ReLU's slope on the wrong side of 0",
    ),
    entry(
        "gelu-prime-as-cdf",
        Part::Backward,
        "GELU′ = Φ, the product rule's z·φ(z) forgotten",
    ),
    entry(
        "gelu-tanh-derivative",
        Part::Backward,
        "GELU′ of the tanh approximation, for the exact GELU",
    ),
    entry(
        "silu-prime-as-sigma",
        Part::Backward,
        "SiLU′ = σ, the product rule's z·σ′ forgotten",
    ),
    entry("transpose", Part::Layout, "∂L/∂W stored as [c_out, c_in]"),
    entry(
        "noncontiguous",
        Part::Layout,
        "the right values in another order (a view saved as is)",
    ),
    entry(
        "unstable",
        Part::Layout,
        "softmax without subtracting each row's max: exp overflows",
    ),
    entry(
        "single",
        Part::Layout,
        "computed in f32 where f64 was asked",
    ),
    entry("update-sign", Part::Step, "θ + λ·g, up the gradient"),
    entry(
        "no-lr",
        Part::Step,
        "θ − g, or λ twice: the learning rate wrong in the update",
    ),
    entry("not-updated", Part::Step, "θ' = θ: the step not taken"),
    entry(
        "stale-gradient-step",
        Part::Step,
        "the step taken with the previous step's gradient",
    ),
    entry(
        "plain-sgd",
        Part::Step,
        "θ − λ·g where another optimizer was asked",
    ),
    entry(
        "no-momentum",
        Part::Step,
        "SGD's step along g, the momentum left out",
    ),
    entry(
        "momentum-never-updated",
        Part::Step,
        "the momentum buffer set once and never updated",
    ),
    entry(
        "nesterov-missing",
        Part::Step,
        "the step along v where Nesterov's is v·μ + g",
    ),
    entry(
        "adam-no-bias-correction",
        Part::Step,
        "Adam's moments without 1/(1 − βᵗ)",
    ),
    entry(
        "eps-inside-sqrt",
        Part::Step,
        "√(v̂ + ε) where the step divides by √v̂ + ε",
    ),
    entry(
        "coupled-decay",
        Part::Step,
        "AdamW's decay added to the gradient, as Adam's",
    ),
    entry("no-weight-decay", Part::Step, "the weight decay left out"),
    entry(
        "weight-decay-sign",
        Part::Step,
        "the weight decay subtracted instead of added",
    ),
    entry(
        "no-lr-decay",
        Part::Step,
        "AdaGrad at the rate λ, its lr_decay left out",
    ),
    entry(
        "adagrad-sum-forgotten",
        Part::Step,
        "AdaGrad's sum of squares restarted every step",
    ),
    entry(
        "uncentered",
        Part::Step,
        "centered RMSprop without subtracting the mean's square",
    ),
    entry(
        "adan-first-difference",
        Part::Step,
        "Adan's first gradient difference g, the previous gradient taken as 0, not 0",
    ),
];

/// The entry of `slug`.
pub fn entry_of(slug: &str) -> Option<&'static Entry> {
    CATALOGUE.iter().find(|e| e.slug == slug)
}

/// The catalogue as docs/mistakes.md holds it: a Markdown table.
pub fn table() -> String {
    let mut s = String::from("| slug | part | what |\n|---|---|---|\n");
    for e in CATALOGUE {
        s += &format!("| `{}` | {} | {} |\n", e.slug, e.part.name(), e.what);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_plain() {
        for (i, e) in CATALOGUE.iter().enumerate() {
            assert!(
                CATALOGUE[..i].iter().all(|o| o.slug != e.slug),
                "{} twice",
                e.slug
            );
            assert!(
                e.slug.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                e.slug
            );
        }
    }

    /// Every mistake exact/ can compute, and every mutant, has its entry.
    #[test]
    fn every_named_and_planted_mistake_is_catalogued() {
        use crate::exact::step::Mistake as StepMistake;
        let activations = crate::config::ActivationKind::ALL.map(|k| k.with_slope(None));
        for a in activations {
            for m in crate::exact::Mistake::for_activation(a) {
                assert!(entry_of(m.slug()).is_some(), "{m:?}: {}", m.slug());
            }
        }
        for m in StepMistake::ALL {
            assert!(entry_of(m.slug()).is_some(), "{m:?}: {}", m.slug());
        }
        for m in crate::mutants::Mutant::ALL {
            assert!(entry_of(m.slug()).is_some(), "{m:?}: {}", m.slug());
        }
        for f in crate::check::factors::gradient_factors(13, 0.05) {
            assert!(entry_of(f.slug).is_some(), "{}", f.slug);
        }
    }

    /// docs/mistakes.md holds the table as it is.
    #[test]
    fn the_docs_hold_the_catalogue() {
        let docs = include_str!("../docs/mistakes.md");
        assert!(
            docs.contains(&table()),
            "docs/mistakes.md: paste\n{}",
            table()
        );
    }
}
