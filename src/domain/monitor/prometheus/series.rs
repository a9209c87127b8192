//! Prometheus's readings over the rolling window, as the [`Stats`] the
//! criteria read. Each reading is already an aggregate (a rate over a
//! minute), so the current figure is the newest reading, not a percentile
//! of readings; the baseline is the mean of the window's readings.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::Reading;
use crate::domain::monitor::source::Source;
use crate::domain::monitor::window::{MAX_POINTS, Stats};

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    span: TimeDelta,
    readings: VecDeque<Reading>,
    /// Whether any reading ever had a value: a run that never had one is
    /// inconclusive, whatever the rules.
    ever_data: bool,
}

impl Series {
    pub fn new(span: Duration) -> Series {
        Series {
            span: TimeDelta::from_std(span).unwrap_or(TimeDelta::MAX),
            readings: VecDeque::new(),
            ever_data: false,
        }
    }

    /// A new span keeps the readings (a resumed session may change `--window`).
    pub fn set_span(&mut self, span: Duration) {
        self.span = TimeDelta::from_std(span).unwrap_or(TimeDelta::MAX);
    }

    /// The readings in time order, for the metrics pane's sparkline.
    pub fn readings(&self) -> impl DoubleEndedIterator<Item = &Reading> {
        self.readings.iter()
    }

    pub fn ever_had_data(&self) -> bool {
        self.ever_data
    }

    /// The newest reading, whatever it says.
    pub fn latest(&self) -> Option<&Reading> {
        self.readings.back()
    }

    /// Adds a reading in time order and drops what fell out of the span.
    pub fn push(&mut self, reading: Reading) {
        self.ever_data |= reading.has_data();
        let at = self
            .readings
            .iter()
            .rev()
            .take_while(|r| r.ts > reading.ts)
            .count();
        self.readings.insert(self.readings.len() - at, reading);
        if let Some(newest) = self.readings.back().map(|r| r.ts) {
            self.prune(newest);
        }
        while self.readings.len() > MAX_POINTS {
            self.readings.pop_front();
        }
    }

    pub fn prune(&mut self, now: DateTime<Utc>) {
        let cutoff = now - self.span;
        while self.readings.front().is_some_and(|r| r.ts <= cutoff) {
            self.readings.pop_front();
        }
    }

    fn live(&self, now: DateTime<Utc>) -> impl Iterator<Item = &Reading> {
        let cutoff = now - self.span;
        self.readings
            .iter()
            .filter(move |r| r.ts > cutoff && r.ts <= now)
    }

    /// `samples` counts the readings with data; the figures are the newest
    /// reading's, so a Prometheus that stops answering is "no data" at once
    /// rather than its last value for a whole window.
    pub fn stats(&self, now: DateTime<Utc>) -> Stats {
        let samples = self.live(now).filter(|r| r.has_data()).count();
        let latest = self.live(now).last();
        let get = |f: fn(&Reading) -> Option<f64>| latest.and_then(f);
        Stats {
            samples,
            failures: 0,
            ok: samples,
            error_rate: get(|r| r.error_rate),
            p50: get(|r| r.p50),
            p90: get(|r| r.p90),
            p95: get(|r| r.p95),
            p99: get(|r| r.p99),
            throughput: get(|r| r.throughput),
            source: Source::Prometheus,
            ..Stats::default()
        }
    }

    /// What a baseline pinned now holds: each metric's mean over the
    /// window, its "no data" readings left out.
    pub fn means(&self, now: DateTime<Utc>) -> Stats {
        let mean = |f: fn(&Reading) -> Option<f64>| {
            let (sum, n) = self
                .live(now)
                .filter_map(f)
                .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
            (n > 0).then(|| sum / n as f64)
        };
        Stats {
            error_rate: mean(|r| r.error_rate),
            p50: mean(|r| r.p50),
            p90: mean(|r| r.p90),
            p95: mean(|r| r.p95),
            p99: mean(|r| r.p99),
            throughput: mean(|r| r.throughput),
            ..self.stats(now)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T03:00:00Z")
            .unwrap()
            .to_utc()
            + TimeDelta::seconds(s)
    }

    fn reading(s: i64, err: Option<f64>, p95: Option<f64>) -> Reading {
        Reading {
            error_rate: err,
            p95,
            throughput: err.map(|_| 20.0),
            ..Reading::empty(t(s))
        }
    }

    #[test]
    fn the_figure_is_the_newest_reading_and_no_data_is_never_zero() {
        let mut s = Series::new(Duration::from_secs(60));
        for i in 0..10 {
            s.push(reading(i, Some(1.0 + i as f64), Some(100.0)));
        }
        let st = s.stats(t(9));
        assert_eq!(
            (st.samples, st.error_rate, st.p95),
            (10, Some(10.0), Some(100.0))
        );
        assert_eq!(st.source, Source::Prometheus);
        assert_eq!(st.throughput, Some(20.0));
        s.push(reading(10, None, None));
        let st = s.stats(t(10));
        assert_eq!(st.error_rate, None, "no data now, not the last value");
        assert_eq!(st.p95, None);
        assert_eq!(st.samples, 10, "the no-data reading counts for nothing");
        assert!(s.ever_had_data());
        assert!(!Series::new(Duration::from_secs(1)).ever_had_data());
    }

    #[test]
    fn the_baseline_is_the_mean_without_the_no_data_readings() {
        let mut s = Series::new(Duration::from_secs(60));
        s.push(reading(0, Some(1.0), Some(100.0)));
        s.push(reading(1, None, None));
        s.push(reading(2, Some(3.0), Some(200.0)));
        s.push(reading(3, Some(2.0), None));
        let m = s.means(t(3));
        assert_eq!(m.error_rate, Some(2.0));
        assert_eq!(m.p95, Some(150.0));
        assert_eq!(m.samples, 3);
        // Readings older than the window leave it.
        let mut short = Series::new(Duration::from_secs(2));
        short.push(reading(0, Some(50.0), None));
        short.push(reading(5, Some(1.0), None));
        assert_eq!(short.means(t(5)).error_rate, Some(1.0));
    }

    #[test]
    fn a_relative_rule_judges_prometheus_figures_without_counting_probes() {
        use crate::domain::monitor::baseline::{Baseline, BaselineSource};
        use crate::domain::monitor::criteria::{Check, Limit, Settings, State, Verdict, evaluate};
        let mut s = Series::new(Duration::from_secs(60));
        for i in 0..10 {
            s.push(reading(i, Some(0.4), Some(100.0)));
        }
        let base = Baseline::from_stats(
            &s.means(t(9)),
            BaselineSource::Auto,
            t(9),
            crate::domain::monitor::baseline::MAX_ERROR_RATE,
        )
        .unwrap();
        for i in 10..20 {
            s.push(reading(i, Some(7.2), Some(100.0)));
        }
        let check = Check {
            hold: Some(Duration::ZERO),
            ..Check::default_error_rate(&Settings::default())
        };
        assert_eq!(check.limit, Some(Limit::IncreasePoints(5.0)));
        let v = evaluate(
            &check,
            &Verdict::initial(&check),
            &s.stats(t(19)),
            Some(&base),
            &Settings::default(),
            t(19),
        );
        // No binomial evidence: a ratio of rates is no count of failures.
        assert_eq!(v.state, State::Firing, "{v:?}");
        assert_eq!(
            v.text,
            "err 7.2% (prometheus) vs 0.4% base (+6.8 pp > +5 pp)"
        );
        assert_eq!(v.p_value, None);
        s.push(reading(20, None, None));
        let v = evaluate(
            &check,
            &Verdict::initial(&check),
            &s.stats(t(20)),
            Some(&base),
            &Settings::default(),
            t(20),
        );
        assert_eq!(v.state, State::NoData);
        assert_eq!(v.text, "err —, no data from prometheus (rule +5 pp)");
    }
}
