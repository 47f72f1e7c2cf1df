//! scikit-learn's `make_moons`, `make_circles` and `make_gaussian_quantiles`, point for point:
//! with no noise and no shuffle the points equal scikit-learn's (to rounding of `sin`/`cos`).

use rand::Rng;
use rand_distr::StandardNormal;

use super::Dataset;
use super::rows::{from_points, shuffle_rows};

/// numpy's `linspace(start, stop, num, endpoint)`, with numpy's rounding: `i * step + start`,
/// and with `endpoint` the last value set to `stop` exactly.
pub fn linspace(start: f64, stop: f64, num: usize, endpoint: bool) -> Vec<f64> {
    let div = if endpoint { num.saturating_sub(1) } else { num };
    if div == 0 {
        return vec![start; num];
    }
    let step = (stop - start) / div as f64;
    let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    if endpoint && let Some(last) = v.last_mut() {
        *last = stop;
    }
    v
}

/// Two interleaving half circles: `n / 2` points of class 0 first, the rest of class 1.
pub fn moons(n: usize, noise: f64, shuffle: bool, rng: &mut impl Rng) -> Dataset {
    let n_out = n / 2;
    let n_in = n - n_out;
    let mut points = Vec::with_capacity(n);
    points.extend(
        linspace(0.0, std::f64::consts::PI, n_out, true)
            .into_iter()
            .map(|t| [t.cos(), t.sin()]),
    );
    points.extend(
        linspace(0.0, std::f64::consts::PI, n_in, true)
            .into_iter()
            .map(|t| [1.0 - t.cos(), 1.0 - t.sin() - 0.5]),
    );
    finish(points, n_out, n_in, noise, shuffle, rng)
}

/// A large circle (class 0) around a smaller one of radius `factor` (class 1).
pub fn circles(n: usize, factor: f64, noise: f64, shuffle: bool, rng: &mut impl Rng) -> Dataset {
    let n_out = n / 2;
    let n_in = n - n_out;
    let tau = 2.0 * std::f64::consts::PI;
    let mut points = Vec::with_capacity(n);
    points.extend(
        linspace(0.0, tau, n_out, false)
            .into_iter()
            .map(|t| [t.cos(), t.sin()]),
    );
    points.extend(
        linspace(0.0, tau, n_in, false)
            .into_iter()
            .map(|t| [t.cos() * factor, t.sin() * factor]),
    );
    finish(points, n_out, n_in, noise, shuffle, rng)
}

/// scikit-learn's order of operations: label, shuffle, then add noise to every coordinate.
fn finish(
    points: Vec<[f64; 2]>,
    n_out: usize,
    n_in: usize,
    noise: f64,
    shuffle: bool,
    rng: &mut impl Rng,
) -> Dataset {
    let y = [vec![0; n_out], vec![1; n_in]].concat();
    let mut ds = from_points(&points, y, 2);
    if shuffle {
        ds = shuffle_rows(ds, rng);
    }
    if noise > 0.0 {
        // Row-major, like numpy's `normal(size=X.shape)`.
        for v in ds.x.iter_mut() {
            let z: f64 = rng.sample(StandardNormal);
            *v += noise * z;
        }
    }
    ds
}

/// Standard normal points in the plane, cut into `classes` shells of equal count by their
/// distance from the origin (the last shell takes the remainder).
pub fn gaussian_quantiles(n: usize, classes: usize, shuffle: bool, rng: &mut impl Rng) -> Dataset {
    let mut points: Vec<[f64; 2]> = (0..n)
        .map(|_| [rng.sample(StandardNormal), rng.sample(StandardNormal)])
        .collect();
    // Stable, like numpy's argsort result on distinct distances.
    points.sort_by(|a, b| (a[0] * a[0] + a[1] * a[1]).total_cmp(&(b[0] * b[0] + b[1] * b[1])));
    let step = n / classes.max(1);
    let y = (0..n)
        .map(|i| (i / step.max(1)).min(classes.saturating_sub(1)))
        .collect();
    let ds = from_points(&points, y, classes);
    if shuffle { shuffle_rows(ds, rng) } else { ds }
}
