//! `update`: the only place an action changes the screen's state. Pure: no
//! clock, no I/O. Journaled facts leave as [`Effect::Journal`] and come back
//! through [`crate::core::session::Session::apply`] once they are on disk.

pub mod announce;
mod checklist;
pub mod copilot;
pub mod escalation;
pub mod health;
pub mod logs;
pub mod pane;
pub mod replay;
pub mod rollback;
pub mod runs;

use crate::core::action::{Action, Cmd};
use crate::core::effect::Effect;
use crate::core::event::Event;
use crate::core::modal::{Confirm, Field, Modal};
use crate::core::outline::Row;
use crate::core::state::State;
use checklist::{
    collapse, cursor_target, jump_section, move_by, open, open_input, search, submit, tick,
};

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut effects = apply(state, action);
    if let Some((code, names)) = state.exec.suggest.take() {
        effects.push(Effect::Suggest { code, names });
    }
    effects
}

fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Clock(now) => {
            state.now = now;
            rollback::tick(state)
        }
        Action::Exec(ev) => runs::exec_event(state, ev),
        Action::Log(msg) => logs::message(state, msg),
        Action::Suggested { name, value } => {
            runs::suggested(state, &name, value);
            Vec::new()
        }
        Action::SpawnFailed { run, error } => runs::spawn_failed(state, run, error),
        Action::Leftovers(found) => runs::leftovers(state, found),
        Action::Journaled(r) => {
            state.session.apply(&r);
            if let Event::CommandStarted { run, .. } = &r.event
                && state.read_only
            {
                runs::mirror_started(state, *run);
            }
            if state.copilot {
                copilot::sync_question(state);
            }
            state.journal_error = None;
            Vec::new()
        }
        Action::Replayed { moment, follow } => {
            replay::show(state, *moment, follow);
            Vec::new()
        }
        Action::Deployer { alive } => {
            state.deployer_gone = !alive;
            Vec::new()
        }
        Action::JournalFailed(e) => {
            state.journal_error = Some(e);
            Vec::new()
        }
        Action::WorkerPanicked(what) => {
            state.ui.flash = Some(format!("internal error (the cockpit carries on): {what}"));
            Vec::new()
        }
        Action::Posted(result) => {
            state.ui.flash = Some(match result {
                Ok(()) => "announcement posted".into(),
                Err(e) => format!("webhook failed: {e}"),
            });
            Vec::new()
        }
        Action::Viewport {
            checklist_rows,
            overlay_hidden,
        } => {
            state.ui.page = usize::from(checklist_rows.saturating_sub(1));
            if matches!(state.ui.modal, Some(Modal::Help)) {
                state.ui.modal_scroll = state.ui.modal_scroll.min(overlay_hidden);
            }
            Vec::new()
        }
        Action::Copilot {
            conn,
            user,
            same_uid,
            request,
        } if !state.read_only => {
            copilot::request(state, conn, copilot::Peer { user, same_uid }, request)
        }
        Action::Copilot { .. } => Vec::new(),
        Action::CopilotAnswer(reply) => {
            copilot::answer(state, reply);
            Vec::new()
        }
        Action::Resumed => {
            rollback::reattach(state);
            Vec::new()
        }
        Action::Machine(m) => {
            state.machine = Some(m);
            Vec::new()
        }
        Action::Input(c) => {
            if let Some(Modal::Input { text, .. }) = &mut state.ui.modal {
                text.push(c);
            }
            runs::form_input(state, Some(c));
            Vec::new()
        }
        Action::Cmd(cmd) => {
            state.ui.flash = None;
            if let Some(Modal::Leftover { run, pgid }) = state.ui.modal
                && !state.read_only
            {
                return runs::leftover_answer(state, run, pgid, cmd);
            }
            if let Some(Modal::Ask(ask)) = state.ui.modal
                && !state.read_only
            {
                return match cmd {
                    Cmd::Kill | Cmd::Interrupt => runs::kill(state),
                    _ => rollback::answer(state, ask, cmd),
                };
            }
            if matches!(state.ui.modal, Some(Modal::Pick(_))) {
                if matches!(cmd, Cmd::Skip | Cmd::Cancel | Cmd::Interrupt) {
                    state.ui.modal = None;
                }
                return Vec::new();
            }
            if state.mode() == crate::core::screen::Mode::Criteria
                && let Some(effects) = health::criteria_command(state, cmd)
            {
                return effects;
            }
            if state.mode() == crate::core::screen::Mode::Logs && logs::command(state, cmd) {
                return Vec::new();
            }
            command(state, cmd)
        }
        Action::PinBaseline(source) => health::pin(state, source),
        Action::Choose(option) => {
            state.ui.flash = None;
            match state.ui.modal.clone() {
                Some(Modal::Ask(ask)) if !state.read_only => rollback::choose(state, ask, option),
                Some(Modal::Ask(ask)) if state.copilot => copilot::choose(state, ask, option),
                Some(Modal::Pick(pick)) if !state.read_only => runs::pick(state, pick, option),
                _ => Vec::new(),
            }
        }
    }
}

fn command(state: &mut State, cmd: Cmd) -> Vec<Effect> {
    if state.copilot
        && let Some(effects) = copilot::command(state, cmd)
    {
        return effects;
    }
    if state.read_only {
        // The keymap of a mirror leaves these out; this is the second lock.
        if cmd == Cmd::Quit {
            return vec![Effect::Quit];
        }
        if !crate::core::action::allowed_in_mirror(cmd) {
            state.ui.flash = Some(format!("read-only mirror: {} is not available", cmd.hint()));
            return Vec::new();
        }
    }
    if let Some(effects) = escalation::command(state, cmd) {
        return effects;
    }
    // An overlay never moves the cursor behind it; the help scrolls.
    if matches!(
        state.ui.modal,
        Some(Modal::Help | Modal::Tour | Modal::Command(_) | Modal::Announcement(_))
    ) && matches!(cmd, Cmd::Up | Cmd::Down | Cmd::PageUp | Cmd::PageDown)
    {
        if matches!(state.ui.modal, Some(Modal::Help)) {
            let page = u16::try_from(state.ui.page.max(1)).unwrap_or(u16::MAX);
            let s = &mut state.ui.modal_scroll;
            *s = match cmd {
                Cmd::Down => s.saturating_add(1),
                Cmd::Up => s.saturating_sub(1),
                Cmd::PageDown => s.saturating_add(page),
                _ => s.saturating_sub(page),
            };
        }
        return Vec::new();
    }
    // The confirms never move the cursor behind them; the rollback's
    // scrolls and shows the other procedures.
    if matches!(
        state.ui.modal,
        Some(Modal::Confirm(_) | Modal::Run(_) | Modal::Rollback)
    ) && matches!(cmd, Cmd::Up | Cmd::Down | Cmd::FocusNext)
    {
        if matches!(state.ui.modal, Some(Modal::Rollback)) {
            match cmd {
                Cmd::Down => state.ui.modal_scroll = state.ui.modal_scroll.saturating_add(1),
                Cmd::Up => state.ui.modal_scroll = state.ui.modal_scroll.saturating_sub(1),
                _ => rollback::cycle_procedure(state),
            }
        }
        return Vec::new();
    }
    match cmd {
        Cmd::Up => move_by(state, -1),
        Cmd::Down => move_by(state, 1),
        // While the pane shows a command's output, PgUp/PgDn scroll it back.
        Cmd::PageUp if pane::scrolls(state) => pane::scroll(state, true),
        Cmd::PageDown if pane::scrolls(state) => pane::scroll(state, false),
        Cmd::PageUp => move_by(state, -(state.ui.page.max(1) as isize)),
        Cmd::PageDown => move_by(state, state.ui.page.max(1) as isize),
        Cmd::Follow => pane::follow(state),
        Cmd::Kill => return runs::kill(state),
        Cmd::Interrupt => {
            if runs::running(state).is_some() {
                return runs::kill(state);
            }
            if !matches!(state.ui.modal, Some(Modal::Confirm(_))) {
                state.ui.modal = Some(Modal::Confirm(Confirm::Quit));
            }
        }
        Cmd::Rollback => rollback::open(state),
        Cmd::Approve => {
            state.ui.flash = Some(
                "approvals come from a co-pilot (rollout-cockpit join): the deployer cannot \
                 approve their own deployment"
                    .into(),
            );
        }
        // Only meaningful in a rollback question, handled above.
        Cmd::Skip | Cmd::Retry | Cmd::Abort => {}
        Cmd::Announce => announce::open(state),
        Cmd::Escalation => escalation::open(state),
        // Only bound in the escalation overlay, handled above.
        Cmd::Contacted => {}
        Cmd::Copy => return announce::copy(state),
        Cmd::Post => announce::ask_post(state),
        Cmd::Top => state.ui.cursor = state.rows().first().copied(),
        Cmd::Bottom => state.ui.cursor = state.rows().last().copied(),
        Cmd::PrevSection => jump_section(state, false),
        Cmd::NextSection => jump_section(state, true),
        Cmd::Collapse => collapse(state),
        Cmd::Expand => {
            if let Some(Row::Section(s)) = state.ui.cursor {
                state.ui.collapsed.remove(&s);
            }
        }
        Cmd::Search => open_input(state, Field::Search),
        Cmd::SearchNext => search(state, true, true),
        Cmd::SearchPrev => search(state, false, true),
        Cmd::Tick => return tick(state),
        Cmd::NotApplicable => match cursor_target(state) {
            Some(t) => open_input(state, Field::Reason(t)),
            None => state.ui.flash = Some("only items and steps can be not applicable".into()),
        },
        Cmd::Note => {
            let target = cursor_target(state);
            open_input(state, Field::Note(target));
        }
        Cmd::Open => open(state),
        Cmd::Help => {
            // In the demo `?` shows the tour first, then the keys, then
            // closes: both stay one key away.
            let demo = state.settings.demo.is_some();
            state.ui.modal_scroll = 0;
            state.ui.modal = match state.ui.modal {
                None if demo => Some(Modal::Tour),
                None => Some(Modal::Help),
                Some(Modal::Tour) => Some(Modal::Help),
                _ => None,
            }
        }
        Cmd::ToggleLog => state.ui.show_log = !state.ui.show_log,
        Cmd::ZoomLogs => {
            state.exec.zoom = false;
            logs::zoom(state);
        }
        Cmd::ZoomOutput => pane::zoom(state),
        // Only the leftover dialog answers these.
        Cmd::Wait | Cmd::Leave => {}
        Cmd::Quit => {
            // Ctrl-C and `q` both land here: never quit without asking.
            if !matches!(state.ui.modal, Some(Modal::Confirm(_))) {
                state.ui.modal = Some(Modal::Confirm(Confirm::Quit));
            }
        }
        Cmd::Confirm => {
            if let Some(Modal::Confirm(c)) = state.ui.modal {
                state.ui.modal = None;
                return match c {
                    Confirm::Quit => end_session(state, false),
                    Confirm::Post(b) => announce::post(state, b),
                };
            }
            match state.ui.modal.take() {
                Some(Modal::Run(plan)) => return runs::start(state, *plan),
                Some(Modal::Rollback) => return rollback::fire(state),
                other => state.ui.modal = other,
            }
        }
        Cmd::RunInTerminal => match state.ui.modal.take() {
            Some(Modal::Run(mut plan)) if plan.rollback_step.is_none() => {
                plan.terminal = true;
                return runs::start(state, *plan);
            }
            other => state.ui.modal = other,
        },
        Cmd::QuitWithReport => {
            if let Some(Modal::Confirm(Confirm::Quit)) = state.ui.modal {
                state.ui.modal = None;
                return end_session(state, true);
            }
        }
        Cmd::Cancel => match state.ui.modal.take() {
            Some(Modal::Form(f)) if f.then == crate::core::modal::Then::Rollback => {
                // The rollback cannot go on without the value: ask what now.
                let step = state.rollback.as_ref().map_or(0, |d| d.step);
                state.ui.modal = Some(Modal::Ask(crate::core::modal::Ask::Failed(step)));
            }
            Some(_) => {}
            None if state.auto.countdown.is_none() && state.exec.zoom => state.exec.zoom = false,
            None if state.auto.countdown.is_none() && copilot::pending_request(state).is_some() => {
                state.ui.request_dismissed = copilot::pending_request(state).map(|r| r.at);
            }
            None => return rollback::cancel_countdown(state),
        },
        Cmd::Submit => {
            if matches!(state.ui.modal, Some(Modal::Form(_))) {
                return runs::form_submit(state);
            }
            return submit(state);
        }
        Cmd::PinBaseline => {
            return health::pin(state, crate::domain::monitor::BaselineSource::Operator);
        }
        Cmd::FocusNext => health::focus_next(state),
        // Only bound in the criteria focus, which handles it above.
        Cmd::ToggleCriterion => {}
        // The replay's loop moves its timeline; the state has none.
        Cmd::ReplayBack
        | Cmd::ReplayForward
        | Cmd::ReplayPrevDecision
        | Cmd::ReplayNextDecision
        | Cmd::ReplayStart
        | Cmd::ReplayEnd
        | Cmd::ReplayPlay
        | Cmd::ReplayFaster
        | Cmd::ReplaySlower => {}
        Cmd::DeleteChar => {
            if let Some(Modal::Input { text, .. }) = &mut state.ui.modal {
                text.pop();
            }
            runs::form_input(state, None);
        }
    }
    Vec::new()
}

/// Quitting ends the session (a crash, a kill or a lost link do not: those
/// sessions are offered for resume). The outcome is computed, not asked.
fn end_session(state: &State, report: bool) -> Vec<Effect> {
    let mut effects = Vec::new();
    if state.session.ended.is_none() {
        effects.push(Effect::Journal(Event::SessionEnded {
            outcome: state.outcome(),
        }));
    }
    if report {
        effects.push(Effect::WriteReport);
    }
    effects.push(Effect::Quit);
    effects
}
