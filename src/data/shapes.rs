//! Generators from outside scikit-learn: blobs (via linfa), the CS231n spiral, the TensorFlow
//! Playground xor, and a grid of labelled cells.

use anyhow::{Result, bail};
use ndarray::{Array2, Axis, concatenate};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_distr::{Normal, StandardNormal};

use super::Dataset;
use super::rows::{even_sizes, from_points, shuffle_rows};
use super::sklearn::linspace;
use crate::config::GridLayout;

/// `centers` Gaussian blobs of standard deviation `cluster_std`, centres uniform in
/// (−10, 10)² (scikit-learn's `make_blobs` defaults); label = blob index.
pub fn blobs(
    n: usize,
    centers: usize,
    cluster_std: f64,
    shuffle: bool,
    rng: &mut impl Rng,
) -> Result<Dataset> {
    // `Normal::new` accepts a standard deviation of 0; a blob of one repeated point is no blob.
    let dist = match Normal::new(0.0, cluster_std) {
        Ok(d) if cluster_std > 0.0 => d,
        _ => bail!("blobs: cluster_std must be a positive finite number, got {cluster_std}"),
    };
    if centers == 0 {
        bail!("blobs: centers must be at least 1");
    }
    // All centres first, row by row, as scikit-learn draws them.
    let centres = Array2::from_shape_fn((centers, 2), |_| rng.gen_range(-10.0..10.0));
    let mut parts = Vec::with_capacity(centers);
    let mut y = Vec::with_capacity(n);
    for (label, (size, centre)) in even_sizes(n, centers)
        .into_iter()
        .zip(centres.axis_chunks_iter(Axis(0), 1))
        .enumerate()
    {
        parts.push(linfa_datasets::generate::blobs_with_distribution(
            size, &centre, dist, rng,
        ));
        y.extend(std::iter::repeat_n(label, size));
    }
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    let x = concatenate(Axis(0), &views)?;
    let ds = Dataset {
        x,
        y,
        classes: centers,
    };
    Ok(if shuffle { shuffle_rows(ds, rng) } else { ds })
}

/// The CS231n spiral: `classes` arms, arm `j` running from the centre outwards over the
/// angles `4j..4(j+1)`, the angle jittered by `N(0, 1) · noise`.
pub fn spiral(n: usize, classes: usize, noise: f64, shuffle: bool, rng: &mut impl Rng) -> Dataset {
    let mut points = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for (arm, size) in even_sizes(n, classes).into_iter().enumerate() {
        let j = arm as f64;
        let radii = linspace(0.0, 1.0, size, true);
        let angles = linspace(4.0 * j, 4.0 * (j + 1.0), size, true);
        for (r, t) in radii.into_iter().zip(angles) {
            let t = if noise > 0.0 {
                let z: f64 = rng.sample(StandardNormal);
                t + z * noise
            } else {
                t
            };
            points.push([r * t.sin(), r * t.cos()]);
            y.push(arm);
        }
    }
    let ds = from_points(&points, y, classes);
    if shuffle { shuffle_rows(ds, rng) } else { ds }
}

/// TensorFlow Playground's xor: points uniform in (−5, 5)² pushed 0.3 away from the axes;
/// class 1 where the jittered coordinates have a product ≥ 0. The stored point is not jittered.
pub fn xor(n: usize, noise: f64, rng: &mut impl Rng) -> Dataset {
    const PADDING: f64 = 0.3;
    let pad = |v: f64| if v > 0.0 { v + PADDING } else { v - PADDING };
    let mut points = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        // The Playground's draw order: x, y, then the two jitters (drawn even when noise = 0).
        let px = pad(rng.gen_range(-5.0..5.0));
        let py = pad(rng.gen_range(-5.0..5.0));
        let u: f64 = rng.gen_range(-5.0..5.0);
        let v: f64 = rng.gen_range(-5.0..5.0);
        let product = (px + u * noise) * (py + v * noise);
        points.push([px, py]);
        y.push(usize::from(product >= 0.0));
    }
    from_points(&points, y, 2)
}

/// Points uniform over `[0, cols) × [0, rows)`, labelled by the cell they fall in. `Random`
/// deals the classes round-robin over the cells and shuffles them, so every class gets
/// ⌊cells/k⌋ or ⌈cells/k⌉ cells; `Checkerboard` gives cell (i, j) class (i + j) mod k.
pub fn grid(
    n: usize,
    rows: usize,
    cols: usize,
    classes: usize,
    layout: GridLayout,
    rng: &mut impl Rng,
) -> Result<Dataset> {
    if rows == 0 || cols == 0 {
        bail!("grid: rows and cols must be at least 1, got {rows} × {cols}");
    }
    let cells = rows * cols;
    if classes == 0 || classes > cells {
        let s = if cells == 1 { "" } else { "s" };
        bail!("grid: a grid of {cells} cell{s} cannot hold {classes} classes");
    }
    let labels: Vec<usize> = match layout {
        GridLayout::Random => {
            let mut l: Vec<usize> = (0..cells).map(|c| c % classes).collect();
            l.shuffle(rng);
            l
        }
        GridLayout::Checkerboard => (0..cells)
            .map(|c| (c / cols + c % cols) % classes)
            .collect(),
    };
    let mut points = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let px: f64 = rng.gen_range(0.0..cols as f64);
        let py: f64 = rng.gen_range(0.0..rows as f64);
        // `min` guards against a draw that rounds up onto the far edge.
        let i = (py.floor() as usize).min(rows - 1);
        let j = (px.floor() as usize).min(cols - 1);
        points.push([px, py]);
        y.push(labels[i * cols + j]);
    }
    let mut count = vec![0usize; classes];
    for &label in &y {
        count[label] += 1;
    }
    let empty: Vec<String> = (0..classes)
        .filter(|&c| count[c] == 0)
        .map(|c| c.to_string())
        .collect();
    if !empty.is_empty() {
        bail!(
            "grid: class {} got no point among {n} samples over {cells} cells: increase `samples`",
            empty.join(", ")
        );
    }
    Ok(from_points(&points, y, classes))
}
