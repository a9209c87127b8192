//! Reading a rollback criterion the way an on-call engineer reads it:
//! "Error rate > 5% above baseline" is a rule the cockpit can measure,
//! "Critical functionality broken" is the operator's call, and "more than
//! 10 errors per minute in logs" is counted in the application's log stream.

use std::sync::LazyLock;

use regex::Regex;

use super::text::ascii_re;

use super::model::{Criterion, CriterionKind, Rule, Unit};

struct Patterns {
    hold: Regex,
    percentile: Regex,
    range: Regex,
    number: Regex,
    error: Regex,
    latency: Regex,
    host_metric: Regex,
    relative: Regex,
    throughput: ThroughputPatterns,
    log: LogPatterns,
}

/// Requests per second, counted from access lines: only a fall relative to
/// the baseline is read ("< 50% of baseline", "drops by 30%"); a bare
/// "> 1000 RPS" is a capacity target, not a rollback rule.
struct ThroughputPatterns {
    metric: Regex,
    /// "< 50% of baseline": what remains, so the decrease is 100 - N.
    share_of: Regex,
    /// "drops by 30%", "30% decrease": the decrease itself.
    drop: Regex,
}

/// What sets a log criterion apart from the probe's error rate: the log
/// stream is named, or the limit is a count per minute, which a share of
/// failed probes never is.
struct LogPatterns {
    stream: Regex,
    per_minute: Regex,
    /// "error rate" is the probe's number even when the line names the logs.
    rate: Regex,
    counted: Regex,
    /// A number and what follows it: a unit, or a duration (never a limit).
    count: Regex,
    /// "in 5 minutes", "per hour": the span a count is over.
    span: Regex,
    /// A change from the baseline: turns a percentage from a share of the
    /// lines (not measured) into a relative rule, and a count into an
    /// increase. Narrower than the error rate's: "spike" and "over" often
    /// introduce an absolute count in log alerts, and "up" only counts
    /// before a number ("shows up more than 5 times").
    relative: Regex,
    /// "doubled", "tripled": a relative rule without a number.
    multiple: Regex,
}

fn build() -> Result<Patterns, regex::Error> {
    Ok(Patterns {
        hold: ascii_re(
            r"(?i)\b(?:for|sustained for|lasting)\s+(?:at least\s+|more than\s+|over\s+)?(\d+)\s*\+?\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\b",
        )?,
        percentile: ascii_re(r"(?i)\bp(50|90|95|99)\b")?,
        range: ascii_re(r"(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)\s*(?:%|percent\b)")?,
        number: ascii_re(
            r"(?i)(\d+(?:\.\d+)?)\s*(%|percent\b|pp\b|points?\b|ms\b|milliseconds?\b|s\b|secs?\b|seconds?\b|x\b|times\b)",
        )?,
        error: ascii_re(r"(?i)\berror(?:s| rate)?\b|\b5xx\b|\bfailure rate\b|\bfailed requests\b")?,
        latency: ascii_re(
            r"(?i)latency|response time|\bp(?:50|90|95|99)\b|performance|slower|\bslow\b",
        )?,
        host_metric: ascii_re(r"(?i)\b(?:cpu|memory|disk|ram|heap)\b")?,
        relative: ascii_re(
            r"(?i)baseline|increase|\brise|\bspike|\bjump|above (?:normal|usual)|\bpp\b|points?\b",
        )?,
        throughput: ThroughputPatterns {
            metric: ascii_re(
                r"(?i)\bthroughput\b|\brequests?\s*(?:per\s+second|/\s*s(?:ec)?)\b|\breq/s\b|\brps\b|\brequest rate\b|\btraffic\b",
            )?,
            share_of: ascii_re(
                r"(?i)(?:<|\bbelow|\bunder|\bless than|\bto)\s*(\d+(?:\.\d+)?)\s*(?:%|percent\b)\s*of\b",
            )?,
            drop: ascii_re(
                r"(?i)\b(?:drop|decrease|fall|fell|down|lower|reduc|declin|los)\w*\b|<|\bbelow\b|\bunder\b|\bless\b",
            )?,
        },
        log: LogPatterns {
            stream: ascii_re(r"(?i)\blog(?:s|ged)?\b|\berror lines?\b")?,
            per_minute: ascii_re(r"(?i)/\s*min(?:ute)?\b|\bper\s+min(?:ute)?\b")?,
            rate: ascii_re(r"(?i)\b(?:error|failure) rates?\b")?,
            counted: ascii_re(
                r"(?i)\berrors?\b|\b5xx\b|\bexceptions?\b|\bfatals?\b|\bfailures?\b|\bfailed requests\b",
            )?,
            count: ascii_re(
                r"(?i)(\d+(?:\.\d+)?)\s*(?:(%|percent\b|x\b|times\b)|(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\b)?",
            )?,
            span: ascii_re(
                r"(?i)\b(?:in|within|over|per|every|each|an?)\s+(?:(\d+(?:\.\d+)?)\s*)?(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\b",
            )?,
            relative: ascii_re(
                r"(?i)baseline|increase|\bris(?:e|es|ing)\b|\bjump|\bup\s+(?:by\s+)?\d|\bgrow|\bclimb|(?:above|over|than) (?:normal|usual|before)",
            )?,
            multiple: ascii_re(r"(?i)\b(?:doubl(?:e|ed|es|ing)|twice|tripl(?:e|ed|es|ing))\b")?,
        },
    })
}

static PATTERNS: LazyLock<Result<Patterns, regex::Error>> = LazyLock::new(build);

/// A criterion line as the engine will judge it: the rule, its own hold
/// ("for 5 minutes", "for 2+ minutes") and, for latency, the percentile.
pub fn classify(text: &str, line: usize) -> Criterion {
    let mut c = classify_rule(text, line);
    c.for_s = hold_seconds(text);
    if c.kind == CriterionKind::Latency {
        c.percentile = Some(percentile(text).unwrap_or(95));
    }
    c
}

/// "for 5 minutes", "for 2+ minutes", "for 30s": the breach must last.
pub fn hold_seconds(text: &str) -> Option<u64> {
    let p = PATTERNS.as_ref().ok()?;
    let c = p.hold.captures(text)?;
    let n: u64 = c[1].parse().ok()?;
    let unit = c[2].to_ascii_lowercase();
    let secs = match unit.chars().next() {
        Some('h') => n.checked_mul(3600)?,
        Some('m') => n.checked_mul(60)?,
        _ => n,
    };
    Some(secs)
}

/// "p99 latency", "P95": which percentile a latency rule names.
fn percentile(text: &str) -> Option<u8> {
    let p = PATTERNS.as_ref().ok()?;
    p.percentile.captures(text)?[1].parse().ok()
}

/// Why a criterion is left to the operator, as `check` and the panel say it.
pub const REASON_HOST_METRIC: &str = "a host metric (CPU, memory, disk): the probe does not see it";
pub const REASON_NO_METRIC: &str = "no metric the cockpit measures";
pub const REASON_NO_NUMBER: &str = "no limit to measure against";
pub const REASON_LOG_SHARE: &str = "a share of log lines, which the stream does not count";
pub const REASON_THROUGHPUT: &str = "a throughput limit not relative to the baseline";

fn classify_rule(text: &str, line: usize) -> Criterion {
    let manual = |why: &str| Criterion {
        text: text.to_string(),
        kind: CriterionKind::Manual,
        rule: None,
        threshold: None,
        unit: None,
        line,
        for_s: None,
        percentile: None,
        reason: Some(why.to_string()),
        action: None,
    };
    let measured = |kind, rule, threshold, unit| Criterion {
        text: text.to_string(),
        kind,
        rule: Some(rule),
        threshold: Some(threshold),
        unit: Some(unit),
        line,
        for_s: None,
        percentile: None,
        reason: None,
        action: None,
    };
    let Ok(p) = PATTERNS.as_ref() else {
        return manual(REASON_NO_METRIC);
    };
    // Host metrics are not measured by the health probe.
    if p.host_metric.is_match(text) {
        return manual(REASON_HOST_METRIC);
    }
    if p.throughput.metric.is_match(text) && !p.error.is_match(text) {
        return match throughput_decrease(&p.throughput, text) {
            Some(n) => measured(
                CriterionKind::Throughput,
                Rule::DecreasePercent,
                n,
                Unit::Percent,
            ),
            None => manual(REASON_THROUGHPUT),
        };
    }
    if is_log(p, text) {
        return match log_rule(&p.log, text) {
            Some((rule, threshold, unit)) => {
                measured(CriterionKind::LogErrors, rule, threshold, unit)
            }
            None if text.contains('%') => manual(REASON_LOG_SHARE),
            None => manual(REASON_NO_NUMBER),
        };
    }
    let err_at = p.error.find(text).map(|m| m.start());
    let lat_at = p.latency.find(text).map(|m| m.start());
    let is_error = match (err_at, lat_at) {
        (Some(e), Some(l)) => e <= l,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => return manual(REASON_NO_METRIC),
    };
    let Some(caps) = p.number.captures(text) else {
        return manual(REASON_NO_NUMBER);
    };
    // A tier "5-10%" starts at its lower bound (its "-" is no minus sign).
    let range_low = range_low(p, text, &caps);
    let n = match (range_low, caps.get(1).map(|d| plain_positive(text, d))) {
        (Some(low), _) => low,
        (None, Some(Ok(n))) => n,
        _ => return manual(REASON_NO_NUMBER),
    };
    let unit = caps[2].to_lowercase();
    let relative = p.relative.is_match(text);
    let (kind, rule, threshold, unit) = if is_error {
        match unit.as_str() {
            "%" | "percent" | "pp" | "point" | "points" => {
                let rule = if relative {
                    Rule::IncreasePoints
                } else {
                    Rule::Above
                };
                (CriterionKind::ErrorRate, rule, n, Unit::Percent)
            }
            _ => return manual(REASON_NO_NUMBER),
        }
    } else {
        match unit.as_str() {
            "%" | "percent" => (
                CriterionKind::Latency,
                Rule::IncreasePercent,
                n,
                Unit::Percent,
            ),
            "x" | "times" => (
                CriterionKind::Latency,
                Rule::IncreasePercent,
                (n - 1.0) * 100.0,
                Unit::Percent,
            ),
            "ms" | "millisecond" | "milliseconds" => {
                (CriterionKind::Latency, Rule::Above, n, Unit::Millis)
            }
            _ => (
                CriterionKind::Latency,
                Rule::Above,
                n * 1000.0,
                Unit::Millis,
            ),
        }
    };
    measured(kind, rule, threshold, unit)
}

/// The fall from the baseline a throughput rule names, in percent of it.
fn throughput_decrease(p: &ThroughputPatterns, text: &str) -> Option<f64> {
    let positive = |s: &str| s.parse::<f64>().ok().filter(|n| n.is_finite() && *n > 0.0);
    if let Some(c) = p.share_of.captures(text) {
        return positive(&c[1]).filter(|&n| n < 100.0).map(|n| 100.0 - n);
    }
    let caps = PATTERNS
        .as_ref()
        .ok()?
        .number
        .captures_iter(text)
        .find(|c| matches!(c[2].to_ascii_lowercase().as_str(), "%" | "percent"))?;
    positive(&caps[1])
        .filter(|&n| n < 100.0)
        .filter(|_| p.drop.is_match(text))
}

/// The number at `digits` as a threshold: only a plain, finite number
/// above 0. The digits the pattern found may be the tail of another number
/// ("1e400%" is not 400, "-5%" not +5, "1,500ms" not 500): the whole
/// token is the error.
fn plain_positive(text: &str, digits: regex::Match<'_>) -> Result<f64, String> {
    let token = || {
        let start = text[..digits.start()]
            .rfind(char::is_whitespace)
            .map_or(0, |i| i + 1);
        text[start..digits.end()].to_string()
    };
    let before = text[..digits.start()].chars().next_back();
    if before.is_some_and(|c| matches!(c, '-' | '.' | ',' | 'e' | 'E' | '0'..='9')) {
        return Err(token());
    }
    match digits.as_str().parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
        _ => Err(token()),
    }
}

/// The lower bound of a range ("5-10%") that ends where `caps` does.
fn range_low(p: &Patterns, text: &str, caps: &regex::Captures<'_>) -> Option<f64> {
    let end = caps.get(0)?.end();
    let r = p
        .range
        .captures_iter(text)
        .find(|r| r.get(0).is_some_and(|m| m.end() == end))?;
    r[1].parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)
}

/// A number in a criterion that looks like a threshold but cannot be one
/// (for `check` to warn about, with the criterion's line).
pub fn unusable_number(text: &str) -> Option<String> {
    let p = PATTERNS.as_ref().ok()?;
    p.number
        .captures_iter(text)
        .filter(|c| range_low(p, text, c).is_none())
        .filter_map(|c| c.get(1))
        .find_map(|d| plain_positive(text, d).err())
}

/// Errors counted in the logs, unless latency is what the line is about
/// (its first metric wins, as for error rate against latency).
fn is_log(p: &Patterns, text: &str) -> bool {
    let Some(counted) = p.log.counted.find(text) else {
        return false;
    };
    if p.latency
        .find(text)
        .is_some_and(|l| l.start() < counted.start())
    {
        return false;
    }
    p.log.per_minute.is_match(text) || (p.log.stream.is_match(text) && !p.log.rate.is_match(text))
}

/// `None` when the line names no limit the stream can judge: it stays the
/// operator's call.
fn log_rule(p: &LogPatterns, text: &str) -> Option<(Rule, f64, Unit)> {
    // "5xx" and "p95" are names, "5 minutes" a span and "-20" a flag
    // (`head -20`), not limits.
    let number = p.count.captures_iter(text).find(|c| {
        let Some(digits) = c.get(1) else {
            return false;
        };
        if c.get(3).is_some() {
            return false;
        }
        let before = text[..digits.start()].chars().next_back();
        let after = text[digits.end()..].chars().next();
        let glued = |ch: Option<char>| ch.is_some_and(|ch| ch.is_ascii_alphabetic());
        // "500 errors" names a status, as "5xx" does.
        let status = digits.as_str().len() == 3
            && matches!(digits.as_str().as_bytes()[0], b'4' | b'5')
            && text[digits.end()..]
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("error");
        !status
            && !glued(before)
            && !matches!(before, Some('-' | '.' | ','))
            && (c.get(2).is_some() || !glued(after))
    });
    let Some(caps) = number else {
        let m = p.multiple.find(text)?;
        let times = if m.as_str().to_lowercase().starts_with("tripl") {
            3.0
        } else {
            2.0
        };
        return Some((Rule::IncreasePercent, (times - 1.0) * 100.0, Unit::Percent));
    };
    let n: f64 = caps[1]
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n > 0.0)?;
    // "5 times per minute" is a count, not a multiple of the baseline.
    let unit = caps
        .get(2)
        .filter(|u| {
            let rest = text[u.end()..].trim_start();
            !(u.as_str().eq_ignore_ascii_case("times")
                && p.per_minute.find(rest).is_some_and(|m| m.start() == 0))
        })
        .map(|u| u.as_str().to_lowercase());
    match unit.as_deref() {
        Some("%" | "percent") if p.relative.is_match(text) => {
            Some((Rule::IncreasePercent, n, Unit::Percent))
        }
        // "5% of the lines": a share the stream does not measure.
        Some("%" | "percent") => None,
        Some(_) => Some((Rule::IncreasePercent, (n - 1.0) * 100.0, Unit::Percent)),
        None if p.relative.is_match(text) => Some((
            Rule::IncreasePoints,
            per_minute(p, text, n),
            Unit::PerMinute,
        )),
        _ => Some((Rule::Above, per_minute(p, text, n), Unit::PerMinute)),
    }
}

/// A count over another span ("50 errors in 5 minutes") as the per-minute
/// rate the stream's 60 s count is judged against.
fn per_minute(p: &LogPatterns, text: &str, n: f64) -> f64 {
    if p.per_minute.is_match(text) {
        return n;
    }
    let Some(span) = p.span.captures(text) else {
        return n;
    };
    let amount: f64 = span
        .get(1)
        .and_then(|a| a.as_str().parse().ok())
        .unwrap_or(1.0);
    let minutes = match span[2].to_ascii_lowercase().chars().next() {
        Some('s') => amount / 60.0,
        Some('h') => amount * 60.0,
        _ => amount,
    };
    if minutes > 0.0 { n / minutes } else { n }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> (CriterionKind, Option<Rule>, Option<f64>, Option<Unit>) {
        let c = classify(text, 1);
        (c.kind, c.rule, c.threshold, c.unit)
    }

    #[test]
    fn patterns_compile() {
        assert!(build().is_ok());
    }

    #[test]
    fn only_plain_positive_numbers_become_thresholds() {
        let huge = format!("Error rate > 1{}% above baseline", "0".repeat(400));
        for text in [
            "Error rate > 1e400% above baseline",
            "Error rate > -5% above baseline",
            "Error rate > 0% above baseline",
            huge.as_str(),
            "Latency above 1,500ms",
            "Latency above 1.5e3ms",
            "More than -10 errors per minute in logs",
            "More than 0 errors per minute in logs",
        ] {
            let c = classify(text, 7);
            assert_eq!(c.threshold, None, "{text}: {c:?}");
            assert_eq!(c.kind, CriterionKind::Manual, "{text}");
        }
        assert_eq!(
            unusable_number("Error rate > 1e400% above baseline").as_deref(),
            Some("1e400")
        );
        assert_eq!(
            unusable_number("Error rate > -5% above baseline").as_deref(),
            Some("-5")
        );
        assert!(unusable_number(&huge).is_some());
        assert_eq!(unusable_number("Error rate > +5 pp above baseline"), None);
        assert_eq!(rule("Error rate > +5 pp above baseline").2, Some(5.0));
        assert_eq!(unusable_number("Error rate > 5% above baseline"), None);
    }

    #[test]
    fn the_rules_runbooks_use() {
        use CriterionKind::*;
        use Rule::*;
        let cases = [
            (
                "Error rate > 5% above baseline",
                (
                    ErrorRate,
                    Some(IncreasePoints),
                    Some(5.0),
                    Some(Unit::Percent),
                ),
            ),
            (
                "Performance degradation > 50%",
                (
                    Latency,
                    Some(IncreasePercent),
                    Some(50.0),
                    Some(Unit::Percent),
                ),
            ),
            (
                "p95 latency more than 30% above baseline",
                (
                    Latency,
                    Some(IncreasePercent),
                    Some(30.0),
                    Some(Unit::Percent),
                ),
            ),
            (
                "Response time > 5s",
                (Latency, Some(Above), Some(5000.0), Some(Unit::Millis)),
            ),
            (
                "Response time P95 > 800ms",
                (Latency, Some(Above), Some(800.0), Some(Unit::Millis)),
            ),
            (
                "Error rate > 1%",
                (ErrorRate, Some(Above), Some(1.0), Some(Unit::Percent)),
            ),
            (
                "5xx errors rise by more than 2 points",
                (
                    ErrorRate,
                    Some(IncreasePoints),
                    Some(2.0),
                    Some(Unit::Percent),
                ),
            ),
            (
                "Pages 2x slower than before",
                (
                    Latency,
                    Some(IncreasePercent),
                    Some(100.0),
                    Some(Unit::Percent),
                ),
            ),
            ("Critical functionality broken", (Manual, None, None, None)),
            ("CPU usage > 90%", (Manual, None, None, None)),
            ("Memory usage > 80%", (Manual, None, None, None)),
            ("Error rates keep climbing", (Manual, None, None, None)),
        ];
        for (text, want) in cases {
            assert_eq!(rule(text), want, "{text}");
        }
    }

    #[test]
    fn log_error_counts() {
        use CriterionKind::*;
        use Rule::*;
        let per_min = Some(Unit::PerMinute);
        let cases = [
            (
                "More than 10 errors per minute in logs",
                (LogErrors, Some(Above), Some(10.0), per_min),
            ),
            (
                ">10 errors per minute in logs",
                (LogErrors, Some(Above), Some(10.0), per_min),
            ),
            (
                "Log errors above 20/min",
                (LogErrors, Some(Above), Some(20.0), per_min),
            ),
            (
                "5xx errors in logs more than 10 per minute",
                (LogErrors, Some(Above), Some(10.0), per_min),
            ),
            (
                "Exceptions in the logs > 2.5/min",
                (LogErrors, Some(Above), Some(2.5), per_min),
            ),
            (
                "error lines per minute doubled / increase by 100% over baseline",
                (
                    LogErrors,
                    Some(IncreasePercent),
                    Some(100.0),
                    Some(Unit::Percent),
                ),
            ),
            (
                "Errors per minute in logs doubled",
                (
                    LogErrors,
                    Some(IncreasePercent),
                    Some(100.0),
                    Some(Unit::Percent),
                ),
            ),
            (
                "Log errors tripled",
                (
                    LogErrors,
                    Some(IncreasePercent),
                    Some(200.0),
                    Some(Unit::Percent),
                ),
            ),
            (
                "Log errors 3x the baseline",
                (
                    LogErrors,
                    Some(IncreasePercent),
                    Some(200.0),
                    Some(Unit::Percent),
                ),
            ),
            (
                "Log errors up 50%",
                (
                    LogErrors,
                    Some(IncreasePercent),
                    Some(50.0),
                    Some(Unit::Percent),
                ),
            ),
            (
                "Errors per minute rise by more than 5 over baseline",
                (LogErrors, Some(IncreasePoints), Some(5.0), per_min),
            ),
            (
                "ERROR shows up more than 5 times per minute in the logs",
                (LogErrors, Some(Above), Some(5.0), per_min),
            ),
            // A count over another span is judged as its rate per minute...
            (
                "More than 50 errors in the logs within 5 minutes",
                (LogErrors, Some(Above), Some(10.0), per_min),
            ),
            (
                "Errors in logs over 2 minutes > 20",
                (LogErrors, Some(Above), Some(10.0), per_min),
            ),
            (
                "Log errors above 120 per hour",
                (LogErrors, Some(Above), Some(2.0), per_min),
            ),
            // ...unless the line says per minute anyway.
            (
                "More than 10 errors per minute in logs for 5 minutes",
                (LogErrors, Some(Above), Some(10.0), per_min),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(rule(text), want, "{text}");
        }
    }

    #[test]
    fn throughput_falls_are_decreases_from_the_baseline() {
        use CriterionKind::*;
        use Rule::*;
        let pct = Some(Unit::Percent);
        let cases = [
            (
                "Throughput < 50% of baseline",
                (Throughput, Some(DecreasePercent), Some(50.0), pct),
            ),
            (
                "Throughput drops below 70% of normal",
                (Throughput, Some(DecreasePercent), Some(30.0), pct),
            ),
            (
                "Requests per second drop by 30%",
                (Throughput, Some(DecreasePercent), Some(30.0), pct),
            ),
            (
                "RPS decreases more than 40% for 5 minutes",
                (Throughput, Some(DecreasePercent), Some(40.0), pct),
            ),
            // A capacity target, not a fall from the baseline.
            ("Throughput: > 1000 RPS", (Manual, None, None, None)),
            // Failed requests are the error rate's, whatever the unit.
            (
                "Failed requests per second > 5%",
                (ErrorRate, Some(Above), Some(5.0), pct),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(rule(text), want, "{text}");
        }
        assert_eq!(
            classify("RPS decreases more than 40% for 5 minutes", 1).for_s,
            Some(300)
        );
    }

    #[test]
    fn a_manual_criterion_says_why() {
        let why = |text: &str| classify(text, 1).reason;
        assert_eq!(why("CPU usage > 90%").as_deref(), Some(REASON_HOST_METRIC));
        assert_eq!(
            why("Critical functionality broken").as_deref(),
            Some(REASON_NO_METRIC)
        );
        assert_eq!(why("error rate spike").as_deref(), Some(REASON_NO_NUMBER));
        assert_eq!(
            why("Log errors > 5% of lines").as_deref(),
            Some(REASON_LOG_SHARE)
        );
        assert_eq!(
            why("Throughput: > 1000 RPS").as_deref(),
            Some(REASON_THROUGHPUT)
        );
        assert_eq!(why("Error rate > 1%"), None, "measured: no reason");
    }

    #[test]
    fn log_criteria_the_stream_cannot_judge_stay_manual() {
        for text in [
            // No number: the operator reads the logs.
            "No 5xx errors in logs",
            "New errors in the logs",
            // A share of the lines is not counted.
            "Log errors > 5% of lines",
            // A command quoted in the list.
            "grep -i error logs.txt | head -20",
        ] {
            assert_eq!(rule(text).0, CriterionKind::Manual, "{text}");
        }
    }

    #[test]
    fn error_rate_criteria_are_not_taken_for_log_counts() {
        use CriterionKind::*;
        use Rule::*;
        let cases = [
            (
                "Error rate > 5% above baseline",
                (
                    ErrorRate,
                    Some(IncreasePoints),
                    Some(5.0),
                    Some(Unit::Percent),
                ),
            ),
            ("error rate spike", (Manual, None, None, None)),
            (
                "Error rate in the logs > 2%",
                (ErrorRate, Some(Above), Some(2.0), Some(Unit::Percent)),
            ),
            (
                "Error rate above 5% for 2 minutes",
                (ErrorRate, Some(Above), Some(5.0), Some(Unit::Percent)),
            ),
            (
                "Login errors > 3%",
                (ErrorRate, Some(Above), Some(3.0), Some(Unit::Percent)),
            ),
            (
                "Latency > 500ms or more than 10 errors per minute in logs",
                (Latency, Some(Above), Some(500.0), Some(Unit::Millis)),
            ),
            ("Memory errors in logs > 5/min", (Manual, None, None, None)),
        ];
        for (text, want) in cases {
            assert_eq!(rule(text), want, "{text}");
        }
    }
}
