//! Text typed into a box: a reason, a note, or the values a step needs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{boxed, centered, frame_box, keys_line, keys_of, said};
use crate::core::action::Cmd;
use crate::core::modal::Field;
use crate::core::modal::Form;
use crate::core::screen::Mode;
use crate::core::state::State;
use crate::ui::{ViewState, theme};

pub(super) fn field(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &ViewState,
    field: &Field,
    text: &str,
    wide: u16,
) {
    let title = match field {
        // Search is typed in the footer, not in a box.
        Field::Search | Field::LogFilter => return,
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
            // A pasted token is hidden as soon as it is whole:
            // a mirror (tmux, a screen share) sees this box too.
            Span::raw(format!("> {}", state.settings.exec.masker.0.mask(text))),
            Span::styled("▏", theme::key()),
        ]),
    ];
    if let Some(flash) = &state.ui.flash {
        lines.push(Line::styled(flash.clone(), theme::amber()));
    }
    lines.push(Line::styled(
        said(
            view,
            Mode::Input,
            &[(Cmd::Submit, "saves (journaled)"), (Cmd::Cancel, "cancels")],
        ),
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

pub(super) fn form(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &ViewState,
    form: &Form,
    wide: u16,
) {
    let mut lines = vec![
        Line::styled(form.title.clone(), theme::title()),
        Line::styled(
            "values are shell-quoted where they are put in; kept for this session",
            theme::dim(),
        ),
        Line::raw(""),
    ];
    for (i, f) in form.fields.iter().enumerate() {
        let shown = if f.secret {
            "•".repeat(f.value.chars().count())
        } else {
            f.value.clone()
        };
        let mut spans = vec![Span::styled(
            format!("{} {}: ", if i == form.at { "▶" } else { " " }, f.name),
            if i == form.at {
                theme::key()
            } else {
                theme::dim()
            },
        )];
        spans.push(Span::raw(shown));
        if i == form.at {
            spans.push(Span::styled("▏", theme::key()));
            if f.value.is_empty()
                && let Some(d) = &f.default
            {
                spans.push(Span::styled(format!(" default: {d}"), theme::dim()));
            }
        }
        if f.secret {
            spans.push(Span::styled(" (secret: never written)", theme::dim()));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    if let Some(flash) = &state.ui.flash {
        lines.push(Line::styled(flash.clone(), theme::amber()));
    }
    lines.push(keys_line(&keys_of(
        view,
        Mode::Input,
        &[
            (Cmd::Submit, "next / done (empty takes the default)"),
            (Cmd::Cancel, "cancel"),
        ],
    )));
    boxed(
        frame,
        area,
        wide.min(90),
        " Values needed ",
        theme::title(),
        lines,
    );
}
