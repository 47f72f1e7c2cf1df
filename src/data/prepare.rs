//! Data as the twins see it: the config's data set, split, and normalised with the training
//! split's statistics; and the layer sizes it implies.

use anyhow::Result;

use super::{Dataset, Normaliser};
use crate::config::{Config, DataKind};

/// Training and test rows, normalised with the training rows' statistics.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub raw: Dataset,
    pub train: Dataset,
    pub test: Dataset,
    pub normaliser: Normaliser,
    pub warnings: Vec<String>,
}

/// Loads the config's data, splits it and normalises both splits.
pub fn prepare(config: &Config) -> Result<Prepared> {
    Ok(prepare_dataset(config, load(config)?))
}

/// The config's data set, generated or read from its file.
fn load(config: &Config) -> Result<Dataset> {
    super::load(&config.data, config.seed, &config.base_dir).map_err(|e| {
        // A generator's complaint is about the config's numbers; a CSV's names its own file.
        match (&config.file, config.data.kind) {
            (Some(file), kind) if kind != DataKind::Csv => {
                e.context(format!("config file {}", file.display()))
            }
            _ => e,
        }
    })
}

/// Splits a data set as the config says and normalises both splits (the playground's uploaded
/// CSV comes in here, never through a path).
pub fn prepare_dataset(config: &Config, raw: Dataset) -> Prepared {
    let split = super::split(&raw, config.data.test_fraction, config.seed);
    let normaliser = Normaliser::fit(&split.train.x);
    let mut warnings = Vec::new();
    for &j in &normaliser.constant_features {
        warnings.push(format!(
            "feature {} is constant on the training rows: it keeps scale 1 and carries no information",
            j + 1
        ));
    }
    let mut seen = vec![false; raw.classes];
    for &c in &split.train.y {
        if let Some(s) = seen.get_mut(c) {
            *s = true;
        }
    }
    let missing: Vec<String> = (0..raw.classes)
        .filter(|&c| !seen[c])
        .map(|c| c.to_string())
        .collect();
    if !missing.is_empty() {
        warnings.push(format!(
            "the training split holds {} of the data's {} classes (none of class {}): the nets \
             never learn {}, so test rows of {} are always misclassified; lower test_fraction or \
             add rows",
            raw.classes - missing.len(),
            raw.classes,
            missing.join(", "),
            if missing.len() == 1 { "it" } else { "them" },
            if missing.len() == 1 {
                "that class"
            } else {
                "those classes"
            },
        ));
    }
    let normalise = |d: Dataset| Dataset {
        x: normaliser.apply(&d.x),
        ..d
    };
    Prepared {
        train: normalise(split.train),
        test: normalise(split.test),
        raw,
        normaliser,
        warnings,
    }
}

/// Layer sizes `[inputs, hidden…, classes]` for a config and its data.
pub fn layer_sizes(config: &Config, prepared: &Prepared) -> Vec<usize> {
    let mut sizes = vec![prepared.train.x.ncols()];
    sizes.extend(&config.model.hidden);
    sizes.push(prepared.raw.classes);
    sizes
}
