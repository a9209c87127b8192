//! This screen's own state: the cursor, the overlay, the output and log
//! panes, a rollback this screen is running. Not journaled: it is rebuilt
//! from the journal where it matters (a resumed rollback, see
//! `update::rollback::interrupted`) and is nobody else's business.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::core::event::Target;
use crate::core::modal::Modal;
use crate::core::outline::Row;
use crate::core::session::Session;
use crate::domain::exec::OutputBuffer;

/// Which keymap applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Normal,
    /// Typing into a field: unbound characters are text.
    Input,
    Confirm,
    /// Help or a command view: read, then close.
    Overlay,
    /// The criteria panel has the focus: its own keys, else Normal's.
    Criteria,
    /// A running rollback asks: run / skip, or retry / skip / abort.
    Ask,
    /// The escalation overlay: move between steps, mark one contacted.
    Escalation,
    /// The application log zoomed (`L`): movement scrolls it, `/` filters;
    /// its own keys, else Normal's.
    Logs,
}

impl Mode {
    pub const ALL: [Mode; 8] = [
        Mode::Normal,
        Mode::Input,
        Mode::Confirm,
        Mode::Overlay,
        Mode::Criteria,
        Mode::Ask,
        Mode::Escalation,
        Mode::Logs,
    ];

    /// A pane with the focus: its own keys first, then Normal's.
    pub fn falls_back(self) -> bool {
        matches!(self, Mode::Criteria | Mode::Logs)
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::Input => "input",
            Mode::Confirm => "confirm",
            Mode::Overlay => "overlay",
            Mode::Criteria => "criteria",
            Mode::Ask => "ask",
            Mode::Escalation => "escalation",
            Mode::Logs => "logs",
        }
    }
}

/// Which pane the movement keys drive (Tab switches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Checklist,
    Criteria,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ui {
    pub cursor: Option<Row>,
    pub collapsed: BTreeSet<usize>,
    pub modal: Option<Modal>,
    /// The last search, for `n`/`N`.
    pub search: Option<String>,
    /// Shown in the footer until the next key ("no match for ...").
    pub flash: Option<String>,
    /// The co-pilot's rollback request the deployer put away with `esc`
    /// (its time): a newer one shows again.
    pub request_dismissed: Option<chrono::DateTime<chrono::Utc>>,
    /// `join`: the rollback's question the co-pilot put away (`esc`); it
    /// opens again only when another is asked.
    pub question_dismissed: Option<crate::core::modal::Ask>,
    pub show_log: bool,
    /// Rows a page moves; the view sets it from the pane height.
    pub page: usize,
    /// The procedure the rollback confirm shows (`tab` cycles).
    pub rollback_procedure: usize,
    /// Lines scrolled in a long confirm.
    pub modal_scroll: u16,
    pub focus: Focus,
    /// The selected rollback criterion (criteria focus).
    pub criterion: usize,
}

/// The output pane's lines (not journaled: they are in the log file).
#[derive(Debug, Clone, Default)]
pub struct Pane(pub OutputBuffer);

impl PartialEq for Pane {
    fn eq(&self, other: &Self) -> bool {
        self.0.total() == other.0.total() && self.0.len() == other.0.len()
    }
}

/// The runner's screen-side state: what the pane shows, values typed this
/// session (secrets live only here), a start waiting for its record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExecUi {
    pub pane: Pane,
    /// The newest run: its output is `pane`.
    pub shown: Option<u64>,
    /// Earlier runs' output, newest last (see [`crate::core::update::pane::KEEP`]).
    pub earlier: Vec<(u64, Pane)>,
    /// The row the newest run was started from: while it is selected the
    /// pane keeps that run's output, whatever row the run belongs to (a
    /// rollback step belongs to none).
    pub anchor: Option<Row>,
    /// `z`: the output pane over the whole body.
    pub zoom: bool,
    /// Asked to start, its `CommandStarted` not folded in yet.
    pub pending: Option<u64>,
    /// The highest run id handed out by this screen.
    pub issued: u64,
    /// Every value typed this session, secrets included (memory only).
    pub values: BTreeMap<String, String>,
    /// Placeholders of a form just opened, to look up defaults for.
    pub suggest: Option<(String, Vec<String>)>,
    /// Groups a stopped cockpit left running (run, pgid), each asked about
    /// in turn.
    pub leftovers: Vec<(u64, u32)>,
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

/// Where the running rollback is (this screen's; the journal has the facts).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Driver {
    pub procedure: usize,
    pub step: usize,
    /// The alternative picked at a choice step.
    pub chosen: Option<usize>,
    /// Index into the step's command blocks.
    pub block: usize,
    /// The optional step was confirmed.
    pub asked: bool,
    pub waiting: Option<u64>,
    /// A step's command failed and was skipped: its result says so.
    pub failed: bool,
    /// The cockpit stopped while this step's command ran: whether it
    /// finished is unknown, so `r`/`s`/`a` is asked, never a silent re-run.
    pub unknown: bool,
    /// This step's command failed and `r`/`s`/`a` is not answered yet
    /// (also found by `--resume`): `R` asks it again.
    pub stopped_failed: bool,
}

/// The auto-rollback's countdown, on state time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Auto {
    pub countdown: Option<(DateTime<Utc>, String)>,
    /// `fired_at` of a firing cancelled on this screen whose record is on
    /// its way to the journal; the fact itself is `Session::auto_cancels`.
    pub cancelled: Vec<DateTime<Utc>>,
}

/// `replay`: where the timeline's cursor is, for the bar under the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayBar {
    /// The record shown, counted from 1 (0: there are none).
    pub at: usize,
    pub of: usize,
    pub when: Option<DateTime<Utc>>,
    /// What that record is (`alice ticked ...`, `command #3 exited 0`).
    pub what: String,
    pub speed: u32,
    pub playing: bool,
    /// The newest command had not ended at this moment: the journal holds
    /// no offset into its log, so the pane shows the log as it ended.
    pub output_as_of_end: bool,
}

/// A moment of the session, as `Timeline::moment` gives it to `update`.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    pub session: Session,
    pub now: Option<DateTime<Utc>>,
    pub bar: ReplayBar,
    /// The row the record is about (a tick, a note, a command).
    pub about: Option<Target>,
    /// The output pane, when it changed.
    pub output: Option<Output>,
}

/// The output pane's content at a moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub shown: Option<u64>,
    pub pane: Pane,
    pub earlier: Vec<(u64, Pane)>,
    /// The newest command's row, which keeps showing its output.
    pub anchor: Option<Target>,
}
