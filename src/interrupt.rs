//! Ctrl-C (and SIGTERM) stop a run *between* training steps instead of killing it mid-write:
//! the handler only raises a flag; training checks it every step and stops with an error, so
//! nothing is written, and a signal that arrives while result files are being written waits
//! until they are all in place.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Installs the handler (once per process; the CLI calls it at start).
pub fn install() {
    // A second install (e.g. from a test harness) fails harmlessly: the first one stays.
    let _ = ctrlc::set_handler(|| REQUESTED.store(true, Ordering::SeqCst));
}

/// True once Ctrl-C or SIGTERM was received.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// The error a run stops with when interrupted; main maps it to exit status 130.
#[derive(Debug)]
pub struct Interrupted {
    pub epoch: usize,
    pub step: usize,
    /// Run folders a batch (`compare --all`) completed before the signal came.
    pub written: Vec<std::path::PathBuf>,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "interrupted at epoch {}, step {}: ",
            self.epoch, self.step
        )?;
        if self.written.is_empty() {
            return write!(f, "no result file was written or changed");
        }
        let list: Vec<String> = self
            .written
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        write!(
            f,
            "the runs before it were written, complete, to {}; nothing else was written or changed (not the report)",
            list.join(", ")
        )
    }
}

impl std::error::Error for Interrupted {}
