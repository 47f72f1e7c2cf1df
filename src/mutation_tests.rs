//! Mutation testing of the gate: each classic hand-written backprop mistake (`src/mutants/`)
//! must make a lockstep run fail within its first epoch, in both precisions and on both burn
//! backends, with `err_bound` at least 100 times the limit; and a layer's gradient scaled by
//! `1 + ε` must be caught for small `ε`.
//!
//! `cargo test --release mutation -- --nocapture` prints the tables of docs/mutation.md.

use crate::config::{Backend, Config, Init, Precision};
use crate::metrics::{Disagreement, Measure, RunResult};
use crate::mutants::{self as mutant, Mutant};
use crate::run_setup::RunSetup;

const STRUCTURAL: [(Mutant, &str); 7] = [
    (Mutant::MissingMean, "missing 1/n"),
    (Mutant::NotTransposed, "W instead of Wᵀ"),
    (Mutant::BiasWrongAxis, "bias gradient over the wrong axis"),
    (Mutant::WrongReluMask, "ReLU mask of the wrong layer"),
    (Mutant::NoOnehot, "softmax gradient without the onehot"),
    (Mutant::StaleCache, "stale cache from the previous batch"),
    (
        Mutant::StaleGradientStep,
        "SGD step with the previous gradient",
    ),
];

/// Moons with two hidden layers of 16: a square layer (for the transpose) and two hidden
/// layers of one width (for the wrong mask). One epoch of 25 steps.
fn config(precision: Precision, backend: Backend) -> Config {
    config_with(precision, backend, Init::He)
}

fn config_with(precision: Precision, backend: Backend, init: Init) -> Config {
    let mut config = Config::parse(
        r#"
name = "mutants"
seed = 7
[data]
kind = "moons"
samples = 1000
noise = 0.1
[model]
hidden = [16, 16]
init = "he"
[train]
epochs = 1
batch_size = 32
learning_rate = 0.05
"#,
    )
    .unwrap();
    config.compare.precision = precision;
    config.compare.backend = backend;
    config.model.init = init;
    config
}

fn run(config: &Config) -> RunResult {
    RunSetup::new(config, None).unwrap().train(|_| {}).unwrap()
}

/// The run with `m` switched on, which must fail in its first epoch on `err_bound`.
fn failing_run(m: Mutant, config: &Config, name: &str) -> (RunResult, Disagreement) {
    let r = mutant::with(m, || run(config));
    let d = r
        .first_disagreement
        .clone()
        .unwrap_or_else(|| panic!("{name} passed the gate"));
    assert_eq!(d.epoch, 1, "{name}");
    assert_eq!(d.measure, Measure::ErrBound, "{name}");
    (r, d)
}

fn settings() -> Vec<(Precision, Backend)> {
    let mut out = Vec::new();
    for p in [Precision::F32, Precision::F64] {
        for b in [Backend::Flex, Backend::Ndarray] {
            out.push((p, b));
        }
    }
    out
}

#[test]
fn the_unmutated_twins_pass() {
    for (p, b) in settings() {
        let config = config(p, b);
        let r = run(&config);
        assert!(r.passed(), "{p:?} {b:?}: {:?}", r.first_disagreement);
    }
}

#[test]
fn mutation_every_structural_mistake_fails_in_the_first_epoch_by_a_wide_margin() {
    let mut table = String::from(
        "| mutation | precision | backend | first failing step | measure at | err_bound / limit |\n|---|---|---|---|---|---|\n",
    );
    for (m, name) in STRUCTURAL {
        for (p, b) in settings() {
            let config = config(p, b);
            let limit = crate::agreement::Tolerances::of(&config.compare).err_bound_limit;
            let (r, d) = failing_run(m, &config, &format!("{name} ({p:?}, {b:?})"));
            let ratio = r.max_err_bound / limit;
            table += &format!(
                "| {name} | {} | {} | {} | {} | {:.1e} |\n",
                p.name(),
                b.name(),
                d.step,
                d.tensor,
                ratio
            );
            assert!(
                ratio >= 100.0 || ratio.is_nan(),
                "{name} ({p:?}, {b:?}): err_bound only {ratio:.1} times the limit"
            );
        }
    }
    println!("{table}");
}

/// The smallest `ε` in a 1-2-5 ladder for which the run fails, scaling `layer`'s gradient.
fn smallest_caught(p: Precision, b: Backend, init: Init, layer: usize) -> Option<f64> {
    let config = config_with(p, b, init);
    let mut caught = None;
    for exp in 0..14 {
        for mant in [5.0, 2.0, 1.0] {
            let eps = mant * 10f64.powi(-exp - 1);
            let r = mutant::with(Mutant::Scaled { layer, eps }, || run(&config));
            if r.passed() {
                return caught;
            }
            caught = Some(eps);
        }
    }
    caught
}

#[test]
fn mutation_a_slightly_scaled_gradient_is_caught() {
    let mut table = String::from(
        "| precision | backend | init | layer scaled | smallest ε caught |\n|---|---|---|---|---|\n",
    );
    for (p, b) in settings() {
        for (init, layer) in [
            (Init::He, 0),
            (Init::He, 2),
            (Init::Normal, 0),
            (Init::Normal, 2),
        ] {
            let eps = smallest_caught(p, b, init, layer);
            table += &format!(
                "| {} | {} | {} | {layer} | {} |\n",
                p.name(),
                b.name(),
                init.name(),
                eps.map_or("none".to_owned(), |e| format!("{e:.0e}"))
            );
            // The course's goals: 1e-3 in f32, 1e-10 in f64.
            let goal = match p {
                Precision::F32 => 1e-3,
                Precision::F64 => 1e-10,
            };
            assert!(
                eps.is_some_and(|e| e <= goal),
                "{p:?} {b:?} layer {layer}: smallest ε caught {eps:?}, goal {goal:e}"
            );
        }
    }
    println!("{table}");
}

/// Mistakes in the new activations' backward and the optimizers' steps, each with the
/// `[model]`/`[train]` lines that put it to work.
const ACTIVATION_AND_OPTIMIZER: [(Mutant, &str, &str); 18] = [
    (
        Mutant::TanhWithoutSquare,
        "tanh′ as 1 − tanh",
        "[model]\nhidden = [16, 16]\nactivation = \"tanh\"",
    ),
    (
        Mutant::SigmoidDerivativeAsSigma,
        "σ′ as σ",
        "[model]\nhidden = [16, 16]\nactivation = \"sigmoid\"",
    ),
    (
        Mutant::LeakySlopeWrongSide,
        "leaky slope on the wrong side",
        "[model]\nhidden = [16, 16]\nactivation = \"leaky_relu\"\nnegative_slope = 0.1",
    ),
    (
        Mutant::GeluDerivativeAsCdf,
        "GELU′ as Φ",
        "[model]\nhidden = [16, 16]\nactivation = \"gelu\"",
    ),
    (
        Mutant::GeluTanhApproximation,
        "GELU′ of the tanh approximation",
        "[model]\nhidden = [16, 16]\nactivation = \"gelu\"",
    ),
    (
        Mutant::SiluDerivativeAsSigma,
        "SiLU′ as σ",
        "[model]\nhidden = [16, 16]\nactivation = \"silu\"",
    ),
    (
        Mutant::MomentumNeverUpdated,
        "momentum buffer never updated",
        "[train]\nmomentum = 0.9",
    ),
    (
        Mutant::NesterovMissing,
        "Nesterov's look-ahead missing",
        "[train]\nmomentum = 0.9\nnesterov = true",
    ),
    (
        Mutant::AdamWithoutBiasCorrection,
        "Adam without bias correction",
        "[train]\noptimizer = \"adam\"",
    ),
    (
        Mutant::EpsilonInsideSqrt,
        "ε inside the square root",
        "[train]\noptimizer = \"adam\"",
    ),
    (
        Mutant::AdamWDecayCoupled,
        "AdamW's decay coupled into the gradient",
        "[train]\noptimizer = \"adamw\"\nweight_decay = 0.01",
    ),
    (
        Mutant::WeightDecayWrongSign,
        "weight decay with the wrong sign",
        "[train]\nweight_decay = 0.01",
    ),
    (
        Mutant::AdaGradWithoutLrDecay,
        "AdaGrad without its lr_decay",
        "[train]\noptimizer = \"adagrad\"\nlr_decay = 0.1",
    ),
    (
        Mutant::AdaGradSumForgotten,
        "AdaGrad's sum of squares restarted every step",
        "[train]\noptimizer = \"adagrad\"",
    ),
    (
        Mutant::RmsPropCenteredWithoutMean,
        "centered RMSprop without the mean's square",
        "[train]\noptimizer = \"rmsprop\"\ncentered = true",
    ),
    (
        Mutant::EpsilonInsideSqrt,
        "ε inside the square root (RMSprop)",
        "[train]\noptimizer = \"rmsprop\"",
    ),
    (
        Mutant::AdanFirstDifference,
        "Adan's first difference g, not 0",
        "[train]\noptimizer = \"adan\"",
    ),
    (
        Mutant::AdamWithoutBiasCorrection,
        "Adan without bias correction",
        "[train]\noptimizer = \"adan\"",
    ),
];

/// Moons as [`config`], with `extra` merged into its `[model]` or `[train]` table.
fn config_extra(precision: Precision, backend: Backend, extra: &str) -> Config {
    let mut model = "hidden = [16, 16]\ninit = \"he\"".to_owned();
    let mut train = "epochs = 1\nbatch_size = 32\nlearning_rate = 0.05".to_owned();
    let lines = extra.lines();
    let mut into = None;
    for line in lines {
        match line {
            "[model]" => into = Some(&mut model),
            "[train]" => into = Some(&mut train),
            "hidden = [16, 16]" => {}
            l => {
                let t = into.as_deref_mut().expect("a table first");
                t.push('\n');
                t.push_str(l);
            }
        }
    }
    let text = format!(
        "name = \"mutants\"\nseed = 7\n[data]\nkind = \"moons\"\nsamples = 1000\nnoise = 0.1\n[model]\n{model}\n[train]\n{train}\n"
    );
    let mut config = Config::parse(&text).unwrap();
    config.compare.precision = precision;
    config.compare.backend = backend;
    config
}

#[test]
fn mutation_every_activation_and_optimizer_mistake_fails_by_a_wide_margin() {
    let mut table = String::from(
        "| mutation | precision | backend | first failing step | measure at | err_bound / limit | correct twins' err_bound |\n|---|---|---|---|---|---|---|\n",
    );
    for (m, name, extra) in ACTIVATION_AND_OPTIMIZER {
        for (p, b) in settings() {
            let config = config_extra(p, b, extra);
            if m == Mutant::GeluTanhApproximation && b == Backend::Ndarray {
                // burn-ndarray computes this very derivative (gelu-backward-tanh): two
                // twins that share a mistake agree, which is what the finding's diagnosis says.
                let r = mutant::with(m, || run(&config));
                assert!(r.passed(), "{name} ({p:?}): {:?}", r.first_disagreement);
                table += &format!(
                    "| {name} | {} | ndarray | agrees: burn-ndarray computes it | | | |\n",
                    p.name()
                );
                continue;
            }
            let limit = crate::agreement::Tolerances::of(&config.compare).err_bound_limit;
            // The correct twins: within the limit, or a documented burn finding; the mutant
            // must stand 100 times above either.
            let correct = run(&config);
            let finding = correct.first_disagreement.as_ref().and_then(|d| d.finding);
            assert!(
                correct.passed() || finding.is_some(),
                "{name} ({p:?}, {b:?}): the correct twins fail: {:?}",
                correct.first_disagreement
            );
            let (r, d) = failing_run(m, &config, &format!("{name} ({p:?}, {b:?})"));
            let ratio = r.max_err_bound / limit;
            // A real mistake is not passed off as the finding the correct twins meet.
            assert_eq!(d.finding, None, "{name} ({p:?}, {b:?}): {d}");
            let floor = 100.0 * (correct.max_err_bound / limit).max(1.0);
            table += &format!(
                "| {name} | {} | {} | {} | {} | {:.1e} | {:.2}{} |\n",
                p.name(),
                b.name(),
                d.step,
                d.tensor,
                ratio,
                correct.max_err_bound,
                finding.map_or(String::new(), |f| format!(" ({f})"))
            );
            assert!(
                ratio >= floor || ratio.is_nan(),
                "{name} ({p:?}, {b:?}): err_bound only {ratio:.1} times the limit (needs {floor:.1e})"
            );
        }
    }
    println!("{table}");
}
