//! What a run prints at its end: the scenario's header line, the summary table and the
//! speed line (or summary.json as it is, with `--format json`), and the message of a run a
//! signal stopped, saying what it wrote.

use super::RunArgs;
use crate::cli::interrupt;
use crate::output::human_text::counted;
use crate::output::shard::ShardManifest;
use crate::output::table::shard_summary_table;
use crate::output::{Summary, summary_table};
use crate::scenario::Scenario;
use std::path::Path;

/// The files asked for beyond `trials.csv` and `summary.json`, as their flags.
pub(super) fn extras(args: &RunArgs) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if args.timeline {
        flags.push("--timeline");
    }
    if args.timeline_trial.is_some() {
        flags.push("--timeline-trial");
    }
    if args.trace.is_some() {
        flags.push("--trace");
    }
    if args.plot {
        flags.push("--plot");
    }
    flags
}

/// What a run stopped by `signal` says: how many of the `wanted` trials finished, whether
/// `summary.json` is partial, and what became of the files asked for by the flags `extras`
/// (`written`: they are in the folder too).
pub(super) fn interrupted_message(
    signal: &str,
    done: u64,
    wanted: u64,
    out: &Path,
    written: bool,
    extras: &[&str],
) -> String {
    let flags = match extras {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let (need, files) = match extras {
        ["--plot"] => ("needs", "its charts were"),
        [_] => ("needs", "its file was"),
        _ => ("need", "their files were"),
    };
    let was = if extras.len() == 1 { "was" } else { "were" };
    if done < wanted {
        let mut m = format!(
            "interrupted by {signal}: {done} of {} finished and were written to {} \
             (summary.json has \"partial\": true)",
            counted(wanted, "trial"),
            out.display()
        );
        if !extras.is_empty() {
            m += &format!("; {flags} {need} every trial: {files} not written");
        }
        m
    } else if written || extras.is_empty() {
        format!(
            "interrupted by {signal} {}: all {} finished and every file asked for was \
             written to {} (summary.json has \"partial\": false)",
            interrupt::AFTER_THE_LAST_START,
            counted(wanted, "trial"),
            out.display()
        )
    } else {
        format!(
            "interrupted by {signal} {}: all {} finished; trials.csv and summary.json were \
             written to {}, complete (\"partial\": false); {flags} {was} skipped because of \
             the signal ({files} not written): run again to get them",
            interrupt::AFTER_THE_LAST_START,
            counted(wanted, "trial"),
            out.display()
        )
    }
}

/// Speed figures of a run, for the last line of the table.
pub(super) struct Perf {
    pub(super) trials: u64,
    pub(super) events: u64,
    pub(super) elapsed: f64,
}

/// A rate with an SI suffix and three significant digits (`950`, `12.3k`, `4.56M`): a slow
/// scenario's events/s must not read `0.0M`.
fn rate(x: f64) -> String {
    let (v, suffix) = match x {
        x if x >= 1e6 => (x / 1e6, "M"),
        x if x >= 1e3 => (x / 1e3, "k"),
        x => (x, ""),
    };
    let decimals = if v >= 100.0 || suffix.is_empty() {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.decimals$}{suffix}")
}

/// What is printed on stdout after a run: `json`, the bytes of summary.json, as they are
/// (`--format json`), or the table; a shard's (`shard`: its manifest) says which slice of
/// the run's trials it ran, in its heading and its last line.
pub(super) fn report(
    args: &RunArgs,
    scenario: &Scenario,
    summary: &Summary,
    shard: Option<&ShardManifest>,
    perf: &Perf,
    out: &Path,
    json: &[u8],
) -> Option<String> {
    args.sim.printed(json, || {
        let (table, of_shard) = match shard {
            Some(m) => (
                shard_summary_table(summary, m),
                format!(" of shard {}/{}", m.shard[0], m.shard[1]),
            ),
            None => (summary_table(summary), String::new()),
        };
        format!(
            "{}\n{table}\n{}{of_shard} in {:.2}s ({:.0} trials/s, {} events/s); results in \
             {}\n",
            scenario_header(scenario),
            counted(perf.trials, "trial"),
            perf.elapsed,
            perf.trials as f64 / perf.elapsed,
            rate(perf.events as f64 / perf.elapsed),
            out.display()
        )
    })
}

/// The line above the table: the fleet, the versions and the strategy's settings.
fn scenario_header(s: &Scenario) -> String {
    let extra = s.strategy.header_extra();
    format!(
        "{}, {} → {}; {}{}",
        s.service.fleet_text(),
        s.service.versions[0].image,
        s.service.versions[1].image,
        crate::output::charts::strategy_label(s),
        extra,
    )
}

#[cfg(test)]
mod tests {
    use super::{interrupted_message, rate};
    use std::path::Path;

    #[test]
    fn an_interrupted_run_says_what_it_wrote() {
        let out = Path::new("o");
        let m = interrupted_message("SIGTERM", 7, 10, out, false, &["--timeline", "--trace"]);
        assert!(m.contains("7 of 10 trials"), "{m}");
        assert!(m.contains("\"partial\": true"), "{m}");
        assert!(m.contains("--timeline and --trace need every trial"), "{m}");
        let m = interrupted_message("SIGTERM", 10, 10, out, false, &["--trace"]);
        assert!(m.contains("all 10 trials finished"), "{m}");
        assert!(m.contains("\"partial\": false"), "{m}");
        assert!(!m.contains("\"partial\": true"), "{m}");
        assert!(
            m.contains("--trace was skipped because of the signal"),
            "{m}"
        );
        // --plot writes charts, several files: the message says so.
        let m = interrupted_message("SIGTERM", 4, 10, out, false, &["--plot"]);
        assert!(
            m.contains("--plot needs every trial: its charts were not written"),
            "{m}"
        );
        let m = interrupted_message("SIGTERM", 10, 10, out, false, &["--plot"]);
        assert!(m.contains("(its charts were not written)"), "{m}");
        let m = interrupted_message("SIGTERM", 4, 10, out, false, &["--timeline"]);
        assert!(m.contains("its file was not written"), "{m}");
        for (written, extras) in [(true, &["--plot"][..]), (false, &[][..])] {
            let m = interrupted_message("SIGINT", 10, 10, out, written, extras);
            assert!(m.contains("every file asked for was written"), "{m}");
            assert!(m.contains("\"partial\": false"), "{m}");
        }
    }

    /// Every trial looks at the stop flag before it starts and runs on to its end once
    /// started (README, "Run folders"), so a run whose trials all finished knows only that
    /// the signal came after the last start: a one-trial run signalled a second into a
    /// two-second trial finishes it. Its message claims no more than that.
    #[test]
    fn a_run_that_finished_every_trial_claims_no_later_signal_than_it_knows() {
        let out = Path::new("o");
        for (written, extras) in [
            (true, &["--plot"][..]),
            (false, &[][..]),
            (false, &["--timeline", "--trace"][..]),
        ] {
            let m = interrupted_message("SIGTERM", 1, 1, out, written, extras);
            assert!(
                m.starts_with(
                    "interrupted by SIGTERM after the last trial had started: all 1 trial finished"
                ),
                "{m}"
            );
            for claim in ["as the run ended", "after all"] {
                assert!(!m.contains(claim), "{m}");
            }
        }
    }

    #[test]
    fn rates_keep_three_significant_digits() {
        assert_eq!(rate(950.4), "950");
        assert_eq!(rate(12_345.0), "12.3k");
        assert_eq!(rate(4_560_000.0), "4.56M");
        assert_eq!(rate(123_456_789.0), "123M");
    }
}
