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
