//! The rollback-criteria engine. Pure: every function takes the time it
//! judges at (`now`) and never reads a clock, so the cockpit's fold over the
//! journal and the tests get the same verdicts as the live loop.
//!
//! Each automatic criterion is a small state machine, like a Prometheus
//! alert with `for:`: collecting -> ok -> pending -> firing, and a firing
//! criterion resolves (back to ok) after it has been below its limit for the
//! same hold time. A relative error-rate rule also weighs the evidence (see
//! [`Evidence`]): a breach must be unlikely at the baseline's rate, and a
//! recovery unlikely at the limit's.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::baseline::Baseline;
use super::source::Source;
use super::window::{RecentFailures, Stats, percent};
use crate::domain::runbook::{Criterion, CriterionKind, Rule, Unit};

pub const DEFAULT_ERROR_RATE_INCREASE: f64 = 5.0;
pub const DEFAULT_LATENCY_INCREASE: f64 = 50.0;
pub const DEFAULT_LATENCY_FLOOR_MS: f64 = 20.0;
pub const DEFAULT_HOLD: Duration = Duration::from_secs(10);
/// Only for a log criterion that somehow lacks a number: TERP's monitoring
/// plan alerts at "more than 10 errors per minute in logs".
pub const DEFAULT_LOG_ERRORS_ABOVE: f64 = 10.0;
/// The error rate of a service that answers no probe at all (one success
/// in the window is not "down": that is the relative rules' business).
pub const SERVICE_DOWN_ABOVE: f64 = 99.0;
/// Fewer probes than this in the window say nothing about a rate or a
/// percentile: the criterion has no data rather than an "ok" it could not
/// measure (one healthy probe is not a 0% error rate).
pub const MIN_JUDGED_SAMPLES: usize = 5;
/// A relative error-rate breach must also be this unlikely under the
/// baseline's rate: three stray failures in a short window are over +5 pp
/// but happen by chance, and a panel that cries wolf stops being read.
pub const DEFAULT_SIGNIFICANCE: f64 = 0.01;
/// Only for a throughput criterion that somehow lacks a number: traffic
/// halved is the usual "something upstream broke" line.
pub const DEFAULT_THROUGHPUT_DECREASE: f64 = 50.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ErrorRate,
    Latency,
    /// Error lines per minute in the application's log stream.
    LogErrors,
    /// Requests per second, counted from an access log.
    Throughput,
    Manual,
}

/// The limit of an automatic criterion, in the metric's own unit (percent
/// for error rate, ms for latency, error lines per minute for log errors).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// Above baseline by this much: percentage points, ms, or errors per minute.
    IncreasePoints(f64),
    /// Above baseline by this percentage of the baseline.
    IncreasePercent(f64),
    /// Above this absolute value; needs no baseline.
    Above(f64),
    /// Below baseline by this percentage of the baseline (throughput).
    DecreasePercent(f64),
}

impl Limit {
    /// Where the limit stands for a baseline of `base`: an absolute one is
    /// its own value. `floor` is the least rise a relative percentage
    /// counts (latency's, so that 2 ms over a 3 ms baseline is no breach).
    pub fn at(self, base: f64, floor: f64) -> f64 {
        match self {
            Limit::IncreasePoints(n) => base + n,
            Limit::IncreasePercent(n) => (base * (1.0 + n / 100.0)).max(base + floor),
            Limit::Above(n) => n,
            Limit::DecreasePercent(n) => base * (1.0 - n / 100.0),
        }
    }

    /// The rule's name as `check --json` and `monitor --json` write it.
    pub fn rule_name(self) -> &'static str {
        match self {
            Limit::IncreasePoints(_) => "increase_points",
            Limit::IncreasePercent(_) => "increase_percent",
            Limit::Above(_) => "above",
            Limit::DecreasePercent(_) => "decrease_percent",
        }
    }
}

/// A criterion as the engine applies it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub kind: Kind,
    /// `None` for manual criteria.
    pub limit: Option<Limit>,
    /// The runbook's wording, or a description of the default.
    pub text: String,
    pub line: Option<usize>,
    /// Its own hold ("for 5 minutes"); `None` takes the settings' `--for`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<Duration>,
    /// Which latency percentile it judges; `None` is p95.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentile: Option<u8>,
}

/// Operator overrides; `None` keeps the runbook's value (else the default).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub error_rate_increase: Option<f64>,
    pub latency_increase: Option<f64>,
    /// A relative latency breach also needs at least this absolute increase,
    /// so that a 1 ms loopback baseline does not flap.
    pub latency_floor_ms: f64,
    /// How long a breach must hold before firing, and a recovery before resolving.
    pub hold: Duration,
    /// Fire above this many log error lines per minute: replaces the
    /// runbook's absolute log limit, or adds one.
    #[serde(default)]
    pub log_errors_above: Option<f64>,
    /// The p-value under which a relative error-rate breach counts.
    #[serde(default = "default_significance")]
    pub significance: f64,
    /// A window failing more than this percentage is never pinned as the
    /// baseline (see [`super::baseline::MAX_ERROR_RATE`]).
    #[serde(default = "default_baseline_max_error")]
    pub baseline_max_error: f64,
}

/// A significance is a probability a breach may still be chance: 0 would
/// never fire, and above 0.5 a coin toss would.
pub fn check_significance(p: f64) -> Result<f64, String> {
    if p.is_finite() && p > 0.0 && p <= 0.5 {
        Ok(p)
    } else {
        Err(format!("{p} must be above 0 and at most 0.5 (e.g. 0.01)"))
    }
}

/// A baseline's error-rate limit is a percentage: 0 would pin nothing.
pub fn check_baseline_max_error(pct: f64) -> Result<f64, String> {
    if pct.is_finite() && pct > 0.0 && pct <= 100.0 {
        Ok(pct)
    } else {
        Err(format!(
            "{pct} must be a percentage above 0 and at most 100"
        ))
    }
}

fn default_significance() -> f64 {
    DEFAULT_SIGNIFICANCE
}

fn default_baseline_max_error() -> f64 {
    super::baseline::MAX_ERROR_RATE
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            error_rate_increase: None,
            latency_increase: None,
            latency_floor_ms: DEFAULT_LATENCY_FLOOR_MS,
            hold: DEFAULT_HOLD,
            log_errors_above: None,
            significance: DEFAULT_SIGNIFICANCE,
            baseline_max_error: super::baseline::MAX_ERROR_RATE,
        }
    }
}

impl Check {
    pub fn default_error_rate(settings: &Settings) -> Check {
        let n = settings
            .error_rate_increase
            .unwrap_or(DEFAULT_ERROR_RATE_INCREASE);
        Check {
            kind: Kind::ErrorRate,
            limit: Some(Limit::IncreasePoints(n)),
            text: format!("Error rate > {}% above baseline", num(n)),
            line: None,
            hold: None,
            percentile: None,
        }
    }

    pub fn default_latency(settings: &Settings) -> Check {
        let n = settings
            .latency_increase
            .unwrap_or(DEFAULT_LATENCY_INCREASE);
        Check {
            kind: Kind::Latency,
            limit: Some(Limit::IncreasePercent(n)),
            text: format!("Latency (p95) > {}% above baseline", num(n)),
            line: None,
            hold: None,
            percentile: None,
        }
    }

    /// Every probe failing: judged with no baseline, so a service that was
    /// down from the start (its baseline never pinned) still turns the
    /// panel red instead of "collecting" forever.
    pub fn service_down() -> Check {
        Check {
            kind: Kind::ErrorRate,
            limit: Some(Limit::Above(SERVICE_DOWN_ABOVE)),
            text: "Service down (every probe failing)".to_string(),
            line: None,
            hold: None,
            percentile: None,
        }
    }

    /// `--log-errors-above N` when the runbook has no absolute log rule.
    pub fn log_errors_above(n: f64) -> Check {
        Check {
            kind: Kind::LogErrors,
            limit: Some(Limit::Above(n)),
            text: format!("Log errors > {}/min", num(n)),
            line: None,
            hold: None,
            percentile: None,
        }
    }
}

/// The runbook's criteria as checks, with the overrides applied. Without
/// automatic criteria in the runbook the defaults apply (error +5 pp, latency
/// +50%); an override given for a rule the runbook lacks adds that rule.
/// A log criterion does not stand in for the probe's: a runbook whose only
/// rule counts log errors still gets the default error and latency rules.
pub fn checks(criteria: &[Criterion], settings: &Settings) -> Vec<Check> {
    let mut out: Vec<Check> = criteria.iter().map(|c| check(c, settings)).collect();
    let has = |out: &[Check], kind: Kind| out.iter().any(|c| c.kind == kind);
    let auto = has(&out, Kind::ErrorRate) || has(&out, Kind::Latency);
    let log_above = settings
        .log_errors_above
        .filter(|_| !has_absolute(&out, Kind::LogErrors));
    if !auto || (settings.error_rate_increase.is_some() && !has_relative(&out, Kind::ErrorRate)) {
        out.push(Check::default_error_rate(settings));
    }
    if !auto || (settings.latency_increase.is_some() && !has_relative(&out, Kind::Latency)) {
        out.push(Check::default_latency(settings));
    }
    if let Some(n) = log_above {
        out.push(Check::log_errors_above(n));
    }
    out
}

/// The service-down check while it says nothing the error-rate line does
/// not: the panel leaves it out (and its cursor skips it) until it breaches.
pub fn is_quiet_service_down(check: &Check, verdict: &Verdict) -> bool {
    *check == Check::service_down() && !matches!(verdict.state, State::Pending | State::Firing)
}

/// The cockpit's checks: [`checks`] and a service-down check, unless the
/// runbook's own absolute error limit already catches an outage. `monitor`
/// has none: a service never healthy there is "inconclusive" (exit 4).
pub fn with_service_down(mut checks: Vec<Check>) -> Vec<Check> {
    if !has_absolute(&checks, Kind::ErrorRate) {
        checks.push(Check::service_down());
    }
    checks
}

fn has_absolute(checks: &[Check], kind: Kind) -> bool {
    checks
        .iter()
        .any(|c| c.kind == kind && matches!(c.limit, Some(Limit::Above(_))))
}

fn has_relative(checks: &[Check], kind: Kind) -> bool {
    checks.iter().any(|c| {
        c.kind == kind
            && matches!(
                c.limit,
                Some(Limit::IncreasePoints(_) | Limit::IncreasePercent(_))
            )
    })
}

fn check(c: &Criterion, settings: &Settings) -> Check {
    let (kind, limit) = match c.kind {
        CriterionKind::Manual => (Kind::Manual, None),
        CriterionKind::ErrorRate => {
            let limit = match (c.rule, c.threshold) {
                (Some(Rule::Above), Some(t)) => Limit::Above(t),
                (Some(Rule::IncreasePercent), Some(t)) => Limit::IncreasePercent(t),
                (_, t) => Limit::IncreasePoints(
                    settings
                        .error_rate_increase
                        .or(t)
                        .unwrap_or(DEFAULT_ERROR_RATE_INCREASE),
                ),
            };
            (Kind::ErrorRate, Some(limit))
        }
        CriterionKind::Latency => {
            let limit = match (c.rule, c.threshold, c.unit) {
                // "latency above 50%" can only mean relative to the baseline.
                (Some(Rule::Above), Some(t), Some(Unit::Millis) | None) => Limit::Above(t),
                (Some(Rule::IncreasePoints), Some(t), _) => Limit::IncreasePoints(t),
                (_, t, _) => Limit::IncreasePercent(
                    settings
                        .latency_increase
                        .or(t)
                        .unwrap_or(DEFAULT_LATENCY_INCREASE),
                ),
            };
            (Kind::Latency, Some(limit))
        }
        CriterionKind::Throughput => (
            Kind::Throughput,
            Some(Limit::DecreasePercent(
                c.threshold.unwrap_or(DEFAULT_THROUGHPUT_DECREASE),
            )),
        ),
        CriterionKind::LogErrors => {
            let limit = match (c.rule, c.threshold) {
                (Some(Rule::IncreasePercent), Some(t)) => Limit::IncreasePercent(t),
                (Some(Rule::IncreasePoints), Some(t)) => Limit::IncreasePoints(t),
                (_, t) => Limit::Above(
                    settings
                        .log_errors_above
                        .or(t)
                        .unwrap_or(DEFAULT_LOG_ERRORS_ABOVE),
                ),
            };
            (Kind::LogErrors, Some(limit))
        }
    };
    Check {
        kind,
        limit,
        text: c.text.clone(),
        line: Some(c.line),
        hold: c.for_s.map(Duration::from_secs),
        percentile: c.percentile,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Ok,
    /// Nothing here measures its metric (throughput or log errors without
    /// a log stream): the operator's call, said so, never "ok". Ranked
    /// under "collecting": a source never configured must not hold a
    /// session's verdict at "no data" for good.
    NoSource,
    /// Not armed: a relative rule waits for its baseline.
    Collecting,
    /// Too few samples in the window to judge (or none at all): never "ok".
    NoData,
    Pending,
    Firing,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::NoSource => "no_source",
            State::Collecting => "collecting",
            State::NoData => "no_data",
            State::Pending => "pending",
            State::Firing => "firing",
        }
    }
}

/// One criterion's judgement at one moment: data the cockpit's `State` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub kind: Kind,
    pub state: State,
    /// The metric now (percent, ms, or log errors per minute).
    pub value: Option<f64>,
    /// The value above which it breaches (in the same unit).
    pub limit: Option<f64>,
    /// Numbers and rule, e.g. `err 7.2% vs 0.4% base (+6.8 pp > +5 pp)`.
    pub text: String,
    /// When it entered `state` (for pending: when the breach began).
    pub since: Option<DateTime<Utc>>,
    /// While firing: since when it has been back under its limit.
    pub clear_since: Option<DateTime<Utc>>,
    pub fired_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// A relative error-rate rule's evidence: how likely this many failures
    /// in the window would be at the baseline's rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
}

impl Verdict {
    pub fn initial(check: &Check) -> Verdict {
        let (state, text) = match check.kind {
            Kind::Manual => (State::Ok, format!("manual: {}", check.text)),
            _ => (State::Collecting, "collecting".to_string()),
        };
        Verdict {
            kind: check.kind,
            state,
            value: None,
            limit: None,
            text,
            since: None,
            clear_since: None,
            fired_at: None,
            resolved_at: None,
            p_value: None,
        }
    }
}

/// What the numbers say, before the hold time is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Condition {
    /// Measured, but a relative rule has no baseline to compare with.
    Unknown,
    /// Nothing (or too little) measured.
    NoData,
    /// Nothing configured to measure it.
    NoSource,
    Clear,
    /// A relative error rate that is no breach (under its limit, or not
    /// significant) but no sign of recovery either: a pending or firing
    /// criterion stays so. A bad version at 9% against +5 pp reads 3-9% in a
    /// minute's window; judged on the limit alone it would resolve and fire
    /// again with the noise.
    Elevated,
    Breach,
}

struct Reading {
    condition: Condition,
    value: Option<f64>,
    limit: Option<f64>,
    text: String,
    p_value: Option<f64>,
    /// When the breach began, when that is earlier than now.
    onset: Option<DateTime<Utc>>,
}

/// Judges one automatic criterion at `now`. Manual criteria keep their state
/// (see [`toggle_manual`]).
pub fn evaluate(
    check: &Check,
    prev: &Verdict,
    stats: &Stats,
    baseline: Option<&Baseline>,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Verdict {
    let Some(limit) = check.limit.filter(|_| check.kind != Kind::Manual) else {
        return prev.clone();
    };
    let r = read(
        check.kind,
        check.percentile,
        source_of(check, stats),
        limit,
        stats,
        baseline,
        settings,
    );
    let hold = TimeDelta::from_std(check.hold.unwrap_or(settings.hold)).unwrap_or(TimeDelta::MAX);
    let mut v = Verdict {
        value: r.value,
        limit: r.limit,
        text: r.text,
        p_value: r.p_value,
        ..prev.clone()
    };
    let enter = |v: &mut Verdict, state: State| {
        if v.state != state {
            v.state = state;
            v.since = Some(now);
        }
    };
    match (prev.state, r.condition) {
        // A firing criterion stays firing while the data is missing: losing
        // the numbers is no sign of recovery.
        (State::Firing, Condition::Unknown | Condition::NoData | Condition::NoSource) => {}
        (State::Firing, Condition::Breach | Condition::Elevated) => v.clear_since = None,
        (State::Firing, Condition::Clear) => {
            let clear_since = prev.clear_since.unwrap_or(now);
            if now - clear_since >= hold {
                enter(&mut v, State::Ok);
                v.clear_since = None;
                v.resolved_at = Some(now);
            } else {
                v.clear_since = Some(clear_since);
            }
        }
        (State::Pending, Condition::Breach) => {
            let since = prev.since.unwrap_or(now).min(r.onset.unwrap_or(now));
            v.since = Some(since);
            if now - since >= hold {
                fire(&mut v, now);
            }
        }
        // Neither a breach nor a recovery: the hold goes on, and it fires
        // at the next breach once the hold has passed.
        (State::Pending, Condition::Elevated) => {}
        // Dated from its onset, a breach the sequential test saw late has
        // held already.
        (_, Condition::Breach) if now - r.onset.unwrap_or(now).min(now) >= hold => {
            fire(&mut v, now)
        }
        (_, Condition::Breach) => {
            v.state = State::Pending;
            v.since = Some(r.onset.unwrap_or(now).min(now));
        }
        (_, Condition::Clear | Condition::Elevated) => enter(&mut v, State::Ok),
        (_, Condition::Unknown) => enter(&mut v, State::Collecting),
        (_, Condition::NoData) => enter(&mut v, State::NoData),
        (_, Condition::NoSource) => enter(&mut v, State::NoSource),
    }
    v
}

fn fire(v: &mut Verdict, now: DateTime<Utc>) {
    v.state = State::Firing;
    v.since = Some(now);
    v.fired_at = Some(now);
    v.clear_since = None;
}

/// The operator's toggle of a manual criterion: fires at once, or clears.
pub fn toggle_manual(prev: &Verdict, now: DateTime<Utc>) -> Verdict {
    let mut v = prev.clone();
    if prev.kind != Kind::Manual {
        return v;
    }
    v.since = Some(now);
    if prev.state == State::Firing {
        v.state = State::Ok;
        v.resolved_at = Some(now);
    } else {
        v.state = State::Firing;
        v.fired_at = Some(now);
    }
    v
}

/// Where a check's number comes from now: an error rate from the access
/// log once the log stream has shown access lines, else from the probe.
/// The service-down check always counts probes: it is about the endpoint
/// answering at all.
pub fn source_of(check: &Check, stats: &Stats) -> Source {
    match check.kind {
        Kind::ErrorRate if *check != Check::service_down() => stats.error_source(),
        Kind::Latency | Kind::Throughput if stats.source == Source::Prometheus => {
            Source::Prometheus
        }
        // Probes are not traffic: only counted requests tell a throughput.
        Kind::Throughput => Source::AccessLog,
        _ => Source::Probe,
    }
}

/// The worst state among the criteria: firing > pending > no data >
/// collecting > ok.
pub fn overall<'a>(verdicts: impl IntoIterator<Item = &'a Verdict>) -> State {
    verdicts
        .into_iter()
        .map(|v| v.state)
        .max()
        .unwrap_or(State::Collecting)
}

/// One metric as [`read`] sees it: its name on screen, its value now and at
/// the baseline, and how its numbers are written.
struct Metric {
    name: &'static str,
    current: Option<f64>,
    base: Option<f64>,
    /// A measured value: `7.2%`, `412 ms`, `14/min`.
    fmt: fn(f64) -> String,
    /// A configured limit or step, as the operator wrote it: `5.0%`, `300 ms`, `10/min`.
    limit: fn(f64) -> String,
    /// A difference from the baseline, unsigned: `6.8 pp`, `14 ms`, `2/min`.
    delta: fn(f64) -> String,
}

impl Metric {
    fn of(
        kind: Kind,
        percentile: Option<u8>,
        source: Source,
        stats: &Stats,
        baseline: Option<&Baseline>,
    ) -> Metric {
        match kind {
            Kind::ErrorRate if source == Source::AccessLog => Metric {
                name: "err",
                current: stats.requests.and_then(|r| r.error_rate()),
                base: baseline.and_then(Baseline::request_error_rate),
                fmt: pct,
                limit: pct,
                delta: |d| format!("{d:.1} pp"),
            },
            Kind::Latency => {
                let (name, current, base) = match percentile {
                    Some(50) => ("p50", stats.p50, baseline.and_then(|b| b.p50_ms)),
                    Some(90) => ("p90", stats.p90, baseline.and_then(|b| b.p90_ms)),
                    Some(99) => ("p99", stats.p99, baseline.and_then(|b| b.p99_ms)),
                    _ => ("p95", stats.p95, baseline.and_then(|b| b.latency_ms)),
                };
                Metric {
                    name,
                    current,
                    base,
                    fmt: ms,
                    limit: ms,
                    delta: ms,
                }
            }
            Kind::LogErrors => Metric {
                name: "log",
                current: stats.log_errors_per_min,
                base: baseline.and_then(|b| b.log_errors_per_min),
                fmt: per_min,
                limit: |n| format!("{}/min", num(n)),
                delta: per_min,
            },
            Kind::Throughput => Metric {
                name: "throughput",
                current: stats.throughput,
                base: baseline.and_then(|b| b.throughput),
                fmt: per_sec,
                limit: per_sec,
                delta: per_sec,
            },
            Kind::ErrorRate | Kind::Manual => Metric {
                name: "err",
                current: stats.error_rate,
                base: baseline.map(|b| b.error_rate),
                fmt: pct,
                limit: pct,
                delta: |d| format!("{d:.1} pp"),
            },
        }
    }
}

fn read(
    kind: Kind,
    percentile: Option<u8>,
    source: Source,
    limit: Limit,
    stats: &Stats,
    baseline: Option<&Baseline>,
    settings: &Settings,
) -> Reading {
    let Metric {
        name,
        current,
        base,
        fmt,
        limit: fmt_limit,
        delta: fmt_delta,
    } = Metric::of(kind, percentile, source, stats, baseline);
    let access = source == Source::AccessLog;
    // The panel says where a number other than the probe's comes from.
    let from = match source {
        Source::Probe => String::new(),
        other => format!(" ({})", other.label()),
    };
    let rule = rule_text(kind, limit);
    let Some(cur) = current else {
        // The rule is moot until there is a stream: say how to start one.
        if let Some(text) =
            missing_source(kind, stats.log_stream).filter(|_| source != Source::Prometheus)
        {
            return Reading {
                condition: Condition::NoSource,
                ..no_data(text)
            };
        }
        let why = match kind {
            Kind::LogErrors => "no count yet",
            _ if source == Source::Prometheus => "no data from prometheus",
            Kind::Throughput => "no access lines counted yet",
            _ if access => "no request in the last minute",
            Kind::Latency if stats.samples > 0 => "no successful probe in the window",
            _ => "no samples yet",
        };
        // "no data from prometheus" names its source already.
        let from = if source == Source::Prometheus {
            ""
        } else {
            &from
        };
        return no_data(format!("{name}{from} —, {why} ({rule})"));
    };
    let (judged, what) = match source {
        Source::AccessLog => (stats.requests.map_or(0, |r| r.total), "request"),
        Source::Prometheus => (stats.samples, "reading"),
        Source::Probe => (stats.samples, "probe"),
    };
    // Throughput is judged however few requests came: few is its signal.
    if !matches!(kind, Kind::LogErrors | Kind::Throughput) && judged < MIN_JUDGED_SAMPLES {
        // No figure: a rate over two probes would read as a measurement.
        return no_data(format!(
            "{name}{from} —, only {} in the window ({rule})",
            crate::domain::words::count(judged, what)
        ));
    }
    let shown = format!("{}{from}", fmt(cur));
    match limit {
        Limit::Above(n) => {
            let breach = cur > n;
            Reading {
                condition: if breach {
                    Condition::Breach
                } else {
                    Condition::Clear
                },
                value: Some(cur),
                limit: Some(n),
                text: format!("{name} {shown} ({} {} limit)", cmp(breach), fmt_limit(n)),
                p_value: None,
                onset: None,
            }
        }
        _ if base.is_none() => {
            let why = match (baseline, kind) {
                (None, _) => "collecting baseline",
                // Pinned before the log stream had counted anything.
                (Some(_), Kind::LogErrors) => "baseline has no log count",
                (Some(_), Kind::Throughput) => "baseline has no throughput",
                // Pinned before the stream showed an access line.
                (Some(_), _) if access => "baseline has no access-log count",
                (Some(_), _) => "baseline has no successful probe",
            };
            Reading {
                condition: Condition::Unknown,
                value: Some(cur),
                limit: None,
                text: format!("{name} {shown}, {why} ({rule})"),
                p_value: None,
                onset: None,
            }
        }
        Limit::IncreasePoints(n) => {
            let base = base.unwrap_or_default();
            let delta = cur - base;
            let over = delta > n;
            let evidence = Evidence::of(
                kind,
                source,
                stats,
                baseline,
                base + n,
                settings.significance,
            );
            Reading {
                condition: Evidence::condition(over, evidence),
                value: Some(cur),
                limit: Some(base + n),
                text: format!(
                    "{name} {shown} vs {} base ({}{} {} +{}{})",
                    fmt(base),
                    sign(delta),
                    fmt_delta(delta.abs()),
                    cmp(over),
                    step(kind, n),
                    Evidence::text(evidence, over)
                ),
                p_value: Evidence::p_value(evidence, over),
                onset: Evidence::onset(evidence),
            }
        }
        Limit::IncreasePercent(n) => {
            let base = base.unwrap_or_default();
            let rel = relative(cur, base);
            let over = cur > base * (1.0 + n / 100.0);
            let floor = if kind == Kind::Latency {
                settings.latency_floor_ms
            } else {
                0.0
            };
            let above_floor = cur - base >= floor;
            let at_limit = Limit::IncreasePercent(n).at(base, floor);
            let evidence = Evidence::of(
                kind,
                source,
                stats,
                baseline,
                at_limit,
                settings.significance,
            );
            let breach = over && above_floor;
            let mut text = format!(
                "{name} {shown} vs {} base ({}% {} +{}%",
                fmt(base),
                signed_percent(rel),
                cmp(over),
                num(n)
            );
            if over && !above_floor {
                text.push_str(&format!(", but +{} < {} floor", ms(cur - base), ms(floor)));
            }
            text.push_str(&Evidence::text(evidence, over));
            text.push(')');
            Reading {
                condition: Evidence::condition(breach, evidence),
                value: Some(cur),
                limit: Some(at_limit),
                text,
                p_value: Evidence::p_value(evidence, over),
                onset: Evidence::onset(evidence),
            }
        }
        Limit::DecreasePercent(n) => {
            let base = base.unwrap_or_default();
            let at_limit = Limit::DecreasePercent(n).at(base, 0.0);
            let breach = cur < at_limit;
            Reading {
                condition: if breach {
                    Condition::Breach
                } else {
                    Condition::Clear
                },
                value: Some(cur),
                limit: Some(at_limit),
                text: format!(
                    "{name} {shown} vs {} base ({}% {} -{}%)",
                    fmt(base),
                    signed_percent(relative(cur, base)),
                    if breach { "<" } else { "≥" },
                    num(n)
                ),
                p_value: None,
                onset: None,
            }
        }
    }
}

/// `throughput: no source, add --logs`: a criterion whose metric only a
/// log stream counts, while none runs. The panel, `check` and the engine
/// say it alike.
pub fn missing_source(kind: Kind, log_stream: bool) -> Option<String> {
    let name = match kind {
        Kind::Throughput => "throughput",
        Kind::LogErrors => "log errors",
        Kind::ErrorRate | Kind::Latency | Kind::Manual => return None,
    };
    (!log_stream).then(|| format!("{name}: no source, add --logs"))
}

impl From<CriterionKind> for Kind {
    fn from(k: CriterionKind) -> Kind {
        match k {
            CriterionKind::ErrorRate => Kind::ErrorRate,
            CriterionKind::Latency => Kind::Latency,
            CriterionKind::LogErrors => Kind::LogErrors,
            CriterionKind::Throughput => Kind::Throughput,
            CriterionKind::Manual => Kind::Manual,
        }
    }
}

fn no_data(text: String) -> Reading {
    Reading {
        condition: Condition::NoData,
        value: None,
        limit: None,
        text,
        p_value: None,
        onset: None,
    }
}

/// Whether the window's failures could be the baseline's rate having a bad
/// minute: a one-sided binomial test of the window against the baseline,
/// and beside it a sequential one (see [`Sequential`]) that sees a step in
/// a few failures where the window's rate is still diluted by the minute
/// before it. Both are read from the window alone, no statistic carried
/// from sample to sample, so a replayed journal, `watch` and `monitor`
/// judge alike.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Evidence {
    p_value: f64,
    significant: bool,
    /// The sequential test's finding, when it sees the breach.
    sequential: Option<Sequential>,
    /// The window is unlikely at the limit itself: the rate is really back
    /// under it, not just a quiet stretch of a bad version.
    recovered: bool,
}

/// How unlikely a window must be at the limit's rate to count as a
/// recovery: looser than the significance, so a rollback resolves within
/// a window, but tight enough that a rate sitting on the limit does not.
const RECOVERY_LEVEL: f64 = 0.05;

impl Evidence {
    /// The access log's numbers are weighed like the probe's: k 5xx of n
    /// requests against the share at the pin.
    fn of(
        kind: Kind,
        source: Source,
        stats: &Stats,
        baseline: Option<&Baseline>,
        limit: f64,
        significance: f64,
    ) -> Option<Evidence> {
        // Prometheus's error rate is a ratio of rates, not failures counted
        // in this window: there is nothing to weigh, the limit decides.
        let b = baseline.filter(|_| kind == Kind::ErrorRate && source != Source::Prometheus)?;
        let (rate, k, n) = match source {
            Source::AccessLog => {
                let (at_pin, now) = (b.requests?, stats.requests?);
                (
                    floored_rate(at_pin.error_rate()?, at_pin.total),
                    now.server_errors,
                    now.total,
                )
            }
            _ => (baseline_rate(b), stats.failures, stats.samples),
        };
        // A given 0% makes every failure infinitely unlikely: there is
        // nothing to weigh, the limit alone decides.
        if rate <= 0.0 {
            return None;
        }
        let p_value = binomial_upper_tail(k, n, rate);
        let at_limit = (limit / 100.0).clamp(0.0, 1.0);
        let sequential = match source {
            Source::Probe => Sequential::of(
                &stats.recent_failures,
                "probes",
                rate,
                at_limit,
                significance,
            ),
            Source::AccessLog => {
                Sequential::of(&stats.recent_5xx, "requests", rate, at_limit, significance)
            }
            Source::Prometheus => None,
        };
        Some(Evidence {
            p_value,
            significant: p_value < significance,
            sequential,
            recovered: 1.0 - binomial_upper_tail(k + 1, n, at_limit) < RECOVERY_LEVEL,
        })
    }

    /// When the breach began, as the sequential test dates it; `None` when
    /// only the window sees it (it began when the window crossed).
    fn onset(evidence: Option<Evidence>) -> Option<DateTime<Utc>> {
        evidence.and_then(|e| e.sequential).map(|s| s.onset)
    }

    /// The p-value the panel shows: the window's, or the failures since
    /// the onset's when only the sequential test sees the breach.
    fn p_value(evidence: Option<Evidence>, over: bool) -> Option<f64> {
        evidence.map(|e| match e.sequential {
            Some(s) if !(over && e.significant) => s.p_value,
            _ => e.p_value,
        })
    }

    /// A breach needs both the limit and the evidence; a firing criterion
    /// resolves only on evidence of recovery.
    fn condition(over: bool, evidence: Option<Evidence>) -> Condition {
        match evidence {
            None if over => Condition::Breach,
            None => Condition::Clear,
            Some(e) if over && e.significant => Condition::Breach,
            Some(e) if e.sequential.is_some() => Condition::Breach,
            Some(e) if e.recovered => Condition::Clear,
            Some(_) => Condition::Elevated,
        }
    }

    /// `, p<0.001`, or `, p=0.08: not significant`; nothing while the rate
    /// is under its limit and unremarkable.
    fn text(evidence: Option<Evidence>, over: bool) -> String {
        match evidence {
            Some(Evidence {
                sequential: Some(s),
                significant,
                ..
            }) if !(over && significant) => {
                format!(
                    ", but {} of the last {} {} failed ({}), {}",
                    s.failures,
                    s.trials,
                    s.unit,
                    pct(percent(s.failures, s.trials)),
                    p_text(s.p_value)
                )
            }
            Some(e) if over || e.significant => {
                let p = p_text(e.p_value);
                if e.significant || !over {
                    format!(", {p}")
                } else {
                    format!(", {p}: not significant")
                }
            }
            _ => String::new(),
        }
    }
}

/// Two significant digits: `p<0.001`, `p=0.0042`, `p=0.013`, `p=0.08`.
fn p_text(p: f64) -> String {
    match p {
        p if p < 0.001 => "p<0.001".to_string(),
        p if p < 0.01 => format!("p={}", trim_zeros(&format!("{p:.4}"))),
        p if p < 0.1 => format!("p={}", trim_zeros(&format!("{p:.3}"))),
        p => format!("p={}", trim_zeros(&format!("{p:.2}"))),
    }
}

/// A Bernoulli CUSUM of the baseline's failure share against the limit's,
/// read from the window's newest failures: the change began at the failure
/// from which on the failures weigh most for the limit's rate, and the
/// breach has lasted since then. A step to 30% shows in four failures,
/// about 12 probes, where a minute's window needs 4 failures on top of the
/// minute before; dating the breach from its onset lets the hold run while
/// the evidence gathers instead of after it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sequential {
    onset: DateTime<Utc>,
    failures: usize,
    trials: usize,
    /// What a trial is: `probes`, `requests`.
    unit: &'static str,
    p_value: f64,
}

/// The log-likelihood ratio (limit's rate against the baseline's) the
/// failures since the onset must reach. Measured over 400 seeded 30-minute
/// streams of 0.5% background at 1 Hz: 6 adds no false fire to the window
/// test's 3 (5 adds one, 4 three), and a step to 30% fires in a median
/// 13 s (22 s with the window test alone; see `significance_tests`).
pub const SEQUENTIAL_THRESHOLD: f64 = 6.0;

/// Three stray failures are chance, however close together: the sequential
/// test needs a fourth.
pub const SEQUENTIAL_MIN_FAILURES: usize = 4;

impl Sequential {
    fn of(
        recent: &RecentFailures,
        unit: &'static str,
        p0: f64,
        p1: f64,
        significance: f64,
    ) -> Option<Sequential> {
        if !(p0 > 0.0 && p1 > p0 && p1 < 1.0) {
            return None;
        }
        let up = (p1 / p0).ln();
        let down = ((1.0 - p1) / (1.0 - p0)).ln();
        let mut best: Option<(f64, Sequential)> = None;
        for (onset, k, m) in recent.suffixes() {
            let llr = k as f64 * up + (m - k) as f64 * down;
            if k < SEQUENTIAL_MIN_FAILURES
                || llr <= SEQUENTIAL_THRESHOLD
                || (k as f64) <= p1 * m as f64
                || best.is_some_and(|(b, _)| b > llr)
            {
                continue;
            }
            let p_value = binomial_upper_tail(k, m, p0);
            if p_value < significance {
                let found = Sequential {
                    onset,
                    failures: k,
                    trials: m,
                    unit,
                    p_value,
                };
                best = Some((llr, found));
            }
        }
        best.map(|(_, s)| s)
    }
}

/// The baseline's failure share (0..1). No failure in N probes does not
/// prove a rate of 0 (one stray failure would then be "impossible"): it
/// counts as half a failure, 0.5 / (N + 1), the Jeffreys estimate. An upper
/// confidence bound (1 - 0.5^(1/N) is 6.7% for the 10 probes a baseline may
/// be pinned from) left the demo's 9% version insignificant for a minute.
/// A given baseline has no probes behind it and is taken at its word.
pub fn baseline_rate(b: &Baseline) -> f64 {
    floored_rate(b.error_rate, b.samples)
}

/// `percent` of `n` as a share, floored as [`baseline_rate`] says.
fn floored_rate(percent: f64, n: usize) -> f64 {
    let rate = (percent / 100.0).clamp(0.0, 1.0);
    let failures = (rate * n as f64).round();
    if failures == 0.0 && n > 0 {
        rate.max(0.5 / (n as f64 + 1.0))
    } else {
        rate
    }
}

/// P(X >= k) for X ~ Binomial(n, p), without allocating: the terms from k
/// up are summed relative to the first one (scaled down when they grow
/// towards the mode), so neither a tiny nor a huge term is lost.
pub fn binomial_upper_tail(k: usize, n: usize, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let (kf, nf) = (k as f64, n as f64);
    let mut ln_first = ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
        + kf * p.ln()
        + (nf - kf) * (-p).ln_1p();
    let odds = p / (1.0 - p);
    let (mut term, mut sum) = (1.0f64, 0.0f64);
    for i in k..=n {
        sum += term;
        if i as f64 > nf * p && term < sum * 1e-15 {
            break;
        }
        term *= (nf - i as f64) / (i as f64 + 1.0) * odds;
        if term > 1e200 {
            term *= 1e-200;
            sum *= 1e-200;
            ln_first += 200.0 * std::f64::consts::LN_10;
        }
    }
    (ln_first + sum.ln()).exp().clamp(0.0, 1.0)
}

/// ln(m!): exact for small m, Stirling's series (error under 1e-12) above.
fn ln_factorial(m: usize) -> f64 {
    if m < 32 {
        return (2..=m).map(|i| (i as f64).ln()).sum();
    }
    let x = m as f64;
    let x2 = x * x;
    x * x.ln() - x + 0.5 * (std::f64::consts::TAU * x).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x * x2)
        + 1.0 / (1260.0 * x * x2 * x2)
}

/// The rule alone, e.g. `rule +5 pp`, for a criterion with no numbers yet.
pub fn rule_text(kind: Kind, limit: Limit) -> String {
    match limit {
        Limit::IncreasePoints(n) => format!("rule +{}", step(kind, n)),
        Limit::IncreasePercent(n) => format!("rule +{}%", num(n)),
        Limit::DecreasePercent(n) => format!("rule -{}%", num(n)),
        Limit::Above(n) => match kind {
            Kind::Latency => format!("rule > {}", ms(n)),
            Kind::LogErrors => format!("rule > {}/min", num(n)),
            Kind::Throughput => format!("rule > {}", per_sec(n)),
            Kind::ErrorRate | Kind::Manual => format!("rule > {}", pct(n)),
        },
    }
}

/// A configured increase in the metric's unit, unsigned: `5 pp`, `50 ms`, `5/min`.
fn step(kind: Kind, n: f64) -> String {
    match kind {
        Kind::Latency => format!("{} ms", num(n)),
        Kind::LogErrors => format!("{}/min", num(n)),
        Kind::Throughput => per_sec(n),
        Kind::ErrorRate | Kind::Manual => format!("{} pp", num(n)),
    }
}

fn relative(cur: f64, base: f64) -> f64 {
    if base > 0.0 {
        (cur / base - 1.0) * 100.0
    } else if cur > 0.0 {
        f64::INFINITY
    } else {
        0.0
    }
}

fn cmp(breach: bool) -> &'static str {
    if breach { ">" } else { "≤" }
}

fn sign(x: f64) -> &'static str {
    if x < 0.0 { "-" } else { "+" }
}

fn signed_percent(x: f64) -> String {
    if x.is_infinite() {
        "+∞".to_string()
    } else {
        format!("{}{:.0}", sign(x), x.abs())
    }
}

/// `7.2%`.
pub fn pct(x: f64) -> String {
    format!("{x:.1}%")
}

/// `412 ms`, or `0.4 ms` on loopback where whole milliseconds say nothing.
pub fn ms(x: f64) -> String {
    if x.abs() >= 10.0 {
        format!("{x:.0} ms")
    } else {
        format!("{x:.1} ms")
    }
}

/// `14/min`, `2.5/min`: a count over the last minute is usually whole, but
/// a stream younger than a minute may be scaled up to a rate.
pub fn per_min(x: f64) -> String {
    format!("{}/min", trim_zeros(&format!("{x:.1}")))
}

/// `42 req/s`, `0.5 req/s`: a quiet service's trickle keeps its decimal.
pub fn per_sec(x: f64) -> String {
    format!("{} req/s", trim_zeros(&format!("{x:.1}")))
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// A configured number as the operator wrote it: `5`, `2.5`.
pub fn num(x: f64) -> String {
    trim_zeros(&format!("{x:.3}"))
}

/// Checks and their verdicts together, as a monitor or the cockpit holds them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Engine {
    pub checks: Vec<Check>,
    pub verdicts: Vec<Verdict>,
    pub settings: Settings,
}

impl Engine {
    pub fn new(checks: Vec<Check>, settings: Settings) -> Engine {
        let verdicts = checks.iter().map(Verdict::initial).collect();
        Engine {
            checks,
            verdicts,
            settings,
        }
    }

    /// Re-judges every automatic criterion; returns the overall state.
    pub fn evaluate(
        &mut self,
        stats: &Stats,
        baseline: Option<&Baseline>,
        now: DateTime<Utc>,
    ) -> State {
        self.evaluate_where(stats, baseline, now, |_| true)
    }

    /// Re-judges only the criteria of the kinds `which` picks: the probes'
    /// numbers and the log stream's counts arrive at their own times.
    pub fn evaluate_where(
        &mut self,
        stats: &Stats,
        baseline: Option<&Baseline>,
        now: DateTime<Utc>,
        which: impl Fn(Kind) -> bool,
    ) -> State {
        self.evaluate_sources(stats, None, baseline, now, which)
    }

    /// As [`Engine::evaluate_where`], with the service-down check judged on
    /// `probe`'s numbers when `stats` are another source's (Prometheus):
    /// "down" is about the endpoint answering, not the fleet's error rate.
    pub fn evaluate_sources(
        &mut self,
        stats: &Stats,
        probe: Option<&Stats>,
        baseline: Option<&Baseline>,
        now: DateTime<Utc>,
        which: impl Fn(Kind) -> bool,
    ) -> State {
        let down = Check::service_down();
        for (check, verdict) in self.checks.iter().zip(self.verdicts.iter_mut()) {
            if which(check.kind) {
                let stats = match probe {
                    Some(p) if *check == down => p,
                    _ => stats,
                };
                *verdict = evaluate(check, verdict, stats, baseline, &self.settings, now);
            }
        }
        self.overall()
    }

    /// Toggles manual criterion `index`; false if it is not a manual one.
    pub fn toggle_manual(&mut self, index: usize, now: DateTime<Utc>) -> bool {
        match self.verdicts.get_mut(index) {
            Some(v) if v.kind == Kind::Manual => {
                *v = toggle_manual(v, now);
                true
            }
            _ => false,
        }
    }

    pub fn overall(&self) -> State {
        overall(&self.verdicts)
    }

    /// Each criterion with its verdict, in the runbook's order.
    pub fn judged(&self) -> impl Iterator<Item = (&Check, &Verdict)> {
        self.checks.iter().zip(&self.verdicts)
    }

    /// The criteria firing now.
    pub fn firing(&self) -> impl Iterator<Item = (&Check, &Verdict)> {
        self.judged().filter(|(_, v)| v.state == State::Firing)
    }

    /// The limit in force for the first criterion of `kind`, once a
    /// baseline gave it one.
    pub fn limit_of(&self, kind: Kind) -> Option<f64> {
        self.judged()
            .find(|(c, _)| c.kind == kind)
            .and_then(|(_, v)| v.limit)
    }
}
