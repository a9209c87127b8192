//! What the journal holds of the monitor: its configuration and the samples
//! (with the health details they carried). Folding these in the journal's
//! order rebuilds the window, the baseline and every criterion's state.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::criteria::Settings;
use super::details::HealthDetails;
use super::sample::Sample;

/// How the session probes and judges; journaled at start so that a replay
/// (resume, `watch`, the report) judges with the same rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorConfig {
    /// Masked: a password in a URL never reaches the journal.
    pub urls: Vec<String>,
    pub interval_ms: u64,
    pub timeout_ms: u64,
    pub window_ms: u64,
    pub hold_ms: u64,
    pub error_rate_increase: Option<f64>,
    pub latency_increase: Option<f64>,
    pub latency_floor_ms: f64,
    #[serde(default)]
    pub insecure: bool,
    /// `--log-errors-above`: absent when not given, as in journals older
    /// than the log stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_errors_above: Option<f64>,
    /// `--significance`, `--baseline-max-error`: absent at their defaults,
    /// and in journals older than the knobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub significance: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_max_error: Option<f64>,
    /// Where the error rate, latency and throughput come from when not the
    /// probe: the Prometheus asked and the PromQL of every reading, so the
    /// record says what each figure measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<Box<PrometheusSource>>,
}

/// A Prometheus as the journal names it: its URL (masked) and the queries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrometheusSource {
    pub url: String,
    pub queries: super::prometheus::Queries,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl MonitorConfig {
    pub fn new(
        urls: Vec<String>,
        probe: &super::ProbeSettings,
        window: Duration,
        s: &Settings,
    ) -> Self {
        MonitorConfig {
            urls,
            interval_ms: ms(probe.interval),
            timeout_ms: ms(probe.timeout),
            window_ms: ms(window),
            hold_ms: ms(s.hold),
            error_rate_increase: s.error_rate_increase,
            latency_increase: s.latency_increase,
            latency_floor_ms: s.latency_floor_ms,
            insecure: probe.insecure,
            log_errors_above: s.log_errors_above,
            significance: (s.significance != Settings::default().significance)
                .then_some(s.significance),
            baseline_max_error: (s.baseline_max_error != Settings::default().baseline_max_error)
                .then_some(s.baseline_max_error),
            prometheus: None,
        }
    }

    /// The defaults `run` and `monitor` use (1 s probes, 2 s timeout, 60 s
    /// window, 10 s hold, the runbook's rules).
    pub fn for_urls(urls: Vec<String>) -> Self {
        MonitorConfig::new(
            urls,
            &super::ProbeSettings::default(),
            super::window::DEFAULT_WINDOW,
            &Settings::default(),
        )
    }

    pub fn settings(&self) -> Settings {
        Settings {
            error_rate_increase: self.error_rate_increase,
            latency_increase: self.latency_increase,
            latency_floor_ms: self.latency_floor_ms,
            hold: Duration::from_millis(self.hold_ms),
            log_errors_above: self.log_errors_above,
            significance: self
                .significance
                .unwrap_or(Settings::default().significance),
            baseline_max_error: self
                .baseline_max_error
                .unwrap_or(Settings::default().baseline_max_error),
        }
    }

    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms.max(1))
    }

    pub fn window(&self) -> Duration {
        Duration::from_millis(self.window_ms.max(1))
    }
}

/// One probe as journaled: `{ts, url, latency_ms, outcome, details?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSample {
    #[serde(flatten)]
    pub sample: Sample,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<HealthDetails>,
}

impl From<super::Probe> for ProbeSample {
    fn from(p: super::Probe) -> Self {
        ProbeSample {
            sample: p.sample,
            details: p.details,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_limit_is_journaled_only_when_given() {
        let plain = MonitorConfig::for_urls(vec!["http://127.0.0.1:9/health".into()]);
        let json = serde_json::to_string(&plain).unwrap();
        assert!(!json.contains("log_errors_above"), "{json}");
        let back: MonitorConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back.settings().log_errors_above, None);
        let s = Settings {
            log_errors_above: Some(12.0),
            ..Settings::default()
        };
        let given = MonitorConfig::new(
            plain.urls.clone(),
            &super::super::ProbeSettings::default(),
            super::super::window::DEFAULT_WINDOW,
            &s,
        );
        let json = serde_json::to_string(&given).unwrap();
        let back: MonitorConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back.settings(), s, "a replay judges with the same limit");
    }
}
