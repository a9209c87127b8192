//! `replay`'s bar, in place of this machine's figures (a replay's machine
//! is not the session's): which record, when (the window's zone and UTC),
//! what it is, and the play speed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme;
use crate::core::screen::ReplayBar;
use crate::core::state::State;
use crate::core::window;

pub fn render(frame: &mut Frame, area: Rect, state: &State, bar: &ReplayBar) {
    let mut spans = vec![Span::styled(
        format!(" event {}/{} ", bar.at, bar.of),
        theme::title(),
    )];
    if let Some(t) = bar.when {
        let tz = window::zone(state.window().as_deref());
        let local = state.window_time(t).with_timezone(&tz);
        spans.push(Span::styled("· ", theme::dim()));
        spans.push(Span::raw(local.format("%H:%M:%S %Z").to_string()));
        if tz != chrono_tz::Tz::UTC || state.demo_clock().is_some() {
            spans.push(Span::styled(
                format!(" ({} UTC)", t.format("%H:%M:%S")),
                theme::dim(),
            ));
        }
        spans.push(Span::raw(" "));
    }
    let play = if bar.playing { "▶" } else { "⏸" };
    spans.push(Span::styled(
        format!("· {}x {play} ", bar.speed),
        theme::amber(),
    ));
    spans.push(Span::styled("· ", theme::dim()));
    spans.push(Span::raw(bar.what.clone()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
