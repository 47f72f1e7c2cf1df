//! The plane a picture shows. Two features: the feature plane itself. More: the plane through
//! the mean spanned by the first two principal directions (eigenvectors of the covariance, by
//! power iteration), so a point of the picture `(a, b)` is the feature vector
//! `mean + a·v1 + b·v2`. One feature: that feature along `a`, nothing along `b`.

use ndarray::{Array1, Array2, Axis};

#[derive(Debug, Clone)]
pub struct Plane {
    pub mean: Array1<f64>,
    pub v1: Array1<f64>,
    pub v2: Array1<f64>,
    /// Axis titles.
    pub x_label: String,
    pub y_label: String,
    /// Said under the title when the plane is a projection.
    pub note: Option<String>,
}

impl Plane {
    /// The plane for data `x` (rows are points), with axis titles for `units`
    /// (e.g. "normalised").
    pub fn fit(x: &Array2<f64>, units: &str) -> Plane {
        let d = x.ncols();
        let unit = |i: usize| {
            let mut v = Array1::zeros(d);
            if i < d {
                v[i] = 1.0;
            }
            v
        };
        if d <= 2 {
            return Plane {
                mean: Array1::zeros(d),
                v1: unit(0),
                v2: unit(1),
                x_label: format!("x1 ({units})"),
                y_label: if d == 2 {
                    format!("x2 ({units})")
                } else {
                    "(one feature only)".to_owned()
                },
                note: None,
            };
        }
        let mean = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(d));
        let centred = x - &mean;
        let n = x.nrows().max(1) as f64;
        let cov = centred.t().dot(&centred) / n;
        let total: f64 = cov.diag().sum();
        let (l1, v1) = top_eigen(&cov, &[]);
        let (l2, v2) = top_eigen(&cov, std::slice::from_ref(&v1));
        let share = |l: f64| {
            if total > 0.0 {
                format!("{:.0}%", 100.0 * l / total)
            } else {
                "0%".to_owned()
            }
        };
        Plane {
            mean,
            x_label: format!("principal direction 1 ({units}, {} of variance)", share(l1)),
            y_label: format!("principal direction 2 ({units}, {} of variance)", share(l2)),
            note: Some(format!(
                "{d} features: the plane through the mean along the first two principal directions \
                 ({} of the variance)",
                share(l1 + l2)
            )),
            v1,
            v2,
        }
    }

    /// Coordinates `(a, b)` of each row of `x` in the plane (orthogonal projection).
    pub fn project(&self, x: &Array2<f64>) -> Vec<(f64, f64)> {
        x.rows()
            .into_iter()
            .map(|r| {
                let c = &r - &self.mean;
                (c.dot(&self.v1), c.dot(&self.v2))
            })
            .collect()
    }

    /// Feature vectors of plane points: `mean + a·v1 + b·v2`, one row each.
    pub fn lift(&self, points: &[(f64, f64)]) -> Array2<f64> {
        let d = self.mean.len();
        let mut out = Array2::zeros((points.len(), d));
        for (mut row, &(a, b)) in out.rows_mut().into_iter().zip(points) {
            row.assign(&(&self.mean + &(a * &self.v1) + &(b * &self.v2)));
        }
        out
    }
}

/// The largest eigenvalue of the symmetric positive semi-definite `c` and its unit eigenvector,
/// restricted to the complement of the (orthonormal) vectors in `not`; by power iteration from a
/// fixed start, so the result is deterministic. The sign makes the largest entry positive.
fn top_eigen(c: &Array2<f64>, not: &[Array1<f64>]) -> (f64, Array1<f64>) {
    let d = c.nrows();
    let orthogonalise = |v: &mut Array1<f64>| {
        for u in not {
            let p = v.dot(u);
            v.scaled_add(-p, u);
        }
    };
    let normalise = |v: &mut Array1<f64>| -> bool {
        let norm = v.dot(v).sqrt();
        if norm > 1e-300 {
            *v /= norm;
            true
        } else {
            false
        }
    };
    // A start with no zero entry, then each axis in turn if it lies in `not`'s span.
    let starts = std::iter::once(Array1::from_shape_fn(d, |i| 1.0 + 0.1 * i as f64)).chain(
        (0..d).map(|i| {
            let mut e = Array1::zeros(d);
            e[i] = 1.0;
            e
        }),
    );
    let mut v = Array1::zeros(d);
    for mut s in starts {
        orthogonalise(&mut s);
        if normalise(&mut s) {
            v = s;
            break;
        }
    }
    let mut lambda = 0.0;
    for _ in 0..2000 {
        let mut w = c.dot(&v);
        orthogonalise(&mut w);
        let l = w.dot(&v);
        if !normalise(&mut w) {
            // `v` is in the null space: eigenvalue 0, any such vector will do.
            lambda = 0.0;
            break;
        }
        let change = (&w - &v).mapv(f64::abs).sum();
        v = w;
        lambda = l;
        if change < 1e-13 {
            break;
        }
    }
    let big = v
        .iter()
        .copied()
        .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
    if big < 0.0 {
        v.mapv_inplace(|x| -x);
    }
    (lambda.max(0.0), v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn two_features_is_the_plane_itself() {
        let x = array![[1.0, 2.0], [3.0, -1.0]];
        let p = Plane::fit(&x, "normalised");
        assert_eq!(p.project(&x), vec![(1.0, 2.0), (3.0, -1.0)]);
        assert_eq!(p.lift(&[(0.5, 0.25)]), array![[0.5, 0.25]]);
    }

    #[test]
    fn principal_directions_of_a_known_covariance() {
        // Points spread along (1, 1, 0) strongly, along (0, 0, 1) weakly.
        let mut rows = Vec::new();
        for i in -5..=5 {
            let t = i as f64;
            rows.extend([t, t, 0.3 * (t * 1.7).sin()]);
            rows.extend([t, t, -0.3 * (t * 1.7).sin()]);
        }
        let x = Array2::from_shape_vec((rows.len() / 3, 3), rows).unwrap();
        let p = Plane::fit(&x, "normalised");
        let s = 1.0 / 2f64.sqrt();
        assert!(
            (&p.v1 - &array![s, s, 0.0]).mapv(f64::abs).sum() < 1e-9,
            "{}",
            p.v1
        );
        assert!(
            (&p.v2 - &array![0.0, 0.0, 1.0]).mapv(f64::abs).sum() < 1e-9,
            "{}",
            p.v2
        );
        // Lifting a projected point gives back its part in the plane.
        let ab = p.project(&x);
        let back = p.lift(&ab);
        assert!((&back - &x).mapv(f64::abs).sum() < 1e-9);
    }

    #[test]
    fn degenerate_data_does_not_crash() {
        let x = Array2::from_elem((4, 4), 1.0);
        let p = Plane::fit(&x, "normalised");
        assert_eq!(p.project(&x).len(), 4);
        assert!(p.v1.iter().all(|v| v.is_finite()) && p.v2.iter().all(|v| v.is_finite()));
        let one = array![[1.0], [2.0]];
        let p = Plane::fit(&one, "raw");
        assert_eq!(p.project(&one), vec![(1.0, 0.0), (2.0, 0.0)]);
    }
}
