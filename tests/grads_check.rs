//! `mlp2d grads --check`: someone's gradients judged against the twins, and the classic mistakes
//! named. The reference gradients are JAX's (tests/fixtures/moons64, computed outside the
//! project in f64).

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use common::have_numpy;
use common::{moons64, run};
use mlp2d::config::Precision;
use mlp2d::params::{Params, Tensor, tensors_to_safetensors};

const SIZES: [usize; 4] = [2, 8, 8, 2];
/// moons64 trains on all 64 rows with learning rate 0.05.
const ROWS: f64 = 64.0;
const LR: f64 = 0.05;

fn reference() -> (f64, Params) {
    let bytes = std::fs::read(moons64("expected_grads.safetensors")).unwrap();
    let grads = Params::from_safetensors(&bytes, &SIZES).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let loss = f64::from_le_bytes(file.tensor("loss").unwrap().data()[..8].try_into().unwrap());
    (loss, grads)
}

/// Writes gradients (and the loss) to a file in `dir`; returns its path.
fn write(
    dir: &Path,
    name: &str,
    loss: f64,
    grads: &Params,
    precision: Precision,
) -> std::path::PathBuf {
    let mut tensors = grads.tensors("", precision);
    tensors.push(Tensor {
        name: "loss".to_owned(),
        shape: vec![1],
        values: vec![loss],
        precision,
    });
    let path = dir.join(name);
    std::fs::write(&path, tensors_to_safetensors(&tensors).unwrap()).unwrap();
    path
}

fn check(file: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let config = moons64("config.toml");
    let params = moons64("params.safetensors");
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("grads"),
        OsStr::new("--config"),
        config.as_os_str(),
        OsStr::new("--params"),
        params.as_os_str(),
        OsStr::new("--check"),
        file.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    run(&args)
}

#[test]
fn the_reference_gradients_pass_in_both_precisions_and_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let (loss, grads) = reference();
    let f64_file = write(dir.path(), "g64.safetensors", loss, &grads, Precision::F64);
    let f32_file = write(dir.path(), "g32.safetensors", loss, &grads, Precision::F32);
    for (file, extra) in [
        (&f64_file, vec![]),
        (&f64_file, vec!["--backend", "ndarray"]),
        (&f64_file, vec!["--precision", "f32"]),
        // f32 gradients against f64 twins: judged at f32's rounding.
        (&f32_file, vec![]),
    ] {
        let (code, out, err) = check(file, &extra);
        assert_eq!(code, Some(0), "{extra:?}\n{out}\n{err}");
        assert!(out.contains("PASS"), "{out}");
    }
}

/// Each classic mistake is flagged (exit 1) and named.
#[test]
fn classic_mistakes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (loss, grads) = reference();
    let scaled = |c: f64| {
        let mut g = grads.clone();
        for l in &mut g.layers {
            l.weight *= c;
            l.bias *= c;
        }
        g
    };
    let mut one_layer = grads.clone();
    one_layer.layers[1].weight *= 1.01;
    let mut transposed = grads.clone();
    transposed.layers[1].weight = transposed.layers[1].weight.t().to_owned();
    let cases = [
        ("sum.safetensors", scaled(ROWS), "off by the batch size"),
        ("sign.safetensors", scaled(-1.0), "sign is flipped"),
        ("lr.safetensors", scaled(LR), "learning rate"),
        ("layer.safetensors", one_layer, "only layer 1 is wrong"),
        ("transpose.safetensors", transposed, "transposed"),
    ];
    for (name, g, want) in cases {
        let file = write(dir.path(), name, loss, &g, Precision::F64);
        let (code, out, err) = check(&file, &[]);
        assert_eq!(code, Some(1), "{name}\n{out}\n{err}");
        assert!(out.contains(want), "{name}: expected {want:?} in\n{out}");
    }
}

/// A weight gradient stored as [c_out, c_in] (numpy's `g.T @ x` instead of `x.T @ g`) is read,
/// flagged and named, not rejected as a bad file.
#[test]
fn a_weight_gradient_stored_transposed_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (loss, grads) = reference();
    let mut tensors = grads.tensors("", Precision::F64);
    let w0 = &grads.layers[0].weight;
    tensors[0] = Tensor {
        name: "layers.0.weight".to_owned(),
        shape: vec![w0.ncols(), w0.nrows()],
        values: w0.t().iter().copied().collect(),
        precision: Precision::F64,
    };
    tensors.push(Tensor {
        name: "loss".to_owned(),
        shape: vec![1],
        values: vec![loss],
        precision: Precision::F64,
    });
    let file = dir.path().join("t.safetensors");
    std::fs::write(&file, tensors_to_safetensors(&tensors).unwrap()).unwrap();
    let (code, out, err) = check(&file, &[]);
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(
        out.contains("transposed weight gradient: stored as [8, 2] = [c_out, c_in]"),
        "{out}"
    );
}

#[test]
fn a_bad_gradient_file_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("junk.safetensors");
    std::fs::write(&file, b"not safetensors").unwrap();
    let (code, _, err) = check(&file, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("bad gradient file"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let (loss, grads) = reference();
    let mut short = grads.clone();
    short.layers.pop();
    let file = write(
        dir.path(),
        "short.safetensors",
        loss,
        &short,
        Precision::F64,
    );
    let (code, _, err) = check(&file, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("layers.2.weight") && err.contains("missing"),
        "{err}"
    );
}

/// `data --normalised --split train` writes exactly the rows `grads` evaluates on.
#[test]
fn data_normalised_writes_the_rows_grads_uses() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("train.csv");
    let config = moons64("config.toml");
    let (code, _, err) = run(&[
        OsStr::new("data"),
        OsStr::new("--config"),
        config.as_os_str(),
        OsStr::new("--normalised"),
        OsStr::new("--split"),
        OsStr::new("train"),
        OsStr::new("--out"),
        out.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let parsed = mlp2d::data::read_csv(&out).unwrap();
    let config = mlp2d::config::Config::load(&config).unwrap();
    let prepared = mlp2d::data::prepare(&config).unwrap();
    assert_eq!(parsed.y, prepared.train.y);
    assert_eq!(parsed.x, prepared.train.x, "the CSV keeps every bit");
    // Normalised: mean 0 and standard deviation 1 per feature.
    for col in parsed.x.columns() {
        let mean = col.mean().unwrap();
        let sd = col.std(0.0);
        assert!(
            mean.abs() < 1e-12 && (sd - 1.0).abs() < 1e-12,
            "{mean} {sd}"
        );
    }
}

/// `grads` runs the burn twin on the backend asked for: on burn-flex the twins multiply with the
/// same kernels and agree bit for bit here, on burn-ndarray in f32 they do not. (The old bug:
/// `grads` always ran flex.)
#[test]
fn grads_honours_the_backend() {
    let config = moons64("config.toml");
    let params = moons64("params.safetensors");
    let err_bounds = |backend: &str| -> Vec<String> {
        let (code, out, err) = run(&[
            OsStr::new("grads"),
            OsStr::new("--config"),
            config.as_os_str(),
            OsStr::new("--params"),
            params.as_os_str(),
            OsStr::new("--precision"),
            OsStr::new("f32"),
            OsStr::new("--backend"),
            OsStr::new(backend),
        ]);
        assert_eq!(code, Some(0), "{out}\n{err}");
        assert!(out.contains(&format!("burn on {backend}")), "{out}");
        // The err_bound column of every tensor row.
        out.lines()
            .filter(|l| l.starts_with("grad.layers.") || l.starts_with("loss"))
            .map(|l| l.split_whitespace().nth(3).unwrap().to_owned())
            .collect()
    };
    let flex = err_bounds("flex");
    let ndarray = err_bounds("ndarray");
    assert!(flex.iter().all(|e| e == "0.00e0"), "{flex:?}");
    assert!(ndarray.iter().any(|e| e != "0.00e0"), "{ndarray:?}");
}

/// scripts/numpy_backward.py (docs/grads.md's worked example) with each activation: right, it passes;
/// with the activation's own mistake planted, every wrong tensor is named and so is the pattern;
/// a mistake of another activation's derivative is not named where it does not fit.
#[test]
fn numpy_backward_through_each_activation_and_its_mistake_named() {
    if !have_numpy("numpy_backward_through_each_activation") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rows = dir.path().join("train.csv");
    let (code, _, err) = run(&[
        OsStr::new("data"),
        OsStr::new("--config"),
        moons64("config.toml").as_os_str(),
        OsStr::new("--normalised"),
        OsStr::new("--split"),
        OsStr::new("train"),
        OsStr::new("--out"),
        rows.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/numpy_backward.py");
    let cases = [
        (
            "relu",
            "",
            None,
            "",
            "relu-mask",
            "only the first layer is wrong (grad.layers.0.weight, grad.layers.0.bias): its own ∂L/∂W or ∂L/∂b, or the gradient handed to it (the ReLU mask between layers 0 and 1?)",
        ),
        (
            "tanh",
            "",
            Some("tanh-no-square"),
            "tanh′ computed as 1 − tanh (the square forgotten)",
            "relu-mask",
            "only the first layer is wrong",
        ),
        (
            "sigmoid",
            "",
            Some("sigmoid-prime-as-sigma"),
            "σ′ computed as σ (not σ(1 − σ))",
            "relu-mask",
            "only the first layer is wrong",
        ),
        (
            "gelu",
            "",
            Some("gelu-prime-as-cdf"),
            "GELU′ computed as Φ (the product rule's z·φ(z) forgotten)",
            "relu-mask",
            "or the gradient handed to it (the GELU derivative between layers 0 and 1?)",
        ),
        (
            "silu",
            "",
            Some("silu-prime-as-sigma"),
            "SiLU′ computed as σ (the product rule's z·σ′ forgotten)",
            "sum",
            "off by the batch size",
        ),
        (
            "leaky_relu",
            "0.1",
            Some("leaky-slope-side"),
            "the leaky ReLU's slope on the wrong side of 0",
            "sum",
            "off by the batch size",
        ),
    ];
    for (activation, slope, bug, name, other_bug, other_name) in cases {
        let mut keys = format!("activation = \"{activation}\"");
        if !slope.is_empty() {
            keys.push_str(&format!("\nnegative_slope = {slope}"));
        }
        let text = std::fs::read_to_string(moons64("config.toml"))
            .unwrap()
            .replace(
                "path = \"data.csv\"",
                &format!("path = {:?}", moons64("data.csv").display().to_string()),
            )
            .replace("hidden = [8, 8]", &format!("hidden = [8, 8]\n{keys}"));
        let config = dir.path().join(format!("{activation}.toml"));
        std::fs::write(&config, text).unwrap();
        let grads = |bug: Option<&str>| -> (Option<i32>, String) {
            let file = dir
                .path()
                .join(format!("{activation}-{}.safetensors", bug.unwrap_or("ok")));
            let mut py = Command::new("python3");
            py.arg(&script)
                .arg(&rows)
                .arg(moons64("params.safetensors"))
                .arg(&file)
                .args(["--activation", activation]);
            if !slope.is_empty() {
                py.args(["--negative-slope", slope]);
            }
            if let Some(b) = bug {
                py.args(["--bug", b]);
            }
            let out = py.output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let (code, out, err) = run(&[
                OsStr::new("grads"),
                OsStr::new("--config"),
                config.as_os_str(),
                OsStr::new("--params"),
                moons64("params.safetensors").as_os_str(),
                OsStr::new("--check"),
                file.as_os_str(),
            ]);
            assert!(!err.contains("panicked"), "{err}");
            (code, out)
        };
        let (code, out) = grads(None);
        assert_eq!(code, Some(0), "{activation}:\n{out}");
        assert!(out.contains("PASS"), "{out}");
        // Kinks are named only where the activation has them.
        let measure = match activation {
            "relu" => "f64 rounding and ReLU kinks can explain",
            "leaky_relu" => "f64 rounding and leaky ReLU kinks can explain",
            _ => "f64 rounding can explain",
        };
        assert!(out.contains(measure), "{activation}:\n{out}");
        if let Some(bug) = bug {
            let (code, out) = grads(Some(bug));
            assert_eq!(code, Some(1), "{activation} {bug}:\n{out}");
            // Layers 0 and 1 carry the activation's backward; the last layer has none.
            for t in [
                "grad.layers.0.weight",
                "grad.layers.0.bias",
                "grad.layers.1.weight",
                "grad.layers.1.bias",
            ] {
                let line = out.lines().find(|l| l.starts_with(t)).unwrap();
                assert!(line.contains(name), "{bug}: {line}\n{out}");
            }
            let last = out
                .lines()
                .find(|l| l.starts_with("grad.layers.2.weight"))
                .unwrap();
            assert!(last.ends_with("agrees"), "{out}");
            assert!(
                out.contains(&format!(
                    "diagnosis: every wrong tensor fits the same mistake: {name}"
                )),
                "{out}"
            );
        }
        // Another mistake is named as itself, not as the activation's.
        let (code, out) = grads(Some(other_bug));
        assert_eq!(code, Some(1), "{activation} {other_bug}:\n{out}");
        assert!(out.contains(other_name), "{activation} {other_bug}:\n{out}");
        if !name.is_empty() {
            assert!(!out.contains(name), "{activation} {other_bug}:\n{out}");
        }
    }
}
