//! The seeded train/test split.

use ndarray::Array2;
use rand::seq::SliceRandom;

use super::rows::select_rows;
use super::{Dataset, Split};
use crate::rng::{Stream, rng};

/// Holds out `ceil(test_fraction * n)` rows chosen by a seeded shuffle; 0 keeps all rows in order.
pub fn split(ds: &Dataset, test_fraction: f64, seed: u64) -> Split {
    let n = ds.y.len();
    if test_fraction <= 0.0 || test_fraction.is_nan() || n < 2 {
        return Split {
            train: ds.clone(),
            test: Dataset {
                x: Array2::zeros((0, ds.x.ncols())),
                y: Vec::new(),
                classes: ds.classes,
            },
        };
    }
    // The small slack keeps products such as 0.7 * 10 = 7.000000000000001 from rounding up
    // to 8; both sides keep at least one row.
    let n_test = ((test_fraction * n as f64 - 1e-9).ceil().max(1.0) as usize).min(n - 1);
    // Its own stream: the split can change without changing the data or the weights.
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng(seed, Stream::Split));
    let (test, train) = order.split_at(n_test);
    Split {
        train: select_rows(ds, train),
        test: select_rows(ds, test),
    }
}
