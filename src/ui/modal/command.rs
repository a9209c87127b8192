//! A step's command, shown as it would run (masked), with a way to copy it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{centered, frame_box};
use crate::core::state::{Row, State};
use crate::ui::{output, theme};

pub(super) fn render(frame: &mut Frame, area: Rect, state: &State, row: Row, wide: u16) {
    let mut lines = output::lines(state, row);
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        if state.read_only {
            "esc closes"
        } else {
            "c copies it (OSC 52), runs nothing · esc closes"
        },
        theme::dim(),
    ));
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    frame_box(
        frame,
        centered(area, wide, h.max(6)),
        " Command ".into(),
        theme::title(),
        lines,
    );
}
