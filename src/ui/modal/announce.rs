//! The announcement to copy or post, and the confirm before posting it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{boxed, keys_line, keys_of};
use crate::core::action::Cmd;
use crate::core::screen::Mode;
use crate::core::state::State;
use crate::core::update::announce;
use crate::ui::{ViewState, theme};

pub(super) fn announcement(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &ViewState,
    b: usize,
    wide: u16,
) {
    let mut lines: Vec<Line<'static>> = announce::fill(state, b)
        .lines()
        .map(|l| Line::raw(l.to_string()))
        .collect();
    lines.push(Line::raw(""));
    let mut keys = vec![(Cmd::Copy, "copy (OSC 52) + save")];
    if state.settings.exec.webhook.is_some() {
        keys.push((Cmd::Post, "post to the webhook"));
    }
    keys.push((Cmd::Cancel, "close"));
    lines.push(keys_line(&keys_of(view, Mode::Overlay, &keys)));
    boxed(
        frame,
        area,
        wide.min(80),
        " Announcement ",
        theme::title(),
        lines,
    );
}

pub(super) fn post(frame: &mut Frame, area: Rect, view: &ViewState, wide: u16) {
    let lines = vec![
        Line::raw("Post this announcement to the configured webhook?"),
        keys_line(&keys_of(
            view,
            Mode::Confirm,
            &[(Cmd::Confirm, "post"), (Cmd::Cancel, "cancel")],
        )),
    ];
    boxed(frame, area, wide.min(60), " Post? ", theme::amber(), lines);
}
