//! The bottom line: key hints for the current mode, taken from the keymap, or
//! the search being typed, or a short message about the last key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{ViewState, theme};
use crate::state::{Field, Modal, State};

pub fn render(frame: &mut Frame, area: Rect, state: &State, view: &ViewState) {
    if let Some(Modal::Input {
        field: Field::Search,
        text,
    }) = &state.ui.modal
    {
        let line = Line::from(vec![
            Span::styled("/", theme::key()),
            Span::raw(text.clone()),
            Span::styled("▏", theme::key()),
            Span::styled("   enter jump · esc cancel", theme::dim()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let mut spans = Vec::new();
    if let Some(flash) = &state.ui.flash {
        spans.push(Span::styled(format!(" {flash} "), theme::amber()));
    }
    for (key, hint) in view.keymap.footer(state.mode()) {
        spans.push(Span::styled(format!(" {key}"), theme::key()));
        spans.push(Span::styled(format!(" {hint} "), theme::dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
