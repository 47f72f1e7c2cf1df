//! A progress bar per run on stderr: epoch, each twin's loss, the worst error so far, ETA.
//! Hidden when stderr is not a terminal (CI logs stay clean) or when asked to be quiet.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::metrics::EpochMetrics;

pub struct EpochProgress {
    bar: ProgressBar,
}

impl EpochProgress {
    /// A bar over `epochs` epochs, labelled `name`; hidden when `quiet` or when stderr is not
    /// a terminal.
    pub fn new(name: &str, epochs: usize, quiet: bool) -> EpochProgress {
        if quiet || !std::io::stderr().is_terminal() {
            return EpochProgress {
                bar: ProgressBar::hidden(),
            };
        }
        let bar = ProgressBar::new(epochs as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:.bold} [{bar:24.cyan/blue}] epoch {pos}/{len}  {msg}  ETA {eta}",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        bar.set_prefix(name.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        EpochProgress { bar }
    }

    pub fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }

    /// A message shown until the first epoch ends.
    pub fn note(&self, message: &str) {
        self.bar.set_message(message.to_owned());
    }

    /// Shows the state after an epoch.
    pub fn update(&self, m: &EpochMetrics) {
        if self.bar.is_hidden() {
            return;
        }
        self.bar.set_message(format!(
            "loss {:.5} / {:.5} (hand-written / burn)  worst err_bound {:.3}  drift {:.1e}",
            m.loss_manual, m.loss_burn, m.max_err_bound, m.max_drift
        ));
        self.bar.set_position(m.epoch as u64);
    }

    /// Removes the bar (the summary printed next says how it ended).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for EpochProgress {
    fn drop(&mut self) {
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }
}

/// A bar over `count` items (runs of a sweep), labelled `name`; hidden like [`EpochProgress`].
pub fn count_bar(name: &str, count: usize, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(count as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix:.bold} [{bar:24.cyan/blue}] {pos}/{len}  ETA {eta}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_prefix(name.to_owned());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
