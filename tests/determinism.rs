//! Same config and seed, same results: `metrics.csv` (minus its timing columns) and every
//! parameter file are byte-identical across runs and across thread counts.

mod common;

use std::path::Path;

fn spiral() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/spiral.toml")
}

/// One run with `threads` worker threads for both the rayon pool (gemm, burn-flex) and
/// `matrixmultiply` (burn-ndarray).
fn run(config: &Path, out: &Path, threads: &str, seed: &str, extra: &[&str]) {
    common::ok(
        common::bin()
            .args(["compare", "--quiet", "--seed", seed, "--config"])
            .arg(config)
            .arg("--out")
            .arg(out)
            .args(extra)
            .env("RAYON_NUM_THREADS", threads)
            .env("MATMUL_NUM_THREADS", threads),
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
    let five = ["--epochs", "5"];
    run(&spiral(), &a, "1", "7", &five);
    run(&spiral(), &b, "2", "7", &five);
    run(&spiral(), &c, "1", "8", &five);
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

/// 256-wide layers and batches of 256: large enough that the matrix products are split over
/// the threads (256³ multiply-adds in f64, src/matmul.rs). The split must not change a bit.
#[test]
fn wide_layers_split_over_threads_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wide.toml");
    std::fs::write(
        &config,
        "name = \"wide\"\nseed = 3\n[data]\nkind = \"moons\"\nsamples = 1280\nnoise = 0.1\n\
         [model]\nhidden = [256, 256]\ninit = \"he\"\n\
         [train]\nepochs = 2\nbatch_size = 256\nlearning_rate = 0.05\n",
    )
    .unwrap();
    for backend in ["flex", "ndarray"] {
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let extra = ["--backend", backend];
        run(&config, &a, "1", "7", &extra);
        run(&config, &b, "2", "7", &extra);
        assert_eq!(
            metrics_without_time(&a),
            metrics_without_time(&b),
            "{backend}"
        );
        for f in FILES {
            assert_eq!(
                std::fs::read(a.join(f)).unwrap(),
                std::fs::read(b.join(f)).unwrap(),
                "{backend}: {f}"
            );
        }
    }
}
