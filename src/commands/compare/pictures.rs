//! The pictures of a finished run: `boundary.png` (the twins predict the raster on the run's
//! backend, the picture takes their predictions) and `loss.png`, staged with the run's files.

use std::path::Path;

use anyhow::{Context, Result};

use crate::data::Prepared;
use crate::divergence::Blowup;
use crate::lockstep::LockstepOptions;
use crate::metrics::RunResult;
use crate::output::Staged;
use crate::plot::{BoundaryGrid, BoundaryStats, Gates, LossPicture, boundary_png, loss_png};
use crate::report::Summary;
use crate::twins::{NetSpec, burn_twin, chunked_predict, manual_net};

fn title(summary: &Summary) -> String {
    format!(
        "{}: {} data, net {:?}, {} on {}, init {}",
        summary.name,
        summary.data,
        summary.sizes,
        summary.precision,
        summary.backend.as_deref().unwrap_or("n/a"),
        summary.init
    )
}

/// Stages `boundary.png` and `loss.png`; returns what the boundary picture found. A result
/// folder without its pictures is not a result: failing to draw one fails the run.
pub(super) fn stage_pictures(
    dir: &Path,
    staged: &mut Staged,
    summary: &Summary,
    prepared: &Prepared,
    run: &RunResult,
    options: &LockstepOptions,
) -> Result<BoundaryStats> {
    let accuracy = match summary.test_accuracy {
        Some(a) => format!("test accuracy {:.1}%", 100.0 * a),
        None => format!("train accuracy {:.1}%", 100.0 * summary.train_accuracy),
    };
    let grid = BoundaryGrid::new(prepared);
    let net = NetSpec::evaluated(options.precision, options.activation);
    let mut manual = manual_net(&run.final_manual, net);
    let burn = burn_twin(&run.final_burn, net, options.backend)?;
    let by_manual = chunked_predict(&grid.features, |x| manual.predict(x));
    let by_burn = chunked_predict(&grid.features, |x| burn.predict(x));
    let (png, stats) = boundary_png(
        prepared,
        &grid,
        &by_manual,
        &by_burn,
        &format!("{}, {accuracy}", title(summary)),
    )
    .context("cannot draw boundary.png")?;
    staged.stage(dir.join("boundary.png"), png);
    stage_loss_png(dir, staged, summary, run, None)?;
    Ok(stats)
}

pub(super) fn stage_loss_png(
    dir: &Path,
    staged: &mut Staged,
    summary: &Summary,
    run: &RunResult,
    diverged: Option<(Blowup, &str)>,
) -> Result<()> {
    let title = format!(
        "{}, lr {}, batch {}: {}",
        title(summary),
        summary.learning_rate,
        summary.batch_size,
        summary.verdict()
    );
    let batch = summary.batch_size.min(summary.train_samples).max(1);
    let png = loss_png(&LossPicture {
        metrics: &run.metrics,
        initial_loss: Some((run.initial_loss_manual, run.initial_loss_burn)),
        epochs: summary.epochs,
        steps_per_epoch: summary.train_samples.div_ceil(batch),
        gates: Gates {
            err_bound_limit: summary.err_bound_limit,
            grad_tol: summary.grad_tol,
            drift_tol: summary.drift_tol,
        },
        title: &title,
        first_fail: run.first_disagreement.as_ref(),
        diverged,
    })
    .context("cannot draw loss.png")?;
    staged.stage(dir.join("loss.png"), png);
    Ok(())
}
