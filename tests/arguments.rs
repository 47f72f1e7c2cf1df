//! What a new user types wrong, and the one line they get back: negative and zero numbers name
//! the range they miss, duplicate backends are timed once, CSV mistakes name their line, a
//! training split missing a class is warned about, and sweeps and runs do not mix in a report.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::bin;

/// Runs `mlp2d args…`; returns the exit code, stdout and stderr.
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = bin().args(args).output().expect("the binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Exit 2 and stderr a single line holding every one of `phrases`.
fn refused(args: &[&str], phrases: &[&str]) {
    let (code, _, err) = run(args);
    assert_eq!(code, Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line, got:\n{err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    for p in phrases {
        assert!(err.contains(p), "{args:?}: {p:?} not in {err}");
    }
    assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
}

const MOONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/moons.toml");

#[test]
fn negative_numbers_get_the_range_not_unexpected_argument() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["compare", "--config", MOONS, "--epochs", "-1"],
            &["'--epochs <N>'", "must be at least 1"],
        ),
        (
            &["compare", "--config", MOONS, "--epochs", "0"],
            &["must be at least 1"],
        ),
        (
            &["compare", "--config", MOONS, "--seed", "-1"],
            &["'--seed <N>'", "must be 0 or more"],
        ),
        (
            &["sweep", "--runs", "-1"],
            &["'--runs <N>'", "must be at least 1"],
        ),
        (
            &["sweep", "--seed", "-3"],
            &["'--seed <N>'", "must be 0 or more"],
        ),
        (
            &["sweep", "--err-bound-limit", "-1"],
            &["'--err-bound-limit <LIMIT>'", "must be a number >= 0"],
        ),
        (
            &["sweep", "--shard", "-1/3"],
            &["'--shard <K/N>'", "1 <= K <= N"],
        ),
        (
            &["data", "--config", MOONS, "--out", "x.csv", "--seed", "-1"],
            &["must be 0 or more"],
        ),
        (
            &[
                "grads", "--config", MOONS, "--params", "p", "--step", "-1e-6",
            ],
            &["'--step <H>'", "must be a finite number > 0"],
        ),
        (
            &[
                "grads",
                "--config",
                MOONS,
                "--params",
                "p",
                "--numeric-tol",
                "-1",
            ],
            &["must be a number >= 0"],
        ),
        (&["bench", "--ms", "-1"], &["must be at least 1"]),
        (
            &["serve", "--port", "-1"],
            &["'--port <PORT>'", "0..=65535"],
        ),
    ];
    for (args, phrases) in cases {
        refused(args, phrases);
    }
}

#[test]
fn the_servers_counts_name_their_range() {
    refused(
        &["serve", "--max-sessions", "-1"],
        &["--max-sessions", "at least 1"],
    );
    refused(
        &["serve", "--max-sessions", "0"],
        &["--max-sessions", "at least 1"],
    );
    refused(
        &["serve", "--idle-timeout", "-5"],
        &["--idle-timeout", "at least 1"],
    );
}

#[test]
fn zero_threads_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let out = out.to_str().unwrap();
    refused(
        &["sweep", "--runs", "1", "--threads", "0", "--out", out],
        &["'--threads <N>'", "must be at least 1"],
    );
    assert!(!Path::new(out).exists(), "nothing is written");
}

#[test]
fn a_backend_given_twice_is_timed_once() {
    let (code, stdout, err) = run(&[
        "bench",
        "--json",
        "--twin",
        "burn",
        "--backend",
        "flex,flex",
        "--ms",
        "1",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("--backend flex given twice: timed once"),
        "{err}"
    );
    let rows: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!rows.is_empty());
    let n = rows.len();
    // One row per (net, batch, precision): no row twice once the timings are left out.
    let mut keys: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {} {}",
                r["twin"], r["backend"], r["hidden"], r["batch"], r["precision"], r["optimizer"]
            )
        })
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "duplicate rows: {stdout}");
}

/// `--optimizer sgd,adam`: every twin, case and precision timed with each update, the row
/// saying which.
#[test]
fn bench_times_each_optimizer() {
    let (code, stdout, err) = run(&[
        "bench",
        "--json",
        "--backend",
        "flex",
        "--optimizer",
        "sgd,adam,adam",
        "--ms",
        "1",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let rows: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // 3 cases × 2 precisions × 2 optimizers × 2 twins.
    assert_eq!(rows.len(), 24, "{stdout}");
    for twin in ["manual", "burn-flex"] {
        for optimizer in ["sgd", "adam"] {
            let n = rows
                .iter()
                .filter(|r| r["twin"] == twin && r["optimizer"] == optimizer)
                .count();
            assert_eq!(n, 6, "{twin} {optimizer}: {stdout}");
        }
    }
    assert!(
        rows.iter()
            .all(|r| r["us_per_step"].as_f64().unwrap() > 0.0)
    );
    let (code, _, err) = run(&["bench", "--optimizer", "rmsprop", "--ms", "1"]);
    assert_eq!(code, Some(2), "{err}");
}

/// `compare` on a CSV with `text` (and `extra` config lines); returns exit code and stderr.
fn compare_csv(text: &str, extra: &str) -> (Option<i32>, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.csv"), text).unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        format!(
            "name = \"c\"\n{extra}\n[data]\nkind = \"csv\"\npath = \"data.csv\"\n\
             test_fraction = 0.2\n[model]\nhidden = [4]\n[train]\nepochs = 2\nbatch_size = 2\n\
             learning_rate = 0.1\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let (code, _, err) = common::run(&[
        OsStr::new("compare"),
        OsStr::new("--config"),
        config.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
        OsStr::new("-q"),
    ]);
    (code, err, dir)
}

#[test]
fn a_label_gap_names_the_line_of_the_largest_label() {
    let (code, err, _dir) = compare_csv("x1,x2,label\n1,2,0\n3,4,1000\n5,6,1\n7,8,0\n", "");
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    for p in [
        "data.csv line 3",
        "label `1000`",
        "run from 0 to 1000",
        "class 2, 3,",
        "(998 in all) has no row",
    ] {
        assert!(err.contains(p), "{p:?} not in {err}");
    }
}

#[test]
fn a_trailing_comma_is_named_as_such() {
    for (text, line) in [
        ("x1,x2,label,\n1,2,0\n3,4,1\n", "data.csv line 1"),
        ("x1,x2,label\n1,2,0\n3,4,1,\n", "data.csv line 3"),
    ] {
        let (code, err, _dir) = compare_csv(text, "");
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains(&format!("{line} ends with a comma (an empty last column)")),
            "{err}"
        );
        assert!(!err.contains("the last column is ``"), "{err}");
    }
}

#[test]
fn a_training_split_without_a_class_is_warned_about() {
    // Five rows, one of class 1: with seed 3 it is the test row (`mlp2d data --split train`
    // shows the split; it is deterministic).
    let (code, err, dir) = compare_csv(
        "x1,x2,label\n0,0,0\n1,0,0\n0,1,0\n1,1,0\n2,2,1\n",
        "seed = 3",
    );
    assert_eq!(code, Some(0), "{err}");
    let warning = "the training split holds 1 of the data's 2 classes (none of class 1)";
    assert!(err.contains(&format!("warning: {warning}")), "{err}");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    let warnings = summary["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains(warning)),
        "{warnings:?}"
    );

    // Every class in the training split: no such warning.
    let (code, err, _dir) = compare_csv(
        "x1,x2,label\n0,0,0\n1,0,0\n0,1,0\n1,1,0\n2,2,1\n",
        "seed = 2",
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("training split holds"), "{err}");
}

#[test]
fn sweeps_and_runs_do_not_mix_in_one_report() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("sweep");
    std::fs::create_dir_all(&sweep).unwrap();
    // A sweep folder is one with a sweep.csv; its rows are not read before the mix is refused.
    std::fs::write(sweep.join("sweep.csv"), "run\n").unwrap();
    let run_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/results/moons");
    let out = dir.path().join("r.md");
    for (a, b) in [
        (sweep.to_str().unwrap(), run_dir),
        (run_dir, sweep.to_str().unwrap()),
    ] {
        refused(
            &["report", a, b, "--out", out.to_str().unwrap()],
            &[
                "is a sweep folder (it has a sweep.csv)",
                "sweeps and runs cannot be mixed in one report",
            ],
        );
        assert!(!out.exists());
    }
}

#[test]
fn compare_help_lists_every_exit_status_and_names_files_and_folders() {
    let (code, help, _) = run(&["compare", "--help"]);
    assert_eq!(code, Some(0));
    assert!(help.contains("130 when stopped by Ctrl-C"), "{help}");
    for p in [
        "--config <FILE>",
        "--all <DIR>",
        "--out <DIR>",
        "--init <FILE>",
    ] {
        assert!(help.contains(p), "{p} not in {help}");
    }
}

/// Without the `gpu` feature, asking for burn's GPU path says how to build it, for a run, a
/// config, a sweep and a benchmark alike; nothing is written.
#[cfg(not(feature = "gpu"))]
#[test]
fn the_gpu_backend_without_its_feature_says_how_to_build_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let config = dir.path().join("wgpu.toml");
    let text = std::fs::read_to_string(MOONS).unwrap();
    let text = text.replace("\n[compare]\n", "\n[compare]\nbackend = \"wgpu\"\n");
    std::fs::write(&config, text).unwrap();
    let out_s = out.to_str().unwrap();
    let build = &["backend \"wgpu\"", "--features gpu"];
    refused(
        &[
            "compare",
            "--config",
            config.to_str().unwrap(),
            "--out",
            out_s,
        ],
        build,
    );
    refused(
        &[
            "compare",
            "--config",
            MOONS,
            "--backend",
            "wgpu",
            "--out",
            out_s,
        ],
        build,
    );
    refused(
        &[
            "sweep",
            "--runs",
            "2",
            "--backends",
            "flex,wgpu",
            "--out",
            out_s,
        ],
        build,
    );
    refused(&["bench", "--backend", "wgpu"], build);
    assert!(!out.exists(), "nothing is written");
    let cuda = &["backend \"cuda\"", "--features cuda"];
    refused(
        &[
            "compare",
            "--config",
            MOONS,
            "--backend",
            "cuda",
            "--out",
            out_s,
        ],
        cuda,
    );
}
