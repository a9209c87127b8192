//! The log stream's counts as the criteria read them: one place for the
//! cockpit's fold and `monitor`, so a gate and the panel judge alike.

use crate::domain::logs::rate::LogRate;

use super::window::{RecentFailures, Requests, Stats};

impl Stats {
    /// Error lines per minute, the access log's requests and throughput from
    /// `rate`. `stream`: a log stream is configured, so a missing figure is
    /// "not yet" rather than "never". `stopped`: the stream exited and has
    /// not counted since, so its figures are unknown: its last minute says
    /// nothing about now, and shown as current it would read "ok".
    pub fn set_log_figures(&mut self, stream: bool, rate: &LogRate, stopped: bool) {
        self.log_stream = stream;
        if stopped {
            self.log_errors_per_min = None;
            self.requests = None;
            self.throughput = None;
            self.recent_5xx = RecentFailures::default();
            return;
        }
        self.recent_5xx = RecentFailures::of_newest_first(rate.seconds().rev().map(|c| {
            (
                c.at,
                usize::try_from(c.server_errors).unwrap_or(usize::MAX),
                usize::try_from(c.requests).unwrap_or(usize::MAX),
            )
        }));
        self.log_errors_per_min = rate.errors_per_minute();
        self.requests = rate.requests().map(|(total, server_errors)| Requests {
            total: usize::try_from(total).unwrap_or(usize::MAX),
            server_errors: usize::try_from(server_errors).unwrap_or(usize::MAX),
        });
        self.throughput = rate.throughput();
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::domain::logs::LogCount;

    #[test]
    fn a_stopped_stream_has_no_figures_until_it_counts_again() {
        let mut rate = LogRate::default();
        for s in 0..10 {
            rate.push(LogCount {
                at: DateTime::from_timestamp(1_790_000_000 + s, 0).unwrap(),
                lines: 20,
                errors: 2,
                requests: 20,
                server_errors: 2,
            });
        }
        let mut stats = Stats::default();
        stats.set_log_figures(true, &rate, false);
        assert!(stats.log_stream);
        assert_eq!(stats.log_errors_per_min, Some(20.0));
        assert_eq!(
            stats.requests,
            Some(Requests {
                total: 200,
                server_errors: 20
            })
        );
        assert_eq!(stats.throughput, Some(20.0));
        stats.set_log_figures(true, &rate, true);
        assert_eq!(
            (stats.log_errors_per_min, stats.requests, stats.throughput),
            (None, None, None)
        );
        assert!(
            stats.log_stream,
            "configured still: the figures are unknown"
        );
    }
}
