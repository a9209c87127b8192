//! The baseline the criteria compare against: pinned from the window, or given.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::window::{Requests, Stats};

/// Fewer samples than this say too little about "normal" to judge against.
pub const MIN_SAMPLES: usize = 10;
/// A window failing more than this is no picture of "normal": pinned, it
/// would hide an outage (a dead service's 100% baseline never fires).
/// The default of `--baseline-max-error` (`[criteria] baseline_max_error`).
pub const MAX_ERROR_RATE: f64 = 20.0;
/// Latency needs successful probes to mean anything.
pub const MIN_SUCCESSES: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineSource {
    /// Pinned by the program: the deployment's first command, or `--baseline-for`.
    Auto,
    /// Pinned by the operator (`b`).
    Operator,
    /// From flags or config; no samples behind it.
    Given,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Percent.
    pub error_rate: f64,
    /// p95 of successful probes; `None` when every probe in the window failed.
    pub latency_ms: Option<f64>,
    /// p50 and p99, for rules that name them; absent in older journals.
    #[serde(default)]
    pub p50_ms: Option<f64>,
    #[serde(default)]
    pub p99_ms: Option<f64>,
    #[serde(default)]
    pub p90_ms: Option<f64>,
    /// Log error lines per minute at the pin; `None` without a log stream
    /// (or before its first count), and in journals older than the stream.
    #[serde(default)]
    pub log_errors_per_min: Option<f64>,
    /// The access log's requests and 5xx over the minute before the pin;
    /// `None` without access lines, and in journals older than them.
    #[serde(default)]
    pub requests: Option<Requests>,
    /// Requests per second at the pin, from the same access lines.
    #[serde(default)]
    pub throughput: Option<f64>,
    pub samples: usize,
    pub pinned_at: DateTime<Utc>,
    pub source: BaselineSource,
}

impl Baseline {
    /// The access log's share of 5xx at the pin, in percent.
    pub fn request_error_rate(&self) -> Option<f64> {
        self.requests.and_then(|r| r.error_rate())
    }

    pub fn given(error_rate: f64, latency_ms: f64, now: DateTime<Utc>) -> Baseline {
        Baseline {
            error_rate,
            latency_ms: Some(latency_ms),
            p50_ms: None,
            p99_ms: None,
            p90_ms: None,
            log_errors_per_min: None,
            requests: None,
            throughput: None,
            samples: 0,
            pinned_at: now,
            source: BaselineSource::Given,
        }
    }

    /// Why a window with enough samples still cannot be the baseline:
    /// failing more than `max_error_rate` percent, or too few successes.
    pub fn unhealthy(stats: &Stats, max_error_rate: f64) -> Option<String> {
        let w = Weighed::of(stats);
        if w.n < MIN_SAMPLES {
            return None;
        }
        if w.error_rate > max_error_rate {
            return Some(format!(
                "err {:.1}% over {} {} (above {}%)",
                w.error_rate,
                w.n,
                w.what,
                super::criteria::num(max_error_rate)
            ));
        }
        (w.ok < MIN_SUCCESSES).then(|| {
            format!(
                "{} of {} {} succeeded (fewer than {MIN_SUCCESSES})",
                w.ok, w.n, w.what
            )
        })
    }

    /// `None` until the window holds [`MIN_SAMPLES`] (probes, or requests
    /// in the access log when nothing is probed), and while it is
    /// [`Baseline::unhealthy`].
    pub fn from_stats(
        stats: &Stats,
        source: BaselineSource,
        now: DateTime<Utc>,
        max_error_rate: f64,
    ) -> Option<Baseline> {
        if Weighed::of(stats).n < MIN_SAMPLES
            || Baseline::unhealthy(stats, max_error_rate).is_some()
        {
            return None;
        }
        Some(Baseline {
            error_rate: stats.error_rate.unwrap_or(0.0),
            latency_ms: stats.p95,
            p50_ms: stats.p50,
            p99_ms: stats.p99,
            p90_ms: stats.p90,
            log_errors_per_min: stats.log_errors_per_min,
            requests: stats.requests,
            throughput: stats.throughput,
            samples: stats.samples,
            pinned_at: now,
            source,
        })
    }
}

/// What a pin weighs "normal" by: the probes (or Prometheus's readings);
/// with none, the access log's requests, each one an answer of the service
/// as a probe is, so the same [`MIN_SAMPLES`] and sanity limits apply.
struct Weighed {
    n: usize,
    ok: usize,
    error_rate: f64,
    what: &'static str,
}

impl Weighed {
    fn of(stats: &Stats) -> Weighed {
        match stats.requests.filter(|_| stats.samples == 0) {
            Some(r) => Weighed {
                n: r.total,
                ok: r.total - r.server_errors.min(r.total),
                error_rate: r.error_rate().unwrap_or(0.0),
                what: "requests",
            },
            None => Weighed {
                n: stats.samples,
                ok: stats.ok,
                error_rate: stats.error_rate.unwrap_or(0.0),
                what: "probes",
            },
        }
    }
}

/// How many a window holds to pin from, and of what: `(12, "probes")`.
pub fn pin_basis(stats: &Stats) -> (usize, &'static str) {
    let w = Weighed::of(stats);
    (w.n, w.what)
}

/// The baseline and a pin asked for but not yet possible. Pure: the caller
/// journals whatever `Some(Baseline)` these methods return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pin {
    pub baseline: Option<Baseline>,
    pub requested: Option<(BaselineSource, DateTime<Utc>)>,
    /// When the baseline was asked for, if it could only be pinned later
    /// (at the 10th sample): its window then holds what came after the ask,
    /// a deployment's first minutes included, and the screen says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked_at: Option<DateTime<Utc>>,
    /// The sanity limit a window's error rate must be under to be pinned
    /// (percent; the settings' `baseline_max_error`).
    #[serde(default = "default_max_error_rate")]
    pub max_error_rate: f64,
}

fn default_max_error_rate() -> f64 {
    MAX_ERROR_RATE
}

impl Default for Pin {
    fn default() -> Self {
        Pin {
            baseline: None,
            requested: None,
            asked_at: None,
            max_error_rate: MAX_ERROR_RATE,
        }
    }
}

impl Pin {
    pub fn with_given(baseline: Baseline) -> Pin {
        Pin {
            baseline: Some(baseline),
            ..Pin::default()
        }
    }

    /// Asks for a pin now. An automatic pin never replaces an existing
    /// baseline (the operator's or a given one wins); the operator's always
    /// does. Returns the new baseline if it could be pinned at once.
    pub fn request(
        &mut self,
        source: BaselineSource,
        now: DateTime<Utc>,
        stats: &Stats,
    ) -> Option<Baseline> {
        if source == BaselineSource::Auto && self.baseline.is_some() {
            return None;
        }
        self.requested = Some((source, now));
        self.poll(now, stats)
    }

    /// Completes a pending request once the window holds enough samples;
    /// call it after every sample.
    pub fn poll(&mut self, now: DateTime<Utc>, stats: &Stats) -> Option<Baseline> {
        let (source, asked) = self.requested?;
        let baseline = Baseline::from_stats(stats, source, now, self.max_error_rate)?;
        self.requested = None;
        self.asked_at = (now > asked).then_some(asked);
        self.baseline = Some(baseline.clone());
        Some(baseline)
    }

    /// "collecting" until a baseline exists.
    pub fn is_collecting(&self) -> bool {
        self.baseline.is_none()
    }

    /// A pin was asked for, but the service is failing: why it waits.
    pub fn unhealthy(&self, stats: &Stats) -> Option<String> {
        if self.baseline.is_some() || self.requested.is_none() {
            return None;
        }
        Baseline::unhealthy(stats, self.max_error_rate)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T03:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn stats(samples: usize, failures: usize, p95: f64) -> Stats {
        Stats {
            samples,
            failures,
            ok: samples - failures,
            error_rate: Some(failures as f64 * 100.0 / samples as f64),
            p50: Some(p95 / 2.0),
            p95: Some(p95),
            p99: Some(p95 * 1.2),
            ..Stats::default()
        }
    }

    #[test]
    fn an_early_pin_waits_for_the_tenth_sample() {
        let mut pin = Pin::default();
        assert_eq!(
            pin.request(BaselineSource::Auto, now(), &stats(9, 0, 80.0)),
            None
        );
        assert!(pin.is_collecting());
        let later = now() + TimeDelta::seconds(1);
        let b = pin.poll(later, &stats(10, 1, 90.0)).unwrap();
        assert_eq!(
            (b.error_rate, b.latency_ms, b.samples),
            (10.0, Some(90.0), 10)
        );
        assert_eq!((b.pinned_at, b.source), (later, BaselineSource::Auto));
        assert_eq!(pin.poll(later, &stats(11, 1, 90.0)), None, "pins once");
    }

    #[test]
    fn a_failing_window_is_never_pinned_as_normal() {
        let mut pin = Pin::default();
        // A dead service: every probe fails.
        assert_eq!(
            pin.request(BaselineSource::Auto, now(), &stats(45, 45, 0.0)),
            None
        );
        assert_eq!(
            pin.unhealthy(&stats(45, 45, 0.0)).as_deref(),
            Some("err 100.0% over 45 probes (above 20%)")
        );
        // 3 stray failures in 60 are normal enough; 25% is not.
        assert!(Baseline::unhealthy(&stats(60, 3, 80.0), MAX_ERROR_RATE).is_none());
        assert!(Baseline::unhealthy(&stats(60, 15, 80.0), MAX_ERROR_RATE).is_some());
        // A service whose normal is 25% failures may say so.
        assert!(Baseline::unhealthy(&stats(60, 15, 80.0), 30.0).is_none());
        let strict = Pin {
            max_error_rate: 2.5,
            ..Pin::default()
        };
        assert_eq!(
            strict.unhealthy(&stats(60, 3, 80.0)).as_deref(),
            None,
            "nothing requested yet"
        );
        assert_eq!(
            Baseline::unhealthy(&stats(60, 3, 80.0), 2.5).as_deref(),
            Some("err 5.0% over 60 probes (above 2.5%)")
        );
        // It pins once the service is healthy.
        let later = now() + TimeDelta::seconds(30);
        let b = pin.poll(later, &stats(60, 2, 85.0)).unwrap();
        assert_eq!(b.samples, 60);
        assert_eq!(pin.unhealthy(&stats(60, 60, 0.0)), None, "pinned already");
    }

    #[test]
    fn the_log_rate_is_pinned_with_the_rest_and_optional_in_old_state() {
        let with_logs = Stats {
            log_errors_per_min: Some(3.0),
            log_stream: true,
            ..stats(10, 0, 50.0)
        };
        let b = Baseline::from_stats(&with_logs, BaselineSource::Operator, now(), MAX_ERROR_RATE)
            .unwrap();
        assert_eq!(b.log_errors_per_min, Some(3.0));
        let b = Baseline::from_stats(
            &stats(10, 0, 50.0),
            BaselineSource::Auto,
            now(),
            MAX_ERROR_RATE,
        )
        .unwrap();
        assert_eq!(b.log_errors_per_min, None);
        assert_eq!(Baseline::given(0.5, 120.0, now()).log_errors_per_min, None);
        let old: Baseline = serde_json::from_str(
            r#"{"error_rate":0.5,"latency_ms":120.0,"samples":0,"pinned_at":"2026-11-24T03:00:00Z","source":"given"}"#,
        )
        .unwrap();
        assert_eq!(old, Baseline::given(0.5, 120.0, now()));
    }

    #[test]
    fn an_access_log_alone_pins_from_its_requests() {
        let requests = |total, server_errors| Stats {
            requests: Some(Requests {
                total,
                server_errors,
            }),
            throughput: Some(total as f64 / 5.0),
            log_stream: true,
            ..Stats::default()
        };
        let mut pin = Pin::default();
        assert_eq!(
            pin.request(BaselineSource::Auto, now(), &requests(9, 0)),
            None
        );
        assert_eq!(
            Baseline::unhealthy(&requests(40, 12), MAX_ERROR_RATE).as_deref(),
            Some("err 30.0% over 40 requests (above 20%)")
        );
        assert_eq!(pin.poll(now(), &requests(40, 12)), None);
        let b = pin.poll(now(), &requests(50, 1)).unwrap();
        assert_eq!(b.request_error_rate(), Some(2.0));
        assert_eq!((b.throughput, b.samples), (Some(10.0), 0));
        // With probes, the probes decide: requests do not stand in for them.
        let probed = Stats {
            requests: Some(Requests {
                total: 500,
                server_errors: 0,
            }),
            ..stats(3, 0, 10.0)
        };
        assert_eq!(
            Baseline::from_stats(&probed, BaselineSource::Auto, now(), MAX_ERROR_RATE),
            None
        );
        assert_eq!(pin_basis(&probed), (3, "probes"));
    }

    #[test]
    fn auto_never_replaces_but_operator_does() {
        let mut pin = Pin::with_given(Baseline::given(0.5, 120.0, now()));
        assert_eq!(
            pin.request(BaselineSource::Auto, now(), &stats(50, 0, 10.0)),
            None
        );
        assert_eq!(pin.baseline.as_ref().unwrap().source, BaselineSource::Given);
        let b = pin
            .request(BaselineSource::Operator, now(), &stats(50, 0, 10.0))
            .unwrap();
        assert_eq!(
            (b.source, b.latency_ms),
            (BaselineSource::Operator, Some(10.0))
        );
    }
}
