//! One run set up: config → data → initial parameters → a [`Lockstep`] ready to train. What
//! `compare`, `sweep`, `serve` and the tests all start from.

use std::path::Path;

use anyhow::Result;

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

    /// Trains both twins for the configured epochs, measuring their agreement every step.
    /// `on_epoch` sees each epoch's metrics as they come (for progress output).
    pub fn train(&self, mut on_epoch: impl FnMut(&EpochMetrics)) -> Result<RunResult> {
        let mut lockstep = self.lockstep()?;
        for _ in 0..self.train.epochs {
            let metrics = lockstep.epoch()?;
            on_epoch(&metrics);
        }
        Ok(lockstep.finish())
    }
}
