//! The record's charts as data: each metric's points over the whole
//! session, its baseline and thresholds, the criteria's pending and firing
//! spans, and the markers (deploy commands, rollback, recovery). Pure: a
//! function of the session's records and their fold, times on the
//! journal's clock, never the wall clock. [`super::svg`] draws them.
//!
//! One point per journaled probe sample: the window's figure (error rate,
//! latency percentile) as the cockpit judged it right after that sample.
//! Samples of one instant (a batch probing several URLs at once) share one
//! window computation, so a 4-hour session stays within its budget. A probe
//! stream that went quiet for more than [`GAP_INTERVALS`] intervals, and a
//! window with no figure, break the line: a lost sample is never drawn as
//! an interpolated value.

use chrono::{DateTime, TimeDelta, Utc};

use crate::core::event::{Event, Record};
use crate::core::state::State;
use crate::domain::monitor::criteria::{Check, Kind, Limit, State as Verdict};
use crate::domain::monitor::{RollingWindow, Stats};

/// More than this many probe intervals without a sample is a gap.
const GAP_INTERVALS: i32 = 3;

/// The longest marker label: a long command line would cover the chart.
const LABEL_CHARS: usize = 48;

/// What a chart shows, with its file name under `charts/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    ErrorRate,
    Latency,
    LogErrors,
    Throughput,
}

impl Metric {
    pub fn file(self) -> &'static str {
        match self {
            Metric::ErrorRate => "error-rate.svg",
            Metric::Latency => "latency.svg",
            Metric::LogErrors => "log-errors.svg",
            Metric::Throughput => "throughput.svg",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Metric::ErrorRate => "Error rate",
            Metric::Latency => "Latency",
            Metric::LogErrors => "Log errors",
            Metric::Throughput => "Throughput",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Metric::ErrorRate => "%",
            Metric::Latency => "ms",
            Metric::LogErrors => "error lines / min",
            Metric::Throughput => "requests / s",
        }
    }

    fn kind(self) -> Kind {
        match self {
            Metric::ErrorRate => Kind::ErrorRate,
            Metric::Latency => Kind::Latency,
            Metric::LogErrors => Kind::LogErrors,
            Metric::Throughput => Kind::Throughput,
        }
    }
}

/// One line of a chart: its name and its runs of points (a gap between
/// runs). Times are seconds since the session's start.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub name: String,
    pub runs: Vec<Vec<(f64, f64)>>,
}

impl Series {
    pub fn points(&self) -> usize {
        self.runs.iter().map(Vec::len).sum()
    }
}

/// A horizontal line: the baseline, or a criterion's threshold, from `from`
/// to `to` (seconds): a baseline pinned again starts a new line.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub label: String,
    pub value: f64,
    pub from: f64,
    pub to: f64,
}

/// A span where a criterion of the chart's metric was pending or firing.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub firing: bool,
    pub from: f64,
    pub to: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    Command,
    Rollback,
    Recovery,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub kind: MarkerKind,
    pub at: f64,
    pub label: String,
}

/// A chart's content, before drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    pub metric: Metric,
    pub start: DateTime<Utc>,
    /// Seconds from `start` to the session's last record.
    pub end: f64,
    pub series: Vec<Series>,
    /// Each baseline pinned, from its pinning to the next one's.
    pub baselines: Vec<Level>,
    pub thresholds: Vec<Level>,
    pub spans: Vec<Span>,
    pub markers: Vec<Marker>,
}

fn secs(start: DateTime<Utc>, t: DateTime<Utc>) -> f64 {
    (t - start).num_milliseconds() as f64 / 1000.0
}

/// The charts this session has data for: error rate and latency once it
/// was probed, log errors once a log stream counted. `mask` is applied to
/// every label taken from the journal (the commands).
pub fn plots(state: &State, records: &[Record], mask: &dyn Fn(&str) -> String) -> Vec<Plot> {
    let Some(start) = state
        .session
        .started
        .as_ref()
        .map(|s| s.at)
        .or_else(|| records.first().map(|r| r.ts))
    else {
        return Vec::new();
    };
    let end_at = state
        .session
        .last_at
        .or_else(|| records.last().map(|r| r.ts))
        .unwrap_or(start);
    let end = secs(start, end_at).max(1.0);
    let markers = markers(state, records, start, mask);
    let percentiles = percentiles(state);
    let probes = probe_series(records, start, &percentiles);
    let logs = log_series(records, start);
    let mut out = Vec::new();
    let mut push = |metric: Metric, series: Vec<Series>| {
        out.push(Plot {
            metric,
            start,
            end,
            baselines: baselines(state, metric, start, end),
            thresholds: thresholds(state, metric, start, end, &series),
            spans: spans(state, metric, start, end),
            markers: markers.clone(),
            series,
        });
    };
    let (mut errors, mut latencies) =
        probes.map_or((Vec::new(), Vec::new()), |(e, l)| (vec![e], l));
    let prometheus = prometheus_series(records, start);
    if let Some(p) = &prometheus {
        errors.push(p.error_rate.clone());
        latencies.push(p.p95.clone());
    }
    if !errors.is_empty() {
        push(Metric::ErrorRate, errors);
        push(Metric::Latency, latencies);
    }
    if let Some(logs) = logs {
        push(Metric::LogErrors, vec![logs]);
    }
    if let Some(p) = prometheus {
        push(Metric::Throughput, vec![p.throughput]);
    }
    out
}

/// Prometheus's readings as journaled, one point each; a reading without
/// a figure (an empty result, NaN, a failed query) breaks the line.
struct PrometheusSeries {
    error_rate: Series,
    p95: Series,
    throughput: Series,
}

fn prometheus_series(records: &[Record], start: DateTime<Utc>) -> Option<PrometheusSeries> {
    let named = |name: &str| Series {
        name: name.into(),
        runs: Vec::new(),
    };
    let mut out = PrometheusSeries {
        error_rate: named("error rate (prometheus)"),
        p95: named("p95 (prometheus)"),
        throughput: named("requests / s (prometheus)"),
    };
    let mut any = false;
    for r in records {
        if let Event::PrometheusReading { reading } = &r.event {
            let x = secs(start, reading.ts);
            extend(
                &mut out.error_rate,
                reading.error_rate.map(|v| (x, v)),
                false,
            );
            extend(&mut out.p95, reading.p95.map(|v| (x, v)), false);
            extend(
                &mut out.throughput,
                reading.throughput.map(|v| (x, v)),
                false,
            );
            any = true;
        }
    }
    any.then(|| PrometheusSeries {
        error_rate: tidy(out.error_rate),
        p95: tidy(out.p95),
        throughput: tidy(out.throughput),
    })
}

/// The latency percentiles the criteria judge; p95 when none says.
fn percentiles(state: &State) -> Vec<u8> {
    let mut out: Vec<u8> = state
        .session
        .health
        .engine
        .checks
        .iter()
        .filter(|c| c.kind == Kind::Latency)
        .map(|c| c.percentile.unwrap_or(95))
        .collect();
    out.sort_unstable();
    out.dedup();
    if out.is_empty() {
        out.push(95);
    }
    out
}

fn percentile_of(stats: &Stats, p: u8) -> Option<f64> {
    match p {
        50 => stats.p50,
        90 => stats.p90,
        99 => stats.p99,
        _ => stats.p95,
    }
}

/// Adds a point to a series, or breaks it (`None`, or after a gap).
fn extend(series: &mut Series, point: Option<(f64, f64)>, gap: bool) {
    let Some(point) = point else {
        if series.runs.last().is_some_and(|r| !r.is_empty()) {
            series.runs.push(Vec::new());
        }
        return;
    };
    match series.runs.last_mut() {
        Some(run) if !gap => run.push(point),
        _ => series.runs.push(vec![point]),
    }
}

fn tidy(mut s: Series) -> Series {
    s.runs.retain(|r| !r.is_empty());
    s
}

/// The error rate and latency series, or `None` when nothing was probed.
fn probe_series(
    records: &[Record],
    start: DateTime<Utc>,
    percentiles: &[u8],
) -> Option<(Series, Vec<Series>)> {
    let mut window = RollingWindow::new(crate::domain::monitor::window::DEFAULT_WINDOW);
    let mut interval = TimeDelta::seconds(1);
    let mut errors = Series {
        name: "error rate".into(),
        runs: Vec::new(),
    };
    let mut latencies: Vec<Series> = percentiles
        .iter()
        .map(|p| Series {
            name: format!("p{p}"),
            runs: Vec::new(),
        })
        .collect();
    let mut last: Option<DateTime<Utc>> = None;
    let mut any = false;
    for r in records {
        match &r.event {
            Event::MonitorConfigured(config) => {
                window.set_span(config.window());
                interval = TimeDelta::from_std(config.interval()).unwrap_or(interval);
            }
            Event::Samples { samples } => {
                let mut i = 0;
                while i < samples.len() {
                    // The samples of one instant: one window, one point each.
                    let ts = samples[i].sample.ts;
                    let same = samples[i..]
                        .iter()
                        .take_while(|s| s.sample.ts == ts)
                        .count();
                    for s in &samples[i..i + same] {
                        window.push(&s.sample);
                    }
                    let stats = window.stats(ts);
                    let gap = last.is_some_and(|l| ts - l > interval * GAP_INTERVALS);
                    let x = secs(start, ts);
                    for k in 0..same {
                        let gap = gap && k == 0;
                        extend(&mut errors, stats.error_rate.map(|v| (x, v)), gap);
                        for (series, p) in latencies.iter_mut().zip(percentiles) {
                            extend(series, percentile_of(&stats, *p).map(|v| (x, v)), gap);
                        }
                    }
                    last = Some(last.map_or(ts, |l| l.max(ts)));
                    any = true;
                    i += same;
                }
            }
            _ => {}
        }
    }
    any.then(|| (tidy(errors), latencies.into_iter().map(tidy).collect()))
}

/// Error lines per minute after each counted second (the last 60 s), or
/// `None` when no log stream counted. A stream's exit breaks the line.
fn log_series(records: &[Record], start: DateTime<Utc>) -> Option<Series> {
    let mut series = Series {
        name: "error lines / min".into(),
        runs: Vec::new(),
    };
    let mut minute: std::collections::VecDeque<(DateTime<Utc>, u64)> = Default::default();
    let mut sum: u64 = 0;
    let mut broken = false;
    let mut any = false;
    for r in records {
        match &r.event {
            Event::LogCounts { counts } => {
                for c in counts {
                    minute.push_back((c.at, u64::from(c.errors)));
                    sum += u64::from(c.errors);
                    while let Some(&(at, n)) = minute.front() {
                        if c.at - at < TimeDelta::seconds(60) {
                            break;
                        }
                        sum -= n;
                        minute.pop_front();
                    }
                    extend(&mut series, Some((secs(start, c.at), sum as f64)), broken);
                    broken = false;
                    any = true;
                }
            }
            Event::LogStreamExited { .. } => {
                broken = true;
                minute.clear();
                sum = 0;
            }
            _ => {}
        }
    }
    any.then(|| tidy(series))
}

/// The baseline's value for the metric.
fn base_of(
    state: &State,
    b: &crate::domain::monitor::baseline::Baseline,
    metric: Metric,
) -> Option<f64> {
    match metric {
        Metric::ErrorRate => Some(b.error_rate),
        Metric::Latency => match percentiles(state).first() {
            Some(50) => b.p50_ms,
            Some(90) => b.p90_ms,
            Some(99) => b.p99_ms,
            _ => b.latency_ms,
        },
        Metric::LogErrors => b.log_errors_per_min,
        Metric::Throughput => b.throughput,
    }
}

/// Each pinned baseline's stretch: from its pinning to the next pin's (or
/// the chart's end), with its value for the metric, if it has one.
fn pinned(
    state: &State,
    metric: Metric,
    start: DateTime<Utc>,
    end: f64,
) -> Vec<(f64, f64, Option<f64>)> {
    let pins = &state.session.health.pins;
    pins.iter()
        .enumerate()
        .map(|(i, b)| {
            let from = secs(start, b.pinned_at).max(0.0);
            let to = pins
                .get(i + 1)
                .map_or(end, |next| secs(start, next.pinned_at).max(0.0));
            (from, to, base_of(state, b, metric))
        })
        .collect()
}

/// The pinned baselines for the metric, each over its own stretch.
fn baselines(state: &State, metric: Metric, start: DateTime<Utc>, end: f64) -> Vec<Level> {
    pinned(state, metric, start, end)
        .into_iter()
        .filter_map(|(from, to, value)| {
            let value = value?;
            Some(Level {
                label: format!("baseline {}", figure(metric, value)),
                value,
                from,
                to,
            })
        })
        .collect()
}

fn figure(metric: Metric, v: f64) -> String {
    match metric {
        Metric::ErrorRate => format!("{v:.1}%"),
        Metric::Latency => format!("{v:.0} ms"),
        Metric::LogErrors => format!("{v:.0}/min"),
        Metric::Throughput => format!("{v:.1}/s"),
    }
}

/// The runbook's own criteria: the cockpit's service-down rule is not one.
fn judged(state: &State, metric: Metric) -> impl Iterator<Item = (usize, &Check)> {
    let down = Check::service_down();
    state
        .session
        .health
        .engine
        .checks
        .iter()
        .enumerate()
        .filter(move |(_, c)| c.kind == metric.kind() && **c != down)
}

/// Each criterion's limit: an absolute one over the whole session, a
/// relative one over each baseline's stretch: the last at the limit the
/// engine held, an earlier one where the rule put it for that baseline.
fn thresholds(
    state: &State,
    metric: Metric,
    start: DateTime<Utc>,
    end: f64,
    series: &[Series],
) -> Vec<Level> {
    let health = &state.session.health;
    let stretches = pinned(state, metric, start, end);
    let floor = match metric {
        Metric::Latency => health.engine.settings.latency_floor_ms,
        _ => 0.0,
    };
    let mut out = Vec::new();
    for (i, c) in judged(state, metric) {
        // A latency criterion of another percentile is drawn against its
        // own line: name it.
        let of = match (metric, series.len()) {
            (Metric::Latency, n) if n > 1 => format!(" (p{})", c.percentile.unwrap_or(95)),
            _ => String::new(),
        };
        let level = |value: f64, from: f64, to: f64| Level {
            label: format!("limit {}{of}", figure(metric, value)),
            value,
            from,
            to,
        };
        match c.limit {
            Some(Limit::Above(n)) => out.push(level(n, 0.0, end)),
            Some(limit) => {
                let last = health.engine.verdicts.get(i).and_then(|v| v.limit);
                for (k, &(from, to, base)) in stretches.iter().enumerate() {
                    let value = if k + 1 == stretches.len() {
                        last
                    } else {
                        base.map(|b| limit.at(b, floor))
                    };
                    if let Some(v) = value {
                        out.push(level(v, from, to));
                    }
                }
            }
            None => {}
        }
    }
    out
}

/// Where the metric's criteria were pending or firing, from the health
/// fold's transitions; one still open runs to the session's end.
fn spans(state: &State, metric: Metric, start: DateTime<Utc>, end: f64) -> Vec<Span> {
    let health = &state.session.health;
    let mut out = Vec::new();
    for (i, _) in judged(state, metric) {
        let mut open: Option<(bool, f64)> = None;
        for t in health.transitions.iter().filter(|t| t.criterion == i) {
            let at = secs(start, t.at);
            if let Some((firing, from)) = open.take() {
                out.push(Span {
                    firing,
                    from,
                    to: at,
                });
            }
            match t.to {
                Verdict::Pending => open = Some((false, at)),
                Verdict::Firing => open = Some((true, at)),
                _ => {}
            }
        }
        if let Some((firing, from)) = open {
            out.push(Span {
                firing,
                from,
                to: end,
            });
        }
    }
    out.sort_by(|a, b| a.from.total_cmp(&b.from));
    out
}

fn short(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= LABEL_CHARS {
        return s.to_string();
    }
    let mut out: String = s.chars().take(LABEL_CHARS - 1).collect();
    out.push('…');
    out
}

/// The deploy steps' commands, the rollback (who, or "auto") and each
/// criterion's recovery, in time order.
fn markers(
    state: &State,
    records: &[Record],
    start: DateTime<Utc>,
    mask: &dyn Fn(&str) -> String,
) -> Vec<Marker> {
    let mut out = Vec::new();
    for r in records {
        if let Event::CommandStarted {
            target: Some(_),
            command_masked,
            ..
        } = &r.event
        {
            out.push(Marker {
                kind: MarkerKind::Command,
                at: secs(start, r.ts),
                label: short(&mask(super::first_line(command_masked))),
            });
        }
    }
    if let Some(rb) = &state.session.rollback {
        let who = if rb.automatic_after_s.is_some() {
            "auto".to_string()
        } else {
            mask(&rb.stamp.by)
        };
        out.push(Marker {
            kind: MarkerKind::Rollback,
            at: secs(start, rb.stamp.at),
            label: short(&format!("rollback ({who})")),
        });
    }
    let health = &state.session.health;
    for t in &health.transitions {
        if t.from == Verdict::Firing && t.to != Verdict::Firing {
            let name = health
                .engine
                .checks
                .get(t.criterion)
                .map_or_else(|| format!("criterion #{}", t.criterion), |c| c.text.clone());
            out.push(Marker {
                kind: MarkerKind::Recovery,
                at: secs(start, t.at),
                label: short(&format!("recovered: {}", mask(&name))),
            });
        }
    }
    out.sort_by(|a, b| a.at.total_cmp(&b.at));
    out
}
