//! The questions a rollback asks as it goes (optional step, resume, failed
//! step, alternatives), and the one about a command a stopped cockpit left.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{boxed, confirm_line, keys_line, option_lines};
use crate::core::state::{Ask, State, rollback};
use crate::ui::theme;

pub(super) fn rollback_question(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    ask: &Ask,
    wide: u16,
) {
    let step = |i: usize| rollback::procedure(state).and_then(|r| r.steps.get(i));
    let title = |i: usize| step(i).map_or_else(String::new, |s| s.title.clone());
    let mut lines = Vec::new();
    match ask {
        Ask::Optional(i) => {
            lines.push(Line::raw(format!(
                "Step {}: {} is optional. Run it?",
                i + 1,
                title(*i)
            )));
            lines.push(Line::raw(""));
            lines.push(keys_line(&[("y", "run"), ("n", "skip")]));
        }
        Ask::Resume(i) => {
            let done = state.rollback.as_ref().map_or(0, |d| d.block);
            lines.push(Line::raw(match done {
                0 => format!("The rollback stopped before step {}: {}.", i + 1, title(*i)),
                n => format!(
                    "The rollback stopped in step {}: {}, after {n} of its commands.",
                    i + 1,
                    title(*i)
                ),
            }));
            lines.push(Line::styled(
                "what ran is journaled; nothing runs twice. y runs:",
                theme::dim(),
            ));
            lines.extend(
                rollback::remaining_lines(state)
                    .into_iter()
                    .map(confirm_line),
            );
            lines.push(Line::raw(""));
            lines.push(keys_line(&[
                ("y", "go on with the rollback"),
                ("esc", "later (R)"),
            ]));
        }
        Ask::Failed(i) if state.rollback.as_ref().is_some_and(|d| d.unknown) => {
            lines.push(Line::raw(format!(
                "Step {}: {}: the cockpit stopped while it ran.",
                i + 1,
                title(*i)
            )));
            lines.push(Line::styled(
                "whether it finished is unknown. r runs it again, then the rest:",
                theme::dim(),
            ));
            lines.extend(
                rollback::remaining_lines(state)
                    .into_iter()
                    .map(confirm_line),
            );
            lines.push(Line::raw(""));
            lines.push(keys_line(&[
                ("r", "run it again"),
                ("s", "skip it"),
                ("a", "abort the rollback"),
            ]));
        }
        Ask::Failed(i) => {
            lines.push(Line::raw(format!("Step {}: {} failed.", i + 1, title(*i))));
            lines.push(Line::raw(""));
            lines.push(keys_line(&[
                ("r", "retry"),
                ("s", "skip"),
                ("a", "abort the rollback"),
            ]));
        }
        Ask::Choice(i) => {
            lines.push(Line::raw(format!(
                "Step {}: {}: these are alternatives. Which one?",
                i + 1,
                title(*i)
            )));
            lines.push(Line::styled(
                "only the one you pick runs; your choice is journaled",
                theme::dim(),
            ));
            lines.extend(option_lines(
                state,
                step(*i).map(|s| &s.options[..]).unwrap_or(&[]),
            ));
            lines.push(Line::raw(""));
            lines.push(keys_line(&[
                ("1-9", "run that one"),
                ("s", "skip the step"),
            ]));
        }
    }
    boxed(frame, area, wide.min(90), " Rollback ", theme::red(), lines);
}

pub(super) fn leftover(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    run: u64,
    pgid: u32,
    wide: u16,
) {
    let lines = vec![
        Line::raw(crate::core::state::runs::leftover_question(
            state, run, pgid,
        )),
        Line::styled("starting the step again could run it twice", theme::dim()),
        Line::raw(""),
        keys_line(&[("k", "kill it"), ("w", "wait"), ("l", "leave it")]),
    ];
    boxed(
        frame,
        area,
        wide.min(100),
        " Interrupted ",
        theme::amber(),
        lines,
    );
}
