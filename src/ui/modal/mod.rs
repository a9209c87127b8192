//! The one overlay at a time: help (built from the keymap), a step's command,
//! a text field (reason, note), or a confirm that names what it confirms.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

mod announce;
mod ask;
mod command;
mod escalation;
mod help;
mod input;
mod quit;
mod rollback;
mod run;

use super::{ViewState, theme};
use crate::core::action::Cmd;
use crate::core::modal::Confirm;
use crate::core::modal::ConfirmLine;
use crate::core::modal::Modal;
use crate::core::screen::Mode;
use crate::core::state::State;

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

pub(super) fn frame_box(
    frame: &mut Frame,
    area: Rect,
    title: String,
    style: Style,
    lines: Vec<Line<'static>>,
) {
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .title(Line::styled(title, style))
        .border_style(style);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

pub(super) fn keys_line(keys: &[(String, &str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (k, what) in keys {
        spans.push(Span::styled(k.clone(), theme::key()));
        spans.push(Span::raw(format!(" {what}   ")));
    }
    Line::from(spans)
}

/// A dialog's keys as the keymap has them in `mode` (`n/esc cancel`); a
/// command no key does there (rebound away, or a mirror's) is left out.
pub(super) fn keys_of<'a>(
    view: &ViewState,
    mode: Mode,
    hints: &[(Cmd, &'a str)],
) -> Vec<(String, &'a str)> {
    hints
        .iter()
        .filter_map(|&(cmd, what)| Some((view.keymap.named(mode, cmd)?, what)))
        .collect()
}

/// Keys in a sentence: `enter saves · esc cancels`, first key of each,
/// a command no key does left out.
pub(crate) fn said(view: &ViewState, mode: Mode, hints: &[(Cmd, &str)]) -> String {
    hints
        .iter()
        .filter_map(|&(cmd, what)| Some(format!("{} {what}", key(view, mode, cmd)?)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The first key of `cmd` in `mode`, for prose ("y runs:"); `None` when no
/// key does it, so the sentence can leave the key out.
pub(super) fn key(view: &ViewState, mode: Mode, cmd: Cmd) -> Option<String> {
    view.keymap.first_key(mode, cmd)
}

/// A centred box as tall as its wrapped lines.
pub(super) fn boxed(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    title: &str,
    style: Style,
    lines: Vec<Line<'static>>,
) {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let h = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    frame_box(
        frame,
        centered(area, width, h),
        title.to_string(),
        style,
        lines,
    );
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, view: &mut ViewState) {
    view.overlay_hidden = 0;
    let Some(modal) = &state.ui.modal else { return };
    let wide = area.width.saturating_sub(4).min(100);
    match modal {
        Modal::Help => view.overlay_hidden = help::help(frame, area, state, view, wide),
        Modal::Tour => help::tour(frame, area, view, wide),
        Modal::Command(row) => command::render(frame, area, state, view, *row, wide),
        Modal::Input { field, text } => input::field(frame, area, state, view, field, text, wide),
        Modal::Run(plan) => run::confirm(frame, area, state, view, plan, wide),
        Modal::Form(form) => input::form(frame, area, state, view, form, wide),
        Modal::Rollback => rollback::render(frame, area, state, view, wide),
        Modal::Ask(ask) => ask::rollback_question(frame, area, state, view, ask, wide),
        Modal::Leftover { run, pgid } => {
            ask::leftover(frame, area, state, view, *run, *pgid, wide);
        }
        Modal::Pick(pick) => run::pick(frame, area, state, view, pick, wide),
        Modal::Announcement(b) => announce::announcement(frame, area, state, view, *b, wide),
        Modal::Escalation { step } => escalation::render(frame, area, state, view, *step, wide),
        Modal::Confirm(Confirm::Post(_)) => announce::post(frame, area, view, wide),
        Modal::Confirm(Confirm::Quit) => quit::render(frame, area, state, view, wide),
    }
}

/// Numbered alternatives, each with the commands it would run (masked).
pub(super) fn option_lines(
    state: &State,
    options: &[crate::domain::runbook::StepOption],
) -> Vec<Line<'static>> {
    let rb = state.runbook();
    let mut lines = Vec::new();
    for (k, o) in options.iter().enumerate() {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", k + 1), theme::key()),
            Span::styled(o.title.clone(), theme::title()),
        ]));
        for b in o.blocks.iter().filter_map(|&b| rb.blocks.get(b)) {
            if b.kind != crate::domain::runbook::BlockKind::Command {
                continue;
            }
            for l in crate::core::update::runs::shown_lines(state, b)
                .into_iter()
                .filter(|l| !l.trim_start().starts_with('#'))
            {
                lines.push(Line::styled(format!("    {l}"), theme::command()));
            }
        }
    }
    lines
}

/// A line of what a rollback runs, drawn as its confirm draws it.
pub(super) fn confirm_line((kind, text): (ConfirmLine, String)) -> Line<'static> {
    match kind {
        ConfirmLine::Step => Line::raw(text),
        ConfirmLine::Option => Line::styled(text, theme::title()),
        ConfirmLine::Command => Line::styled(text, theme::command()),
    }
}
