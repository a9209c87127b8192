//! The state a screen draws: the plan (read-only), the settings, the
//! [`Session`] (the journal's fold), this screen's own state and the time.
//! `update` is its only writer.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::core::event::{DemoClock, Machine, Outcome, Record, Target};
use crate::core::modal::Modal;
use crate::core::outline::Row;
use crate::core::plan::Plan;
use crate::core::screen::{Auto, Driver, ExecUi, Focus, LogPane, Mode, ReplayBar, Ui};
use crate::core::session::{Session, Status};
use crate::core::settings::Settings;
use crate::core::window;
use crate::domain::runbook::{Runbook, Window};

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
    /// `join`: a mirror whose checklist keys become requests to `run`.
    pub copilot: bool,
    /// The output pane, typed values, a start in flight.
    pub exec: ExecUi,
    /// The application log pane.
    pub logs: LogPane,
    /// A rollback being run by this screen.
    pub rollback: Option<Driver>,
    pub auto: Auto,
    /// A mirror's view of the deployer: its cockpit's lock was found
    /// released while the session had not ended (the loop looks).
    pub deployer_gone: bool,
    /// `replay`: the timeline's cursor, shown in a bar; the session and
    /// the time are those of that moment.
    pub replay: Option<ReplayBar>,
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
            copilot: false,
            exec: ExecUi::default(),
            logs: LogPane::default(),
            rollback: None,
            auto: Auto::default(),
            deployer_gone: false,
            replay: None,
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
            Some(c) => Some(std::borrow::Cow::Owned(window::opening_now(
                written, c.origin,
            ))),
            None => written.map(std::borrow::Cow::Borrowed),
        }
    }

    /// The window against the (window) clock, if there is one.
    pub fn window_view(&self) -> Option<window::WindowView> {
        let w = self.window()?;
        window::window_view(
            &w,
            self.window_time(self.now),
            self.session.first_step.map(|t| self.window_time(t)),
        )
    }

    /// A checkpoint `minutes` before the window's start, on the window
    /// clock: the checklist and the report say the same.
    pub fn checkpoint(&self, minutes: u32) -> Option<window::CheckpointView> {
        let v = self.window_view()?;
        Some(window::checkpoint(&v, self.window_time(self.now), minutes))
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

    /// Only someone other than the deployer may tick this row: the
    /// runbook's approvals and `[rules] two_person` (the session's own
    /// settings in `run`, the journaled rule in a mirror).
    pub fn needs_second_person(&self, t: crate::core::event::Target) -> bool {
        self.plan.approvals.contains(&t)
            || self.settings.team.two_person.contains(&t)
            || self.session.two_person.contains(&t)
    }

    /// Why the deployer's tick of such a row is refused, and what to do:
    /// the way out first, since a narrow footer cuts the end.
    pub fn second_person_refusal(&self) -> String {
        let how = if self.settings.team.members.is_empty() {
            "add them to [team] members, they tick it from rollout-cockpit join"
        } else {
            "a co-pilot ticks it from rollout-cockpit join"
        };
        format!("an approval needs a second person: {how}; s: n/a with a reason")
    }

    /// `run --emergency` (or its journal) and no co-pilot's approval yet:
    /// no command may start.
    pub fn emergency_pending(&self) -> bool {
        match &self.session.emergency {
            Some(e) => e.approved.is_none(),
            None => self.settings.team.emergency,
        }
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
