//! The output pane: the running command's output, following; when nothing
//! runs, the selected row (see [`pane::shows`]): its command's output while
//! that is in memory, else its text, who ticked it and when, its notes and
//! its command blocks, masked as the confirm shows them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme;
use crate::config::keys::Keymap;
use crate::core::action::Cmd;
use crate::core::event::Target;
use crate::core::outline::Row;
use crate::core::screen::Mode;
use crate::core::session::Mark;
use crate::core::state::State;
use crate::core::update::pane;
use crate::core::update::pane::Shows;
use crate::core::update::runs;
use crate::core::window;
use crate::domain::exec::Stream;
use crate::domain::runbook::BlockKind;

pub fn render(frame: &mut Frame, area: Rect, state: &State, keymap: &Keymap) {
    let back = zoom_key(keymap)
        .filter(|_| state.exec.zoom)
        .map(|k| Span::styled(format!("· {k} back "), theme::dim()));
    match pane::shows(state) {
        Shows::Run(run) => {
            let follow = keymap.first_key(Mode::Normal, Cmd::Follow);
            render_run(frame, area, state, run, back, follow.as_deref());
        }
        shows => {
            let mut title = vec![Span::styled(" Output ", theme::title())];
            title.extend(back);
            let block = Block::bordered()
                .border_style(theme::border())
                .title(Line::from(title));
            let lines = match shows {
                Shows::Row(r) => details(state, r),
                _ => Vec::new(),
            };
            frame.render_widget(
                Paragraph::new(lines)
                    .block(block)
                    .wrap(Wrap { trim: false }),
                area,
            );
        }
    }
}

/// One line where a pane has no room: what ran, how it ended, and the key
/// that shows it all.
/// The key first, as the footer hints are: a long status is cut, never it.
pub fn strip(frame: &mut Frame, area: Rect, state: &State, keymap: &Keymap) {
    let mut spans = Vec::new();
    if let Some(k) = zoom_key(keymap) {
        spans.push(Span::styled(format!(" {k}"), theme::key()));
    }
    spans.push(Span::styled(" output ", theme::title()));
    if let Shows::Run(run) = pane::shows(state) {
        let (text, style) = status(state, run);
        spans.push(Span::styled(format!("#{run} "), theme::title()));
        spans.push(Span::styled(text, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn zoom_key(keymap: &Keymap) -> Option<String> {
    keymap.first_key(Mode::Normal, Cmd::ZoomOutput)
}

/// `▶ 3.0s`, `✓ exit 0 · 0.4s`, `✗ exit 2 · 3.1s`, `interrupted`.
fn status(state: &State, run: u64) -> (String, Style) {
    match state.session.runs.get(run) {
        None => ("starting".to_string(), theme::amber()),
        Some(r) => match &r.exit {
            None if r.lost => (
                format!("{} (the cockpit stopped)", r.interrupted_text()),
                theme::amber(),
            ),
            None => (
                format!(
                    "▶ {}",
                    crate::core::session::runs::seconds(runs::elapsed_ms(state, r))
                ),
                theme::amber(),
            ),
            Some(x) if x.success() => (format!("✓ {}", x.text()), theme::ok()),
            Some(x) => (format!("✗ {}", x.text()), theme::red()),
        },
    }
}

/// A command's output: a status line, then the newest lines (or the
/// scrolled-back ones). stderr is tinted.
fn render_run(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    run: u64,
    back: Option<Span>,
    follow_key: Option<&str>,
) {
    let Some(pane) = pane::buffer(state, run) else {
        frame.render_widget(Block::bordered().border_style(theme::border()), area);
        return;
    };
    let record = state.session.runs.get(run);
    let (status, style) = status(state, run);
    let follow = match (pane.is_following(), follow_key) {
        (true, _) => String::new(),
        (false, Some(k)) => format!(" · scrolled ({k} follows)"),
        (false, None) => " · scrolled".to_string(),
    };
    let mut title = vec![
        Span::styled(format!(" Output #{run} "), theme::title()),
        Span::styled(format!("{status} "), style),
        Span::styled(
            format!(
                "· {}{follow} ",
                crate::domain::words::count(pane.total(), "line")
            ),
            theme::dim(),
        ),
    ];
    title.extend(back);
    let block = Block::bordered()
        .border_style(theme::border())
        .title(Line::from(title));
    let inner = block.inner(area);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(r) = record {
        if let Some(t) = r.target {
            lines.extend(marks(state, t));
        }
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
    // A replay before this command's end: its log has no mark of where
    // this moment was, so what follows may be later output.
    let newest = state.session.runs.list.last().map(|r| r.run);
    if state.replay.as_ref().is_some_and(|b| b.output_as_of_end) && newest == Some(run) {
        lines.push(Line::styled(
            "(running here: output as of the end)",
            theme::amber(),
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

/// A row whose output is not in memory: its details, and how its last
/// command ended with where its output is.
fn details(state: &State, row: Row) -> Vec<Line<'static>> {
    let mut out = lines(state, row);
    let last = row
        .target(state.runbook())
        .and_then(|t| state.session.runs.latest_for(t));
    if let Some(r) = last {
        let (text, style) = status(state, r.run);
        let at = 1.min(out.len());
        out.insert(at, Line::styled(format!("#{} {text}", r.run), style));
        out.insert(
            at + 1,
            Line::styled(format!("output in {}", r.log), theme::dim()),
        );
    }
    out
}

/// The command blocks a row owns, in order.
pub fn blocks(state: &State, row: Row) -> Vec<&crate::domain::runbook::Block> {
    state
        .runbook()
        .owned_by(row.owner())
        .filter(|b| {
            matches!(b.kind, BlockKind::Command | BlockKind::Manual)
                || crate::core::outline::is_shown_not_run(b)
        })
        .collect()
}

pub fn lines(state: &State, row: Row) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled(
        state.row_text(row).to_string(),
        theme::title(),
    )];
    if let Some(t) = row.target(state.runbook()) {
        out.extend(marks(state, t));
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

/// Who ticked it (or why it does not apply) and when, and its notes.
fn marks(state: &State, t: Target) -> Vec<Line<'static>> {
    let tz = window::zone(state.runbook().window.as_ref());
    let mut out = Vec::new();
    match state.session.marks.get(&t) {
        Some(Mark::Done(s)) => out.push(Line::styled(
            format!("☑ ticked by {} at {}", s.by, window::clock_text(s.at, tz)),
            theme::ok(),
        )),
        Some(Mark::NotApplicable { stamp, reason }) => out.push(Line::styled(
            format!(
                "⊘ not applicable ({reason}), {} at {}",
                stamp.by,
                window::clock_text(stamp.at, tz)
            ),
            theme::dim(),
        )),
        None => {}
    }
    for n in state.session.notes.iter().filter(|n| n.target == Some(t)) {
        out.push(Line::from(vec![
            Span::styled(
                format!("✎ {} {}: ", n.stamp.by, window::clock_text(n.stamp.at, tz)),
                theme::dim(),
            ),
            Span::raw(n.text.clone()),
        ]));
    }
    out
}
