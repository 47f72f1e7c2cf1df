//! One run set up: config → data → initial parameters → a [`Lockstep`] ready to train. What
//! `compare`, `sweep`, `serve` and the tests all start from.

use std::path::Path;

use anyhow::{Result, bail};

use crate::config::{Config, TrainConfig};
use crate::data::{Prepared, layer_sizes, prepare};
use crate::lockstep::{Lockstep, LockstepOptions};
use crate::metrics::{EpochMetrics, RunResult};
use crate::params::{Params, initial_params};

/// A run's data, network and starting point, and how the harness checks it.
pub struct RunSetup {
    /// The data as the twins see it; its warnings include the setup's own.
    pub prepared: Prepared,
    /// Layer sizes, input to output.
    pub sizes: Vec<usize>,
    pub initial: Params,
    pub train: TrainConfig,
    pub options: LockstepOptions,
}

impl RunSetup {
    /// The config's data, and its initial parameters (from `init_file` when given).
    pub fn new(config: &Config, init_file: Option<&Path>) -> Result<Self> {
        Self::with_data(config, prepare(config)?, init_file)
    }

    /// As [`RunSetup::new`], on data already prepared (the playground's uploaded CSV).
    pub fn with_data(
        config: &Config,
        mut prepared: Prepared,
        init_file: Option<&Path>,
    ) -> Result<Self> {
        let rows = prepared.train.x.nrows();
        if config.train.batch_size > rows {
            prepared.warnings.push(format!(
                "batch_size {} is larger than the training split ({}): each step uses the whole split",
                config.train.batch_size,
                crate::report::count(rows, "row"),
            ));
        }
        check_stop(&config.train, rows)?;
        // Before any work: a backend not built in, or a second device choice, is bad input.
        crate::burn_device::ensure_built(config.compare.backend)?;
        crate::burn_device::choose(config.compare.device)?;
        let sizes = layer_sizes(config, &prepared);
        let initial = initial_params(config, &sizes, init_file)?;
        Ok(RunSetup {
            prepared,
            sizes,
            initial,
            train: config.train.clone(),
            options: LockstepOptions::of(config),
        })
    }

    /// Both twins at the initial parameters, before the first step.
    pub fn lockstep(&self) -> Result<Lockstep<'_>> {
        Lockstep::new(&self.prepared, &self.initial, &self.train, self.options)
    }

    /// Trains both twins for the configured epochs (to `stop_at_step` in the last one, if
    /// set), measuring their agreement every step. `on_epoch` sees each epoch's metrics as they
    /// come (for progress output).
    pub fn train(&self, mut on_epoch: impl FnMut(&EpochMetrics)) -> Result<RunResult> {
        let mut lockstep = self.lockstep()?;
        for _ in 0..self.train.epochs {
            if lockstep.halted() {
                break;
            }
            let Some(stop) = self.train.stop_at_step else {
                on_epoch(&lockstep.epoch()?);
                continue;
            };
            // Step by step, as the playground does, so the stop may fall inside the epoch.
            while lockstep.result().steps < stop {
                if let (_, Some(metrics)) = lockstep.advance()? {
                    on_epoch(&metrics);
                    break;
                }
            }
        }
        Ok(lockstep.finish())
    }
}

/// `stop_at_step` must fall in the last epoch: after the one before it ends, by its end.
fn check_stop(train: &TrainConfig, rows: usize) -> Result<()> {
    let Some(stop) = train.stop_at_step.filter(|_| rows > 0) else {
        return Ok(()); // an empty split is the lockstep's to report
    };
    let per_epoch = rows.div_ceil(train.batch_size.min(rows).max(1));
    let (epochs, last) = (train.epochs, train.epochs * per_epoch);
    if stop > last {
        bail!(
            "[train] stop_at_step = {stop} is after the last epoch's end ({epochs} epochs of \
             {per_epoch} steps end at step {last}): raise epochs or lower stop_at_step"
        );
    }
    if stop <= last - per_epoch {
        let epoch = stop.div_ceil(per_epoch);
        bail!(
            "[train] stop_at_step = {stop} falls in epoch {epoch}, not in the last of {epochs} \
             ({per_epoch} steps each): set epochs = {epoch}"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stop(epochs: usize, stop_at_step: usize, rows: usize, batch_size: usize) -> Result<()> {
        let train = TrainConfig {
            epochs,
            stop_at_step: Some(stop_at_step),
            batch_size,
            ..TrainConfig::default()
        };
        check_stop(&train, rows)
    }

    #[test]
    fn the_stop_must_fall_in_the_last_epoch() {
        // 100 rows in batches of 32: 4 steps an epoch (the last one short).
        assert!(stop(3, 9, 100, 32).is_ok());
        assert!(stop(3, 12, 100, 32).is_ok());
        let e = stop(3, 13, 100, 32).unwrap_err().to_string();
        assert!(e.contains("after the last epoch's end"), "{e}");
        assert!(e.contains("end at step 12"), "{e}");
        let e = stop(3, 8, 100, 32).unwrap_err().to_string();
        assert!(e.contains("falls in epoch 2"), "{e}");
        assert!(e.contains("set epochs = 2"), "{e}");
        // A batch larger than the split: one step an epoch.
        assert!(stop(5, 5, 10, 32).is_ok());
        assert!(stop(5, 4, 10, 32).is_err());
    }
}
