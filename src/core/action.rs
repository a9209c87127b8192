//! What asks the state to change: an [`Action`] (a key's [`Cmd`], a
//! worker's report, the clock), which [`crate::core::update::update`] turns
//! into `Effect`s. `Cmd` names are the config's `[keys]` names.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::core::effect::Leftover;
use crate::core::event::{Machine, Record};
use crate::domain::monitor::BaselineSource;

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
    /// `z`: the output pane full screen, and back.
    ZoomOutput,
    /// `w` in the dialog about a command a stopped cockpit left running.
    Wait,
    /// `l` in that dialog: leave it running, noted in the journal.
    Leave,
    /// `replay`: one record back / on.
    ReplayBack,
    ReplayForward,
    /// `replay`: the previous / next decision.
    ReplayPrevDecision,
    ReplayNextDecision,
    /// `replay`: the first / last record.
    ReplayStart,
    ReplayEnd,
    /// `replay`: play / pause, faster, slower.
    ReplayPlay,
    ReplayFaster,
    ReplaySlower,
    /// `A` in `join`: approve an emergency deployment (`run --emergency`).
    Approve,
}

impl Cmd {
    pub const ALL: [Cmd; 55] = [
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
        Cmd::ZoomOutput,
        Cmd::Wait,
        Cmd::Leave,
        Cmd::ReplayBack,
        Cmd::ReplayForward,
        Cmd::ReplayPrevDecision,
        Cmd::ReplayNextDecision,
        Cmd::ReplayStart,
        Cmd::ReplayEnd,
        Cmd::ReplayPlay,
        Cmd::ReplayFaster,
        Cmd::ReplaySlower,
        Cmd::Approve,
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
            Cmd::ZoomOutput => "zoom_output",
            Cmd::Wait => "wait",
            Cmd::Leave => "leave",
            Cmd::ReplayBack => "replay_back",
            Cmd::ReplayForward => "replay_forward",
            Cmd::ReplayPrevDecision => "replay_prev_decision",
            Cmd::ReplayNextDecision => "replay_next_decision",
            Cmd::ReplayStart => "replay_start",
            Cmd::ReplayEnd => "replay_end",
            Cmd::ReplayPlay => "replay_play",
            Cmd::ReplayFaster => "replay_faster",
            Cmd::ReplaySlower => "replay_slower",
            Cmd::Approve => "approve",
        }
    }

    /// `replay`'s timeline keys: they move through the session, and
    /// change only what is looked at.
    pub fn moves_replay(self) -> bool {
        matches!(
            self,
            Cmd::ReplayBack
                | Cmd::ReplayForward
                | Cmd::ReplayPrevDecision
                | Cmd::ReplayNextDecision
                | Cmd::ReplayStart
                | Cmd::ReplayEnd
                | Cmd::ReplayPlay
                | Cmd::ReplayFaster
                | Cmd::ReplaySlower
        )
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
            Cmd::Interrupt => "interrupt: kill the running command, else quit (asks)",
            Cmd::Rollback => "open the rollback confirm (nothing runs until it is confirmed)",
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
            Cmd::ZoomLogs => "the application log (--logs): full screen / back; search filters it",
            Cmd::ZoomOutput => "the output pane full screen / back (page up/down scroll it)",
            Cmd::Wait => "a command the stopped cockpit left running: wait for it to end",
            Cmd::Leave => "a command the stopped cockpit left running: leave it (noted)",
            Cmd::ReplayBack => "replay: one event back",
            Cmd::ReplayForward => "replay: one event on",
            Cmd::ReplayPrevDecision => {
                "replay: previous decision (tick, command, criterion change, rollback)"
            }
            Cmd::ReplayNextDecision => "replay: next decision",
            Cmd::ReplayStart => "replay: the session's start",
            Cmd::ReplayEnd => "replay: the session's end",
            Cmd::ReplayPlay => "replay: play / pause",
            Cmd::ReplayFaster => "replay: play faster (1x, 10x, 60x)",
            Cmd::ReplaySlower => "replay: play slower",
            Cmd::Approve => "co-pilot: approve the emergency deployment (run --emergency)",
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
            Cmd::ZoomOutput => "output",
            Cmd::PageDown => "page",
            Cmd::ReplayForward => "step",
            Cmd::ReplayNextDecision => "decision",
            Cmd::ReplayPlay => "play",
            _ => self.name(),
        }
    }
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
    /// A mirror found the session lock held (`alive`) or released: the
    /// loop looks, `update` only hears it.
    Deployer {
        alive: bool,
    },
    /// A record is on disk (or, in a mirror, read from it): fold it in.
    Journaled(Record),
    /// The journal could not be written: decisions are not safe.
    JournalFailed(String),
    /// A worker panicked; the cockpit carries on without it.
    WorkerPanicked(String),
    /// The webhook answered an announcement.
    Posted(Result<(), String>),
    /// `replay`: the timeline moved; show its moment (the viewer's cursor
    /// following the record's row when `follow`).
    Replayed {
        moment: Box<crate::core::screen::Moment>,
        follow: bool,
    },
    /// The checklist pane's height, as last drawn: a page for PgUp/PgDn;
    /// and how far the help can scroll, so scrolling past its end is undone.
    Viewport {
        checklist_rows: u16,
        overlay_hidden: u16,
    },
    /// A co-pilot's request, `user` from the kernel (`run`); `conn` is the
    /// connection the answer goes back to.
    Copilot {
        conn: u64,
        user: String,
        /// The peer runs as the deployer's own uid: never a second person.
        same_uid: bool,
        request: crate::core::copilot::Request,
    },
    /// `run` answered this co-pilot's request (`join`).
    CopilotAnswer(crate::core::copilot::Reply),
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
            | ZoomOutput
    ) || cmd.moves_replay()
}
