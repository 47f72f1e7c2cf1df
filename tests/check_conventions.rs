//! `mlp2d check` accepts every correct convention, not only burn's: a numpy step that follows
//! PyTorch's formulas with f64 constants (examples/check/numpy_pytorch.py), and PyTorch itself,
//! autograd and torch.optim (examples/check/torch_mlp.py), pass every problem of several seeds,
//! in f32 and f64, every optimizer.
//!
//! numpy_pytorch.py needs python3 with numpy and safetensors (CI installs them); torch_mlp.py
//! needs torch, and says so and passes where torch does not import.

mod common;

use std::path::Path;

use common::{bin, have_numpy, python_has};

fn example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/check")
        .join(name);
    format!("python3 '{}'", path.display())
}

/// `check --exec CMD --seed SEED --problems COUNT`: every problem must agree, and `activations`
/// be among them. `timeout`: the seconds each run may take (importing torch takes seconds on a
/// busy machine).
fn passes_every_problem(cmd: &str, seed: u64, count: usize, timeout: u32, activations: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["check", "--exec", cmd, "--out"])
        .arg(dir.path())
        .args([
            "--seed",
            &seed.to_string(),
            "--problems",
            &count.to_string(),
        ])
        .args(["--timeout", &timeout.to_string()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "seed {seed}: {text}{err}");
    assert!(
        text.contains(&format!("{count} of {count} problems agree")),
        "seed {seed}: {text}"
    );
    // Every optimizer, both precisions and `activations` were among them.
    let kinds = [
        "adam (",
        "adamw (",
        "sgd (momentum",
        "nesterov",
        "f32",
        "f64",
    ];
    for what in kinds.iter().chain(activations) {
        assert!(
            text.contains(&format!(", {what}")),
            "seed {seed}: no {what} problem: {text}"
        );
    }
}

#[test]
fn a_numpy_step_by_pytorchs_formulas_with_f64_constants_passes_every_problem() {
    if !have_numpy("a_numpy_step_by_pytorchs_formulas_passes") {
        return;
    }
    for seed in [1, 4242, 77] {
        // GELU through 1 + erf and SiLU as x/(1 + exp(−x)), as PyTorch's kernels compute them.
        passes_every_problem(
            &example("numpy_pytorch.py"),
            seed,
            40,
            60,
            &["gelu,", "silu,"],
        );
    }
}

#[test]
fn pytorch_itself_passes_every_problem_where_torch_imports() {
    if !python_has("torch, safetensors") {
        eprintln!(
            "pytorch_itself_passes_every_problem skipped: torch does not import for python3 (pip install torch safetensors)"
        );
        return;
    }
    // The 16 edge cases and a few random problems each: a process per problem imports torch.
    for seed in [1, 4242] {
        passes_every_problem(&example("torch_mlp.py"), seed, 24, 300, &[]);
    }
}
