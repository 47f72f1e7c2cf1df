//! Bad config files on the command line: exit status 2 and one clear `error:` line naming the
//! file, the key and what was expected, with "did you mean" where a name is close; never a panic.

mod common;

use common::cli::{CSV, Dir, MOONS, assert_bad_input, mlp2d, run};

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
fn config_momentum_and_dampening_are_below_1() {
    // burn's MomentumConfig takes any value; at momentum >= 1 the velocity never forgets a
    // gradient, and the run would only diverge later with a hint about the learning rate.
    let cases: &[(&str, &[&str])] = &[
        (
            "[train]\nlearning_rate = 0.05\nmomentum = 1.5",
            &[
                "line 7",
                "[train] momentum must be at least 0 and below 1, got 1.5",
            ],
        ),
        (
            "[train]\nmomentum = 1",
            &["line 6", "momentum must be at least 0 and below 1, got 1"],
        ),
        (
            "[train]\nmomentum = -0.5",
            &[
                "line 6",
                "momentum must be at least 0 and below 1, got -0.5",
            ],
        ),
        (
            "[train]\nmomentum = 0.9\ndampening = 1.0",
            &[
                "line 7",
                "[train] dampening must be at least 0 and below 1, got 1",
            ],
        ),
    ];
    for (tail, phrases) in cases {
        assert_config_error(&format!("{MOONS}{tail}\n"), phrases);
    }
    // Just inside the ranges: a run.
    let dir = Dir::new();
    let out = dir.compare_tiny(&format!(
        "{MOONS}[train]\nmomentum = 0.99\ndampening = 0.5\nnesterov = true\n"
    ));
    assert_eq!(out.status.code(), Some(0), "{}", common::cli::stderr(&out));
}

#[test]
fn config_range_errors_name_the_line() {
    assert_config_error(
        &format!("{MOONS}test_fraction = 1.0\n"),
        &["line 5: [data] test_fraction must be in [0, 1), got 1"],
    );
    assert_config_error(
        &format!("{MOONS}factor = 0.5\n"),
        &["line 5: [data] key `factor` does not apply to kind = \"moons\""],
    );
    assert_config_error(
        &format!("{MOONS}[model]\nhidden = [4, 0]\n"),
        &["line 6: [model] hidden[1] is 0"],
    );
    // Nothing to point at: the message alone.
    let dir = Dir::new();
    let out = dir.compare_tiny("name = \"tiny\"\n[data]\nkind = \"grid\"\nrows = 1\ncols = 1\n");
    assert_bad_input(&out, &["[data] a grid of 1 cell cannot hold 2 classes"]);
    assert!(!common::cli::stderr(&out).contains("line "));
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
