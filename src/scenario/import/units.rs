//! Units a manifest writes differently from a scenario: Docker's cpus and byte sizes, and
//! the seconds of a `sleep` command.

use serde_json::{Value, json};

/// Millicores as a scenario writes them (`"500m"`).
pub fn cpu_text(millis: u64) -> Value {
    if millis.is_multiple_of(1000) {
        json!(format!("{}", millis / 1000))
    } else {
        json!(format!("{millis}m"))
    }
}

/// Seconds as a duration (`"10s"`, `"2.5s"`).
pub fn seconds_text(secs: f64) -> Value {
    json!(format!("{secs}s"))
}

/// Bytes as a scenario writes them: `"512Mi"` when a whole number of a binary unit,
/// else the number of bytes.
pub fn memory_text(bytes: u64) -> Value {
    for (suffix, shift) in [("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)] {
        if bytes != 0 && bytes.is_multiple_of(1u64 << shift) {
            return json!(format!("{}{suffix}", bytes >> shift));
        }
    }
    json!(bytes)
}

/// Compose `cpus` (`"0.5"`, `1.5`, `2`) in millicores, as Docker turns it into
/// `NanoCPUs` (`docker/cli` `opts.NanoCPUs.Set`: a decimal number of cores), rounded to the
/// nearest millicore.
pub fn compose_cpus(v: &Value) -> Option<u64> {
    let cores = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    ((0.0..=1e9).contains(&cores)).then(|| (cores * 1000.0).round() as u64)
}

/// A compose byte size (`"512M"`, `"1gb"`, `"300m"`, `1024`) in bytes: `docker/go-units`
/// `RAMInBytes`, whose `k m g t p` are binary (1024-based) with an optional `i` and `b`.
/// In compose, `300m` is 300 MiB, where Kubernetes would read millibytes.
pub fn compose_bytes(v: &Value) -> Option<u64> {
    let s = match v {
        Value::Number(n) => return n.as_u64(),
        Value::String(s) => s.trim(),
        _ => return None,
    };
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(digits_end);
    let number: f64 = number.parse().ok()?;
    let unit = unit.trim_start().to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let unit = unit.strip_suffix('i').unwrap_or(unit);
    let shift = match unit {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        "p" => 50,
        _ => return None,
    };
    let bytes = number * (1u64 << shift) as f64;
    (bytes.is_finite() && bytes < 1.8e19).then_some(bytes as u64)
}

/// The seconds of `sleep N` run directly (`[sleep, 5]`, `[/bin/sleep, 5]`) or through a
/// shell (`[sh, -c, "sleep 5"]`); `None` for any other command. `N` is coreutils' number of
/// seconds, optionally with `s`.
pub fn sleep_command(words: &[&str]) -> Option<f64> {
    let is = |w: &str, name: &str| w == name || w.ends_with(&format!("/{name}"));
    let argv: Vec<&str> = match words {
        [sh, flag, script] if (is(sh, "sh") || is(sh, "bash")) && *flag == "-c" => {
            script.split_whitespace().collect()
        }
        _ => words.to_vec(),
    };
    match argv.as_slice() {
        [cmd, n] if is(cmd, "sleep") => {
            let n = n.strip_suffix('s').unwrap_or(n);
            n.parse::<f64>().ok().filter(|s| s.is_finite() && *s >= 0.0)
        }
        _ => None,
    }
}

/// Whether `s` is a duration Go's `time.ParseDuration` reads, as Docker reads a compose
/// file's durations (docker/cli `cli/compose/loader`, `transformStringToDuration`): signed
/// decimal numbers each with a unit among `ns`, `us` (`µs`), `ms`, `s`, `m`, `h`
/// (golang/go `src/time/format.go`, `unitMap`), or `0`. No `d`, `w` or `y`, no spaces.
pub fn go_duration(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if !["ns", "us", "\u{b5}s", "\u{3bc}s", "ms", "s", "m", "h"].contains(&&rest[..unit]) {
            return false;
        }
        rest = &rest[unit..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_byte_sizes_are_binary() {
        assert_eq!(compose_bytes(&json!("512M")), Some(512 << 20));
        assert_eq!(compose_bytes(&json!("300m")), Some(300 << 20));
        assert_eq!(compose_bytes(&json!("1gb")), Some(1 << 30));
        assert_eq!(compose_bytes(&json!("2GiB")), Some(2 << 30));
        assert_eq!(compose_bytes(&json!("1.5g")), Some(3 << 29));
        assert_eq!(compose_bytes(&json!("1024")), Some(1024));
        assert_eq!(compose_bytes(&json!(2048)), Some(2048));
        assert_eq!(compose_bytes(&json!("lots")), None);
        assert_eq!(compose_bytes(&json!("5x")), None);
    }

    #[test]
    fn cpus_and_texts() {
        assert_eq!(compose_cpus(&json!("0.5")), Some(500));
        assert_eq!(compose_cpus(&json!(2)), Some(2000));
        assert_eq!(compose_cpus(&json!("-1")), None);
        assert_eq!(cpu_text(250), json!("250m"));
        assert_eq!(cpu_text(4000), json!("4"));
        assert_eq!(seconds_text(10.0), json!("10s"));
        assert_eq!(seconds_text(2.5), json!("2.5s"));
        assert_eq!(memory_text(512 << 20), json!("512Mi"));
        assert_eq!(memory_text(3 << 29), json!("1536Mi"));
        assert_eq!(memory_text(1000), json!(1000));
    }

    #[test]
    fn go_durations_are_goes() {
        for ok in [
            "10s",
            "1m30s",
            "1.5h",
            "300ms",
            "2us",
            "0",
            "1h2m3s4ms5us6ns",
            ".5s",
        ] {
            assert!(go_duration(ok), "{ok}");
        }
        for bad in [
            "1d", "1w", "1y", "10", "1 m", "1sec", "", "s", "1..5s", "1mo", "5.s5",
        ] {
            assert!(!go_duration(bad), "{bad}");
        }
    }

    #[test]
    fn sleep_commands() {
        assert_eq!(sleep_command(&["sleep", "5"]), Some(5.0));
        assert_eq!(sleep_command(&["/bin/sleep", "2.5"]), Some(2.5));
        assert_eq!(sleep_command(&["/bin/sh", "-c", "sleep 10"]), Some(10.0));
        assert_eq!(sleep_command(&["sh", "-c", "sleep 3s"]), Some(3.0));
        assert_eq!(sleep_command(&["sh", "-c", "sleep 3; nginx -s quit"]), None);
        assert_eq!(sleep_command(&["nginx", "-s", "quit"]), None);
    }
}
