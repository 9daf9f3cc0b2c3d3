//! How the flags that take a number read it: `--trials`, `--seed`, `--threads`,
//! `--trace-trial`, `--timeline-trial`, `--tolerance`, `--confidence`, and `calibrate
//! --delay` (a duration).
//!
//! Each is declared with `allow_hyphen_values` and one of the parsers below. Without the
//! first, clap takes `-1` (or `-1e300`, `-1/2`, `-1s`) for a flag of its own and answers
//! "unexpected argument '-1' found", which names neither the flag given nor what it
//! takes. With it, every value reaches the parser, and a value that is not one (negative,
//! a fraction where a whole number is wanted, out of range, not a number at all) is
//! refused as `invalid value '-5' for '--trials <N>': expected …`, exit 2, before any
//! work. The cost: a flag given no value takes the next word (`--trials --quiet`). The
//! parser then refuses that word as the flag's value, and when the word is itself a flag
//! ([`missing_value`]) the message says the value is missing, as clap would have.
//!
//! `--shard K/N` takes hyphen values too; its parser is [`Shard`](crate::experiment::Shard)'s.

use crate::scenario::limits::MAX_TRIALS;
use crate::sim::time::Time;

/// Worker threads a command may be given (`--threads`).
pub const MAX_THREADS: u64 = 1024;

/// `--trials N`: a whole number from 1 to [`MAX_TRIALS`].
pub fn trials(text: &str) -> Result<u64, String> {
    whole(text, 1, MAX_TRIALS, " (see \"Limits\" in the README)")
}

/// `message` for a refused `text`, told that the value is missing when `text` is another
/// flag (`--quiet`, `-q`) rather than a value: with hyphen values allowed, a flag given
/// no value takes the next word, and "expected a whole number" alone would hide that.
/// Words that read as numbers (`-1`, `-inf`) are values, however wrong.
///
/// ```
/// use rollout_sim::cli::numeric_flags::missing_value;
/// assert_eq!(missing_value("-5", "expected N".into()), "expected N");
/// assert!(missing_value("--quiet", "expected N".into()).ends_with("the value is missing"));
/// ```
pub fn missing_value(text: &str, message: String) -> String {
    let name = text.strip_prefix("--").or_else(|| text.strip_prefix('-'));
    let is_flag = name.is_some_and(|n| n.starts_with(|c: char| c.is_ascii_alphabetic()))
        && text.parse::<f64>().is_err();
    if is_flag {
        format!("{message}; '{text}' is a flag, so the value is missing")
    } else {
        message
    }
}

/// `--seed S`: any whole number a `u64` holds.
pub fn seed(text: &str) -> Result<u64, String> {
    whole(text, 0, u64::MAX, "")
}

/// `--threads N`: a whole number from 1 to [`MAX_THREADS`].
pub fn threads(text: &str) -> Result<u64, String> {
    whole(text, 1, MAX_THREADS, "")
}

/// `--trace-trial K|OUTCOME`, `--timeline-trial K|OUTCOME`: a trial's index, from 0, or
/// an outcome's name (the first trial that ended so). Whether the run has that trial is
/// decided with the run's trial count (`run`'s plan).
pub fn trial(text: &str) -> Result<crate::experiment::TrialPick, String> {
    text.parse().map_err(|e| missing_value(text, e))
}

/// `check --tolerance FRACTION`: a finite fraction, 0 or more.
pub fn tolerance(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0)
        .ok_or_else(|| missing_value(text, "expected a fraction >= 0 (0.05 = 5%)".to_string()))
}

/// `check --confidence LEVEL`: 0.95, the level of every interval the summary computes.
pub fn confidence(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|&x| x == 0.95)
        .ok_or_else(|| {
            let only = "only 0.95 is supported (the summary's intervals are 95% intervals)";
            missing_value(text, only.to_string())
        })
}

/// `calibrate --delay DURATION`: a duration of 0 or more, as a scenario writes one.
pub fn duration(text: &str) -> Result<Time, String> {
    crate::scenario::parse_duration(text).map_err(|e| {
        let expected = "expected a duration of 0 or more (`10s`, `1m30s`, `250ms`, or seconds)";
        missing_value(text, format!("{e}: {expected}"))
    })
}

/// A whole number from `lo` to `hi`; `note` follows the range in the message.
fn whole(text: &str, lo: u64, hi: u64, note: &str) -> Result<u64, String> {
    text.parse()
        .ok()
        .filter(|n| (lo..=hi).contains(n))
        .ok_or_else(|| {
            missing_value(
                text,
                format!("expected a whole number from {lo} to {hi}{note}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::super::{Cli, Command};
    use clap::Parser;

    /// The message clap prints for `args` (after `rollout-sim`), which must be refused.
    fn refused(args: &[&str]) -> String {
        let argv = std::iter::once("rollout-sim").chain(args.iter().copied());
        match Cli::try_parse_from(argv) {
            Ok(cli) => panic!("{args:?} was accepted: {cli:?}"),
            Err(e) => e.to_string(),
        }
    }

    /// Every flag that takes a number, given a negative, a malformed and an out-of-range
    /// value, on every command that has it: the message names the flag and what it takes,
    /// never "unexpected argument".
    #[test]
    fn a_bad_number_names_its_flag_and_what_it_takes() {
        let trials = "expected a whole number from 1 to 10000000 (see \"Limits\" in the README)";
        let seed = "expected a whole number from 0 to 18446744073709551615";
        let threads = "expected a whole number from 1 to 1024";
        let trial = "expected a trial of the run: a whole number from 0 (the first trial)";
        let fraction = "expected a fraction >= 0 (0.05 = 5%)";
        let cases: &[(&[&str], &str, &[&str], &str)] = &[
            (
                &["run", "s.yaml"],
                "--trials <N>",
                &["-5", "1.5", "0", "10000001", "x"],
                trials,
            ),
            (
                &["run", "s.yaml"],
                "--seed <S>",
                &["-1", "1e3", "18446744073709551616"],
                seed,
            ),
            (
                &["run", "s.yaml"],
                "--threads <N>",
                &["-2", "0", "1025"],
                threads,
            ),
            (
                &["run", "s.yaml"],
                "--trace-trial <K|OUTCOME>",
                &["-1", "1.5"],
                trial,
            ),
            (
                &["run", "s.yaml"],
                "--timeline-trial <K|OUTCOME>",
                &["-3", "k"],
                trial,
            ),
            (
                &["run", "s.yaml"],
                "--shard <K/N>",
                &["-1/2", "0/2", "3/2"],
                "expected K/N",
            ),
            (&["sweep", "s.yaml"], "--trials <N>", &["-1"], trials),
            (&["compare", "a.yaml"], "--seed <S>", &["-1"], seed),
            (&["report", "s.yaml"], "--threads <N>", &["-1"], threads),
            (
                &["check", "s.yaml"],
                "--tolerance <FRACTION>",
                &["-1e300", "-0.5", "inf", "x"],
                fraction,
            ),
            (
                &["check", "s.yaml"],
                "--confidence <LEVEL>",
                &["-0.95", "0.9", "x"],
                "only 0.95",
            ),
            (&["check", "s.yaml"], "--trials <N>", &["-1"], trials),
            (&["check", "s.yaml"], "--seed <S>", &["-1"], seed),
            (&["check", "s.yaml"], "--threads <N>", &["-1"], threads),
            (&["lint", "s.yaml"], "--seed <S>", &["-1"], seed),
            (&["lint", "s.yaml"], "--threads <N>", &["-1"], threads),
            (
                &["calibrate", "t.csv"],
                "--delay <DURATION>",
                &["-1s", "-2"],
                "durations cannot be negative: expected a duration",
            ),
            (
                &["calibrate", "t.csv"],
                "--delay <DURATION>",
                &["soon"],
                "not a duration: expected a duration",
            ),
        ];
        for (command, flag, values, expected) in cases {
            let name = flag.split(' ').next().unwrap();
            for value in *values {
                let mut args = command.to_vec();
                args.extend([name, value]);
                let m = refused(&args);
                assert!(
                    m.contains(&format!("invalid value '{value}' for '{flag}': {expected}")),
                    "{args:?}:\n{m}"
                );
                assert!(!m.contains("unexpected argument"), "{args:?}:\n{m}");
            }
        }
    }

    /// A numeric flag followed by another flag is told its value is missing, on each parser;
    /// a negative number is a wrong value, not a missing one.
    #[test]
    fn a_flag_in_place_of_a_number_is_a_missing_value() {
        let missing = |args: &[&str], word: &str| {
            let m = refused(args);
            let told = format!("'{word}' is a flag, so the value is missing");
            assert!(m.contains(&told), "{args:?}:\n{m}");
        };
        missing(&["run", "s.yaml", "--trials", "--quiet"], "--quiet");
        missing(&["run", "s.yaml", "--seed", "-q"], "-q");
        missing(
            &["run", "s.yaml", "--trace-trial", "--timeline"],
            "--timeline",
        );
        missing(&["check", "s.yaml", "--tolerance", "--json"], "--json");
        missing(&["check", "s.yaml", "--confidence", "--trials"], "--trials");
        missing(&["calibrate", "t.csv", "--delay", "--out"], "--out");
        for value in ["-5", "-inf", "-1e3"] {
            let m = refused(&["check", "s.yaml", "--tolerance", value]);
            assert!(!m.contains("is a flag"), "{value}:\n{m}");
        }
    }

    /// Hyphen values on the numeric flags take nothing from the positional arguments or
    /// from `--set`: values starting with `-` after `=` stay in their override.
    #[test]
    fn numbers_leave_positionals_and_set_alone() {
        let argv = [
            "rollout-sim",
            "check",
            "a.yaml",
            "--tolerance",
            "0",
            "b.yaml",
            "--set",
            "service.replicas=-1",
            "--seed",
            "0",
            "c.yaml",
        ];
        let Some(Command::Check(c)) = Cli::try_parse_from(argv).unwrap().command else {
            panic!("not check");
        };
        assert_eq!(
            c.inputs,
            ["a.yaml", "b.yaml", "c.yaml"].map(std::path::PathBuf::from)
        );
        assert_eq!((c.tolerance, c.seed), (0.0, Some(0)));
        assert_eq!(c.set.len(), 1);
        let argv = [
            "rollout-sim",
            "run",
            "--trials",
            "5",
            "s.yaml",
            "--shard",
            "2/3",
        ];
        let Some(Command::Run(r)) = Cli::try_parse_from(argv).unwrap().command else {
            panic!("not run");
        };
        assert_eq!(r.file.as_deref(), Some(std::path::Path::new("s.yaml")));
        assert_eq!(r.sim.trials, Some(5));
        assert_eq!(r.shard.map(|s| (s.k, s.n)), Some((2, 3)));
    }
}
