//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `mlp2d` binary built for these tests.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mlp2d"))
}

/// Every shipped config (`configs/*.toml`), in name order.
pub fn shipped_configs() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(repo("configs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
}

/// A file of the repository (e.g. `configs/moons.toml`).
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A file of the moons64 reference case (tests/fixtures/moons64).
pub fn moons64(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/moons64")
        .join(name)
}

/// Runs a command and requires exit status 0 (showing its stderr otherwise).
pub fn ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `mlp2d` with `args`; returns the exit code, stdout and stderr.
pub fn run(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let out: Output = bin().args(args).output().expect("the binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
/// Whether python3 can import `modules` (e.g. `"numpy, safetensors"`).
pub fn python_has(modules: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether python3 has numpy and safetensors; without them a test that needs them says so and
/// passes, unless `CI` is set (.ci/run installs both), where their absence fails it.
pub fn have_numpy(test: &str) -> bool {
    if python_has("numpy, safetensors") {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "python3 with numpy and safetensors is needed: pip install numpy safetensors (.ci/run does)"
    );
    eprintln!("{test} skipped: no numpy/safetensors for python3 (pip install numpy safetensors)");
    false
}

pub mod browser;
pub mod cli;
pub mod server;
pub mod textbook;
