//! What a frame shows of the nets: the boundary raster (the burn twin's class and confidence,
//! the cells where the hand-written twin differs) and each hidden unit's output over the plane.
//! Each frame evaluates the twins it is given (the caller's nets, at their current parameters)
//! over the rasters' cells and turns the results into bytes for the page.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ndarray::Array2;
use serde_json::{Value, json};

use crate::burn_mlp::BurnTwin;
use crate::config::Activation;
use crate::data::Prepared;
use crate::metrics::argmax;
use crate::plot::BoundaryGrid;
use crate::twins::ManualNet;

/// Cells per side of the boundary raster (fewer for big nets, whose every cell costs a forward
/// pass of both twins) and of each unit's map.
const BOUNDARY_CELLS: usize = 64;
const BOUNDARY_CELLS_BIG_NET: usize = 32;
/// Parameters from which a net counts as big.
const BIG_NET: usize = 50_000;
const UNIT_CELLS: usize = 24;
/// Per-unit maps for nets with at most this many hidden units in all.
pub const MAX_UNITS_SHOWN: usize = 64;
/// Points sent to the page per split; larger splits are thinned evenly.
const MAX_POINTS: usize = 10_000;

/// The rasters of one run (they depend on the data only).
pub struct Rasters {
    boundary: BoundaryGrid,
    units: Option<BoundaryGrid>,
    /// The hidden outputs can be negative (leaky_relu, tanh): the unit maps are signed.
    signed: bool,
}

impl Rasters {
    pub fn new(prepared: &Prepared, sizes: &[usize], activation: Activation) -> Rasters {
        let hidden = &sizes[1..sizes.len() - 1];
        let shown = hidden.iter().sum::<usize>() <= MAX_UNITS_SHOWN && !hidden.is_empty();
        let parameters: usize = sizes.windows(2).map(|w| (w[0] + 1) * w[1]).sum();
        let cells = if parameters > BIG_NET {
            BOUNDARY_CELLS_BIG_NET
        } else {
            BOUNDARY_CELLS
        };
        Rasters {
            boundary: BoundaryGrid::with_cells(prepared, cells),
            units: shown.then(|| BoundaryGrid::with_cells(prepared, UNIT_CELLS)),
            signed: !matches!(activation, Activation::Relu | Activation::Sigmoid),
        }
    }

    /// Whether the unit maps are signed (128 is 0; see [`Rasters::units`]).
    pub fn signed_units(&self) -> bool {
        self.signed
    }

    /// The plane and the points, for `ready`.
    pub fn plane(&self, prepared: &Prepared) -> Value {
        let ((x0, x1), (y0, y1)) = self.boundary.ranges();
        let (x_label, y_label) = self.boundary.labels();
        let points = |x: &Array2<f64>, y: &[usize]| -> Vec<Value> {
            let step = x.nrows().div_ceil(MAX_POINTS).max(1);
            self.boundary
                .project(x)
                .into_iter()
                .zip(y)
                .step_by(step)
                .map(|((a, b), &c)| json!([round4(a), round4(b), c]))
                .collect()
        };
        json!({
            "plane": { "x": [x0, x1], "y": [y0, y1], "x_label": x_label, "y_label": y_label },
            "train": points(&prepared.train.x, &prepared.train.y),
            "test": points(&prepared.test.x, &prepared.test.y),
        })
    }

    /// The boundary: burn's class and confidence per cell, and where the hand-written twin
    /// predicts another class.
    pub fn boundary(&self, manual: &mut dyn ManualNet, burn: &BurnTwin) -> Value {
        let cells = &self.boundary.features;
        let probabilities = burn.probabilities(cells);
        let by_manual = manual.predict(cells);
        let mut class = Vec::with_capacity(by_manual.len());
        let mut confidence = Vec::with_capacity(by_manual.len());
        let mut differ = Vec::with_capacity(by_manual.len());
        for (row, &m) in probabilities.rows().into_iter().zip(&by_manual) {
            let c = argmax(row.iter().copied());
            class.push(c.min(255) as u8);
            confidence.push(byte(row[c]));
            differ.push(u8::from(c != m));
        }
        let differ_count = differ.iter().filter(|&&d| d == 1).count();
        json!({
            "n": self.boundary.cells(),
            "class": STANDARD.encode(&class),
            "confidence": STANDARD.encode(&confidence),
            "differ": STANDARD.encode(&differ),
            "differ_count": differ_count,
        })
    }

    /// Each hidden unit's output over the plane (hand-written twin), scaled by its own largest
    /// value: 0 → 0 and its largest → 255; signed maps by its largest magnitude, −top → 0,
    /// 0 → 128 (127.5 rounded) and top → 255. None for nets too big to show.
    pub fn units(&self, manual: &mut dyn ManualNet) -> Option<Value> {
        let grid = self.units.as_ref()?;
        let outputs = manual.hidden_outputs(&grid.features);
        let mut maps = Vec::new();
        for (layer, out) in outputs.iter().enumerate() {
            for (unit, column) in out.columns().into_iter().enumerate() {
                let values: Vec<u8> = if self.signed {
                    let top = column.iter().fold(0.0_f64, |t, v| t.max(v.abs()));
                    column
                        .iter()
                        .map(|&v| byte(0.5 + if top > 0.0 { v / top / 2.0 } else { 0.0 }))
                        .collect()
                } else {
                    let top = column.iter().copied().fold(0.0_f64, f64::max);
                    column
                        .iter()
                        .map(|&v| if top > 0.0 { byte(v / top) } else { 0 })
                        .collect()
                };
                maps.push(json!({
                    "layer": layer + 1,
                    "unit": unit,
                    "n": grid.cells(),
                    "values": STANDARD.encode(&values),
                }));
            }
        }
        Some(Value::Array(maps))
    }
}

/// 0–1 as 0–255 (NaN as 0).
fn byte(v: f64) -> u8 {
    if v.is_nan() {
        0
    } else {
        (v.clamp(0.0, 1.0) * 255.0).round() as u8
    }
}

fn round4(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}
