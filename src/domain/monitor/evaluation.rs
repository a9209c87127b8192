//! One evaluation as `monitor` prints it: the `--json` line (a stable
//! contract for scripts) and the human line.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::baseline::Baseline;
use super::criteria::{Engine, Kind, State, ms, pct};
use super::sample::{Outcome, Sample};
use super::source::Source;
use super::window::Stats;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// RFC 3339.
    pub ts: String,
    pub samples: usize,
    /// Where `error_rate` and `latency_ms` come from: `probe` or
    /// `prometheus`.
    pub source: Source,
    /// Percent; `null` before the first sample.
    pub error_rate: Option<f64>,
    pub latency_ms: Latencies,
    /// The access log's requests and 5xx over the last minute (`--logs`);
    /// absent while the stream has shown no access line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<RequestsLine>,
    /// Requests per second from the same access lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throughput: Option<f64>,
    /// Error lines in the log stream over the last minute; absent without
    /// a stream, and while it has no count (not yet, or it exited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_errors_per_min: Option<f64>,
    pub baseline: Option<BaselineLine>,
    pub criteria: Vec<CriterionLine>,
    pub verdict: State,
    /// The newest failed probe in the window, with its cause; `null` while
    /// none is.
    pub last_failure: Option<FailureLine>,
}

/// `{"ts": ..., "url": ..., "outcome": "refused", "reason": "connection refused"}`:
/// `outcome` as the journal writes it, `reason` as a person reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailureLine {
    pub ts: String,
    pub url: String,
    pub outcome: Outcome,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latencies {
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BaselineLine {
    pub error_rate: f64,
    pub latency_ms: Option<f64>,
    /// The access log's share of 5xx at the pin, in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_error_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throughput: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_errors_per_min: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RequestsLine {
    pub total: usize,
    pub server_errors: usize,
    /// Percent of `total`; `null` in a minute without requests.
    pub error_rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionLine {
    pub kind: Kind,
    /// Where its number comes from: `probe`, `access_log` or `prometheus`.
    pub source: Source,
    /// `above`, `increase_points`, `increase_percent`, `decrease_percent`,
    /// as `check --json` names the runbook's rule.
    pub rule: Option<&'static str>,
    /// The criterion's own hold; `null` when it takes `--for`.
    pub for_s: Option<f64>,
    /// The latency percentile judged; `null` for other metrics.
    pub percentile: Option<u8>,
    pub state: State,
    pub value: Option<f64>,
    pub limit: Option<f64>,
    pub text: String,
    /// A relative error-rate rule's evidence: the chance of this many
    /// failures at the baseline's rate (it breaches only under the
    /// significance, 0.01). Absent for every other rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
}

/// Three decimals are more than any reader needs, and keep lines short.
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A p-value can be 1e-9: rounding it to three decimals would print 0,
/// which reads as "impossible".
fn significant_digits(x: f64) -> f64 {
    format!("{x:.3e}").parse().unwrap_or(x)
}

impl Evaluation {
    /// Manual criteria need an operator, so they are left out.
    pub fn new(
        now: DateTime<Utc>,
        stats: &Stats,
        baseline: Option<&Baseline>,
        engine: &Engine,
        last_failure: Option<&Sample>,
    ) -> Evaluation {
        let auto: Vec<_> = engine
            .judged()
            .filter(|(c, _)| c.kind != Kind::Manual)
            .collect();
        Evaluation {
            ts: now.to_rfc3339_opts(SecondsFormat::Millis, true),
            samples: stats.samples,
            source: stats.source,
            error_rate: stats.error_rate.map(round),
            latency_ms: Latencies {
                p50: stats.p50.map(round),
                p90: stats.p90.map(round),
                p95: stats.p95.map(round),
                p99: stats.p99.map(round),
            },
            requests: stats.requests.map(|r| RequestsLine {
                total: r.total,
                server_errors: r.server_errors,
                error_rate: r.error_rate().map(round),
            }),
            throughput: stats.throughput.map(round),
            log_errors_per_min: stats.log_errors_per_min.map(round),
            baseline: baseline.map(|b| BaselineLine {
                error_rate: round(b.error_rate),
                latency_ms: b.latency_ms.map(round),
                request_error_rate: b.request_error_rate().map(round),
                throughput: b.throughput.map(round),
                log_errors_per_min: b.log_errors_per_min.map(round),
            }),
            criteria: auto
                .iter()
                .map(|(c, v)| CriterionLine {
                    kind: v.kind,
                    source: super::criteria::source_of(c, stats),
                    rule: c.limit.map(|l| l.rule_name()),
                    for_s: c.hold.map(|h| h.as_secs_f64()),
                    percentile: (c.kind == Kind::Latency).then(|| c.percentile.unwrap_or(95)),
                    state: v.state,
                    value: v.value.map(round),
                    limit: v.limit.map(round),
                    text: v.text.clone(),
                    p_value: v.p_value.map(significant_digits),
                })
                .collect(),
            verdict: super::criteria::overall(auto.iter().map(|(_, v)| *v)),
            last_failure: last_failure.map(|f| FailureLine {
                ts: f.ts.to_rfc3339_opts(SecondsFormat::Millis, true),
                url: f.url.clone(),
                outcome: f.outcome.clone(),
                reason: f.outcome.label(),
            }),
        }
    }

    /// `03:12:09 PENDING  n=42 err 7.2% p50/p95/p99 3.1/4.2/5.0 ms  base err 0.4% p95 3.0 ms  last failure 03:12:08 connection refused | ...`
    pub fn human(&self) -> String {
        let time = self.ts.get(11..19).unwrap_or(&self.ts);
        let opt = |x: Option<f64>, f: fn(f64) -> String| x.map_or_else(|| "—".to_string(), f);
        let lat = |x: Option<f64>| {
            x.map_or_else(
                || "—".to_string(),
                |v| ms(v).trim_end_matches(" ms").to_string(),
            )
        };
        let base = match &self.baseline {
            Some(b) => {
                let mut base = format!(
                    "base err {} p95 {}",
                    pct(b.error_rate),
                    opt(b.latency_ms, ms)
                );
                if let Some(e) = b.request_error_rate {
                    base.push_str(&format!(
                        " (access log 5xx {} {})",
                        pct(e),
                        opt(b.throughput, super::criteria::per_sec)
                    ));
                }
                base
            }
            None => "base collecting".to_string(),
        };
        let from = match self.source {
            Source::Probe => String::new(),
            other => format!(" ({})", other.label()),
        };
        let mut line = format!(
            "{time} {:<10} n={} err {}{from} p50/p95/p99 {}/{}/{} ms  {base}",
            self.verdict.as_str().to_uppercase(),
            self.samples,
            opt(self.error_rate, pct),
            lat(self.latency_ms.p50),
            lat(self.latency_ms.p95),
            lat(self.latency_ms.p99),
        );
        if let Some(r) = &self.requests {
            line.push_str(&format!(
                "  access log {} req 5xx {} {}",
                r.total,
                opt(r.error_rate, pct),
                opt(self.throughput, super::criteria::per_sec)
            ));
        }
        if let Some(n) = self.log_errors_per_min {
            line.push_str(&format!("  log {}", super::criteria::per_min(n)));
        }
        if let Some(f) = &self.last_failure {
            let at = f.ts.get(11..19).unwrap_or(&f.ts);
            line.push_str(&format!("  last failure {at} {}", f.reason));
        }
        for c in &self.criteria {
            line.push_str(&format!(" | {}: {}", c.state.as_str(), c.text));
        }
        line
    }
}
