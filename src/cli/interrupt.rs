//! Ctrl-C and SIGTERM: stop the trials, keep what finished, exit with the signal's code.
//!
//! The first SIGINT or SIGTERM only sets a flag: the experiment stops starting trials,
//! the finished ones are written as usual (with `"partial": true` in `summary.json`), and
//! the process exits with 128 + the signal number (130 for SIGINT, 143 for SIGTERM), as a
//! shell reports a process killed by it. A second signal, once the first has been seen,
//! ends the process at once with that code; whatever was being written then is in the
//! hidden staging folder, which the next run into the same folder deletes.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Set by the first SIGINT or SIGTERM.
static STOP: AtomicBool = AtomicBool::new(false);
/// The number of the last such signal.
static SIGNAL: AtomicUsize = AtomicUsize::new(0);

/// The signals that stop a run.
#[cfg(unix)]
const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];
#[cfg(not(unix))]
const SIGNALS: [libc::c_int; 2] = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];

/// Install the handlers (once per process) and return the flag the trials watch.
pub fn watch() -> anyhow::Result<&'static AtomicBool> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    let installed = INSTALLED.get_or_init(|| {
        for sig in SIGNALS {
            // The shutdown must be registered first: it looks at the flag as the earlier
            // signals left it, before this signal sets it.
            signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, &STOP)
                .and_then(|_| signal_hook::flag::register(sig, &STOP))
                .and_then(|_| signal_hook::flag::register_usize(sig, &SIGNAL, sig as usize))
                .map_err(|e| format!("cannot install the handler of signal {sig}: {e}"))?;
        }
        Ok(())
    });
    installed.clone().map_err(anyhow::Error::msg)?;
    Ok(&STOP)
}

/// The exit code for the signal that stopped the run, if one did.
pub fn stopped_by() -> Option<u8> {
    if !STOP.load(Ordering::SeqCst) {
        return None;
    }
    let sig = SIGNAL.load(Ordering::SeqCst);
    Some(u8::try_from(128 + sig).unwrap_or(130))
}

/// When a signal came, as far as a run that finished every trial can tell: each trial looks
/// at the flag before it starts, so the signal came after the last one started, while it
/// ran on to its end or any time later (not necessarily "as the run ended", nor "after all
/// finished": a one-trial run signalled a second into its trial finishes it too).
pub const AFTER_THE_LAST_START: &str = "after the last trial had started";

/// The signal's name for messages.
pub fn signal_name(code: u8) -> &'static str {
    match i32::from(code) - 128 {
        s if s == SIGNALS[0] => "SIGINT",
        s if s == SIGNALS[1] => "SIGTERM",
        _ => "a signal",
    }
}

/// The error of a run a signal stopped before its first trial finished: nothing to write,
/// so the folder `out` is left as it was (an earlier complete run there is kept, not
/// replaced by an empty one).
pub fn before_any_trial(out: &std::path::Path) -> Option<super::CliError> {
    let code = stopped_by()?;
    Some(super::CliError {
        code,
        error: anyhow::anyhow!(
            "interrupted by {} before any trial finished: nothing was written, {} is as it was",
            signal_name(code),
            out.display()
        ),
    })
}
