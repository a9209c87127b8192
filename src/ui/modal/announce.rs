//! The announcement to copy or post, and the confirm before posting it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{boxed, keys_line};
use crate::core::state::{State, announce};
use crate::ui::theme;

pub(super) fn announcement(frame: &mut Frame, area: Rect, state: &State, b: usize, wide: u16) {
    let mut lines: Vec<Line<'static>> = announce::fill(state, b)
        .lines()
        .map(|l| Line::raw(l.to_string()))
        .collect();
    lines.push(Line::raw(""));
    let mut keys = vec![("c", "copy (OSC 52) + save")];
    if state.settings.exec.webhook.is_some() {
        keys.push(("w", "post to the webhook"));
    }
    keys.push(("esc", "close"));
    lines.push(keys_line(&keys));
    boxed(
        frame,
        area,
        wide.min(80),
        " Announcement ",
        theme::title(),
        lines,
    );
}

pub(super) fn post(frame: &mut Frame, area: Rect, wide: u16) {
    let lines = vec![
        Line::raw("Post this announcement to the configured webhook?"),
        keys_line(&[("y", "post"), ("n/esc", "cancel")]),
    ];
    boxed(frame, area, wide.min(60), " Post? ", theme::amber(), lines);
}
