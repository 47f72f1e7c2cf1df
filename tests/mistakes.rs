//! The example answers plant mistakes by the catalogue's slugs (src/mistakes.rs): every
//! `--mistake` of examples/check/numpy_mlp.py and `--bug` of scripts/numpy_backward.py is one.

use std::path::Path;

/// The quoted words of the Python list that starts after `marker` in `file`.
fn python_list(file: &str, marker: &str) -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {file}"))
        + marker.len();
    let end = start + text[start..].find(']').expect("the list ends");
    text[start..end]
        .split(',')
        .map(|w| w.trim().trim_matches('"').to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn the_example_answers_plant_mistakes_by_their_slugs() {
    let lists = [
        ("examples/check/numpy_mlp.py", "MISTAKES = ["),
        ("scripts/numpy_backward.py", "\"--bug\", choices=["),
    ];
    for (file, marker) in lists {
        let slugs = python_list(file, marker);
        assert!(slugs.len() >= 5, "{file}: {slugs:?}");
        for s in &slugs {
            assert!(
                mlp2d::mistakes::entry_of(s).is_some(),
                "{file}: `{s}` is not in the catalogue (src/mistakes.rs)"
            );
        }
    }
}
