//! `replay`: a moment of the session (`core::timeline`) shown.

use crate::core::event::Target;
use crate::core::outline::Row;
use crate::core::screen::Moment;
use crate::core::state::State;

/// Shows a moment: the session and time as they were; the viewer's cursor
/// follows the record to its row (when `follow`) so its marks and output
/// are in view. The rest of the screen's state stays the viewer's.
pub fn show(state: &mut State, m: Moment, follow: bool) {
    state.session = m.session;
    if let Some(now) = m.now {
        state.now = now;
    }
    state.replay = Some(m.bar);
    if let Some(o) = m.output {
        state.exec.shown = o.shown;
        state.exec.pane = o.pane;
        state.exec.earlier = o.earlier;
        // The row it was started from keeps showing it, as on the
        // deployer's screen.
        state.exec.anchor = o.anchor.and_then(|t| row_of(state, t));
    }
    if let (true, Some(row)) = (follow, m.about.and_then(|t| row_of(state, t))) {
        state.ui.cursor = Some(row);
    }
}

/// The checklist row showing `target`, if it is not folded away.
fn row_of(state: &State, target: Target) -> Option<Row> {
    let rb = state.runbook();
    state
        .rows()
        .into_iter()
        .find(|row| row.target(rb) == Some(target))
}
