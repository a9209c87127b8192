//! The vocabulary of a session. An [`Event`] is a fact the session learned; it
//! is journaled (as a [`Record`]) before it changes the state, so replaying
//! the journal rebuilds the state. An [`Action`] is what a key or a worker
//! asks for; [`crate::core::state::update`] turns it into [`Effect`]s, which the
//! loop carries out (journaling an event is one of them).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::logs::LogCount;
use crate::domain::monitor::{BaselineSource, MonitorConfig, ProbeSample};

/// Something a tick, note or mark applies to: a checklist item, or a runnable
/// section shown as a step ("Step 4: Deploy Application").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Item(usize),
    Step(usize),
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

impl Event {
    /// A decision a person made: it must be on disk before the screen shows it.
    pub fn is_human(&self) -> bool {
        match self {
            Event::MonitorConfigured(_) | Event::Samples { .. } => false,
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

/// Bindable commands: the names are what a config's `[keys]` table uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cmd {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    PrevSection,
    NextSection,
    Collapse,
    Expand,
    Search,
    SearchNext,
    SearchPrev,
    Tick,
    NotApplicable,
    Note,
    Open,
    Help,
    ToggleLog,
    Quit,
    /// `y` in a confirm.
    Confirm,
    /// `esc`: closes whatever modal is open.
    Cancel,
    /// `enter` in a text field.
    Submit,
    DeleteChar,
    /// `b`: pin the baseline from the window now (or at the 10th sample).
    PinBaseline,
    /// `Tab`: move the focus between the checklist and the criteria.
    FocusNext,
    /// `space` in the criteria: fire or clear a manual criterion.
    ToggleCriterion,
    /// `r` in the quit confirm: quit, then write the deployment report.
    QuitWithReport,
    Kill,
    Interrupt,
    Rollback,
    Skip,
    Retry,
    Abort,
    Follow,
    Announce,
    Copy,
    Post,
    /// `C`: the contacts and the escalation path.
    Escalation,
    /// `space` on an escalation step: record "contacted".
    Contacted,
    /// `t` in the run confirm: leave the screen and run the command in the
    /// terminal itself (it needs a tty: a password prompt, an editor).
    RunInTerminal,
    /// `L`: the application log full screen, and back.
    ZoomLogs,
    /// `w` in the dialog about a command a stopped cockpit left running.
    Wait,
    /// `l` in that dialog: leave it running, noted in the journal.
    Leave,
}

impl Cmd {
    pub const ALL: [Cmd; 44] = [
        Cmd::Up,
        Cmd::Down,
        Cmd::PageUp,
        Cmd::PageDown,
        Cmd::Top,
        Cmd::Bottom,
        Cmd::PrevSection,
        Cmd::NextSection,
        Cmd::Collapse,
        Cmd::Expand,
        Cmd::Search,
        Cmd::SearchNext,
        Cmd::SearchPrev,
        Cmd::Tick,
        Cmd::NotApplicable,
        Cmd::Note,
        Cmd::Open,
        Cmd::Help,
        Cmd::ToggleLog,
        Cmd::Quit,
        Cmd::Confirm,
        Cmd::Cancel,
        Cmd::Submit,
        Cmd::DeleteChar,
        Cmd::PinBaseline,
        Cmd::FocusNext,
        Cmd::ToggleCriterion,
        Cmd::QuitWithReport,
        Cmd::Kill,
        Cmd::Interrupt,
        Cmd::Rollback,
        Cmd::Skip,
        Cmd::Retry,
        Cmd::Abort,
        Cmd::Follow,
        Cmd::Announce,
        Cmd::Copy,
        Cmd::Post,
        Cmd::Escalation,
        Cmd::Contacted,
        Cmd::RunInTerminal,
        Cmd::ZoomLogs,
        Cmd::Wait,
        Cmd::Leave,
    ];

    /// The config name (`[keys] tick = "space"`).
    pub fn name(self) -> &'static str {
        match self {
            Cmd::Up => "up",
            Cmd::Down => "down",
            Cmd::PageUp => "page_up",
            Cmd::PageDown => "page_down",
            Cmd::Top => "top",
            Cmd::Bottom => "bottom",
            Cmd::PrevSection => "prev_section",
            Cmd::NextSection => "next_section",
            Cmd::Collapse => "collapse",
            Cmd::Expand => "expand",
            Cmd::Search => "search",
            Cmd::SearchNext => "search_next",
            Cmd::SearchPrev => "search_prev",
            Cmd::Tick => "tick",
            Cmd::NotApplicable => "not_applicable",
            Cmd::Note => "note",
            Cmd::Open => "open",
            Cmd::Help => "help",
            Cmd::ToggleLog => "toggle_log",
            Cmd::Quit => "quit",
            Cmd::Confirm => "confirm",
            Cmd::Cancel => "cancel",
            Cmd::Submit => "submit",
            Cmd::DeleteChar => "delete_char",
            Cmd::PinBaseline => "pin_baseline",
            Cmd::FocusNext => "focus_next",
            Cmd::ToggleCriterion => "toggle_criterion",
            Cmd::QuitWithReport => "quit_with_report",
            Cmd::Kill => "kill",
            Cmd::Interrupt => "interrupt",
            Cmd::Rollback => "rollback",
            Cmd::Skip => "skip",
            Cmd::Retry => "retry",
            Cmd::Abort => "abort",
            Cmd::Follow => "follow",
            Cmd::Announce => "announce",
            Cmd::Copy => "copy",
            Cmd::Post => "post",
            Cmd::Escalation => "escalation",
            Cmd::Contacted => "contacted",
            Cmd::RunInTerminal => "run_in_terminal",
            Cmd::ZoomLogs => "zoom_logs",
            Cmd::Wait => "wait",
            Cmd::Leave => "leave",
        }
    }

    pub fn from_name(name: &str) -> Option<Cmd> {
        Cmd::ALL.into_iter().find(|c| c.name() == name)
    }

    /// What the help overlay says about it.
    pub fn describe(self) -> &'static str {
        match self {
            Cmd::Up => "move up",
            Cmd::Down => "move down",
            Cmd::PageUp => "page up",
            Cmd::PageDown => "page down",
            Cmd::Top => "first row",
            Cmd::Bottom => "last row",
            Cmd::PrevSection => "previous section",
            Cmd::NextSection => "next section",
            Cmd::Collapse => "collapse section",
            Cmd::Expand => "expand section",
            Cmd::Search => "search items and sections",
            Cmd::SearchNext => "next match",
            Cmd::SearchPrev => "previous match",
            Cmd::Tick => "tick / untick (who and when are recorded)",
            Cmd::NotApplicable => "mark not applicable, with a reason",
            Cmd::Note => "add a note",
            Cmd::Open => "run the step's command (shows it, asks first)",
            Cmd::Help => "this help",
            Cmd::ToggleLog => "show / hide the log",
            Cmd::Quit => "quit (asks first)",
            Cmd::Confirm => "yes",
            Cmd::Cancel => "close / cancel",
            Cmd::Submit => "submit",
            Cmd::DeleteChar => "delete a character",
            Cmd::PinBaseline => "pin the health baseline now (who and when are recorded)",
            Cmd::FocusNext => "focus the checklist / the rollback criteria",
            Cmd::ToggleCriterion => "fire / clear a manual criterion (criteria focus)",
            Cmd::QuitWithReport => "quit and write the report",
            Cmd::Kill => "kill the running command (SIGINT, SIGTERM 3 s, SIGKILL 10 s)",
            Cmd::Interrupt => "ctrl-c: kill the running command, else quit (asks)",
            Cmd::Rollback => "open the rollback confirm (then y runs the rollback steps)",
            Cmd::Skip => "skip this rollback step",
            Cmd::Retry => "retry the failed rollback step",
            Cmd::Abort => "abort the rollback",
            Cmd::Follow => "output: follow the newest line again",
            Cmd::Announce => "show the filled announcement of this row",
            Cmd::Copy => "copy (OSC 52): an announcement (also saved), or a row's code",
            Cmd::Post => "post the announcement to the webhook (asks)",
            Cmd::Escalation => "contacts and the escalation path (its clock)",
            Cmd::Contacted => "escalation: mark the step contacted (who and when are recorded)",
            Cmd::RunInTerminal => {
                "run confirm: run it in the terminal itself, for a command that needs a tty \
                 (output is not captured)"
            }
            Cmd::ZoomLogs => "the application log (--logs): full screen / back; / filters it",
            Cmd::Wait => "a command the stopped cockpit left running: wait for it to end",
            Cmd::Leave => "a command the stopped cockpit left running: leave it (noted)",
        }
    }

    /// The one- or two-word footer hint.
    pub fn hint(self) -> &'static str {
        match self {
            Cmd::Tick => "tick",
            Cmd::NotApplicable => "n/a",
            Cmd::Note => "note",
            Cmd::Search => "search",
            Cmd::Help => "help",
            Cmd::ToggleLog => "log",
            Cmd::Quit => "quit",
            Cmd::Confirm => "yes",
            Cmd::Cancel => "cancel",
            Cmd::Submit => "ok",
            Cmd::Down => "move",
            Cmd::PinBaseline => "baseline",
            Cmd::FocusNext => "focus",
            Cmd::ToggleCriterion => "toggle",
            Cmd::QuitWithReport => "quit + report",
            Cmd::Open => "run",
            Cmd::ZoomLogs => "app log",
            Cmd::PageDown => "page",
            _ => self.name(),
        }
    }
}

/// CPU and memory of this machine, sampled by a worker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Machine {
    pub cpu_percent: f32,
    pub mem_used: u64,
    pub mem_total: u64,
}

/// What `update` is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Cmd(Cmd),
    /// A character typed into the open text field.
    Input(char),
    /// `1`..`9` on a question with alternatives: the 0-based option.
    Choose(usize),
    /// The wall clock moved (the only way time reaches the state).
    Clock(DateTime<Utc>),
    Machine(Machine),
    /// Pin the baseline. The runner sends `Auto` when the deployment's first
    /// command starts; an automatic pin never replaces a baseline.
    PinBaseline(BaselineSource),
    /// A running command reported (started, output, exited).
    Exec(crate::domain::exec::ExecEvent),
    /// The log stream's worker reported (lines, a start, an exit).
    Log(crate::domain::logs::LogMsg),
    /// A default found for an open form's field ([`Effect::Suggest`]).
    Suggested {
        name: String,
        value: String,
    },
    /// What the loop found of commands a stopped cockpit left without an
    /// exit (at `--resume`, and again when a group found running ends):
    /// liveness is the loop's business, never `update`'s.
    Leftovers(Vec<Leftover>),
    /// `--resume`: the journal is folded in; pick up what it left going
    /// (a rollback that never finished).
    Resumed,
    /// The loop could not start a journaled command.
    SpawnFailed {
        run: u64,
        error: String,
    },
    /// A record is on disk (or, in a mirror, read from it): fold it in.
    Journaled(Record),
    /// The journal could not be written: decisions are not safe.
    JournalFailed(String),
    /// A worker panicked; the cockpit carries on without it.
    WorkerPanicked(String),
    /// The webhook answered an announcement.
    Posted(Result<(), String>),
    /// The checklist pane's height, as last drawn: a page for PgUp/PgDn.
    Viewport {
        checklist_rows: u16,
    },
}

/// A command of a stopped cockpit, as the loop found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leftover {
    pub run: u64,
    /// Its process group, when the journal recorded one.
    pub pgid: Option<u32>,
    /// A process of the group is still running.
    pub alive: bool,
}

/// What the loop must carry out for `update`.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Append to the journal (fsync for human decisions), then apply.
    Journal(Event),
    /// Write the deployment report once the journal is closed.
    WriteReport,
    Quit,
    /// Start a command once its `CommandStarted` record is on disk.
    Spawn(Spawn),
    /// The escalating kill of a run's process group.
    Kill(u64),
    /// The same escalation for the group a stopped cockpit left running.
    KillGroup(u32),
    /// Watch a group a stopped cockpit left running, and report (as
    /// [`Action::Leftovers`]) when it has ended.
    WatchGroup {
        run: u64,
        pgid: u32,
    },
    /// OSC 52 to the terminal (the clipboard, through tmux too).
    Clipboard(String),
    /// Write a file (an announcement) under the session directory.
    SaveFile {
        name: String,
        text: String,
    },
    /// POST `{"text": ...}` to the configured webhook.
    Webhook(String),
    /// Look in the working directory for defaults of these placeholders of
    /// `code` (the newest `prod_backup_*.sql` for `..._YYYYMMDD_HHMMSS`):
    /// the disk is the loop's business, never `update`'s.
    Suggest {
        code: String,
        names: Vec<String>,
    },
}

/// What the loop needs to run a command; `code` holds the real values (it
/// never leaves memory), `env` the session's variables.
#[derive(Clone, PartialEq)]
pub struct Spawn {
    pub run: u64,
    pub code: String,
    pub env: Vec<(String, String)>,
    pub log: String,
    /// In the terminal itself, the screen suspended.
    pub terminal: bool,
}

/// Secret values stay out of `{:?}` (test failures, logs).
impl std::fmt::Debug for Spawn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spawn")
            .field("run", &self.run)
            .field("env", &self.env.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("log", &self.log)
            .field("terminal", &self.terminal)
            .finish_non_exhaustive()
    }
}

/// What a read-only mirror (`watch`) may do: look, never touch. An allow
/// list, so a command added later is refused in the mirror until listed.
pub fn allowed_in_mirror(cmd: Cmd) -> bool {
    use Cmd::*;
    matches!(
        cmd,
        Up | Down
            | PageUp
            | PageDown
            | Top
            | Bottom
            | PrevSection
            | NextSection
            | Collapse
            | Expand
            | Search
            | SearchNext
            | SearchPrev
            | Open
            | Help
            | ToggleLog
            | Quit
            | Cancel
            | Submit
            | DeleteChar
            | Follow
            | Announce
            // Looking at the escalation path is reading; marking a step
            // contacted (`Contacted`) is the deployer's, so it stays out.
            | Escalation
            | ZoomLogs
    )
}
