//! Property tests for the two parsers users feed by hand: arbitrary bytes never panic (they are
//! either accepted or get an error), and every valid file round-trips.

use mlp2d::config::Config;
use mlp2d::data::{Dataset, read_csv, write_csv};
use ndarray::Array2;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn config_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Config::parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn config_parser_never_panics_on_near_valid_text(
        key in "[a-z_]{1,12}",
        value in prop_oneof!["-?[0-9]{1,4}", "-?[0-9]\\.[0-9]{1,3}e-?[0-9]", "\"[a-z]{0,8}\"", "\\[[0-9, ]{0,10}\\]", "inf|nan|true"],
        section in prop_oneof!["data", "model", "train", "compare"],
    ) {
        let text = format!("name = \"x\"\n[data]\nkind = \"moons\"\n[{section}]\n{key} = {value}\n");
        let _ = Config::parse(&text);
    }

    #[test]
    fn csv_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("any.csv");
        std::fs::write(&path, &bytes).unwrap();
        let _ = read_csv(&path);
    }

    #[test]
    fn csv_reader_never_panics_on_csv_like_text(
        rows in proptest::collection::vec(
            proptest::collection::vec(prop_oneof!["-?[0-9]{1,3}(\\.[0-9]{1,3})?", "[a-z]{1,3}", "", "1e999", "NaN"], 1..5),
            0..8,
        ),
    ) {
        let mut text = String::from("x1,x2,label\n");
        for r in rows {
            text.push_str(&r.join(","));
            text.push('\n');
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("like.csv");
        std::fs::write(&path, text).unwrap();
        if let Ok(ds) = read_csv(&path) {
            // Whatever is accepted is sound: finite features, labels in range, every class present.
            prop_assert!(ds.x.iter().all(|v| v.is_finite()));
            prop_assert!(ds.y.iter().all(|&c| c < ds.classes));
            for c in 0..ds.classes {
                prop_assert!(ds.y.contains(&c));
            }
        }
    }

    #[test]
    fn every_valid_dataset_round_trips_through_csv(
        d in 1usize..5,
        k in 2usize..6,
        extra in proptest::collection::vec((any::<f64>(), any::<f64>(), any::<f64>(), any::<f64>(), 0usize..6), 0..30),
        first in proptest::collection::vec((any::<f64>(), any::<f64>(), any::<f64>(), any::<f64>()), 6),
    ) {
        // Every class appears (the first k rows), then arbitrary rows; only finite values.
        let finite = |v: f64| if v.is_finite() { v } else { 0.5 };
        let mut values = Vec::new();
        let mut y = Vec::new();
        for (c, (a, b, e, f)) in first.iter().take(k).enumerate() {
            values.extend([*a, *b, *e, *f].into_iter().take(d).map(finite));
            y.push(c);
        }
        for (a, b, e, f, c) in &extra {
            values.extend([*a, *b, *e, *f].into_iter().take(d).map(finite));
            y.push(c % k);
        }
        let ds = Dataset { x: Array2::from_shape_vec((y.len(), d), values).unwrap(), y, classes: k };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("round.csv");
        write_csv(&path, &ds).unwrap();
        let back = read_csv(&path).unwrap();
        prop_assert_eq!(&back.y, &ds.y);
        prop_assert_eq!(back.classes, ds.classes);
        let bits = |a: &Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        // -0.0 prints as "-0" and reads back as -0.0: bit-exact includes the sign of zero.
        prop_assert_eq!(bits(&back.x), bits(&ds.x));
    }

    #[test]
    fn every_valid_config_round_trips(
        name in "[a-z][a-z0-9_]{0,10}",
        seed in 0..=i64::MAX as u64, // TOML integers are i64
        samples in 4usize..5000,
        noise in 0.0f64..2.0,
        test_fraction in 0.0f64..0.9,
        hidden in proptest::collection::vec(1usize..128, 0..4),
        epochs in 1usize..1000,
        batch_size in 1usize..512,
        learning_rate in 1e-6f64..1.0,
        f32 in any::<bool>(),
    ) {
        let text = format!(
            "name = \"{name}\"\nseed = {seed}\n[data]\nkind = \"moons\"\nsamples = {samples}\nnoise = {noise:?}\n\
             test_fraction = {test_fraction:?}\n[model]\nhidden = {hidden:?}\n[train]\nepochs = {epochs}\n\
             batch_size = {batch_size}\nlearning_rate = {learning_rate:?}\n[compare]\nprecision = \"{}\"\n",
            if f32 { "f32" } else { "f64" }
        );
        let config = Config::parse(&text).unwrap();
        prop_assert_eq!(config.seed, seed);
        prop_assert_eq!(config.data.noise, Some(noise));
        prop_assert_eq!(config.train.learning_rate, learning_rate);
        prop_assert_eq!(&config.model.hidden, &hidden);
        // Written back out and read again, it is the same config.
        let again = Config::parse(&toml::to_string(&config).unwrap()).unwrap();
        prop_assert_eq!(toml::to_string(&again).unwrap(), toml::to_string(&config).unwrap());
    }
}
