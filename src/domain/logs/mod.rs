//! The application's log stream: a command (`railway logs`, `kubectl logs
//! -f`, ...) that runs for the whole session beside the runbook's steps. Its
//! lines go, masked, to a file in the session directory and to the log pane;
//! every line is counted, and error lines counted apart, one [`LogCount`] a
//! second, so "errors per minute" is judged like the probe's numbers. Where
//! the lines are access lines ([`access`]), their requests and 5xx are
//! counted too: the request error rate and throughput users mean.

pub mod access;
pub mod patterns;
pub mod rate;
pub mod stream;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::exec::Line;

pub use patterns::{DEFAULT_PATTERNS, ErrorPatterns};
pub use stream::{Backoff, LogHandle, LogSpec, spawn};

/// One second of the stream, counted before any line is dropped for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LogCount {
    /// The start of the second.
    pub at: DateTime<Utc>,
    pub lines: u32,
    pub errors: u32,
    /// Access lines among the lines: one request each. Absent (0) in
    /// journals written before they were counted, and for app logs.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub requests: u32,
    /// Requests answered with a 5xx.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub server_errors: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What the stream's worker tells the loop.
#[derive(Debug, Clone, PartialEq)]
pub enum LogMsg {
    /// The command (re)started; `attempt` counts from 1.
    Started {
        attempt: u32,
        pid: u32,
        at: DateTime<Utc>,
    },
    /// Lines for the pane, masked and escape-free, oldest first. `skipped`
    /// lines came before them and were counted and logged, not sent: the
    /// loop was behind.
    Lines { lines: Vec<Line>, skipped: u64 },
    /// Sent once a second while the command runs (also for quiet seconds).
    Count(LogCount),
    /// The command ended; it starts again after `restart_in`.
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
        /// It could not be started at all.
        error: Option<String>,
        restart_in: Duration,
    },
}
