//! The application's log stream (`--logs`): a strip under the panes on a
//! big screen, the whole body with `L`. Error lines are red; the title says
//! whether the stream is up, and how many errors the last minute held.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::theme;
use crate::config::keys::Keymap;
use crate::core::action::Cmd;
use crate::core::screen::Mode;
use crate::core::state::State;
use crate::core::update::logs;
use crate::core::update::logs::visible;

/// `12 req/s`, `0.4 req/s`: whole numbers where they say enough.
fn rate_text(rps: f64) -> String {
    if rps >= 10.0 {
        format!("{rps:.0}")
    } else {
        format!("{rps:.1}")
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, keymap: &Keymap) {
    let stream = &state.session.logs;
    let pane = &state.logs;
    let mut title = vec![Span::styled(" App log ", theme::title())];
    let rate = &state.session.health.log_rate;
    let per_min = rate.errors_per_minute().map(|n| {
        let style = if n > 0.0 {
            theme::amber()
        } else {
            theme::dim()
        };
        Span::styled(format!("· {n:.0} err/min "), style)
    });
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
        (Some(_), None) => title.push(Span::styled("▶ up ", theme::ok())),
    }
    title.extend(per_min);
    // An access log: the requests users sent, and the share that failed.
    if let (Some(rps), Some(requests)) = (
        state.session.health.log_rate.throughput(),
        state.session.health.stats.requests,
    ) {
        let share = requests
            .error_rate()
            .map_or_else(|| "—".to_string(), crate::domain::monitor::criteria::pct);
        let style = if requests.server_errors > 0 {
            theme::amber()
        } else {
            theme::dim()
        };
        title.push(Span::styled(
            format!("· {} req/s, 5xx {share} ", rate_text(rps)),
            style,
        ));
    }
    let filter = logs::filter(state);
    if let Some(f) = filter.filter(|f| !f.is_empty()) {
        title.push(Span::styled(format!("· filter \"{f}\" "), theme::amber()));
    } else if !pane.lines.0.is_following() {
        let text = match keymap.first_key(Mode::Logs, Cmd::Follow) {
            Some(k) => format!("· scrolled ({k} follows) "),
            None => "· scrolled ".to_string(),
        };
        title.push(Span::styled(text, theme::dim()));
    }
    title.push(Span::styled(
        format!(
            "· {} ",
            crate::domain::words::count(pane.lines.0.total(), "line")
        ),
        theme::dim(),
    ));
    // The command last, cut: the status and the numbers must stay visible.
    if let Some(cmd) = &stream.command {
        let room = usize::from(area.width)
            .saturating_sub(Line::from(title.clone()).width() + 6)
            .min(48);
        if room > 8 {
            // Cut at a word, never mid-flag: "railway logs…", not "--envi…".
            let shown = super::fit::cut_at_word(Line::styled(cmd.clone(), theme::dim()), room);
            title.push(Span::styled("· ", theme::dim()));
            title.extend(shown.spans);
            title.push(Span::styled(" ", theme::dim()));
        }
    }
    let block = Block::bordered()
        .border_style(theme::border())
        .title(Line::from(title));
    let inner = block.inner(area);
    let height = usize::from(inner.height);
    let mut lines: Vec<Line> = visible(pane, filter, height)
        .into_iter()
        .map(|l| {
            if state.session.logs.patterns.is_error(&l.text) {
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
