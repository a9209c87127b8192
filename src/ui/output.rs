//! The selected row in full: its text, who ticked it and when, notes, and its
//! command blocks. The runner issue adds live output below the command.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme;
use crate::runbook::{BlockKind, Owner};
use crate::state::clock;
use crate::state::{Mark, Row, State};

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let block = Block::bordered()
        .border_style(theme::border())
        .title(Line::styled(" Output ", theme::title()));
    let lines = state.ui.cursor.map(|r| lines(state, r)).unwrap_or_default();
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// The command blocks a row owns, in order.
pub fn blocks(state: &State, row: Row) -> Vec<&crate::runbook::Block> {
    let owner = match row {
        Row::Item(i) => Owner::Item(i),
        Row::Section(s) => Owner::Section(s),
    };
    state
        .runbook()
        .blocks
        .iter()
        .filter(|b| b.owner == owner && matches!(b.kind, BlockKind::Command | BlockKind::Manual))
        .collect()
}

pub fn lines(state: &State, row: Row) -> Vec<Line<'static>> {
    let tz = clock::zone(state.runbook().window.as_ref());
    let mut out = vec![Line::styled(
        state.row_text(row).to_string(),
        theme::title(),
    )];
    if let Some(t) = row.target(state.runbook()) {
        match state.session.marks.get(&t) {
            Some(Mark::Done(s)) => out.push(Line::styled(
                format!("☑ ticked by {} at {}", s.by, clock::clock_text(s.at, tz)),
                theme::ok(),
            )),
            Some(Mark::NotApplicable { stamp, reason }) => out.push(Line::styled(
                format!(
                    "⊘ not applicable ({reason}), {} at {}",
                    stamp.by,
                    clock::clock_text(stamp.at, tz)
                ),
                theme::dim(),
            )),
            None => {}
        }
        for n in state.session.notes.iter().filter(|n| n.target == Some(t)) {
            out.push(Line::from(vec![
                Span::styled(
                    format!("✎ {} {}: ", n.stamp.by, clock::clock_text(n.stamp.at, tz)),
                    theme::dim(),
                ),
                Span::raw(n.text.clone()),
            ]));
        }
    }
    let blocks = blocks(state, row);
    if blocks.is_empty() {
        out.push(Line::styled("no command for this row", theme::dim()));
    }
    for b in blocks {
        let what = match b.kind {
            BlockKind::Manual => "manual step",
            _ => "command",
        };
        out.push(Line::styled(
            format!(
                "── {what} · {} · line {} ──",
                b.lang.as_deref().unwrap_or("sh"),
                b.line
            ),
            theme::dim(),
        ));
        out.extend(
            b.code
                .lines()
                .map(|l| Line::styled(l.to_string(), theme::command())),
        );
    }
    out
}
