//! The application's log stream (`--logs`): a strip under the panes on a
//! big screen, the whole body with `L`. Error lines are red; the title says
//! whether the stream is up, and how many errors the last minute held.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::theme;
use crate::state::State;
use crate::state::logs::{self, visible};

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let stream = &state.session.logs;
    let pane = &state.logs;
    let mut title = vec![Span::styled(" App log ", theme::title())];
    match (&stream.command, stream.down()) {
        (None, _) => title.push(Span::styled("no log stream ", theme::dim())),
        (Some(_), Some(exit)) => {
            let left = (exit.restart_at() - state.now).num_seconds().max(0);
            let text = match left {
                0 => format!(
                    "✗ {} ",
                    exit.text().replace(", restarting in", ", restart due in")
                ),
                _ => format!("✗ {} ", exit.text()),
            };
            title.push(Span::styled(text, theme::red()));
        }
        (Some(cmd), None) => title.push(Span::styled(format!("▶ {cmd} "), theme::ok())),
    }
    let rate = &state.session.health.log_rate;
    if let Some(per_min) = rate.errors_per_minute() {
        let style = if per_min > 0.0 {
            theme::amber()
        } else {
            theme::dim()
        };
        title.push(Span::styled(format!("· {per_min:.0} err/min "), style));
    }
    title.push(Span::styled(
        format!("· {} lines ", pane.lines.0.total()),
        theme::dim(),
    ));
    let filter = logs::filter(state);
    if let Some(f) = filter.filter(|f| !f.is_empty()) {
        title.push(Span::styled(format!("· filter \"{f}\" "), theme::amber()));
    } else if !pane.lines.0.is_following() {
        title.push(Span::styled("· scrolled (end follows) ", theme::dim()));
    }
    let block = Block::bordered()
        .border_style(theme::border())
        .title(Line::from(title));
    let inner = block.inner(area);
    let height = usize::from(inner.height);
    let mut lines: Vec<Line> = visible(pane, filter, height)
        .into_iter()
        .map(|l| {
            if pane.patterns.is_error(&l.text) {
                Line::styled(l.text.as_str(), theme::red())
            } else {
                Line::raw(l.text.as_str())
            }
        })
        .collect();
    if lines.is_empty() {
        let why = match (&stream.command, filter.filter(|f| !f.is_empty())) {
            (None, _) => "start one with --logs CMD (or [logs] command in the config)",
            (Some(_), Some(_)) => "no line matches the filter",
            (Some(_), None) => "no lines yet",
        };
        lines.push(Line::styled(why, theme::dim()));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
