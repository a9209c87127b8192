//! The commands the journal knows: `CommandStarted`, `CommandExited`,
//! `CommandSpawned`, `CommandInterrupted` and `VariableSet`, folded.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::core::event::{Event, Record, Target};
use crate::core::session::Stamp;

#[derive(Debug, Clone, PartialEq)]
pub struct RunExit {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub duration_ms: u64,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

impl RunExit {
    /// The exit a `CommandExited` record tells, at the record's time.
    pub fn of(r: &Record) -> Option<RunExit> {
        match &r.event {
            Event::CommandExited {
                code,
                signal,
                duration_ms,
                error,
                ..
            } => Some(RunExit {
                code: *code,
                signal: *signal,
                duration_ms: *duration_ms,
                error: error.clone(),
                at: r.ts,
            }),
            _ => None,
        }
    }

    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// `exit 0 · 1.2s`, `SIGTERM · 3.0s`, `not started`.
    pub fn text(&self) -> String {
        format!("{} · {}", self.how(), seconds(self.duration_ms))
    }

    /// `exit 2`, `SIGTERM`, `not started`: how it ended, without the time.
    pub fn how(&self) -> String {
        match (self.code, self.signal, &self.error) {
            (_, _, Some(_)) => "not started".to_string(),
            (Some(c), _, _) => format!("exit {c}"),
            (None, Some(s), _) => signal_name(s),
            (None, None, _) => "ended".to_string(),
        }
    }
}

pub fn seconds(ms: u64) -> String {
    if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        format!("{}m{:02}s", ms / 60_000, (ms / 1000) % 60)
    }
}

pub fn signal_name(sig: i32) -> String {
    nix::sys::signal::Signal::try_from(sig)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {sig}"))
}

#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub run: u64,
    pub target: Option<Target>,
    pub block: usize,
    pub command: String,
    pub log: String,
    pub rollback_step: Option<usize>,
    /// Ran in the terminal itself: no output was captured.
    pub terminal: bool,
    pub started: Stamp,
    pub exit: Option<RunExit>,
    /// Started before a crash and never reported: not this cockpit's any
    /// more ("interrupted").
    pub lost: bool,
    /// Its process group, once the shell was running.
    pub pgid: Option<u32>,
    /// Lost, and its group found still running by `--resume` (not yet seen
    /// ended): a second start could deploy twice.
    pub still_running: bool,
    /// Its log's lines as of the newest `OutputMarks`: where a replay of
    /// this moment cuts a running command's output.
    pub output_lines: Option<u64>,
}

impl Run {
    pub fn running(&self) -> bool {
        self.exit.is_none() && !self.lost
    }

    /// Started by a cockpit that stopped before its exit was known.
    pub fn interrupted(&self) -> bool {
        self.exit.is_none() && self.lost
    }

    /// `interrupted`, or `interrupted: pid 4711 still running`.
    pub fn interrupted_text(&self) -> String {
        match (self.still_running, self.pgid) {
            (true, Some(pid)) => format!("interrupted: pid {pid} still running"),
            _ => "interrupted".to_string(),
        }
    }
}

/// The journal's commands and variables.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Runs {
    pub list: Vec<Run>,
    /// name -> (value as journaled, secret). A secret's value here is `••••`.
    pub vars: BTreeMap<String, (String, bool)>,
}

impl Runs {
    pub fn apply(&mut self, r: &Record) {
        match &r.event {
            Event::CommandStarted {
                run,
                target,
                block,
                command_masked,
                log,
                rollback_step,
                terminal,
            } => self.list.push(Run {
                run: *run,
                target: *target,
                block: *block,
                command: command_masked.clone(),
                log: log.clone(),
                rollback_step: *rollback_step,
                terminal: *terminal,
                started: Stamp::of(r),
                exit: None,
                lost: false,
                pgid: None,
                still_running: false,
                output_lines: None,
            }),
            Event::CommandSpawned { run, pgid } => {
                if let Some(x) = self.list.iter_mut().rev().find(|x| x.run == *run) {
                    x.pgid = Some(*pgid);
                }
            }
            Event::CommandInterrupted {
                run,
                pgid,
                still_running,
            } => {
                if let Some(x) = self.list.iter_mut().rev().find(|x| x.run == *run) {
                    x.lost = true;
                    x.pgid = x.pgid.or(*pgid);
                    x.still_running = *still_running;
                }
            }
            Event::OutputMarks { marks } => {
                for m in marks {
                    if let Some(x) = self.list.iter_mut().rev().find(|x| x.run == m.run) {
                        x.output_lines = Some(m.lines);
                    }
                }
            }
            Event::CommandExited { run, .. } => {
                if let Some(x) = self.list.iter_mut().rev().find(|x| x.run == *run) {
                    x.exit = RunExit::of(r);
                }
            }
            Event::VariableSet {
                name,
                value_masked,
                secret,
            } => {
                self.vars
                    .insert(name.clone(), (value_masked.clone(), *secret));
            }
            // Whatever ran before a resume is gone with the old process.
            Event::Resumed { .. } => {
                for x in self.list.iter_mut().filter(|x| x.exit.is_none()) {
                    x.lost = true;
                }
            }
            _ => {}
        }
    }

    pub fn running(&self) -> Option<&Run> {
        self.list.iter().rev().find(|x| x.running())
    }

    pub fn get(&self, run: u64) -> Option<&Run> {
        self.list.iter().rev().find(|x| x.run == run)
    }

    pub fn latest_for(&self, target: Target) -> Option<&Run> {
        self.list.iter().rev().find(|x| x.target == Some(target))
    }

    pub fn next_id(&self) -> u64 {
        self.list.iter().map(|x| x.run).max().unwrap_or(0) + 1
    }
}
