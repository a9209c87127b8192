//! The rolling window: error rate and latency percentiles over the last
//! `span` of samples, and per-interval buckets for sparklines.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::sample::Sample;
use super::source::Source;

pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// A hard bound whatever the span: a misconfigured hour-long window over many
/// URLs must not grow without limit. An hour at 10 Hz fits.
pub const MAX_POINTS: usize = 36_000;

/// Only what the numbers need: a failure's cause is kept once, in
/// `last_failure`, not in every point of an hour-long window.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    ts: DateTime<Utc>,
    latency_ms: f64,
    ok: bool,
}

/// What the window holds at one moment. Error rate is in percent; latencies
/// are of successful probes only, so `None` when there were none.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Stats {
    pub samples: usize,
    pub failures: usize,
    pub ok: usize,
    pub error_rate: Option<f64>,
    pub p50: Option<f64>,
    /// Absent in journals older than the p90 rule.
    #[serde(default)]
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    /// Error lines the log stream counted over the last 60 s. `None` when no
    /// stream runs or it has not reported a count yet; [`Stats::log_stream`]
    /// tells those apart. Not the window's: the health fold sets both.
    #[serde(default)]
    pub log_errors_per_min: Option<f64>,
    /// A log stream is configured (`--logs`, `[logs] command`), so a missing
    /// count means "not yet" rather than "never".
    #[serde(default)]
    pub log_stream: bool,
    /// Requests per second over the last 60 s, from the log stream's access
    /// lines; `None` while it has shown none. Set by the health fold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput: Option<f64>,
    /// The access lines' requests and 5xx over the last 60 s; `None` while
    /// the stream has shown no access line, and the error rate criteria
    /// then read the probe's. Set by the health fold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<Requests>,
    /// Where `error_rate`, the latencies and `throughput` come from: the
    /// probe's window, or Prometheus's readings.
    #[serde(default)]
    pub source: Source,
    /// The window's newest failed probes, for the sequential test: the
    /// window's own summary, rebuilt from it at every look, so a replayed
    /// journal judges as the live loop did.
    #[serde(skip)]
    pub recent_failures: RecentFailures,
    /// The same for the access log's seconds that had a 5xx. Set with the
    /// log stream's figures.
    #[serde(skip)]
    pub recent_5xx: RecentFailures,
}

/// How many of the newest failures the sequential test looks back over:
/// more failed probes than this in a window are the window test's to see.
pub const RECENT_FAILURES: usize = 8;

/// Where a run of failures may have begun: for each of the newest units
/// (probes, or an access log's seconds) that failed, newest first, when it
/// was and how many failures and trials there have been since, itself
/// included. Fixed-size, so a probe costs no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RecentFailures {
    len: usize,
    at: [(DateTime<Utc>, usize, usize); RECENT_FAILURES],
}

impl RecentFailures {
    /// From `(when, failures, trials)` of each unit, newest first.
    pub fn of_newest_first(units: impl Iterator<Item = (DateTime<Utc>, usize, usize)>) -> Self {
        let mut out = RecentFailures::default();
        let (mut failures, mut trials) = (0, 0);
        for (ts, failed, tried) in units {
            failures += failed;
            trials += tried;
            if failed > 0 {
                out.at[out.len] = (ts, failures, trials);
                out.len += 1;
                if out.len == RECENT_FAILURES {
                    break;
                }
            }
        }
        out
    }

    /// `(when, failures from it on, trials from it on)`, newest first: the
    /// suffixes a change may have begun at.
    pub fn suffixes(&self) -> impl Iterator<Item = (DateTime<Utc>, usize, usize)> + '_ {
        self.at[..self.len].iter().copied()
    }
}

/// Requests an access log counted, and the 5xx among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Requests {
    pub total: usize,
    pub server_errors: usize,
}

impl Requests {
    /// The share of 5xx, in percent; `None` without a request.
    pub fn error_rate(&self) -> Option<f64> {
        (self.total > 0).then(|| percent(self.server_errors, self.total))
    }
}

impl Stats {
    /// Where the error rate comes from: Prometheus when its readings are
    /// these stats, else the access log once the log stream has shown an
    /// access line, else the probe.
    pub fn error_source(&self) -> Source {
        if self.source == Source::Prometheus {
            Source::Prometheus
        } else if self.requests.is_some() {
            Source::AccessLog
        } else {
            Source::Probe
        }
    }
}

/// One sparkline column. `latency_ms` is `None` when no probe in it
/// succeeded, so a lost sample can never be drawn as 0 ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub start: DateTime<Utc>,
    pub samples: u32,
    pub failures: u32,
    /// Worst successful latency in the column.
    pub latency_ms: Option<f64>,
}

/// What a column says. Only `Gap` and `Failed` are lost: a column where
/// one probe of several failed still has an error rate and a latency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketKind {
    /// No probe was attempted in this interval.
    Gap,
    /// At least one probe answered.
    Ok,
    /// Every probe attempted failed.
    Failed,
}

impl Bucket {
    pub fn kind(&self) -> BucketKind {
        if self.samples == 0 {
            BucketKind::Gap
        } else if self.failures == self.samples {
            BucketKind::Failed
        } else {
            BucketKind::Ok
        }
    }

    pub fn error_rate(&self) -> Option<f64> {
        (self.samples > 0).then(|| percent(self.failures as usize, self.samples as usize))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RollingWindow {
    span: TimeDelta,
    points: VecDeque<Point>,
    /// The newest failed probe, for "why is the error rate up".
    last_failure: Option<Sample>,
}

impl RollingWindow {
    pub fn new(span: Duration) -> Self {
        RollingWindow {
            span: TimeDelta::from_std(span).unwrap_or(TimeDelta::MAX),
            points: VecDeque::new(),
            last_failure: None,
        }
    }

    pub fn span(&self) -> Duration {
        self.span.to_std().unwrap_or(Duration::MAX)
    }

    /// A new span keeps the points (a resumed session may change `--window`).
    pub fn set_span(&mut self, span: Duration) {
        self.span = TimeDelta::from_std(span).unwrap_or(TimeDelta::MAX);
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Adds a sample, keeping points ordered by time (several URLs can
    /// report slightly out of order) and dropping what fell out of the span.
    pub fn push(&mut self, sample: &Sample) {
        let point = Point {
            ts: sample.ts,
            latency_ms: sample.latency_ms,
            ok: sample.outcome.is_ok(),
        };
        if !point.ok && self.last_failure.as_ref().is_none_or(|f| f.ts <= sample.ts) {
            self.last_failure = Some(sample.clone());
        }
        let at = self
            .points
            .iter()
            .rev()
            .take_while(|p| p.ts > point.ts)
            .count();
        self.points.insert(self.points.len() - at, point);
        if let Some(newest) = self.points.back().map(|p| p.ts) {
            self.prune(newest);
        }
        while self.points.len() > MAX_POINTS {
            self.points.pop_front();
        }
    }

    /// Drops points that are outside the window as seen at `now`.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        let cutoff = now - self.span;
        while self.points.front().is_some_and(|p| p.ts <= cutoff) {
            self.points.pop_front();
        }
    }

    /// The newest failed probe still inside the window at `now`: the one
    /// the error rate is counting.
    pub fn last_failure(&self, now: DateTime<Utc>) -> Option<&Sample> {
        self.last_failure
            .as_ref()
            .filter(|f| f.ts > now - self.span && f.ts <= now)
    }

    fn live(&self, now: DateTime<Utc>) -> impl DoubleEndedIterator<Item = &Point> {
        let cutoff = now - self.span;
        let first = self.points.partition_point(|p| p.ts <= cutoff);
        self.points.range(first..)
    }

    pub fn stats(&self, now: DateTime<Utc>) -> Stats {
        let mut latencies = Vec::with_capacity(self.points.len());
        let (mut samples, mut failures) = (0, 0);
        for p in self.live(now) {
            samples += 1;
            if p.ok {
                latencies.push(p.latency_ms);
            } else {
                failures += 1;
            }
        }
        let recent_failures = RecentFailures::of_newest_first(
            self.live(now).rev().map(|p| (p.ts, usize::from(!p.ok), 1)),
        );
        let ok = latencies.len();
        let [p50, p90, p95, p99] = percentiles(&mut latencies, [50.0, 90.0, 95.0, 99.0]);
        Stats {
            samples,
            failures,
            ok,
            error_rate: (samples > 0).then(|| percent(failures, samples)),
            p50,
            p90,
            p95,
            p99,
            recent_failures,
            ..Stats::default()
        }
    }

    /// `count` columns of `step` each on the grid `origin + k × step`,
    /// the last one holding `now`. Each column is `[start, start + step)`.
    ///
    /// Fixed edges, not edges counted back from the newest sample: those
    /// sit exactly on the probes of a steady series, so a millisecond of
    /// timer jitter puts 0 or 2 probes in neighbouring columns and a
    /// healthy series shows gaps. The caller puts `origin` half a step
    /// before a probe, so each probe sits mid-column.
    pub fn buckets(
        &self,
        origin: DateTime<Utc>,
        now: DateTime<Utc>,
        step: Duration,
        count: usize,
    ) -> Vec<Bucket> {
        let step = TimeDelta::from_std(step).unwrap_or(TimeDelta::MAX);
        let Some(step_ns) = step.num_nanoseconds().filter(|&n| n > 0) else {
            return Vec::new();
        };
        let count_i = i64::try_from(count).unwrap_or(i64::MAX);
        let since = (now - origin).num_nanoseconds().unwrap_or(i64::MAX);
        let last = since.div_euclid(step_ns);
        let first = origin
            + TimeDelta::nanoseconds(last.saturating_sub(count_i - 1).saturating_mul(step_ns));
        let mut out: Vec<Bucket> = (0..count_i)
            .map(|i| Bucket {
                start: first + TimeDelta::nanoseconds(i * step_ns),
                samples: 0,
                failures: 0,
                latency_ms: None,
            })
            .collect();
        for p in self.live(now).filter(|p| p.ts >= first && p.ts <= now) {
            let offset = (p.ts - first).num_nanoseconds().unwrap_or(i64::MAX);
            let Some(b) = usize::try_from(offset / step_ns)
                .ok()
                .and_then(|i| out.get_mut(i))
            else {
                continue;
            };
            b.samples += 1;
            if p.ok {
                b.latency_ms = Some(b.latency_ms.map_or(p.latency_ms, |l| l.max(p.latency_ms)));
            } else {
                b.failures += 1;
            }
        }
        out
    }
}

pub(crate) fn percent(part: usize, whole: usize) -> f64 {
    part as f64 * 100.0 / whole as f64
}

/// Nearest-rank percentiles (ascending `ps`), by selection rather than a full
/// sort: evaluating an hour of samples must stay well under 50 µs.
fn percentiles<const N: usize>(values: &mut [f64], ps: [f64; N]) -> [Option<f64>; N] {
    let mut out = [None; N];
    if values.is_empty() {
        return out;
    }
    let n = values.len();
    let mut lo = 0;
    for (slot, p) in out.iter_mut().zip(ps) {
        let rank = ((p / 100.0 * n as f64).ceil() as usize).clamp(1, n) - 1;
        // Ranks ascend, so everything left of the previous pick is smaller.
        let rank = rank.max(lo);
        let (_, v, _) = values[lo..].select_nth_unstable_by(rank - lo, f64::total_cmp);
        *slot = Some(*v);
        lo = rank;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monitor::sample::Outcome;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T03:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn at(ms: i64, latency_ms: f64, outcome: Outcome) -> Sample {
        Sample {
            ts: t0() + TimeDelta::milliseconds(ms),
            url: "u".into(),
            latency_ms,
            outcome,
        }
    }

    #[test]
    fn error_rate_and_percentiles_of_ok_samples_only() {
        let mut w = RollingWindow::new(Duration::from_secs(60));
        for i in 0..100 {
            w.push(&at(i * 100, (i + 1) as f64, Outcome::Ok));
        }
        // A failure's latency (here a 2 s timeout) must not move the percentiles.
        for i in 100..110 {
            w.push(&at(i * 100, 2000.0, Outcome::Timeout));
        }
        let s = w.stats(t0() + TimeDelta::seconds(11));
        assert_eq!((s.samples, s.failures, s.ok), (110, 10, 100));
        assert!((s.error_rate.unwrap() - 100.0 * 10.0 / 110.0).abs() < 1e-9);
        assert_eq!(
            (s.p50, s.p90, s.p95, s.p99),
            (Some(50.0), Some(90.0), Some(95.0), Some(99.0))
        );
    }

    #[test]
    fn old_samples_leave_the_window() {
        let mut w = RollingWindow::new(Duration::from_secs(10));
        w.push(&at(0, 5.0, Outcome::HttpStatus(500)));
        w.push(&at(5_000, 5.0, Outcome::Ok));
        let s = w.stats(t0() + TimeDelta::seconds(12));
        assert_eq!((s.samples, s.failures), (1, 0));
        w.push(&at(20_000, 7.0, Outcome::Ok));
        assert_eq!(w.len(), 1, "push prunes what fell out of the span");
        let empty = w.stats(t0() + TimeDelta::seconds(40));
        assert_eq!(empty.samples, 0);
        assert_eq!(empty.error_rate, None);
        assert_eq!(empty.p95, None);
    }

    #[test]
    fn out_of_order_samples_are_kept_in_order() {
        let mut w = RollingWindow::new(Duration::from_secs(10));
        w.push(&at(2_000, 1.0, Outcome::Ok));
        w.push(&at(1_000, 1.0, Outcome::Timeout));
        w.prune(t0() + TimeDelta::milliseconds(11_500));
        // The 1 s sample is out, the 2 s one stays.
        let s = w.stats(t0() + TimeDelta::milliseconds(11_500));
        assert_eq!((s.samples, s.failures), (1, 0));
    }

    #[test]
    fn stays_bounded() {
        let mut w = RollingWindow::new(Duration::from_secs(1_000_000));
        for i in 0..(MAX_POINTS as i64 + 500) {
            w.push(&at(i, 1.0, Outcome::Ok));
        }
        assert_eq!(w.len(), MAX_POINTS);
    }

    fn kinds(b: &[Bucket]) -> Vec<BucketKind> {
        b.iter().map(Bucket::kind).collect()
    }

    const SECOND: Duration = Duration::from_secs(1);

    /// Probes at 1 Hz whose timer wakes 0 to 9 ms late, on a phase 2 ms
    /// before a whole second: edges counted back from the newest probe, or
    /// on whole seconds, would cut right through them.
    fn jittery(n: i64) -> (RollingWindow, Vec<Sample>) {
        let mut w = RollingWindow::new(Duration::from_secs(60));
        let samples: Vec<Sample> = (0..n)
            .map(|k| at(k * 1000 - 2 + (k * 7) % 10, 40.0, Outcome::Ok))
            .collect();
        for s in &samples {
            w.push(s);
        }
        (w, samples)
    }

    #[test]
    fn a_steady_series_puts_one_probe_in_every_column() {
        let (w, samples) = jittery(30);
        let origin = samples[0].ts - SECOND / 2;
        for (newest, s) in samples.iter().enumerate().skip(5) {
            let now = s.ts;
            let b = w.buckets(origin, now, SECOND, 20);
            assert_eq!(b.len(), 20);
            let counts: Vec<u32> = b.iter().map(|b| b.samples).collect();
            let expected: Vec<u32> = (0..20).map(|i| u32::from(newest + i >= 19)).collect();
            assert_eq!(counts, expected, "at probe {newest}");
            // The newest probe is in the last column, whatever its jitter.
            assert_eq!(b[19].samples, 1);
            assert!(
                b.windows(2)
                    .all(|p| p[1].start - p[0].start == TimeDelta::seconds(1))
            );
        }
    }

    #[test]
    fn edges_stay_on_the_grid_as_probes_arrive() {
        let (w, samples) = jittery(12);
        let origin = samples[0].ts - SECOND / 2;
        let a = w.buckets(origin, samples[10].ts, SECOND, 4);
        let b = w.buckets(origin, samples[11].ts, SECOND, 4);
        // One probe later, the columns moved by exactly one.
        assert_eq!(a[1..], b[..3]);
        assert_eq!(a[0].start, origin + TimeDelta::seconds(7));
    }

    #[test]
    fn lost_columns_are_those_with_no_attempt_or_only_failures() {
        let mut w = RollingWindow::new(Duration::from_secs(60));
        let origin = t0();
        // Column 0: ok. 1: failed. 2: nothing attempted. 3: one of two
        // failed. 4: both failed.
        w.push(&at(500, 12.0, Outcome::Ok));
        w.push(&at(1_500, 0.0, Outcome::Refused));
        w.push(&at(3_200, 30.0, Outcome::Ok));
        w.push(&at(3_700, 0.0, Outcome::Timeout));
        w.push(&at(4_100, 0.0, Outcome::HttpStatus(503)));
        w.push(&at(4_600, 0.0, Outcome::Reset));
        let b = w.buckets(origin, t0() + TimeDelta::milliseconds(4_600), SECOND, 5);
        use BucketKind::{Failed, Gap, Ok};
        assert_eq!(kinds(&b), [Ok, Failed, Gap, Ok, Failed]);
        assert_eq!(b[0].start, t0());
        assert_eq!(b[1].latency_ms, None, "a failure is never 0 ms");
        assert_eq!(b[2].latency_ms, None);
        assert_eq!(b[3].latency_ms, Some(30.0));
        assert_eq!(b[3].error_rate(), Some(50.0));
        assert_eq!(b[4].error_rate(), Some(100.0));
        assert_eq!(
            w.last_failure(t0() + TimeDelta::seconds(5))
                .unwrap()
                .outcome,
            Outcome::Reset
        );
    }

    #[test]
    fn the_last_failure_leaves_with_the_window() {
        let mut w = RollingWindow::new(Duration::from_secs(10));
        w.push(&at(1_000, 0.0, Outcome::Dns));
        w.push(&at(2_000, 5.0, Outcome::Ok));
        // An older failure reported late does not hide the newer one.
        w.push(&at(500, 0.0, Outcome::Timeout));
        let f = w.last_failure(t0() + TimeDelta::seconds(5)).unwrap();
        assert_eq!(f.outcome, Outcome::Dns);
        assert_eq!(w.last_failure(t0() + TimeDelta::seconds(11)), None);
    }

    #[test]
    fn percentile_ranks() {
        let mut one = [7.0];
        assert_eq!(percentiles(&mut one, [50.0, 95.0, 99.0]), [Some(7.0); 3]);
        let mut v: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        assert_eq!(
            percentiles(&mut v, [50.0, 90.0, 95.0, 99.0]),
            [Some(10.0), Some(18.0), Some(19.0), Some(20.0)]
        );
    }
}
