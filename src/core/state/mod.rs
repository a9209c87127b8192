//! The session state: the runbook (read-only), the [`Session`] (a fold of
//! journaled events, so replay rebuilds it exactly) and the [`Ui`] (cursor,
//! modal, search: not journaled, it is this screen's own business).

pub mod announce;
pub mod clock;
pub mod escalation;
pub mod health;
pub mod logs;
pub mod outline;
pub mod pane;
pub mod rollback;
pub mod runs;
mod update;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::core::event::{DemoClock, Event, Machine, Outcome, Record, Target};
use crate::domain::runbook::{Runbook, Window};
pub use health::Health;
pub use outline::{Outline, Row};
pub use rollback::{Ask, RollbackLog};
pub use runs::{Form, RunPlan, Runs};
pub use update::update;

use crate::core::settings::Settings;

/// The runbook and its outline. Compared by content hash, so a state rebuilt
/// from a re-parsed runbook equals the original.
#[derive(Debug, Clone)]
pub struct Plan {
    pub runbook: Arc<Runbook>,
    pub outline: Arc<Outline>,
    pub hash: String,
}

impl PartialEq for Plan {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash
    }
}

impl Plan {
    pub fn new(runbook: Runbook, text: &str) -> Plan {
        let outline = Outline::new(&runbook);
        Plan {
            runbook: Arc::new(runbook),
            outline: Arc::new(outline),
            hash: fnv1a(text),
        }
    }
}

/// Hex FNV-1a 64: enough to notice a changed runbook, no extra dependency.
pub fn fnv1a(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

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
            | Event::CommandSpawned { .. }
            | Event::CommandInterrupted { .. }
            | Event::VariableSet { .. } => self.runs.apply(r),
            Event::RollbackStarted { .. }
            | Event::RollbackChoice { .. }
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
            Event::LogStreamExited { .. } => self.logs.apply(r),
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

/// A text field's purpose: what Enter does with the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Search,
    /// `/` in the zoomed application log.
    LogFilter,
    Reason(Target),
    Note(Option<Target>),
}

/// What a confirm confirms; `y` carries it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    Quit,
    /// Post announcement (its block) to the webhook.
    Post(usize),
}

/// At most one overlay at a time, so no combination of flags can disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    Help,
    /// The demo's first-run overlay: the five things to try.
    Tour,
    /// The command(s) of a row; the runner issue turns this into "run it?".
    Command(Row),
    Input {
        field: Field,
        text: String,
    },
    Confirm(Confirm),
    /// "Run this?": the exact, masked command.
    Run(Box<RunPlan>),
    /// Values a command needs (placeholders, unset `$VARS`).
    Form(Form),
    /// The red rollback confirm.
    Rollback,
    /// A running rollback's question.
    Ask(Ask),
    /// Which of a row's alternatives `enter` should run.
    Pick(runs::Pick),
    /// A command the stopped cockpit left running (run id, pgid): kill it,
    /// wait for it, or leave it.
    Leftover {
        run: u64,
        pgid: u32,
    },
    /// An announcement template (block id), filled from the session.
    Announcement(usize),
    /// Contacts and the escalation path; `step` is the selected step.
    Escalation {
        step: usize,
    },
}

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

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub plan: Plan,
    pub settings: Settings,
    pub session: Session,
    pub ui: Ui,
    pub now: DateTime<Utc>,
    pub machine: Option<Machine>,
    /// Set when the journal could not be written: decisions are not safe.
    pub journal_error: Option<String>,
    /// `watch`: a mirror of someone else's session. Nothing that changes
    /// the session is reachable (see `keys::allowed_in_mirror`).
    pub read_only: bool,
    /// The output pane, typed values, a start in flight.
    pub exec: runs::ExecUi,
    /// The application log pane.
    pub logs: logs::LogPane,
    /// A rollback being run by this screen.
    pub rollback: Option<rollback::Driver>,
    pub auto: rollback::Auto,
    /// A mirror's view of the deployer: its cockpit's lock was found
    /// released while the session had not ended (the loop looks).
    pub deployer_gone: bool,
}

impl State {
    pub fn new(plan: Plan, settings: Settings, now: DateTime<Utc>) -> State {
        let session = Session::new(&plan.runbook);
        let cursor = plan.outline.rows(&BTreeSet::new()).first().copied();
        State {
            plan,
            settings,
            session,
            ui: Ui {
                cursor,
                page: 10,
                ..Ui::default()
            },
            now,
            machine: None,
            journal_error: None,
            read_only: false,
            exec: runs::ExecUi::default(),
            logs: logs::LogPane::default(),
            rollback: None,
            auto: rollback::Auto::default(),
            deployer_gone: false,
        }
    }

    /// Rebuilds a state from a journal (the runbook itself is not journaled).
    pub fn replay(plan: Plan, settings: Settings, now: DateTime<Utc>, records: &[Record]) -> State {
        let mut s = State::new(plan, settings, now);
        for r in records {
            s.session.apply(r);
        }
        s
    }

    /// How quitting now would end the session.
    pub fn outcome(&self) -> Outcome {
        if self.session.rollback.is_some() {
            return Outcome::RolledBack;
        }
        let open = self.left_undone() != (0, 0, 0);
        if open || self.runbook().items.is_empty() {
            Outcome::Abandoned
        } else {
            Outcome::Completed
        }
    }

    pub fn runbook(&self) -> &Runbook {
        &self.plan.runbook
    }

    /// The demo's window clock: the journaled one, which `watch`, `report`
    /// and `--resume` fold in too; the demo's own settings until its record
    /// is back from the journal (the first frame).
    pub fn demo_clock(&self) -> Option<DemoClock> {
        self.session.clock.or(self.settings.demo)
    }

    /// `t` as the window clock shows it (scaled in the demo).
    pub fn window_time(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.demo_clock().map_or(t, |d| d.scale(t))
    }

    /// The maintenance window this session keeps: the runbook's, or in the
    /// demo one opening when the demo started (a rehearsal at any hour is
    /// not an emergency; the saved runbook keeps the real window).
    pub fn window(&self) -> Option<std::borrow::Cow<'_, Window>> {
        let written = self.runbook().window.as_ref();
        match self.demo_clock() {
            Some(c) => Some(std::borrow::Cow::Owned(clock::opening_now(
                written, c.origin,
            ))),
            None => written.map(std::borrow::Cow::Borrowed),
        }
    }

    /// The window against the (window) clock, if there is one.
    pub fn window_view(&self) -> Option<clock::WindowView> {
        let w = self.window()?;
        clock::window_view(
            &w,
            self.window_time(self.now),
            self.session.first_step.map(|t| self.window_time(t)),
        )
    }

    /// A checkpoint `minutes` before the window's start, on the window
    /// clock: the checklist and the report say the same.
    pub fn checkpoint(&self, minutes: u32) -> Option<clock::CheckpointView> {
        let v = self.window_view()?;
        Some(clock::checkpoint(&v, self.window_time(self.now), minutes))
    }

    pub fn rows(&self) -> Vec<Row> {
        self.plan.outline.rows(&self.ui.collapsed)
    }

    pub fn mode(&self) -> Mode {
        match &self.ui.modal {
            None if self.logs.zoom => Mode::Logs,
            None if self.ui.focus == Focus::Criteria => Mode::Criteria,
            None => Mode::Normal,
            Some(Modal::Input { .. }) => Mode::Input,
            Some(Modal::Form(_)) => Mode::Input,
            Some(Modal::Confirm(_) | Modal::Run(_) | Modal::Rollback) => Mode::Confirm,
            Some(Modal::Ask(_) | Modal::Pick(_) | Modal::Leftover { .. }) => Mode::Ask,
            Some(Modal::Escalation { .. }) => Mode::Escalation,
            Some(Modal::Help | Modal::Tour | Modal::Command(_) | Modal::Announcement(_)) => {
                Mode::Overlay
            }
        }
    }

    pub fn row_status(&self, row: Row) -> Status {
        row.target(self.runbook())
            .map_or(Status::Open, |t| self.session.status(t))
    }

    /// `(done, total)` for a section's subtree; not-applicable counts as done.
    pub fn progress(&self, section: usize) -> (usize, usize) {
        let Some(info) = self.plan.outline.sections.get(section) else {
            return (0, 0);
        };
        let done = info
            .subtree_items
            .iter()
            .filter(|&&i| self.session.status(Target::Item(i)).is_done())
            .count();
        (done, info.subtree_items.len())
    }

    /// `(done, total)` over the whole checklist.
    pub fn checklist_done(&self) -> (usize, usize) {
        let total = self.runbook().items.len();
        let done = (0..total)
            .filter(|&i| self.session.status(Target::Item(i)).is_done())
            .count();
        (done, total)
    }

    /// Not done, by why: (open, failed, running or cut short), outside
    /// the rollback's own checklist. What an abandoned session left.
    pub fn left_undone(&self) -> (usize, usize, usize) {
        let rb = self.runbook();
        let rollback_items: BTreeSet<usize> = rb
            .rollback
            .as_ref()
            .and_then(|r| self.plan.outline.sections.get(r.section))
            .map(|info| info.subtree_items.iter().copied().collect())
            .unwrap_or_default();
        let mut out = (0, 0, 0);
        for i in (0..rb.items.len()).filter(|i| !rollback_items.contains(i)) {
            match self.session.status(Target::Item(i)) {
                Status::Open => out.0 += 1,
                Status::Failed => out.1 += 1,
                Status::Running | Status::Interrupted => out.2 += 1,
                Status::Done | Status::NotApplicable => {}
            }
        }
        out
    }

    /// The text a search matches and the checklist shows.
    pub fn row_text(&self, row: Row) -> &str {
        let rb = self.runbook();
        match row {
            Row::Section(s) => rb.sections.get(s).map_or("", |s| s.title.as_str()),
            Row::Item(i) => rb.items.get(i).map_or("", |i| i.text.as_str()),
        }
    }
}
