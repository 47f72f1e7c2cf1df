//! Naming the mistake a wrong tensor's numbers fit: a constant factor (factors.rs,
//! shared with `grads --check`), a mean over the wrong count, the update's sign or learning
//! rate, single precision, a transposed or non-contiguous layout, a missing gradient, an
//! unstabilised softmax, a wrong ReLU mask; and per problem, one layer wrong among right ones.

use std::cell::OnceCell;
use std::collections::{BTreeSet, HashMap};

use ndarray::ArrayView2;

use super::Problem;
use super::answer::Given;
use super::factors::{Factor, fits_variant, fitting_factor, gradient_factors, number_text, widest};
use super::reference::{self, Expected, Kind, Reference, Variant};
use super::verdict::Verdict;
use crate::agreement::{err_bound, err_bound_limit};
use crate::config::{Activation, Precision};
use crate::exact::step::Convention;

/// A variant's tensors by name.
type VariantTensors = Vec<(Variant, HashMap<String, Vec<f64>>)>;

/// What naming needs of a problem; the variants are computed once, when first asked for.
pub struct Context<'a> {
    pub problem: &'a Problem,
    pub reference: &'a Reference,
    variants: OnceCell<VariantTensors>,
}

impl<'a> Context<'a> {
    pub fn new(problem: &'a Problem, reference: &'a Reference) -> Self {
        Context {
            problem,
            reference,
            variants: OnceCell::new(),
        }
    }

    fn variants(&self) -> &[(Variant, HashMap<String, Vec<f64>>)] {
        self.variants.get_or_init(|| {
            // The step's constants the answer's right tensors suggest first, then the other.
            let first = self.reference.convention;
            let mut conventions = vec![first];
            conventions.extend(Convention::ALL.into_iter().filter(|&c| c != first));
            Variant::all(self.problem)
                .into_iter()
                .flat_map(|v| conventions.iter().map(move |&c| (v, c)))
                .map(|(v, c)| (v, reference::variant(self.problem, v, c)))
                .collect()
        })
    }
}

/// Inf or NaN in an answer: an unstabilised softmax when the logits are beyond exp's range.
pub fn non_finite(ctx: &Context) -> String {
    let overflow = match ctx.problem.precision {
        Precision::F32 => 88.7,
        Precision::F64 => 709.7,
    };
    let top = ctx.reference.max_abs_logit;
    if top > overflow {
        format!(
            "softmax not stabilised: inf or NaN where the logits reach ±{top:.0} (exp overflows {} beyond {overflow}): subtract each row's max before exp",
            ctx.problem.precision.name()
        )
    } else {
        "NaN or infinite values".to_owned()
    }
}

/// The mistake a wrong tensor (of the expected shape, finite) fits, if one does.
pub fn name(ctx: &Context, e: &Expected, given: &Given, judged_in: Precision) -> Option<String> {
    let p = judged_in;
    let limit = err_bound_limit(p);
    let bound = |v: &[f64], r: &[f64], s: &[f64], p| err_bound(v.iter(), r.iter(), s.iter(), p);
    let fits = |v: &[f64]| bound(v, &e.value, &e.scale, p) <= limit;
    let problem = ctx.problem;
    if problem.precision == Precision::F64 {
        let in_f32 = bound(&given.values, &e.value, &e.scale, Precision::F32);
        if given.precision == Precision::F32 {
            let right = if in_f32 <= limit {
                " (right to f32's rounding)"
            } else {
                ""
            };
            return Some(format!(
                "single precision where double was asked: stored as f32 in an answer to an f64 problem{right}"
            ));
        }
        // A named mistake whose effect is of f32's size (ε inside √ where v ≫ ε) is that
        // mistake, computed in double: only what no mistake explains is called single precision.
        if in_f32 <= err_bound_limit(Precision::F32) {
            if let Some(v) = variant_fit(ctx, e, given, p) {
                return Some(v);
            }
            return Some(format!(
                "single precision where double was asked: right to f32's rounding (err_bound {} in f32 units), not f64's: computed in float32, stored as float64",
                crate::report::bound_text(in_f32)
            ));
        }
    }
    let all_zero = given.values.iter().all(|&v| v == 0.0);
    let n = problem.rows();
    if let Kind::NextWeight(i) | Kind::NextBias(i) = e.kind {
        return update_mistake(ctx, e, given, i, p);
    }
    if let Kind::NextState { .. } = e.kind {
        return zero_gradient_fit(ctx, e, given, p).or_else(|| variant_fit(ctx, e, given, p));
    }
    if e.value.iter().any(|&v| v != 0.0) && all_zero && e.kind != Kind::Loss {
        return Some(if matches!(e.kind, Kind::GradBias(_)) {
            "missing bias gradient: all zero".to_owned()
        } else {
            "all zero: a missing gradient".to_owned()
        });
    }
    if !matches!(e.kind, Kind::Output(_) | Kind::Logits) {
        let factors = labelled(gradient_factors(n, problem.learning_rate));
        if let Some(f) = fitting_factor(&given.values, &e.value, &e.scale, p, limit, &factors) {
            return Some(f.what.clone());
        }
        if let Some(m) = wrong_count(ctx, &given.values, &e.value, &e.scale, p) {
            return Some(m);
        }
    }
    if let [rows, cols] = e.shape[..] {
        // The raw buffer of a [cols, rows] array read as [rows, cols]: a transposed numpy view
        // saved as is (safetensors' numpy writer stores the buffer, not the logical order).
        let other = ArrayView2::from_shape((cols, rows), &given.values).expect("same size");
        let flipped: Vec<f64> = other.t().iter().copied().collect();
        if fits(&flipped) {
            return Some(if rows == cols {
                "transposed weight gradient: W where Wᵀ belongs (or a transposed array saved without np.ascontiguousarray)".to_owned()
            } else {
                format!(
                    "not contiguous: the right values in another layout (a transposed [{cols}, {rows}] numpy array saved without np.ascontiguousarray: safetensors' numpy writer stores the raw buffer)"
                )
            });
        }
    }
    if let Some(v) = variant_fit(ctx, e, given, p) {
        return Some(v);
    }
    permuted(e, given, p).then(|| {
        "the right values in another order: a layout or indexing mistake (a sliced or transposed array saved without np.ascontiguousarray?)".to_owned()
    })
}

/// Each factor's explanation behind its short name.
fn labelled(factors: Vec<Factor>) -> Vec<Factor> {
    factors
        .into_iter()
        .filter(|f| f.factor != 1.0)
        .map(|f| Factor {
            what: format!("{}: {}", f.label, f.what),
            ..f
        })
        .collect()
}

/// A mean over `m` where the batch has `n` rows: the answer is the reference times `n/m`.
fn wrong_count(
    ctx: &Context,
    given: &[f64],
    reference: &[f64],
    scale: &[f64],
    p: Precision,
) -> Option<String> {
    let (num, den) = given
        .iter()
        .zip(reference)
        .fold((0.0, 0.0), |(a, b), (g, r)| (a + g * r, b + r * r));
    let ratio = num / den;
    if !(ratio.is_finite() && ratio > 0.0) {
        return None;
    }
    let (n, k) = (ctx.problem.rows() as f64, ctx.problem.classes() as f64);
    let m = (n / ratio).round();
    if m < 1.0 || m == n {
        return None;
    }
    let scaled: Vec<f64> = given.iter().map(|v| v * m / n).collect();
    if err_bound(scaled.iter(), reference.iter(), scale.iter(), p) > err_bound_limit(p) {
        return None;
    }
    Some(if m == 1.0 {
        format!("sum instead of mean: the sum over the {n} rows where the loss takes their mean")
    } else if m == n * k {
        format!(
            "mean over the wrong count: divided by n·K = {m} (a mean over the whole [n, K] array) where the loss is a mean over the n = {n} rows"
        )
    } else {
        format!("mean over the wrong count: divided by {m} where the batch has {n} rows")
    })
}

/// The update `θ' = θ − λ·g` judged through the gradient it implies.
fn update_mistake(
    ctx: &Context,
    e: &Expected,
    given: &Given,
    layer: usize,
    p: Precision,
) -> Option<String> {
    let l = &ctx.problem.params.layers[layer];
    let (theta, grad_kind): (Vec<f64>, Kind) = match e.kind {
        Kind::NextBias(_) => (l.bias.to_vec(), Kind::GradBias(layer)),
        _ => (l.weight.iter().copied().collect(), Kind::GradWeight(layer)),
    };
    if given.values == theta {
        return Some(if matches!(e.kind, Kind::NextBias(_)) {
            "missing bias gradient: the bias is not updated (θ' = θ)".to_owned()
        } else {
            "not updated: θ' = θ".to_owned()
        });
    }
    // A step with state or decay is not θ − λ·g: only the variants can say what it fits.
    if ctx.problem.optimizer != crate::config::Optimizer::default() {
        return zero_gradient_fit(ctx, e, given, p).or_else(|| variant_fit(ctx, e, given, p));
    }
    let lr = ctx.problem.learning_rate;
    let g = &ctx.reference.get(grad_kind)?.value;
    let implied: Vec<f64> = theta
        .iter()
        .zip(&given.values)
        .map(|(t, n)| (t - n) / lr)
        .collect();
    let scale: Vec<f64> = e.scale.iter().map(|s| s / lr).collect();
    let n = ctx.problem.rows() as f64;
    let f = |factor: f64, (slug, label): (&'static str, &'static str), what: String| Factor {
        factor,
        slug,
        label,
        what: format!("{label}: {what}"),
    };
    let factors = [
        f(
            -1.0,
            ("update-sign", "sign of the update"),
            "θ + λ·g, up the gradient instead of down".to_owned(),
        ),
        f(
            1.0 / lr,
            ("no-lr", "learning-rate factor"),
            format!(
                "the update is θ − g, without the learning rate {}",
                number_text(lr)
            ),
        ),
        f(
            lr,
            ("no-lr", "learning-rate factor"),
            format!("λ = {} applied twice: θ − λ²·g", number_text(lr)),
        ),
        f(
            n,
            ("sum", "sum instead of mean"),
            format!(
                "the step is {n} times too long: a sum over the rows where the loss takes their mean"
            ),
        ),
    ];
    let factors: Vec<Factor> = factors.into_iter().filter(|f| f.factor != 1.0).collect();
    if let Some(f) = fitting_factor(&implied, g, &scale, p, err_bound_limit(p), &factors) {
        return Some(f.what.clone());
    }
    if let Some(m) = wrong_count(ctx, &implied, g, &scale, p) {
        return Some(m);
    }
    variant_fit(ctx, e, given, p)
}

/// A step (parameters or state) taken with a zero gradient: with state or decay, a gradient left
/// at zero still moves the parameter.
fn zero_gradient_fit(ctx: &Context, e: &Expected, given: &Given, p: Precision) -> Option<String> {
    let problem = ctx.problem;
    let mut zero = problem.params.clone();
    for l in &mut zero.layers {
        l.weight.fill(0.0);
        l.bias.fill(0.0);
    }
    let stepped = crate::exact::step::step(
        problem.optimizer,
        (&problem.params, &zero, &problem.state),
        (problem.learning_rate, problem.precision),
        (ctx.reference.convention, None),
    );
    let (layer, bias, values) = match e.kind {
        Kind::NextWeight(i) => (i, false, &stepped.params.0),
        Kind::NextBias(i) => (i, true, &stepped.params.0),
        Kind::NextState {
            buffer,
            layer,
            bias,
        } => {
            let (_, v, _) = stepped.buffers.iter().find(|(b, _, _)| *b == buffer)?;
            (layer, bias, v)
        }
        _ => return None,
    };
    let l = &values.layers[layer];
    let v: Vec<f64> = if bias {
        l.bias.to_vec()
    } else {
        l.weight.iter().copied().collect()
    };
    fits_variant(&given.values, &v, &e.value, &e.scale, p, err_bound_limit(p)).then(|| {
        if bias {
            "missing bias gradient: the step taken with ∂L/∂b = 0".to_owned()
        } else {
            "all zero: the step taken with a missing gradient".to_owned()
        }
    })
}

/// The variant whose value the answer matches, as factors.rs's `fits_variant`
/// measures it (shared with `grads --check`).
fn variant_fit(ctx: &Context, e: &Expected, given: &Given, p: Precision) -> Option<String> {
    ctx.variants().iter().find_map(|(variant, values)| {
        let v = values.get(&e.name)?;
        fits_variant(&given.values, v, &e.value, &e.scale, p, err_bound_limit(p))
            .then(|| variant.text(ctx.problem))
    })
}

/// The same values in another order, within the largest scale of the tensor.
fn permuted(e: &Expected, given: &Given, p: Precision) -> bool {
    let sorted = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v
    };
    let flat = widest(&e.scale);
    let (a, b) = (sorted(&given.values), sorted(&e.value));
    a != given.values && err_bound(a.iter(), b.iter(), flat.iter(), p) <= err_bound_limit(p)
}

/// The pattern over a problem's wrong tensors: one layer wrong among right ones, or every wrong
/// tensor with the same mistake.
pub fn diagnose(verdicts: &[Verdict], problem: &Problem) -> Option<String> {
    let layers = problem.params.layers.len();
    let failing: Vec<&Verdict> = verdicts.iter().filter(|v| !v.agrees).collect();
    let first = failing.first()?;
    let wrong: BTreeSet<Option<usize>> = failing.iter().map(|v| v.kind.param_layer()).collect();
    let right: BTreeSet<usize> = verdicts
        .iter()
        .filter(|v| v.agrees)
        .filter_map(|v| v.kind.param_layer())
        .collect();
    if let [Some(i)] = wrong.iter().copied().collect::<Vec<_>>()[..]
        && layers > 1
        && right.iter().any(|&j| j != i)
    {
        let names = failing
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        // The first layer's gradient is also the only one the activation between layers 0
        // and 1 reaches alone: the layers above do not pass through it.
        if i == 0 {
            return Some(format!(
                "only the first layer is wrong ({names}): its own ∂L/∂W or ∂L/∂b, or the gradient handed to it ({} between layers 0 and 1?)",
                derivative_name(problem.activation)
            ));
        }
        return Some(format!(
            "only layer {i} is wrong ({names}): the other layers' gradients agree, so the mistake is in layer {i}'s own ∂L/∂W or ∂L/∂b"
        ));
    }
    let label = |v: &Verdict| {
        v.mistake
            .as_deref()
            .map(|m| m.split(':').next().unwrap_or(m).to_owned())
    };
    if failing.len() > 1
        && label(first).is_some()
        && failing.iter().all(|v| label(v) == label(first))
    {
        return Some(format!(
            "every wrong tensor fits the same mistake: {}",
            label(first).expect("checked")
        ));
    }
    None
}

/// What the backward does between two layers: the ReLU's mask, another activation's `a′`.
fn derivative_name(a: Activation) -> String {
    let unit = match a {
        Activation::Relu => return "the ReLU mask".to_owned(),
        Activation::LeakyRelu { .. } => "leaky ReLU",
        Activation::Tanh => "tanh",
        Activation::Sigmoid => "sigmoid",
        Activation::Gelu => "GELU",
        Activation::Silu => "SiLU",
    };
    format!("the {unit} derivative")
}
