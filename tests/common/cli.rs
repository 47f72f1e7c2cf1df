//! What the command-line tests share: small valid configs, a temporary folder that runs
//! `mlp2d compare`, and the checks for a clean exit and for bad input (exit status 2, one
//! `error:` line). Every run is tiny (a few dozen rows, one epoch or a few).

use std::path::PathBuf;
use std::process::{Command, Output};

use safetensors::Dtype;
use safetensors::tensor::TensorView;
use tempfile::TempDir;

/// A small, valid run; tests append keys to `[data]` or add tables after it.
pub const MOONS: &str = "name = \"tiny\"\n[data]\nkind = \"moons\"\nsamples = 40\n";

/// The CSV run's config: the data file `d.csv` beside it, every row kept for training.
pub const CSV: &str =
    "name = \"tiny\"\n[data]\nkind = \"csv\"\npath = \"d.csv\"\ntest_fraction = 0.0\n";

/// A one-hidden-layer net `[2, 4, 2]` on moons.
pub const NET: &str = "[model]\nhidden = [4]\n";

/// A temporary folder for one test's files and runs.
pub struct Dir {
    tmp: TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("temporary folder"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write test file");
        path
    }

    /// `mlp2d compare --config <dir>/config.toml --out <dir>/out` with `config` and `args`.
    pub fn compare(&self, config: &str, args: &[&str]) -> Output {
        let config = self.write("config.toml", config);
        run(mlp2d()
            .arg("compare")
            .arg("--config")
            .arg(config)
            .arg("--out")
            .arg(self.path("out"))
            .args(args))
    }

    /// A one-epoch, quiet run.
    pub fn compare_tiny(&self, config: &str) -> Output {
        self.compare(config, &["--epochs", "1", "-q"])
    }

    pub fn config_path(&self) -> String {
        self.path("config.toml").display().to_string()
    }
}

/// `mlp2d` ([`super::bin`]) without `RUST_BACKTRACE`, so a panic shows as one.
pub fn mlp2d() -> Command {
    let mut cmd = super::bin();
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// Runs a command to its end, whatever its exit status.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run mlp2d")
}

/// A run's stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// No panic, no backtrace hint, and at most one `error:` line.
pub fn assert_clean(out: &Output) {
    let err = stderr(out);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "a panic:\n{err}"
    );
    let errors = err.lines().filter(|l| l.starts_with("error:")).count();
    assert!(errors <= 1, "more than one error line:\n{err}");
}

/// Exit status 2 with one `error:` line that holds every phrase.
#[track_caller]
pub fn assert_bad_input(out: &Output, phrases: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "exit status; stderr:\n{err}");
    assert_clean(out);
    let line = err
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no `error: ` line in:\n{err}"));
    for phrase in phrases {
        assert!(line.contains(phrase), "`{phrase}` is not in:\n{line}");
    }
}

/// Safetensors bytes: each tensor `(name, dtype, shape)` filled with small values.
pub fn safetensors_file(tensors: &[(&str, Dtype, &[usize])]) -> Vec<u8> {
    safetensors_file_with(tensors, |_| None)
}

/// As [`safetensors_file`], but F64 tensors for which `fill` gives a value hold only that value.
pub fn safetensors_file_with(
    tensors: &[(&str, Dtype, &[usize])],
    fill: impl Fn(&str) -> Option<f64>,
) -> Vec<u8> {
    let data: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(name, dtype, shape)| {
            let n: usize = shape.iter().product();
            match dtype {
                Dtype::F64 => (0..n)
                    .flat_map(|i| fill(name).unwrap_or(i as f64 * 0.01).to_le_bytes())
                    .collect(),
                other => vec![0; n * other.size()],
            }
        })
        .collect();
    let views: Vec<(&str, TensorView)> = tensors
        .iter()
        .zip(&data)
        .map(|((name, dtype, shape), bytes)| {
            (
                *name,
                TensorView::new(*dtype, shape.to_vec(), bytes).unwrap(),
            )
        })
        .collect();
    safetensors::serialize(views, &None).unwrap()
}
