//! z-score normalisation, fitted on the training rows and applied to any rows.

use ndarray::{Array1, Array2, Axis};

use super::Normaliser;

/// Below this a feature counts as constant: dividing by it would only amplify rounding noise.
const MIN_SCALE: f64 = 1e-12;

impl Normaliser {
    /// Per-column mean and population standard deviation (ddof = 0, as scikit-learn's
    /// `StandardScaler`); constant columns keep scale 1 and are listed.
    pub fn fit(x: &Array2<f64>) -> Normaliser {
        let d = x.ncols();
        let Some(mean) = x.mean_axis(Axis(0)) else {
            // No rows: nothing to learn, so normalising changes nothing.
            return Normaliser {
                mean: Array1::zeros(d),
                scale: Array1::ones(d),
                constant_features: (0..d).collect(),
            };
        };
        let std = x.std_axis(Axis(0), 0.0);
        let mut constant_features = Vec::new();
        let scale = Array1::from_iter(std.iter().enumerate().map(|(j, &s)| {
            if s.is_finite() && s >= MIN_SCALE {
                s
            } else {
                constant_features.push(j);
                1.0
            }
        }));
        Normaliser {
            mean,
            scale,
            constant_features,
        }
    }

    /// `(x − mean) / scale`, column by column.
    pub fn apply(&self, x: &Array2<f64>) -> Array2<f64> {
        (x - &self.mean) / &self.scale
    }
}
