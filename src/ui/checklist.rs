//! The checklist: sections as foldable groups with progress, items with a
//! state glyph, steps (runnable sections) with their own glyph, `$` where a
//! command waits, and checkpoints due or overdue against the window start.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem};

use super::{ViewState, theme};
use crate::core::state::clock;
use crate::core::state::{Row, State, Status};

pub fn render(frame: &mut Frame, area: Rect, state: &State, view: &mut ViewState) {
    let rows = state.rows();
    let (done, total) = state.checklist_done();
    let items: Vec<ListItem> = rows
        .iter()
        .map(|&r| ListItem::new(line(state, r)))
        .collect();
    let selected = state
        .ui
        .cursor
        .and_then(|c| rows.iter().position(|&r| r == c));
    view.list.select(selected);
    view.checklist_rows = area.height.saturating_sub(2);
    let block = Block::bordered()
        .border_style(theme::border())
        .title(Line::styled(
            format!(" Checklist {done}/{total} "),
            theme::title(),
        ));
    let list = if rows.is_empty() {
        List::new([ListItem::new(Line::styled(
            "no checklist items in this runbook",
            theme::dim(),
        ))])
    } else {
        List::new(items)
    };
    frame.render_stateful_widget(
        list.block(block).highlight_style(theme::selected()),
        area,
        &mut view.list,
    );
}

fn glyph_style(status: Status) -> Style {
    match status {
        Status::Done => theme::ok(),
        Status::NotApplicable => theme::dim(),
        Status::Running => theme::amber(),
        Status::Failed => theme::red(),
        Status::Interrupted => theme::amber(),
        Status::Open => Style::new(),
    }
}

fn line(state: &State, row: Row) -> Line<'static> {
    let outline = &state.plan.outline;
    let rb = state.runbook();
    let mut spans = Vec::new();
    let has_note = row
        .target(rb)
        .is_some_and(|t| state.session.notes.iter().any(|n| n.target == Some(t)));
    match row {
        Row::Section(s) => {
            let info = &outline.sections[s];
            let sec = &rb.sections[s];
            let foldable = !info.items.is_empty() || !info.descendants.is_empty();
            let fold = match (foldable, state.ui.collapsed.contains(&s)) {
                (false, _) => " ",
                (true, true) => "▸",
                (true, false) => "▾",
            };
            spans.push(Span::raw(format!("{}{fold} ", "  ".repeat(info.depth))));
            if sec.runnable {
                let st = state.row_status(row);
                spans.push(Span::styled(format!("{} ", st.glyph()), glyph_style(st)));
            }
            spans.extend(marked(&sec.title, theme::title(), state));
            if info.has_command || sec.runnable {
                spans.push(Span::styled(" $", theme::command()));
            }
            let (d, t) = state.progress(s);
            if t > 0 {
                let style = if d == t { theme::ok() } else { theme::dim() };
                spans.push(Span::styled(format!("  {d}/{t}"), style));
            }
            if let Some(min) = sec.before_start_minutes {
                spans.push(checkpoint(state, min, d == t && t > 0));
            }
        }
        Row::Item(i) => {
            let item = &rb.items[i];
            let depth = outline
                .section_of(rb, row)
                .map_or(0, |s| outline.sections[s].depth + 1)
                + item.depth;
            let st = state.row_status(row);
            spans.push(Span::raw("  ".repeat(depth)));
            spans.push(Span::styled(format!("{} ", st.glyph()), glyph_style(st)));
            let text_style = if st == Status::NotApplicable {
                theme::dim()
            } else {
                Style::new()
            };
            spans.extend(marked(&item.text, text_style, state));
            if outline.has_command(row) {
                spans.push(Span::styled(" $", theme::command()));
            }
        }
    }
    if let Some(r) = row
        .target(rb)
        .and_then(|t| state.session.runs.latest_for(t))
        .filter(|r| r.interrupted())
    {
        // Not unticked: its command may have done some or all of its work.
        spans.push(Span::styled(
            format!("  {}", r.interrupted_text()),
            theme::amber(),
        ));
    }
    if has_note {
        spans.push(Span::styled(" ✎", theme::dim()));
    }
    Line::from(spans)
}

/// `text` with the matches of the last search (`n`/`N` step through them)
/// shown reversed, so the eye finds them in a long list.
fn marked(text: &str, style: Style, state: &State) -> Vec<Span<'static>> {
    let Some(needle) = state.ui.search.as_deref().filter(|n| !n.is_empty()) else {
        return vec![Span::styled(text.to_string(), style)];
    };
    let hay = text.to_lowercase();
    let needle = needle.to_lowercase();
    // Lowercasing can change byte lengths outside ASCII; then the offsets
    // would not fit `text`, and it is shown plain.
    if hay.len() != text.len() {
        return vec![Span::styled(text.to_string(), style)];
    }
    let hit = style.add_modifier(ratatui::style::Modifier::REVERSED);
    let mut out = Vec::new();
    let mut at = 0;
    for (start, m) in hay.match_indices(&needle) {
        if !text.is_char_boundary(start) || !text.is_char_boundary(start + m.len()) {
            continue;
        }
        if start > at {
            out.push(Span::styled(text[at..start].to_string(), style));
        }
        out.push(Span::styled(text[start..start + m.len()].to_string(), hit));
        at = start + m.len();
    }
    if at < text.len() {
        out.push(Span::styled(text[at..].to_string(), style));
    }
    out
}

/// "due 20:00 EST", "overdue 35m" or "done", against the window's start.
fn checkpoint(state: &State, minutes: u32, complete: bool) -> Span<'static> {
    if complete {
        return Span::styled("  ✓ checkpoint", theme::ok());
    }
    // On the window clock, which the demo runs faster.
    let Some(c) = state.checkpoint(minutes) else {
        return Span::raw("");
    };
    let now = state.window_time(state.now);
    match c.overdue {
        Some(late) => Span::styled(format!("  overdue {}", clock::human(late)), theme::red()),
        None if c.soon(now) => Span::styled(
            format!("  due {}", c.due.with_timezone(&c.tz).format("%H:%M")),
            theme::amber(),
        ),
        None => Span::styled(
            format!("  due {}", c.due.with_timezone(&c.tz).format("%a %H:%M")),
            theme::dim(),
        ),
    }
}
