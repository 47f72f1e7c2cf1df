//! The data layer: scikit-learn parity, determinism, class layout, split, normalisation, CSV.

use std::path::{Path, PathBuf};

use mlp2d::config::DataConfig;
use mlp2d::data::{Dataset, Normaliser, load, read_csv, split, write_csv};
use ndarray::{Array2, Axis, array};

mod common;

use common::fixture;

fn cfg(toml_text: &str) -> DataConfig {
    let c: DataConfig = toml::from_str(toml_text).expect("test config parses");
    c.validate().expect("test config is valid");
    c
}

fn make(toml_text: &str, seed: u64) -> Dataset {
    load(&cfg(toml_text), seed, Path::new(".")).expect("generator succeeds")
}

fn assert_close_to_fixture(ds: &Dataset, name: &str) {
    let want = read_csv(&fixture(name)).expect("fixture reads");
    assert_eq!(ds.x.dim(), want.x.dim(), "{name}: shape");
    assert_eq!(ds.y, want.y, "{name}: labels");
    assert_eq!(ds.classes, 2);
    for ((i, j), (&a, &b)) in
        ds.x.indexed_iter()
            .zip(want.x.iter())
            .map(|((ij, a), b)| (ij, (a, b)))
    {
        assert!(
            (a - b).abs() <= 1e-12,
            "{name}: row {i} col {j}: {a} vs {b}"
        );
    }
}

#[test]
fn moons_match_sklearn_n100() {
    let ds = make(
        "kind = \"moons\"\nsamples = 100\nnoise = 0.0\nshuffle = false",
        0,
    );
    assert_close_to_fixture(&ds, "sklearn_moons_n100_noise0.csv");
}

#[test]
fn moons_match_sklearn_n101_odd() {
    let ds = make(
        "kind = \"moons\"\nsamples = 101\nnoise = 0.0\nshuffle = false",
        0,
    );
    assert_eq!(ds.y.iter().filter(|&&l| l == 1).count(), 51);
    assert_close_to_fixture(&ds, "sklearn_moons_n101_noise0.csv");
}

#[test]
fn circles_match_sklearn() {
    let ds = make(
        "kind = \"circles\"\nsamples = 100\nnoise = 0.0\nfactor = 0.5\nshuffle = false",
        0,
    );
    assert_close_to_fixture(&ds, "sklearn_circles_n100_factor0.5_noise0.csv");
}

#[test]
fn numpy_linspace_edges() {
    use mlp2d::data::linspace;
    assert_eq!(linspace(0.0, 1.0, 1, true), vec![0.0]);
    assert_eq!(linspace(0.0, 1.0, 0, true), Vec::<f64>::new());
    assert_eq!(linspace(0.0, 3.0, 4, true), vec![0.0, 1.0, 2.0, 3.0]);
    assert_eq!(linspace(0.0, 4.0, 4, false), vec![0.0, 1.0, 2.0, 3.0]);
    let v = linspace(0.0, std::f64::consts::PI, 7, true);
    assert_eq!(*v.last().unwrap(), std::f64::consts::PI);
}

const EVERY_GENERATOR: &[(&str, usize, usize)] = &[
    // (config, expected classes, expected feature count)
    ("kind = \"moons\"", 2, 2),
    ("kind = \"circles\"", 2, 2),
    ("kind = \"gaussian_quantiles\"", 3, 2),
    ("kind = \"gaussian_quantiles\"\nclasses = 5", 5, 2),
    ("kind = \"blobs\"", 3, 2),
    ("kind = \"blobs\"\ncenters = 4\ncluster_std = 0.5", 4, 2),
    ("kind = \"spiral\"", 3, 2),
    ("kind = \"spiral\"\nclasses = 4\nsamples = 402", 4, 2),
    ("kind = \"xor\"", 2, 2),
    ("kind = \"xor\"\nnoise = 0.5", 2, 2),
    ("kind = \"grid\"", 2, 2),
    (
        "kind = \"grid\"\nrows = 3\ncols = 5\nclasses = 4\nlayout = \"checkerboard\"",
        4,
        2,
    ),
    ("kind = \"iris\"", 3, 4),
];

#[test]
fn every_generator_is_deterministic_per_seed() {
    for &(text, _, _) in EVERY_GENERATOR {
        let a = make(text, 7);
        let b = make(text, 7);
        assert_eq!(a, b, "{text}: same seed must give the same data");
        let a_bits: Vec<u64> = a.x.iter().map(|v| v.to_bits()).collect();
        let b_bits: Vec<u64> = b.x.iter().map(|v| v.to_bits()).collect();
        assert_eq!(a_bits, b_bits, "{text}: same seed must give the same bytes");
        let c = make(text, 8);
        assert_ne!(a, c, "{text}: another seed must give other data");
    }
}

#[test]
fn every_generator_has_labels_in_range_and_every_class() {
    for &(text, classes, d) in EVERY_GENERATOR {
        let ds = make(text, 3);
        let n = if text.contains("iris") {
            150
        } else if text.contains("402") {
            402
        } else {
            1000
        };
        assert_eq!(ds.x.dim(), (n, d), "{text}: shape");
        assert_eq!(ds.y.len(), n, "{text}: label count");
        assert_eq!(ds.classes, classes, "{text}: classes");
        for c in 0..classes {
            assert!(ds.y.contains(&c), "{text}: class {c} has no point");
        }
        assert!(
            ds.y.iter().all(|&l| l < classes),
            "{text}: label out of range"
        );
        assert!(
            ds.x.iter().all(|v| v.is_finite()),
            "{text}: non-finite feature"
        );
    }
}

#[test]
fn shuffle_false_keeps_generation_order() {
    let ds = make("kind = \"spiral\"\nsamples = 30\nshuffle = false", 1);
    assert_eq!(ds.y, [vec![0; 10], vec![1; 10], vec![2; 10]].concat());
    let shuffled = make("kind = \"spiral\"\nsamples = 30", 1);
    assert_ne!(shuffled.y, ds.y);
}

#[test]
fn moons_noise_and_shuffle_change_the_clean_points() {
    let clean = make(
        "kind = \"moons\"\nsamples = 100\nnoise = 0.0\nshuffle = false",
        5,
    );
    let noisy = make("kind = \"moons\"\nsamples = 100\nshuffle = false", 5);
    assert_eq!(clean.y, noisy.y);
    let diff = (&clean.x - &noisy.x).mapv(f64::abs);
    let mean_diff = diff.mean().unwrap();
    // Default noise 0.1: mean |N(0, 0.01)| ≈ 0.08.
    assert!(
        mean_diff > 0.04 && mean_diff < 0.12,
        "mean |noise| = {mean_diff}"
    );
}

#[test]
fn gaussian_quantiles_shells_are_ordered_by_radius() {
    let ds = make(
        "kind = \"gaussian_quantiles\"\nsamples = 301\nclasses = 3\nshuffle = false",
        2,
    );
    let r2: Vec<f64> =
        ds.x.rows()
            .into_iter()
            .map(|r| r[0] * r[0] + r[1] * r[1])
            .collect();
    assert!(r2.windows(2).all(|w| w[0] <= w[1]), "sorted by distance");
    assert_eq!(ds.y.iter().filter(|&&l| l == 0).count(), 100);
    assert_eq!(ds.y.iter().filter(|&&l| l == 2).count(), 101);
}

#[test]
fn blobs_sizes_follow_sklearn_and_stay_near_their_centres() {
    let ds = make(
        "kind = \"blobs\"\nsamples = 100\ncenters = 3\ncluster_std = 0.1\nshuffle = false",
        4,
    );
    assert_eq!(ds.y, [vec![0; 34], vec![1; 33], vec![2; 33]].concat());
    for c in 0..3 {
        let rows: Vec<usize> = (0..100).filter(|&i| ds.y[i] == c).collect();
        let pts = ds.x.select(Axis(0), &rows);
        let std = pts.std_axis(Axis(0), 0.0);
        assert!(std.iter().all(|&s| s < 0.2), "blob {c} std {std}");
        let mean = pts.mean_axis(Axis(0)).unwrap();
        assert!(
            mean.iter().all(|m| m.abs() < 10.5),
            "blob {c} centre {mean}"
        );
    }
}

#[test]
fn xor_labels_follow_quadrants_without_noise_and_points_are_padded() {
    let ds = make("kind = \"xor\"\nsamples = 500", 9);
    for (row, &label) in ds.x.rows().into_iter().zip(&ds.y) {
        assert!(row[0].abs() >= 0.3 && row[1].abs() >= 0.3, "padding: {row}");
        assert!(row[0].abs() <= 5.3 && row[1].abs() <= 5.3, "range: {row}");
        assert_eq!(label, usize::from(row[0] * row[1] >= 0.0));
    }
    let noisy = make("kind = \"xor\"\nsamples = 500\nnoise = 0.5", 9);
    let flipped = noisy
        .x
        .rows()
        .into_iter()
        .zip(&noisy.y)
        .filter(|(r, l)| **l != usize::from(r[0] * r[1] >= 0.0))
        .count();
    assert!(flipped > 0, "noise must flip some labels");
}

fn cell_labels(ds: &Dataset, rows: usize, cols: usize) -> Vec<Option<usize>> {
    let mut cells = vec![None; rows * cols];
    for (row, &label) in ds.x.rows().into_iter().zip(&ds.y) {
        assert!(row[0] >= 0.0 && row[0] < cols as f64 && row[1] >= 0.0 && row[1] < rows as f64);
        let cell = row[1].floor() as usize * cols + row[0].floor() as usize;
        match cells[cell] {
            None => cells[cell] = Some(label),
            Some(l) => assert_eq!(l, label, "cell {cell} holds two labels"),
        }
    }
    cells
}

#[test]
fn grid_random_layout_balances_classes_over_cells() {
    for (rows, cols, k) in [(4, 4, 2), (3, 5, 4), (5, 5, 3)] {
        let ds = make(
            &format!(
                "kind = \"grid\"\nrows = {rows}\ncols = {cols}\nclasses = {k}\nsamples = 5000"
            ),
            11,
        );
        let cells = cell_labels(&ds, rows, cols);
        assert!(cells.iter().all(Option::is_some), "every cell gets points");
        let n_cells = rows * cols;
        for c in 0..k {
            let count = cells.iter().filter(|&&l| l == Some(c)).count();
            assert!(
                count == n_cells / k || count == n_cells.div_ceil(k),
                "{rows}x{cols}, k = {k}: class {c} has {count} cells"
            );
        }
    }
    // The layout itself depends on the seed.
    let a = cell_labels(&make("kind = \"grid\"\nsamples = 5000", 1), 4, 4);
    let b = cell_labels(&make("kind = \"grid\"\nsamples = 5000", 2), 4, 4);
    assert_ne!(a, b);
}

#[test]
fn grid_checkerboard_pattern() {
    let (rows, cols, k) = (3, 4, 3);
    let ds = make(
        &format!(
            "kind = \"grid\"\nrows = {rows}\ncols = {cols}\nclasses = {k}\nlayout = \"checkerboard\"\nsamples = 3000"
        ),
        5,
    );
    let cells = cell_labels(&ds, rows, cols);
    for i in 0..rows {
        for j in 0..cols {
            assert_eq!(cells[i * cols + j], Some((i + j) % k), "cell ({i}, {j})");
        }
    }
}

#[test]
fn grid_with_too_few_samples_names_the_empty_class() {
    // 4 points over 100 cells with 4 classes: some class is nearly sure to get nothing.
    let c = cfg("kind = \"grid\"\nrows = 10\ncols = 10\nclasses = 4\nsamples = 8");
    let mut failures = 0;
    for seed in 0..20 {
        if let Err(e) = load(&c, seed, Path::new(".")) {
            let msg = e.to_string();
            assert!(msg.contains("class "), "{msg}");
            assert!(msg.contains("no point"), "{msg}");
            failures += 1;
        }
    }
    assert!(
        failures > 0,
        "8 points over 100 cells and 4 classes never left a class empty"
    );
}

#[test]
fn iris_is_150_by_4_with_3_classes() {
    let ds = make("kind = \"iris\"\nshuffle = false", 0);
    assert_eq!(ds.x.dim(), (150, 4));
    assert_eq!(ds.classes, 3);
    for c in 0..3 {
        assert_eq!(ds.y.iter().filter(|&&l| l == c).count(), 50);
    }
    assert_eq!(ds.y[0], 0);
    assert_eq!(ds.y[149], 2);
    let shuffled = make("kind = \"iris\"", 0);
    assert_ne!(shuffled.y, ds.y);
}

#[test]
fn split_sizes_and_disjoint_rows() {
    let ds = make("kind = \"moons\"\nsamples = 10", 0);
    let s = split(&ds, 0.7, 1);
    // 0.7 * 10 is 7.000000000000001 in f64: still 7 test rows.
    assert_eq!(s.test.y.len(), 7);
    assert_eq!(s.train.y.len(), 3);
    let s = split(&ds, 0.25, 1);
    assert_eq!(s.test.y.len(), 3);
    assert_eq!(s.train.y.len(), 7);
    assert_eq!(s.train.classes, 2);
    assert_eq!(s.test.classes, 2);
    // Together the two parts are the original rows.
    let mut all: Vec<Vec<u64>> = s
        .train
        .x
        .rows()
        .into_iter()
        .chain(s.test.x.rows())
        .map(|r| r.iter().map(|v| v.to_bits()).collect())
        .collect();
    let mut orig: Vec<Vec<u64>> =
        ds.x.rows()
            .into_iter()
            .map(|r| r.iter().map(|v| v.to_bits()).collect())
            .collect();
    all.sort();
    orig.sort();
    assert_eq!(all, orig);
    // Tiny fractions still hold out one row; large ones keep one for training.
    assert_eq!(split(&ds, 0.001, 1).test.y.len(), 1);
    assert_eq!(split(&ds, 0.999, 1).train.y.len(), 1);
    // Seeded.
    assert_eq!(split(&ds, 0.3, 4).test.x, split(&ds, 0.3, 4).test.x);
    assert_ne!(split(&ds, 0.3, 4).test.x, split(&ds, 0.3, 5).test.x);
}

#[test]
fn split_zero_keeps_every_row_in_order() {
    let ds = make("kind = \"spiral\"\nsamples = 60", 0);
    let s = split(&ds, 0.0, 123);
    assert_eq!(s.train, ds);
    assert_eq!(s.test.x.dim(), (0, 2));
    assert!(s.test.y.is_empty());
    assert_eq!(s.test.classes, 3);
}

#[test]
fn normaliser_standardises_training_rows() {
    let ds = make("kind = \"blobs\"\nsamples = 500", 3);
    let s = split(&ds, 0.2, 3);
    let norm = Normaliser::fit(&s.train.x);
    assert!(norm.constant_features.is_empty());
    let z = norm.apply(&s.train.x);
    let mean = z.mean_axis(Axis(0)).unwrap();
    let std = z.std_axis(Axis(0), 0.0);
    for j in 0..2 {
        assert!(mean[j].abs() < 1e-12, "mean {mean}");
        assert!((std[j] - 1.0).abs() < 1e-12, "std {std}");
    }
    // The test rows use the training statistics, not their own.
    let zt = norm.apply(&s.test.x);
    assert_eq!(zt.dim(), s.test.x.dim());
    let expect = (s.test.x[[0, 0]] - norm.mean[0]) / norm.scale[0];
    assert_eq!(zt[[0, 0]], expect);
    // Zero rows in, zero rows out.
    assert_eq!(norm.apply(&Array2::zeros((0, 2))).dim(), (0, 2));
}

#[test]
fn normaliser_keeps_constant_feature_at_scale_one() {
    let x = array![[1.0, 5.0, 0.0], [2.0, 5.0, 1.0], [3.0, 5.0, 2.0]];
    let norm = Normaliser::fit(&x);
    assert_eq!(norm.constant_features, vec![1]);
    assert_eq!(norm.scale[1], 1.0);
    assert_eq!(norm.mean[1], 5.0);
    // Population std (ddof = 0) of 1, 2, 3.
    assert!((norm.scale[0] - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
    let z = norm.apply(&x);
    assert!(z.column(1).iter().all(|&v| v == 0.0));
    assert!(z.iter().all(|v| v.is_finite()));
}

// --- CSV ---------------------------------------------------------------------------------

fn write_tmp(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn csv_error(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = write_tmp(&dir, "data.csv", text);
    match read_csv(&p) {
        Ok(ds) => panic!("expected an error for {text:?}, got {ds:?}"),
        Err(e) => format!("{e:#}"),
    }
}

#[test]
fn csv_round_trip_is_bit_exact() {
    let dir = tempfile::tempdir().unwrap();
    for text in [
        "kind = \"moons\"",
        "kind = \"iris\"",
        "kind = \"blobs\"\ncenters = 4",
    ] {
        let mut ds = make(text, 21);
        // Awkward values too: tiny, huge, negative zero, many digits.
        ds.x[[0, 0]] = 1e-300;
        ds.x[[1, 1]] = -1.234_567_890_123_456_7e200;
        ds.x[[2, 0]] = -0.0;
        ds.x[[3, 1]] = std::f64::consts::PI / 3.0;
        let p = dir.path().join("round.csv");
        write_csv(&p, &ds).unwrap();
        let back = read_csv(&p).unwrap();
        assert_eq!(back.y, ds.y);
        assert_eq!(back.classes, ds.classes);
        assert_eq!(back.x.dim(), ds.x.dim());
        let a: Vec<u64> = ds.x.iter().map(|v| v.to_bits()).collect();
        let b: Vec<u64> = back.x.iter().map(|v| v.to_bits()).collect();
        assert_eq!(a, b, "{text}: round trip must be bit-exact");
    }
}

#[test]
fn csv_load_resolves_relative_path_keeps_order_and_accepts_crlf_and_spaces() {
    let dir = tempfile::tempdir().unwrap();
    write_tmp(
        &dir,
        "mine.csv",
        "a , b,label\r\n 1.5, -2 ,1\r\n3,4e-1, 0 \r\n0.25,7,2.0\r\n\r\n",
    );
    let c = cfg("kind = \"csv\"\npath = \"mine.csv\"");
    let ds = load(&c, 0, dir.path()).unwrap();
    assert_eq!(ds.x, array![[1.5, -2.0], [3.0, 0.4], [0.25, 7.0]]);
    assert_eq!(ds.y, vec![1, 0, 2]);
    assert_eq!(ds.classes, 3);
    // Same file through an absolute path, seed ignored (no shuffle).
    let abs = dir.path().join("mine.csv");
    let c = cfg(&format!(
        "kind = \"csv\"\npath = {:?}",
        abs.display().to_string()
    ));
    assert_eq!(load(&c, 99, Path::new("/nonexistent")).unwrap(), ds);
}

#[test]
fn csv_error_ragged_row() {
    let msg = csv_error("x1,x2,label\n1,2,0\n3,1\n");
    assert!(msg.contains("data.csv line 3"), "{msg}");
    assert!(msg.contains("expected 3 columns"), "{msg}");
    assert!(msg.contains("found 2"), "{msg}");
}

#[test]
fn csv_error_non_numeric_names_line_and_column() {
    let msg = csv_error("x1,x2,label\n1,2,0\n3,4,1\n5,6,1\n7,8,0\n9,1,0\n1,abc,1\n");
    assert!(msg.contains("data.csv line 7, column 2 (`x2`)"), "{msg}");
    assert!(msg.contains("`abc` is not a number"), "{msg}");
    let msg = csv_error("x1,x2,label\n1,NaN,0\n3,4,1\n");
    assert!(msg.contains("line 2, column 2"), "{msg}");
    assert!(msg.contains("not a finite number"), "{msg}");
    let msg = csv_error("x1,x2,label\ninf,0,0\n3,4,1\n");
    assert!(msg.contains("line 2, column 1 (`x1`)"), "{msg}");
}

#[test]
fn csv_error_header_only_and_empty() {
    let msg = csv_error("x1,x2,label\n");
    assert!(msg.contains("no data rows"), "{msg}");
    let msg = csv_error("");
    assert!(msg.contains("is empty"), "{msg}");
    let msg = csv_error("x1,x2,class\n1,2,0\n");
    assert!(msg.contains("must be `label`"), "{msg}");
    let msg = csv_error("label\n0\n1\n");
    assert!(msg.contains("no feature column"), "{msg}");
}

#[test]
fn csv_error_missing_class_between_zero_and_max() {
    let msg = csv_error("x,label\n1,0\n2,3\n3,3\n4,1\n");
    assert!(msg.contains("from 0 to 3"), "{msg}");
    assert!(msg.contains("class 2 has no row"), "{msg}");
    let msg = csv_error("x,label\n1,1\n2,2\n");
    assert!(msg.contains("class 0 has no row"), "{msg}");
    let msg = csv_error("x,label\n1,0\n2,0\n");
    assert!(msg.contains("at least 2 classes"), "{msg}");
}

#[test]
fn csv_error_bad_labels() {
    let msg = csv_error("x1,x2,label\n1,2,0\n3,4,-1\n");
    assert!(msg.contains("line 3, column 3 (`label`)"), "{msg}");
    assert!(msg.contains("`-1` is negative"), "{msg}");
    let msg = csv_error("x1,x2,label\n1,2,0\n3,4,1.5\n");
    assert!(msg.contains("line 3"), "{msg}");
    assert!(msg.contains("`1.5` is not a whole number"), "{msg}");
    let msg = csv_error("x1,x2,label\n1,2,cat\n");
    assert!(msg.contains("`cat` is not a class index"), "{msg}");
    let msg = csv_error("x1,x2,label\n1,2,0\n1,2,1000001\n");
    assert!(msg.contains("too large"), "{msg}");
}

#[test]
fn csv_error_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let c = cfg("kind = \"csv\"\npath = \"nope.csv\"");
    let msg = format!("{:#}", load(&c, 0, dir.path()).unwrap_err());
    assert!(msg.contains("cannot read data file"), "{msg}");
    assert!(msg.contains("nope.csv"), "{msg}");
}
