//! Result files as a user meets them: the usual file mode, no empty folder left by a run that
//! wrote nothing, and a file that cannot be written is an error naming it.

mod common;

use std::path::Path;
use std::process::Command;

const CONFIG: &str = "name = \"m\"\n[data]\nkind = \"moons\"\nsamples = 200\n[train]\nepochs = 2\n";

fn write_config(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("c.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `mlp2d` under `sh` with a umask, or a file-size limit (in 1 KiB blocks, SIGXFSZ ignored so
/// a write past it fails with EFBIG instead of killing the process).
fn mlp2d_sh(prefix: &str, args: &str) -> std::process::Output {
    let bin = common::bin();
    let bin = bin.get_program().to_string_lossy();
    Command::new("bash")
        .arg("-c")
        .arg(format!("{prefix}; exec '{bin}' {args}"))
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn result_files_get_the_umask_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), CONFIG);
    let out = dir.path().join("out");
    let csv = dir.path().join("data.csv");
    // An existing file keeps being an ordinary file when overwritten.
    std::fs::write(&csv, "old").unwrap();
    std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o644)).unwrap();
    for args in [
        format!(
            "compare -q --config '{}' --out '{}'",
            config.display(),
            out.display()
        ),
        format!(
            "data --config '{}' --out '{}'",
            config.display(),
            csv.display()
        ),
    ] {
        let o = mlp2d_sh("umask 022", &args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let mut files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(csv);
    assert!(files.len() >= 7, "{files:?}");
    for f in files {
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{}: {mode:o}", f.display());
    }
}

#[test]
fn a_run_that_writes_nothing_leaves_no_folder() {
    let dir = tempfile::tempdir().unwrap();
    // Diverges at once: a huge learning rate.
    let config = write_config(
        dir.path(),
        "name = \"d\"\n[data]\nkind = \"moons\"\nsamples = 200\n[model]\nhidden = [64, 64, 64]\n[train]\nepochs = 5\nlearning_rate = 1e6\n",
    );
    let out = dir.path().join("out");
    let compare = || {
        common::bin()
            .args(["compare", "-q", "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap()
    };
    let o = compare();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("diverged"), "{err}");
    assert!(!out.exists(), "an empty result folder was left behind");

    // An existing folder is left in place, with what it held.
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "x").unwrap();
    assert_eq!(compare().status.code(), Some(2));
    assert!(out.join("keep.txt").exists());
}

/// A disk that fills up (here: a file-size limit) fails the run, naming the file it could not
/// write, never a temporary's name, and never with exit 0.
#[test]
fn a_file_that_cannot_be_written_fails_the_run_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), CONFIG);
    let out = dir.path().join("out");
    let o = mlp2d_sh(
        "trap '' XFSZ; ulimit -f 40",
        &format!(
            "compare -q --config '{}' --out '{}'",
            config.display(),
            out.display()
        ),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot write") && err.contains(".png"),
        "{err}"
    );
    assert!(!err.contains(".mlp2d-"), "names a temporary: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        !out.join("summary.json").exists(),
        "an unfinished run has no summary"
    );
}

fn run_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let o = common::bin().current_dir(dir).args(args).output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// An ad-hoc run goes to runs/<name>/ (ignored by git), not over the committed results/.
#[test]
fn an_ad_hoc_run_goes_to_runs() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), CONFIG);
    let (code, out, err) = run_in(dir.path(), &["compare", "-q", "--config", "c.toml"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("results in    runs/m"), "{out}");
    assert!(dir.path().join("runs/m/summary.json").is_file());
    assert!(!dir.path().join("results").exists());
}

/// A batch larger than the training split is said on stderr and kept in summary.json.
#[test]
fn the_batch_size_warning_is_kept_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &format!("{CONFIG}batch_size = 5000\n"));
    let (code, _, err) = run_in(dir.path(), &["compare", "-q", "--config", "c.toml"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("warning: batch_size 5000 is larger"), "{err}");
    let summary = mlp2d::report::table::read_summary(&dir.path().join("runs/m")).unwrap();
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.contains("batch_size 5000")),
        "{:?}",
        summary.warnings
    );
}

#[test]
fn usage_messages_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), CONFIG);
    let (code, _, err) = run_in(dir.path(), &["compare"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--config") && err.contains("--all"), "{err}");
    let (code, _, err) = run_in(
        dir.path(),
        &["compare", "--config", "c.toml", "--epochs", "0"],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("must be at least 1"), "{err}");
    assert!(!err.contains("18446744073709551615"), "{err}");
    // The picture is a PNG: another extension is refused before anything is written.
    let (code, _, err) = run_in(
        dir.path(),
        &[
            "data", "--config", "c.toml", "--out", "d.csv", "--plot", "x.jpg",
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(".png"), "{err}");
    assert!(!dir.path().join("x.jpg").exists() && !dir.path().join("d.csv").exists());
    // An existing folder as --out, and a missing folder, are named as such.
    let (code, _, err) = run_in(dir.path(), &["data", "--config", "c.toml", "--out", "."]);
    assert_eq!(code, Some(2));
    assert!(err.contains("is a folder"), "{err}");
    let (code, _, err) = run_in(
        dir.path(),
        &["data", "--config", "c.toml", "--out", "no/such/d.csv"],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("does not exist") && !err.contains(".mlp2d-"),
        "{err}"
    );
}

/// `compare --all` names a bad config once.
#[test]
fn compare_all_names_a_bad_config_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("all")).unwrap();
    std::fs::write(dir.path().join("all/good.toml"), CONFIG).unwrap();
    std::fs::write(
        dir.path().join("all/bad.toml"),
        "name = \"b\"\n[data]\nkind = \"moonz\"\n",
    )
    .unwrap();
    let (code, _, err) = run_in(
        dir.path(),
        &["compare", "-q", "--all", "all", "--out", "out"],
    );
    assert_eq!(code, Some(2), "{err}");
    let line = err.lines().find(|l| l.contains("bad.toml")).unwrap();
    assert_eq!(line.matches("bad.toml").count(), 1, "{line}");
}

/// `grads --out` into a folder that does not exist fails before any work, naming the folder.
#[test]
fn grads_out_into_a_missing_folder_fails_first() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::moons64("config.toml");
    let params = common::moons64("params.safetensors");
    let o = common::bin()
        .current_dir(dir.path())
        .args(["grads", "--config"])
        .arg(&config)
        .arg("--params")
        .arg(&params)
        .args(["--out", "no/such/g.safetensors"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("the folder no/such does not exist"), "{err}");
    assert!(o.stdout.is_empty(), "nothing was computed");
}

/// `report` counts its runs in English.
#[test]
fn report_says_one_run() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), CONFIG);
    let (code, _, err) = run_in(dir.path(), &["compare", "-q", "--config", "c.toml"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, out, err) = run_in(dir.path(), &["report", "runs/m", "--out", "r/README.md"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("1 run: report in r/README.md"), "{out}");
}

/// Every file in `dir`, recursively, with its bytes (folders as `name/`).
fn listing(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            if path.is_dir() {
                out.insert(format!("{name}/"), Vec::new());
                todo.push(path);
            } else {
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn compare_into(config: &Path, out: &Path) -> (Option<i32>, String, String) {
    let o = common::bin()
        .args(["compare", "-q", "--config"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A folder named like an output file is found before training: the run writes nothing, so
/// the earlier results stay as they were, byte for byte.
#[test]
fn a_clashing_output_leaves_the_folder_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), CONFIG);
    let out = dir.path().join("out");
    let (code, _, err) = compare_into(&config, &out);
    assert_eq!(code, Some(0), "{err}");
    std::fs::remove_file(out.join("loss.png")).unwrap();
    std::fs::create_dir(out.join("loss.png")).unwrap();
    let before = listing(&out);
    let (code, stdout, err) = compare_into(&config, &out);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("loss.png") && err.contains("folder"), "{err}");
    assert!(!err.contains(".mlp2d-"), "names a temporary: {err}");
    assert!(!stdout.contains("results in"), "{stdout}");
    assert_eq!(listing(&out), before);
}

/// `data --plot` into a missing folder writes neither file and names the folder.
#[test]
fn data_writes_both_files_or_neither() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), CONFIG);
    let (code, _, err) = run_in(
        dir.path(),
        &[
            "data",
            "--config",
            "c.toml",
            "--out",
            "d.csv",
            "--plot",
            "missing/x.png",
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the folder missing does not exist"), "{err}");
    assert!(!err.contains(".mlp2d-"), "names a temporary: {err}");
    assert!(!dir.path().join("d.csv").exists(), "the CSV was written");
    // The data is CSV: another extension is refused.
    let (code, _, err) = run_in(
        dir.path(),
        &["data", "--config", "c.toml", "--out", "m.png"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(".csv"), "{err}");
    assert!(!dir.path().join("m.png").exists());
}

/// No rows is not a result: the test split of a config without one, and an empty sweep shard.
#[test]
fn empty_results_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &CONFIG.replace("[train]", "test_fraction = 0\n[train]"),
    );
    let (code, _, err) = run_in(
        dir.path(),
        &[
            "data", "--config", "c.toml", "--out", "t.csv", "--split", "test",
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no rows"), "{err}");
    assert!(!dir.path().join("t.csv").exists());

    let (code, out, err) = run_in(
        dir.path(),
        &[
            "sweep", "-q", "--shard", "3/3", "--runs", "2", "--out", "sw",
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no run") && err.contains("3/3"), "{err}");
    assert!(!out.contains("NaN"), "{out}");
    assert!(!dir.path().join("sw").exists(), "an empty folder was left");
}

/// A folder that cannot be written is named, not the probe file that found out.
#[test]
fn an_unwritable_folder_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), CONFIG);
    // A folder under a file cannot be created, by root either.
    std::fs::write(dir.path().join("file"), "x").unwrap();
    let (code, _, err) = compare_into(&config, &dir.path().join("file/sub"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("file/sub"), "{err}");
    assert!(!err.contains(".mlp2d-"), "names a probe: {err}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        // Root ignores the mode: then there is nothing to test here.
        let writable = std::fs::write(ro.join("probe"), "").is_ok();
        if !writable {
            let (code, _, err) = compare_into(&config, &ro);
            assert_eq!(code, Some(2), "{err}");
            assert!(err.contains("not writable") && err.contains("ro"), "{err}");
            assert!(!err.contains(".mlp2d-"), "names a probe: {err}");
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A second run into a folder in use is refused; a lock file left by a killed run is not.
#[test]
fn a_folder_in_use_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), CONFIG);
    let out = dir.path().join("out");
    {
        // Held here as a running `compare` holds it.
        let _held = mlp2d::output::OutputDir::prepare(&out).unwrap();
        let (code, stdout, err) = compare_into(&config, &out);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("in use") && err.contains("out"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!stdout.contains("results in"), "{stdout}");
        assert!(!out.join("summary.json").exists());
    }
    // Released: the folder is gone again (it was empty), and a run goes ahead.
    assert!(!out.exists());
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join(mlp2d::output::LOCK_FILE), "999999999\n").unwrap();
    let (code, _, err) = compare_into(&config, &out);
    assert_eq!(code, Some(0), "a stale lock file blocks: {err}");
    assert!(
        !out.join(mlp2d::output::LOCK_FILE).exists(),
        "the lock stays"
    );
}

/// A run that diverged in its first epoch (recorded by `compare --all`) keeps the header of
/// `metrics.csv`, and the report says so instead of "bit for bit" and NaN seconds.
#[test]
fn a_diverged_run_keeps_the_metrics_header() {
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all");
    std::fs::create_dir(&all).unwrap();
    std::fs::write(
        all.join("d.toml"),
        "name = \"d\"\n[data]\nkind = \"moons\"\nsamples = 200\n[model]\nhidden = [64, 64, 64]\n[train]\nepochs = 5\nlearning_rate = 1e6\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = common::bin()
        .args(["compare", "-q", "--all"])
        .arg(&all)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let csv = std::fs::read_to_string(out.join("d/metrics.csv")).unwrap();
    assert!(csv.starts_with("epoch,loss_manual,loss_burn,"), "{csv:?}");
    assert!(mlp2d::report::table::read_metrics_csv(&out.join("d/metrics.csv")).is_ok());
    let report = std::fs::read_to_string(out.join("README.md")).unwrap();
    let row = report.lines().find(|l| l.starts_with("| d |")).unwrap();
    assert!(
        !row.contains("bit for bit") && !row.contains("NaN"),
        "{row}"
    );
    assert!(
        row.contains("diverged") && row.contains("DIVERGED"),
        "{row}"
    );
}

/// Starts `mlp2d args`, sends SIGINT once `ready` holds (or after a minute); returns its exit
/// code and stderr.
fn interrupt_when(args: &[&std::ffi::OsStr], ready: impl Fn() -> bool) -> (Option<i32>, String) {
    use std::time::{Duration, Instant};
    let child = common::bin()
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !ready() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// An interrupted `compare --all` names the run folders it wrote before the signal.
#[test]
fn an_interrupted_batch_names_what_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all");
    std::fs::create_dir(&all).unwrap();
    std::fs::write(all.join("a.toml"), CONFIG.replace("\"m\"", "\"a\"")).unwrap();
    std::fs::write(
        all.join("b.toml"),
        CONFIG
            .replace("\"m\"", "\"b\"")
            .replace("epochs = 2", "epochs = 100000"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let a_done = out.join("a/summary.json");
    let (code, err) = interrupt_when(
        &[
            "compare".as_ref(),
            "-q".as_ref(),
            "--all".as_ref(),
            all.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        || a_done.exists(),
    );
    assert_eq!(code, Some(130), "{err}");
    let shown = out.join("a").display().to_string();
    assert!(err.contains(&shown), "{err}");
    assert!(!err.contains("no result file was written"), "{err}");
    assert!(!out.join("b").exists() && !out.join("README.md").exists());
}

/// An interrupted sweep leaves no empty folder behind.
#[test]
fn an_interrupted_sweep_leaves_no_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    let (code, err) = interrupt_when(
        &[
            "sweep".as_ref(),
            "-q".as_ref(),
            "--runs".as_ref(),
            "100000".as_ref(),
            "--threads".as_ref(),
            "1".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        || out.exists(),
    );
    assert_eq!(code, Some(130), "{err}");
    assert!(!out.exists(), "an empty folder was left");
}
