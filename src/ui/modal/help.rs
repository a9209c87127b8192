//! The keys overlay (built from the keymap, every mode, scrolling) and the
//! demo's first-run tour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{boxed, centered, frame_box, key, said};
use crate::core::action::Cmd;
use crate::core::screen::Mode;
use crate::core::state::State;
use crate::ui::{ViewState, theme};

/// Where each mode's keys apply, as the help heads them.
const SECTIONS: [(Mode, &str); 8] = [
    (Mode::Normal, "Checklist"),
    (
        Mode::Criteria,
        "Criteria focus (other keys as in the checklist)",
    ),
    (
        Mode::Logs,
        "Application log (other keys as in the checklist)",
    ),
    (Mode::Escalation, "Contacts and escalation"),
    (Mode::Confirm, "Confirm dialogs (run, rollback, quit, post)"),
    (Mode::Ask, "Rollback questions and alternatives"),
    (Mode::Input, "Text fields (search, reason, note, values)"),
    (Mode::Overlay, "This help, an announcement, a command"),
];

/// The key column; a description wraps under itself, not under the keys.
const KEYS_W: usize = 14;

/// Draws the help and says how many of its rows did not fit, the most it
/// can scroll.
pub(super) fn help(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &ViewState,
    wide: u16,
) -> u16 {
    let width = wide.min(72);
    let inner = usize::from(width.saturating_sub(2)).max(KEYS_W + 12);
    let mut body: Vec<Line<'static>> = Vec::new();
    for (mode, heading) in SECTIONS {
        let mut rows: Vec<(String, &str)> = view
            .keymap
            .commands(mode)
            .into_iter()
            .map(|(cmd, keys)| {
                let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
                (keys.join(" "), cmd.describe())
            })
            .collect();
        if rows.is_empty() {
            // A mirror's confirm and question keys are all refused.
            continue;
        }
        // Built in, not in the keymap.
        match mode {
            Mode::Ask => rows.push(("1-9".into(), "pick that alternative")),
            Mode::Input => rows.push(("any other".into(), "typed as text")),
            _ => {}
        }
        if !body.is_empty() {
            body.push(Line::raw(""));
        }
        body.push(Line::styled(heading, theme::title()));
        for (keys, what) in rows {
            body.extend(row_lines(&keys, what, inner));
        }
    }
    let mut foot = vec![
        Line::raw(""),
        Line::styled(
            format!(
                "{} · keys can be changed in the config's [keys] table",
                said(view, Mode::Overlay, &[(Cmd::Cancel, "closes")])
            ),
            theme::dim(),
        ),
    ];
    // Two borders, the foot, and a row for "more" when it does not fit.
    let room = usize::from(area.height)
        .saturating_sub(2 + foot.len())
        .max(1);
    let overflow = body.len() > room;
    let room = if overflow {
        room.saturating_sub(1).max(1)
    } else {
        room
    };
    let max = body.len().saturating_sub(room);
    let scroll = usize::from(state.ui.modal_scroll).min(max);
    let mut lines: Vec<Line<'static>> = body.into_iter().skip(scroll).take(room).collect();
    if overflow {
        let keys = |a: Cmd, b: Cmd| -> Option<String> {
            Some(format!(
                "{}/{}",
                key(view, Mode::Overlay, a)?,
                key(view, Mode::Overlay, b)?
            ))
        };
        let how: Vec<String> = [
            keys(Cmd::Down, Cmd::Up).map(|k| format!("{k} scroll")),
            keys(Cmd::PageDown, Cmd::PageUp).map(|k| format!("{k} page")),
        ]
        .into_iter()
        .flatten()
        .collect();
        let at = format!(
            "rows {}-{} of {}",
            scroll + 1,
            scroll + lines.len(),
            max + room
        );
        let more = if scroll < max { "more ↓ · " } else { "" };
        foot.insert(
            0,
            Line::styled(format!("{more}{at} · {}", how.join(" · ")), theme::amber()),
        );
        foot.remove(1);
    }
    lines.extend(foot);
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    frame_box(
        frame,
        centered(area, width, h),
        " Keys ".into(),
        theme::title(),
        lines,
    );
    u16::try_from(max).unwrap_or(u16::MAX)
}

/// One command's keys and what they do, the description word-wrapped in
/// its column so the rows counted are the rows drawn.
fn row_lines(keys: &str, what: &str, inner: usize) -> Vec<Line<'static>> {
    let room = inner.saturating_sub(KEYS_W + 2).max(10);
    let mut chunks: Vec<String> = vec![String::new()];
    for word in what.split_whitespace() {
        let Some(last) = chunks.last_mut() else { break };
        let len = last.chars().count();
        if len > 0 && len + 1 + word.chars().count() > room {
            chunks.push(word.to_string());
        } else {
            if len > 0 {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let keys = if i == 0 { keys } else { "" };
            Line::from(vec![
                Span::styled(format!("{keys:>KEYS_W$}  "), theme::key()),
                Span::raw(chunk),
            ])
        })
        .collect()
}

pub(super) fn tour(frame: &mut Frame, area: Rect, view: &ViewState, wide: u16) {
    boxed(
        frame,
        area,
        wide.min(72),
        " Try this: the demo in five steps ",
        theme::title(),
        tour_lines(view),
    );
}

/// The demo's first-run overlay, its keys from the keymap.
fn tour_lines(view: &ViewState) -> Vec<Line<'static>> {
    let step = |n: &str, parts: &[(String, bool)]| {
        let mut spans = vec![Span::styled(format!(" {n}. "), theme::title())];
        for (text, key) in parts {
            spans.push(if *key {
                Span::styled(text.clone(), theme::key())
            } else {
                Span::raw(text.clone())
            });
        }
        Line::from(spans)
    };
    let k = |mode: Mode, cmd: Cmd| {
        (
            key(view, mode, cmd).unwrap_or_else(|| format!("({} has no key)", cmd.name())),
            true,
        )
    };
    let t = |text: &str| (text.to_string(), false);
    let down_up = (
        format!(
            "{}/{}",
            k(Mode::Normal, Cmd::Down).0,
            k(Mode::Normal, Cmd::Up).0
        ),
        true,
    );
    let yes = k(Mode::Confirm, Cmd::Confirm);
    let search = |what: &str| {
        [
            k(Mode::Normal, Cmd::Search),
            t(what),
            k(Mode::Input, Cmd::Submit),
            t(", then "),
            k(Mode::Normal, Cmd::Open),
            t(" "),
            yes.clone(),
        ]
    };
    let mut backup = vec![t("Run the backup: ")];
    backup.extend(search("database backup "));
    let mut deploy = vec![t("Run Step 4: Deploy Application: ")];
    deploy.extend(search("Step 4 "));
    vec![
        step(
            "1",
            &[
                t("Tick an item: "),
                down_up,
                t(" move, "),
                k(Mode::Normal, Cmd::Tick),
                t(" ticks"),
            ],
        ),
        // Searches that land on the step itself, not an earlier mention.
        step("2", &backup),
        step("3", &deploy),
        step(
            "4",
            &[
                t("Watch the criteria turn red, then roll back: "),
                k(Mode::Normal, Cmd::Rollback),
                t(" "),
                yes.clone(),
            ],
        ),
        step(
            "5",
            &[
                t("Quit with "),
                k(Mode::Normal, Cmd::Quit),
                t(" "),
                yes,
                t(", then read "),
                ("rollout-cockpit report".to_string(), true),
            ],
        ),
        Line::raw(""),
        Line::styled(
            "All simulated: a service on 127.0.0.1 and stand-in tools.",
            theme::dim(),
        ),
        Line::styled(
            format!(
                "{} · {} brings this back, {} again lists all keys",
                said(view, Mode::Overlay, &[(Cmd::Cancel, "closes")]),
                k(Mode::Normal, Cmd::Help).0,
                k(Mode::Overlay, Cmd::Help).0,
            ),
            theme::dim(),
        ),
    ]
}
