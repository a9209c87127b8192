//! The rolling window: error rate and latency percentiles over the last
//! `span` of samples, and per-interval buckets for sparklines.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::sample::{Outcome, Sample};

pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// A hard bound whatever the span: a misconfigured hour-long window over many
/// URLs must not grow without limit. An hour at 10 Hz fits.
pub const MAX_POINTS: usize = 36_000;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    ts: DateTime<Utc>,
    latency_ms: f64,
    outcome: Outcome,
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
}

/// One sparkline column. A column with failures is drawn as a failure (full
/// red bar); `latency_ms` is `None` when no probe in it succeeded, so a lost
/// sample can never be drawn as 0 ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub start: DateTime<Utc>,
    pub samples: u32,
    pub failures: u32,
    /// Worst successful latency in the column.
    pub latency_ms: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketKind {
    /// No sample landed in this interval.
    Gap,
    Ok,
    Failed,
}

impl Bucket {
    pub fn kind(&self) -> BucketKind {
        if self.failures > 0 {
            BucketKind::Failed
        } else if self.samples == 0 {
            BucketKind::Gap
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
}

impl RollingWindow {
    pub fn new(span: Duration) -> Self {
        RollingWindow {
            span: TimeDelta::from_std(span).unwrap_or(TimeDelta::MAX),
            points: VecDeque::new(),
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
            outcome: sample.outcome,
        };
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

    fn live(&self, now: DateTime<Utc>) -> impl Iterator<Item = &Point> {
        let cutoff = now - self.span;
        let first = self.points.partition_point(|p| p.ts <= cutoff);
        self.points.range(first..)
    }

    pub fn stats(&self, now: DateTime<Utc>) -> Stats {
        let mut latencies = Vec::with_capacity(self.points.len());
        let (mut samples, mut failures) = (0, 0);
        for p in self.live(now) {
            samples += 1;
            if p.outcome.is_failure() {
                failures += 1;
            } else if p.outcome.is_ok() {
                latencies.push(p.latency_ms);
            }
        }
        let ok = latencies.len();
        let [p50, p95, p99] = percentiles(&mut latencies, [50.0, 95.0, 99.0]);
        Stats {
            samples,
            failures,
            ok,
            error_rate: (samples > 0).then(|| percent(failures, samples)),
            p50,
            p95,
            p99,
            log_errors_per_min: None,
            log_stream: false,
        }
    }

    /// `count` columns of `interval` each, the last one ending at `now`.
    pub fn buckets(&self, now: DateTime<Utc>, interval: Duration, count: usize) -> Vec<Bucket> {
        let step = TimeDelta::from_std(interval).unwrap_or(TimeDelta::MAX);
        let first = now - step * i32::try_from(count).unwrap_or(i32::MAX);
        let mut out: Vec<Bucket> = (0..count)
            .map(|i| Bucket {
                start: first + step * i32::try_from(i).unwrap_or(i32::MAX),
                samples: 0,
                failures: 0,
                latency_ms: None,
            })
            .collect();
        let Some(step_ns) = step.num_nanoseconds().filter(|&n| n > 0) else {
            return out;
        };
        for p in self.live(now).filter(|p| p.ts > first && p.ts <= now) {
            let offset = (p.ts - first).num_nanoseconds().unwrap_or(i64::MAX);
            // Columns are (start, start + step]: a sample exactly at `now`
            // belongs to the last column.
            let i = usize::try_from((offset - 1) / step_ns).unwrap_or(usize::MAX);
            let Some(b) = out.get_mut(i) else { continue };
            b.samples += 1;
            if p.outcome.is_failure() {
                b.failures += 1;
            } else if p.outcome.is_ok() {
                b.latency_ms = Some(b.latency_ms.map_or(p.latency_ms, |l| l.max(p.latency_ms)));
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
        assert_eq!((s.p50, s.p95, s.p99), (Some(50.0), Some(95.0), Some(99.0)));
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

    #[test]
    fn failed_intervals_are_failures_not_zero_latency() {
        let mut w = RollingWindow::new(Duration::from_secs(60));
        w.push(&at(500, 12.0, Outcome::Ok));
        w.push(&at(1_500, 0.0, Outcome::ConnectError));
        w.push(&at(3_500, 30.0, Outcome::Ok));
        w.push(&at(3_700, 40.0, Outcome::Ok));
        let b = w.buckets(t0() + TimeDelta::seconds(4), Duration::from_secs(1), 4);
        let kinds: Vec<_> = b.iter().map(Bucket::kind).collect();
        assert_eq!(
            kinds,
            [
                BucketKind::Ok,
                BucketKind::Failed,
                BucketKind::Gap,
                BucketKind::Ok
            ]
        );
        assert_eq!(b[1].latency_ms, None);
        assert_eq!(b[1].error_rate(), Some(100.0));
        assert_eq!(b[2].latency_ms, None);
        assert_eq!(b[3].latency_ms, Some(40.0));
        assert_eq!(b[0].start, t0());
    }

    #[test]
    fn percentile_ranks() {
        let mut one = [7.0];
        assert_eq!(percentiles(&mut one, [50.0, 95.0, 99.0]), [Some(7.0); 3]);
        let mut v: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        assert_eq!(
            percentiles(&mut v, [50.0, 95.0, 99.0]),
            [Some(10.0), Some(19.0), Some(20.0)]
        );
    }
}
