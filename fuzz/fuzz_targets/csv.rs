//! Any text given to the CSV reader gives a data set or an error, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(ds) = mlp2d::data::parse_csv(text, Path::new("fuzz.csv")) {
            // What it accepts is well-formed: one label per row, labels in 0..classes.
            assert_eq!(ds.x.nrows(), ds.y.len());
            assert!(ds.y.iter().all(|&c| c < ds.classes));
            assert!(ds.x.iter().all(|v| v.is_finite()));
        }
    }
});
