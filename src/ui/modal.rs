//! The one overlay at a time: help (built from the keymap), a step's command,
//! a text field (reason, note), or a confirm that names what it confirms.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{ViewState, output, theme};
use crate::state::{Confirm, Field, Modal, Mode, State};

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

fn frame_box(
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

pub fn render(frame: &mut Frame, area: Rect, state: &State, view: &ViewState) {
    let Some(modal) = &state.ui.modal else { return };
    let wide = area.width.saturating_sub(4).min(100);
    match modal {
        Modal::Help => {
            let mut lines = Vec::new();
            for (cmd, keys) in view.keymap.commands(Mode::Normal) {
                let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
                lines.push(Line::from(vec![
                    Span::styled(format!("{:>14}  ", keys.join(" ")), theme::key()),
                    Span::raw(cmd.describe()),
                ]));
            }
            // Keys of the criteria focus (Tab) that the checklist lacks.
            for (cmd, keys) in view.keymap.commands(Mode::Criteria) {
                let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
                lines.push(Line::from(vec![
                    Span::styled(format!("{:>14}  ", keys.join(" ")), theme::key()),
                    Span::raw(cmd.describe()),
                ]));
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "esc closes · keys can be changed in the config's [keys] table",
                theme::dim(),
            ));
            let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
            frame_box(
                frame,
                centered(area, wide.min(64), h),
                " Keys ".into(),
                theme::title(),
                lines,
            );
        }
        Modal::Command(row) => {
            let mut lines = output::lines(state, *row);
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "view only: running steps from the cockpit comes next · esc closes",
                theme::dim(),
            ));
            let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
            frame_box(
                frame,
                centered(area, wide, h.max(6)),
                " Command ".into(),
                theme::title(),
                lines,
            );
        }
        Modal::Input { field, text } => {
            let title = match field {
                // Search is typed in the footer, not in a box.
                Field::Search => return,
                Field::Reason(_) => " Not applicable: why? ",
                Field::Note(_) => " Note ",
            };
            let subject = state
                .ui
                .cursor
                .map(|r| state.row_text(r).to_string())
                .unwrap_or_default();
            let mut lines = vec![
                Line::styled(subject, theme::dim()),
                Line::from(vec![
                    Span::raw(format!("> {text}")),
                    Span::styled("▏", theme::key()),
                ]),
            ];
            if let Some(flash) = &state.ui.flash {
                lines.push(Line::styled(flash.clone(), theme::amber()));
            }
            lines.push(Line::styled(
                "enter saves (journaled) · esc cancels",
                theme::dim(),
            ));
            frame_box(
                frame,
                centered(area, wide.min(70), 7),
                title.into(),
                theme::title(),
                lines,
            );
        }
        Modal::Confirm(Confirm::Quit) => {
            let mut lines = vec![Line::raw(format!(
                "Quit the cockpit? This ends the session: {}",
                state.outcome().text()
            ))];
            if let Some(j) = &state.settings.journal {
                // The path on its own line: word wrapping cannot push the
                // keys below the box.
                lines.push(Line::styled("the journal is kept:", theme::dim()));
                lines.push(Line::styled(j.clone(), theme::dim()));
            }
            lines.push(Line::from(vec![
                Span::styled("y", theme::key()),
                Span::raw(" quit   "),
                Span::styled("r", theme::key()),
                Span::raw(" quit + write the report   "),
                Span::styled("n", theme::key()),
                Span::raw("/"),
                Span::styled("esc", theme::key()),
                Span::raw(" stay"),
            ]));
            let w = wide.min(76);
            let inner = usize::from(w.saturating_sub(2)).max(1);
            // Long journal paths wrap: the box grows so the keys stay visible.
            let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
            let h = u16::try_from(rows + 2).unwrap_or(u16::MAX);
            frame_box(
                frame,
                centered(area, w, h),
                " Quit? ".into(),
                theme::amber(),
                lines,
            );
        }
    }
}
