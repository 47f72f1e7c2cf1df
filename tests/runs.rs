//! Runs on the command line: healthy, failing and diverging runs' exit statuses and files, a
//! batch size clamped with a warning, an impossible output folder, and usage errors.

mod common;

use common::cli::{Dir, MOONS, NET, assert_bad_input, assert_clean, mlp2d, run, stderr};

#[test]
fn batch_size_larger_than_the_split_is_clamped_with_a_warning() {
    let dir = Dir::new();
    let out = dir.compare_tiny(&format!("{MOONS}[train]\nbatch_size = 1000\n"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_clean(&out);
    assert!(
        stderr(&out)
            .contains("warning: batch_size 1000 is larger than the training split (32 rows)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn output_folder_under_a_file_fails_before_training() {
    let dir = Dir::new();
    let file = dir.write("a-file", "not a folder");
    let out_dir = file.join("out");
    let config = dir.write("config.toml", MOONS);
    // Not quiet: a started training would print its progress.
    let out = run(mlp2d()
        .args(["compare", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out_dir));
    assert_bad_input(&out, &["output folder", &out_dir.display().to_string()]);
    assert!(!stderr(&out).contains("epoch"), "{}", stderr(&out));
}

fn assert_diverges(precision: &str) {
    let dir = Dir::new();
    let config = format!(
        "{MOONS}[model]\nhidden = [64, 64]\ninit = \"normal\"\n[train]\nepochs = 3\nlearning_rate = 1e6\n"
    );
    let out = dir.compare(&config, &["-q", "--precision", precision]);
    assert_bad_input(
        &out,
        &[
            "training diverged at epoch ",
            ", step ",
            " twin's ",
            "learning_rate",
            "init = \"he\"",
        ],
    );
    let err = stderr(&out);
    assert!(
        err.contains("the burn twin's") || err.contains("the hand-written twin's"),
        "{err}"
    );
    for name in ["summary.json", "metrics.csv"] {
        assert!(!dir.path("out").join(name).exists(), "{name} was written");
    }
}

#[test]
fn divergence_f64_is_an_error_and_writes_no_results() {
    assert_diverges("f64");
}

#[test]
fn divergence_f32_is_an_error_and_writes_no_results() {
    assert_diverges("f32");
}

#[test]
fn healthy_run_writes_every_file() {
    let dir = Dir::new();
    let out = dir.compare_tiny(&format!("{MOONS}{NET}"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_clean(&out);
    assert!(!stderr(&out).contains("error"), "{}", stderr(&out));
    let results = dir.path("out");
    for name in [
        "summary.json",
        "metrics.csv",
        "initial.safetensors",
        "final_manual.safetensors",
        "final_burn.safetensors",
    ] {
        assert!(results.join(name).is_file(), "{name} is missing");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("summary.json")).unwrap())
            .expect("summary.json parses");
    assert_eq!(summary["passed"], serde_json::Value::Bool(true));
    // Plain SGD keeps no state: no optimizer files.
    assert!(!results.join("final_burn_optimizer.safetensors").exists());
}

#[test]
fn an_optimizer_with_state_writes_it_beside_the_parameters() {
    let dir = Dir::new();
    let config = format!("{MOONS}{NET}[train]\noptimizer = \"adam\"\n");
    let out = dir.compare_tiny(&config);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let results = dir.path("out");
    let mut names = Vec::new();
    for twin in ["manual", "burn"] {
        let bytes = std::fs::read(results.join(format!("final_{twin}_optimizer.safetensors")))
            .unwrap_or_else(|e| panic!("{twin}'s optimizer state: {e}"));
        let file = mlp2d::params::TensorFile::parse(&bytes).unwrap();
        let held: Vec<String> = file.names().iter().map(|n| n.to_string()).collect();
        for (layer, shape) in [(0, vec![2, 4]), (1, vec![4, 2])] {
            for buffer in ["moment_1", "moment_2"] {
                let name = format!("{buffer}.layers.{layer}.weight");
                let (s, v) = file.get(&name).unwrap().unwrap_or_else(|| panic!("{name}"));
                assert_eq!(s, shape, "{name}");
                // The second moment of a gradient that is not all zero.
                if buffer == "moment_2" {
                    assert!(v.iter().all(|&x| x >= 0.0) && v.iter().any(|&x| x > 0.0));
                }
            }
        }
        names.push(held);
    }
    assert_eq!(names[0], names[1], "both twins keep the same buffers");
    assert_eq!(names[0].len(), 8);
}

#[test]
fn impossible_limit_fails_with_status_1() {
    let dir = Dir::new();
    let config = format!(
        "{MOONS}[model]\nhidden = [16, 16]\n[compare]\nprecision = \"f32\"\nbackend = \"ndarray\"\nerr_bound_limit = 0.0\n"
    );
    // burn-ndarray multiplies with other kernels than the hand-written twin and differs in the
    // last bits, so a limit of 0 fails (on burn-flex the twins often agree bit for bit).
    let out = dir.compare(&config, &["--epochs", "2", "-q"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_clean(&out);
    assert!(err.contains("error: the twins disagree at epoch "), "{err}");
    assert!(err.contains(", step "), "{err}");
    assert!(
        err.contains(" of loss is ") || err.contains(" of grad.layers."),
        "{err}"
    );
    // The run is finished and reported, just not passed.
    let summary = std::fs::read_to_string(dir.path("out").join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["passed"], serde_json::Value::Bool(false));
    assert!(summary["max_err_bound"].as_f64().unwrap() > 0.0);
    assert_eq!(summary["err_bound_limit"].as_f64(), Some(0.0));
    assert_eq!(summary["bit_identical"], serde_json::Value::Bool(false));
}

#[test]
fn usage_errors_exit_2() {
    let dir = Dir::new();
    let config = dir.write("config.toml", MOONS);
    for out in [
        run(mlp2d()
            .args(["compare", "--config"])
            .arg(&config)
            .arg("--bogus")),
        run(mlp2d().arg("compare")),
        run(mlp2d()
            .args(["compare", "--config"])
            .arg(&config)
            .args(["--epochs", "0"])),
    ] {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_clean(&out);
        assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
    }
}
