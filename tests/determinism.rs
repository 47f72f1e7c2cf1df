//! Same config and seed, same results: `metrics.csv` (minus its timing columns) and every
//! parameter file are byte-identical across runs and across thread counts.

use std::path::Path;
use std::process::Command;

fn run(out: &Path, threads: &str, seed: &str) {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/spiral.toml");
    let status = Command::new(env!("CARGO_BIN_EXE_mlp2d"))
        .args([
            "compare", "--quiet", "--epochs", "5", "--seed", seed, "--config",
        ])
        .arg(config)
        .arg("--out")
        .arg(out)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// metrics.csv without the wall-time columns.
fn metrics_without_time(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| !header[i].starts_with("seconds"))
        .collect();
    assert!(
        keep.len() < header.len(),
        "the timing columns are gone: update this test"
    );
    std::iter::once(header.join(","))
        .chain(lines.map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            keep.iter().map(|&i| cells[i]).collect::<Vec<_>>().join(",")
        }))
        .collect()
}

const FILES: [&str; 3] = [
    "initial.safetensors",
    "final_manual.safetensors",
    "final_burn.safetensors",
];

#[test]
fn the_same_seed_gives_the_same_bytes_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    run(&a, "1", "7");
    run(&b, "2", "7");
    run(&c, "1", "8");
    assert_eq!(metrics_without_time(&a), metrics_without_time(&b));
    for f in FILES {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    // A different seed changes the run: the comparison above can fail.
    assert_ne!(metrics_without_time(&a), metrics_without_time(&c));
    assert_ne!(
        std::fs::read(a.join(FILES[0])).unwrap(),
        std::fs::read(c.join(FILES[0])).unwrap()
    );
}
