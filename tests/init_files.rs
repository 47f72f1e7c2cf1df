//! Parameter files (`compare --init`, `grads --params`): a good safetensors file starts the run
//! exactly, numpy's and PyTorch's files are read with their values, and a bad one is exit status
//! 2 with one `error:` line naming the file and the tensor.

mod common;

use std::process::Output;

use common::cli::{
    Dir, MOONS, NET, assert_bad_input, assert_clean, mlp2d, run, safetensors_file,
    safetensors_file_with, stderr,
};
use common::{bin, moons64 as fixture, ok};
use mlp2d::config::Precision;
use mlp2d::metrics::rel_err;
use mlp2d::params::{Params, read_tensor};
use safetensors::Dtype;

/// The moons64 reference net (tests/fixtures/moons64).
const SIZES: [usize; 4] = [2, 8, 8, 2];

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

#[test]
fn parameter_files_from_numpy_are_read_with_their_values() {
    // params.safetensors was written by numpy's safetensors package (float64).
    let params = Params::load(&fixture("params.safetensors"), &SIZES).unwrap();
    assert_eq!(params.sizes(), SIZES);
    for layer in &params.layers {
        assert!(layer.bias.iter().all(|&b| b == 0.1));
    }
    let raw = read_tensor(
        &std::fs::read(fixture("params.safetensors")).unwrap(),
        "layers.1.weight",
    )
    .unwrap();
    let ours: Vec<f64> = params.layers[1].weight.iter().copied().collect();
    assert_eq!(ours, raw, "row-major [c_in, c_out] layout");

    // An f32 file (as PyTorch writes by default) is read and widened exactly.
    let bytes = params.to_safetensors(Precision::F32).unwrap();
    let back = Params::from_safetensors(&bytes, &SIZES).unwrap();
    assert_eq!(back, params.rounded(Precision::F32));
    assert_ne!(
        back, params,
        "f32 rounding must be visible, or this test checks nothing"
    );
}

#[test]
fn compare_starts_from_an_init_file_exactly() {
    let dir = tempfile::tempdir().unwrap();
    ok(bin()
        .args(["compare", "--quiet", "--config"])
        .arg(fixture("config.toml"))
        .arg("--init")
        .arg(fixture("params.safetensors"))
        .arg("--out")
        .arg(dir.path()));
    let initial = Params::load(&dir.path().join("initial.safetensors"), &SIZES).unwrap();
    assert_eq!(
        initial,
        Params::load(&fixture("params.safetensors"), &SIZES).unwrap()
    );
    // And the run follows the reference trajectory to its end.
    let want = Params::load(&fixture("expected_final.safetensors"), &SIZES).unwrap();
    for name in ["final_manual.safetensors", "final_burn.safetensors"] {
        let got = Params::load(&dir.path().join(name), &SIZES).unwrap();
        for ((n, a), (_, b)) in got.named().iter().zip(want.named()) {
            assert!(rel_err(a, &b) < 1e-10, "{name} {n}");
        }
    }
}
