//! `mlp2d check --autograder DIR --assignment FILE`: the folder Gradescope's autograder is made
//! of, and its `run_autograder` run here against a submission, with Gradescope's paths moved
//! into a temporary folder (MLP2D_AUTOGRADER_ROOT) and this build's mlp2d (MLP2D).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{bin, have_numpy, repo};

const ASSIGNMENT: &str = "# ReLU and plain SGD\nactivation = [\"relu\"]\noptimizer = [\"sgd\"]\nproblems = 10\nseed = 3\n";

/// The autograder for ASSIGNMENT written into ROOT/source, as Gradescope unpacks it.
fn autograder(root: &Path) -> PathBuf {
    let file = root.join("hw.toml");
    std::fs::write(&file, ASSIGNMENT).unwrap();
    let source = root.join("source");
    let out = bin()
        .args(["check", "--autograder"])
        .arg(&source)
        .arg("--assignment")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    source
}

/// Runs ROOT/source/run_autograder with the submission's files; the results.json it writes.
fn run_autograder(root: &Path, files: &[(&str, &Path)]) -> serde_json::Value {
    let submission = root.join("submission");
    let _ = std::fs::remove_dir_all(&submission);
    std::fs::create_dir_all(&submission).unwrap();
    for (name, from) in files {
        std::fs::copy(from, submission.join(name)).unwrap();
    }
    let status = Command::new(root.join("source/run_autograder"))
        .env("MLP2D_AUTOGRADER_ROOT", root)
        .env("MLP2D", env!("CARGO_BIN_EXE_mlp2d"))
        .current_dir(root)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(root.join("results/results.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_autograder_folder_holds_what_gradescope_runs() {
    let dir = tempfile::tempdir().unwrap();
    let source = autograder(dir.path());
    assert_eq!(
        std::fs::read_to_string(source.join("assignment.toml")).unwrap(),
        ASSIGNMENT
    );
    for script in ["setup.sh", "run_autograder"] {
        let path = source.join(script);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "{script} is executable");
        let syntax = Command::new("bash").arg("-n").arg(&path).status().unwrap();
        assert!(syntax.success(), "{script} parses");
    }
    let setup = std::fs::read_to_string(source.join("setup.sh")).unwrap();
    assert!(
        setup.contains("cargo install --locked --path \"$here/mlp2d\""),
        "{setup}"
    );
    assert!(setup.contains("numpy safetensors"), "{setup}");
    // The copy of the source builds what this checkout builds.
    for part in [
        "Cargo.toml",
        "Cargo.lock",
        "src/main.rs",
        "src/check/autograder.rs",
        "benches/step.rs",
    ] {
        assert_eq!(
            std::fs::read(source.join("mlp2d").join(part)).unwrap(),
            std::fs::read(repo(part)).unwrap(),
            "{part}"
        );
    }
    // The folder is the whole autograder: one that holds something else is refused.
    let file = dir.path().join("hw.toml");
    let out = bin()
        .args(["check", "--autograder"])
        .arg(&source)
        .arg("--assignment")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    // --assignment is required.
    let out = bin()
        .args(["check", "--autograder"])
        .arg(dir.path().join("new"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--assignment"));
}

#[test]
fn run_autograder_judges_a_submission_and_writes_gradescopes_results() {
    if !have_numpy("run_autograder_judges_a_submission") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    autograder(dir.path());
    let numpy = repo("examples/check/numpy_mlp.py");
    let results = run_autograder(dir.path(), &[("mlp.py", &numpy)]);
    assert_eq!(results["score"], 10, "{results}");
    assert_eq!(results["max_score"], 10, "{results}");
    let tests = results["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 10);
    assert!(tests.iter().all(|t| t["status"] == "passed"), "{results}");
    assert_eq!(tests[0]["name"], "problem 1: batch-of-1");
    let output = results["output"].as_str().unwrap();
    assert!(
        output.contains("seed 3, 10 problems") && output.contains("optimizer sgd"),
        "{output}"
    );

    // A planted mistake scores below full, problem by problem.
    let wrong = dir.path().join("wrong.py");
    let text = std::fs::read_to_string(&numpy).unwrap();
    std::fs::write(
        &wrong,
        text.replace(
            "default=os.environ.get(\"MLP2D_MISTAKE\") or None",
            "default=\"sum\"",
        ),
    )
    .unwrap();
    let results = run_autograder(dir.path(), &[("mlp.py", &wrong)]);
    let score = results["score"].as_u64().unwrap();
    assert!(score < 10, "{results}");
    assert_eq!(results["max_score"], 10);
}

#[test]
fn a_submission_that_cannot_be_run_scores_0_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    autograder(dir.path());
    let numpy = repo("examples/check/numpy_mlp.py");
    let results = run_autograder(dir.path(), &[("a.py", &numpy), ("b.py", &numpy)]);
    assert_eq!(results["score"], 0, "{results}");
    let output = results["output"].as_str().unwrap();
    assert!(output.contains("exactly one .py file"), "{output}");
    let results = run_autograder(dir.path(), &[]);
    assert_eq!(results["score"], 0, "{results}");
}
