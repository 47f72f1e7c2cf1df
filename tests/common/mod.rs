//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `mlp2d` binary built for these tests.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mlp2d"))
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
pub mod browser;
pub mod cli;
pub mod server;
pub mod textbook;
