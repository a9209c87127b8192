//! Reading a rollback criterion the way an on-call engineer reads it:
//! "Error rate > 5% above baseline" is a rule the cockpit can measure,
//! "Critical functionality broken" is the operator's call.

use std::sync::LazyLock;

use regex::Regex;

use super::text::ascii_re;

use super::model::{Criterion, CriterionKind, Rule, Unit};

struct Patterns {
    number: Regex,
    error: Regex,
    latency: Regex,
    host_metric: Regex,
    relative: Regex,
}

fn build() -> Result<Patterns, regex::Error> {
    Ok(Patterns {
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
    })
}

static PATTERNS: LazyLock<Result<Patterns, regex::Error>> = LazyLock::new(build);

pub fn classify(text: &str, line: usize) -> Criterion {
    let manual = Criterion {
        text: text.to_string(),
        kind: CriterionKind::Manual,
        rule: None,
        threshold: None,
        unit: None,
        line,
    };
    let Ok(p) = PATTERNS.as_ref() else {
        return manual;
    };
    // Host metrics are not measured by the health probe.
    if p.host_metric.is_match(text) {
        return manual;
    }
    let err_at = p.error.find(text).map(|m| m.start());
    let lat_at = p.latency.find(text).map(|m| m.start());
    let is_error = match (err_at, lat_at) {
        (Some(e), Some(l)) => e <= l,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => return manual,
    };
    let Some(caps) = p.number.captures(text) else {
        return manual;
    };
    let Ok(n) = caps[1].parse::<f64>() else {
        return manual;
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
            _ => return manual,
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
    Criterion {
        text: text.to_string(),
        kind,
        rule: Some(rule),
        threshold: Some(threshold),
        unit: Some(unit),
        line,
    }
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
}
