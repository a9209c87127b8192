//! The PromQL behind each metric: the defaults for the common metric names
//! (`http_requests_total{code}`, `http_request_duration_seconds`), scoped
//! by one label selector, or the operator's own per metric.

use serde::{Deserialize, Serialize};

/// `[prometheus.queries]`: a metric's own PromQL, in Prometheus's units
/// (error rate as a ratio 0–1, latency in seconds, requests per second).
/// In `latency`, `$quantile` stands for the criterion's (0.95 by default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput: Option<String>,
}

impl Overrides {
    pub fn is_empty(&self) -> bool {
        *self == Overrides::default()
    }
}

/// The queries of one round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queries {
    pub error_rate: String,
    /// One per latency percentile the criteria judge (50, 90, 95 or 99).
    pub latency: Vec<(u8, String)>,
    pub throughput: String,
}

/// `{job="api"}` or `job="api", env="prod"`: the matchers inside the braces.
/// Checked only for shape here; Prometheus's own parse error names the rest.
pub fn matchers(selector: &str) -> Result<String, String> {
    let s = selector.trim();
    let inner = match (s.strip_prefix('{'), s.ends_with('}')) {
        (Some(rest), true) => rest.strip_suffix('}').unwrap_or(rest),
        (None, false) => s,
        _ => return Err(format!("{selector:?}: unbalanced braces")),
    };
    let inner = inner.trim().trim_end_matches(',').trim();
    if inner.is_empty() {
        return Err(format!(
            "{selector:?} holds no label matcher (as in {{job=\"api\"}})"
        ));
    }
    if inner.contains(['{', '}']) {
        return Err(format!("{selector:?}: one pair of braces at most"));
    }
    Ok(inner.to_string())
}

/// The quantile of a criterion's percentile: p50, p90, p99, else p95.
pub fn percentile_of(percentile: Option<u8>) -> u8 {
    match percentile {
        Some(50) => 50,
        Some(90) => 90,
        Some(99) => 99,
        _ => 95,
    }
}

fn selected(metric: &str, matchers: Option<&str>, extra: Option<&str>) -> String {
    let all: Vec<&str> = matchers.into_iter().chain(extra).collect();
    if all.is_empty() {
        metric.to_string()
    } else {
        format!("{metric}{{{}}}", all.join(","))
    }
}

impl Queries {
    /// `matchers` from [`matchers`]; `percentiles` those the criteria use
    /// (p95 is always read: the baseline and the pane show it).
    pub fn new(matchers: Option<&str>, overrides: &Overrides, percentiles: &[u8]) -> Queries {
        let total = selected("http_requests_total", matchers, None);
        let errors = selected("http_requests_total", matchers, Some(r#"code=~"5..""#));
        let buckets = selected("http_request_duration_seconds_bucket", matchers, None);
        let mut ps: Vec<u8> = std::iter::once(95)
            .chain(percentiles.iter().map(|&p| percentile_of(Some(p))))
            .collect();
        ps.sort_unstable();
        ps.dedup();
        let quantile = |p: u8| format!("{}", f64::from(p) / 100.0);
        Queries {
            error_rate: overrides
                .error_rate
                .clone()
                .unwrap_or_else(|| format!("sum(rate({errors}[1m])) / sum(rate({total}[1m]))")),
            latency: ps
                .into_iter()
                .map(|p| {
                    let q = match &overrides.latency {
                        Some(own) => own.replace("$quantile", &quantile(p)),
                        None => format!(
                            "histogram_quantile({}, sum by (le) (rate({buckets}[1m])))",
                            quantile(p)
                        ),
                    };
                    (p, q)
                })
                .collect(),
            throughput: overrides
                .throughput
                .clone()
                .unwrap_or_else(|| format!("sum(rate({total}[1m]))")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_issue_s_queries() {
        let q = Queries::new(None, &Overrides::default(), &[]);
        assert_eq!(
            q.error_rate,
            r#"sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))"#
        );
        assert_eq!(
            q.latency,
            [(
                95,
                "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))"
                    .to_string()
            )]
        );
        assert_eq!(q.throughput, "sum(rate(http_requests_total[1m]))");
    }

    #[test]
    fn one_selector_scopes_all_three() {
        let m = matchers(r#"{job="api", env="prod"}"#).unwrap();
        let q = Queries::new(Some(&m), &Overrides::default(), &[99]);
        assert_eq!(
            q.error_rate,
            r#"sum(rate(http_requests_total{job="api", env="prod",code=~"5.."}[1m])) / sum(rate(http_requests_total{job="api", env="prod"}[1m]))"#
        );
        assert_eq!(q.latency.len(), 2, "p95 and the criterion's p99");
        assert_eq!(q.latency[1].0, 99);
        assert!(
            q.latency[1].1.starts_with("histogram_quantile(0.99, ")
                && q.latency[1]
                    .1
                    .contains(r#"http_request_duration_seconds_bucket{job="api", env="prod"}"#),
            "{:?}",
            q.latency
        );
        assert_eq!(
            q.throughput,
            r#"sum(rate(http_requests_total{job="api", env="prod"}[1m]))"#
        );
        assert_eq!(matchers(r#"job="api""#).unwrap(), r#"job="api""#);
    }

    #[test]
    fn bad_selectors_say_why() {
        for bad in ["{}", "  ", r#"{job="a""#, r#"{a="1"}{b="2"}"#] {
            assert!(matchers(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_override_replaces_its_metric_only() {
        let own = Overrides {
            latency: Some(
                "histogram_quantile($quantile, sum by (le) (rate(rq_bucket[5m])))".into(),
            ),
            ..Overrides::default()
        };
        let q = Queries::new(Some(r#"job="x""#), &own, &[50]);
        assert_eq!(
            q.latency,
            [
                (
                    50,
                    "histogram_quantile(0.5, sum by (le) (rate(rq_bucket[5m])))".to_string()
                ),
                (
                    95,
                    "histogram_quantile(0.95, sum by (le) (rate(rq_bucket[5m])))".to_string()
                ),
            ]
        );
        assert!(q.throughput.contains(r#"{job="x"}"#));
    }
}
