//! The questions a rollback asks as it goes (optional step, resume, failed
//! step, alternatives), and the one about a command a stopped cockpit left.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{boxed, confirm_line, key, keys_line, keys_of, option_lines};
use crate::core::action::Cmd;
use crate::core::modal::Ask;
use crate::core::screen::Mode;
use crate::core::state::State;
use crate::core::update::rollback;
use crate::ui::{ViewState, theme};

pub(super) fn rollback_question(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &ViewState,
    ask: &Ask,
    wide: u16,
) {
    let keys = |hints: &[(Cmd, &str)]| keys_line(&keys_of(view, Mode::Ask, hints));
    // "y runs:", or "runs:" where no key answers (a mirror).
    let with_key = |cmd: Cmd, rest: &str| match key(view, Mode::Ask, cmd) {
        Some(k) => format!("{k} {rest}"),
        None => rest.to_string(),
    };
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
            lines.push(keys(&[(Cmd::Confirm, "run"), (Cmd::Skip, "skip")]));
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
                format!(
                    "what ran is journaled; nothing runs twice. {}",
                    with_key(Cmd::Confirm, "runs:")
                ),
                theme::dim(),
            ));
            lines.extend(
                rollback::remaining_lines(state)
                    .into_iter()
                    .map(confirm_line),
            );
            lines.push(Line::raw(""));
            // The rollback key is the way back to this question.
            let later = match key(view, Mode::Normal, Cmd::Rollback) {
                Some(r) => format!("later ({r})"),
                None => "later".to_string(),
            };
            lines.push(keys(&[
                (Cmd::Confirm, "go on with the rollback"),
                (Cmd::Cancel, &later),
            ]));
        }
        Ask::Failed(i) if state.rollback.as_ref().is_some_and(|d| d.unknown) => {
            lines.push(Line::raw(format!(
                "Step {}: {}: the cockpit stopped while it ran.",
                i + 1,
                title(*i)
            )));
            lines.push(Line::styled(
                format!(
                    "whether it finished is unknown. {}",
                    with_key(Cmd::Retry, "runs it again, then the rest:")
                ),
                theme::dim(),
            ));
            lines.extend(
                rollback::remaining_lines(state)
                    .into_iter()
                    .map(confirm_line),
            );
            lines.push(Line::raw(""));
            lines.push(keys(&[
                (Cmd::Retry, "run it again"),
                (Cmd::Skip, "skip it"),
                (Cmd::Abort, "abort the rollback"),
            ]));
        }
        Ask::Failed(i) => {
            lines.push(Line::raw(format!("Step {}: {} failed.", i + 1, title(*i))));
            lines.push(Line::raw(""));
            lines.push(keys(&[
                (Cmd::Retry, "retry"),
                (Cmd::Skip, "skip"),
                (Cmd::Abort, "abort the rollback"),
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
            // The digits are not in the keymap: an option's number is its key.
            let mut hints = vec![("1-9".to_string(), "run that one")];
            hints.extend(keys_of(view, Mode::Ask, &[(Cmd::Skip, "skip the step")]));
            lines.push(keys_line(&hints));
        }
    }
    boxed(frame, area, wide.min(90), " Rollback ", theme::red(), lines);
}

pub(super) fn leftover(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    view: &ViewState,
    run: u64,
    pgid: u32,
    wide: u16,
) {
    let lines = vec![
        Line::raw(crate::core::update::runs::leftover_question(
            state, run, pgid,
        )),
        Line::styled("starting the step again could run it twice", theme::dim()),
        Line::raw(""),
        keys_line(&keys_of(
            view,
            Mode::Ask,
            &[
                (Cmd::Kill, "kill it"),
                (Cmd::Wait, "wait"),
                (Cmd::Leave, "leave it"),
            ],
        )),
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
