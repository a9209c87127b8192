//! What the output pane shows. While a command runs (or a rollback is under
//! way) it is that command's output, following. Otherwise the pane follows
//! the selection: the row the last command was started from keeps its
//! output; any other row shows its own details, or the output of its own
//! last command while that is still in memory.

use crate::core::outline::Row;
use crate::core::state::State;
use crate::core::update::runs;
use crate::domain::exec::OutputBuffer;

/// Earlier commands whose output stays in memory, newest last: enough to
/// look back over the last steps of a deploy without holding every log.
pub const KEEP: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shows {
    /// A command's output (the running one, or one still in memory).
    Run(u64),
    /// A row's details: text, who ticked it, notes, its command(s).
    Row(Row),
    Nothing,
}

pub fn shows(state: &State) -> Shows {
    let shown = state.exec.shown;
    let busy = runs::running(state).is_some() || state.rollback.is_some();
    if let (true, Some(run)) = (busy, shown) {
        return Shows::Run(run);
    }
    let Some(row) = state.ui.cursor else {
        return shown.map_or(Shows::Nothing, Shows::Run);
    };
    if let (Some(run), Some(anchor)) = (shown, state.exec.anchor)
        && anchor == row
    {
        return Shows::Run(run);
    }
    let own = row
        .target(state.runbook())
        .and_then(|t| state.session.runs.latest_for(t))
        .map(|r| r.run)
        .filter(|&r| buffer(state, r).is_some());
    own.map_or(Shows::Row(row), Shows::Run)
}

/// A command's output, if it is still in memory.
pub fn buffer(state: &State, run: u64) -> Option<&OutputBuffer> {
    if state.exec.shown == Some(run) {
        return Some(&state.exec.pane.0);
    }
    state
        .exec
        .earlier
        .iter()
        .find(|(r, _)| *r == run)
        .map(|(_, p)| &p.0)
}

fn buffer_mut(state: &mut State, run: u64) -> Option<&mut OutputBuffer> {
    if state.exec.shown == Some(run) {
        return Some(&mut state.exec.pane.0);
    }
    state
        .exec
        .earlier
        .iter_mut()
        .find(|(r, _)| *r == run)
        .map(|(_, p)| &mut p.0)
}

/// A new command takes the pane: the previous one's output is kept
/// (bounded by [`KEEP`]) so its row can still show it.
pub fn retire(state: &mut State) {
    let old = std::mem::take(&mut state.exec.pane);
    if let Some(run) = state.exec.shown.take() {
        state.exec.earlier.push((run, old));
        let over = state.exec.earlier.len().saturating_sub(KEEP);
        state.exec.earlier.drain(..over);
    }
    state.exec.anchor = state.ui.cursor;
}

/// Output of a command that is no longer the newest (a second command
/// started while it ran) still reaches its own buffer.
pub fn output(state: &mut State, run: u64, skipped: u64, lines: Vec<crate::domain::exec::Line>) {
    if let Some(b) = buffer_mut(state, run) {
        b.extend(skipped, lines);
    }
}

/// Whether PgUp/PgDn act on the pane rather than on the checklist: only
/// when it shows output, so they never scroll output that is not shown.
pub fn scrolls(state: &State) -> bool {
    matches!(shows(state), Shows::Run(_))
}

/// `PgUp`/`PgDn` on the output the pane shows.
pub fn scroll(state: &mut State, up: bool) {
    let h = state.ui.page.max(1);
    if let Shows::Run(run) = shows(state)
        && let Some(b) = buffer_mut(state, run)
    {
        if up {
            b.page_up(h);
        } else {
            b.page_down(h);
        }
    }
}

/// `End`/`f`: the output the pane shows follows its newest line again.
pub fn follow(state: &mut State) {
    if let Shows::Run(run) = shows(state)
        && let Some(b) = buffer_mut(state, run)
    {
        b.follow();
    }
}

/// `z`: the output pane over the whole body, or back. The application
/// log's zoom gives way, so one key always shows the output.
pub fn zoom(state: &mut State) {
    state.exec.zoom = !state.exec.zoom;
    if state.exec.zoom {
        state.logs.zoom = false;
    }
}
