//! The error-rate criteria read from the access log: the share of 5xx of
//! the requests the log stream counted, weighed like the probe's failures
//! (k 5xx of n requests against the share at the pin), and the panel's text
//! saying where the number comes from.

use chrono::{DateTime, TimeDelta, Utc};

use super::baseline::{Baseline, BaselineSource, MAX_ERROR_RATE};
use super::criteria::*;
use super::source::Source;
use super::window::{Requests, Stats};

fn t(secs: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-30T02:00:00Z")
        .unwrap()
        .to_utc()
        + TimeDelta::seconds(secs)
}

/// A healthy probe window (0 of 60 failed) beside the access log's numbers.
fn stats(requests: Option<(usize, usize)>) -> Stats {
    Stats {
        samples: 60,
        ok: 60,
        error_rate: Some(0.0),
        p50: Some(40.0),
        p95: Some(40.0),
        p99: Some(40.0),
        log_stream: true,
        log_errors_per_min: Some(0.0),
        requests: requests.map(|(total, server_errors)| Requests {
            total,
            server_errors,
        }),
        throughput: requests.map(|(total, _)| total as f64 / 60.0),
        ..Stats::default()
    }
}

fn check(limit: Limit) -> Check {
    Check {
        limit: Some(limit),
        ..Check::default_error_rate(&Settings::default())
    }
}

fn judge(check: &Check, stats: &Stats, baseline: Option<&Baseline>) -> Verdict {
    let settings = Settings {
        hold: std::time::Duration::ZERO,
        ..Settings::default()
    };
    evaluate(
        check,
        &Verdict::initial(check),
        stats,
        baseline,
        &settings,
        t(60),
    )
}

#[test]
fn the_error_rate_is_the_access_logs_share_of_5xx() {
    let v = judge(&check(Limit::Above(5.0)), &stats(Some((300, 32))), None);
    assert_eq!(v.state, State::Firing, "{}", v.text);
    assert_eq!(v.text, "err 10.7% (access log) (> 5.0% limit)");
    // The probe's 0% is not what the panel reads.
    let v = judge(&check(Limit::Above(5.0)), &stats(Some((300, 3))), None);
    assert_eq!(v.state, State::Ok);
    assert_eq!(v.text, "err 1.0% (access log) (≤ 5.0% limit)");
    // No access line at all: the probe's, said without a source.
    let v = judge(&check(Limit::Above(5.0)), &stats(None), None);
    assert_eq!(v.text, "err 0.0% (≤ 5.0% limit)");
}

#[test]
fn a_relative_rule_weighs_the_requests_against_the_pin() {
    let baseline = Baseline::from_stats(
        &stats(Some((600, 3))),
        BaselineSource::Operator,
        t(0),
        MAX_ERROR_RATE,
    )
    .expect("a healthy window pins");
    assert_eq!(baseline.request_error_rate(), Some(0.5));
    assert_eq!(baseline.throughput, Some(10.0));
    let rule = check(Limit::IncreasePoints(5.0));
    // 30 of 300: +9.5 pp, and far too many for a 0.5% service.
    let v = judge(&rule, &stats(Some((300, 30))), Some(&baseline));
    assert_eq!(v.state, State::Firing, "{}", v.text);
    assert!(
        v.text
            .starts_with("err 10.0% (access log) vs 0.5% base (+9.5 pp > +5 pp, p<0.001"),
        "{}",
        v.text
    );
    // 1 of 12 is over +5 pp, but a quiet minute's bad luck.
    let v = judge(&rule, &stats(Some((12, 1))), Some(&baseline));
    assert_ne!(v.state, State::Firing, "{}", v.text);
    assert!(v.text.contains("not significant"), "{}", v.text);
}

#[test]
fn too_few_requests_or_a_pin_without_them_judge_nothing() {
    let v = judge(&check(Limit::Above(5.0)), &stats(Some((3, 3))), None);
    assert_eq!(v.state, State::NoData);
    assert_eq!(
        v.text,
        "err (access log) —, only 3 requests in the window (rule > 5.0%)"
    );
    let v = judge(&check(Limit::Above(5.0)), &stats(Some((0, 0))), None);
    assert_eq!(
        v.text,
        "err (access log) —, no request in the last minute (rule > 5.0%)"
    );
    // Pinned before the first access line.
    let before =
        Baseline::from_stats(&stats(None), BaselineSource::Auto, t(0), MAX_ERROR_RATE).unwrap();
    let v = judge(
        &check(Limit::IncreasePoints(5.0)),
        &stats(Some((300, 30))),
        Some(&before),
    );
    assert_eq!(v.state, State::Collecting);
    assert!(
        v.text.contains("baseline has no access-log count"),
        "{}",
        v.text
    );
}

#[test]
fn the_service_down_check_always_counts_probes() {
    let s = stats(Some((300, 300)));
    assert_eq!(source_of(&Check::service_down(), &s), Source::Probe);
    assert_eq!(source_of(&check(Limit::Above(5.0)), &s), Source::AccessLog);
    let v = judge(&Check::service_down(), &s, None);
    assert_eq!(v.state, State::Ok, "{}", v.text);
}
