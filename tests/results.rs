//! Results you can see: every run leaves `boundary.png` and `loss.png`, `data --plot` draws the
//! data, `compare --all` runs a folder of configs and writes the report, diverged runs are
//! recorded, and `report` rebuilds the tables from `summary.json` files.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};

use common::{bin, ok};
use mlp2d::burn_mlp::BurnTwin;
use mlp2d::commands::compare::{CompareOptions, compare_all, run_config};
use mlp2d::config::Config;
use mlp2d::data::Dataset;
use mlp2d::divergence::Diverged;
use mlp2d::plot::{BoundaryGrid, RASTER, boundary_png, plot_dataset};
use mlp2d::progress::EpochProgress;
use mlp2d::report::metrics_csv;
use mlp2d::report::table::{find_runs, read_metrics_csv, read_summary, write_report};
use mlp2d::twins::{NetSpec, manual_net};
use ndarray::Array2;

/// Width, height and RGB(A) bytes of a PNG file, fully decoded.
fn decode(path: &Path) -> (u32, u32, Vec<u8>, usize) {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(file)
        .read_info()
        .unwrap_or_else(|e| panic!("{} is not a PNG: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buf)
        .unwrap_or_else(|e| panic!("{} does not decode: {e}", path.display()));
    buf.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    (info.width, info.height, buf, channels)
}

/// Dark pixels in the band of rows `rows` (text is drawn in dark grey or black).
fn dark_pixels(path: &Path, rows: std::ops::Range<u32>) -> usize {
    let (w, _, buf, ch) = decode(path);
    let mut n = 0;
    for y in rows {
        for x in 0..w {
            let i = (y * w + x) as usize * ch;
            if buf[i] < 100 && buf[i + 1] < 100 && buf[i + 2] < 100 {
                n += 1;
            }
        }
    }
    n
}

fn write_config(dir: &Path, file: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

fn small(
    name: &str,
    kind: &str,
    extra_data: &str,
    hidden: &str,
    init: &str,
    epochs: usize,
) -> String {
    format!(
        "name = \"{name}\"\nseed = 7\n\n[data]\nkind = \"{kind}\"\n{extra_data}test_fraction = 0.25\n\n\
         [model]\nhidden = {hidden}\ninit = \"{init}\"\n\n[train]\nepochs = {epochs}\nbatch_size = 16\n\
         learning_rate = 0.05\n\n[compare]\nprecision = \"f64\"\n"
    )
}

fn quiet() -> CompareOptions {
    CompareOptions {
        quiet: true,
        ..CompareOptions::default()
    }
}

#[test]
fn a_run_leaves_both_pictures_and_the_new_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(
        tmp.path(),
        "moons.toml",
        &small("moons", "moons", "samples = 200\n", "[8, 8]", "he", 5),
    );
    let out = tmp.path().join("out");
    let run = run_config(&cfg, Some(&out), &quiet(), false).unwrap();
    assert_eq!(run.summary.exit_status(), 0);

    let (w, h, _, _) = decode(&out.join("boundary.png"));
    assert_eq!((w, h), (880, 760));
    let (w, h, _, _) = decode(&out.join("loss.png"));
    assert_eq!((w, h), (900, 1000));
    // The title is text drawn with the shipped font: there are glyphs in its band.
    assert!(dark_pixels(&out.join("boundary.png"), 8..34) > 200);
    assert!(dark_pixels(&out.join("loss.png"), 8..36) > 200);

    // metrics.csv keeps its columns and gains the per-epoch ones; it reads back.
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with(
        "epoch,loss_manual,loss_burn,train_acc_manual,train_acc_burn,test_acc_manual,test_acc_burn,\
         max_grad_rel_err,max_drift,seconds_manual,seconds_burn,"
    ));
    assert!(header.ends_with(",grad_rel_err,drift,max_err_bound,err_bound,ambiguous_units"));
    let metrics = read_metrics_csv(&out.join("metrics.csv")).unwrap();
    assert_eq!(metrics.len(), 5);
    assert_eq!(metrics_csv(&metrics), csv);
    for (i, m) in metrics.iter().enumerate() {
        assert!(m.grad_rel_err <= m.max_grad_rel_err);
        assert!(m.err_bound <= m.max_err_bound);
        let max = metrics[..=i]
            .iter()
            .map(|m| m.err_bound)
            .fold(0.0, f64::max);
        assert_eq!(m.max_err_bound, max);
        // The running maximum is the maximum of the per-epoch values.
        let max = metrics[..=i]
            .iter()
            .map(|m| m.grad_rel_err)
            .fold(0.0, f64::max);
        assert_eq!(m.max_grad_rel_err, max);
    }

    let summary = read_summary(&out).unwrap();
    assert!(summary.initial_loss_burn.unwrap() > summary.final_loss_burn);
    let (m, b) = (
        summary.initial_loss_manual.unwrap(),
        summary.initial_loss_burn.unwrap(),
    );
    assert!((m - b).abs() <= 1e-12 * b, "{m} vs {b}");
    assert!(summary.diverged.is_none());
    assert_eq!(summary.boundary_cells, Some(RASTER * RASTER));
    assert_eq!(summary.boundary_cells_differ, Some(0));
}

#[test]
fn the_twins_paint_the_same_boundary_in_f64() {
    for (kind, extra) in [("spiral", "samples = 300\nclasses = 3\n"), ("iris", "")] {
        let text = small(kind, kind, extra, "[16]", "he", 20);
        let config = Config::parse(&text).unwrap();
        let setup = mlp2d::run_setup::RunSetup::new(&config, None).unwrap();
        let run = setup.train(|_| {}).unwrap();
        let prepared = &setup.prepared;
        let grid = BoundaryGrid::new(prepared);
        let p = config.compare.precision;
        let net = NetSpec::evaluated(p, config.model.activation());
        let by_manual = manual_net(&run.final_manual, net).predict(&grid.features);
        let by_burn = BurnTwin::new(&run.final_burn, net, config.compare.backend)
            .unwrap()
            .predict(&grid.features);
        let (png, stats) = boundary_png(prepared, &grid, &by_manual, &by_burn, kind).unwrap();
        assert_eq!(stats.cells, RASTER * RASTER);
        assert_eq!(
            stats.differ, 0,
            "{kind}: the twins classify some cells differently"
        );
        assert!(png.starts_with(b"\x89PNG"));
    }
}

#[test]
fn plot_dataset_draws_any_number_of_features() {
    let tmp = tempfile::tempdir().unwrap();
    let moons = mlp2d::data::load(
        &toml::from_str("kind = \"moons\"\nsamples = 100").unwrap(),
        1,
        Path::new("."),
    )
    .unwrap();
    let iris = mlp2d::data::load(
        &toml::from_str("kind = \"iris\"").unwrap(),
        1,
        Path::new("."),
    )
    .unwrap();
    let one = Dataset {
        x: Array2::from_shape_fn((10, 1), |(i, _)| i as f64),
        y: (0..10).map(|i| usize::from(i >= 5)).collect(),
        classes: 2,
    };
    let constant = Dataset {
        x: Array2::from_elem((6, 3), 2.0),
        y: vec![0, 1, 0, 1, 0, 1],
        classes: 2,
    };
    for (name, ds) in [
        ("moons", &moons),
        ("iris", &iris),
        ("one", &one),
        ("constant", &constant),
    ] {
        let path = tmp.path().join(format!("{name}.png"));
        plot_dataset(ds, &path, name).unwrap();
        let (w, h, _, _) = decode(&path);
        assert_eq!((w, h), (880, 760), "{name}");
    }
}

#[test]
fn data_plot_draws_a_png() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("spiral.png");
    ok(bin()
        .args(["data", "--config"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/spiral.toml"))
        .arg("--out")
        .arg(dir.path().join("spiral.csv"))
        .arg("--plot")
        .arg(&png));
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(bytes.len() > 10_000, "a blank picture would be tiny");
}

#[test]
fn compare_all_runs_a_folder_records_divergence_and_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let configs = tmp.path().join("configs");
    // N(0,1) at width 128 and depth 4: the logits are in the thousands and SGD blows up.
    let deep = "[128, 128, 128, 128]";
    for init in ["normal", "he"] {
        write_config(
            &configs,
            &format!("deep-{init}.toml"),
            &small(
                &format!("deep-{init}"),
                "spiral",
                "samples = 120\nclasses = 3\n",
                deep,
                init,
                3,
            ),
        );
    }
    write_config(
        &configs,
        "xor.toml",
        &small("xor", "xor", "samples = 100\n", "[4]", "he", 3),
    );
    let out = tmp.path().join("results");
    let status = compare_all(&configs, &out, &quiet()).unwrap();
    assert_eq!(status, 2, "a diverged run makes the batch exit 2");

    let diverged = read_summary(&out.join("deep-normal")).unwrap();
    assert_eq!(diverged.exit_status(), 2);
    assert_eq!(diverged.verdict().name(), "DIVERGED");
    assert!(
        diverged
            .diverged
            .as_deref()
            .unwrap()
            .contains("diverged at epoch")
    );
    assert!(diverged.initial_loss_burn.unwrap() > 100.0);
    assert!(out.join("deep-normal/loss.png").is_file());
    assert!(!out.join("deep-normal/boundary.png").exists());
    assert!(!out.join("deep-normal/final_burn.safetensors").exists());
    let he = read_summary(&out.join("deep-he")).unwrap();
    assert_eq!(he.verdict().name(), "PASS");
    assert_eq!(
        he.backend.as_deref(),
        Some("flex"),
        "the default backend is recorded"
    );
    assert!(he.initial_loss_burn.unwrap() < 5.0);

    // The report: a row per run, pictures linked, the init comparison and its chart.
    let md = std::fs::read_to_string(out.join("README.md")).unwrap();
    for name in ["deep-normal", "deep-he", "xor"] {
        assert!(md.contains(&format!("| {name} |")), "{md}");
    }
    assert!(md.contains("src=\"xor/boundary.png\""), "{md}");
    assert!(md.contains("src=\"deep-normal/loss.png\""), "{md}");
    assert!(!md.contains("deep-normal/boundary.png"), "{md}");
    assert!(md.contains("## Init comparison"), "{md}");
    assert!(md.contains("DIVERGED"), "{md}");
    let (w, _, _, _) = decode(&out.join("init.png"));
    assert_eq!(w, 1000);
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4);
    assert!(csv.starts_with(
        "name,data,samples,classes,sizes,activation,optimizer,init,precision,backend,"
    ));
    assert!(
        csv.lines()
            .any(|l| l.starts_with("deep-normal,") && l.ends_with(",DIVERGED"))
    );

    // `report` over the same folder writes the same table.
    let again = tmp.path().join("again/R.md");
    let runs = find_runs(std::slice::from_ref(&out)).unwrap();
    assert_eq!(runs.len(), 3);
    write_report(&runs, &again).unwrap();
    let md2 = std::fs::read_to_string(&again).unwrap();
    assert!(md2.contains("src=\"../results/xor/boundary.png\""), "{md2}");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("again/summary.csv")).unwrap(),
        csv
    );
}

#[test]
fn a_single_diverged_run_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = write_config(
        tmp.path(),
        "deep.toml",
        &small(
            "deep",
            "spiral",
            "samples = 120\nclasses = 3\n",
            "[128, 128, 128, 128]",
            "normal",
            3,
        ),
    );
    let out = tmp.path().join("out");
    let err = run_config(&cfg, Some(&out), &quiet(), false).unwrap_err();
    let d = err.downcast_ref::<Diverged>().expect("a divergence");
    assert!(d.partial.initial_loss_burn > 100.0);
    assert!(!out.join("summary.json").exists());
    assert!(!out.join("loss.png").exists());
}

#[test]
fn the_cli_runs_a_folder_and_rebuilds_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let configs = tmp.path().join("configs");
    write_config(
        &configs,
        "xor.toml",
        &small("xor", "xor", "samples = 100\n", "[4]", "he", 2),
    );
    let out = tmp.path().join("res");
    let run = bin()
        .args(["compare", "--all"])
        .arg(&configs)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    // stderr is not a terminal here: no progress output at all.
    assert!(
        run.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.join("xor/boundary.png").is_file());
    assert!(out.join("README.md").is_file());

    std::fs::remove_file(out.join("README.md")).unwrap();
    let report = bin()
        .arg("report")
        .arg(&out)
        .arg("--out")
        .arg(out.join("README.md"))
        .output()
        .unwrap();
    assert_eq!(report.status.code(), Some(0), "{report:?}");
    assert!(out.join("README.md").is_file());

    let none = bin()
        .arg("report")
        .arg(tmp.path().join("nowhere"))
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(2));
}

#[test]
fn quiet_hides_the_progress_bar() {
    assert!(EpochProgress::new("x", 10, true).is_hidden());
}
