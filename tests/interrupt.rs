//! A run stopped by Ctrl-C or SIGTERM leaves the previous complete results untouched and no
//! stray files. The run is killed for real, mid-training.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn compare(out: &Path, epochs: &str) -> Command {
    let mut cmd = common::bin();
    cmd.args(["compare", "--quiet", "--epochs", epochs, "--config"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/grid2.toml"))
        .arg("--out")
        .arg(out);
    cmd
}

/// Every file in the folder with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn interrupt_mid_run(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("grid2");
    common::ok(&mut compare(&out, "1"));
    let before = snapshot(&out);
    assert!(before.contains_key("summary.json") && before.contains_key("metrics.csv"));

    // 5000 epochs take minutes: the signal surely lands mid-training.
    let mut child = compare(&out, "5000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let output = loop {
        if child.try_wait().unwrap().is_some() {
            break child.wait_with_output().unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run ignored {signal}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted at epoch"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Byte for byte what the first run left, and nothing else (no temporary files).
    assert_eq!(snapshot(&out), before);
}

#[test]
fn ctrl_c_leaves_previous_results_untouched() {
    interrupt_mid_run("-INT");
}

#[test]
fn sigterm_leaves_previous_results_untouched() {
    interrupt_mid_run("-TERM");
}
