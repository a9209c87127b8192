//! The application's log stream as the session knows it (its command, its
//! exits and restarts: journaled, so a mirror and the report see them) and
//! as this screen shows it (the newest lines, a filter, the zoom: not
//! journaled; the lines are in the session's log file).

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::{Stamp, State};
use crate::core::action::Cmd;
use crate::core::effect::Effect;
use crate::core::event::{Event, Record};
use crate::domain::exec::OutputBuffer;
use crate::domain::logs::{ErrorPatterns, LogMsg};

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
            (None, None, Some(s)) => format!("ended by {}", super::runs::signal_name(s)),
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

/// The screen's side: lines, filter, zoom.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogPane {
    pub lines: LinesBuffer,
    /// `/` in the zoomed pane: only lines containing this (case-insensitive).
    pub filter: Option<String>,
    /// `L`: the pane has the whole body.
    pub zoom: bool,
    /// The restart count the worker last reported.
    pub attempt: u32,
}

/// [`OutputBuffer`] compared by what it holds, so `State` stays comparable.
#[derive(Debug, Clone, Default)]
pub struct LinesBuffer(pub OutputBuffer);

impl PartialEq for LinesBuffer {
    fn eq(&self, other: &Self) -> bool {
        self.0.total() == other.0.total() && self.0.len() == other.0.len()
    }
}

/// A message from the stream's worker: lines for the pane (never
/// journaled), exits as facts.
pub fn message(state: &mut State, msg: LogMsg) -> Vec<Effect> {
    match msg {
        LogMsg::Started { attempt, .. } => {
            state.logs.attempt = attempt;
            Vec::new()
        }
        LogMsg::Lines { lines, skipped } => {
            state.logs.lines.0.extend(skipped, lines);
            Vec::new()
        }
        // Counts are batched by the loop into one `LogCounts` a second.
        LogMsg::Count(_) => Vec::new(),
        LogMsg::Exited {
            code,
            signal,
            error,
            restart_in,
        } => vec![Effect::Journal(Event::LogStreamExited {
            code,
            signal,
            error,
            restart_in_ms: u64::try_from(restart_in.as_millis()).unwrap_or(u64::MAX),
        })],
    }
}

/// The lines the pane shows: all of them, or the newest of those the
/// filter keeps (case-insensitive).
pub fn visible<'a>(
    pane: &'a LogPane,
    filter: Option<&str>,
    height: usize,
) -> Vec<&'a crate::domain::exec::Line> {
    match filter.filter(|f| !f.is_empty()) {
        None => pane.lines.0.visible(height).map(|(_, l)| l).collect(),
        Some(f) => {
            let f = f.to_lowercase();
            let mut out: Vec<&crate::domain::exec::Line> = pane
                .lines
                .0
                .iter()
                .rev()
                .map(|(_, l)| l)
                .filter(|l| l.text.to_lowercase().contains(&f))
                .take(height)
                .collect();
            out.reverse();
            out
        }
    }
}

/// `L`: the pane full screen, or back. Without a stream there is nothing
/// to show but how to start one.
pub fn zoom(state: &mut State) {
    if state.session.logs.command.is_none() && !state.logs.zoom {
        state.ui.flash = Some("no log stream: start one with --logs CMD".into());
        return;
    }
    state.logs.zoom = !state.logs.zoom;
}

/// Keys while the pane is zoomed; false leaves the key to Normal's handling.
pub fn command(state: &mut State, cmd: Cmd) -> bool {
    let page = state.ui.page.max(1);
    let lines = &mut state.logs.lines.0;
    match cmd {
        Cmd::Up => lines.scroll_up(1),
        Cmd::Down => lines.scroll_down(1),
        Cmd::PageUp => lines.page_up(page),
        Cmd::PageDown => lines.page_down(page),
        Cmd::Top => lines.scroll_up(usize::MAX / 2),
        Cmd::Bottom | Cmd::Follow => lines.follow(),
        Cmd::Search => {
            let text = state.logs.filter.clone().unwrap_or_default();
            state.ui.modal = Some(super::Modal::Input {
                field: super::Field::LogFilter,
                text,
            });
        }
        // esc: the filter goes first, then the zoom.
        Cmd::Cancel if state.logs.filter.is_some() => state.logs.filter = None,
        Cmd::Cancel | Cmd::ZoomLogs => state.logs.zoom = false,
        _ => return false,
    }
    true
}

/// The filter the pane applies: the one being typed, else the one set.
pub fn filter(state: &State) -> Option<&str> {
    match &state.ui.modal {
        Some(super::Modal::Input {
            field: super::Field::LogFilter,
            text,
        }) => Some(text.as_str()),
        _ => state.logs.filter.as_deref(),
    }
}
