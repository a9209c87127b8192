//! The contacts table and the escalation path.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{boxed, keys_line};
use crate::core::screen::Mode;
use crate::core::state::State;
use crate::core::update::escalation;
use crate::core::window;
use crate::ui::{ViewState, theme};

pub(super) fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &ViewState,
    step: usize,
    wide: u16,
) {
    boxed(
        frame,
        area,
        wide.min(84),
        " Contacts and escalation ",
        theme::title(),
        escalation_lines(state, view, step),
    );
}

/// The contacts table, then the path: each step with who, how, and (once
/// the clock runs) when it is due or who reached them.
fn escalation_lines(state: &State, view: &ViewState, selected: usize) -> Vec<Line<'static>> {
    let rb = state.runbook();
    let tz = window::zone(rb.window.as_ref());
    let mut lines = vec![Line::styled("Contacts", theme::title())];
    if rb.contacts.is_empty() {
        lines.push(Line::styled(
            "  the runbook lists no contacts",
            theme::dim(),
        ));
    }
    let role_w = rb
        .contacts
        .iter()
        .map(|c| c.role.chars().count())
        .max()
        .unwrap_or(4);
    let name_w = rb
        .contacts
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(4);
    for c in &rb.contacts {
        lines.push(Line::raw(format!(
            "  {:role_w$}  {:name_w$}  {}",
            c.role, c.name, c.contact
        )));
    }
    lines.push(Line::raw(""));
    let esc = &state.session.escalation;
    lines.push(Line::from(vec![
        Span::styled("Escalation path", theme::title()),
        match &esc.started {
            Some(s) => Span::raw(format!(" · clock started {}", window::clock_text(s.at, tz))),
            None => Span::styled(
                " · the clock starts when a criterion fires or a rollback starts",
                theme::dim(),
            ),
        },
    ]));
    if let Some(s) = &esc.started {
        lines.push(Line::styled(format!("  {}", s.reason), theme::dim()));
    }
    if rb.escalation.is_empty() {
        lines.push(Line::styled(
            "  the runbook has no escalation path",
            theme::dim(),
        ));
    }
    for (i, step) in rb.escalation.iter().enumerate() {
        let (mark, style) = if i == selected {
            ("▸ ", theme::selected())
        } else {
            ("  ", Style::new())
        };
        lines.push(Line::styled(
            format!("{mark}{}. {}", i + 1, step.text),
            style,
        ));
        let mut parts = vec![escalation::who(step).to_string()];
        match escalation::contact_for(rb, step) {
            Some(c) => {
                // "TBD" is a placeholder in the table, not a name to call.
                if !c.name.trim().is_empty() && !c.name.eq_ignore_ascii_case("tbd") {
                    parts.push(c.name.clone());
                }
                parts.push(c.contact.clone());
            }
            None => parts.push("no contact listed".into()),
        }
        let mut spans = vec![Span::raw(format!("     {}", parts.join(" · ")))];
        if let Some(by) = esc.contacted.get(&i) {
            spans.push(Span::styled(
                format!(
                    " · contacted by {} at {}",
                    by.by,
                    by.at.with_timezone(&tz).format("%H:%M")
                ),
                theme::ok(),
            ));
        } else if let Some(due) = escalation::due(state, step) {
            let style = if due.pressing() {
                theme::amber()
            } else {
                Style::new()
            };
            spans.push(Span::raw(" · "));
            spans.push(Span::styled(due.text(), style));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    // From the keymap: a mirror's has no `space contacted`.
    lines.push(keys_line(&view.keymap.footer(Mode::Escalation)));
    lines
}
