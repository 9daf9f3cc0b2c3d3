//! A load test the flagger-loadtester runs: the `cmd` of a `rollout` webhook, a `hey`
//! command (`rakyll/hey` `hey.go`, the tool the loadtester image ships and Flagger's
//! tutorials use).
//!
//! The loadtester runs the command with `sh -c` (`pkg/loadtester/task_shell.go`), so the
//! command is split as a shell would split one simple command (quotes, no pipes or
//! substitutions). What decides the simulated requests:
//!
//! - `-q` requests a second per worker (each worker waits on a ticker of that period:
//!   the generator is paced), `-c` workers (default 50): `c × q` requests a second.
//!   Without `-q` hey sends as fast as the canary answers, which is not simulated.
//! - `-z` how long it sends (Go's `time.ParseDuration`); without it, `-n` requests in all
//!   (default 200; at least `-c`), `n / c` a worker, so `(n / c) / q` seconds.
//! - The URL: the canary's own Service, `http://<app>-canary…` (Flagger creates it,
//!   selecting the canary Deployment's pods). Other targets are refused: only requests
//!   that reach the canary's pods are simulated.
//!
//! The flags that shape each request without changing how many are sent or where they go
//! (`-m`, `-H`, `-d`, `-D`, `-T`, `-A`, `-a`, `-x`, `-host`, `-t`, `-o`, `-cpus`, `-h2`,
//! `-disable-compression`, `-disable-keepalive`, `-disable-redirects`) are accepted: the
//! model has one kind of request. Others are refused by name.

use crate::sim::time::{SECOND, Time};

/// hey's flags that take a value and change nothing simulated.
const VALUE_FLAGS: &[&str] = &[
    "m", "H", "d", "D", "T", "A", "a", "x", "host", "t", "o", "cpus",
];
/// hey's boolean flags, none of which changes what is simulated.
const BOOL_FLAGS: &[&str] = &[
    "h2",
    "disable-compression",
    "disable-keepalive",
    "disable-redirects",
];

/// The flagger-loadtester's default `-timeout` (`cmd/loadtester/main.go`): a task still
/// running after it is killed.
pub const LOADTESTER_TIMEOUT: Time = 3600 * SECOND;

/// A paced `hey` run, as one POST to the loadtester starts it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadTest {
    /// The command as written: the task runner's key (`CmdTask.Hash`, the Canary's name
    /// and the command), so a POST while the same command runs starts nothing.
    pub command: String,
    /// Requests a second, all workers (`c × q`).
    pub rps: f64,
    /// How long one run sends, cut at [`LOADTESTER_TIMEOUT`].
    pub duration: Time,
}

/// Parse a loadtester `cmd`.
///
/// ```
/// use rollout_sim::strategy::flagger::hey::parse;
/// use rollout_sim::sim::time::SECOND;
/// let t = parse("hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/").unwrap();
/// assert_eq!((t.rps, t.duration), (20.0, 60 * SECOND));
/// assert!(parse("hey -z 1m -c 2 http://podinfo-canary.test:9898/").is_err());
/// ```
pub fn parse(command: &str) -> Result<LoadTest, String> {
    let words = split(command)?;
    let Some((tool, args)) = words.split_first() else {
        return Err("is empty; a `hey` command is expected".into());
    };
    if tool != "hey" {
        return Err(format!(
            "runs `{tool}`; only `hey` load tests are simulated (e.g. \"hey -z 1m -q 10 -c 2 \
             http://<app>-canary.<namespace>:<port>/\")"
        ));
    }
    let mut z: Option<f64> = None;
    let mut q: Option<f64> = None;
    let mut c: u64 = 50;
    let mut n: u64 = 200;
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') && args[i] != "-" {
        if args[i] == "--" {
            // Go's flag package: `--` ends the flags.
            i += 1;
            break;
        }
        let flag = args[i].trim_start_matches('-');
        let (name, inline) = match flag.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (flag, None),
        };
        i += 1;
        if BOOL_FLAGS.contains(&name) {
            continue;
        }
        let known = matches!(name, "z" | "q" | "c" | "n") || VALUE_FLAGS.contains(&name);
        if !known {
            return Err(format!(
                "has `-{name}`, a flag hey does not have or whose effect is not simulated; \
                 the simulated flags are -z, -q, -c and -n (and those shaping each request: \
                 {})",
                VALUE_FLAGS
                    .iter()
                    .chain(BOOL_FLAGS)
                    .map(|f| format!("-{f}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let value = match inline {
            Some(v) => v,
            None => {
                let Some(v) = args.get(i) else {
                    return Err(format!("has `-{name}` without a value"));
                };
                i += 1;
                v.clone()
            }
        };
        match name {
            "z" => {
                z = Some(go_duration(&value).ok_or_else(|| {
                    format!("has `-z {value}`, not a Go duration (e.g. \"1m\", \"30s\", \"1m30s\")")
                })?)
            }
            "q" => {
                let v: f64 = value
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| {
                        format!("has `-q {value}`, not a number of requests a second")
                    })?;
                q = Some(v);
            }
            "c" => c = positive(&value, "c")?,
            "n" => n = positive(&value, "n")?,
            _ => {}
        }
    }
    let rest = &args[i..];
    let Some(url) = rest.first() else {
        return Err("names no URL; hey needs one, the canary's Service (\"http://<app>-canary.<namespace>:<port>/\")".into());
    };
    if rest.len() > 1 {
        return Err(format!(
            "has `{}` after the URL; hey reads one URL after its flags",
            rest[1]
        ));
    }
    canary_service(url)?;
    let q = match q {
        Some(q) if q > 0.0 => q,
        _ => {
            return Err(
                "has no `-q` (or `-q 0`): hey then sends as fast as the canary \
                        answers, each worker waiting for its answer, which is not simulated; \
                        pace it with `-q <requests a second per worker>`"
                    .into(),
            );
        }
    };
    // hey runs for `-z` when it is above 0 (`dur > 0`), however short; a run shorter
    // than the simulation's microsecond sends nothing.
    let duration = match z.filter(|&z| z > 0.0) {
        Some(z) => (z * SECOND as f64).round() as Time,
        None => {
            // hey's `-n cannot be less than -c`, and each worker sends `n / c`.
            if n < c {
                return Err(format!("has `-n {n}` below `-c {c}`, which hey refuses"));
            }
            let seconds = (n / c) as f64 / q;
            (seconds * SECOND as f64).round() as Time
        }
    };
    Ok(LoadTest {
        command: command.to_string(),
        rps: c as f64 * q,
        duration: duration.min(LOADTESTER_TIMEOUT),
    })
}

/// A positive integer flag value.
fn positive(value: &str, name: &str) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(format!("has `-{name} {value}`, not a whole number above 0")),
    }
}

/// The URL must name the canary's Service: its host's first label ends in `-canary`.
fn canary_service(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| format!("targets \"{url}\", not an http(s) URL"))?;
    let host = rest.split(['/', ':', '?', '#']).next().unwrap_or("");
    let first = host.split('.').next().unwrap_or("");
    if first.len() > "-canary".len() && first.ends_with("-canary") {
        return Ok(());
    }
    Err(format!(
        "targets \"{url}\"; only a load test of the canary's own Service \
         (`http://<app>-canary…`, the Service Flagger creates for the canary's pods) is \
         simulated"
    ))
}

/// Go's `time.ParseDuration` for the values a load test gives, in seconds: a sum of
/// `<decimal><unit>` terms, units `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`; `0` alone. At
/// most the loadtester's timeout is kept (a longer run is cut there anyway), so the
/// value is finite.
fn go_duration(s: &str) -> Option<f64> {
    if s == "0" {
        return Some(0.0);
    }
    let mut rest = s;
    let mut total = 0.0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|ch: char| !(ch.is_ascii_digit() || ch == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|ch: char| ch.is_ascii_digit() || ch == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * seconds;
    }
    total
        .is_finite()
        .then_some(total.min(LOADTESTER_TIMEOUT as f64 / SECOND as f64))
}

/// Split a command as `sh` splits one simple command: blanks separate words, single
/// quotes keep everything, double quotes keep all but `\"` and `\\`; a pipe, list,
/// redirection or substitution is refused.
fn split(command: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars();
    while let Some(ch) = chars.next() {
        match ch {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("has an unclosed single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("has an unclosed double quote".into()),
                        },
                        Some('$' | '`') => {
                            return Err("has a shell substitution, which is not simulated".into());
                        }
                        Some(c) => word.push(c),
                        None => return Err("has an unclosed double quote".into()),
                    }
                }
            }
            ';' | '|' | '&' | '<' | '>' | '$' | '`' | '(' | ')' => {
                return Err(format!(
                    "has `{ch}`: only one `hey` command is simulated, without pipes, lists, \
                     redirections or substitutions"
                ));
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c);
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tutorials_command() {
        let t = parse("hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/").unwrap();
        assert_eq!(t.rps, 20.0);
        assert_eq!(t.duration, 60 * SECOND);
        assert_eq!(
            t.command,
            "hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/"
        );
    }

    #[test]
    fn go_flag_forms_and_request_shaping_flags() {
        let t = parse(
            "hey -z=1m30s --q 5 -c=4 -m POST -H 'Content-Type: application/json' \
             -d '{\"a\": 1}' -h2 https://podinfo-canary:9898/api/echo",
        )
        .unwrap();
        assert_eq!((t.rps, t.duration), (20.0, 90 * SECOND));
    }

    #[test]
    fn without_z_the_count_decides_the_duration() {
        // 200 requests by 2 workers at 10 a second each: 100 a worker, 10 s.
        let t = parse("hey -n 200 -q 10 -c 2 http://a-canary/").unwrap();
        assert_eq!((t.rps, t.duration), (20.0, 10 * SECOND));
        // The defaults: -n 200, -c 50: 4 a worker, at 2 a second: 2 s.
        let t = parse("hey -q 2 http://a-canary/").unwrap();
        assert_eq!((t.rps, t.duration), (100.0, 2 * SECOND));
        assert!(
            parse("hey -n 10 -c 20 -q 1 http://a-canary/")
                .unwrap_err()
                .contains("below")
        );
    }

    #[test]
    fn a_run_is_cut_at_the_loadtesters_timeout() {
        let t = parse("hey -z 2h -q 1 -c 1 http://a-canary/").unwrap();
        assert_eq!(t.duration, LOADTESTER_TIMEOUT);
    }

    /// `-z` above 0 is a duration however short (hey's `dur > 0`): a nanosecond's run
    /// sends nothing, it does not fall back to `-n`.
    #[test]
    fn a_tiny_duration_is_a_tiny_run() {
        let t = parse("hey -z 1ns -q 1 http://a-canary/").unwrap();
        assert_eq!(t.duration, 0);
        let t = parse("hey -z 0 -q 1 -n 100 -c 10 http://a-canary/").unwrap();
        assert_eq!(t.duration, 10 * SECOND);
    }

    #[test]
    fn refusals_say_what_is_simulated() {
        let cases = [
            ("", "empty"),
            ("ghz --insecure podinfo-canary:9999", "only `hey`"),
            ("hey -z 1m -c 2 http://a-canary/", "no `-q`"),
            ("hey -z 1m -q 0 http://a-canary/", "no `-q`"),
            (
                "hey -z 1m -q 1e400 http://a-canary/",
                "not a number of requests",
            ),
            (
                "hey -z 1m -q -2 http://a-canary/",
                "not a number of requests",
            ),
            ("hey -z 1 -q 1 http://a-canary/", "Go duration"),
            (
                "hey -z 1m -q 1 http://podinfo.test:9898/",
                "canary's own Service",
            ),
            (
                "hey -z 1m -q 1 http://podinfo-primary.test/",
                "canary's own Service",
            ),
            ("hey -z 1m -q 1 -c 0 http://a-canary/", "above 0"),
            ("hey -z 1m -q 1 -w 3 http://a-canary/", "`-w`"),
            ("hey -z 1m -q 1", "no URL"),
            ("hey -z 1m -q 1 http://a-canary/ extra", "after the URL"),
            ("hey -z 1m -q 1 http://a-canary/ && echo", "only one `hey`"),
            ("hey -z 1m -q 1 'http://a-canary/", "unclosed"),
            ("hey -z", "without a value"),
        ];
        for (cmd, want) in cases {
            let err = parse(cmd).expect_err(cmd);
            assert!(err.contains(want), "{cmd}: {err}");
        }
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration("1m30s"), Some(90.0));
        assert_eq!(go_duration("1.5h"), Some(3600.0));
        assert_eq!(go_duration("250ms"), Some(0.25));
        assert_eq!(go_duration("0"), Some(0.0));
        assert_eq!(go_duration("99999999999h"), Some(3600.0));
        assert_eq!(go_duration("60"), None);
        assert_eq!(go_duration("1d"), None);
        assert_eq!(go_duration(""), None);
    }
}
