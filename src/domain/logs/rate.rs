//! Error lines per minute, from the stream's one-a-second counts: the sum
//! over the last 60 s, kept as a running total so a count costs O(1), and a
//! bounded history of that figure for the sparkline. The access lines'
//! requests and 5xx are summed over the same minute.

use std::collections::VecDeque;

use chrono::{DateTime, TimeDelta, Utc};

use super::LogCount;

/// An hour of one-a-second points.
pub const HISTORY: usize = 3600;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogRate {
    /// The counts of the last minute, oldest first.
    window: VecDeque<LogCount>,
    errors_in_window: u64,
    lines_in_window: u64,
    requests_in_window: u64,
    server_errors_in_window: u64,
    /// `(end of the second, errors in the minute up to it)`.
    history: VecDeque<(DateTime<Utc>, u32)>,
    pub total_lines: u64,
    pub total_errors: u64,
    /// Access lines so far: while 0, the stream is no access log and the
    /// request figures are `None`.
    pub total_requests: u64,
    /// The worst minute so far, and when it ended.
    pub peak: Option<(u32, DateTime<Utc>)>,
}

impl LogRate {
    pub fn push(&mut self, c: LogCount) {
        let end = c.at + TimeDelta::seconds(1);
        self.total_lines += u64::from(c.lines);
        self.total_errors += u64::from(c.errors);
        self.total_requests += u64::from(c.requests);
        self.errors_in_window += u64::from(c.errors);
        self.lines_in_window += u64::from(c.lines);
        self.requests_in_window += u64::from(c.requests);
        self.server_errors_in_window += u64::from(c.server_errors);
        self.window.push_back(c);
        let start = end - TimeDelta::minutes(1);
        while let Some(old) = self.window.front().filter(|o| o.at < start) {
            self.errors_in_window -= u64::from(old.errors);
            self.lines_in_window -= u64::from(old.lines);
            self.requests_in_window -= u64::from(old.requests);
            self.server_errors_in_window -= u64::from(old.server_errors);
            self.window.pop_front();
        }
        let now = self.errors_per_minute_u32();
        if self.peak.is_none_or(|(p, _)| now > p) {
            self.peak = Some((now, end));
        }
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back((end, now));
    }

    /// Error lines in the last minute; `None` before the first count.
    pub fn errors_per_minute(&self) -> Option<f64> {
        (!self.history.is_empty()).then_some(self.errors_in_window as f64)
    }

    /// All lines in the last minute.
    pub fn lines_per_minute(&self) -> u64 {
        self.lines_in_window
    }

    /// `(requests, 5xx)` in the last minute; `None` until the stream has
    /// shown an access line.
    pub fn requests(&self) -> Option<(u64, u64)> {
        (self.total_requests > 0).then_some((self.requests_in_window, self.server_errors_in_window))
    }

    /// Requests per second over the last minute, or over the seconds the
    /// stream has counted when it is younger: a burst in its first seconds
    /// is not spread over a minute it did not see.
    pub fn throughput(&self) -> Option<f64> {
        let (requests, _) = self.requests()?;
        let (first, last) = (self.window.front()?, self.last()?);
        let seconds = (last - first.at).num_seconds().clamp(1, 60);
        Some(requests as f64 / seconds as f64)
    }

    fn errors_per_minute_u32(&self) -> u32 {
        u32::try_from(self.errors_in_window).unwrap_or(u32::MAX)
    }

    /// The newest count's end: the rate's own "now".
    pub fn last(&self) -> Option<DateTime<Utc>> {
        self.history.back().map(|(t, _)| *t)
    }

    /// The last minute's one-a-second counts, oldest first.
    pub fn seconds(&self) -> impl DoubleEndedIterator<Item = &LogCount> + '_ {
        self.window.iter()
    }

    /// `(end of second, errors per minute)`, oldest first.
    pub fn history(&self) -> impl DoubleEndedIterator<Item = (DateTime<Utc>, u32)> + '_ {
        self.history.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000 + s, 0).unwrap_or_default()
    }

    fn count(s: i64, lines: u32, errors: u32) -> LogCount {
        LogCount {
            at: at(s),
            lines,
            errors,
            ..LogCount::default()
        }
    }

    fn requests(s: i64, requests: u32, server_errors: u32) -> LogCount {
        LogCount {
            requests,
            server_errors,
            ..count(s, requests + 1, 0)
        }
    }

    #[test]
    fn throughput_and_5xx_over_the_last_minute() {
        let mut r = LogRate::default();
        r.push(count(0, 10, 0));
        assert_eq!((r.requests(), r.throughput()), (None, None), "an app log");
        // 12 requests a second, one 5xx in every other second, for 90 s.
        for s in 1..=90 {
            r.push(requests(s, 12, u32::from(s % 2 == 0)));
        }
        assert_eq!(r.requests(), Some((720, 30)));
        assert_eq!(r.throughput(), Some(12.0));
        // Ten seconds without a request.
        for s in 91..=100 {
            r.push(count(s, 3, 0));
        }
        assert_eq!(r.requests(), Some((600, 25)));
        assert_eq!(r.throughput(), Some(10.0));
    }

    #[test]
    fn a_young_stream_is_not_spread_over_a_minute() {
        let mut r = LogRate::default();
        for s in 0..5 {
            r.push(requests(s, 8, 0));
        }
        assert_eq!(r.throughput(), Some(8.0));
    }

    #[test]
    fn the_rate_is_the_sum_of_the_last_sixty_seconds() {
        let mut r = LogRate::default();
        assert_eq!(r.errors_per_minute(), None);
        // 1 error a second for 90 s: the minute holds 60 of them.
        for s in 0..90 {
            r.push(count(s, 100, 1));
        }
        assert_eq!(r.errors_per_minute(), Some(60.0));
        assert_eq!(r.lines_per_minute(), 6000);
        assert_eq!((r.total_lines, r.total_errors), (9000, 90));
        // Quiet seconds push the errors out, one by one.
        for s in 90..120 {
            r.push(count(s, 10, 0));
        }
        assert_eq!(r.errors_per_minute(), Some(30.0));
        for s in 120..150 {
            r.push(count(s, 10, 0));
        }
        assert_eq!(r.errors_per_minute(), Some(0.0));
        assert_eq!(r.peak.map(|(p, _)| p), Some(60));
        assert_eq!(r.last(), Some(at(150)));
    }

    #[test]
    fn a_gap_in_the_counts_empties_the_window() {
        let mut r = LogRate::default();
        r.push(count(0, 5, 5));
        // The stream was down for two minutes: its next count stands alone.
        r.push(count(120, 1, 1));
        assert_eq!(r.errors_per_minute(), Some(1.0));
    }

    #[test]
    fn the_history_is_bounded() {
        let mut r = LogRate::default();
        for s in 0..(HISTORY as i64 + 10) {
            r.push(count(s, 1, 0));
        }
        assert_eq!(r.history().count(), HISTORY);
        assert_eq!(r.history().next().map(|(t, _)| t), Some(at(11)));
    }
}
