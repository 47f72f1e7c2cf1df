//! `mlp2d check`'s scope: --activation, --optimizer, --precision and an instructor's
//! --assignment FILE keep the problems to what an assignment covers (edge cases and random
//! ones alike), the same problems for the same scope, and `check --help` says so.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::bin;
use mlp2d::check::problems::{self, EDGE_CASES, edge_scope};
use mlp2d::check::scope::{OptimizerChoice, Scope, activations, optimizers};
use mlp2d::config::{ActivationKind, Precision};

fn kinds(p: &mlp2d::check::Problem) -> (ActivationKind, OptimizerChoice, Precision) {
    (
        p.activation.kind(),
        OptimizerChoice::of(p.optimizer),
        p.precision,
    )
}

#[test]
fn each_edge_case_declares_what_it_draws() {
    for seed in [1, 9] {
        for (k, case) in EDGE_CASES.iter().enumerate() {
            let p = problems::problem(seed, k).unwrap();
            assert_eq!(p.case, *case);
            assert_eq!(kinds(&p), edge_scope(case), "{case}");
        }
    }
}

#[test]
fn the_whole_scope_draws_the_problems_drawn_without_one() {
    let all = problems::draw_in(40, 4242, &Scope::default()).unwrap();
    for (k, p) in all.iter().enumerate() {
        let q = problems::problem(4242, k).unwrap();
        assert_eq!(
            (&p.case, &p.x, &p.params),
            (&q.case, &q.x, &q.params),
            "{k}"
        );
        assert_eq!(
            (p.optimizer, p.activation, &p.state),
            (q.optimizer, q.activation, &q.state)
        );
    }
}

#[test]
fn a_scope_draws_only_within_it_and_the_same_problems_in_any_order() {
    let course = Scope {
        activations: activations("relu").unwrap(),
        optimizers: optimizers("sgd").unwrap(),
        ..Scope::default()
    };
    let drawn = problems::draw_in(30, 3, &course).unwrap();
    let edges: Vec<&str> = drawn
        .iter()
        .take_while(|p| p.case != "random")
        .map(|p| p.case.as_str())
        .collect();
    assert_eq!(
        edges,
        [
            "batch-of-1",
            "relu-at-zero",
            "dead-unit",
            "large-logits",
            "no-hidden-layer",
            "ten-classes",
            "mean-count",
            "deep-f32"
        ]
    );
    let mut precisions = Vec::new();
    for p in &drawn {
        let (a, o, precision) = kinds(p);
        assert_eq!(
            (a, o),
            (ActivationKind::Relu, OptimizerChoice::Sgd),
            "{}",
            p.case
        );
        precisions.push(precision);
    }
    assert!(precisions.contains(&Precision::F32) && precisions.contains(&Precision::F64));

    let mixed = Scope {
        activations: activations("tanh,sigmoid").unwrap(),
        optimizers: optimizers("adamw,nesterov").unwrap(),
        precisions: vec![Precision::F32],
    };
    let again = Scope {
        activations: activations("sigmoid, tanh,tanh").unwrap(),
        optimizers: optimizers("nesterov,adamw").unwrap(),
        precisions: vec![Precision::F32],
    };
    assert_eq!(mixed, again);
    let (a, b) = (
        problems::draw_in(25, 8, &mixed).unwrap(),
        problems::draw_in(25, 8, &again).unwrap(),
    );
    let mut seen = HashMap::new();
    for (p, q) in a.iter().zip(&b) {
        assert_eq!(
            (&p.x, &p.params, p.optimizer),
            (&q.x, &q.params, q.optimizer)
        );
        let (act, o, precision) = kinds(p);
        assert!(
            mixed.admits(act, o, precision),
            "{}: {:?}",
            p.case,
            kinds(p)
        );
        *seen.entry(o).or_insert(0) += 1;
    }
    // Only adamw-decay-f32 of the edge cases is in this scope; both optimizers come up.
    assert_eq!(a[0].case, "adamw-decay-f32");
    assert_eq!(a[1].case, "random");
    assert!(seen.len() == 2, "{seen:?}");
}

/// A scope of GELU and SiLU: their two edge cases first, then random problems of both
/// activations and both precisions.
#[test]
fn a_gelu_and_silu_scope_draws_random_problems_of_both() {
    let smooth = Scope {
        activations: activations("gelu,silu").unwrap(),
        ..Scope::default()
    };
    let drawn = problems::draw_in(30, 1, &smooth).unwrap();
    assert_eq!(drawn[0].case, "gelu-far-below-zero");
    assert_eq!(drawn[1].case, "silu-f32");
    let (mut seen, mut precisions) = (Vec::new(), Vec::new());
    for p in &drawn[2..] {
        assert_eq!(p.case, "random");
        let (a, _, precision) = kinds(p);
        assert!(smooth.activations.contains(&a), "{a:?}");
        seen.push(a);
        precisions.push(precision);
    }
    for a in [ActivationKind::Gelu, ActivationKind::Silu] {
        assert!(seen.contains(&a), "no {a:?} in {seen:?}");
    }
    assert!(precisions.contains(&Precision::F32) && precisions.contains(&Precision::F64));
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The metadata of every problem file in `dir`, by problem number.
fn written(dir: &Path) -> Vec<HashMap<String, String>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".safetensors"))
        .collect();
    files.sort_by_key(|p| {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        name.trim_start_matches("problem-")
            .parse::<usize>()
            .unwrap()
    });
    files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(f).unwrap();
            let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
            header.metadata().clone().unwrap()
        })
        .collect()
}

#[test]
fn an_assignment_file_sets_the_scope_and_size_and_a_flag_beside_it_wins() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "hw3.toml",
        "# ReLU and plain SGD\nactivation = [\"relu\"]\noptimizer = [\"sgd\"]\nprecision = [\"f32\"]\nproblems = 11\nseed = 5\n",
    );
    let out_dir = dir.path().join("p");
    let out = bin()
        .args(["check", "--assignment"])
        .arg(&file)
        .arg("--write-problems")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metas = written(&out_dir);
    assert_eq!(metas.len(), 11);
    for m in &metas {
        assert_eq!(m["activation"], "relu");
        assert_eq!(m["optimizer"], "sgd");
        assert_eq!(m["momentum"], "0");
        assert_eq!(m["weight_decay"], "0");
        assert_eq!(m["precision"], "f32");
    }
    // The flags win: three problems, tanh, both precisions, the file's seed.
    let out_dir = dir.path().join("q");
    let out = bin()
        .args(["check", "--assignment"])
        .arg(&file)
        .args([
            "--problems",
            "3",
            "--activation",
            "tanh",
            "--precision",
            "f64",
            "--write-problems",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metas = written(&out_dir);
    assert_eq!(metas.len(), 3);
    assert_eq!(metas[0]["case"], "tanh");
    assert!(
        metas
            .iter()
            .all(|m| m["activation"] == "tanh" && m["precision"] == "f64")
    );
    let seed5 = problems::draw_in(
        3,
        5,
        &Scope {
            activations: activations("tanh").unwrap(),
            optimizers: optimizers("sgd").unwrap(),
            precisions: vec![Precision::F64],
        },
    )
    .unwrap();
    assert_eq!(metas[1]["about"], seed5[1].about, "the file's seed");
}

#[test]
fn the_report_header_says_the_scope() {
    let out = bin()
        .args([
            "check",
            "--twin",
            "manual",
            "--problems",
            "10",
            "--seed",
            "2",
        ])
        .args([
            "--optimizer",
            "sgd",
            "--activation",
            "relu",
            "--precision",
            "f32,f64",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "mlp2d check: seed 2, 10 problems (8 edge cases, then random); scope: activation relu; optimizer sgd; precision f32, f64"
    );
    let out = bin()
        .args([
            "check",
            "--twin",
            "manual",
            "--problems",
            "3",
            "--format",
            "json",
        ])
        .args(["--precision", "f32"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let output = doc["output"].as_str().unwrap();
    let optimizers: Vec<&str> = OptimizerChoice::ALL.iter().map(|o| o.name()).collect();
    assert_eq!(
        optimizers[..7],
        [
            "sgd", "momentum", "nesterov", "adam", "adamw", "adagrad", "rmsprop"
        ]
    );
    let header = format!(
        "mlp2d check: seed 1, 3 problems (3 edge cases, then random); scope: activation {}; optimizer {}; precision f32\n",
        ActivationKind::NAMES.join(", "),
        optimizers.join(", ")
    );
    assert!(output.starts_with(&header), "{output}");
}

#[test]
fn a_bad_scope_or_assignment_is_one_line_naming_it_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let unknown = write(
        dir.path(),
        "a.toml",
        "activation = [\"relu\"]\nlearning_rate = 0.1\n",
    );
    let bad_value = write(dir.path(), "b.toml", "optimizer = [\"sgd\", \"lamb\"]\n");
    let missing = dir.path().join("none.toml");
    let cases: [(Vec<&std::ffi::OsStr>, &str); 6] = [
        (
            vec!["--activation".as_ref(), "relu,mish".as_ref()],
            "--activation: unknown `mish`",
        ),
        (
            vec!["--optimizer".as_ref(), "".as_ref()],
            "--optimizer: expected at least one",
        ),
        (
            vec!["--precision".as_ref(), "f16".as_ref()],
            "--precision: unknown `f16`",
        ),
        (
            vec!["--assignment".as_ref(), unknown.as_os_str()],
            "a.toml: line 2: unknown key `learning_rate`",
        ),
        (
            vec!["--assignment".as_ref(), bad_value.as_os_str()],
            "b.toml: line 1: `optimizer`: unknown `lamb`",
        ),
        (
            vec!["--assignment".as_ref(), missing.as_os_str()],
            "cannot read the assignment",
        ),
    ];
    for (args, want) in cases {
        let out = bin()
            .args(["check", "--twin", "manual"])
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {want:?} in {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    let out = bin()
        .args(["check", "--answers"])
        .arg(dir.path())
        .args(["--activation", "relu"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--answers judges"));
}

#[test]
fn check_help_lists_the_optimizers_state_scope_twins_and_autograder() {
    let out = bin().args(["check", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for want in [
        "optimizer step",
        "state.moment_1",
        "next.state.",
        "leaky_relu",
        "gelu",
        "silu",
        "adamw",
        "--activation",
        "--optimizer",
        "--precision",
        "--assignment",
        "--twin",
        "--autograder",
    ] {
        assert!(
            help.contains(want),
            "{want} missing from check --help:\n{help}"
        );
    }
    for stale in ["8 edge cases", "SGD step", "`activation` (relu)"] {
        assert!(
            !help.contains(stale),
            "{stale} still in check --help:\n{help}"
        );
    }
}
