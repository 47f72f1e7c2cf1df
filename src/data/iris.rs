//! Fisher's iris flowers (150 × 4, 3 classes), as bundled with linfa-datasets.

use rand::Rng;

use super::Dataset;
use super::rows::shuffle_rows;

/// The iris data; the file is sorted by class, hence the optional shuffle.
pub fn iris(shuffle: bool, rng: &mut impl Rng) -> Dataset {
    let data = linfa_datasets::iris();
    let ds = Dataset {
        x: data.records().to_owned(),
        y: data.targets().to_vec(),
        classes: 3,
    };
    if shuffle { shuffle_rows(ds, rng) } else { ds }
}
