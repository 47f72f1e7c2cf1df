//! The three-way gradient check behind `mlp2d grads`: the hand-written twin, the burn twin, and
//! finite differences ([`super::numeric`]), for every parameter entry. Entries near a (leaky)
//! ReLU kink are left out of the numeric comparisons; smooth activations have none.

use std::fmt::Write as _;

use ndarray::{Array1, Array2};

use anyhow::Result;

use super::numeric::{Column, kink_mask, numeric};
use crate::agreement::{self, Scales};
use crate::config::{Activation, Backend, Precision};
use crate::data::Prepared;
use crate::metrics::rel_err;
use crate::params::{Params, Tensor, tensor_name, tensors_to_safetensors};
use crate::twins::{NetSpec, burn_twin, manual_net};

/// How the two twins' columns are judged against each other: `err_bound` (agreement/judge.rs) at the
/// point the columns were computed at.
#[derive(Debug, Clone, Copy)]
pub struct TwinJudge<'a> {
    pub scales: &'a Scales,
    pub precision: Precision,
    pub limit: f64,
    /// The hidden activation (whether it has kinks to leave out).
    pub activation: Activation,
}

/// One row of the table: a tensor (or the loss), the twins' `err_bound` and the relative errors
/// against the numeric column.
#[derive(Debug, Clone)]
pub struct ThreeWayRow {
    pub name: String,
    pub shape: Vec<usize>,
    /// L2 norm of the burn twin's gradient (of the loss value for the loss row).
    pub norm: f64,
    /// `err_bound` of the hand-written column against burn's.
    pub manual_burn: f64,
    /// Over the entries not flagged as near a kink.
    pub manual_numeric: f64,
    pub burn_numeric: f64,
    pub near_kink: usize,
}

/// The whole check.
#[derive(Debug, Clone)]
pub struct Report {
    pub rows: Vec<ThreeWayRow>,
    /// `err_bound_limit`.
    pub twin_tol: f64,
    pub numeric_tol: f64,
    pub activation: Activation,
}

impl Report {
    /// The first row and pair beyond tolerance, if any.
    pub fn failure(&self) -> Option<String> {
        for r in &self.rows {
            if r.manual_burn.is_nan() || r.manual_burn > self.twin_tol {
                return Some(format!(
                    "{} disagrees: manual–burn err_bound {:.3e} exceeds the limit {}",
                    r.name, r.manual_burn, self.twin_tol
                ));
            }
            let checks = [
                ("manual–numeric", r.manual_numeric, self.numeric_tol),
                ("burn–numeric", r.burn_numeric, self.numeric_tol),
            ];
            for (pair, err, tol) in checks {
                if err.is_nan() || err > tol {
                    return Some(format!(
                        "{} disagrees: {pair} relative error {err:.3e} exceeds {tol:.0e}",
                        r.name
                    ));
                }
            }
        }
        None
    }

    pub fn passed(&self) -> bool {
        self.failure().is_none()
    }

    /// The table printed by `mlp2d grads`.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<22} {:>9} {:>11} {:>12} {:>14} {:>13} {:>10}",
            "tensor",
            "shape",
            "norm",
            "err_bound m–b",
            "manual–numeric",
            "burn–numeric",
            "near kink"
        );
        for r in &self.rows {
            let shape = crate::params::shape_text(&r.shape);
            let _ = writeln!(
                s,
                "{:<22} {:>9} {:>11.4e} {:>12.2e} {:>14.2e} {:>13.2e} {:>10}",
                r.name, shape, r.norm, r.manual_burn, r.manual_numeric, r.burn_numeric, r.near_kink
            );
        }
        let kinks = match self.activation {
            Activation::Relu => "entries near a ReLU kink left out".to_owned(),
            Activation::LeakyRelu { .. } => "entries near a leaky ReLU kink left out".to_owned(),
            a => format!("every entry: {} has no kink", a.name()),
        };
        let _ = write!(
            s,
            "limits: manual–burn err_bound {} (units of the rounding bound), against numeric {:.0e} relative ({kinks})",
            self.twin_tol, self.numeric_tol
        );
        s
    }
}

/// Relative error over the entries where `skip` is false.
fn masked_rel_err(a: &[f64], b: &[f64], skip: &[bool]) -> f64 {
    let keep = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .zip(skip)
            .filter(|(_, s)| !**s)
            .map(|(x, _)| *x)
            .collect()
    };
    rel_err(&keep(a), &keep(b))
}

/// Compares the three columns tensor by tensor.
pub fn three_way(
    manual: &Column,
    burn: &Column,
    numeric: &Column,
    kinks: &[(Array2<bool>, Array1<bool>)],
    twins: TwinJudge,
    numeric_tol: f64,
) -> Report {
    let bound = |a: &[f64], b: &[f64], s: &[f64]| {
        agreement::err_bound(a.iter(), b.iter(), s.iter(), twins.precision)
    };
    let mut rows = vec![ThreeWayRow {
        name: "loss".to_owned(),
        shape: vec![1],
        norm: burn.loss.abs(),
        manual_burn: bound(&[manual.loss], &[burn.loss], &[twins.scales.loss]),
        manual_numeric: rel_err(&[manual.loss], &[numeric.loss]),
        burn_numeric: rel_err(&[burn.loss], &[numeric.loss]),
        near_kink: 0,
    }];
    for (i, (wk, bk)) in kinks.iter().enumerate() {
        let pick = |c: &Column, bias: bool| -> Vec<f64> {
            let l = &c.grads.layers[i];
            if bias {
                l.bias.to_vec()
            } else {
                l.weight.iter().copied().collect()
            }
        };
        for bias in [false, true] {
            let skip: Vec<bool> = if bias {
                bk.to_vec()
            } else {
                wk.iter().copied().collect()
            };
            let (m, b, n) = (pick(manual, bias), pick(burn, bias), pick(numeric, bias));
            let scale = {
                let l = &twins.scales.grads.layers[i];
                if bias {
                    l.bias.to_vec()
                } else {
                    l.weight.iter().copied().collect()
                }
            };
            let layer = &burn.grads.layers[i];
            rows.push(ThreeWayRow {
                name: format!("grad.{}", tensor_name(i, bias)),
                shape: if bias {
                    layer.bias.shape().to_vec()
                } else {
                    layer.weight.shape().to_vec()
                },
                norm: b.iter().map(|v| v * v).sum::<f64>().sqrt(),
                manual_burn: bound(&m, &b, &scale),
                manual_numeric: masked_rel_err(&m, &n, &skip),
                burn_numeric: masked_rel_err(&b, &n, &skip),
                near_kink: skip.iter().filter(|s| **s).count(),
            });
        }
    }
    Report {
        rows,
        twin_tol: twins.limit,
        numeric_tol,
        activation: twins.activation,
    }
}

/// Everything `mlp2d grads` computes.
#[derive(Debug, Clone)]
pub struct GradsRun {
    pub manual: Column,
    pub burn: Column,
    pub numeric: Column,
    pub report: Report,
    pub precision: Precision,
    /// The rounding scales at the parameters, on the training split.
    pub scales: Scales,
}

/// The three columns on the whole (normalised) training split, at `params` rounded to the
/// run's precision; the numeric column is always f64.
pub fn run(
    prepared: &Prepared,
    params: &Params,
    twins: Twins,
    h: f64,
    numeric_tol: f64,
) -> Result<GradsRun> {
    let Twins {
        precision,
        backend,
        activation,
        limit,
    } = twins;
    let net = NetSpec::evaluated(precision, activation);
    let params = params.rounded(precision);
    let (x, y) = (&prepared.train.x, &prepared.train.y);
    let (loss, grads) = manual_net(&params, net).loss_and_grads(x, y);
    let manual = Column { loss, grads };
    let (loss, grads) = burn_twin(&params, net, backend)?.loss_and_grads(x, y);
    let burn = Column { loss, grads };
    let numeric = numeric(&params, (x, y), activation, h);
    let kinks = kink_mask(&params, x, activation, h);
    let x_seen = x.mapv(|v| agreement::round_to(v, precision));
    let scales = agreement::gradient_scales(&params, (&x_seen, y), activation, precision);
    let judge = TwinJudge {
        scales: &scales,
        precision,
        limit,
        activation,
    };
    let report = three_way(&manual, &burn, &numeric, &kinks, judge, numeric_tol);
    Ok(GradsRun {
        manual,
        burn,
        numeric,
        report,
        precision,
        scales,
    })
}

/// Where and how the twins of `grads` run.
#[derive(Debug, Clone, Copy)]
pub struct Twins {
    pub precision: Precision,
    pub backend: Backend,
    pub activation: Activation,
    /// `err_bound_limit`.
    pub limit: f64,
}

impl GradsRun {
    /// `manual.loss`, `burn.loss`, `numeric.loss` (shape [1]) and `{column}.layers.{i}.weight|bias`;
    /// the twins' columns in the run's dtype, the numeric column in f64.
    pub fn to_safetensors(&self) -> Result<Vec<u8>> {
        let mut tensors = Vec::new();
        for (prefix, column, precision) in [
            ("manual", &self.manual, self.precision),
            ("burn", &self.burn, self.precision),
            ("numeric", &self.numeric, Precision::F64),
        ] {
            tensors.push(Tensor {
                name: format!("{prefix}.loss"),
                shape: vec![1],
                values: vec![column.loss],
                precision,
            });
            tensors.extend(column.grads.tensors(&format!("{prefix}."), precision));
        }
        tensors_to_safetensors(&tensors)
    }
}
