//! The application's log stream as the journal tells it: its command, its
//! exits and restarts (so a mirror and the report see them). The lines
//! themselves are in the session's log file; the pane is screen state.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::core::event::{Event, Record};
use crate::core::session::Stamp;
use crate::domain::logs::ErrorPatterns;

/// Enough exits for the report; a command that dies every 30 s for hours
/// cannot grow it forever.
const MAX_EXITS: usize = 200;

/// The log command ended, as journaled.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamExit {
    pub stamp: Stamp,
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub error: Option<String>,
    pub restart_in: Duration,
}

impl StreamExit {
    pub fn of(r: &Record) -> Option<StreamExit> {
        match &r.event {
            Event::LogStreamExited {
                code,
                signal,
                error,
                restart_in_ms,
            } => Some(StreamExit {
                stamp: Stamp::of(r),
                code: *code,
                signal: *signal,
                error: error.clone(),
                restart_in: Duration::from_millis(*restart_in_ms),
            }),
            _ => None,
        }
    }

    /// "exited 1, restarting in 4 s".
    pub fn text(&self) -> String {
        let how = match (&self.error, self.code, self.signal) {
            (Some(e), _, _) => format!("could not start ({e})"),
            (None, Some(c), _) => format!("exited {c}"),
            (None, None, Some(s)) => {
                format!("ended by {}", crate::core::session::runs::signal_name(s))
            }
            (None, None, None) => "ended".to_string(),
        };
        format!("{how}, restarting in {} s", self.restart_in.as_secs())
    }

    /// When the restart is due.
    pub fn restart_at(&self) -> DateTime<Utc> {
        self.stamp.at + TimeDelta::from_std(self.restart_in).unwrap_or(TimeDelta::zero())
    }
}

/// The journal's side of the stream.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogStream {
    /// The masked command, once configured.
    pub command: Option<String>,
    /// Which lines are errors, as journaled: the counts were made with
    /// them, and the pane (here, a mirror's, a resumed one's) highlights
    /// with the same.
    pub patterns: ErrorPatterns,
    pub exits: Vec<StreamExit>,
    /// The newest count's time: the stream was up then.
    pub last_count: Option<DateTime<Utc>>,
}

impl LogStream {
    pub fn apply(&mut self, r: &Record) {
        match &r.event {
            Event::LogStreamConfigured {
                command_masked,
                patterns,
                ..
            } => {
                self.command = Some(command_masked.clone());
                // Journaled by a cockpit that compiled them; a journal
                // edited by hand gets the defaults rather than a panic.
                self.patterns = ErrorPatterns::new(patterns).unwrap_or_default();
            }
            Event::LogCounts { counts } => {
                if let Some(c) = counts.last() {
                    self.last_count = Some(c.at);
                }
            }
            Event::LogStreamExited { .. } => {
                if self.exits.len() >= MAX_EXITS {
                    self.exits.remove(0);
                }
                self.exits.extend(StreamExit::of(r));
            }
            _ => {}
        }
    }

    /// The exit the stream has not come back from yet, if any.
    pub fn down(&self) -> Option<&StreamExit> {
        let last = self.exits.last()?;
        match self.last_count {
            Some(t) if t >= last.stamp.at => None,
            _ => Some(last),
        }
    }
}
