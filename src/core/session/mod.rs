//! The session as the journal tells it: a fold of journaled records, so a
//! replay (`run --resume`, `watch`, `report`) rebuilds it exactly. Only
//! [`Session::apply`] changes it; nothing here knows the screen.

pub mod escalation;
pub mod health;
pub mod logs;
pub mod rollback;
pub mod runs;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::core::event::{DemoClock, Event, Outcome, Record, Target};
use crate::domain::runbook::Runbook;
use health::Health;
use rollback::RollbackLog;
use runs::Runs;

/// Who did something, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub by: String,
    pub at: DateTime<Utc>,
}

impl Stamp {
    fn of(r: &Record) -> Stamp {
        Stamp {
            by: r.by.clone(),
            at: r.ts,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    Done(Stamp),
    NotApplicable { stamp: Stamp, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub target: Option<Target>,
    pub text: String,
    pub stamp: Stamp,
}

/// A row's glyph. `Running` and `Failed` come from the runner's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Done,
    NotApplicable,
    Running,
    Failed,
    /// Its command was running when the cockpit stopped (kill -9, a crash):
    /// not done, and maybe not over either.
    Interrupted,
}

impl Status {
    /// Ticked or not applicable: what the counts count. A failed check, a
    /// command still running or one cut short is not done.
    pub fn is_done(self) -> bool {
        matches!(self, Status::Done | Status::NotApplicable)
    }

    pub fn glyph(self) -> &'static str {
        match self {
            Status::Open => "☐",
            Status::Done => "☑",
            Status::NotApplicable => "⊘",
            Status::Running => "▶",
            Status::Failed => "✗",
            Status::Interrupted => "⚠",
        }
    }
}

/// Everything the journal knows. Only [`Session::apply`] changes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The first `session_started`: who opened the session, and when.
    pub started: Option<Stamp>,
    pub runbook_hash: Option<String>,
    /// The runbook's name as `session_started` journaled it.
    pub runbook_name: Option<String>,
    pub environment: Option<String>,
    /// Everyone who wrote a record (the monitor too), in order of first
    /// appearance.
    pub operators: Vec<String>,
    /// The time of the last record folded in: where an unended session
    /// stops.
    pub last_at: Option<DateTime<Utc>>,
    pub marks: BTreeMap<Target, Mark>,
    pub notes: Vec<Note>,
    /// Probes, baseline and rollback criteria.
    pub health: Health,
    /// The first tick (later also the first command): "elapsed" counts from it.
    pub first_step: Option<DateTime<Utc>>,
    pub last_seq: u64,
    /// Each time `run --resume` picked the session up.
    pub resumed: Vec<Stamp>,
    /// Set by the operator's quit; a mirror says "session ended".
    pub ended: Option<(Stamp, Outcome)>,
    /// Commands started and their exits; variables given.
    pub runs: Runs,
    /// The rollback, once fired.
    pub rollback: Option<RollbackLog>,
    /// `esc` on the auto-rollback countdown: the `fired_at` of the firing
    /// cancelled. It never counts down again; a new firing of the same
    /// criterion (after it resolved) does.
    pub auto_cancels: Vec<DateTime<Utc>>,
    /// The escalation clock and who was contacted.
    pub escalation: escalation::Escalation,
    /// The application's log stream: its command and its exits.
    pub logs: logs::LogStream,
    /// The demo's compressed window clock, as journaled.
    pub clock: Option<DemoClock>,
    /// A co-pilot's rollback request not yet answered by a rollback.
    pub rollback_request: Option<Stamp>,
    /// The rows only someone other than the deployer may tick, as
    /// journaled (`two_person_rule`).
    pub two_person: std::collections::BTreeSet<Target>,
    /// `run --emergency`: when it was declared, and the co-pilot's approval.
    pub emergency: Option<Emergency>,
    /// The co-pilots connected now, in order of joining.
    pub copilots: Vec<String>,
}

/// An emergency deployment: no command runs before `approved`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emergency {
    pub declared: Stamp,
    pub approved: Option<Stamp>,
}

impl Session {
    pub fn new(runbook: &Runbook) -> Session {
        Session {
            started: None,
            runbook_hash: None,
            runbook_name: None,
            environment: None,
            operators: Vec::new(),
            last_at: None,
            marks: BTreeMap::new(),
            notes: Vec::new(),
            health: Health::new(&runbook.criteria),
            first_step: None,
            last_seq: 0,
            resumed: Vec::new(),
            ended: None,
            runs: Runs::default(),
            rollback: None,
            auto_cancels: Vec::new(),
            escalation: escalation::Escalation::default(),
            logs: logs::LogStream::default(),
            clock: None,
            rollback_request: None,
            two_person: std::collections::BTreeSet::new(),
            emergency: None,
            copilots: Vec::new(),
        }
    }

    /// Folds one journaled record in. Total: a record about an unknown item
    /// or criterion (a changed runbook) is kept out of the way, never a panic.
    pub fn apply(&mut self, r: &Record) {
        self.last_seq = self.last_seq.max(r.seq);
        self.last_at = Some(r.ts);
        if !self.operators.contains(&r.by) {
            self.operators.push(r.by.clone());
        }
        match &r.event {
            Event::SessionStarted {
                runbook,
                runbook_hash,
                environment,
                ..
            } => {
                if self.started.is_none() {
                    self.started = Some(Stamp::of(r));
                }
                self.runbook_hash = Some(runbook_hash.clone());
                self.runbook_name = Some(runbook.clone());
                self.environment = Some(environment.clone());
            }
            Event::Ticked { target } => {
                self.marks.insert(*target, Mark::Done(Stamp::of(r)));
                self.first_step.get_or_insert(r.ts);
            }
            Event::Unticked { target } => {
                self.marks.remove(target);
            }
            Event::NotApplicable { target, reason } => {
                self.marks.insert(
                    *target,
                    Mark::NotApplicable {
                        stamp: Stamp::of(r),
                        reason: reason.clone(),
                    },
                );
            }
            Event::Noted { target, text } => self.notes.push(Note {
                target: *target,
                text: text.clone(),
                stamp: Stamp::of(r),
            }),
            Event::MonitorConfigured(_)
            | Event::Samples { .. }
            | Event::PrometheusReading { .. }
            | Event::BaselinePinned { .. }
            | Event::BaselineRequested { .. }
            | Event::CriterionToggled { .. } => self.health.apply(r),
            Event::Resumed { runbook_hash } => {
                self.runbook_hash = Some(runbook_hash.clone());
                self.resumed.push(Stamp::of(r));
                self.runs.apply(r);
            }
            Event::SessionEnded { outcome } => self.ended = Some((Stamp::of(r), *outcome)),
            Event::CommandStarted { .. } => {
                self.first_step.get_or_insert(r.ts);
                self.runs.apply(r);
            }
            Event::CommandExited { .. }
            | Event::OutputMarks { .. }
            | Event::CommandSpawned { .. }
            | Event::CommandInterrupted { .. }
            | Event::VariableSet { .. } => self.runs.apply(r),
            Event::RollbackRequested {} if self.rollback.is_none() => {
                self.rollback_request = Some(Stamp::of(r));
            }
            Event::RollbackRequested {} | Event::CopilotRefused { .. } => {}
            Event::CopilotJoined { user } => self.copilots.push(user.clone()),
            Event::CopilotLeft { user } => {
                if let Some(i) = self.copilots.iter().position(|u| u == user) {
                    self.copilots.remove(i);
                }
            }
            Event::TwoPersonRule { targets } => {
                self.two_person = targets.iter().copied().collect();
            }
            Event::EmergencyDeclared {} => {
                self.emergency.get_or_insert(Emergency {
                    declared: Stamp::of(r),
                    approved: None,
                });
            }
            Event::EmergencyApproved {} => {
                if let Some(e) = &mut self.emergency {
                    e.approved.get_or_insert(Stamp::of(r));
                }
            }
            Event::RollbackStarted { .. } => {
                self.rollback_request = None;
                RollbackLog::apply(&mut self.rollback, r);
            }
            Event::RollbackChoice { .. }
            | Event::RollbackStep { .. }
            | Event::RollbackFinished { .. } => RollbackLog::apply(&mut self.rollback, r),
            Event::AutoRollbackCancelled { criterion } => {
                // The firing it cancelled, as the fold knows it at this point.
                if let Some(at) = self
                    .health
                    .engine
                    .judged()
                    .filter(|(c, _)| &c.text == criterion)
                    .find_map(|(_, v)| v.fired_at)
                {
                    self.auto_cancels.push(at);
                }
            }
            Event::AnnouncementSent { .. } | Event::EscalationContacted { .. } => {}
            Event::LogStreamConfigured { .. } | Event::LogCounts { .. } => {
                self.health.apply(r);
                self.logs.apply(r);
            }
            Event::LogStreamExited { .. } => {
                self.health.apply(r);
                self.logs.apply(r);
            }
            Event::DemoClock(c) => self.clock = Some(*c),
        }
        let firing =
            (self.escalation.started.is_none() && self.health.firing()).then(|| self.fired_at(r));
        self.escalation.apply(r, firing);
    }

    /// When and which criterion turned the verdict to firing: the monitor's
    /// own transition time (a sample's), else the record's.
    fn fired_at(&self, r: &Record) -> (DateTime<Utc>, String) {
        use crate::domain::monitor::criteria::State as C;
        let name = |i: usize| {
            self.health
                .engine
                .checks
                .get(i)
                .map_or_else(|| format!("criterion #{i}"), |c| c.text.clone())
        };
        self.health
            .transitions
            .iter()
            .rev()
            .find(|t| t.to == C::Firing)
            .map(|t| (t.at, name(t.criterion)))
            .or_else(|| {
                self.health
                    .engine
                    .verdicts
                    .iter()
                    .position(|v| v.state == C::Firing)
                    .map(|i| (r.ts, name(i)))
            })
            .unwrap_or_else(|| (r.ts, "a criterion".into()))
    }

    pub fn status(&self, target: Target) -> Status {
        let run = self.runs.latest_for(target);
        if run.is_some_and(runs::Run::running) {
            return Status::Running;
        }
        match self.marks.get(&target) {
            Some(Mark::Done(_)) => Status::Done,
            Some(Mark::NotApplicable { .. }) => Status::NotApplicable,
            None if run.is_some_and(runs::Run::interrupted) => Status::Interrupted,
            // A failed command marks its row until it is run again or ticked.
            None if run
                .and_then(|r| r.exit.as_ref())
                .is_some_and(|x| !x.success()) =>
            {
                Status::Failed
            }
            None => Status::Open,
        }
    }

    pub fn firing(&self) -> bool {
        self.health.firing()
    }
}
