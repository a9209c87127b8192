//! The confirm before a step's commands run, and the pick between a step's
//! alternatives.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{boxed, key, keys_line, keys_of, option_lines};
use crate::core::action::Cmd;
use crate::core::modal::Pick;
use crate::core::modal::RunPlan;
use crate::core::screen::Mode;
use crate::core::state::State;
use crate::ui::{ViewState, theme};

pub(super) fn confirm(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &ViewState,
    plan: &RunPlan,
    wide: u16,
) {
    let yes = key(view, Mode::Confirm, Cmd::Confirm).unwrap_or_else(|| "confirming".into());
    let mut lines = vec![Line::styled(plan.title.clone(), theme::title())];
    lines.push(Line::styled(
        format!(
            "runs in {} with {} {}",
            state.settings.exec.workdir.display(),
            state.settings.exec.shell,
            state.settings.exec.flags.join(" ")
        ),
        theme::dim(),
    ));
    lines.push(Line::raw(""));
    lines.extend(
        plan.display
            .lines()
            .map(|l| Line::styled(l.to_string(), theme::command())),
    );
    lines.push(Line::raw(""));
    if plan.second {
        lines.push(Line::styled(
            format!("a command is already running: {yes} starts a second one alongside it"),
            theme::amber(),
        ));
    }
    // Its last run was cut off by a stopped cockpit: running it again
    // may deploy twice, or redo half-done work.
    if let Some(r) = plan
        .target
        .and_then(|t| state.session.runs.latest_for(t))
        .filter(|r| r.interrupted())
    {
        let text = match (r.still_running, r.pgid) {
            (true, Some(pid)) => format!(
                "its last run (pid {pid}) is still running since the cockpit stopped: \
                 {yes} starts it again alongside"
            ),
            _ => "its last run was interrupted when the cockpit stopped: check what it \
                  did before running it again"
                .to_string(),
        };
        lines.push(Line::styled(text, theme::amber()));
    }
    match &plan.interactive {
        Some(reason) => {
            lines.push(Line::styled(
                format!("runs on the terminal: {reason} (output is not captured)"),
                theme::amber(),
            ));
            lines.push(keys_line(&keys_of(
                view,
                Mode::Confirm,
                &[
                    (Cmd::Confirm, "run in the terminal (tty)"),
                    (Cmd::Cancel, "cancel"),
                ],
            )));
        }
        None => {
            let mut hints = vec![(Cmd::Confirm, "run it")];
            // A rollback step runs captured: the tty key does nothing there.
            if plan.rollback_step.is_none() {
                hints.push((Cmd::RunInTerminal, "run in the terminal (tty)"));
            }
            hints.push((Cmd::Cancel, "cancel"));
            lines.push(keys_line(&keys_of(view, Mode::Confirm, &hints)));
        }
    }
    boxed(frame, area, wide, " Run this? ", theme::amber(), lines);
}

pub(super) fn pick(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &ViewState,
    pick: &Pick,
    wide: u16,
) {
    let mut lines = vec![
        Line::styled(pick.title.clone(), theme::title()),
        Line::raw("These are alternatives: run which one?"),
    ];
    lines.extend(option_lines(state, &pick.options));
    lines.push(Line::raw(""));
    // The digits are not in the keymap: an option's number is its key.
    let mut hints = vec![("1-9".to_string(), "confirm that one")];
    hints.extend(keys_of(view, Mode::Ask, &[(Cmd::Cancel, "cancel")]));
    lines.push(keys_line(&hints));
    boxed(
        frame,
        area,
        wide.min(90),
        " Which one? ",
        theme::amber(),
        lines,
    );
}
