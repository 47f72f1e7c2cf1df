//! Small helpers shared by the generators: building a data set from points, shuffling rows.

use ndarray::{Array2, Axis};
use rand::Rng;
use rand::seq::SliceRandom;

use super::Dataset;

/// Packs 2-D points and their labels into a data set.
pub(crate) fn from_points(points: &[[f64; 2]], y: Vec<usize>, classes: usize) -> Dataset {
    let mut x = Array2::zeros((points.len(), 2));
    for (mut row, p) in x.rows_mut().into_iter().zip(points) {
        row[0] = p[0];
        row[1] = p[1];
    }
    Dataset { x, y, classes }
}

/// The rows of `ds` in the order given by `order`.
pub(crate) fn select_rows(ds: &Dataset, order: &[usize]) -> Dataset {
    Dataset {
        x: ds.x.select(Axis(0), order),
        y: order.iter().map(|&i| ds.y[i]).collect(),
        classes: ds.classes,
    }
}

/// Permutes rows and labels together (as scikit-learn's `shuffle=True`).
pub(crate) fn shuffle_rows(ds: Dataset, rng: &mut impl Rng) -> Dataset {
    let mut order: Vec<usize> = (0..ds.y.len()).collect();
    order.shuffle(rng);
    select_rows(&ds, &order)
}

/// Splits `n` items over `k` groups as evenly as possible, the first groups taking the
/// remainder (scikit-learn's `make_blobs` rule).
pub(crate) fn even_sizes(n: usize, k: usize) -> Vec<usize> {
    (0..k).map(|i| n / k + usize::from(i < n % k)).collect()
}
