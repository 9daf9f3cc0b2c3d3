//! Resource quantities in Kubernetes notation: cpu in cores (`"500m"`, `"2"`, `0.5`) and
//! memory in bytes (`"512Mi"`, `"8Gi"`, `"1G"`, `1048576`).
//!
//! Suffixes are those of `k8s.io/apimachinery` `resource.Quantity`: decimal `n u m k M G T
//! P E`, binary `Ki Mi Gi Ti Pi Ei`, and a decimal exponent (`1e3`). Arithmetic is exact
//! (integers, not floats), and a fraction of the target unit rounds up as Kubernetes does
//! (`0.0001` cpu is `1m`). Memory with a fractional suffix (`500m` bytes) is rejected: it
//! is always a typo for `500M`.

use serde_json::Value;

/// What a cpu quantity looks like, for messages.
pub const CPU_EXPECTED: &str = r#"a cpu quantity ("500m", "2", 0.5)"#;
/// What a memory quantity looks like, for messages.
pub const MEMORY_EXPECTED: &str = r#"a memory quantity ("512Mi", "8Gi", "1G", a number of bytes)"#;

/// Why a value is not a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// Below zero.
    #[error("quantities cannot be negative")]
    Negative,
    /// Does not fit in 64 bits of the target unit.
    #[error("quantity too large")]
    TooLarge,
    /// More digits than exact arithmetic can carry.
    #[error("too many digits")]
    TooPrecise,
    /// `500m` of memory: millibytes.
    #[error("fractions of a byte (`m`, `u`, `n`) are surely a typo; did you mean `M` or `Mi`?")]
    FractionalBytes,
    /// `512MB`, `1GiB`: Kubernetes writes no `B`.
    #[error("Kubernetes quantities have no `B`: write `512Mi` or `512M`")]
    ByteSuffix,
    /// Not a quantity at all.
    #[error("not a quantity")]
    Invalid,
}

/// Cpu in millicores.
pub fn cpu_millis(v: &Value) -> Result<u64, QuantityError> {
    quantity(v, Unit::Millicores)
}

/// Memory in bytes.
pub fn memory_bytes(v: &Value) -> Result<u64, QuantityError> {
    quantity(v, Unit::Bytes)
}

/// The unit a quantity is converted to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Millicores,
    Bytes,
}

/// `v` in `unit`, rounded up.
fn quantity(v: &Value, unit: Unit) -> Result<u64, QuantityError> {
    match v {
        // A float displays as `0.5` or `1e20`: both are quantity syntax, so one parser
        // serves numbers and strings exactly.
        Value::Number(n) if n.as_f64().is_some_and(|f| f < 0.0) => Err(QuantityError::Negative),
        Value::Number(n) => parse(&n.to_string(), unit),
        Value::String(s) => parse(s.trim(), unit),
        _ => Err(QuantityError::Invalid),
    }
}

fn parse(s: &str, unit: Unit) -> Result<u64, QuantityError> {
    if s.starts_with('-') {
        return Err(QuantityError::Negative);
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    let (int, rest) = split_digits(s);
    let (frac, rest) = match rest.strip_prefix('.') {
        Some(r) => split_digits(r),
        None => ("", rest),
    };
    if int.is_empty() && frac.is_empty() {
        return Err(QuantityError::Invalid);
    }
    let (exp, suffix) = exponent(rest);
    let (num, den) = suffix_factor(suffix)?;
    if unit == Unit::Bytes && den > 1 {
        return Err(QuantityError::FractionalBytes);
    }
    let per_unit = match unit {
        Unit::Millicores => 1_000,
        Unit::Bytes => 1,
    };

    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    if digits.len() > 30 || frac.len() > 30 || exp.unsigned_abs() > 30 {
        return Err(QuantityError::TooPrecise);
    }
    let mantissa: u128 = if digits.is_empty() {
        0
    } else {
        digits.parse().map_err(|_| QuantityError::Invalid)?
    };
    let pow = |e: u32| 10u128.checked_pow(e);
    let (up, down) = if exp >= 0 {
        (exp as u32, 0)
    } else {
        (0, exp.unsigned_abs())
    };
    let numerator = [num, per_unit, pow(up).ok_or(QuantityError::TooLarge)?]
        .iter()
        .try_fold(mantissa, |acc, &f| acc.checked_mul(f))
        .ok_or(QuantityError::TooLarge)?;
    let denominator = [
        den,
        pow(frac.len() as u32 + down).ok_or(QuantityError::TooPrecise)?,
    ]
    .iter()
    .try_fold(1u128, |acc, &f| acc.checked_mul(f))
    .ok_or(QuantityError::TooPrecise)?;
    u64::try_from(numerator.div_ceil(denominator)).map_err(|_| QuantityError::TooLarge)
}

fn split_digits(s: &str) -> (&str, &str) {
    s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()))
}

/// A decimal exponent `e3`, `E-2`, `e+1` (but a lone `E` is the exa suffix).
fn exponent(s: &str) -> (i32, &str) {
    let Some(r) = s.strip_prefix(['e', 'E']) else {
        return (0, s);
    };
    let (sign, r) = match r.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, r.strip_prefix('+').unwrap_or(r)),
    };
    let (digits, rest) = split_digits(r);
    match digits.parse::<i32>() {
        Ok(e) => (sign * e, rest),
        // Too many digits: any exponent beyond ±30 is rejected, so report it as such.
        Err(_) if !digits.is_empty() => (sign * 31, rest),
        Err(_) => (0, s),
    }
}

/// The suffixes of `resource.Quantity`, each as a fraction `num / den` of one.
const SUFFIXES: &[(&str, u128, u128)] = &[
    ("n", 1, 1_000_000_000),
    ("u", 1, 1_000_000),
    ("m", 1, 1_000),
    ("k", 1_000, 1),
    ("M", 1_000_000, 1),
    ("G", 1_000_000_000, 1),
    ("T", 1_000_000_000_000, 1),
    ("P", 1_000_000_000_000_000, 1),
    ("E", 1_000_000_000_000_000_000, 1),
    ("Ki", 1 << 10, 1),
    ("Mi", 1 << 20, 1),
    ("Gi", 1 << 30, 1),
    ("Ti", 1 << 40, 1),
    ("Pi", 1 << 50, 1),
    ("Ei", 1 << 60, 1),
];

/// The suffix as a fraction `num / den`.
fn suffix_factor(suffix: &str) -> Result<(u128, u128), QuantityError> {
    match SUFFIXES.iter().find(|(s, _, _)| *s == suffix) {
        _ if suffix.is_empty() => Ok((1, 1)),
        Some(&(_, num, den)) => Ok((num, den)),
        None if suffix.ends_with(['B', 'b']) => Err(QuantityError::ByteSuffix),
        None => Err(QuantityError::Invalid),
    }
}

/// The strings [`cpu_millis`] (or, with `memory`, [`memory_bytes`]) reads as a quantity,
/// as an anchored regular expression in the syntax JSON Schema's `pattern` takes: an
/// optional `+`, a decimal, an optional exponent, an optional suffix (for memory, none of
/// a fraction of one: `n`, `u`, `m`), spaces around as `str::trim` removes them. Only the
/// magnitude and the count of digits are the parser's alone.
pub fn pattern(memory: bool) -> String {
    let ws = super::duration::WHITESPACE;
    let suffixes: Vec<&str> = SUFFIXES
        .iter()
        .filter(|(_, _, den)| !memory || *den == 1)
        .map(|(s, _, _)| *s)
        .collect();
    format!(
        r"^{ws}*\+?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?(?:{})?{ws}*$",
        suffixes.join("|")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cpu_forms() {
        assert_eq!(cpu_millis(&json!("500m")), Ok(500));
        assert_eq!(cpu_millis(&json!("2")), Ok(2000));
        assert_eq!(cpu_millis(&json!(2)), Ok(2000));
        assert_eq!(cpu_millis(&json!(0.5)), Ok(500));
        assert_eq!(cpu_millis(&json!("1.5")), Ok(1500));
        assert_eq!(cpu_millis(&json!("0.1")), Ok(100));
        assert_eq!(cpu_millis(&json!("+250m")), Ok(250));
        assert_eq!(cpu_millis(&json!("1e3m")), Ok(1000));
        assert_eq!(cpu_millis(&json!("0")), Ok(0));
    }

    #[test]
    fn cpu_fractions_of_a_millicore_round_up() {
        assert_eq!(cpu_millis(&json!("0.0001")), Ok(1));
        assert_eq!(cpu_millis(&json!("100u")), Ok(1));
        assert_eq!(cpu_millis(&json!("1500n")), Ok(1));
    }

    #[test]
    fn memory_forms() {
        assert_eq!(memory_bytes(&json!("512Mi")), Ok(512 << 20));
        assert_eq!(memory_bytes(&json!("8Gi")), Ok(8 << 30));
        assert_eq!(memory_bytes(&json!("1G")), Ok(1_000_000_000));
        assert_eq!(memory_bytes(&json!("1.5Gi")), Ok(3 << 29));
        assert_eq!(memory_bytes(&json!("100M")), Ok(100_000_000));
        assert_eq!(memory_bytes(&json!("1Ki")), Ok(1024));
        assert_eq!(memory_bytes(&json!("1k")), Ok(1000));
        assert_eq!(memory_bytes(&json!(1_048_576)), Ok(1_048_576));
        assert_eq!(memory_bytes(&json!("1048576")), Ok(1_048_576));
        assert_eq!(memory_bytes(&json!("1e3")), Ok(1000));
        assert_eq!(memory_bytes(&json!("1E")), Ok(1_000_000_000_000_000_000));
        assert_eq!(memory_bytes(&json!("8Ei")), Ok(1 << 63));
        assert_eq!(
            memory_bytes(&json!("1.5")),
            Ok(2),
            "fractional bytes round up"
        );
    }

    #[test]
    fn garbage_is_rejected() {
        for v in [
            json!("abc"),
            json!(""),
            json!("."),
            json!("1.2.3"),
            json!("1Xi"),
            json!("Mi"),
            json!("1 Gi"),
            json!(true),
            json!(null),
            json!([1]),
        ] {
            assert_eq!(memory_bytes(&v), Err(QuantityError::Invalid), "{v}");
            assert_eq!(cpu_millis(&v), Err(QuantityError::Invalid), "{v}");
        }
    }

    #[test]
    fn helpful_rejections() {
        assert_eq!(cpu_millis(&json!("-1")), Err(QuantityError::Negative));
        assert_eq!(cpu_millis(&json!(-0.5)), Err(QuantityError::Negative));
        assert_eq!(
            memory_bytes(&json!("500m")),
            Err(QuantityError::FractionalBytes)
        );
        assert_eq!(
            memory_bytes(&json!("512MB")),
            Err(QuantityError::ByteSuffix)
        );
        assert_eq!(memory_bytes(&json!("1GiB")), Err(QuantityError::ByteSuffix));
        assert_eq!(memory_bytes(&json!("20Ei")), Err(QuantityError::TooLarge));
        assert_eq!(memory_bytes(&json!(1e20)), Err(QuantityError::TooLarge));
        assert_eq!(cpu_millis(&json!("1e99")), Err(QuantityError::TooPrecise));
        assert_eq!(
            cpu_millis(&json!("1234567890123456789012345678901234567890")),
            Err(QuantityError::TooPrecise)
        );
    }
}
