//! The checklist's keys: move, jump, collapse, search, tick, open a row,
//! and the text fields (search, reason, note) they open.

use std::collections::BTreeSet;

use crate::core::effect::Effect;
use crate::core::event::Event;
use crate::core::modal::{Field, Modal};
use crate::core::outline::Row;
use crate::core::session::Mark;
use crate::core::state::State;
use crate::core::update::runs;

pub(super) fn open_input(state: &mut State, field: Field) {
    state.ui.modal = Some(Modal::Input {
        field,
        text: String::new(),
    });
}

pub(super) fn cursor_target(state: &State) -> Option<crate::core::event::Target> {
    state.ui.cursor.and_then(|r| r.target(state.runbook()))
}

pub(super) fn move_by(state: &mut State, delta: isize) {
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

pub(super) fn jump_section(state: &mut State, forward: bool) {
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

pub(super) fn collapse(state: &mut State) {
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

pub(super) fn toggle_collapse(state: &mut State, s: usize) {
    if !state.ui.collapsed.remove(&s) {
        state.ui.collapsed.insert(s);
    }
}

pub(super) fn tick(state: &mut State) -> Vec<Effect> {
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
                // The deployer cannot approve their own deployment; taking
                // an approval back (above) is always theirs to do.
                None if state.needs_second_person(target) => {
                    state.ui.flash = Some(state.second_person_refusal());
                    return Vec::new();
                }
                None => Event::Ticked { target },
            };
            vec![Effect::Journal(event)]
        }
        None => Vec::new(),
    }
}

pub(super) fn open(state: &mut State) {
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

pub(super) fn submit(state: &mut State) -> Vec<Effect> {
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
pub(super) fn search(state: &mut State, forward: bool, skip_current: bool) {
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
pub(super) fn reveal(state: &mut State, row: Row) {
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
