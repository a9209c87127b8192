//! Durations on the command line and in config: `250ms`, `2s`, `5m`, `1h30m`.

use std::time::Duration;

/// The longest duration anything takes: far beyond a maintenance window or
/// a canary run, and far below what overflows an `Instant`, a nanosecond
/// count or a `chrono` span (`--window 300000y` panicked).
pub const MAX: Duration = Duration::from_secs(30 * 24 * 3600);

/// A clap `value_parser`: the error names what was wrong so that clap can
/// name the flag.
pub fn parse(s: &str) -> Result<Duration, String> {
    if s.trim()
        .strip_prefix('-')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    {
        return Err(format!(
            "{} is negative: a duration is 250ms, 2s or 5m",
            s.trim()
        ));
    }
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("{e} (expected a duration such as 250ms, 2s or 5m)"))?;
    if d.is_zero() {
        return Err("must be greater than zero".to_string());
    }
    if d > MAX {
        return Err(format!("{} is longer than the limit of 30 days", s.trim()));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_forms() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
    }

    #[test]
    fn rejects_nonsense_and_zero() {
        assert!(parse("soon").is_err());
        assert!(parse("10").is_err());
        assert!(parse("0s").is_err());
    }

    #[test]
    fn rejects_what_would_overflow() {
        assert_eq!(parse("30d"), Ok(MAX));
        for s in [
            "31d",
            "300000y",
            "18446744073709551615s",
            "99999999999999999999999s",
        ] {
            assert!(parse(s).is_err(), "{s}");
        }
    }
}
