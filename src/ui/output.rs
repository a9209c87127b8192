//! The selected row in full: its text, who ticked it and when, notes, and its
//! command blocks. The runner issue adds live output below the command.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme;
use crate::core::state::{Mark, Row, State};
use crate::core::state::{clock, runs};
use crate::domain::exec::Stream;
use crate::domain::runbook::BlockKind;

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    if let Some(run) = state.exec.shown {
        return render_run(frame, area, state, run);
    }
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

/// A command's live output: a status line, then the newest lines (or the
/// scrolled-back ones). stderr is tinted.
fn render_run(frame: &mut Frame, area: Rect, state: &State, run: u64) {
    let pane = &state.exec.pane.0;
    let record = state.session.runs.get(run);
    let (status, style) = match record {
        None => ("starting".to_string(), theme::amber()),
        Some(r) => match &r.exit {
            None if r.lost => (
                format!("{} (the cockpit stopped)", r.interrupted_text()),
                theme::amber(),
            ),
            None => (
                format!("▶ {}", runs::seconds(runs::elapsed_ms(state, r))),
                theme::amber(),
            ),
            Some(x) if x.success() => (format!("✓ {}", x.text()), theme::ok()),
            Some(x) => (format!("✗ {}", x.text()), theme::red()),
        },
    };
    let follow = if pane.is_following() {
        ""
    } else {
        " · scrolled (end follows)"
    };
    let title = Line::from(vec![
        Span::styled(format!(" Output #{run} "), theme::title()),
        Span::styled(format!("{status} "), style),
        Span::styled(format!("· {} lines{follow} ", pane.total()), theme::dim()),
    ]);
    let block = Block::bordered().border_style(theme::border()).title(title);
    let inner = block.inner(area);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(r) = record {
        let first = r
            .command
            .lines()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .unwrap_or("");
        lines.push(Line::styled(
            format!("$ {}", first.trim()),
            theme::command(),
        ));
    }
    if record.is_some_and(|r| r.terminal) {
        lines.push(Line::styled(
            crate::domain::exec::terminal::NOT_CAPTURED,
            theme::dim(),
        ));
    }
    let height = usize::from(inner.height).saturating_sub(lines.len());
    for (_, l) in pane.visible(height) {
        let style = match l.stream {
            Stream::Stderr => theme::amber(),
            Stream::Stdout => ratatui::style::Style::new(),
        };
        lines.push(Line::styled(l.text.clone(), style));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The command blocks a row owns, in order.
pub fn blocks(state: &State, row: Row) -> Vec<&crate::domain::runbook::Block> {
    state
        .runbook()
        .owned_by(row.owner())
        .filter(|b| {
            matches!(b.kind, BlockKind::Command | BlockKind::Manual)
                || crate::core::state::outline::is_shown_not_run(b)
        })
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
            BlockKind::Reference => "reference: not run",
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
        if let Some(note) = &b.note {
            out.push(Line::styled(note.clone(), theme::amber()));
        }
        // As the confirm shows it: what will run (`--env` rewrites a
        // command's hosts), masked, a private key's body included.
        let code = if b.kind == BlockKind::Command {
            crate::domain::profile::rewrite_command(&state.settings.profile, &b.code)
        } else {
            b.code.clone()
        };
        let masker = &state.settings.exec.masker.0;
        let mut key = crate::domain::mask::KeyBlock::default();
        out.extend(
            code.lines()
                .map(|l| Line::styled(key.mask(masker, l).into_owned(), theme::command())),
        );
    }
    out
}
