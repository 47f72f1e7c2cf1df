//! burn's GPU path under the gate (`--features gpu`): the wgpu backend on whatever Vulkan device
//! the machine has (Mesa's lavapipe, a CPU, under CI). The gate is the CPU backends' own; what
//! it finds is a pass, our mistake, or a documented finding (src/findings.rs).
//! `cargo test --release --features gpu --test gpu`.
#![cfg(feature = "gpu")]

mod common;

use std::path::Path;

use burn::prelude::*;
use burn::tensor::DType;
use mlp2d::config::{Backend, Config, Precision};
use mlp2d::findings::{Setting, known};
use mlp2d::run_setup::RunSetup;

use common::shipped_configs as configs;

/// `path` on wgpu in `precision`, cut to its first `steps` steps (each new shape costs seconds
/// of shader compilation on lavapipe; the whole runs are in docs/gpu.md).
fn run(path: &Path, precision: Precision, steps: usize) -> (mlp2d::metrics::RunResult, Setting) {
    let mut config = Config::load(path).unwrap();
    config.compare.precision = precision;
    config.compare.backend = Backend::Wgpu;
    let per_epoch = {
        let setup = RunSetup::new(&config, None).unwrap();
        let rows = setup.prepared.train.x.nrows();
        rows.div_ceil(config.train.batch_size.min(rows))
    };
    config.train.epochs = steps.div_ceil(per_epoch);
    config.train.stop_at_step = Some(steps.min(config.train.epochs * per_epoch));
    let setup = RunSetup::new(&config, None).unwrap();
    let setting = Setting {
        activation: setup.options.activation,
        optimizer: setup.options.optimizer,
        precision,
        backend: Backend::Wgpu,
    };
    (setup.train(|_| {}).unwrap(), setting)
}

/// Every shipped config in f32 on wgpu: within the gate, or a documented finding's FAIL.
#[test]
fn every_shipped_config_agrees_on_wgpu_in_f32() {
    for path in configs() {
        let (run, setting) = run(&path, Precision::F32, 40);
        let name = path.display();
        match known(&setting) {
            Some(f) => {
                let d = run.first_disagreement.as_ref().expect("the finding's FAIL");
                assert_eq!(d.finding, Some(f.id), "{name}: {d}");
            }
            None => assert!(run.passed(), "{name}: {}", run.first_disagreement.unwrap()),
        }
        assert!(run.steps >= 1, "{name}");
    }
}

/// f64 on wgpu: a FAIL that names the finding at the first step, never a PASS, a crash or a
/// divergence blamed on the learning rate; the run stops there.
#[test]
fn f64_on_wgpu_is_a_named_fail() {
    for path in configs() {
        let (run, setting) = run(&path, Precision::F64, 5);
        let name = path.display();
        let f = known(&setting).expect("the wgpu f64 finding applies");
        assert_eq!(f.id, "wgpu-f64");
        let d = run
            .first_disagreement
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: f64 on wgpu passed"));
        assert_eq!(d.finding, Some("wgpu-f64"), "{name}: {d}");
        assert_eq!(d.step, 0, "{name}: {d}");
    }
}

/// The command line: the adapter and its driver in the header, exit 1, the finding named.
#[test]
fn compare_names_the_device_and_the_finding() {
    let dir = tempfile::tempdir().unwrap();
    let moons = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/moons.toml");
    let out = common::bin()
        .args([
            "compare",
            "--config",
            moons,
            "--backend",
            "wgpu",
            "--precision",
            "f64",
        ])
        .args(["--epochs", "1", "--out"])
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("  device        "), "{stdout}");
    assert!(stdout.contains("driver"), "{stdout}");
    assert!(stdout.contains("FAIL"), "{stdout}");
    assert!(stderr.contains("wgpu-f64"), "{stderr}");
    assert!(!stderr.contains("XDG_RUNTIME_DIR"), "{stderr}");
}

/// The reproduction's claim, measured: on wgpu, f32 ops are right to f32's rounding while the
/// same f64 ops are wrong far beyond f64's.
#[test]
fn wgpu_f64_ops_are_wrong_where_f32_ones_are_right() {
    let device = Device::wgpu(burn::tensor::DeviceKind::DefaultDevice);
    assert!(
        device.supports_dtype(DType::F64),
        "the device says it supports f64"
    );
    let xs = vec![-2.5f64, -0.75, 0.5, 1.25, 3.0];
    let error = |dtype: DType| {
        let x = Tensor::<1>::from_data(TensorData::new(xs.clone(), [xs.len()]), (&device, dtype));
        let got: Vec<f64> = x
            .exp()
            .into_data()
            .convert::<f64>()
            .try_to_vec::<f64>()
            .unwrap();
        xs.iter()
            .zip(&got)
            .map(|(&x, &g)| ((g - x.exp()) / x.exp()).abs())
            .fold(
                0.0,
                |a: f64, e| if e.is_nan() { f64::INFINITY } else { a.max(e) },
            )
    };
    let (f32_err, f64_err) = (error(DType::F32), error(DType::F64));
    assert!(f32_err < 1e-6, "exp in f32: {f32_err:e}");
    assert!(f64_err > 1e-3, "exp in f64: {f64_err:e}");
}

#[path = "../examples/wgpu_f64/naga.rs"]
mod naga_spirv;

/// Where it goes wrong: naga validates WGSL's exp, log and tanh of f64 and writes SPIR-V that
/// the SPIR-V validator rejects (GLSL.std.450 defines them for 16- and 32-bit floats only).
/// Needs `spirv-val` (Debian's spirv-tools, which .ci/run installs).
#[test]
fn naga_writes_spirv_the_validator_rejects_for_f64_exp() {
    let source = include_str!("../examples/wgpu_f64/exp_f64.wgsl");
    let (valid, said) = spirv_val(source);
    assert!(!valid, "spirv-val accepted it: {said}");
    assert!(
        said.contains("GLSL.std.450 Exp: expected Result Type to be a 16 or 32-bit"),
        "{said}"
    );
    // The same shader in f32 is valid: the instruction, not the shader, is the trouble.
    let (valid, said) = spirv_val(&source.replace("f64", "f32"));
    assert!(valid, "{said}");
}

/// naga's SPIR-V for `source`, through `spirv-val --target-env vulkan1.3`: valid or not, and
/// what the validator said.
fn spirv_val(source: &str) -> (bool, String) {
    let words = naga_spirv::spirv(source).expect("naga accepts the shader");
    let dir = tempfile::tempdir().unwrap();
    let spv = dir.path().join("shader.spv");
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    std::fs::write(&spv, bytes).unwrap();
    let out = std::process::Command::new("spirv-val")
        .args(["--target-env", "vulkan1.3"])
        .arg(&spv)
        .output()
        .expect("spirv-val runs (install spirv-tools)");
    let said =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    (out.status.success(), said)
}

/// No Vulkan driver (the loader pointed at none): which package to install; a GPU asked for
/// on a machine that has only lavapipe: what wgpu sees. Exit 2, one line, nothing written.
#[test]
fn a_missing_vulkan_device_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let moons = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/moons.toml");
    let out = dir.path().join("run");
    let run = |device: &str, icd: Option<&str>| {
        let mut cmd = common::bin();
        cmd.args([
            "compare",
            "--config",
            moons,
            "--backend",
            "wgpu",
            "--device",
            device,
        ])
        .args(["--epochs", "1", "--out"])
        .arg(&out);
        if let Some(icd) = icd {
            cmd.env("VK_ICD_FILENAMES", icd);
        }
        let o = cmd.output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, err) = run("auto", Some("/nonexistent/icd.json"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("apt-get install mesa-vulkan-drivers"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let has_gpu =
        mlp2d::burn_device::adapter().is_ok_and(|a| a.info.device_type != wgpu::DeviceType::Cpu);
    if !has_gpu {
        let (code, err) = run("gpu", None);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("found no such adapter; wgpu sees:"), "{err}");
    }
    assert!(!out.exists());
}
