//! CSV data on the command line: a bad file is exit status 2 with one `error:` line naming the
//! file, row and column; a healthy one trains; `mlp2d data` writes a CSV that reads back bit for
//! bit.

mod common;

use std::path::Path;

use common::cli::{CSV, Dir, assert_bad_input, assert_clean, stderr};
use common::{bin, ok};
use mlp2d::config::Config;
use ndarray::Array2;

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

#[test]
fn data_round_trips_through_csv_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("moons.csv");
    let moons = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/moons.toml");
    ok(bin()
        .args(["data", "--config"])
        .arg(&moons)
        .arg("--out")
        .arg(&csv));

    let config = Config::load(&moons).unwrap();
    let generated = mlp2d::data::load(&config.data, config.seed, &config.base_dir).unwrap();
    let read_back = Config::parse(&format!(
        "name = \"back\"\n[data]\nkind = \"csv\"\npath = {:?}\n",
        csv.to_str().unwrap()
    ))
    .unwrap();
    let read_back = mlp2d::data::load(&read_back.data, 0, Path::new(".")).unwrap();
    assert_eq!(read_back.y, generated.y);
    assert_eq!(read_back.classes, generated.classes);
    let bits = |a: &Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&read_back.x), bits(&generated.x));

    // --split train gives exactly the training rows compare uses (before normalisation).
    let train_csv = dir.path().join("train.csv");
    let out = bin()
        .args(["data", "--split", "train", "--config"])
        .arg(&moons)
        .arg("--out")
        .arg(&train_csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let train = mlp2d::data::read_csv(&train_csv).unwrap();
    let split = mlp2d::data::split(&generated, config.data.test_fraction, config.seed);
    assert_eq!(bits(&train.x), bits(&split.train.x));
    assert_eq!(train.y.len(), 800);
}
