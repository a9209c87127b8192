//! `update`: the only place an action changes the screen's state. Pure: no
//! clock, no I/O. Journaled facts leave as [`Effect::Journal`] and come back
//! through [`super::Session::apply`] once they are on disk.

use std::collections::BTreeSet;

use super::{
    Confirm, Field, Mark, Modal, Row, State, announce, escalation, health, logs, pane, rollback,
    runs,
};
use crate::core::action::{Action, Cmd};
use crate::core::effect::Effect;
use crate::core::event::Event;

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
            state.journal_error = None;
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
            if state.mode() == super::Mode::Criteria
                && let Some(effects) = health::criteria_command(state, cmd)
            {
                return effects;
            }
            if state.mode() == super::Mode::Logs && logs::command(state, cmd) {
                return Vec::new();
            }
            command(state, cmd)
        }
        Action::PinBaseline(source) => health::pin(state, source),
        Action::Choose(option) => {
            state.ui.flash = None;
            match state.ui.modal.clone() {
                Some(Modal::Ask(ask)) if !state.read_only => rollback::choose(state, ask, option),
                Some(Modal::Pick(pick)) if !state.read_only => runs::pick(state, pick, option),
                _ => Vec::new(),
            }
        }
    }
}

fn command(state: &mut State, cmd: Cmd) -> Vec<Effect> {
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
                Some(Modal::Rollback) => {
                    let fired = rollback::firing(state);
                    let trigger = if fired.is_empty() {
                        "manual".to_string()
                    } else {
                        fired.join("; ")
                    };
                    return rollback::fire(state, trigger);
                }
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
            Some(Modal::Form(f)) if f.then == runs::Then::Rollback => {
                // The rollback cannot go on without the value: ask what now.
                let step = state.rollback.as_ref().map_or(0, |d| d.step);
                state.ui.modal = Some(Modal::Ask(rollback::Ask::Failed(step)));
            }
            Some(_) => {}
            None if state.auto.countdown.is_none() && state.exec.zoom => state.exec.zoom = false,
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

fn open_input(state: &mut State, field: Field) {
    state.ui.modal = Some(Modal::Input {
        field,
        text: String::new(),
    });
}

fn cursor_target(state: &State) -> Option<crate::core::event::Target> {
    state.ui.cursor.and_then(|r| r.target(state.runbook()))
}

fn move_by(state: &mut State, delta: isize) {
    let rows = state.rows();
    if rows.is_empty() {
        state.ui.cursor = None;
        return;
    }
    let at = state
        .ui
        .cursor
        .and_then(|c| rows.iter().position(|&r| r == c))
        .unwrap_or(0);
    let to = at.saturating_add_signed(delta).min(rows.len() - 1);
    state.ui.cursor = Some(rows[to]);
}

fn jump_section(state: &mut State, forward: bool) {
    let rows = state.rows();
    let at = state
        .ui
        .cursor
        .and_then(|c| rows.iter().position(|&r| r == c))
        .unwrap_or(0);
    let is_section = |r: &&Row| matches!(r, Row::Section(_));
    let found = if forward {
        rows.iter().skip(at + 1).find(is_section)
    } else {
        rows.iter().take(at).rev().find(is_section)
    };
    if let Some(&r) = found {
        state.ui.cursor = Some(r);
    }
}

fn collapse(state: &mut State) {
    let Some(row) = state.ui.cursor else { return };
    let outline = state.plan.outline.clone();
    let section = match row {
        Row::Section(s) => Some(s),
        Row::Item(_) => outline.section_of(state.runbook(), row),
    };
    if let Some(s) = section {
        state.ui.collapsed.insert(s);
        state.ui.cursor = Some(Row::Section(s));
    }
}

fn toggle_collapse(state: &mut State, s: usize) {
    if !state.ui.collapsed.remove(&s) {
        state.ui.collapsed.insert(s);
    }
}

fn tick(state: &mut State) -> Vec<Effect> {
    match state.ui.cursor {
        Some(Row::Section(s)) if cursor_target(state).is_none() => {
            // A heading that is not a step: space folds it instead.
            toggle_collapse(state, s);
            Vec::new()
        }
        Some(row) => {
            let Some(target) = row.target(state.runbook()) else {
                return Vec::new();
            };
            let event = match state.session.marks.get(&target) {
                Some(Mark::Done(_) | Mark::NotApplicable { .. }) => Event::Unticked { target },
                None => Event::Ticked { target },
            };
            vec![Effect::Journal(event)]
        }
        None => Vec::new(),
    }
}

fn open(state: &mut State) {
    let Some(row) = state.ui.cursor else { return };
    if state.plan.outline.has_command(row) {
        if state.read_only {
            // A mirror looks at the command; it never runs it.
            state.ui.modal = Some(Modal::Command(row));
        } else {
            runs::open(state, row);
        }
    } else if state.plan.outline.has_reference(row) {
        // Reference material: shown, copyable, never run.
        state.ui.modal = Some(Modal::Command(row));
    } else if let Row::Section(s) = row {
        toggle_collapse(state, s);
    } else {
        state.ui.flash = Some("no command for this item".into());
    }
}

fn submit(state: &mut State) -> Vec<Effect> {
    let Some(Modal::Input { field, text }) = state.ui.modal.clone() else {
        return Vec::new();
    };
    let text = text.trim().to_string();
    match field {
        Field::LogFilter => {
            state.ui.modal = None;
            state.logs.filter = (!text.is_empty()).then_some(text);
            Vec::new()
        }
        Field::Search => {
            state.ui.modal = None;
            if text.is_empty() {
                return Vec::new();
            }
            state.ui.search = Some(text);
            search(state, true, false);
            Vec::new()
        }
        Field::Reason(target) => {
            if text.is_empty() {
                // Keep the field open: "n/a" without a reason is not auditable.
                state.ui.flash = Some("a reason is required".into());
                return Vec::new();
            }
            state.ui.modal = None;
            // Typed text is masked before it is journaled: the journal feeds
            // the screen, the log pane, a mirror and the report.
            let reason = state.settings.exec.masker.0.mask(&text).into_owned();
            vec![Effect::Journal(Event::NotApplicable { target, reason })]
        }
        Field::Note(target) => {
            state.ui.modal = None;
            if text.is_empty() {
                return Vec::new();
            }
            let text = state.settings.exec.masker.0.mask(&text).into_owned();
            vec![Effect::Journal(Event::Noted { target, text })]
        }
    }
}

/// Finds the next (or previous) row whose text holds the last search, in the
/// whole outline (collapsed sections included, then unfolded). `skip_current`
/// is false for Enter, so a match under the cursor is "the first match".
fn search(state: &mut State, forward: bool, skip_current: bool) {
    let Some(query) = state.ui.search.clone() else {
        // The core does not know the keymap: the search key may be rebound.
        state.ui.flash = Some("no search yet: search first, then repeat it".into());
        return;
    };
    let needle = query.to_lowercase();
    let all = state.plan.outline.rows(&BTreeSet::new());
    if all.is_empty() {
        return;
    }
    let n = all.len();
    let at = state
        .ui
        .cursor
        .and_then(|c| all.iter().position(|&r| r == c))
        .unwrap_or(0);
    let start = usize::from(skip_current);
    let found = (start..start + n)
        .map(|k| {
            if forward {
                (at + k) % n
            } else {
                (at + n * 2 - k) % n
            }
        })
        .map(|i| all[i])
        .find(|&r| state.row_text(r).to_lowercase().contains(&needle));
    match found {
        Some(row) => {
            reveal(state, row);
            state.ui.cursor = Some(row);
        }
        None => state.ui.flash = Some(format!("no match for \"{query}\"")),
    }
}

/// Unfolds every collapsed section that hides `row`.
fn reveal(state: &mut State, row: Row) {
    let rb = state.plan.runbook.clone();
    let mut cur = match row {
        Row::Section(s) => rb.sections.get(s).and_then(|s| s.parent),
        Row::Item(i) => rb.items.get(i).and_then(|i| i.section),
    };
    while let Some(c) = cur {
        state.ui.collapsed.remove(&c);
        cur = rb.sections.get(c).and_then(|s| s.parent);
    }
}
