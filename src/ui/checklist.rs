//! The checklist: sections as foldable groups with progress, items with a
//! state glyph, steps (runnable sections) with their own glyph, `$` where a
//! command waits, checkpoints due or overdue against the window start, and
//! how a finished command ended (`✗ exit 2 · 3.1s`, `✓ 0.4s`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem};

use super::{ViewState, theme};
use crate::core::action::Cmd;
use crate::core::outline::Row;
use crate::core::screen::Mode;
use crate::core::session::Mark;
use crate::core::session::Status;
use crate::core::session::runs::RunExit;
use crate::core::state::State;
use crate::core::window;

/// `output_hint`: a command ran and the output has no room, not even a
/// line; the title names the key that shows it.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &mut ViewState,
    output_hint: bool,
) {
    let rows = state.rows();
    let (done, total) = state.checklist_done();
    let width = usize::from(area.width.saturating_sub(2));
    let items: Vec<ListItem> = rows
        .iter()
        .map(|&r| ListItem::new(line(state, r, width)))
        .collect();
    let selected = state
        .ui
        .cursor
        .and_then(|c| rows.iter().position(|&r| r == c));
    view.list.select(selected);
    view.checklist_rows = area.height.saturating_sub(2);
    let mut title = vec![Span::styled(
        format!(" Checklist {done}/{total} "),
        theme::title(),
    )];
    let key = view
        .keymap
        .keys_for(Mode::Normal, Cmd::ZoomOutput)
        .into_iter()
        .next();
    if let Some(k) = key.filter(|_| output_hint) {
        title.push(Span::styled(format!("{k} "), theme::key()));
        title.push(Span::styled("output ", theme::dim()));
    }
    let block = Block::bordered()
        .border_style(theme::border())
        .title(Line::from(title));
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

fn line(state: &State, row: Row, width: usize) -> Line<'static> {
    let outline = &state.plan.outline;
    let rb = state.runbook();
    let mut before = Vec::new();
    let mut after = Vec::new();
    let has_note = row
        .target(rb)
        .is_some_and(|t| state.session.notes.iter().any(|n| n.target == Some(t)));
    let (text, text_style) = match row {
        Row::Section(s) => {
            let info = &outline.sections[s];
            let sec = &rb.sections[s];
            let foldable = !info.items.is_empty() || !info.descendants.is_empty();
            let fold = match (foldable, state.ui.collapsed.contains(&s)) {
                (false, _) => " ",
                (true, true) => "▸",
                (true, false) => "▾",
            };
            before.push(Span::raw(format!("{}{fold} ", "  ".repeat(info.depth))));
            if sec.runnable {
                let st = state.row_status(row);
                before.push(Span::styled(format!("{} ", st.glyph()), glyph_style(st)));
            }
            if info.has_command || sec.runnable {
                after.push(Span::styled(" $", theme::command()));
            }
            let (d, t) = state.progress(s);
            if t > 0 {
                let style = if d == t { theme::ok() } else { theme::dim() };
                after.push(Span::styled(format!("  {d}/{t}"), style));
            }
            if let Some(min) = sec.before_start_minutes {
                after.push(checkpoint(state, min, d == t && t > 0));
            }
            (sec.title.as_str(), theme::title())
        }
        Row::Item(i) => {
            let item = &rb.items[i];
            let depth = outline
                .section_of(rb, row)
                .map_or(0, |s| outline.sections[s].depth + 1)
                + item.depth;
            let st = state.row_status(row);
            before.push(Span::raw("  ".repeat(depth)));
            before.push(Span::styled(format!("{} ", st.glyph()), glyph_style(st)));
            if outline.has_command(row) {
                after.push(Span::styled(" $", theme::command()));
            }
            let style = if st == Status::NotApplicable {
                theme::dim()
            } else {
                Style::new()
            };
            (item.text.as_str(), style)
        }
    };
    // A tick by someone other than the deployer (a co-pilot) names them on
    // the row itself: who did what must not need the details pane.
    if let Some(t) = row.target(rb)
        && let Some(Mark::Done(s)) = state.session.marks.get(&t)
        && state
            .session
            .started
            .as_ref()
            .is_some_and(|started| started.by != s.by)
    {
        after.push(Span::styled(format!("  ✓ {}", s.by), theme::ok()));
    }
    let last = row
        .target(rb)
        .and_then(|t| state.session.runs.latest_for(t));
    if let Some(r) = last.filter(|r| r.interrupted()) {
        // Not unticked: its command may have done some or all of its work.
        after.push(Span::styled(
            format!("  {}", r.interrupted_text()),
            theme::amber(),
        ));
    }
    if has_note {
        after.push(Span::styled(" ✎", theme::dim()));
    }
    // An approval still open says who may give it: not the deployer.
    let second = row
        .target(rb)
        .filter(|&t| state.needs_second_person(t) && !state.session.marks.contains_key(&t))
        .map(|_| {
            [
                Span::styled("  2nd person", theme::amber()),
                Span::styled("  2nd person", theme::amber()),
            ]
        });
    let badges = last.and_then(|r| r.exit.as_ref()).map(badges).or(second);
    fit(state, before, text, text_style, after, badges, width)
}

/// How a finished command ended, long and short: `✗ exit 2 · 3.1s` or
/// `✗ exit 2`; `✓ 0.4s` either way.
fn badges(x: &RunExit) -> [Span<'static>; 2] {
    if x.success() {
        let s = Span::styled(
            format!("  ✓ {}", crate::core::session::runs::seconds(x.duration_ms)),
            theme::ok(),
        );
        [s.clone(), s]
    } else {
        [
            Span::styled(format!("  ✗ {}", x.text()), theme::red()),
            Span::styled(format!("  ✗ {}", x.how()), theme::red()),
        ]
    }
}

/// The fewest characters of a row's own text worth keeping for a badge.
const MIN_TEXT: usize = 12;

/// The row within `width`: the badge whole, the long one if it fits, the
/// text cut at a word (`…`) to make room. With no room for either, the row
/// is as it was and its glyph tells how the command ended.
fn fit(
    state: &State,
    before: Vec<Span<'static>>,
    text: &str,
    style: Style,
    after: Vec<Span<'static>>,
    badges: Option<[Span<'static>; 2]>,
    width: usize,
) -> Line<'static> {
    let fixed: usize = before.iter().chain(&after).map(Span::width).sum();
    let full = Span::raw(text).width();
    let mut shown = (text.to_string(), None);
    for badge in badges.into_iter().flatten() {
        let room = width.saturating_sub(fixed + badge.width());
        if full <= room {
            shown = (text.to_string(), Some(badge));
            break;
        }
        if room >= MIN_TEXT {
            shown = (cut_at_word(text, room), Some(badge));
            break;
        }
    }
    let (text, badge) = shown;
    let mut spans = before;
    spans.extend(marked(&text, style, state));
    spans.extend(after);
    spans.extend(badge);
    Line::from(spans)
}

/// `text` in at most `room` columns, ending at a word with `…`.
fn cut_at_word(text: &str, room: usize) -> String {
    let mut out = String::new();
    for word in text.split(' ') {
        let next = if out.is_empty() {
            word.to_string()
        } else {
            format!("{out} {word}")
        };
        if Span::raw(next.as_str()).width() + 1 > room {
            break;
        }
        out = next;
    }
    if out.is_empty() {
        // One word longer than the room: cut it, there is no other way.
        out = text
            .chars()
            .scan(0, |w, c| {
                *w += Span::raw(c.to_string()).width();
                (*w < room).then_some(c)
            })
            .collect();
    }
    format!("{}…", out.trim_end())
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
        Some(late) => Span::styled(format!("  overdue {}", window::human(late)), theme::red()),
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
