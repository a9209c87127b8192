//! The quit confirm: what the session ends as, and where its journal is.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{centered, frame_box, keys_line, keys_of};
use crate::core::action::Cmd;
use crate::core::screen::Mode;
use crate::core::state::State;
use crate::ui::{ViewState, theme};

pub(super) fn render(frame: &mut Frame, area: Rect, state: &State, view: &ViewState, wide: u16) {
    let outcome = state.outcome();
    let mut said = outcome.text().to_string();
    if outcome == crate::core::event::Outcome::Abandoned {
        // What is left, so "abandoned" is never a surprise.
        let (open, failed, cut) = state.left_undone();
        let mut parts = Vec::new();
        if open > 0 {
            parts.push(format!("{open} open"));
        }
        if failed > 0 {
            parts.push(format!("{failed} failed"));
        }
        if cut > 0 {
            parts.push(format!("{cut} running or cut short"));
        }
        if !parts.is_empty() {
            said = format!("{said} with {}", parts.join(", "));
        }
    }
    let mut lines = vec![Line::raw(format!(
        "Quit the cockpit? This ends the session: {said}"
    ))];
    if let Some(j) = &state.settings.journal {
        // The path on its own line: word wrapping cannot push the
        // keys below the box.
        lines.push(Line::styled("the journal is kept:", theme::dim()));
        lines.push(Line::styled(j.clone(), theme::dim()));
    }
    lines.push(keys_line(&keys_of(
        view,
        Mode::Confirm,
        &[
            (Cmd::Confirm, "quit"),
            (Cmd::QuitWithReport, "quit + write the report"),
            (Cmd::Cancel, "stay"),
        ],
    )));
    let w = wide.min(76);
    let inner = usize::from(w.saturating_sub(2)).max(1);
    // Long journal paths wrap: the box grows so the keys stay visible.
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let h = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    frame_box(
        frame,
        centered(area, w, h),
        " Quit? ".into(),
        theme::amber(),
        lines,
    );
}
