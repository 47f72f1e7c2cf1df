//! The command line on bad input: exit status 2 and one clear `error:` line naming the file, the
//! key or row, and what was expected; never a panic. Plus the healthy, failing and diverging
//! runs' exit statuses and files. Every run is tiny (a few dozen rows, one epoch or a few).

use std::path::PathBuf;
use std::process::{Command, Output};

use safetensors::Dtype;
use safetensors::tensor::TensorView;
use tempfile::TempDir;

/// A small, valid run; tests append keys to `[data]` or add tables after it.
const MOONS: &str = "name = \"tiny\"\n[data]\nkind = \"moons\"\nsamples = 40\n";

/// The CSV run's config: the data file `d.csv` beside it, every row kept for training.
const CSV: &str =
    "name = \"tiny\"\n[data]\nkind = \"csv\"\npath = \"d.csv\"\ntest_fraction = 0.0\n";

struct Dir {
    tmp: TempDir,
}

impl Dir {
    fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("temporary folder"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write test file");
        path
    }

    /// `mlp2d compare --config <dir>/config.toml --out <dir>/out` with `config` and `args`.
    fn compare(&self, config: &str, args: &[&str]) -> Output {
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
    fn compare_tiny(&self, config: &str) -> Output {
        self.compare(config, &["--epochs", "1", "-q"])
    }

    fn config_path(&self) -> String {
        self.path("config.toml").display().to_string()
    }
}

fn mlp2d() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mlp2d"));
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run mlp2d")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// No panic, no backtrace hint, and at most one `error:` line.
fn assert_clean(out: &Output) {
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
fn assert_bad_input(out: &Output, phrases: &[&str]) {
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

// ---- config files ----

/// A config error: exit 2, naming the config file and holding every phrase.
#[track_caller]
fn assert_config_error(config: &str, phrases: &[&str]) {
    let dir = Dir::new();
    let out = dir.compare_tiny(config);
    let mut all = vec![dir.config_path()];
    all.extend(phrases.iter().map(|p| p.to_string()));
    assert_bad_input(&out, &all.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn config_missing_file() {
    let dir = Dir::new();
    let out = run(mlp2d()
        .args(["compare", "--config"])
        .arg(dir.path("absent.toml")));
    assert_bad_input(&out, &["cannot read config file", "absent.toml"]);
}

#[test]
fn config_not_toml() {
    assert_config_error(
        "this is not toml\n",
        &["invalid config file", "line 1", "not valid TOML"],
    );
}

#[test]
fn config_unknown_key_suggests_the_closest() {
    assert_config_error(
        &format!("{MOONS}nosie = 0.1\n"),
        &[
            "line 5",
            "unknown key `nosie` in [data]",
            "did you mean `noise`?",
        ],
    );
    assert_config_error(
        &format!("{MOONS}[train]\nlerning_rate = 0.1\n"),
        &[
            "unknown key `lerning_rate` in [train]",
            "did you mean `learning_rate`?",
        ],
    );
    assert_config_error(
        &format!("{MOONS}[modle]\nhidden = [4]\n"),
        &[
            "unknown key `modle` at the top level",
            "did you mean `model`?",
        ],
    );
    // Nothing close: no guess, but the valid keys.
    assert_config_error(
        &format!("{MOONS}colour = 3\n"),
        &["unknown key `colour` in [data] (valid keys there: `kind`, `samples`"],
    );
}

#[test]
fn config_missing_required_keys() {
    assert_config_error("[data]\nkind = \"moons\"\n", &["the key `name` is missing"]);
    assert_config_error("name = \"tiny\"\n", &["the [data] table is missing"]);
    assert_config_error(
        "name = \"tiny\"\n[data]\nsamples = 40\n",
        &["line 2", "the [data] table is missing the key `kind`"],
    );
}

#[test]
fn config_wrong_type() {
    assert_config_error(
        &format!("{MOONS}[train]\nepochs = \"ten\"\n"),
        &[
            "line 6",
            "key `epochs`",
            "string \"ten\"",
            "expected a whole number",
        ],
    );
    assert_config_error(
        &format!("{MOONS}[model]\nhidden = [4, -1]\n"),
        &["line 6", "key `hidden`", "expected a whole number"],
    );
}

#[test]
fn config_out_of_range_values() {
    let cases: &[(&str, &str)] = &[
        ("[model]\nhidden = [4, 0]", "hidden[1] is 0"),
        ("[train]\nepochs = 0", "epochs must be at least 1"),
        ("[train]\nbatch_size = 0", "batch_size must be at least 1"),
        (
            "[train]\nlearning_rate = 0.0",
            "learning_rate must be a positive finite number, got 0",
        ),
        ("[train]\nlearning_rate = -0.5", "got -0.5"),
        (
            "[train]\nlearning_rate = inf",
            "learning_rate must be a positive finite number, got inf",
        ),
        (
            "[train]\nlearning_rate = nan",
            "learning_rate must be a positive finite number, got NaN",
        ),
    ];
    for (tail, phrase) in cases {
        assert_config_error(&format!("{MOONS}{tail}\n"), &[phrase]);
    }
    let data_cases: &[(&str, &str)] = &[
        (
            "test_fraction = 1.0",
            "test_fraction must be in [0, 1), got 1",
        ),
        (
            "test_fraction = -0.1",
            "test_fraction must be in [0, 1), got -0.1",
        ),
        (
            "noise = -0.5",
            "noise must be a finite number >= 0, got -0.5",
        ),
        ("noise = nan", "noise must be a finite number >= 0, got NaN"),
    ];
    for (line, phrase) in data_cases {
        assert_config_error(&format!("{MOONS}{line}\n"), &[phrase]);
    }
}

#[test]
fn config_class_counts() {
    assert_config_error(
        "name = \"tiny\"\n[data]\nkind = \"spiral\"\nsamples = 5\nclasses = 3\n",
        &["samples = 5 is too small for 3 classes: need at least 6"],
    );
    assert_config_error(
        "name = \"tiny\"\n[data]\nkind = \"spiral\"\nclasses = 1\n",
        &["classes must be at least 2, got 1"],
    );
}

#[test]
fn config_unknown_values_suggest_the_closest() {
    assert_config_error(
        "name = \"tiny\"\n[data]\nkind = \"moon\"\n",
        &[
            "line 3",
            "`kind` = \"moon\" is not a known value",
            "did you mean `moons`?",
        ],
    );
    assert_config_error(
        &format!("{MOONS}[model]\ninit = \"xavier\"\n"),
        &[
            "`init` = \"xavier\" is not a known value",
            "expected `normal` or `he`",
        ],
    );
    assert_config_error(
        &format!("{MOONS}[compare]\nprecision = \"f16\"\n"),
        &[
            "`precision` = \"f16\" is not a known value",
            "expected `f32` or `f64`",
        ],
    );
}

#[test]
fn config_sizes_that_would_exhaust_memory() {
    assert_config_error(
        "name = \"tiny\"\n[data]\nkind = \"moons\"\nsamples = 10000000000\n",
        &["samples = 10000000000 is too large: at most 10000000"],
    );
    assert_config_error(
        "name = \"tiny\"\n[data]\nkind = \"grid\"\nrows = 4294967296\ncols = 4294967296\n",
        &["rows = 4294967296 is too large"],
    );
    assert_config_error(
        &format!("{MOONS}[model]\nhidden = [100000, 100000]\n"),
        &[
            "hidden = [100000, 100000]",
            "10000600002 parameters",
            "more than the 10000000 allowed",
        ],
    );
}

#[test]
fn config_data_a_generator_cannot_make() {
    // Four xor points with this seed all fall in class 0.
    let dir = Dir::new();
    let out = dir.compare(
        "name = \"tiny\"\n[data]\nkind = \"xor\"\nsamples = 4\n",
        &["--epochs", "1", "-q", "--seed", "2"],
    );
    assert_bad_input(
        &out,
        &[
            &dir.config_path(),
            "produced no point of class 1",
            "increase `samples`",
        ],
    );
}

#[test]
fn config_key_of_another_kind() {
    assert_config_error(
        &format!("{MOONS}factor = 0.5\n"),
        &[
            "key `factor` does not apply to kind = \"moons\"",
            "samples, noise",
        ],
    );
}

#[test]
fn config_csv_path_does_not_exist() {
    assert_config_error(CSV, &["[data] path = \"d.csv\" does not exist", "d.csv"]);
}

// ---- CSV data ----

#[test]
fn csv_errors_name_the_file_row_and_column() {
    let cases: &[(&str, &[&str])] = &[
        ("", &["is empty", "expected a header row"]),
        ("x1,x2,label\n", &["has a header but no data rows"]),
        (
            "x1,x2,label\n1,2,0\n3,4\n",
            &["line 3", "expected 3 columns", "found 2"],
        ),
        (
            "x1,x2,label\n1,2,0\n3,abc,1\n",
            &["line 3, column 2 (`x2`)", "`abc` is not a number"],
        ),
        (
            "x1,x2,label\n1,2,0\n3,NaN,1\n",
            &["line 3, column 2", "`NaN` is not a finite number"],
        ),
        (
            "x1,x2,label\n1,2,0\ninf,4,1\n",
            &["line 3, column 1", "`inf` is not a finite number"],
        ),
        (
            "x1,x2,label\n1,2,0\n3,4,-1\n",
            &["line 3, column 3 (`label`)", "`-1` is negative"],
        ),
        (
            "x1,x2,label\n1,2,0\n3,4,1.5\n",
            &["line 3, column 3", "`1.5` is not a whole number"],
        ),
        (
            "x1,x2,label\n1,2,0\n3,4,99999999999\n",
            &["line 3, column 3", "is too large"],
        ),
        (
            "x1,x2,label\n1,2,1\n3,4,1\n",
            &["holds only class 1", "at least 2 classes"],
        ),
        (
            "x1,x2,label\n1,2,0\n3,4,3\n5,6,1\n",
            &["labels run from 0 to 3", "class 2 has no row"],
        ),
        (
            "x1,x2,y\n1,2,0\n",
            &["line 1", "the last column is `y`", "must be `label`"],
        ),
    ];
    for (text, phrases) in cases {
        let dir = Dir::new();
        let csv = dir.write("d.csv", text);
        let out = dir.compare_tiny(CSV);
        let mut all = vec![csv.display().to_string()];
        all.extend(phrases.iter().map(|p| p.to_string()));
        assert_bad_input(&out, &all.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

#[test]
fn csv_healthy_file_trains() {
    let dir = Dir::new();
    dir.write(
        "d.csv",
        "x1,x2,label\n0,0,0\n1,1,1\n0,1,0\n1,0,1\n0.5,0.2,0\n",
    );
    let out = dir.compare_tiny(CSV);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_clean(&out);
}

// ---- parameter files (--init) ----

/// A one-hidden-layer net `[2, 4, 2]` on moons.
const NET: &str = "[model]\nhidden = [4]\n";

/// Safetensors bytes: each tensor `(name, dtype, shape)` filled with small values.
fn safetensors_file(tensors: &[(&str, Dtype, &[usize])]) -> Vec<u8> {
    safetensors_file_with(tensors, |_| None)
}

/// As [`safetensors_file`], but F64 tensors for which `fill` gives a value hold only that value.
fn safetensors_file_with(
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

/// Runs the `[2, 4, 2]` net from `bytes` as `--init`; returns the output and the file's path.
fn compare_with_init(bytes: &[u8]) -> (Output, String) {
    compare_with_init_in(bytes, "f64")
}

fn compare_with_init_in(bytes: &[u8], precision: &str) -> (Output, String) {
    let dir = Dir::new();
    let init = dir.write("init.safetensors", bytes);
    let out = dir.compare(
        &format!("{MOONS}{NET}"),
        &[
            "--epochs",
            "1",
            "-q",
            "--precision",
            precision,
            "--init",
            init.to_str().unwrap(),
        ],
    );
    (out, init.display().to_string())
}

const GOOD: &[(&str, Dtype, &[usize])] = &[
    ("layers.0.weight", Dtype::F64, &[2, 4]),
    ("layers.0.bias", Dtype::F64, &[4]),
    ("layers.1.weight", Dtype::F64, &[4, 2]),
    ("layers.1.bias", Dtype::F64, &[2]),
];

#[test]
fn init_file_good() {
    let (out, _) = compare_with_init(&safetensors_file(GOOD));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_clean(&out);
}

#[test]
fn init_file_not_safetensors() {
    let (out, file) = compare_with_init(b"layers.0.weight = [[1, 2]]\n");
    assert_bad_input(
        &out,
        &["bad parameter file", &file, "not a safetensors file"],
    );
}

#[test]
fn init_file_missing_tensor() {
    let (out, file) = compare_with_init(&safetensors_file(&GOOD[..3]));
    assert_bad_input(
        &out,
        &[
            &file,
            "tensor `layers.1.bias` is missing",
            "expected shape [2]",
            "layer sizes [2, 4, 2]",
        ],
    );
}

#[test]
fn init_file_wrong_shape() {
    let mut tensors = GOOD.to_vec();
    tensors[2] = ("layers.1.weight", Dtype::F64, &[4, 3]);
    let (out, file) = compare_with_init(&safetensors_file(&tensors));
    assert_bad_input(
        &out,
        &[
            &file,
            "tensor `layers.1.weight` has shape [4, 3], expected [4, 2]",
        ],
    );
}

#[test]
fn init_file_unsupported_dtype() {
    let mut tensors = GOOD.to_vec();
    tensors[0] = ("layers.0.weight", Dtype::I64, &[2, 4]);
    let (out, file) = compare_with_init(&safetensors_file(&tensors));
    assert_bad_input(
        &out,
        &[
            &file,
            "tensor `layers.0.weight` has dtype I64, expected F32 or F64",
        ],
    );
}

#[test]
fn init_file_for_a_deeper_network() {
    let mut tensors = GOOD.to_vec();
    tensors.push(("layers.2.weight", Dtype::F64, &[2, 2]));
    tensors.push(("layers.2.bias", Dtype::F64, &[2]));
    let (out, file) = compare_with_init(&safetensors_file(&tensors));
    assert_bad_input(
        &out,
        &[
            &file,
            "`layers.2.bias`, `layers.2.weight`",
            "different network",
        ],
    );
}

#[test]
fn init_file_with_nan() {
    let bytes = safetensors_file_with(GOOD, |n| (n == "layers.1.bias").then_some(f64::NAN));
    let (out, file) = compare_with_init(&bytes);
    assert_bad_input(
        &out,
        &[&file, "tensor `layers.1.bias` holds NaN or infinite values"],
    );
}

#[test]
fn init_file_beyond_f32() {
    let bytes = safetensors_file_with(GOOD, |n| (n == "layers.0.weight").then_some(1e300));
    // Fine in f64 (if silly); in f32 it would overflow and pass for a divergence.
    let (out, _) = compare_with_init_in(&bytes, "f64");
    assert_clean(&out);
    assert_ne!(out.status.code(), Some(101), "{}", stderr(&out));
    let (out, file) = compare_with_init_in(&bytes, "f32");
    assert_bad_input(
        &out,
        &[
            &file,
            "tensor `layers.0.weight` holds values beyond the f32 range",
        ],
    );
}

#[test]
fn grads_params_beyond_f32() {
    // `grads --params` runs the same checks as `compare --init`.
    let bytes = safetensors_file_with(GOOD, |n| (n == "layers.0.weight").then_some(1e300));
    let dir = Dir::new();
    let params = dir.write("p.safetensors", &bytes);
    let config = dir.write("config.toml", format!("{MOONS}{NET}"));
    let out = run(mlp2d()
        .args(["grads", "--precision", "f32", "--config"])
        .arg(config)
        .arg("--params")
        .arg(&params));
    assert_bad_input(
        &out,
        &[
            &params.display().to_string(),
            "tensor `layers.0.weight` holds values beyond the f32 range",
        ],
    );
}

// ---- runs ----

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
        err.contains(" of loss is ") || err.contains(" of grad layers."),
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
