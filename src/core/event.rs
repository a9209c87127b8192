//! The journal's vocabulary. An [`Event`] is a fact the session learned; it
//! is journaled (as a [`Record`]) before it changes the state, so replaying
//! the journal rebuilds the state. Adding variants is fine; renaming one
//! breaks old journals. What asks for a change is in `core::action`; what
//! `update` asks the loop to do, in `core::effect`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::logs::LogCount;
use crate::domain::monitor::{BaselineSource, MonitorConfig, ProbeSample, Requests};

/// Something a tick, note or mark applies to: a checklist item, or a runnable
/// section shown as a step ("Step 4: Deploy Application").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Item(usize),
    Step(usize),
}

impl From<crate::domain::runbook::approvals::TwoPersonRow> for Target {
    fn from(row: crate::domain::runbook::approvals::TwoPersonRow) -> Target {
        use crate::domain::runbook::approvals::TwoPersonRow;
        match row {
            TwoPersonRow::Item(i) => Target::Item(i),
            TwoPersonRow::Step(s) => Target::Step(s),
        }
    }
}

/// How a session ended, journaled with [`Event::SessionEnded`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every checklist item outside the rollback procedure is done or n/a.
    Completed,
    /// The rollback was fired.
    RolledBack,
    /// Quit before the checklist was done.
    Abandoned,
}

impl Outcome {
    pub fn text(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::RolledBack => "rolled back",
            Outcome::Abandoned => "abandoned",
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A fact, as journaled. Adding variants is fine; renaming one breaks old
/// journals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    SessionStarted {
        runbook: String,
        /// Hex FNV-1a of the runbook text: resume can tell when it changed.
        runbook_hash: String,
        environment: String,
    },
    Ticked {
        target: Target,
    },
    Unticked {
        target: Target,
    },
    NotApplicable {
        target: Target,
        reason: String,
    },
    Noted {
        target: Option<Target>,
        text: String,
    },
    /// How the session probes and judges health (start of a session).
    MonitorConfigured(MonitorConfig),
    /// Probe results, batched (about one record a second, not fsync'd).
    Samples {
        samples: Vec<ProbeSample>,
    },
    /// One round of Prometheus queries (one record an interval, not
    /// fsync'd): what the criteria judge when a Prometheus is the source.
    PrometheusReading {
        reading: Box<crate::domain::monitor::prometheus::Reading>,
    },
    /// The baseline the criteria compare against.
    BaselinePinned {
        /// Percent.
        error_rate: f64,
        /// p95 of successful probes; `null` when every probe failed.
        latency_ms: Option<f64>,
        samples: usize,
        source: BaselineSource,
        /// Log error lines per minute; absent without a log stream, and in
        /// journals written before there was one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        log_errors_per_min: Option<f64>,
        /// The access log's requests and 5xx over the last minute; absent
        /// when the log stream showed no access line.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        requests: Option<Requests>,
        /// Requests per second, from the same access lines.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        throughput: Option<f64>,
    },
    /// A pin asked for before the window held enough samples: it takes
    /// effect at the 10th sample (the fold decides when, so replay agrees).
    BaselineRequested {
        source: BaselineSource,
    },
    /// The operator toggled a manual rollback criterion: it fires at once.
    CriterionToggled {
        criterion: usize,
    },
    /// `run --resume` picked the session up again (after a crash, a lost
    /// link or a kill). The hash says which runbook the records after it use.
    Resumed {
        runbook_hash: String,
    },
    /// The operator quit: the session is over and `run` will not offer to
    /// resume it.
    SessionEnded {
        outcome: Outcome,
    },
    /// How far each running command's log had got (its lines, logged or
    /// skipped on screen), about once a second while it prints: `replay`
    /// shows a running command's output up to there, nothing later. Not
    /// fsync'd.
    OutputMarks {
        marks: Vec<OutputMark>,
    },
    /// A command was started (journaled, and fsync'd, before it is spawned).
    /// `command_masked` is what the confirm showed: secrets are `••••`.
    CommandStarted {
        run: u64,
        /// The row it belongs to; `None` for a rollback step's command.
        target: Option<Target>,
        /// The first command block (`Runbook::blocks`) of the script.
        block: usize,
        command_masked: String,
        /// The masked output, one file per command, in the session directory.
        log: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rollback_step: Option<usize>,
        /// Run in the terminal itself, the screen suspended: its output
        /// went to the terminal, not to the log.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        terminal: bool,
    },
    /// The command's shell is running: its process group, so that a
    /// cockpit that dies with it running (kill -9) lets `--resume` find what
    /// it left behind. Absent in journals written before it was recorded.
    CommandSpawned {
        run: u64,
        pgid: u32,
    },
    /// `run --resume` found a command of the stopped cockpit without an
    /// exit: its group still running (`still_running`), or gone. Journaled
    /// again with `still_running: false` once a group found running ends.
    CommandInterrupted {
        run: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pgid: Option<u32>,
        still_running: bool,
    },
    CommandExited {
        run: u64,
        /// `null` when a signal ended it (or it never started).
        code: Option<i32>,
        signal: Option<i32>,
        duration_ms: u64,
        /// The command could not be started at all.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A value the operator gave for a placeholder or an unset `$VAR`. A
    /// secret's value is never written: `value_masked` is `••••`.
    VariableSet {
        name: String,
        value_masked: String,
        secret: bool,
    },
    /// `R`, `y` (or the auto-rollback): who is the record's `by`.
    RollbackStarted {
        /// "manual", or the texts of the criteria that fired.
        trigger: String,
        metrics: RollbackMetrics,
        /// Which of the runbook's procedures: 0 is the one `R` offers first,
        /// others were picked with `tab` in the confirm.
        #[serde(default, skip_serializing_if = "is_zero")]
        procedure: usize,
        /// Started by the auto-rollback, not by a key: how long the
        /// criterion had fired (seconds). The record's `by` is the operator
        /// whose cockpit armed it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        automatic_after_s: Option<u64>,
    },
    /// A choice step of the rollback: which alternative the record's `by`
    /// picked (`None`: skipped). Only that one runs.
    RollbackChoice {
        step: usize,
        option: Option<usize>,
        title: String,
    },
    RollbackStep {
        step: usize,
        title: String,
        result: StepResult,
    },
    RollbackFinished {
        result: RollbackResult,
    },
    /// `esc` on the auto-rollback countdown.
    AutoRollbackCancelled {
        criterion: String,
    },
    /// An announcement copied or posted (`a`, then `c` or `w`).
    AnnouncementSent {
        title: String,
        /// "clipboard" or "webhook".
        via: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<String>,
    },
    /// `space` on an escalation step: that person was reached. Who and when
    /// are the record's `by` and `ts`.
    EscalationContacted {
        /// Index into the runbook's escalation path.
        step: usize,
    },
    /// The application's log stream (`--logs`), at the start of a session
    /// (and of a resumed one).
    LogStreamConfigured {
        command_masked: String,
        /// The error patterns, as configured.
        patterns: Vec<String>,
        /// `--log-errors-above`: a criterion on error lines per minute.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        errors_above: Option<f64>,
    },
    /// The demo's compressed window clock, journaled right after
    /// `session_started`: `watch`, `report` and `--resume` show the window,
    /// checkpoints and overdue times the demo's cockpit showed. Absent in
    /// real sessions (and in journals written before it was journaled).
    DemoClock(DemoClock),
    /// The log stream's one-a-second counts, batched (about one record a
    /// second, not fsync'd), so errors per minute replay like the probes.
    LogCounts {
        counts: Vec<LogCount>,
    },
    /// The log command ended; it starts again after `restart_in_ms`.
    LogStreamExited {
        code: Option<i32>,
        signal: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        restart_in_ms: u64,
    },
    /// A co-pilot's `join` was let in; the record's `by` is their user name
    /// as the kernel gave it for the socket's peer.
    CopilotJoined {
        user: String,
    },
    /// Someone outside `[team] members` tried to join and was turned away.
    /// The record's `by` is the deployer, whose cockpit refused them.
    CopilotRefused {
        user: String,
        uid: u32,
    },
    /// A co-pilot (the record's `by`) asks for the rollback; the deployer's
    /// own `R` `y` runs it.
    RollbackRequested {},
    /// A co-pilot's connection closed (they quit, or the link broke).
    CopilotLeft {
        user: String,
    },
    /// The rows only someone other than the deployer may tick: the
    /// runbook's approvals and `[rules] two_person`. Journaled at the start
    /// of a session (and of a resumed one: the config's rows then).
    TwoPersonRule {
        targets: Vec<Target>,
    },
    /// `run --emergency`: no command runs until a co-pilot approves.
    EmergencyDeclared {},
    /// A co-pilot (the record's `by`) approved the emergency deployment.
    EmergencyApproved {},
}

/// The demo's window clock: it starts at `origin` and runs `speed` times
/// faster, so the window and the checkpoints move within minutes. Only the
/// window's figures are scaled: journal stamps and the monitor keep real
/// time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DemoClock {
    pub speed: f64,
    pub origin: DateTime<Utc>,
}

impl DemoClock {
    /// The slowest clock `scale` runs: a speed of 0 would stop the window.
    const MIN_SPEED: f64 = 0.01;

    /// `t` on the demo's window clock.
    pub fn scale(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.warp(t, self.speed.max(Self::MIN_SPEED))
    }

    /// The real moment the window clock shows `t`: when a step it says is
    /// due at `t` fell due.
    pub fn unscale(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.warp(t, 1.0 / self.speed.max(Self::MIN_SPEED))
    }

    /// `t` with its distance from `origin` multiplied by `factor`.
    fn warp(&self, t: DateTime<Utc>, factor: f64) -> DateTime<Utc> {
        let before = t < self.origin;
        let real = (t - self.origin).abs().to_std().unwrap_or_default();
        let scaled = real.mul_f64(factor);
        match chrono::Duration::from_std(scaled) {
            Ok(d) if before => self.origin - d,
            Ok(d) => self.origin + d,
            Err(_) => t,
        }
    }
}

/// The health figures at the moment the rollback fired.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RollbackMetrics {
    /// Percent, over the rolling window.
    pub error_rate: Option<f64>,
    pub p95_ms: Option<f64>,
    pub baseline_error_rate: Option<f64>,
    pub baseline_p95_ms: Option<f64>,
    pub samples: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepResult {
    Ok,
    /// An optional step the operator chose not to run.
    Skipped,
    /// Failed, and the operator skipped it.
    FailedSkipped,
    /// Failed, and the operator aborted the rollback.
    Failed,
}

impl StepResult {
    pub fn text(self) -> &'static str {
        match self {
            StepResult::Ok => "ok",
            StepResult::Skipped => "skipped",
            StepResult::FailedSkipped => "failed, skipped",
            StepResult::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollbackResult {
    Completed,
    Aborted,
}

/// A running command's log so far: `lines` since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputMark {
    pub run: u64,
    pub lines: u64,
}

impl Event {
    /// A decision a person made: it must be on disk before the screen shows it.
    pub fn is_human(&self) -> bool {
        match self {
            Event::MonitorConfigured(_)
            | Event::Samples { .. }
            | Event::PrometheusReading { .. }
            | Event::OutputMarks { .. } => false,
            // A command's exit is the runner's report; the start was fsync'd.
            Event::CommandExited { .. } => false,
            // Fsync'd: the only trace of a group a kill -9 leaves running.
            Event::CommandSpawned { .. } => true,
            Event::BaselinePinned { source, .. } | Event::BaselineRequested { source } => {
                *source == BaselineSource::Operator
            }
            _ => true,
        }
    }
}

/// One journal line: `{"seq": n, "ts": RFC 3339, "by": operator, "type": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    pub by: String,
    #[serde(flatten)]
    pub event: Event,
}

/// CPU and memory of this machine, sampled by a worker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Machine {
    pub cpu_percent: f32,
    pub mem_used: u64,
    pub mem_total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn the_demo_clock_is_journaled_and_runs_both_ways() {
        let c = DemoClock {
            speed: 60.0,
            origin: utc("2025-01-13T20:00:00Z"),
        };
        // 90 real seconds are 90 window minutes, and back.
        let real = utc("2025-01-13T20:01:30Z");
        assert_eq!(c.scale(real), utc("2025-01-13T21:30:00Z"));
        assert_eq!(c.unscale(utc("2025-01-13T21:30:00Z")), real);
        let line = serde_json::to_string(&Event::DemoClock(c)).unwrap();
        assert_eq!(
            line,
            r#"{"type":"demo_clock","speed":60.0,"origin":"2025-01-13T20:00:00Z"}"#
        );
        assert_eq!(
            serde_json::from_str::<Event>(&line).unwrap(),
            Event::DemoClock(c)
        );
    }
}
