//! The application log pane: the newest lines, a filter, the zoom. The
//! stream's journaled facts are folded in [`crate::core::session::logs`].

use crate::core::action::Cmd;
use crate::core::effect::Effect;
use crate::core::event::Event;
use crate::core::screen::LogPane;
use crate::core::state::State;
use crate::domain::logs::LogMsg;

/// A message from the stream's worker: lines for the pane (never
/// journaled), exits as facts.
pub fn message(state: &mut State, msg: LogMsg) -> Vec<Effect> {
    match msg {
        LogMsg::Started { attempt, .. } => {
            state.logs.attempt = attempt;
            Vec::new()
        }
        LogMsg::Lines { lines, skipped } => {
            state.logs.lines.0.extend(skipped, lines);
            Vec::new()
        }
        // Counts are batched by the loop into one `LogCounts` a second.
        LogMsg::Count(_) => Vec::new(),
        LogMsg::Exited {
            code,
            signal,
            error,
            restart_in,
        } => vec![Effect::Journal(Event::LogStreamExited {
            code,
            signal,
            error,
            restart_in_ms: u64::try_from(restart_in.as_millis()).unwrap_or(u64::MAX),
        })],
    }
}

/// The lines the pane shows: all of them, or the newest of those the
/// filter keeps (case-insensitive).
pub fn visible<'a>(
    pane: &'a LogPane,
    filter: Option<&str>,
    height: usize,
) -> Vec<&'a crate::domain::exec::Line> {
    match filter.filter(|f| !f.is_empty()) {
        None => pane.lines.0.visible(height).map(|(_, l)| l).collect(),
        Some(f) => {
            let f = f.to_lowercase();
            let mut out: Vec<&crate::domain::exec::Line> = pane
                .lines
                .0
                .iter()
                .rev()
                .map(|(_, l)| l)
                .filter(|l| l.text.to_lowercase().contains(&f))
                .take(height)
                .collect();
            out.reverse();
            out
        }
    }
}

/// `L`: the pane full screen, or back. Without a stream there is nothing
/// to show but how to start one.
pub fn zoom(state: &mut State) {
    if state.session.logs.command.is_none() && !state.logs.zoom {
        state.ui.flash = Some("no log stream: start one with --logs CMD".into());
        return;
    }
    state.logs.zoom = !state.logs.zoom;
}

/// Keys while the pane is zoomed; false leaves the key to Normal's handling.
pub fn command(state: &mut State, cmd: Cmd) -> bool {
    let page = state.ui.page.max(1);
    let lines = &mut state.logs.lines.0;
    match cmd {
        Cmd::Up => lines.scroll_up(1),
        Cmd::Down => lines.scroll_down(1),
        Cmd::PageUp => lines.page_up(page),
        Cmd::PageDown => lines.page_down(page),
        Cmd::Top => lines.scroll_up(usize::MAX / 2),
        Cmd::Bottom | Cmd::Follow => lines.follow(),
        Cmd::Search => {
            let text = state.logs.filter.clone().unwrap_or_default();
            state.ui.modal = Some(crate::core::modal::Modal::Input {
                field: crate::core::modal::Field::LogFilter,
                text,
            });
        }
        // esc: the filter goes first, then the zoom.
        Cmd::Cancel if state.logs.filter.is_some() => state.logs.filter = None,
        Cmd::Cancel | Cmd::ZoomLogs => state.logs.zoom = false,
        _ => return false,
    }
    true
}

/// The filter the pane applies: the one being typed, else the one set.
pub fn filter(state: &State) -> Option<&str> {
    match &state.ui.modal {
        Some(crate::core::modal::Modal::Input {
            field: crate::core::modal::Field::LogFilter,
            text,
        }) => Some(text.as_str()),
        _ => state.logs.filter.as_deref(),
    }
}
