//! A step's command, shown as it would run (masked), with a way to copy it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{centered, frame_box, said};
use crate::core::action::Cmd;
use crate::core::outline::Row;
use crate::core::screen::Mode;
use crate::core::state::State;
use crate::ui::{ViewState, output, theme};

pub(super) fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &ViewState,
    row: Row,
    wide: u16,
) {
    let mut lines = output::lines(state, row);
    lines.push(Line::raw(""));
    // A mirror's keymap has no copy key: the line then only says how to close.
    lines.push(Line::styled(
        said(
            view,
            Mode::Overlay,
            &[
                (Cmd::Copy, "copies it (OSC 52), runs nothing"),
                (Cmd::Cancel, "closes"),
            ],
        ),
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
