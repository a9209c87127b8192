//! The bottom line: key hints for the current mode, taken from the keymap, or
//! the search being typed, or a short message about the last key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{ViewState, modal, theme};
use crate::core::action::Cmd;
use crate::core::modal::Confirm;
use crate::core::modal::Field;
use crate::core::modal::Modal;
use crate::core::screen::Mode;
use crate::core::state::State;

pub fn render(frame: &mut Frame, area: Rect, state: &State, view: &ViewState) {
    if let Some(Modal::Input { field, text }) = &state.ui.modal {
        let (prompt, hint) = match field {
            Field::Search => (
                "/",
                modal::said(
                    view,
                    Mode::Input,
                    &[(Cmd::Submit, "jump"), (Cmd::Cancel, "cancel")],
                ),
            ),
            Field::LogFilter => (
                "filter /",
                modal::said(
                    view,
                    Mode::Input,
                    &[
                        (Cmd::Submit, "keep · empty clears"),
                        (Cmd::Cancel, "cancel"),
                    ],
                ),
            ),
            _ => ("", String::new()),
        };
        if !prompt.is_empty() {
            let line = Line::from(vec![
                Span::styled(prompt, theme::key()),
                Span::raw(text.clone()),
                Span::styled("▏", theme::key()),
                Span::styled(format!("   {hint}"), theme::dim()),
            ]);
            frame.render_widget(Paragraph::new(line), area);
            return;
        }
    }
    let mut spans = Vec::new();
    if let Some(flash) = &state.ui.flash {
        spans.push(Span::styled(format!(" {flash} "), theme::amber()));
    } else if let Some(asked) = crate::core::update::copilot::pending_request(state) {
        // Stays until a rollback starts or `esc` puts it away: a co-pilot's
        // request must not be lost to the next key.
        let text = match view.keymap.first_key(state.mode(), Cmd::Rollback) {
            Some(k) if !state.read_only => {
                let esc = view
                    .keymap
                    .first_key(state.mode(), Cmd::Cancel)
                    .map_or(String::new(), |e| format!(", {e} to dismiss"));
                format!(" {} requests a rollback — {k} to roll back{esc} ", asked.by)
            }
            _ => format!(" {} requests a rollback ", asked.by),
        };
        spans.push(Span::styled(text, theme::amber()));
    } else if state.read_only
        && state.replay.is_none()
        && state.ui.modal.is_none()
        && let Some(ask) = crate::core::update::copilot::waiting(state)
    {
        // A mirror sees the rollback stand still: say on what, and who may
        // answer.
        let who = state
            .session
            .started
            .as_ref()
            .map_or("the deployer", |s| s.by.as_str());
        let answer = match view.keymap.first_key(state.mode(), Cmd::Rollback) {
            Some(k) if crate::core::update::copilot::question(state).is_some() => {
                format!(" — {k} to answer")
            }
            _ => String::new(),
        };
        spans.push(Span::styled(
            format!(
                " the rollback waits for {who}: {}{answer} ",
                crate::core::update::copilot::waiting_text(ask)
            ),
            theme::amber(),
        ));
    }
    let mut hints = view.keymap.footer(state.mode());
    if state.mode() == crate::core::screen::Mode::Logs {
        // `/` filters the log rather than searching the checklist.
        let search = Cmd::Search.hint();
        for (_, h) in hints.iter_mut().filter(|(_, h)| *h == search) {
            *h = "filter";
        }
    }
    if state.copilot {
        // A co-pilot's enter only shows a command, and R only asks unless
        // the deployer's config lets them run the rollback.
        let rolls_back = state.settings.team.copilot_may_roll_back;
        for (_, h) in hints.iter_mut() {
            if *h == Cmd::Open.hint() {
                *h = "show";
            } else if *h == Cmd::Rollback.hint() && !rolls_back {
                *h = "ask rollback";
            }
        }
        // What the deployer waits for comes first.
        if state.emergency_pending()
            && let Some(k) = view.keymap.first_key(state.mode(), Cmd::Approve)
        {
            hints.insert(0, (k, "approve emergency"));
        }
    }
    // Every confirm shares the confirm keys, but only quitting can also
    // write the report: elsewhere the hint would promise a dead key.
    if !matches!(state.ui.modal, Some(Modal::Confirm(Confirm::Quit))) {
        let report = Cmd::QuitWithReport.hint();
        hints.retain(|(_, h)| *h != report);
    }
    let used: usize = spans.iter().map(Span::width).sum();
    let width = |h: &[(String, &str)]| -> usize {
        h.iter()
            .map(|(k, d)| k.chars().count() + d.chars().count() + 3)
            .sum()
    };
    // Too narrow: drop the hints a deployer needs least; help and quit stay.
    // The escalation hint goes last: `C` matters most once things go wrong,
    // yet help and quit must never be pushed off.
    for drop in [
        "log",
        "note",
        "n/a",
        "search",
        "command",
        "move",
        "escalation",
    ] {
        if used + width(&hints) <= usize::from(area.width) {
            break;
        }
        hints.retain(|(_, h)| *h != drop);
    }
    // Still too wide: drop whole hints from the end, help and quit last,
    // rather than let the edge cut a word in half.
    while used + width(&hints) > usize::from(area.width) {
        let keep = [Cmd::Help.hint(), Cmd::Quit.hint()];
        match hints.iter().rposition(|(_, h)| !keep.contains(h)) {
            Some(i) => {
                hints.remove(i);
            }
            None if !hints.is_empty() => {
                hints.remove(0);
            }
            None => break,
        }
    }
    for (key, hint) in hints {
        spans.push(Span::styled(format!(" {key}"), theme::key()));
        spans.push(Span::styled(format!(" {hint} "), theme::dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
