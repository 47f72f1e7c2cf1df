//! `mlp2d sweep`: random problems under the gate. A row depends only on (seed, run), so shards
//! merged by `mlp2d report` equal the unsharded sweep; a failing run leaves a config that
//! `compare` reproduces. The CI's short sweep is `the_short_sweep_passes`.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::run;
use mlp2d::metrics::Verdict;
use mlp2d::report::sweep::{activation_kind, optimizer_family};
use mlp2d::sweep::read_rows;

fn sweep(out: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args: Vec<&OsStr> = ["sweep", "-q", "--out"].iter().map(OsStr::new).collect();
    args.push(out.as_os_str());
    args.extend(extra.iter().map(OsStr::new));
    run(&args)
}

/// 60 random problems (a few seconds on two cores): none fails unexplained. A FAIL is allowed
/// only on a known burn finding (src/findings.rs: the sweep draws sigmoid, f64 and burn-ndarray
/// together about one run in sixteen), and then the sweep names it and exits 0.
#[test]
fn the_short_sweep_passes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let (code, stdout, err) = sweep(&out, &["--runs", "60", "--seed", "11"]);
    let rows = read_rows(&out.join("sweep.csv")).unwrap();
    assert_eq!(rows.len(), 60);
    assert_eq!(
        rows.iter().map(|r| r.run).collect::<Vec<_>>(),
        (0..60).collect::<Vec<_>>()
    );
    let failed = rows.iter().filter(|r| r.verdict == Verdict::Fail).count();
    assert_eq!(code, Some(0), "{stdout}\n{err}");
    assert_eq!(
        failed > 0,
        err.contains("on a documented burn finding"),
        "{err}"
    );
    for r in &rows {
        match r.verdict {
            Verdict::Fail => {
                assert!(
                    !r.finding.is_empty(),
                    "a FAIL no known finding explains: {r:?}"
                );
                assert!(r.detail.contains(&r.finding), "{r:?}");
                assert!(out.join(format!("run-{}.toml", r.run)).is_file(), "{r:?}");
            }
            Verdict::Pass => {
                assert!(r.max_err_bound <= r.err_bound_limit, "{r:?}");
                assert!(r.finding.is_empty(), "{r:?}");
            }
            Verdict::Diverged => assert!(r.finding.is_empty(), "{r:?}"),
        }
    }
    // The problems vary: every precision and backend, more than one data kind and depth, and
    // every activation and optimizer family.
    for want in ["f32", "f64"] {
        assert!(rows.iter().any(|r| r.precision == want));
    }
    for want in ["flex", "ndarray"] {
        assert!(rows.iter().any(|r| r.backend == want));
    }
    let kinds: std::collections::HashSet<&str> = rows.iter().map(|r| r.data.as_str()).collect();
    assert!(kinds.len() >= 4, "{kinds:?}");
    let activations: std::collections::HashSet<&str> = rows
        .iter()
        .map(|r| activation_kind(&r.activation))
        .collect();
    assert_eq!(
        activations.len(),
        mlp2d::config::ActivationKind::ALL.len(),
        "{activations:?}"
    );
    let optimizers: std::collections::HashSet<&str> = rows
        .iter()
        .map(|r| optimizer_family(&r.optimizer))
        .collect();
    // SGD's three families (plain, momentum, weight decay) and every other optimizer.
    assert_eq!(
        optimizers.len(),
        2 + mlp2d::config::OPTIMIZERS.len(),
        "{optimizers:?}"
    );
    assert!(stdout.contains("| all | all | 60 |"), "{stdout}");
    assert!(stdout.contains("| sigmoid | all |"), "{stdout}");
    assert!(stdout.contains("| all | adamw |"), "{stdout}");
}

/// Run 1 of seed 11 fails on the documented finding (sigmoid, f64, burn-ndarray): the sweep lists
/// it and exits 0, and 1 under --strict.
#[test]
fn a_documented_finding_fails_only_under_strict() {
    let dir = tempfile::tempdir().unwrap();
    for (extra, want) in [(None, 0), (Some("--strict"), 1)] {
        let out = dir.path().join(format!("sweep-{want}"));
        let mut args = vec!["--runs", "2", "--seed", "9"];
        args.extend(extra);
        let (code, stdout, err) = sweep(&out, &args);
        assert_eq!(code, Some(want), "{extra:?}: {stdout}\n{err}");
        assert!(err.contains("error: run 1 failed"), "{err}");
        assert!(err.contains("ndarray-sigmoid-f32"), "{err}");
        assert!(
            err.contains(
                "1 run failed: 1 on a documented burn finding (src/findings.rs), 0 unexplained"
            ),
            "{err}"
        );
        assert_eq!(
            err.contains("exit 0 (--strict fails them)"),
            want == 0,
            "{err}"
        );
    }
}

#[test]
fn shards_merged_equal_the_unsharded_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let (code, _, err) = sweep(&whole, &["--runs", "10", "--seed", "5"]);
    assert_eq!(code, Some(0), "{err}");
    let mut shards = Vec::new();
    for k in 1..=3 {
        let out = dir.path().join(format!("shard{k}"));
        // One thread here, two above: the rows must not depend on it.
        let shard = format!("{k}/3");
        let (code, _, err) = sweep(
            &out,
            &[
                "--runs",
                "10",
                "--seed",
                "5",
                "--shard",
                &shard,
                "--threads",
                "1",
            ],
        );
        assert_eq!(code, Some(0), "{err}");
        let rows = read_rows(&out.join("sweep.csv")).unwrap();
        assert!(rows.iter().all(|r| r.run % 3 == k - 1), "{rows:?}");
        shards.push(out);
    }
    let merged = dir.path().join("merged/README.md");
    let mut args: Vec<&OsStr> = vec![OsStr::new("report")];
    args.extend(shards.iter().map(|s| s.as_os_str()));
    args.push(OsStr::new("--out"));
    args.push(merged.as_os_str());
    let (code, out, err) = run(&args);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("merged/sweep.csv")).unwrap(),
        std::fs::read_to_string(whole.join("sweep.csv")).unwrap(),
        "the merged shards differ from the unsharded sweep"
    );
    let report = std::fs::read_to_string(&merged).unwrap();
    assert!(report.contains("| all | all | 10 |"), "{report}");
}

/// With a limit of 0 every run that is not bit for bit fails: exit 1, and each failing run's
/// config makes `compare` fail the same way.
#[test]
fn a_failing_run_leaves_a_config_that_reproduces_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let (code, _, err) = sweep(
        &out,
        &["--runs", "6", "--seed", "3", "--err-bound-limit", "0"],
    );
    assert_eq!(code, Some(1), "{err}");
    let rows = read_rows(&out.join("sweep.csv")).unwrap();
    let failed: Vec<_> = rows.iter().filter(|r| r.verdict == Verdict::Fail).collect();
    assert!(!failed.is_empty(), "{rows:?}");
    assert!(err.contains("error: run "), "{err}");
    // A flex run where there is one: under the full test suite an f64 burn-ndarray run was once
    // reproduced 1 ulp off in err_bound (0.011814386089479751 against …753; standalone the
    // same every time), which this test is not about.
    let r = failed
        .iter()
        .find(|r| r.backend == "flex")
        .unwrap_or(&failed[0]);
    let config = out.join(format!("run-{}.toml", r.run));
    let result = dir.path().join("reproduced");
    let (code, _, err) = run(&[
        OsStr::new("compare"),
        OsStr::new("-q"),
        OsStr::new("--config"),
        config.as_os_str(),
        OsStr::new("--out"),
        result.as_os_str(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    let summary = mlp2d::report::table::read_summary(&result).unwrap();
    assert_eq!(
        summary.max_err_bound, r.max_err_bound,
        "compare reproduces the sweep's run"
    );
    assert_eq!(summary.steps, r.steps);
}

#[test]
fn bad_sweep_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    for extra in [
        vec!["--shard", "4/3"],
        vec!["--shard", "x"],
        vec!["--runs", "0"],
        vec!["--err-bound-limit", "-1"],
    ] {
        let (code, _, err) = sweep(&out, &extra);
        assert_eq!(code, Some(2), "{extra:?}: {err}");
        assert!(err.starts_with("error"), "{err}");
    }
}
