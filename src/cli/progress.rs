//! The progress bar on stderr (indicatif): trials done, time elapsed and left.
//!
//! Shown only for runs longer than a moment (it appears once the first chunks took more
//! than [`SHOW_AFTER`]), never with `--quiet`, and never when stderr is not a terminal
//! (CI logs, redirections): there it would be noise. It is cleared when the run ends, so
//! the summary table is printed on a clean screen.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A run shorter than this shows no bar.
const SHOW_AFTER: Duration = Duration::from_millis(700);

/// A bar over `total` trial indices (hidden until [`SHOW_AFTER`]).
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    shown: Mutex<bool>,
}

impl Progress {
    /// A bar over `total` trial indices (every variant of each); `quiet` hides it.
    pub fn new(total: u64, quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {human_pos}/{human_len} trials  {elapsed} elapsed, ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            shown: Mutex::new(false),
        }
    }

    /// `done` units are finished.
    pub fn set(&self, done: u64) {
        let Some(bar) = &self.bar else { return };
        if let Ok(mut shown) = self.shown.lock()
            && !*shown
            && self.started.elapsed() >= SHOW_AFTER
        {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            *shown = true;
        }
        bar.set_position(done);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Run `experiment` into `sink` on `threads` threads (`None`: every core), with the bar
/// unless `quiet`. Returns the trial indices handed over and the time taken.
pub fn execute(
    experiment: &crate::experiment::Experiment<'_>,
    threads: Option<usize>,
    quiet: bool,
    stop: &std::sync::atomic::AtomicBool,
    sink: &mut dyn crate::experiment::Sink,
) -> std::io::Result<(u64, Duration)> {
    let total = experiment.trials.end - experiment.trials.start;
    let progress = Progress::new(total, quiet);
    let started = Instant::now();
    let done = crate::experiment::with_threads(threads, || {
        experiment.run(stop, &|n| progress.set(n), sink)
    })?;
    Ok((done, started.elapsed()))
}
